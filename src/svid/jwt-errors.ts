import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link JwtSvidError}, one per rule of JWT-SVID validation (checked in this order):
 *
 * - `ERR_JWT_INVALID_ARGUMENT`: the call itself is wrong (token not a string, bad `now` or leeway,
 *   an expected audience that is not a non-empty string).
 * - `ERR_JWT_AUDIENCE_EMPTY_EXPECTED`: the expected audience list is empty (a usage error, never
 *   "skip the check").
 * - `ERR_JWT_MALFORMED`: not a compact JWS (3 base64url parts; JSON serialization is refused),
 *   longer than 64 KiB, a part that is not canonical unpadded base64url (padding, characters
 *   outside the alphabet, non-zero trailing bits), or a header / payload that is not a UTF-8 JSON
 *   object with unique member names.
 * - `ERR_JWT_ALG_NOT_ALLOWED`: `alg` is not one of RS256/384/512, ES256/384/512, PS256/384/512.
 * - `ERR_JWT_TYP`: `typ` is present and is neither `JWT` nor `JOSE`.
 * - `ERR_JWT_MISSING_KID`: no `kid` header (or not a non-empty string).
 * - `ERR_JWT_HEADER_NOT_ALLOWED`: any header parameter besides `alg`, `typ`, `kid` (`crit`, `jku`,
 *   `x5u`, `jwk`, `x5c`, `b64`, …).
 * - `ERR_JWT_CLAIM_TYPE`: `sub`, `aud`, `exp`, `nbf` or `iat` has the wrong JSON type.
 * - `ERR_JWT_SUBJECT`: `sub` is missing or not a SPIFFE ID.
 * - `ERR_JWT_AUDIENCE`: `aud` is missing or empty, or holds none of the expected audiences.
 * - `ERR_JWT_MISSING_EXP`: no `exp`.
 * - `ERR_JWT_EXPIRED`: `exp` is in the past beyond the leeway.
 * - `ERR_JWT_NOT_YET_VALID`: `nbf` is in the future beyond the leeway.
 * - `ERR_JWT_ISSUED_IN_FUTURE`: `iat` is in the future beyond the leeway.
 * - `ERR_JWT_NO_BUNDLE`: no JWT bundle for the subject's trust domain.
 * - `ERR_JWT_UNKNOWN_KID`: that bundle has no authority with the token's `kid`.
 * - `ERR_JWT_KEY_ALG_MISMATCH`: the authority cannot verify `alg` (an EC key and RS256, a P-256 key
 *   and ES384, an RSA key under 2048 bits, …).
 * - `ERR_JWT_SIGNATURE`: the signature does not verify.
 *
 * @example
 * ```ts
 * import { JwtSvid, JwtSvidError } from 'spiffe-kit';
 * try {
 *   await JwtSvid.parseAndValidate(token, jwtSource, 'my-api');
 * } catch (err) {
 *   if (!(err instanceof JwtSvidError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_JWT_NO_BUNDLE':
 *     case 'ERR_JWT_UNKNOWN_KID': break; // the bundle may not have caught up with a new key: retry shortly
 *     case 'ERR_JWT_EXPIRED': res.writeHead(401).end('token expired'); break;
 *     default: res.writeHead(401).end();
 *   }
 * }
 * ```
 */
export type JwtSvidErrorCode =
  | 'ERR_JWT_INVALID_ARGUMENT'
  | 'ERR_JWT_AUDIENCE_EMPTY_EXPECTED'
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_ALG_NOT_ALLOWED'
  | 'ERR_JWT_TYP'
  | 'ERR_JWT_MISSING_KID'
  | 'ERR_JWT_HEADER_NOT_ALLOWED'
  | 'ERR_JWT_CLAIM_TYPE'
  | 'ERR_JWT_SUBJECT'
  | 'ERR_JWT_AUDIENCE'
  | 'ERR_JWT_MISSING_EXP'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_ISSUED_IN_FUTURE'
  | 'ERR_JWT_NO_BUNDLE'
  | 'ERR_JWT_UNKNOWN_KID'
  | 'ERR_JWT_KEY_ALG_MISMATCH'
  | 'ERR_JWT_SIGNATURE';

/**
 * What a {@link JwtSvidError} is about. Values taken from the token are cut short; the token itself
 * is never part of an error (it is a bearer credential).
 *
 * @example
 * ```ts
 * try {
 *   await JwtSvid.parseAndValidate(token, bundles, 'my-api');
 * } catch (err) {
 *   if (err instanceof JwtSvidError && err.code === 'ERR_JWT_EXPIRED') console.warn(`${err.subject}: ${err.claim} is past`);
 * }
 * ```
 */
export interface JwtSvidErrorContext {
  /** The claim at fault (`sub`, `aud`, `exp`, `nbf`, `iat`). */
  readonly claim?: string | undefined;
  /** The header parameter at fault (`alg`, `typ`, `kid`, `crit`, …). */
  readonly header?: string | undefined;
  /** The token's subject, once it is known to be a SPIFFE ID. */
  readonly subject?: string | undefined;
  /** The subject's trust domain (whose bundle was used or missing). */
  readonly trustDomain?: string | undefined;
  /** The token's `kid`. */
  readonly kid?: string | undefined;
  /** The audiences the caller expected. */
  readonly expectedAudience?: readonly string[] | undefined;
  readonly cause?: unknown;
}

/**
 * A JWT-SVID failed parsing or validation. `code` names the rule; the fields say which claim,
 * header, subject, trust domain or key was involved.
 *
 * @example
 * ```ts
 * import { JwtSvid, JwtSvidError } from 'spiffe-kit';
 * try {
 *   await JwtSvid.parseAndValidate(token, bundles, 'my-api');
 * } catch (err) {
 *   if (err instanceof JwtSvidError) {
 *     res.statusCode = err.code === 'ERR_JWT_AUDIENCE' ? 403 : 401;
 *     log.warn({ code: err.code, subject: err.subject }, err.message);
 *   }
 * }
 * ```
 */
export class JwtSvidError extends SpiffeError {
  declare readonly code: JwtSvidErrorCode;
  /** The claim at fault, when one is. */
  readonly claim: string | undefined;
  /** The header parameter at fault, when one is. */
  readonly header: string | undefined;
  /** The token's subject, when it was read. */
  readonly subject: string | undefined;
  /** The subject's trust domain, when it was read. */
  readonly trustDomain: string | undefined;
  /** The token's `kid`, when it was read. */
  readonly kid: string | undefined;
  /** The audiences the caller expected, for audience errors. */
  readonly expectedAudience: readonly string[] | undefined;

  constructor(code: JwtSvidErrorCode, message: string, context: JwtSvidErrorContext = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.claim = context.claim;
    this.header = context.header;
    this.subject = context.subject;
    this.trustDomain = context.trustDomain;
    this.kid = context.kid;
    this.expectedAudience = context.expectedAudience;
  }
}
