/**
 * `TestJwtIssuer`: JWT-SVID signing keys of a test trust domain, token minting (well-formed or
 * deliberately broken), the matching JWK Set, and key rotation.
 *
 * @module
 */
import { constants, createPublicKey, generateKeyPair, type KeyObject, randomBytes, sign as nodeSign } from 'node:crypto';
import { inspect } from 'node:util';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { loadJose, TestingError } from './keys.js';

/**
 * JWS algorithms the issuer can sign with. `EdDSA` is not allowed for JWT-SVIDs; it is here so
 * tests can check that validators reject it.
 *
 * @example
 * ```ts
 * const kid = await issuer.addJwtKey({ alg: 'PS256' });
 * const eddsa = await issuer.addJwtKey({ alg: 'EdDSA', activate: false }); // for a validator to reject
 * ```
 */
export type JwtAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

const ALGORITHMS: readonly JwtAlgorithm[] = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

/**
 * Options of {@link TestJwtIssuer.addJwtKey}.
 *
 * @example
 * ```ts
 * await issuer.addJwtKey({ alg: 'RS256', kid: 'rotated-1', activate: false });
 * ```
 */
export interface JwtKeyOptions {
  /** Default `ES256`. */
  readonly alg?: JwtAlgorithm | undefined;
  /** Default: 32 random hex characters. */
  readonly kid?: string | undefined;
  /** Use this private key instead of generating one (it must suit `alg`). */
  readonly privateKey?: KeyObject | undefined;
  /** Make it the key that signs by default. Default `true`. */
  readonly activate?: boolean | undefined;
}

/**
 * A signing key as the issuer reports it: public parts only.
 *
 * @example
 * ```ts
 * for (const key of issuer.keys) console.log(key.kid, key.alg, key.active);
 * ```
 */
export interface JwtKeyInfo {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly publicKey: KeyObject;
  readonly active: boolean;
}

/**
 * Options of {@link TestJwtIssuer.create}.
 *
 * @example
 * ```ts
 * import { TestJwtIssuer } from 'spiffe-kit/testing';
 * const issuer = await TestJwtIssuer.create({ trustDomain: 'example.org', key: { alg: 'ES384' } });
 * ```
 */
export interface TestJwtIssuerOptions {
  readonly trustDomain: TrustDomain | string;
  /** The first signing key, or `false` to start with none. Default: a fresh ES256 key. */
  readonly key?: JwtKeyOptions | false | undefined;
}

/**
 * Options of {@link TestJwtIssuer.signJwtSvid}. The defaults give a valid JWT-SVID; the rest
 * lets a test break any part of it.
 *
 * @example
 * ```ts
 * // Expired two minutes ago, no kid, and an extra header the spec forbids.
 * const token = await issuer.signJwtSvid({
 *   subject: 'spiffe://example.org/web',
 *   audience: ['api'],
 *   exp: Math.floor(Date.now() / 1000) - 120,
 *   extraHeader: { kid: undefined, jku: 'https://evil.example/jwks' },
 * });

 * ```
 */
export interface SignJwtSvidOptions {
  /** The `sub` claim. Written as given: strings are not validated. */
  readonly subject: SpiffeId | string;
  /** The `aud` claim: a string stays a string, an array stays an array. */
  readonly audience: string | readonly string[];
  /** Lifetime when `exp` is not given. Default 300 (five minutes, as SPIRE). */
  readonly ttlSeconds?: number | undefined;
  /** The clock. Default: now. */
  readonly now?: Date | undefined;
  /** `iat` in seconds; `null` leaves it out. Default: now. */
  readonly iat?: number | null | undefined;
  /** `exp` in seconds; `null` leaves it out. Default: now + `ttlSeconds`. */
  readonly exp?: number | null | undefined;
  /** `nbf` in seconds. Default: absent. */
  readonly nbf?: number | undefined;
  /** The key to sign with. Default: the active key (or, with `alg`, a key that suits it). */
  readonly kid?: string | undefined;
  /** The algorithm to sign with. Default: the key's own. RSA keys can sign any RS* or PS*. */
  readonly alg?: JwtAlgorithm | undefined;
  /**
   * Merged over the header `{ alg, kid, typ: 'JWT' }`; a member set to `undefined` is removed.
   * An `alg` here is written as is while the signature is still made with the real algorithm,
   * so `{ alg: 'none' }` or `{ alg: 'HS256' }` give tokens for rejection tests.
   */
  readonly extraHeader?: Readonly<Record<string, unknown>> | undefined;
  /** Merged over the claims; a member set to `undefined` is removed. */
  readonly extraClaims?: Readonly<Record<string, unknown>> | undefined;
  /** `'invalid'` flips a bit of the signature; `'empty'` leaves it out. Default `'valid'`. */
  readonly signature?: 'valid' | 'invalid' | 'empty' | undefined;
}

