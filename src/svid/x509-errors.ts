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
  /** The SVID has no certificate. */
  | 'ERR_X509SVID_EMPTY_CHAIN'
  /** A certificate of the chain is not valid DER / X.509. */
  | 'ERR_X509SVID_MALFORMED_CERTIFICATE'
  /** The leaf has no URI SAN (an X.509-SVID carries its SPIFFE ID as exactly one). */
  | 'ERR_X509SVID_NO_URI_SAN'
  /** The leaf has more than one URI SAN. */
  | 'ERR_X509SVID_MULTIPLE_URI_SANS'
  /** The leaf's URI SAN is not a valid SPIFFE ID (the `cause` is the `SpiffeIdError`). */
  | 'ERR_X509SVID_INVALID_ID'
  /** The leaf's SPIFFE ID has no path (a trust domain's own ID is no workload identity). */
  | 'ERR_X509SVID_ROOT_ID'
  /** The leaf is a CA certificate (basicConstraints `cA` true). */
  | 'ERR_X509SVID_LEAF_IS_CA'
  /** The leaf has keyUsage `keyCertSign`. */
  | 'ERR_X509SVID_LEAF_KEY_CERT_SIGN'
  /** The leaf has keyUsage `cRLSign`. */
  | 'ERR_X509SVID_LEAF_CRL_SIGN'
  /** The leaf has no keyUsage extension, or one not marked critical. */
  | 'ERR_X509SVID_KEY_USAGE'
  /** No X.509 bundle for the peer's trust domain: it cannot be authenticated. */
  | 'ERR_X509SVID_NO_BUNDLE'
  /** The chain leads to no authority of its trust domain's bundle. */
  | 'ERR_X509SVID_UNKNOWN_AUTHORITY'
  /** A certificate's signature does not verify with its issuer's key. */
  | 'ERR_X509SVID_SIGNATURE'
  /** A certificate that signs another is not a CA. */
  | 'ERR_X509SVID_INTERMEDIATE_NOT_CA'
  /** A certificate that signs another lacks keyUsage `keyCertSign`. */
  | 'ERR_X509SVID_INTERMEDIATE_KEY_USAGE'
  /** A CA's pathLenConstraint allows fewer intermediates below it than the path has. */
  | 'ERR_X509SVID_PATH_LENGTH'
  /** A certificate of the path is past its notAfter. */
  | 'ERR_X509SVID_EXPIRED'
  /** A certificate of the path is before its notBefore. */
  | 'ERR_X509SVID_NOT_YET_VALID'
  /** A critical extension spiffe-kit does not understand. */
  | 'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION'
  /** Certificate policy extensions, which spiffe-kit does not process. */
  | 'ERR_X509SVID_UNSUPPORTED_POLICY'
  /** A signature algorithm spiffe-kit does not verify. */
  | 'ERR_X509SVID_UNSUPPORTED_ALGORITHM'
  /** More certificates than {@link MAX_SVID_CHAIN_LENGTH} (own SVID) or {@link MAX_PEER_CHAIN_LENGTH} (peer chain). */
  | 'ERR_X509SVID_CHAIN_TOO_LONG'
  /** Path building would take more than {@link MAX_SIGNATURE_CHECKS} signature checks, or a certificate has more than {@link MAX_ISSUER_CANDIDATES} candidate issuers. */
  | 'ERR_X509SVID_PATH_BUDGET'
  /** A key below the accepted strength (RSA under {@link MIN_RSA_MODULUS_BITS} or over {@link MAX_RSA_MODULUS_BITS} bits, an EC curve other than P-256/384/521). */
  | 'ERR_X509SVID_WEAK_KEY'
  /** A certificate signed with RSASSA-PSS parameters Go refuses (SHA-1, or another weak form). */
  | 'ERR_X509SVID_WEAK_ALGORITHM'
  /** A certificate of the path breaks a CA's name constraints. */
  | 'ERR_X509SVID_NAME_CONSTRAINTS'
  /** Your SVID's private key is missing or not an unencrypted PKCS#8 DER key. */
  | 'ERR_X509SVID_PRIVATE_KEY'
  /** Your SVID's private key does not match its leaf's public key. */
  | 'ERR_X509SVID_KEY_MISMATCH'
  /** The SVID's leaf holds another SPIFFE ID than the one it was announced as (`expectedId`). */
  | 'ERR_X509SVID_ID_MISMATCH'
  /** The certificates or options passed are not of the accepted types. */
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
