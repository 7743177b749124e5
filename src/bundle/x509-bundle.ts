import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { Authority, checkedAuthority, DEFAULT_MAX_BUNDLE_AUTHORITIES, singleAuthority, splitChecked } from './authority.js';
import { BundleError } from './errors.js';
import { decodePemCertificates, encodePem } from './pem.js';

/**
 * Options of {@link X509Bundle.fromDer} and {@link X509Bundle.fromPem}.
 *
 * @example
 * ```ts
 * X509Bundle.fromDer('example.org', der, { maxAuthorities: 64 });
 * ```
 */
export interface X509BundleParseOptions {
  /** At most this many certificates are accepted. Default {@link DEFAULT_MAX_BUNDLE_AUTHORITIES}. */
  readonly maxAuthorities?: number | undefined;
}

/** @internal Adds an already checked authority (for the SPIFFE bundle reader). */
export let addCheckedAuthority: (bundle: X509Bundle, authority: Authority) => boolean;

function what(trustDomain: string): string {
  return `X.509 bundle of trust domain "${trustDomain}"`;
}

/**
 * The X.509 trust anchors (CA certificates) of one trust domain: what X.509-SVIDs of that trust
 * domain are verified against. An `X509Bundle` is also an {@link X509BundleSource} that answers
 * for its own trust domain only, so it can be passed wherever a source is expected.
 *
 * Certificates are kept as DER and turned into `X509Certificate` objects only when
 * {@link X509Bundle.x509Authorities} is first read.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { X509Bundle } from 'spiffe-kit';
 * const bundle = X509Bundle.fromPem('example.org', readFileSync('bundle.pem', 'utf8'));
 * bundle.x509Authorities.length; // number of CA certificates
 * bundle.toDer();                // concatenated DER, as the Workload API sends it
 * ```
 */
export class X509Bundle implements X509BundleSource {
  /** The trust domain the authorities belong to. */
  readonly trustDomain: TrustDomain;
  readonly #authorities = new Map<string, Authority>();
  #certs: readonly X509Certificate[] | undefined;
  #ders: readonly Buffer[] | undefined;

  /**
   * Creates a bundle from certificates (`X509Certificate` objects, or DER of one certificate
   * each). Duplicates are kept once.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` for DER that is not one certificate.
   * @example
   * ```ts
   * import { X509Certificate } from 'node:crypto';
   * const bundle = new X509Bundle('example.org', [new X509Certificate(caPem)]);
   * ```
   */
  constructor(trustDomain: TrustDomain | string, authorities?: Iterable<X509Certificate | Uint8Array>) {
    this.trustDomain = TrustDomain.from(trustDomain);
    if (authorities !== undefined) for (const cert of authorities) this.addX509Authority(cert);
  }

