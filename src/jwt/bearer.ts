/**
 * Bearer transport of JWT-SVIDs: building the `Authorization: Bearer` header (gRPC metadata is in
 * `../grpc/bearer-metadata.ts`), extracting the token from HTTP/1, HTTP/2 and gRPC requests, and
 * authenticating a request (401 vs 403).
 *
 * @module
 */
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { JwtSvidError } from '../svid/jwt-errors.js';
import { JwtSvid } from '../svid/jwt-svid.js';
import { MAX_TOKEN_LENGTH } from '../svid/jwt-token.js';
import { BearerAuthError } from './bearer-error.js';

/** RFC 6750 `b64token` (token68). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** @internal The token of a JWT-SVID (or a token string), checked to be a token68 that cannot inject a header. */
export function tokenOf(svid: JwtSvid | string): string {
  const token = typeof svid === 'string' ? svid : svid instanceof JwtSvid ? svid.token : undefined;
  if (token === undefined || !TOKEN68.test(token)) {
    throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'A bearer token must be a JwtSvid or a non-empty token68 string (a compact JWS)');
  }
  return token;
}

/**
 * The `Authorization` header carrying a JWT-SVID: `{ authorization: 'Bearer <token>' }`.
 *
 * @param svid - the JWT-SVID (or its token).
 * @throws {@link JwtSvidError} `ERR_JWT_INVALID_ARGUMENT` for an empty token or one with characters
 *   a bearer token cannot hold (no header injection).
 * @example
 * ```ts
 * const svid = await jwtSource.fetchJwtSvid({ audience: 'https://api.example.org' });
 * await fetch('https://api.example.org/orders', { headers: bearerHeader(svid) });
 * ```
 */
export function bearerHeader(svid: JwtSvid | string): { authorization: string } {
  return { authorization: `Bearer ${tokenOf(svid)}` };
}

/**
 * Where {@link extractBearerToken} reads the `Authorization` header from: a Node
 * `IncomingMessage` or `Http2ServerRequest` (its `rawHeaders` are read, so that duplicates are
 * seen), an http2 `stream` event's headers object, a fetch `Request` / `Headers`, a grpc-js
 * server call (its `metadata`) or a grpc-js `Metadata`.
 *
 * @example
 * ```ts
 * extractBearerToken(req);                   // http.IncomingMessage or Http2ServerRequest
 * extractBearerToken(request.headers);       // fetch Request's Headers
 * extractBearerToken(call);                  // a grpc-js server call (its metadata)
 * ```
 */
export type BearerInput =
  | { readonly rawHeaders: readonly string[] }
  | { readonly headers: unknown }
  | { readonly metadata: { get(key: string): unknown[] } }
  | { get(key: string): unknown }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The `Authorization` values of `input` (possibly several). */
