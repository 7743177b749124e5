/**
 * The claim rules of JWT-SVID validation: `sub` a SPIFFE ID, `aud` holding an expected audience,
 * `exp` required, `exp` / `nbf` / `iat` within the leeway, checked in that order.
 *
 * A payload that passes is remembered (by its base64url text) with its claims parsed and frozen:
 * a client presents the same JWT-SVID for every request until it rotates, so later calls skip the
 * decode and parse and only redo the checks that depend on the caller (audience) and the clock.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { Lru } from '../internal/lru.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { JwtSvidError } from './jwt-errors.js';

/** The claims of a payload that passed every check that does not depend on the caller or the clock. */
export interface ClaimSet {
  readonly id: SpiffeId;
  readonly subject: string;
  readonly trustDomain: string;
  /** The `aud` claim as a frozen list. */
  readonly audience: readonly string[];
  /** All claims, deep-frozen. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

const payloadCache = new Lru<string, ClaimSet>(256);

/** Cuts untrusted text for a message and quotes it. */
export function show(value: unknown, max = 64): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

function showList(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => show(v, 64));
  if (values.length > 8) shown.push(`… ${values.length - 8} more`);
  return `[${shown.join(', ')}]`;
}

function isoOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}

/** Base64url-decodes one part of the token and parses it as a JSON object. */
export function decodeJsonPart(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  const fail = (why: string): never => {
    throw new JwtSvidError('ERR_JWT_MALFORMED', `The JWT-SVID ${what} ${why}`);
  };
  if (part.length % 4 === 1) fail('is not valid base64url (bad length)');
  const bytes = Buffer.from(part, 'base64url');
  if (!isUtf8(bytes)) fail('is not UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    fail('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('is not a JSON object');
  return value as Record<string, unknown>;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

function allStrings(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'string') return false;
  return true;
}

function typeError(claim: string, expected: string, kid: string, set?: { subject: string; trustDomain: string }): JwtSvidError {
  return new JwtSvidError('ERR_JWT_CLAIM_TYPE', `JWT-SVID claim "${claim}"${set ? ` of ${set.subject}` : ''} must be ${expected}`, {
    claim,
    kid,
    subject: set?.subject,
    trustDomain: set?.trustDomain,
  });
}

function numeric(claim: string, value: unknown, kid: string, set: { subject: string; trustDomain: string }): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(claim, 'a number (seconds since the epoch)', kid, set);
  return value;
}

function checkAudience(set: ClaimSet, expected: readonly string[], kid: string): void {
  for (let i = 0; i < expected.length; i++) if (set.audience.includes(expected[i]!)) return;
  throw new JwtSvidError(
    'ERR_JWT_AUDIENCE',
    `JWT-SVID of ${set.subject} has audience ${showList(set.audience)}, which includes none of the expected ${showList(expected)}`,
    { claim: 'aud', subject: set.subject, trustDomain: set.trustDomain, kid, expectedAudience: expected },
  );
}

function checkExp(set: ClaimSet, now: number, leeway: number, kid: string): void {
  if (set.exp <= now - leeway) {
    throw new JwtSvidError('ERR_JWT_EXPIRED', `JWT-SVID of ${set.subject} expired at ${isoOf(set.exp)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: 'exp',
      subject: set.subject,
      trustDomain: set.trustDomain,
      kid,
    });
  }
}

function checkNbf(set: ClaimSet, now: number, leeway: number, kid: string): void {
  if (set.nbf !== undefined && set.nbf > now + leeway) {
    throw new JwtSvidError('ERR_JWT_NOT_YET_VALID', `JWT-SVID of ${set.subject} is not valid before ${isoOf(set.nbf)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: 'nbf',
      subject: set.subject,
      trustDomain: set.trustDomain,
      kid,
    });
  }
}

