import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link X509SvidError}: one per rule of the X.509-SVID standard and path validation.
 * Parsing your own SVID (`X509Svid.parse*`) and verifying a peer's (`verifyX509Svid`) throw them;
 * the mTLS helpers put them as the `cause` of a `TlsError` `ERR_TLS_PEER_VERIFICATION`.
 *
 * @example
 * ```ts
 * import { verifyX509Svid, X509SvidError } from 'spiffe-kit';
 * try {
 *   verifyX509Svid(peerChain, bundles);
 * } catch (err) {
 *   if (!(err instanceof X509SvidError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_X509SVID_EXPIRED':
 *     case 'ERR_X509SVID_NOT_YET_VALID': console.warn(`certificate #${err.certificateIndex} is outside its validity`); break;
 *     case 'ERR_X509SVID_NO_BUNDLE': console.warn('the peer belongs to a trust domain we do not trust'); break;
 *     default: console.warn(err.message);
 *   }
 * }
 * ```
 */
export type X509SvidErrorCode =
  | 'ERR_X509SVID_EMPTY_CHAIN'
  | 'ERR_X509SVID_MALFORMED_CERTIFICATE'
  | 'ERR_X509SVID_NO_URI_SAN'
  | 'ERR_X509SVID_MULTIPLE_URI_SANS'
  | 'ERR_X509SVID_INVALID_ID'
  | 'ERR_X509SVID_ROOT_ID'
  | 'ERR_X509SVID_LEAF_IS_CA'
  | 'ERR_X509SVID_LEAF_KEY_CERT_SIGN'
  | 'ERR_X509SVID_LEAF_CRL_SIGN'
  | 'ERR_X509SVID_KEY_USAGE'
  | 'ERR_X509SVID_NO_BUNDLE'
  | 'ERR_X509SVID_UNKNOWN_AUTHORITY'
  | 'ERR_X509SVID_SIGNATURE'
  | 'ERR_X509SVID_INTERMEDIATE_NOT_CA'
  | 'ERR_X509SVID_INTERMEDIATE_KEY_USAGE'
  | 'ERR_X509SVID_PATH_LENGTH'
  | 'ERR_X509SVID_EXPIRED'
  | 'ERR_X509SVID_NOT_YET_VALID'
  | 'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION'
  | 'ERR_X509SVID_UNSUPPORTED_POLICY'
  | 'ERR_X509SVID_UNSUPPORTED_ALGORITHM'
  | 'ERR_X509SVID_CHAIN_TOO_LONG'
  | 'ERR_X509SVID_PATH_BUDGET'
  | 'ERR_X509SVID_WEAK_KEY'
  | 'ERR_X509SVID_WEAK_ALGORITHM'
  | 'ERR_X509SVID_NAME_CONSTRAINTS'
  | 'ERR_X509SVID_PRIVATE_KEY'
  | 'ERR_X509SVID_KEY_MISMATCH'
  | 'ERR_X509SVID_ID_MISMATCH'
  | 'ERR_X509SVID_BAD_INPUT';

/**
 * An X.509-SVID (own or peer) broke a rule of the X.509-SVID standard or failed path validation.
 * `code` names the rule; `certificateIndex` says which certificate of the presented chain
 * (0 = leaf) when one is to blame.
 *
 * @example
 * ```ts
 * import { verifyX509Svid, X509SvidError } from 'spiffe-kit';
 * try {
 *   verifyX509Svid(chain, bundles);
 * } catch (err) {
 *   if (err instanceof X509SvidError && err.code === 'ERR_X509SVID_EXPIRED') {
 *     console.warn(`certificate #${err.certificateIndex} expired`);
 *   }
 * }
 * ```
 */
export class X509SvidError extends SpiffeError {
  declare readonly code: X509SvidErrorCode;
  /** Index in the presented chain of the certificate at fault (0 = leaf), when there is one. */
  readonly certificateIndex: number | undefined;

  constructor(code: X509SvidErrorCode, message: string, options?: { certificateIndex?: number; cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.certificateIndex = options?.certificateIndex;
  }
}