function authorizationValues(input: unknown): unknown[] {
  if (input === null || typeof input !== 'object') return [];
  const o = input as Record<string, unknown>;
  if (typeof o.getMap === 'function' && typeof o.get === 'function') return (o.get as (k: string) => unknown[])('authorization') ?? [];
  const metadata = o.metadata as Record<string, unknown> | undefined;
  if (metadata !== null && typeof metadata === 'object' && typeof metadata.getMap === 'function') return authorizationValues(metadata);
  if (Array.isArray(o.rawHeaders)) {
    const raw = o.rawHeaders as unknown[];
    const out: unknown[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (typeof raw[i] === 'string' && (raw[i] as string).toLowerCase() === 'authorization') out.push(raw[i + 1]);
    return out;
  }
  if (typeof o.get === 'function') {
    const v = (o.get as (k: string) => unknown)('authorization');
    return v === null || v === undefined ? [] : [v];
  }
  if (o.headers !== null && typeof o.headers === 'object') return authorizationValues(o.headers);
  const out: unknown[] = [];
  for (const key of Object.keys(o)) {
    if (key.toLowerCase() !== 'authorization') continue;
    const v = o[key];
    if (Array.isArray(v)) out.push(...(v as unknown[]));
    else if (v !== undefined) out.push(v);
  }
  return out;
}

/**
 * Options of {@link extractBearerToken}.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(req, { realm: 'orders' }); // a BearerAuthError's WWW-Authenticate names the realm
 * ```
 */
export interface ExtractBearerOptions {
  /** The `realm` of the `WWW-Authenticate` challenge in errors. */
  readonly realm?: string | undefined;
}

/**
 * The bearer token of a request, or `undefined` when it has no `Authorization` header. The
 * scheme is case-insensitive (`bearer` works); exactly one space must separate it from a
 * non-empty token68 token of at most 64 KiB; more than one `Authorization` header is refused.
 *
 * @param input - a request, http2 headers, a grpc-js call or its `Metadata`.
 * @param options - `realm` for the `WWW-Authenticate` challenge.
 * @throws {@link BearerAuthError} (401) `ERR_BEARER_SCHEME`, `ERR_BEARER_MALFORMED` or `ERR_BEARER_MULTIPLE`.
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const token = extractBearerToken(req); // string | undefined
 * });
 * http2Server.on('stream', (stream, headers) => extractBearerToken(headers));
 * grpcHandler = (call, callback) => extractBearerToken(call); // reads call.metadata
 * ```
 */
export function extractBearerToken(input: BearerInput, options: ExtractBearerOptions = {}): string | undefined {
  const realm = options.realm;
  const values = authorizationValues(input);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new BearerAuthError('ERR_BEARER_MULTIPLE', `The request has ${values.length} Authorization headers; exactly one is allowed`, { realm, description: 'Multiple Authorization headers' });
  const value = values[0];
  if (typeof value !== 'string') throw new BearerAuthError('ERR_BEARER_MALFORMED', 'The Authorization header is not text', { realm, description: 'Malformed Authorization header' });
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new BearerAuthError('ERR_BEARER_SCHEME', `The Authorization header does not use the Bearer scheme`, { realm });
  }
  const token = space === -1 ? '' : value.slice(space + 1);
  // Node bounds request headers (16 KiB by default); a fetch Request or a plain object does not.
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new BearerAuthError('ERR_BEARER_MALFORMED', `The Bearer token is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`, {
      realm,
      description: 'Malformed bearer token',
    });
  }
  if (!TOKEN68.test(token)) {
    throw new BearerAuthError('ERR_BEARER_MALFORMED', token === '' ? 'The Bearer token is empty' : 'The Authorization header is not "Bearer" + one space + a token68 token', {
      realm,
      description: 'Malformed bearer token',
    });
  }
  return token;
}

/**
 * Options of {@link authenticateBearer}.
 *
 * @example
 * ```ts
 * const authenticate = authenticateBearer(jwtSource, { audience: 'orders', authorize: matchMemberOf('example.org'), realm: 'orders' });
 * const svid = await authenticate(req);
 * ```
 */
export interface AuthenticateBearerOptions {
  /** The audience(s) this service accepts (at least one). */
  readonly audience: string | readonly string[];
  /**
   * Which subjects may call: a `Matcher` (`matchMemberOf('example.org')`) or an authorizer
   * (`authorizeMemberOf('example.org')`, called with an empty chain: a JWT has none). Only a result
   * of exactly `true` allows; `false`, any other result (a Promise too) or a throw answers 403.
   * Default: every subject with a valid token.
   */
  readonly authorize?: ((id: SpiffeId, verifiedChain: readonly Buffer[]) => boolean) | undefined;
  /** The `realm` of the `WWW-Authenticate` challenge. */
  readonly realm?: string | undefined;
  /** Clock skew tolerated on `exp` / `nbf` / `iat`, in seconds (default 60). */
  readonly leewaySeconds?: number | undefined;
}

const NO_CHAIN: readonly Buffer[] = Object.freeze([]);

