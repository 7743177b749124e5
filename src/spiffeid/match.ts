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

/**
 * Matches every SPIFFE ID.
 *
 * @example
 * ```ts
 * matchAny()(SpiffeId.parse('spiffe://any.org/x')); // true
 * ```
 */
export function matchAny(): Matcher {
  return () => true;
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
  return (id) => id.toString() === want;
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
  return (id) => set.has(id.toString());
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
  return (id) => id.trustDomain.name === td.name;
}