  /**
   * Parses concatenated DER CA certificates (the Workload API's bundle format). Empty input gives
   * an empty bundle. The input is copied.
   *
   * @param trustDomain - the trust domain the authorities belong to.
   * @param der - concatenated DER certificates.
   * @param options - `maxAuthorities`.
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` (naming the certificate index)
   * or `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = X509Bundle.fromDer('example.org', response.bundles['spiffe://example.org']);
   * ```
   */
  static fromDer(trustDomain: TrustDomain | string, der: Uint8Array, options?: X509BundleParseOptions): X509Bundle {
    const bundle = new X509Bundle(trustDomain);
    if (!(der instanceof Uint8Array)) {
      throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `X.509 bundle of trust domain "${bundle.trustDomain.name}" must be DER bytes`, {
        trustDomain: bundle.trustDomain.name,
      });
    }
    const td = bundle.trustDomain.name;
    const max = options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES;
    const parts = splitChecked(Buffer.from(der), what(td), { trustDomain: td }, max);
    for (let i = 0; i < parts.length; i++) {
      bundle.#add(checkedAuthority(parts[i]!, { describe: `${what(td)}: certificate #${i}`, trustDomain: td, certificateIndex: i }));
    }
    return bundle;
  }

  /**
   * Parses PEM `CERTIFICATE` blocks. Text between blocks is ignored (RFC 7468); any other block
   * type, PEM headers, bad base64 or a certificate that does not parse is an error. Blank input
   * gives an empty bundle.
   *
   * @param trustDomain - the trust domain the authorities belong to.
   * @param pem - PEM text with one or more `CERTIFICATE` blocks.
   * @param options - `maxAuthorities`.
   * @throws {@link BundleError} `ERR_BUNDLE_MALFORMED`, `ERR_BUNDLE_INVALID_CERTIFICATE` or
   * `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = X509Bundle.fromPem('example.org', await readFile('/run/spire/bundle.pem', 'utf8'));
   * ```
   */
  static fromPem(trustDomain: TrustDomain | string, pem: string | Uint8Array, options?: X509BundleParseOptions): X509Bundle {
    const bundle = new X509Bundle(trustDomain);
    const td = bundle.trustDomain.name;
    let text: string;
    if (typeof pem === 'string') text = pem;
    else if (pem instanceof Uint8Array) text = Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('latin1');
    else throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `X.509 bundle of trust domain "${td}" must be PEM text`, { trustDomain: td });
    const max = options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES;
    const ders = decodePemCertificates(text, td);
    if (ders.length > max) {
      throw new BundleError('ERR_BUNDLE_TOO_LARGE', `${what(td)} holds more than ${max} certificates`, { trustDomain: td });
    }
    for (let i = 0; i < ders.length; i++) {
      bundle.#add(singleAuthority(ders[i]!, { describe: `${what(td)}: PEM block #${i}`, trustDomain: td, certificateIndex: i }));
    }
    return bundle;
  }

  /**
   * The trust anchors, in insertion order. The array is frozen and reused until the bundle
   * changes.
   *
   * @example
   * ```ts
   * for (const ca of bundle.x509Authorities) console.log(ca.subject, ca.validTo);
   * ```
   */
  get x509Authorities(): readonly X509Certificate[] {
    this.#certs ??= Object.freeze(Array.from(this.#authorities.values(), (a) => a.cert));
    return this.#certs;
  }

  /**
   * The DER of each trust anchor, in the order of {@link X509Bundle.x509Authorities}. Frozen and
   * reused until the bundle changes; do not write to the buffers.
   *
   * @example
   * ```ts
   * const anchors = bundle.x509AuthoritiesDer.map((der) => parseCertificate(der));
   * ```
   */
  get x509AuthoritiesDer(): readonly Buffer[] {
    this.#ders ??= Object.freeze(Array.from(this.#authorities.values(), (a) => a.der));
    return this.#ders;
  }

  /** Number of trust anchors. */
  get size(): number {
    return this.#authorities.size;
  }

  /**
   * Whether the bundle has no trust anchors (everything revoked, or nothing loaded yet).
   *
   * @example
   * ```ts
   * if (bundle.empty()) console.warn(`no CA for ${bundle.trustDomain}`);
   * ```
   */
  empty(): boolean {
    return this.#authorities.size === 0;
  }

  /**
   * Adds a trust anchor. Returns `false` when it was already present.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` for DER that is not one certificate.
   * @example
   * ```ts
   * bundle.addX509Authority(newRootCert);
   * ```
   */
  addX509Authority(cert: X509Certificate | Uint8Array): boolean {
    return this.#add(this.#toAuthority(cert, this.#authorities.size));
  }

  /**
   * Removes a trust anchor (matched by DER). Returns whether it was present.
   *
   * @example
   * ```ts
   * bundle.removeX509Authority(retiredRootCert);
   * ```
   */
  removeX509Authority(cert: X509Certificate | Uint8Array): boolean {
    const removed = this.#authorities.delete(keyOf(cert));
    if (removed) this.#changed();
    return removed;
  }

  /**
   * Whether `cert` (matched by DER) is one of the trust anchors.
   *
   * @example
   * ```ts
   * bundle.hasX509Authority(caCert); // true
   * ```
   */
  hasX509Authority(cert: X509Certificate | Uint8Array): boolean {
    return this.#authorities.has(keyOf(cert));
  }

  /**
   * Replaces all trust anchors.
   *
   * @example
   * ```ts
   * bundle.setX509Authorities([rootA, rootB]);
   * ```
   */
  setX509Authorities(certs: Iterable<X509Certificate | Uint8Array>): void {
    const next: Authority[] = [];
    for (const cert of certs) next.push(this.#toAuthority(cert, next.length));
    this.#authorities.clear();
    for (const authority of next) this.#add(authority);
    this.#changed();
  }

  /**
   * Whether `other` has the same trust domain and the same set of trust anchors.
   *
   * @example
   * ```ts
   * X509Bundle.fromDer(td, bundle.toDer()).equals(bundle); // true
   * ```
   */
  equals(other: X509Bundle): boolean {
    if (!(other instanceof X509Bundle) || !other.trustDomain.equals(this.trustDomain)) return false;
    if (other.#authorities.size !== this.#authorities.size) return false;
    for (const key of this.#authorities.keys()) if (!other.#authorities.has(key)) return false;
    return true;
  }

  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.addX509Authority(newRoot);
   * ```
   */
  clone(): X509Bundle {
    const copy = new X509Bundle(this.trustDomain);
    for (const [key, authority] of this.#authorities) copy.#authorities.set(key, authority);
    return copy;
  }

  /**
   * The trust anchors as concatenated DER (the Workload API's format).
   *
   * @example
   * ```ts
   * X509Bundle.fromDer(bundle.trustDomain, bundle.toDer());
   * ```
   */
  toDer(): Buffer {
    return Buffer.concat(this.x509AuthoritiesDer);
  }

  /**
   * The trust anchors as PEM `CERTIFICATE` blocks.
   *
   * @example
   * ```ts
   * await writeFile('bundle.pem', bundle.toPem());
   * ```
   */
  toPem(): string {
    let out = '';
    for (const der of this.x509AuthoritiesDer) out += encodePem(der);
    return out;
  }

  /**
   * Returns this bundle for its own trust domain and `undefined` for any other.
   *
   * @example
   * ```ts
   * verifyX509Svid(chain, bundle); // a single bundle is a source
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return trustDomain.name === this.trustDomain.name ? this : undefined;
  }

  /** `X509Bundle(<trust domain>, <n> authorities)`. */
  toString(): string {
    return `X509Bundle(${this.trustDomain.name}, ${this.#authorities.size} ${this.#authorities.size === 1 ? 'authority' : 'authorities'})`;
  }

  /**
   * Serialises as `{ trustDomain, x509Authorities }` with each authority as base64 DER.
   *
   * @example
   * ```ts
   * JSON.stringify(bundle); // '{"trustDomain":"example.org","x509Authorities":["MIIB…"]}'
   * ```
   */
  toJSON(): { trustDomain: string; x509Authorities: string[] } {
    return { trustDomain: this.trustDomain.name, x509Authorities: this.x509AuthoritiesDer.map((der) => der.toString('base64')) };
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #toAuthority(cert: X509Certificate | Uint8Array, index: number): Authority {
    if (cert instanceof X509Certificate) return new Authority(cert.raw, cert);
    if (cert instanceof Uint8Array) {
      const td = this.trustDomain.name;
      return singleAuthority(cert, { describe: `${what(td)}: authority #${index}`, trustDomain: td, certificateIndex: index });
    }
    throw new BundleError(
      'ERR_BUNDLE_INVALID_ARGUMENT',
      `X.509 bundle of trust domain "${this.trustDomain.name}": authority #${index} must be an X509Certificate or DER bytes`,
      { trustDomain: this.trustDomain.name, certificateIndex: index },
    );
  }

  static {
    addCheckedAuthority = (bundle, authority) => bundle.#add(authority);
  }

  #add(authority: Authority): boolean {
    const key = authority.key;
    if (this.#authorities.has(key)) return false;
    this.#authorities.set(key, authority);
    this.#changed();
    return true;
  }

  #changed(): void {
    this.#certs = undefined;
    this.#ders = undefined;
  }
}

function keyOf(cert: X509Certificate | Uint8Array): string {
  if (cert instanceof X509Certificate) return cert.raw.toString('latin1');
  if (cert instanceof Uint8Array) return Buffer.from(cert.buffer, cert.byteOffset, cert.byteLength).toString('latin1');
  throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', 'An X.509 authority must be an X509Certificate or DER bytes');
}

/**
 * Anything that can hand out the X.509 bundle of a trust domain: a single {@link X509Bundle},
 * an {@link X509BundleSet}, or a live source from the Workload API.
 *
 * @example
 * ```ts
 * const bundle = source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'));
 * ```
 */
export interface X509BundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined;
}
