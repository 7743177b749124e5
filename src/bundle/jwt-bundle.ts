import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { BundleError, quote } from './errors.js';
import { addParsedJwtAuthority, hasKnownKty, importJwtAuthority, jwkAt, jwkSetKeys, publicKeyToJwk, readJsonInput, toPublicKey } from './jwk.js';
import { DEFAULT_MAX_BUNDLE_AUTHORITIES } from './authority.js';

/**
 * Options of {@link JwtBundle.fromJwks}.
 *
 * @example
 * ```ts
 * JwtBundle.fromJwks('example.org', body, { maxAuthorities: 64 });
 * ```
 */
export interface JwtBundleParseOptions {
  /** At most this many keys are accepted. Default {@link DEFAULT_MAX_BUNDLE_AUTHORITIES}. */
  readonly maxAuthorities?: number | undefined;
}

/**
 * A JWK of a JWT bundle, as {@link JwtBundle.toJwks} writes it.
 *
 * @example
 * ```ts
 * for (const jwk of jwtBundle.toJwks().keys) console.log(jwk.kid, jwk.kty, jwk.crv);
 * ```
 */
export interface JwtAuthorityJwk {
  readonly kty: string;
  readonly kid: string;
  readonly use?: string;
  readonly [member: string]: string | undefined;
}

/**
 * A JWK Set, as {@link JwtBundle.toJwks} writes it.
 *
 * @example
 * ```ts
 * const body = Buffer.from(JSON.stringify(bundle.toJwks()));
 * ```
 */
export interface JwtBundleJwks {
  readonly keys: JwtAuthorityJwk[];
}

/** `use` values of keys read as JWT authorities from a plain JWK Set; others are skipped. */
const JWT_USES: ReadonlySet<unknown> = new Set([undefined, 'jwt-svid', 'sig']);

const WHAT = 'JWT bundle';

/**
 * The JWT authorities (public keys by key ID) of one trust domain: what JWT-SVIDs issued in that
 * trust domain are verified against. A `JwtBundle` is also a {@link JwtBundleSource} that answers
 * for its own trust domain only.
 *
 * @example
 * ```ts
 * import { JwtBundle, JwtSvid } from 'spiffe-kit';
 * const bundle = JwtBundle.fromJwks('example.org', await (await fetch(jwksUrl)).text());
 * const svid = await JwtSvid.parseAndValidate(token, bundle, 'my-api');
 * ```
 */
export class JwtBundle implements JwtBundleSource {
  /** The trust domain the authorities belong to. */
  readonly trustDomain: TrustDomain;
  readonly #keys = new Map<string, KeyObject>();

  /**
   * Creates a bundle from `[kid, key]` pairs (a `Map` works). Private keys are reduced to their
   * public half.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_MISSING_KID` for an empty key ID,
   * `ERR_BUNDLE_INVALID_ARGUMENT` for a secret key or a non-key.
   * @example
   * ```ts
   * const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
   * const bundle = new JwtBundle('example.org', new Map([['key-1', publicKey]]));
   * ```
   */
  constructor(trustDomain: TrustDomain | string, authorities?: Iterable<readonly [string, KeyObject]>) {
    this.trustDomain = TrustDomain.from(trustDomain);
    if (authorities !== undefined) for (const [kid, key] of authorities) this.addJwtAuthority(kid, key);
  }

