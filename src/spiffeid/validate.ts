import { describeChar, isPathChar, isTrustDomainChar } from './chars.js';
import { SpiffeIdError } from './errors.js';

/** The only accepted scheme prefix. Matching is exact (`SPIFFE://` is rejected). */
export const SCHEME_PREFIX = 'spiffe://';
/**
 * Longest SPIFFE ID accepted, in bytes (the standard requires at least this much).
 *
 * @example
 * ```ts
 * // SpiffeId.parse throws ERR_SPIFFEID_TOO_LONG beyond it; a form can say so before parsing:
 * const tooLong = (input: string) => Buffer.byteLength(input, 'utf8') > MAX_ID_BYTES;
 * ```
 */
export const MAX_ID_BYTES = 2048;
/**
 * Longest trust domain name accepted, in bytes.
 *
 * @example
 * ```ts
 * // TrustDomain.parse throws ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG beyond it:
 * const tooLong = (name: string) => Buffer.byteLength(name, 'utf8') > MAX_TRUST_DOMAIN_BYTES;
 * ```
 */
export const MAX_TRUST_DOMAIN_BYTES = 255;

function trustDomainCharError(name: string, i: number, input: string): SpiffeIdError {
  const ch = name.charAt(i);
  let why = 'trust domain names may contain only lowercase letters, digits, ".", "-" and "_"';
  if (ch === ':') why = 'ports are not allowed in a trust domain';
  else if (ch === '@') why = 'user info is not allowed in a trust domain';
  else if (ch >= 'A' && ch <= 'Z') why = 'trust domain names must be lowercase';
  else if (ch === '%') why = 'percent-encoding is not allowed in a trust domain';
  else if (ch === '[' || ch === ']') why = 'IPv6 literals are not allowed as a trust domain';
  return new SpiffeIdError(
    'ERR_SPIFFEID_TRUST_DOMAIN_CHAR',
    `Invalid trust domain ${JSON.stringify(name)}: ${describeChar(name, i)} at position ${i} (${why})`,
    input,
  );
}

/** Validates a bare trust domain name; throws {@link SpiffeIdError}. */
export function validateTrustDomainName(name: string, input: string): void {
  if (name.length === 0) {
    throw new SpiffeIdError('ERR_SPIFFEID_MISSING_TRUST_DOMAIN', `Missing trust domain in ${JSON.stringify(input)}`, input);
  }
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i))) throw trustDomainCharError(name, i, input);
  }
  // All accepted characters are ASCII, so length equals byte length here.
  if (name.length > MAX_TRUST_DOMAIN_BYTES) {
    throw new SpiffeIdError(
      'ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG',
      `Trust domain is ${name.length} bytes long; at most ${MAX_TRUST_DOMAIN_BYTES} are allowed`,
      input,
    );
  }
}

/**
 * Validates a SPIFFE ID path: empty, or `/segment(/segment)*` with segments of `[a-zA-Z0-9._-]`,
 * none empty, none `.` or `..`. Throws {@link SpiffeIdError}.
 */
export function validatePath(path: string, input: string): void {
  if (path.length === 0) return;
  if (path.charCodeAt(0) !== 0x2f) {
    throw new SpiffeIdError('ERR_SPIFFEID_PATH_LEADING_SLASH', `Path ${JSON.stringify(path)} must start with "/"`, input);
  }
  let segStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segStart;
      if (len === 0) {
        if (i === path.length) {
          throw new SpiffeIdError('ERR_SPIFFEID_TRAILING_SLASH', `SPIFFE ID path must not end with "/": ${JSON.stringify(input)}`, input);
        }
        throw new SpiffeIdError('ERR_SPIFFEID_EMPTY_SEGMENT', `SPIFFE ID path has an empty segment ("//"): ${JSON.stringify(input)}`, input);
      }
      if ((len === 1 && path.charCodeAt(segStart) === 0x2e) || (len === 2 && path.charCodeAt(segStart) === 0x2e && path.charCodeAt(segStart + 1) === 0x2e)) {
        throw new SpiffeIdError(
          'ERR_SPIFFEID_DOT_SEGMENT',
          `SPIFFE ID path must not contain "." or ".." segments: ${JSON.stringify(input)}`,
          input,
        );
      }
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      const ch = path.charAt(i);
      let why = 'path segments may contain only letters, digits, ".", "-" and "_"';
      if (ch === '?') why = 'queries are not allowed';
      else if (ch === '#') why = 'fragments are not allowed';
      else if (ch === '%') why = 'percent-encoding is not allowed';
      throw new SpiffeIdError(
        'ERR_SPIFFEID_PATH_CHAR',
        `Invalid SPIFFE ID path ${JSON.stringify(path)}: ${describeChar(path, i)} at position ${i} (${why})`,
        input,
      );
    }
  }
}

/** Validates one path segment (no slashes). Throws {@link SpiffeIdError}. */
export function validateSegment(segment: string, input: string): void {
  if (segment.length === 0) {
    throw new SpiffeIdError('ERR_SPIFFEID_EMPTY_SEGMENT', 'Path segments must not be empty', input);
  }
  if (segment.includes('/')) {
    throw new SpiffeIdError(
      'ERR_SPIFFEID_PATH_CHAR',
      `Path segment ${JSON.stringify(segment)} contains "/"; pass each segment separately`,
      input,
    );
  }
  validatePath(`/${segment}`, input);
}

/** Splits and validates a SPIFFE ID string into its trust domain name and path. */
export function parseIdParts(input: unknown): { trustDomain: string; path: string } {
  if (typeof input !== 'string') {
    throw new SpiffeIdError('ERR_SPIFFEID_NOT_STRING', `SPIFFE ID must be a string, got ${input === null ? 'null' : typeof input}`, input);
  }
  if (input.length === 0) throw new SpiffeIdError('ERR_SPIFFEID_EMPTY', 'SPIFFE ID is empty', input);
  if (input.length > MAX_ID_BYTES || Buffer.byteLength(input, 'utf8') > MAX_ID_BYTES) {
    throw new SpiffeIdError(
      'ERR_SPIFFEID_TOO_LONG',
      `SPIFFE ID is ${Buffer.byteLength(input, 'utf8')} bytes long; at most ${MAX_ID_BYTES} are allowed`,
      input,
    );
  }
  if (!input.startsWith(SCHEME_PREFIX)) {
    const hint = input.toLowerCase().startsWith(SCHEME_PREFIX) ? ' (the scheme must be lowercase)' : '';
    throw new SpiffeIdError(
      'ERR_SPIFFEID_SCHEME',
      `SPIFFE ID must start with "spiffe://"${hint}: ${JSON.stringify(input.slice(0, 64))}`,
      input,
    );
  }
  const rest = input.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  validateTrustDomainName(trustDomain, input);
  validatePath(path, input);
  return { trustDomain, path };
}
