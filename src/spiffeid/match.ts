import { SpiffeId } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';

/**
 * A predicate over SPIFFE IDs, used to decide which peers or subjects are acceptable.
 *
 * @example
 * ```ts
 * import { matchMemberOf, SpiffeId } from 'spiffe-kit';
 * const m: Matcher = matchMemberOf('example.org');
 * m(SpiffeId.parse('spiffe://example.org/web')); // true
 * ```
 */
export type Matcher = (id: SpiffeId) => boolean;

/** Names a matcher after what it accepts (`matchMemberOf(example.org)`), for refusals and logs. */
function named(matcher: Matcher, label: string): Matcher {
  Object.defineProperty(matcher, 'name', { value: label.length > 200 ? `${label.slice(0, 199)}…)` : label });
  return matcher;
}

/**
 * Matches every SPIFFE ID.
 *
 * @example
 * ```ts
 * matchAny()(SpiffeId.parse('spiffe://any.org/x')); // true
 * ```
 */
export function matchAny(): Matcher {
  return named(() => true, 'matchAny()');
}

/**
 * Matches exactly one SPIFFE ID.
 *
 * @param expected - the SPIFFE ID to match.
 * @example
 * ```ts
 * matchId('spiffe://example.org/web')(SpiffeId.parse('spiffe://example.org/web')); // true
 * ```
 */
export function matchId(expected: SpiffeId | string): Matcher {
  const want = SpiffeId.from(expected).toString();
  return named((id) => id.toString() === want, `matchId(${want})`);
}

/**
 * Matches any of the given SPIFFE IDs.
 *
 * @param expected - the SPIFFE IDs to match.
 * @example
 * ```ts
 * const m = matchOneOf('spiffe://example.org/a', 'spiffe://example.org/b');
 * m(SpiffeId.parse('spiffe://example.org/b')); // true
 * ```
 */
export function matchOneOf(...expected: Array<SpiffeId | string>): Matcher {
  const set = new Set(expected.map((e) => SpiffeId.from(e).toString()));
  return named((id) => set.has(id.toString()), `matchOneOf(${[...set].join(', ')})`);
}

/**
 * Matches every SPIFFE ID of one trust domain.
 *
 * @param trustDomain - the trust domain whose IDs match.
 * @example
 * ```ts
 * matchMemberOf('example.org')(SpiffeId.parse('spiffe://other.org/web')); // false
 * ```
 */
export function matchMemberOf(trustDomain: TrustDomain | string): Matcher {
  const td = TrustDomain.from(trustDomain);
  return named((id) => id.trustDomain.name === td.name, `matchMemberOf(${td.name})`);
}