/**
 * A JSON Web Key as {@link TestJwtIssuer.jwks} returns it.
 *
 * @example
 * ```ts
 * const jwk: Jwk = issuer.jwks().keys[0]!;
 * console.log(jwk.kid, jwk.kty);
 * ```
 */
export interface Jwk {
  readonly kty: string;
  readonly kid: string;
  readonly use?: string;
  readonly alg?: string;
  readonly [member: string]: unknown;
}

interface JwtKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * The JWT authority of a test trust domain: holds signing keys (kid → key), signs JWT-SVIDs,
 * publishes the public keys as a JWK Set, and rotates. Private keys never show in
 * `util.inspect` or `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { TestJwtIssuer } from 'spiffe-kit/testing';
 * import { createLocalJWKSet, jwtVerify } from 'jose';
 * const issuer = await TestJwtIssuer.create({ trustDomain: 'example.org' });
 * const token = await issuer.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api' });
 * await jwtVerify(token, createLocalJWKSet(issuer.jwks()), { audience: 'api' });
 * const next = await issuer.addJwtKey();        // rotate: new tokens use `next`
 * issuer.removeJwtKey(issuer.keys[0]!.kid);      // retire the old key
 * ```
 */
export class TestJwtIssuer {
  /** The trust domain whose JWT-SVIDs this issuer signs. */
  readonly trustDomain: TrustDomain;
  readonly #keys = new Map<string, JwtKey>();
  #activeKid: string | undefined;

  private constructor(trustDomain: TrustDomain) {
    this.trustDomain = trustDomain;
  }

  /**
   * Creates an issuer with one fresh ES256 key (see {@link TestJwtIssuerOptions}).
   *
   * @example
   * ```ts
   * const issuer = await TestJwtIssuer.create({ trustDomain: 'example.org', key: { alg: 'RS256', kid: 'k1' } });
   * ```
   */
  static async create(options: TestJwtIssuerOptions): Promise<TestJwtIssuer> {
    const issuer = new TestJwtIssuer(TrustDomain.from(options.trustDomain));
    if (options.key !== false) await issuer.addJwtKey(options.key ?? {});
    return issuer;
  }

