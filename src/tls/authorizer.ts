/**
 * Authorizers: decide, after the peer's X.509-SVID was verified, whether that SPIFFE ID may talk
 * to us. The Node counterpart of go-spiffe's `tlsconfig.Authorizer`.
 *
 * @module
 */
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import type { Matcher } from '../spiffeid/match.js';
import { AuthorizationError } from './errors.js';

/**
 * Decides whether a verified peer is allowed. Returns normally to allow; throws (an
 * {@link AuthorizationError} by convention) to refuse. Runs on every handshake, so keep it cheap
 * and synchronous.
 *
 * @param id - the peer's verified SPIFFE ID.
 * @param verifiedChain - the verified path as DER: leaf, intermediates, trust anchor last.
 * @example
 * ```ts
 * import { AuthorizationError, type Authorizer } from 'spiffe-kit';
 * const onlyFrontends: Authorizer = (id) => {
 *   if (!id.path.startsWith('/frontend/')) throw new AuthorizationError(id, 'a path under /frontend/');
 * };
 * ```
 */
export type Authorizer = (id: SpiffeId, verifiedChain: readonly Buffer[]) => void;

/**
 * Allows any peer whose X.509-SVID verifies against a trusted bundle.
 *
 * @example
 * ```ts
 * const options = mtlsClientOptions(source, authorizeAny());
 * ```
 */
export function authorizeAny(): Authorizer {
  return () => {};
}

/**
 * Allows exactly one SPIFFE ID.
 *
 * @param expected - the only SPIFFE ID allowed.
 * @example
 * ```ts
 * const options = mtlsClientOptions(source, authorizeId('spiffe://example.org/db'));
 * ```
 */
export function authorizeId(expected: SpiffeId | string): Authorizer {
  const want = SpiffeId.from(expected).toString();
  const rule = `id ${want}`;
  return (id) => {
    if (id.toString() !== want) throw new AuthorizationError(id, rule);
  };
}

/**
 * Allows any of the given SPIFFE IDs.
 *
 * @param expected - the SPIFFE IDs allowed.
 * @example
 * ```ts
 * const authorizer = authorizeOneOf('spiffe://example.org/web', 'spiffe://example.org/admin');
 * ```
 */
export function authorizeOneOf(...expected: Array<SpiffeId | string>): Authorizer {
  const set = new Set(expected.map((e) => SpiffeId.from(e).toString()));
  const rule = `one of ${[...set].join(', ') || '(none)'}`;
  return (id) => {
    if (!set.has(id.toString())) throw new AuthorizationError(id, rule);
  };
}

/**
 * Allows any SPIFFE ID of one trust domain.
 *
 * @param trustDomain - the trust domain whose IDs are allowed (a name or a `TrustDomain`).
 * @example
 * ```ts
 * const authorizer = authorizeMemberOf('example.org');
 * ```
 */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  const td = TrustDomain.from(trustDomain);
  const rule = `a member of trust domain ${td.name}`;
  return (id) => {
    if (id.trustDomain.name !== td.name) throw new AuthorizationError(id, rule);
  };
}

/**
 * Allows the IDs a predicate (or a {@link Matcher} such as `matchMemberOf`) accepts.
 *
 * @param predicate - returns true for the IDs to allow (a `Matcher` or any function).
 * @param description - how the rule is named in errors (default: the function's name).
 * @example
 * ```ts
 * const authorizer = authorizeMatching((id) => id.path.startsWith('/ns/prod/'), 'a path under /ns/prod/');
 * ```
 */
export function authorizeMatching(predicate: Matcher | ((id: SpiffeId) => boolean), description?: string): Authorizer {
  const rule = description ?? `an ID accepted by ${predicate.name || 'the predicate'}`;
  return (id) => {
    if (!predicate(id)) throw new AuthorizationError(id, rule);
  };
}