/** Fails closed: only an explicit `true` from `authorize` lets the caller in; anything else is a 403. */
function refuseUnlessAllowed(authorize: (id: SpiffeId, verifiedChain: readonly Buffer[]) => unknown, svid: JwtSvid, realm: string | undefined): void {
  let result: unknown;
  let thrown: { error: unknown } | undefined;
  try {
    result = authorize(svid.id, NO_CHAIN);
  } catch (error) {
    thrown = { error };
  }
  if (thrown === undefined && result === true) return;
  if (thrown === undefined && result !== null && (typeof result === 'object' || typeof result === 'function')) {
    // An async authorize: its Promise must not reject unheard.
    try {
      const then = (result as { then?: unknown }).then;
      if (typeof then === 'function') then.call(result, undefined, () => {});
    } catch {
      // a hostile thenable
    }
  }
  const why =
    thrown !== undefined
      ? `authorize threw ${thrown.error instanceof Error ? thrown.error.message : 'a non-Error value'}`
      : result === false
        ? 'authorize returned false'
        : `authorize returned ${result === undefined ? 'undefined' : typeof result === 'object' || typeof result === 'function' ? 'an object or Promise' : typeof result}, not true (only true allows; authorize must be synchronous)`;
  throw new BearerAuthError('ERR_BEARER_FORBIDDEN', `${svid.id} is not authorized: ${why}`, {
    realm,
    subject: svid.id.toString(),
    ...(thrown === undefined ? {} : { cause: thrown.error }),
  });
}

/**
 * An authenticator for incoming requests: it extracts the bearer token, validates it as a
 * JWT-SVID for `audience` against `source` (a {@link JwtSource}, {@link BundleSource}, bundle
 * set, …) and checks `authorize` on its subject. Resolves with the caller's {@link JwtSvid}.
 *
 * Rejects with a {@link BearerAuthError}: `status` 401 with `WWW-Authenticate: Bearer` (no token)
 * or `Bearer error="invalid_token"` (malformed, expired, wrong audience, unknown key, bad
 * signature), 403 with `Bearer error="insufficient_scope"` (valid token, subject not authorized).
 *
 * @param source - the JWT bundles that validate tokens (usually a `JwtSource`).
 * @param options - `audience` (required), `authorize` (a matcher of the caller's ID), `realm`, `leewaySeconds`.
 * @throws {@link JwtSvidError} at once, for an empty or invalid `audience`.
 * @example
 * ```ts
 * import { authenticateBearer, BearerAuthError, matchMemberOf } from 'spiffe-kit';
 * const authenticate = authenticateBearer(jwtSource, { audience: 'orders', authorize: matchMemberOf('example.org') });
 * http.createServer(async (req, res) => {
 *   try {
 *     const caller = await authenticate(req);
 *     res.end(`hello ${caller.id}`);
 *   } catch (err) {
 *     if (!(err instanceof BearerAuthError)) throw err;
 *     res.writeHead(err.status, err.headers).end();
 *   }
 * });
 * ```
 */
export function authenticateBearer(source: JwtBundleSource, options: AuthenticateBearerOptions): (input: BearerInput) => Promise<JwtSvid> {
  if (options === null || typeof options !== 'object') throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'authenticateBearer needs options with an audience');
  const audience = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audience.length === 0) throw new JwtSvidError('ERR_JWT_AUDIENCE_EMPTY_EXPECTED', 'authenticateBearer needs at least one audience');
  for (const a of audience) if (typeof a !== 'string' || a === '') throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'Every audience must be a non-empty string');
  const { authorize, realm, leewaySeconds } = options;
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'The authorize option of authenticateBearer must be a function (such as matchMemberOf(\'example.org\')) or left out');
  }
  const jwtOptions = leewaySeconds === undefined ? undefined : { leewaySeconds };
  return async (input) => {
    const token = extractBearerToken(input, { realm });
    if (token === undefined) throw new BearerAuthError('ERR_BEARER_MISSING', 'The request has no Authorization header', { realm });
    let svid: JwtSvid;
    try {
      svid = await JwtSvid.parseAndValidate(token, source, audience, jwtOptions);
    } catch (err) {
      if (!(err instanceof JwtSvidError)) throw err;
      throw new BearerAuthError('ERR_BEARER_INVALID', `The bearer token is not a valid JWT-SVID: ${err.message}`, {
        realm,
        subject: err.subject,
        description: err.code === 'ERR_JWT_EXPIRED' ? 'The token expired' : 'The token is invalid',
        cause: err,
      });
    }
    if (authorize !== undefined) refuseUnlessAllowed(authorize, svid, realm);
    return svid;
  };
}
