import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link BundleError}:
 *
 * - `ERR_BUNDLE_INVALID_ARGUMENT`: the caller passed something that is not bundle input at all
 *   (wrong type, a private or secret key where a public key belongs).
 * - `ERR_BUNDLE_MALFORMED`: not JSON, not a JWK Set (`keys` missing or not an array), a key that
 *   is not an object or has no `kty`, a bad `spiffe_sequence` / `spiffe_refresh_hint`, broken PEM.
 * - `ERR_BUNDLE_INVALID_CERTIFICATE`: bytes that should be a certificate are not one.
 * - `ERR_BUNDLE_X5C`: an `x509-svid` key without exactly one certificate in `x5c`.
 * - `ERR_BUNDLE_KEY_MISMATCH`: an `x509-svid` key whose JWK parameters are not its certificate's key.
 * - `ERR_BUNDLE_MISSING_KID`: a JWT authority without a key ID.
 * - `ERR_BUNDLE_DUPLICATE_KID`: two different JWT authorities with the same key ID.
 * - `ERR_BUNDLE_INVALID_KEY`: a JWK that cannot be imported, or that holds private key material.
 * - `ERR_BUNDLE_TRUST_DOMAIN_MISMATCH`: parts of different trust domains were combined.
 * - `ERR_BUNDLE_TOO_LARGE`: more authorities than the configured limit.
 *
 * @example
 * ```ts
 * import { BundleError, JwtBundle } from 'spiffe-kit';
 * try {
 *   JwtBundle.fromJwks('example.org', body);
 * } catch (err) {
 *   if (!(err instanceof BundleError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_BUNDLE_MISSING_KID':
 *     case 'ERR_BUNDLE_DUPLICATE_KID': console.error(`key #${err.keyIndex} of ${err.trustDomain}: ${err.message}`); break;
 *     case 'ERR_BUNDLE_TOO_LARGE': console.error('more authorities than allowed'); break;
 *     default: throw err;
 *   }
 * }
 * ```
 */
export type BundleErrorCode =
  | 'ERR_BUNDLE_INVALID_ARGUMENT'
  | 'ERR_BUNDLE_MALFORMED'
  | 'ERR_BUNDLE_INVALID_CERTIFICATE'
  | 'ERR_BUNDLE_X5C'
  | 'ERR_BUNDLE_KEY_MISMATCH'
  | 'ERR_BUNDLE_MISSING_KID'
  | 'ERR_BUNDLE_DUPLICATE_KID'
  | 'ERR_BUNDLE_INVALID_KEY'
  | 'ERR_BUNDLE_TRUST_DOMAIN_MISMATCH'
  | 'ERR_BUNDLE_TOO_LARGE';

/**
 * Where in a bundle an error was found: the fields of a {@link BundleError}, set by the parsers.
 *
 * @example
 * ```ts
 * try {
 *   SpiffeBundle.parse('partner.example', body);
 * } catch (err) {
 *   if (err instanceof BundleError) console.error(err.trustDomain, err.keyIndex, err.certificateIndex, err.kid);
 * }
 * ```
 */
export interface BundleErrorContext {
  /** The trust domain whose bundle was being read or built. */
  readonly trustDomain?: string | undefined;
  /** Index of the offending entry of the JWK Set's `keys` array. */
  readonly keyIndex?: number | undefined;
  /** Index of the offending certificate (in DER or PEM input). */
  readonly certificateIndex?: number | undefined;
  /** The `kid` of the offending key, when it has one. */
  readonly kid?: string | undefined;
  readonly cause?: unknown;
}

/**
 * A trust bundle (X.509, JWT or SPIFFE format) could not be read or built. The message names the
 * trust domain and the offending key or certificate; the same facts are on the error as fields.
 *
 * @example
 * ```ts
 * import { BundleError, JwtBundle } from 'spiffe-kit';
 * try {
 *   JwtBundle.fromJwks('example.org', '{"keys":[{"kty":"EC","crv":"P-256","x":"…","y":"…"}]}');
 * } catch (err) {
 *   if (err instanceof BundleError && err.code === 'ERR_BUNDLE_MISSING_KID') {
 *     console.error(err.trustDomain, err.keyIndex); // 'example.org' 0
 *   }
 * }
 * ```
 */
export class BundleError extends SpiffeError {
  declare readonly code: BundleErrorCode;
  /** The trust domain whose bundle was being read or built. */
  readonly trustDomain: string | undefined;
  /** Index of the offending entry of `keys`, when one is to blame. */
  readonly keyIndex: number | undefined;
  /** Index of the offending certificate, when one is to blame. */
  readonly certificateIndex: number | undefined;
  /** The `kid` of the offending key, when it has one. */
  readonly kid: string | undefined;

  constructor(code: BundleErrorCode, message: string, context: BundleErrorContext = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.trustDomain = context.trustDomain;
    this.keyIndex = context.keyIndex;
    this.certificateIndex = context.certificateIndex;
    this.kid = context.kid;
  }
}

/** Quotes untrusted text for an error message: JSON-escaped and cut to `max` characters. */
export function quote(value: unknown, max = 64): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
