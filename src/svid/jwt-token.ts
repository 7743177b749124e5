/**
 * JWT-SVID parsing and the checks that need no key: the arguments, the compact JWS structure, the
 * header rules, then the claim rules (see `jwt-claims.ts`). The payload is base64url-decoded and
 * parsed exactly once; the header only the first time its text is seen.
 *
 * @module
 */
import { nonCanonicalBase64url } from '../internal/base64url.js';
import { Lru } from '../internal/lru.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { checkClaims, decodeJsonPart, own, show } from './jwt-claims.js';
import { JwtSvidError } from './jwt-errors.js';

/** The JWS algorithms a JWT-SVID may use. */
export const JWT_SVID_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']);

/** Longest token accepted (64 KiB): far above any JWT-SVID, far below what would hurt. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

const DEFAULT_LEEWAY_SECONDS = 60;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface CheckedHeader {
  readonly alg: string;
  readonly kid: string;
}

/**
 * Headers that passed every header rule, by their base64url text. Tokens of one issuer share a
 * handful of headers (one per signing key), so this skips a decode and a parse per token.
 */
const headerCache = new Lru<string, CheckedHeader>(256);
/** Longer headers (a huge `kid`) are checked every time rather than kept. */
const MAX_CACHED_HEADER = 512;

/** Options shared by validation and insecure parsing. */
export interface TimeOptions {
  readonly now?: Date | undefined;
  readonly leewaySeconds?: number | undefined;
}

/** A token that passed every check that needs no key. */
export interface CheckedJwt {
  readonly alg: string;
  readonly kid: string;
  readonly id: SpiffeId;
  readonly audience: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly exp: number;
  readonly iat: number | undefined;
}

/** Validates the expected audience argument; returns it as a non-empty list of non-empty strings. */
export function expectedAudienceOf(audience: unknown): readonly string[] {
  const list = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(list)) {
    throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'The expected audience must be a string or an array of strings');
  }
  if (list.length === 0) {
    throw new JwtSvidError(
      'ERR_JWT_AUDIENCE_EMPTY_EXPECTED',
      'The expected audience list is empty; pass at least one audience (an empty list does not skip the audience check)',
    );
  }
  for (let i = 0; i < list.length; i++) {
    const value: unknown = list[i];
    if (typeof value !== 'string' || value.length === 0) {
      throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'Every expected audience must be a non-empty string');
    }
  }
  return list as string[];
}

/** Validates `now` and `leewaySeconds`; returns them as seconds. */
export function timeOf(options: TimeOptions | undefined): { now: number; leeway: number } {
  const now = options?.now;
  const leeway = options?.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (now !== undefined && (!(now instanceof Date) || Number.isNaN(now.getTime()))) {
    throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'options.now must be a valid Date');
  }
  if (typeof leeway !== 'number' || !Number.isFinite(leeway) || leeway < 0) {
    throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', 'options.leewaySeconds must be a finite number of seconds, 0 or more');
  }
  return { now: (now === undefined ? Date.now() : now.getTime()) / 1000, leeway };
}

function malformed(message: string): never {
  throw new JwtSvidError('ERR_JWT_MALFORMED', message);
}

function structureError(token: string): never {
  if (token.trimStart().startsWith('{')) malformed('JWT-SVIDs must use the JWS compact serialization; the JSON serialization is not accepted');
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  if (dots !== 2) malformed(`A JWT-SVID has exactly 3 dot-separated parts (compact JWS); this token has ${dots + 1}`);
  malformed('A JWT-SVID is 3 base64url parts (compact JWS) with a non-empty header and payload; this token has other characters or an empty part');
}

/** Refuses a part that is not canonical unpadded base64url (the alphabet is already checked). */
function canonical(part: string, what: 'header' | 'payload' | 'signature'): void {
  const problem = nonCanonicalBase64url(part);
  if (problem !== undefined) malformed(`The JWT-SVID ${what} ${problem}; only canonical unpadded base64url is accepted (RFC 7515 §2)`);
}

/** Applies the header rules: `alg` before anything else, then `typ`, `kid`, no other parameter. */
function checkHeader(headerText: string): CheckedHeader {
  const header = decodeJsonPart(headerText, 'header');
  const alg = own(header, 'alg');
  if (typeof alg !== 'string' || !JWT_SVID_ALGORITHMS.has(alg)) {
    throw new JwtSvidError(
      'ERR_JWT_ALG_NOT_ALLOWED',
      `JWT-SVID header "alg" ${alg === undefined ? 'is missing' : `${show(alg, 32)} is not allowed`}; allowed: ${[...JWT_SVID_ALGORITHMS].join(', ')}`,
      { header: 'alg' },
    );
  }
  const typ = own(header, 'typ');
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    throw new JwtSvidError('ERR_JWT_TYP', `JWT-SVID header "typ" ${show(typ, 32)} is not allowed; it must be "JWT" or "JOSE" when present`, {
      header: 'typ',
    });
  }
  const kid = own(header, 'kid');
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new JwtSvidError('ERR_JWT_MISSING_KID', `JWT-SVID header "kid" ${kid === undefined ? 'is missing' : 'is not a non-empty string'}; it is required`, {
      header: 'kid',
    });
  }
  for (const name of Object.keys(header)) {
    if (name !== 'alg' && name !== 'typ' && name !== 'kid') {
      throw new JwtSvidError('ERR_JWT_HEADER_NOT_ALLOWED', `JWT-SVID header parameter ${show(name, 32)} is not allowed; only "alg", "typ" and "kid" are`, {
        header: name,
        kid,
      });
    }
  }
  const checked = { alg, kid };
  if (headerText.length <= MAX_CACHED_HEADER) headerCache.set(headerText, checked);
  return checked;
}

/**
 * Parses `token` and applies every rule that needs no key: structure, header (`alg` first, then
 * `typ`, `kid`, no other parameter), then claims (`sub`, `aud`, `exp`, `nbf`, `iat`).
 */
export function checkToken(token: unknown, expected: readonly string[], now: number, leeway: number): CheckedJwt {
  if (typeof token !== 'string') throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', `The token must be a string, got ${token === null ? 'null' : typeof token}`);
  if (token.length > MAX_TOKEN_LENGTH) malformed(`The JWT-SVID is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`);
  if (!COMPACT.test(token)) structureError(token);
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const headerText = token.slice(0, dot1);
  const payloadText = token.slice(dot1 + 1, dot2);
  // One token, one spelling: a part whose last character carries non-zero spare bits decodes
  // (in Buffer, atob and jose alike) to the same bytes as its canonical spelling.
  canonical(headerText, 'header');
  canonical(payloadText, 'payload');
  canonical(token.slice(dot2 + 1), 'signature');
  const { alg, kid } = headerCache.get(headerText) ?? checkHeader(headerText);
  const set = checkClaims(payloadText, expected, now, leeway, kid);
  return { alg, kid, id: set.id, audience: set.audience, claims: set.claims, exp: set.exp, iat: set.iat };
}