  /** The signing keys (public parts), oldest first. */
  get keys(): JwtKeyInfo[] {
    return [...this.#keys.values()].map(({ kid, alg, publicKey }) => ({ kid, alg, publicKey, active: kid === this.#activeKid }));
  }

  /** The `kid` of the key that signs by default, or `undefined` when there is no key. */
  get activeKid(): string | undefined {
    return this.#activeKid;
  }

  /**
   * Adds a signing key and (by default) makes it the active one; returns its `kid`.
   *
   * @throws {@link TestingError} `ERR_TESTING_INVALID_OPTION` for a duplicate `kid`, an unknown
   * `alg`, or a given key that does not suit it.
   * @example
   * ```ts
   * const kid = await issuer.addJwtKey({ alg: 'ES384' });
   * ```
   */
  async addJwtKey(options: JwtKeyOptions = {}): Promise<string> {
    const alg = options.alg ?? 'ES256';
    if (!ALGORITHMS.includes(alg)) {
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `Unsupported JWT algorithm ${JSON.stringify(alg)}; expected one of ${ALGORITHMS.join(', ')}`);
    }
    const kid = options.kid ?? randomBytes(16).toString('hex');
    if (typeof kid !== 'string' || kid.length === 0) throw new TestingError('ERR_TESTING_INVALID_OPTION', '`kid` must be a non-empty string');
    if (this.#keys.has(kid)) throw new TestingError('ERR_TESTING_INVALID_OPTION', `A JWT key with kid ${JSON.stringify(kid)} already exists`);
    const privateKey = options.privateKey ?? (await generateJwtKey(alg));
    if (privateKey.type !== 'private' || !keySuits(privateKey, alg)) {
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `The given ${privateKey.type} ${privateKey.asymmetricKeyType ?? ''} key cannot sign ${alg}`);
    }
    this.#keys.set(kid, { kid, alg, privateKey, publicKey: createPublicKey(privateKey) });
    if (options.activate !== false || this.#activeKid === undefined) this.#activeKid = kid;
    return kid;
  }

  /**
   * Removes a key (it disappears from {@link TestJwtIssuer.jwks}); returns whether it existed.
   * If it was active, the newest remaining key becomes active.
   *
   * @example
   * ```ts
   * issuer.removeJwtKey(oldKid); // tokens signed with oldKid no longer verify against jwks()
   * ```
   */
  removeJwtKey(kid: string): boolean {
    const existed = this.#keys.delete(kid);
    if (existed && this.#activeKid === kid) this.#activeKid = [...this.#keys.keys()].at(-1);
    return existed;
  }

  /**
   * Makes an existing key the one that signs by default.
   *
   * @throws {@link TestingError} `ERR_TESTING_UNKNOWN_KID`.
   * @example
   * ```ts
   * issuer.setActiveJwtKey(kid);
   * ```
   */
  setActiveJwtKey(kid: string): void {
    if (!this.#keys.has(kid)) throw new TestingError('ERR_TESTING_UNKNOWN_KID', `No JWT key with kid ${JSON.stringify(kid)}`);
    this.#activeKid = kid;
  }

  /**
   * The public keys as a JWK Set, each with its `kid`. Like the Workload API's JWT bundles, keys
   * carry no `use` or `alg` unless asked: `{ use: true }` adds `use: 'jwt-svid'` (as in a SPIFFE
   * bundle), `{ alg: true }` adds `alg`.
   *
   * @example
   * ```ts
   * const body = Buffer.from(JSON.stringify(issuer.jwks())); // a Workload API JWT bundle
   * ```
   */
  jwks(options: { readonly use?: boolean | undefined; readonly alg?: boolean | undefined } = {}): { keys: Jwk[] } {
    const keys: Jwk[] = [];
    for (const { kid, alg, publicKey } of this.#keys.values()) {
      const jwk = publicKey.export({ format: 'jwk' });
      keys.push({
        ...jwk,
        kty: String(jwk.kty),
        kid,
        ...(options.use ? { use: 'jwt-svid' } : {}),
        ...(options.alg ? { alg } : {}),
      });
    }
    return { keys };
  }

  /**
   * Signs a JWT-SVID and returns the compact token (see {@link SignJwtSvidOptions}).
   *
   * @throws {@link TestingError} `ERR_TESTING_NO_JWT_KEY` (no key, or none suits `alg`),
   * `ERR_TESTING_UNKNOWN_KID`, `ERR_TESTING_INVALID_OPTION` (an `alg` the key cannot sign).
   * @example
   * ```ts
   * const token = await issuer.signJwtSvid({ subject: 'spiffe://example.org/web', audience: ['a', 'b'], ttlSeconds: 60 });
   * ```
   */
  async signJwtSvid(options: SignJwtSvidOptions): Promise<string> {
    const key = this.#pickKey(options.kid, options.alg);
    const alg = options.alg ?? key.alg;
    if (!keySuits(key.privateKey, alg)) {
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `JWT key ${JSON.stringify(key.kid)} (${key.alg}) cannot sign ${alg}`);
    }
    const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const claims: Record<string, unknown> = {
      sub: options.subject.toString(),
      aud: typeof options.audience === 'string' ? options.audience : [...options.audience],
      exp: options.exp === undefined ? nowSeconds + (options.ttlSeconds ?? 300) : (options.exp ?? undefined),
      iat: options.iat === undefined ? nowSeconds : (options.iat ?? undefined),
      nbf: options.nbf,
      ...options.extraClaims,
    };
    const header: Record<string, unknown> = { alg, kid: key.kid, typ: 'JWT', ...options.extraHeader };
    const payload = Buffer.from(JSON.stringify(claims));

    let token: string;
    if (header.alg === alg && !('crit' in header) && !('b64' in header)) {
      const jose = await loadJose();
      const clean = JSON.parse(JSON.stringify(header)) as { alg: string };
      token = await new jose.CompactSign(payload).setProtectedHeader(clean).sign(key.privateKey);
    } else {
      // jose refuses such headers (on purpose); sign by hand for rejection tests.
      const input = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(payload)}`;
      token = `${input}.${b64url(rawSignature(alg, key.privateKey, Buffer.from(input)))}`;
    }
    return tamper(token, options.signature ?? 'valid');
  }

  #pickKey(kid: string | undefined, alg: JwtAlgorithm | undefined): JwtKey {
    if (kid !== undefined) {
      const key = this.#keys.get(kid);
      if (!key) throw new TestingError('ERR_TESTING_UNKNOWN_KID', `No JWT key with kid ${JSON.stringify(kid)}`);
      return key;
    }
    const active = this.#activeKid === undefined ? undefined : this.#keys.get(this.#activeKid);
    if (active && (alg === undefined || keySuits(active.privateKey, alg))) return active;
    if (alg !== undefined) {
      const suitable = [...this.#keys.values()].reverse().find((k) => keySuits(k.privateKey, alg));
      if (suitable) return suitable;
    }
    throw new TestingError('ERR_TESTING_NO_JWT_KEY', `The JWT issuer of ${this.trustDomain.name} has no key${alg ? ` that can sign ${alg}` : ''}`);
  }

  /** Public facts only: trust domain and key ids. */
  toJSON(): { trustDomain: string; keys: { kid: string; alg: JwtAlgorithm; active: boolean }[] } {
    return { trustDomain: this.trustDomain.name, keys: this.keys.map(({ kid, alg, active }) => ({ kid, alg, active })) };
  }

  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `TestJwtIssuer ${inspectFn(this.toJSON(), { ...options, depth })}`;
  }
}

function generateJwtKey(alg: JwtAlgorithm): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve(privateKey));
    if (alg === 'EdDSA') generateKeyPair('ed25519', {}, done);
    else if (alg.startsWith('ES')) generateKeyPair('ec', { namedCurve: ES_CURVES[alg] ?? 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

const ES_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const NODE_CURVES: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function keySuits(key: KeyObject, alg: JwtAlgorithm): boolean {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return NODE_CURVES[alg] === key.asymmetricKeyDetails?.namedCurve;
    case 'rsa':
      return alg.startsWith('RS') || alg.startsWith('PS');
    case 'ed25519':
      return alg === 'EdDSA';
    default:
      return false;
  }
}

function rawSignature(alg: JwtAlgorithm, key: KeyObject, data: Buffer): Buffer {
  if (alg === 'EdDSA') return nodeSign(null, data, key);
  const bits = alg.slice(2);
  const hash = `sha${bits}`;
  if (alg.startsWith('ES')) return nodeSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) return nodeSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 });
  return nodeSign(hash, data, key);
}

function tamper(token: string, mode: 'valid' | 'invalid' | 'empty'): string {
  if (mode === 'valid') return token;
  const cut = token.lastIndexOf('.') + 1;
  if (mode === 'empty') return token.slice(0, cut);
  const signature = Buffer.from(token.slice(cut), 'base64url');
  signature[signature.length >> 1]! ^= 0x01;
  return token.slice(0, cut) + b64url(signature);
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