function checkIat(set: ClaimSet, now: number, leeway: number, kid: string): void {
  if (set.iat !== undefined && set.iat > now + leeway) {
    throw new JwtSvidError(
      'ERR_JWT_ISSUED_IN_FUTURE',
      `JWT-SVID of ${set.subject} was issued in the future, at ${isoOf(set.iat)} (now ${isoOf(now)}, leeway ${leeway} s)`,
      { claim: 'iat', subject: set.subject, trustDomain: set.trustDomain, kid },
    );
  }
}

/** Decodes and checks a payload in rule order: sub, aud, exp, nbf, iat. */
function readClaims(payloadText: string, expected: readonly string[], now: number, leeway: number, kid: string): ClaimSet {
  const claims = decodeJsonPart(payloadText, 'payload');
  const sub = claims.sub;
  if (sub === undefined) throw new JwtSvidError('ERR_JWT_SUBJECT', 'JWT-SVID claim "sub" is missing', { claim: 'sub', kid });
  if (typeof sub !== 'string') throw typeError('sub', 'a string', kid);
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(sub);
  } catch (cause) {
    throw new JwtSvidError('ERR_JWT_SUBJECT', `JWT-SVID claim "sub" ${show(sub)} is not a SPIFFE ID: ${(cause as Error).message}`, { claim: 'sub', kid, cause });
  }
  const where = { subject: id.toString(), trustDomain: id.trustDomain.name };

  const aud = claims.aud;
  let audience: string[];
  if (typeof aud === 'string') audience = [aud];
  else if (Array.isArray(aud) && allStrings(aud)) audience = aud.slice() as string[];
  else if (aud === undefined) {
    throw new JwtSvidError('ERR_JWT_AUDIENCE', `JWT-SVID of ${where.subject} has no "aud" claim`, { claim: 'aud', kid, expectedAudience: expected, ...where });
  } else {
    throw typeError('aud', 'a string or an array of strings', kid, where);
  }
  if (audience.length === 0) {
    throw new JwtSvidError('ERR_JWT_AUDIENCE', `JWT-SVID of ${where.subject} has an empty "aud" claim`, { claim: 'aud', kid, expectedAudience: expected, ...where });
  }
  const partial = { id, ...where, audience: Object.freeze(audience), claims, exp: 0, nbf: undefined, iat: undefined };
  checkAudience(partial, expected, kid);

  if (claims.exp === undefined) {
    throw new JwtSvidError('ERR_JWT_MISSING_EXP', `JWT-SVID of ${where.subject} has no "exp" claim; it is required`, { claim: 'exp', kid, ...where });
  }
  const exp = numeric('exp', claims.exp, kid, where);
  checkExp({ ...partial, exp }, now, leeway, kid);
  const nbf = claims.nbf === undefined ? undefined : numeric('nbf', claims.nbf, kid, where);
  checkNbf({ ...partial, exp, nbf }, now, leeway, kid);
  const iat = claims.iat === undefined ? undefined : numeric('iat', claims.iat, kid, where);
  const set: ClaimSet = { ...partial, exp, nbf, iat };
  checkIat(set, now, leeway, kid);
  deepFreeze(claims);
  return set;
}

/**
 * The claims of an accepted payload seen before, by its base64url text (see the module notes).
 */
export function knownClaims(payloadText: string): ClaimSet | undefined {
  return payloadCache.get(payloadText);
}

/**
 * Checks the claims of the base64url payload `payloadText` against the expected audiences and the
 * clock, in rule order (sub, aud, exp, nbf, iat), and returns them. `known` is the result of
 * {@link knownClaims} for the same text.
 *
 * @throws {@link JwtSvidError} for the first rule broken.
 */
export function checkClaims(
  payloadText: string,
  known: ClaimSet | undefined,
  expected: readonly string[],
  now: number,
  leeway: number,
  kid: string,
): ClaimSet {
  if (known === undefined) {
    const set = readClaims(payloadText, expected, now, leeway, kid);
    payloadCache.set(payloadText, set);
    return set;
  }
  checkAudience(known, expected, kid);
  checkExp(known, now, leeway, kid);
  checkNbf(known, now, leeway, kid);
  checkIat(known, now, leeway, kid);
  return known;
}
