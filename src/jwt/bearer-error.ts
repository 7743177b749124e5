import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link BearerAuthError}:
 *
 * - `ERR_BEARER_MISSING` (401): no `Authorization` header.
 * - `ERR_BEARER_SCHEME` (401): an `Authorization` header with another scheme (`Basic …`).
 * - `ERR_BEARER_MALFORMED` (401): `Bearer` without exactly one space and a token68 token.
 * - `ERR_BEARER_MULTIPLE` (401): more than one `Authorization` header / metadata value.
 * - `ERR_BEARER_INVALID` (401): the token is not a valid JWT-SVID for the audience (expired,
 *   wrong audience, unknown key, bad signature, …; the {@link JwtSvidError} is the `cause`).
 * - `ERR_BEARER_FORBIDDEN` (403): a valid token whose subject is not authorized.
 *
 * @example
 * ```ts
 * import { authenticateBearer, BearerAuthError } from 'spiffe-kit';
 * const authenticate = authenticateBearer(jwtSource, { audience: 'orders' });
 * try {
 *   const svid = await authenticate(req);
 * } catch (err) {
 *   if (!(err instanceof BearerAuthError)) throw err;
 *   if (err.code === 'ERR_BEARER_INVALID') console.warn('bad token:', err.cause);
 *   res.writeHead(err.status, { 'www-authenticate': err.wwwAuthenticate }).end(); // 401, or 403 for ERR_BEARER_FORBIDDEN
 * }
 * ```
 */
export type BearerAuthErrorCode = 'ERR_BEARER_MISSING' | 'ERR_BEARER_SCHEME' | 'ERR_BEARER_MALFORMED' | 'ERR_BEARER_MULTIPLE' | 'ERR_BEARER_INVALID' | 'ERR_BEARER_FORBIDDEN';

/**
 * A request failed bearer authentication. Answer it with {@link BearerAuthError.status} and the
 * `WWW-Authenticate` value {@link BearerAuthError.wwwAuthenticate} (RFC 6750).
 *
 * @example
 * ```ts
 * import { BearerAuthError } from 'spiffe-kit';
 * try {
 *   const caller = await authenticate(req);
 * } catch (err) {
 *   if (!(err instanceof BearerAuthError)) throw err;
 *   res.writeHead(err.status, { 'www-authenticate': err.wwwAuthenticate }).end();
 * }
 * ```
 */
export class BearerAuthError extends SpiffeError {
  declare readonly code: BearerAuthErrorCode;
  /** 401 (no acceptable token) or 403 (valid token, subject not authorized). */
  readonly status: 401 | 403;
  /** The `WWW-Authenticate` header value to send, e.g. `Bearer error="invalid_token"`. */
  readonly wwwAuthenticate: string;
  /** The subject of the token, once validated (for 403). */
  readonly subject: string | undefined;

  constructor(code: BearerAuthErrorCode, message: string, context: { realm?: string | undefined; subject?: string | undefined; description?: string | undefined; cause?: unknown } = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.status = code === 'ERR_BEARER_FORBIDDEN' ? 403 : 401;
    this.subject = context.subject;
    const params: string[] = [];
    if (context.realm !== undefined) params.push(`realm="${quotable(context.realm)}"`);
    if (code === 'ERR_BEARER_FORBIDDEN') params.push('error="insufficient_scope"');
    else if (code !== 'ERR_BEARER_MISSING' && code !== 'ERR_BEARER_SCHEME') params.push('error="invalid_token"');
    if (context.description !== undefined && params.length > (context.realm === undefined ? 0 : 1)) params.push(`error_description="${quotable(context.description)}"`);
    this.wwwAuthenticate = params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
  }

  /**
   * The response headers to send with {@link BearerAuthError.status}.
   *
   * @example
   * ```ts
   * res.writeHead(err.status, err.headers).end();
   * ```
   */
  get headers(): { 'www-authenticate': string } {
    return { 'www-authenticate': this.wwwAuthenticate };
  }
}

/** A value safe inside a quoted-string: printable ASCII without `"` and `\`. */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '');
}
