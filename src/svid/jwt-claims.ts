/**
 * The claim rules of JWT-SVID validation: `sub` a SPIFFE ID, `aud` holding an expected audience,
 * `exp` required, `exp` / `nbf` / `iat` within the leeway, checked in that order.
 *
 * (A cache of accepted payloads was measured and dropped: BENCHMARKS.md, "Notes".)
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { JwtSvidError } from './jwt-errors.js';

/** The claims of a payload that passed every claim rule. */
export interface ClaimSet {
  readonly id: SpiffeId;
  readonly subject: string;
  readonly trustDomain: string;
  /** The `aud` claim as a frozen list. */
  readonly audience: readonly string[];
  /** All claims (frozen). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

/** Cuts untrusted text for a message and quotes it (objects and arrays are only named). */
export function show(value: unknown, max = 64): string {
  const text =
    typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (Array.isArray(value) ? '(an array)' : '(an object)') : String(value);
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

/**
 * Base64url-decodes one part of the token (already checked to be canonical base64url) and parses
 * it as a JSON object whose top-level member names are unique. JSON.parse keeps the last of
 * duplicate members (as jose does); RFC 7515 §5.2 and RFC 7519 §4 allow that or a rejection, and
 * a rejection leaves no room for a parser elsewhere (first-wins) to read another `sub` or `aud`.
 * `__proto__` stays an own data property (JSON.parse never sets a prototype).
 */
export function decodeJsonPart(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  const fail = (why: string): never => {
    throw new JwtSvidError('ERR_JWT_MALFORMED', `The JWT-SVID ${what} ${why}`);
  };
  if (part.length % 4 === 1) fail('is not valid base64url (bad length)');
  const bytes = Buffer.from(part, 'base64url');
  if (!isUtf8(bytes)) fail('is not UTF-8');
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('is not a JSON object');
  if (topLevelMembers(text) !== Object.keys(value as object).length) fail('has duplicate member names');
  return value as Record<string, unknown>;
}

/**
 * The number of members of the JSON object `text` (valid JSON, already parsed): the `:` at depth
 * 1 outside strings, one per member, duplicates included.
 */
function topLevelMembers(text: string): number {
  let members = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string; a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
    else if (c === 0x3a /* : */ && depth === 1) members++;
  }
  return members;
}

/** `object[name]` when it is the object's own member (never a value inherited from a prototype). */
export function own(object: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
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

/**
 * Decodes the base64url payload `payloadText` and checks its claims against the expected audiences
 * and the clock, in rule order: sub, aud, exp, nbf, iat.
 *
 * @throws {@link JwtSvidError} for the first rule broken.
 */
export function checkClaims(payloadText: string, expected: readonly string[], now: number, leeway: number, kid: string): ClaimSet {
  const claims = decodeJsonPart(payloadText, 'payload');
  const sub = own(claims, 'sub');
  if (sub === undefined) throw new JwtSvidError('ERR_JWT_SUBJECT', 'JWT-SVID claim "sub" is missing', { claim: 'sub', kid });
  if (typeof sub !== 'string') throw typeError('sub', 'a string', kid);
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(sub);
  } catch (cause) {
    const why = (cause as Error).message;
    throw new JwtSvidError('ERR_JWT_SUBJECT', `JWT-SVID claim "sub" ${show(sub)} is not a SPIFFE ID: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}`, {
      claim: 'sub',
      kid,
      cause,
    });
  }
  const subject = id.toString();
  const trustDomain = id.trustDomain.name;
  const where = { subject, trustDomain };

  const aud = own(claims, 'aud');
  let audience: string[];
  if (typeof aud === 'string') audience = [aud];
  else if (Array.isArray(aud) && allStrings(aud)) audience = aud.slice() as string[];
  else if (aud === undefined) {
    throw new JwtSvidError('ERR_JWT_AUDIENCE', `JWT-SVID of ${subject} has no "aud" claim`, { claim: 'aud', kid, expectedAudience: expected, ...where });
  } else {
    throw typeError('aud', 'a string or an array of strings', kid, where);
  }
  if (audience.length === 0) {
    throw new JwtSvidError('ERR_JWT_AUDIENCE', `JWT-SVID of ${subject} has an empty "aud" claim`, { claim: 'aud', kid, expectedAudience: expected, ...where });
  }
  if (!intersects(expected, audience)) {
    throw new JwtSvidError(
      'ERR_JWT_AUDIENCE',
      `JWT-SVID of ${subject} has audience ${showList(audience)}, which includes none of the expected ${showList(expected)}`,
      { claim: 'aud', kid, expectedAudience: expected, ...where },
    );
  }

  const expValue = own(claims, 'exp');
  const nbfValue = own(claims, 'nbf');
  const iatValue = own(claims, 'iat');
  if (expValue === undefined) {
    throw new JwtSvidError('ERR_JWT_MISSING_EXP', `JWT-SVID of ${subject} has no "exp" claim; it is required`, { claim: 'exp', kid, ...where });
  }
  const exp = numeric('exp', expValue, kid, where);
  if (exp <= now - leeway) {
    throw new JwtSvidError('ERR_JWT_EXPIRED', `JWT-SVID of ${subject} expired at ${isoOf(exp)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: 'exp',
      kid,
      ...where,
    });
  }
  const nbf = nbfValue === undefined ? undefined : numeric('nbf', nbfValue, kid, where);
  if (nbf !== undefined && nbf > now + leeway) {
    throw new JwtSvidError('ERR_JWT_NOT_YET_VALID', `JWT-SVID of ${subject} is not valid before ${isoOf(nbf)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: 'nbf',
      kid,
      ...where,
    });
  }
  const iat = iatValue === undefined ? undefined : numeric('iat', iatValue, kid, where);
  if (iat !== undefined && iat > now + leeway) {
    throw new JwtSvidError('ERR_JWT_ISSUED_IN_FUTURE', `JWT-SVID of ${subject} was issued in the future, at ${isoOf(iat)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: 'iat',
      kid,
      ...where,
    });
  }
  return { id, subject, trustDomain, audience: Object.freeze(audience), claims: Object.freeze(claims), exp, nbf, iat };
}

function intersects(expected: readonly string[], actual: readonly string[]): boolean {
  for (let i = 0; i < expected.length; i++) if (actual.includes(expected[i]!)) return true;
  return false;
}
