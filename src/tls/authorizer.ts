/**
 * Authorizers: decide, after the peer's X.509-SVID was verified, whether that SPIFFE ID may talk
 * to us. The Node counterpart of go-spiffe's `tlsconfig.Authorizer`.
 *
 * Authorization fails closed: only an explicit `true` allows a peer. An authorizer that returns
 * `false`, `undefined` (a "void" authorizer), a Promise or anything else refuses, as does one that
 * throws. So a `Matcher` (`matchMemberOf(…)`, which returns a boolean) is a valid authorizer,
 * and an authorizer handed where a matcher is taken ({@link authorizeMatching}, the bearer
 * middleware's `authorize`) matches only when it returns `true`.
 *
 * @module
 */
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { AuthorizationError, TlsError } from './errors.js';

/**
 * Decides whether a verified peer is allowed. Returns `true` to allow; anything else refuses.
 * Refuse by throwing an {@link AuthorizationError} (which names the rule in logs and errors) or by
 * returning `false`. Any other result (`undefined`, a Promise, `1`, …) and any other throw also
 * refuse: authorization fails closed. Runs on every handshake, so keep it cheap and synchronous (an
 * `async` authorizer returns a Promise, and so refuses every peer).
 *
 * A `Matcher` (`matchId`, `matchMemberOf`, …) is an authorizer.
 *
 * @param id - the peer's verified SPIFFE ID.
 * @param verifiedChain - the verified path as DER: leaf, intermediates, trust anchor last.
 * @returns `true` to allow the peer.
 * @example
 * ```ts
 * import { AuthorizationError, type Authorizer } from 'spiffe-kit';
 * const onlyFrontends: Authorizer = (id) => {
 *   if (!id.path.startsWith('/frontend/')) throw new AuthorizationError(id, 'a path under /frontend/');
 *   return true;
 * };
 * ```
 */
export type Authorizer = (id: SpiffeId, verifiedChain: readonly Buffer[]) => boolean;

/**
 * @internal Throws a {@link TlsError} `ERR_TLS_BAD_AUTHORIZER` unless `value` is a function: the
 * entry points check this when they are called, so that a JavaScript caller passing `undefined`, a
 * string or an object learns it at once instead of at the first handshake.
 */
export function assertAuthorizer(value: unknown, where: string): asserts value is Authorizer {
  if (typeof value !== 'function') {
    throw new TlsError(
      'ERR_TLS_BAD_AUTHORIZER',
      `${where} needs an authorizer function (such as authorizeMemberOf('example.org') or matchMemberOf('example.org')), got ${describeValue(value)}`,
    );
  }
}

/** @internal A short, safe description of a value for error messages (never a whole object). */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
    if (typeof value === 'symbol') return 'a symbol';
    if (typeof value === 'function') return 'a function';
    if (value instanceof Promise || typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
    return 'an object';
  } catch {
    return 'an unreadable value';
  }
}

function nameOf(fn: unknown): string {
  try {
    const name = (fn as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name.slice(0, 200) : '';
  } catch {
    return '';
  }
}

/** A Promise (or thenable) must not reject unheard: an unhandled rejection may end the process. */
function silence(value: unknown): void {
  try {
    if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
      const then = (value as { then?: unknown }).then;
      if (typeof then === 'function') then.call(value, undefined, () => {});
    }
  } catch {
    // a hostile thenable: nothing to silence
  }
}

/**
 * Runs `decide` (an authorizer or a matcher) for `id` and returns normally only when it returned
 * exactly `true`. Otherwise throws an {@link AuthorizationError}: the one `decide` threw, or one
 * that says what came back (and how to allow: return `true`), with `rule`.
 *
 * @internal The one place where an authorizer's result is judged.
 */
export function runAuthorizer(decide: unknown, id: SpiffeId, chain: readonly Buffer[], rule?: string): void {
  let result: unknown;
  let threw = false;
  if (typeof decide === 'function') {
    try {
      result = (decide as (id: SpiffeId, chain: readonly Buffer[]) => unknown)(id, chain);
    } catch (err) {
      if (err instanceof AuthorizationError) throw err;
      result = err;
      threw = true;
    }
    if (result === true && !threw) return;
  }
  // Refused: from here on, only the error is built (the allow path above stays a call and a compare).
  const what = nameOf(decide) || 'the authorizer';
  const ruleText = rule ?? `an ID accepted by ${what}`;
  if (typeof decide !== 'function') {
    throw new AuthorizationError(id, ruleText, { reason: `${what} is not a function (${describeValue(decide)}); every peer is refused` });
  }
  if (threw) throw new AuthorizationError(id, ruleText, { reason: `${what} threw ${describeThrown(result)}`, cause: result });
  if (result === false) throw new AuthorizationError(id, ruleText);
  silence(result);
  const shown = describeValue(result);
  const hint = shown === 'a Promise' ? 'authorizers run synchronously during the handshake and cannot be async' : 'only `true` allows a peer';
  throw new AuthorizationError(id, ruleText, {
    reason: `${what} returned ${shown}, not true (${hint}; return true to allow, throw an AuthorizationError or return false to refuse)`,
  });
}

/** `TypeError: boom` for an Error, else {@link describeValue}; never throws. */
function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error) return `${String(err.name)}: ${String(err.message).slice(0, 200)}`;
  } catch {
    return 'an unreadable error';
  }
  return describeValue(err);
}

/**
 * Allows any peer whose X.509-SVID verifies against a trusted bundle.
 *
 * @example
 * ```ts
 * const options = mtlsClientOptions(source, authorizeAny());
 * ```
 */
export function authorizeAny(): Authorizer {
  return () => true;
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
    return true;
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
    return true;
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
    return true;
  };
}

/**
 * Allows the IDs a predicate (or a `Matcher` such as `matchMemberOf`) accepts: only a result
 * of exactly `true` allows. An authorizer works here too: one that throws, or returns anything
 * but `true`, does not match.
 *
 * @param predicate - returns true for the IDs to allow (a `Matcher` or any function).
 * @param description - how the rule is named in errors (default: the function's name).
 * @throws {@link TlsError} `ERR_TLS_BAD_AUTHORIZER` when `predicate` is not a function.
 * @example
 * ```ts
 * const authorizer = authorizeMatching((id) => id.path.startsWith('/ns/prod/'), 'a path under /ns/prod/');
 * ```
 */
export function authorizeMatching(predicate: (id: SpiffeId, verifiedChain: readonly Buffer[]) => boolean, description?: string): Authorizer {
  assertAuthorizer(predicate, 'authorizeMatching');
  const rule = description ?? `an ID accepted by ${nameOf(predicate) || 'the predicate'}`;
  return (id, chain) => {
    try {
      runAuthorizer(predicate, id, chain, rule);
    } catch (err) {
      // `false`, an odd result or a throw: already told under this rule.
      if (err instanceof AuthorizationError && err.rule === rule) throw err;
      // An authorizer used as the predicate refused under its own rule: this rule, that one as the cause.
      throw new AuthorizationError(id, rule, { cause: err });
    }
    return true;
  };
}