  /**
   * Parses a JWK Set (RFC 7517): the Workload API's JWT bundle format, or a SPIFFE bundle (its
   * `x509-svid` keys are skipped). Keys with an unknown `kty` or a `use` other than `jwt-svid` or
   * `sig` are skipped, as the SPIFFE bundle spec says; every other key must have a `kid`.
   *
   * @param trustDomain - the trust domain the keys belong to.
   * @param json - JSON text, UTF-8 bytes, or an already parsed object.
   * @param options - `maxAuthorities`.
   * @throws {@link BundleError} `ERR_BUNDLE_MALFORMED` (not JSON, no `keys`, a key that is not an
   * object or has no `kty`), `ERR_BUNDLE_MISSING_KID`, `ERR_BUNDLE_DUPLICATE_KID`,
   * `ERR_BUNDLE_INVALID_KEY` or `ERR_BUNDLE_TOO_LARGE`, naming the trust domain and key index.
   * @example
   * ```ts
   * const bundle = JwtBundle.fromJwks('example.org', response.bundles['spiffe://example.org']);
   * bundle.findJwtAuthority('key-1'); // KeyObject | undefined
   * ```
   */
  static fromJwks(trustDomain: TrustDomain | string, json: string | Uint8Array | object, options?: JwtBundleParseOptions): JwtBundle {
    const bundle = new JwtBundle(trustDomain);
    const td = bundle.trustDomain.name;
    const { value } = readJsonInput(json, WHAT, td);
    const keys = jwkSetKeys(value, WHAT, td, options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES);
    for (let i = 0; i < keys.length; i++) {
      const jwk = jwkAt(keys, i, WHAT, td);
      if (!JWT_USES.has(jwk.use) || !hasKnownKty(jwk, i, WHAT, td)) continue;
      const [kid, key] = importJwtAuthority(jwk, i, WHAT, td);
      addParsedJwtAuthority(bundle.#keys, kid, key, i, WHAT, td);
    }
    return bundle;
  }

  /**
   * The authorities by key ID (a copy).
   *
   * @example
   * ```ts
   * for (const [kid, key] of bundle.jwtAuthorities) console.log(kid, key.asymmetricKeyType);
   * ```
   */
  get jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return new Map(this.#keys);
  }

  /** Number of authorities. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Whether the bundle has no authorities.
   *
   * @example
   * ```ts
   * if (bundle.empty()) console.warn(`no JWT keys for ${bundle.trustDomain}`);
   * ```
   */
  empty(): boolean {
    return this.#keys.size === 0;
  }

  /**
   * The public key with key ID `kid`, or `undefined`.
   *
   * @example
   * ```ts
   * const key = bundle.findJwtAuthority(header.kid);
   * ```
   */
  findJwtAuthority(kid: string): KeyObject | undefined {
    return this.#keys.get(kid);
  }

  /**
   * Whether there is an authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.hasJwtAuthority('key-1'); // true
   * ```
   */
  hasJwtAuthority(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /**
   * Adds (or replaces) the authority with key ID `kid`. Private keys are reduced to their public half.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_MISSING_KID` or `ERR_BUNDLE_INVALID_ARGUMENT`.
   * @example
   * ```ts
   * bundle.addJwtAuthority('key-2', rotatedPublicKey);
   * ```
   */
  addJwtAuthority(kid: string, key: KeyObject): void {
    const td = this.trustDomain.name;
    if (typeof kid !== 'string' || kid.length === 0) {
      throw new BundleError('ERR_BUNDLE_MISSING_KID', `${WHAT} of trust domain "${td}": a JWT authority needs a non-empty key ID`, { trustDomain: td });
    }
    this.#keys.set(kid, toPublicKey(key, `${WHAT} of trust domain "${td}": the authority with kid ${quote(kid)}`, { trustDomain: td, kid }));
  }

  /**
   * Removes the authority with key ID `kid`. Returns whether there was one.
   *
   * @example
   * ```ts
   * bundle.removeJwtAuthority('key-1');
   * ```
   */
  removeJwtAuthority(kid: string): boolean {
    return this.#keys.delete(kid);
  }

  /**
   * Replaces all authorities.
   *
   * @example
   * ```ts
   * bundle.setJwtAuthorities(new Map([['key-2', publicKey]]));
   * ```
   */
  setJwtAuthorities(authorities: Iterable<readonly [string, KeyObject]>): void {
    const next = new JwtBundle(this.trustDomain, authorities);
    this.#keys.clear();
    for (const [kid, key] of next.#keys) this.#keys.set(kid, key);
  }

  /**
   * Whether `other` has the same trust domain and the same keys under the same key IDs.
   *
   * @example
   * ```ts
   * JwtBundle.fromJwks(td, bundle.toJwks()).equals(bundle); // true
   * ```
   */
  equals(other: JwtBundle): boolean {
    if (!(other instanceof JwtBundle) || !other.trustDomain.equals(this.trustDomain)) return false;
    if (other.#keys.size !== this.#keys.size) return false;
    for (const [kid, key] of this.#keys) {
      const theirs = other.#keys.get(kid);
      if (theirs === undefined || (theirs !== key && !theirs.equals(key))) return false;
    }
    return true;
  }

  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.removeJwtAuthority('old');
   * ```
   */
  clone(): JwtBundle {
    const copy = new JwtBundle(this.trustDomain);
    for (const [kid, key] of this.#keys) copy.#keys.set(kid, key);
    return copy;
  }

  /**
   * The authorities as a JWK Set, each key with its `kid` (no `use`, like the Workload API's JWT
   * bundles). Round-trips through {@link JwtBundle.fromJwks}.
   *
   * @example
   * ```ts
   * res.setHeader('content-type', 'application/jwk-set+json').end(JSON.stringify(bundle.toJwks()));
   * ```
   */
  toJwks(): JwtBundleJwks {
    const keys: JwtAuthorityJwk[] = [];
    for (const [kid, key] of this.#keys) keys.push({ ...publicKeyToJwk(key), kid } as JwtAuthorityJwk);
    return { keys };
  }

  /**
   * Returns this bundle for its own trust domain and `undefined` for any other.
   *
   * @example
   * ```ts
   * await JwtSvid.parseAndValidate(token, bundle, 'my-api'); // a single bundle is a source
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return trustDomain.name === this.trustDomain.name ? this : undefined;
  }

  /** `JwtBundle(<trust domain>, kids: a, b)`. */
  toString(): string {
    return `JwtBundle(${this.trustDomain.name}, ${this.#keys.size === 0 ? 'no authorities' : `kids: ${[...this.#keys.keys()].join(', ')}`})`;
  }

  /**
   * Serialises as the JWK Set of {@link JwtBundle.toJwks}.
   *
   * @example
   * ```ts
   * JSON.stringify(bundle); // '{"keys":[{"kty":"EC",…,"kid":"key-1"}]}'
   * ```
   */
  toJSON(): JwtBundleJwks {
    return this.toJwks();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Anything that can hand out the JWT bundle of a trust domain: a single {@link JwtBundle}, a
 * {@link JwtBundleSet}, or a live source from the Workload API.
 *
 * @example
 * ```ts
 * const bundle = source.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'));
 * ```
 */
export interface JwtBundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined;
}
