import type { KeyObject, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { type Authority, certificatePublicKey, DEFAULT_MAX_BUNDLE_AUTHORITIES, singleAuthority } from './authority.js';
import { BundleError } from './errors.js';
import { addParsedJwtAuthority, hasKnownKty, importJwtAuthority, importPublicJwk, type JwkObject, jwkAt, jwkSetKeys, publicKeyToJwk, readJsonInput } from './jwk.js';
import { JwtBundle } from './jwt-bundle.js';
import { rawTopLevelMember } from './raw-json.js';
import type { JwtBundleSource } from './jwt-bundle.js';
import type { X509BundleSource } from './x509-bundle.js';
import { addCheckedAuthority, X509Bundle } from './x509-bundle.js';

/** Largest `spiffe_sequence` accepted: 2^64 - 1, the range every SPIFFE implementation reads. */
const MAX_SEQUENCE = (1n << 64n) - 1n;
const DIGITS = /^(?:0|[1-9][0-9]*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHAT = 'SPIFFE bundle';

/** Members of a JWK that carry the public key, per `kty`: any present means "check against x5c". */
const KEY_MEMBERS: Readonly<Record<string, readonly string[]>> = { EC: ['x', 'y'], RSA: ['n', 'e'], OKP: ['x'] };

/**
 * Options of {@link SpiffeBundle}'s constructor.
 *
 * @example
 * ```ts
 * const bundle = new SpiffeBundle('example.org', { x509Authorities: [caCert], refreshHint: 300, sequenceNumber: 1n });
 * ```
 */
export interface SpiffeBundleOptions {
  readonly x509Authorities?: Iterable<X509Certificate | Uint8Array> | undefined;
  readonly jwtAuthorities?: Iterable<readonly [string, KeyObject]> | undefined;
  /** `spiffe_refresh_hint`, in seconds. */
  readonly refreshHint?: number | undefined;
  /** `spiffe_sequence`. */
  readonly sequenceNumber?: bigint | number | undefined;
}

/**
 * Options of {@link SpiffeBundle.parse}.
 *
 * @example
 * ```ts
 * SpiffeBundle.parse('partner.example', body, { maxAuthorities: 256 });
 * ```
 */
export interface SpiffeBundleParseOptions {
  /** At most this many entries in `keys`. Default {@link DEFAULT_MAX_BUNDLE_AUTHORITIES}. */
  readonly maxAuthorities?: number | undefined;
}

function checkRefreshHint(value: unknown, trustDomain: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BundleError(
      'ERR_BUNDLE_MALFORMED',
      `${WHAT} of trust domain "${trustDomain}": "spiffe_refresh_hint" must be a non-negative integer number of seconds`,
      { trustDomain },
    );
  }
  return value;
}

function checkSequence(value: unknown, raw: string | undefined, trustDomain: string): bigint {
  const bad = (why: string): never => {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${WHAT} of trust domain "${trustDomain}": "spiffe_sequence" ${why}`, { trustDomain });
  };
  let sequence: bigint;
  if (raw !== undefined) {
    if (typeof value !== 'number' || !DIGITS.test(raw)) bad('must be a non-negative integer written with digits only');
    sequence = BigInt(raw);
  } else if (typeof value === 'bigint') {
    sequence = value;
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) bad('must be a non-negative integer');
    if (!Number.isSafeInteger(value)) bad('is beyond 2^53 and has lost precision; pass the JSON text (or a bigint) instead');
    sequence = BigInt(value);
  } else {
    return bad('must be a non-negative integer');
  }
  if (sequence < 0n) bad('must not be negative');
  if (sequence > MAX_SEQUENCE) bad('exceeds 2^64 - 1');
  return sequence;
}

function readX509Entry(jwk: JwkObject, index: number, trustDomain: string): Authority {
  const describe = `${WHAT} of trust domain "${trustDomain}": key #${index} (x509-svid)`;
  const context = { trustDomain, keyIndex: index };
  const x5c = jwk.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 1) {
    const found = Array.isArray(x5c) ? `${x5c.length} certificates` : x5c === undefined ? 'no "x5c"' : 'an "x5c" that is not an array';
    throw new BundleError('ERR_BUNDLE_X5C', `${describe} must hold exactly one certificate in "x5c"; found ${found}`, context);
  }
  const b64 = x5c[0];
  if (typeof b64 !== 'string' || b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) {
    throw new BundleError('ERR_BUNDLE_INVALID_CERTIFICATE', `${describe}: "x5c"[0] is not a base64-encoded certificate`, context);
  }
  const authority = singleAuthority(Buffer.from(b64, 'base64'), { describe, ...context });
  const members = KEY_MEMBERS[jwk.kty as string] ?? [];
  if (members.some((m) => jwk[m] !== undefined)) {
    const jwkKey = importPublicJwk(jwk, WHAT, context);
    if (!jwkKey.equals(authority.publicKey())) {
      throw new BundleError('ERR_BUNDLE_KEY_MISMATCH', `${describe}: the JWK's key parameters are not the public key of its "x5c" certificate`, context);
    }
  }
  return authority;
}

/**
 * A SPIFFE bundle (SPIFFE Trust Domain and Bundle spec): the X.509 and JWT authorities of one
 * trust domain in one JWK Set, plus `spiffe_sequence` (kept exact as a `bigint`, beyond 2^53) and
 * `spiffe_refresh_hint` (seconds). This is the format of federation bundle endpoints.
 *
 * It is a source of both kinds: {@link SpiffeBundle.x509Bundle} and {@link SpiffeBundle.jwtBundle}
 * are live views on its authorities (changing one changes the other).
 *
 * @example
 * ```ts
 * import { SpiffeBundle, verifyX509Svid } from 'spiffe-kit';
 * const bundle = SpiffeBundle.parse('partner.example', await (await fetch(endpoint)).text());
 * bundle.sequenceNumber; // 18446744073709551615n, exactly
 * verifyX509Svid(chain, bundle);
 * ```
 */
export class SpiffeBundle implements X509BundleSource, JwtBundleSource, SpiffeBundleSource {
  /** The trust domain the authorities belong to. */
  readonly trustDomain: TrustDomain;
  readonly #x509: X509Bundle;
  readonly #jwt: JwtBundle;
  #refreshHint: number | undefined;
  #sequence: bigint | undefined;

  /**
   * Creates a bundle from authorities and metadata.
   *
   * @throws {@link BundleError} for invalid certificates, keys, refresh hint or sequence number.
   * @example
   * ```ts
   * const bundle = new SpiffeBundle('example.org', {
   *   x509Authorities: [caCert],
   *   jwtAuthorities: new Map([['key-1', jwtPublicKey]]),
   *   refreshHint: 300,
   * });
   * ```
   */
  constructor(trustDomain: TrustDomain | string, options: SpiffeBundleOptions = {}) {
    this.trustDomain = TrustDomain.from(trustDomain);
    this.#x509 = new X509Bundle(this.trustDomain, options.x509Authorities);
    this.#jwt = new JwtBundle(this.trustDomain, options.jwtAuthorities);
    if (options.refreshHint !== undefined) this.refreshHint = options.refreshHint;
    if (options.sequenceNumber !== undefined) this.sequenceNumber = options.sequenceNumber;
  }

  /**
   * Parses a SPIFFE bundle. Keys with `use: "x509-svid"` must hold exactly one certificate in
   * `x5c` (base64 DER; key parameters, when present, must match it); keys with `use: "jwt-svid"`
   * must have a `kid`. Keys with another (or no) `use`, or an unknown `kty`, are skipped.
   * `keys` must be present; it may be empty.
   *
   * @param trustDomain - the trust domain the bundle belongs to.
   * @param json - JSON text or UTF-8 bytes (so that `spiffe_sequence` is read exactly), or an
   * already parsed object (its `spiffe_sequence` must then be a safe integer or a bigint).
   * @param options - `maxAuthorities`.
   * @throws {@link BundleError} naming the trust domain and key index: `ERR_BUNDLE_MALFORMED`,
   * `ERR_BUNDLE_X5C`, `ERR_BUNDLE_INVALID_CERTIFICATE`, `ERR_BUNDLE_KEY_MISMATCH`,
   * `ERR_BUNDLE_MISSING_KID`, `ERR_BUNDLE_DUPLICATE_KID`, `ERR_BUNDLE_INVALID_KEY`, `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = SpiffeBundle.parse('example.org', '{"keys":[],"spiffe_sequence":18446744073709551615}');
   * bundle.sequenceNumber; // 18446744073709551615n
   * ```
   */
  static parse(trustDomain: TrustDomain | string, json: string | Uint8Array | object, options?: SpiffeBundleParseOptions): SpiffeBundle {
    const bundle = new SpiffeBundle(trustDomain);
    const td = bundle.trustDomain.name;
    const { value, text } = readJsonInput(json, WHAT, td);
    const keys = jwkSetKeys(value, WHAT, td, options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES);
    const set = value as Record<string, unknown>;
    if (set.spiffe_sequence !== undefined) {
      bundle.#sequence = checkSequence(set.spiffe_sequence, text === undefined ? undefined : rawTopLevelMember(text, 'spiffe_sequence'), td);
    }
    if (set.spiffe_refresh_hint !== undefined) bundle.#refreshHint = checkRefreshHint(set.spiffe_refresh_hint, td);
    const jwtKeys = new Map<string, KeyObject>();
    for (let i = 0; i < keys.length; i++) {
      const jwk = jwkAt(keys, i, WHAT, td);
      if (jwk.use === 'x509-svid') {
        if (hasKnownKty(jwk, i, WHAT, td)) addCheckedAuthority(bundle.#x509, readX509Entry(jwk, i, td));
      } else if (jwk.use === 'jwt-svid') {
        if (!hasKnownKty(jwk, i, WHAT, td)) continue;
        const [kid, key] = importJwtAuthority(jwk, i, WHAT, td);
        addParsedJwtAuthority(jwtKeys, kid, key, i, WHAT, td);
      }
    }
    bundle.#jwt.setJwtAuthorities(jwtKeys);
    return bundle;
  }

  /**
   * A SPIFFE bundle holding the authorities of an X.509 bundle (copied).
   *
   * @example
   * ```ts
   * const spiffe = SpiffeBundle.fromX509Bundle(X509Bundle.fromPem('example.org', pem));
   * ```
   */
  static fromX509Bundle(bundle: X509Bundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, { x509Authorities: bundle.x509AuthoritiesDer });
  }

  /**
   * A SPIFFE bundle holding the authorities of a JWT bundle (copied).
   *
   * @example
   * ```ts
   * const spiffe = SpiffeBundle.fromJwtBundle(JwtBundle.fromJwks('example.org', jwks));
   * ```
   */
  static fromJwtBundle(bundle: JwtBundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, { jwtAuthorities: bundle.jwtAuthorities });
  }

  /**
   * The X.509 authorities as a live {@link X509Bundle} view: changes through either object show in both.
   *
   * @example
   * ```ts
   * const x509 = spiffeBundle.x509Bundle();
   * x509.toPem();
   * ```
   */
  x509Bundle(): X509Bundle {
    return this.#x509;
  }

  /**
   * The JWT authorities as a live {@link JwtBundle} view: changes through either object show in both.
   *
   * @example
   * ```ts
   * spiffeBundle.jwtBundle().findJwtAuthority('key-1');
   * ```
   */
  jwtBundle(): JwtBundle {
    return this.#jwt;
  }

  /** The X.509 authorities (see {@link X509Bundle.x509Authorities}). */
  get x509Authorities(): readonly X509Certificate[] {
    return this.#x509.x509Authorities;
  }

  /** The DER of the X.509 authorities (see {@link X509Bundle.x509AuthoritiesDer}). */
  get x509AuthoritiesDer(): readonly Buffer[] {
    return this.#x509.x509AuthoritiesDer;
  }

  /** The JWT authorities by key ID (a copy). */
  get jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return this.#jwt.jwtAuthorities;
  }

  /**
   * `spiffe_refresh_hint`: how often, in seconds, consumers should poll for a new bundle.
   *
   * @example
   * ```ts
   * setTimeout(refresh, (bundle.refreshHint ?? 300) * 1000);
   * ```
   */
  get refreshHint(): number | undefined {
    return this.#refreshHint;
  }

  set refreshHint(seconds: number | undefined) {
    this.#refreshHint = seconds === undefined ? undefined : checkRefreshHint(seconds, this.trustDomain.name);
  }

  /**
   * `spiffe_sequence`, exact (a `bigint`).
   *
   * @example
   * ```ts
   * if ((next.sequenceNumber ?? 0n) > (current.sequenceNumber ?? 0n)) current = next;
   * ```
   */
  get sequenceNumber(): bigint | undefined {
    return this.#sequence;
  }

  set sequenceNumber(value: bigint | number | undefined) {
    this.#sequence = value === undefined ? undefined : checkSequence(value, undefined, this.trustDomain.name);
  }

  /**
   * Whether the bundle has neither X.509 nor JWT authorities.
   *
   * @example
   * ```ts
   * SpiffeBundle.parse('example.org', '{"keys":[]}').empty(); // true
   * ```
   */
  empty(): boolean {
    return this.#x509.empty() && this.#jwt.empty();
  }

  /**
   * Adds an X.509 authority; `false` when it was already present.
   *
   * @example
   * ```ts
   * bundle.addX509Authority(newRoot);
   * ```
   */
  addX509Authority(cert: X509Certificate | Uint8Array): boolean {
    return this.#x509.addX509Authority(cert);
  }

  /**
   * Removes an X.509 authority; returns whether it was present.
   *
   * @example
   * ```ts
   * bundle.removeX509Authority(oldRoot);
   * ```
   */
  removeX509Authority(cert: X509Certificate | Uint8Array): boolean {
    return this.#x509.removeX509Authority(cert);
  }

  /**
   * Whether `cert` is an X.509 authority.
   *
   * @example
   * ```ts
   * bundle.hasX509Authority(root); // true
   * ```
   */
  hasX509Authority(cert: X509Certificate | Uint8Array): boolean {
    return this.#x509.hasX509Authority(cert);
  }

  /**
   * Adds (or replaces) the JWT authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.addJwtAuthority('key-2', publicKey);
   * ```
   */
  addJwtAuthority(kid: string, key: KeyObject): void {
    this.#jwt.addJwtAuthority(kid, key);
  }

  /**
   * Removes the JWT authority with key ID `kid`; returns whether there was one.
   *
   * @example
   * ```ts
   * bundle.removeJwtAuthority('key-1');
   * ```
   */
  removeJwtAuthority(kid: string): boolean {
    return this.#jwt.removeJwtAuthority(kid);
  }

  /**
   * Whether there is a JWT authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.hasJwtAuthority('key-1'); // true
   * ```
   */
  hasJwtAuthority(kid: string): boolean {
    return this.#jwt.hasJwtAuthority(kid);
  }

  /**
   * The JWT authority with key ID `kid`, or `undefined`.
   *
   * @example
   * ```ts
   * bundle.findJwtAuthority('key-1');
   * ```
   */
  findJwtAuthority(kid: string): KeyObject | undefined {
    return this.#jwt.findJwtAuthority(kid);
  }

  /**
   * Whether `other` has the same trust domain, authorities, refresh hint and sequence number.
   *
   * @example
   * ```ts
   * SpiffeBundle.parse(td, bundle.marshal()).equals(bundle); // true
   * ```
   */
  equals(other: SpiffeBundle): boolean {
    return (
      other instanceof SpiffeBundle &&
      other.trustDomain.equals(this.trustDomain) &&
      other.#refreshHint === this.#refreshHint &&
      other.#sequence === this.#sequence &&
      other.#x509.equals(this.#x509) &&
      other.#jwt.equals(this.#jwt)
    );
  }

  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.sequenceNumber = (bundle.sequenceNumber ?? 0n) + 1n;
   * ```
   */
  clone(): SpiffeBundle {
    return new SpiffeBundle(this.trustDomain, {
      x509Authorities: this.#x509.x509AuthoritiesDer,
      jwtAuthorities: this.#jwt.jwtAuthorities,
      refreshHint: this.#refreshHint,
      sequenceNumber: this.#sequence,
    });
  }

  /**
   * Serialises to the SPIFFE bundle JSON format: X.509 authorities as `x509-svid` keys with one
   * `x5c` certificate, JWT authorities as `jwt-svid` keys with their `kid`, then
   * `spiffe_refresh_hint` and `spiffe_sequence` (written exactly, even beyond 2^53).
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_KEY` for a key type JWK cannot express.
   * @example
   * ```ts
   * res.setHeader('content-type', 'application/json').end(bundle.marshal());
   * ```
   */
  marshal(): string {
    const td = this.trustDomain.name;
    const keys: Record<string, unknown>[] = [];
    const ders = this.#x509.x509AuthoritiesDer;
    for (let i = 0; i < ders.length; i++) {
      const der = ders[i]!;
      keys.push({ use: 'x509-svid', ...exportJwk(() => certificatePublicKey(der), `X.509 authority #${i}`, td), x5c: [der.toString('base64')] });
    }
    for (const [kid, key] of this.#jwt.jwtAuthorities) {
      keys.push({ use: 'jwt-svid', ...exportJwk(() => key, `the JWT authority with kid ${JSON.stringify(kid)}`, td), kid });
    }
    let json = `{"keys":${JSON.stringify(keys)}`;
    if (this.#refreshHint !== undefined) json += `,"spiffe_refresh_hint":${this.#refreshHint}`;
    if (this.#sequence !== undefined) json += `,"spiffe_sequence":${this.#sequence.toString()}`;
    return `${json}}`;
  }

  /**
   * Returns the X.509 view for this bundle's trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * verifyX509Svid(chain, spiffeBundle);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return trustDomain.name === this.trustDomain.name ? this.#x509 : undefined;
  }

  /**
   * Returns the JWT view for this bundle's trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * await JwtSvid.parseAndValidate(token, spiffeBundle, 'my-api');
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return trustDomain.name === this.trustDomain.name ? this.#jwt : undefined;
  }

  /**
   * Returns this bundle for its own trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * bundle.getSpiffeBundleForTrustDomain(bundle.trustDomain) === bundle; // true
   * ```
   */
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle | undefined {
    return trustDomain.name === this.trustDomain.name ? this : undefined;
  }

  /** `SpiffeBundle(<trust domain>, <n> X.509, <m> JWT authorities, sequence <s>)`. */
  toString(): string {
    const sequence = this.#sequence === undefined ? '' : `, sequence ${this.#sequence}`;
    return `SpiffeBundle(${this.trustDomain.name}, ${this.#x509.size} X.509 and ${this.#jwt.size} JWT authorities${sequence})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function exportJwk(key: () => KeyObject, describe: string, trustDomain: string): Record<string, string> {
  try {
    return publicKeyToJwk(key());
  } catch (cause) {
    throw new BundleError('ERR_BUNDLE_INVALID_KEY', `${WHAT} of trust domain "${trustDomain}": ${describe} cannot be written as a JWK`, {
      trustDomain,
      cause,
    });
  }
}

/**
 * Anything that can hand out the SPIFFE bundle (X.509 and JWT authorities together) of a trust
 * domain: a single {@link SpiffeBundle} or a {@link SpiffeBundleSet}.
 *
 * @example
 * ```ts
 * const bundle = source.getSpiffeBundleForTrustDomain(TrustDomain.parse('partner.example'));
 * ```
 */
export interface SpiffeBundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle | undefined;
}
