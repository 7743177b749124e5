import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link SpiffeIdError}; one per rule of the SPIFFE ID standard. `SpiffeId.parse`,
 * `SpiffeId.fromSegments`, `TrustDomain.parse` and everything that reads a SPIFFE ID from input
 * (a certificate's URI SAN, a token's `sub`, a selector) throw them.
 *
 * @example
 * ```ts
 * import { SpiffeId, SpiffeIdError } from 'spiffe-kit';
 * try {
 *   SpiffeId.parse(input);
 * } catch (err) {
 *   if (!(err instanceof SpiffeIdError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_SPIFFEID_SCHEME': console.error('not a spiffe:// URI'); break;
 *     case 'ERR_SPIFFEID_DOT_SEGMENT': console.error('"." and ".." are not allowed in the path'); break;
 *     default: console.error(err.message);
 *   }
 * }
 * ```
 */
export type SpiffeIdErrorCode =
  /** The input (an ID, a trust domain name, a path or a segment) is not a string. */
  | 'ERR_SPIFFEID_NOT_STRING'
  /** The SPIFFE ID is the empty string. */
  | 'ERR_SPIFFEID_EMPTY'
  /** The ID does not start with `spiffe://` (another scheme, or upper case). */
  | 'ERR_SPIFFEID_SCHEME'
  /** Nothing between `spiffe://` and the path, or an empty trust domain name. */
  | 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'
  /** A trust domain character other than `a-z`, `0-9`, `.`, `-`, `_` (a port, user info, upper case, `%`, an IPv6 literal). */
  | 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'
  /** A trust domain name over {@link MAX_TRUST_DOMAIN_BYTES} bytes. */
  | 'ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG'
  /** A path character other than `a-z`, `A-Z`, `0-9`, `.`, `-`, `_` (a query, a fragment, `%`). */
  | 'ERR_SPIFFEID_PATH_CHAR'
  /** A path that does not start with `/`. */
  | 'ERR_SPIFFEID_PATH_LEADING_SLASH'
  /** An empty path segment (`//`, or an empty segment passed to `SpiffeId.fromSegments`). */
  | 'ERR_SPIFFEID_EMPTY_SEGMENT'
  /** A `.` or `..` path segment. */
  | 'ERR_SPIFFEID_DOT_SEGMENT'
  /** A path that ends with `/`. */
  | 'ERR_SPIFFEID_TRAILING_SLASH'
  /** A SPIFFE ID over {@link MAX_ID_BYTES} bytes. */
  | 'ERR_SPIFFEID_TOO_LONG';

/**
 * A SPIFFE ID or trust domain name broke a rule of the SPIFFE ID standard. The `code` names the
 * rule; `input` holds the offending text (truncated to 256 characters).
 *
 * @example
 * ```ts
 * import { SpiffeId, SpiffeIdError } from 'spiffe-kit';
 * try {
 *   SpiffeId.parse('spiffe://example.org/a//b');
 * } catch (err) {
 *   if (err instanceof SpiffeIdError && err.code === 'ERR_SPIFFEID_EMPTY_SEGMENT') {
 *     console.error(err.message);
 *   }
 * }
 * ```
 */
export class SpiffeIdError extends SpiffeError {
  declare readonly code: SpiffeIdErrorCode;
  /** The text that was rejected, cut to 256 characters. */
  readonly input: string;

  constructor(code: SpiffeIdErrorCode, message: string, input: unknown) {
    super(code, message);
    const text = typeof input === 'string' ? input : String(input);
    this.input = text.length > 256 ? `${text.slice(0, 256)}…` : text;
  }
}
