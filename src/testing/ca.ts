/**
 * `TestCa`: the certificate (and JWT) authority of one test trust domain, with SPIFFE-correct
 * defaults. For deliberately broken certificates use `mintCertificate` with `ca.signer` as issuer.
 *
 * @module
 */
import { randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { type JwtKeyOptions, type Jwk, type SignJwtSvidOptions, TestJwtIssuer } from './jwt-issuer.js';
import { type KeyType, TestingError } from './keys.js';
import { type ExtensionSpec, type KeyUsageName, type MintedCertificate, mintCertificate } from './mint.js';

/**
 * A validity window: explicit dates, or a lifetime in milliseconds counted from now.
 *
 * @example
 * ```ts
 * import { TestCa } from 'spiffe-kit/testing';
 * const shortLived = await TestCa.create({ trustDomain: 'example.org', validity: 86_400_000 }); // one day from now
 * const notYetValid = await TestCa.create({ trustDomain: 'example.org', validity: { notBefore: new Date('2030-01-01'), notAfter: new Date('2031-01-01') } });
 * ```
 */
export type Validity = { readonly notBefore?: Date | undefined; readonly notAfter?: Date | undefined } | number;

/**
 * Options of an intermediate CA certificate.
 *
 * @example
 * ```ts
 * await TestCa.create({ trustDomain: 'example.org', intermediate: { keyType: 'ec-p384', pathLen: 0 } });
 * ```
 */
export interface IntermediateOptions {
  /** Default: the CA's `keyType`. */
  readonly keyType?: KeyType | undefined;
  /** Default: from now until the issuer's `notAfter`. */
  readonly validity?: Validity | undefined;
  /** Subject DN. Default `O=spiffe-kit test, CN=<td> intermediate CA <random>`. */
  readonly subject?: string | undefined;
  /** basicConstraints pathLenConstraint. Default: none. */
  readonly pathLen?: number | undefined;
}

/**
 * Options of {@link TestCa.issueIntermediate}.
 *
 * @example
 * ```ts
 * const expired = await ca.issueIntermediate({ validity: { notBefore: new Date(0), notAfter: new Date(1000) } });
 * ```
 */
export interface IssueIntermediateOptions extends IntermediateOptions {
  /** The signer. Default: {@link TestCa.signer}. */
  readonly issuer?: MintedCertificate | undefined;
}

/**
 * Options of {@link TestCa.create}.
 *
 * @example
 * ```ts
 * import { TestCa } from 'spiffe-kit/testing';
 * const ca = await TestCa.create({ trustDomain: 'example.org', keyType: 'rsa-2048', intermediate: true });
 * ```
 */
export interface TestCaOptions {
  readonly trustDomain: TrustDomain | string;
  /** Key type of the root and intermediates. Default `ec-p256`. */
  readonly keyType?: KeyType | undefined;
  /** Default key type of issued X.509-SVIDs. Default `ec-p256`. */
  readonly svidKeyType?: KeyType | undefined;
  /** Validity of the root. Default: 24 hours from now. */
  readonly validity?: Validity | undefined;
  /** Add an intermediate CA (`true`), configured, or a chain of `depth` of them. Default: none. */
  readonly intermediate?: boolean | (IntermediateOptions & { readonly depth?: number | undefined }) | undefined;
  /** Root subject DN. Default `O=spiffe-kit test, CN=<td> root CA <random>`. */
  readonly subject?: string | undefined;
  /** The first JWT signing key, or `false` for none. Default: a fresh ES256 key. */
  readonly jwt?: JwtKeyOptions | false | undefined;
}

/**
 * Options of {@link TestCa.issueX509Svid}.
 *
 * @example
 * ```ts
 * const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web', keyType: 'rsa-2048', ttlMs: 60_000, dnsNames: ['web.local'] });

 * ```
 */
export interface IssueX509SvidOptions {
  /** The SPIFFE ID, written as the only URI SAN. */
  readonly id: SpiffeId | string;
  /** Default: the CA's `svidKeyType`. Ignored when `privateKey` is given. */
  readonly keyType?: KeyType | undefined;
  /** Certify this key instead of a fresh one. */
  readonly privateKey?: KeyObject | undefined;
  /** Lifetime from `notBefore`. Default one hour, cut to the signer's `notAfter`. */
  readonly ttlMs?: number | undefined;
  /** Default: now. */
  readonly notBefore?: Date | undefined;
  /** Default: `notBefore` + `ttlMs` (cut to the signer's `notAfter`). */
  readonly notAfter?: Date | undefined;
  /** DNS SANs after the URI SAN. */
  readonly dnsNames?: readonly string[] | undefined;
  /** Subject DN. Default `C=US, O=spiffe-kit test`. */
  readonly subject?: string | undefined;
  /** The Workload API `hint`, kept on the result. */
  readonly hint?: string | undefined;
  /** The signer (for example from {@link TestCa.issueIntermediate}). Default {@link TestCa.signer}. */
  readonly issuer?: MintedCertificate | undefined;
  /** Extra extensions. */
  readonly extensions?: readonly ExtensionSpec[] | undefined;
}

/**
 * An X.509-SVID as the Workload API hands it out: the chain (leaf first, intermediates after, no
 * root) and the PKCS#8 key. The key is reachable only through getters and shows in neither
 * `util.inspect` nor `JSON.stringify`.
 *
 * @example
 * ```ts
 * const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web' });
 * svid.certChainDer;   // x509_svid field
 * svid.privateKeyDer;  // x509_svid_key field
 * https.createServer({ cert: svid.certChainPem, key: svid.privateKeyPem, ca: ca.rootCertificate.toString() });
 * ```
 */
export class IssuedX509Svid {
  /** The SPIFFE ID in the leaf's URI SAN. */
  readonly id: SpiffeId;
  /** The Workload API hint, if one was given. */
  readonly hint: string | undefined;
  /** DER certificates, leaf first, then intermediates (not the root). */
  readonly certificates: readonly Buffer[];
  /** The certificates concatenated (the Workload API `x509_svid` field). */
  readonly certChainDer: Buffer;
  /** The leaf, parsed by node:crypto. */
  readonly leaf: X509Certificate;
  /** The leaf's `notAfter`. */
  readonly expiresAt: Date;
  readonly #privateKey: KeyObject;

  /** @internal */
  constructor(id: SpiffeId, hint: string | undefined, leaf: MintedCertificate) {
    this.id = id;
    this.hint = hint;
    this.certificates = leaf.chain;
    this.certChainDer = Buffer.concat(leaf.chain);
    this.leaf = leaf.certificate;
    this.expiresAt = leaf.notAfter;
    this.#privateKey = leaf.privateKey;
    Object.freeze(this);
  }

  /** The private key. */
  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  /** The private key as PKCS#8 DER (the Workload API `x509_svid_key` field); a fresh copy each read. */
  get privateKeyDer(): Buffer {
    return this.#privateKey.export({ format: 'der', type: 'pkcs8' });
  }

  /** The private key as PKCS#8 PEM (for `tls` options). */
  get privateKeyPem(): string {
    return this.#privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /** The chain as concatenated PEM (for `tls` options). */
  get certChainPem(): string {
    return this.certificates.map((der) => derToPem(der)).join('');
  }

  /** Public facts only. */
  toJSON(): { id: string; hint?: string; expiresAt: string; certificates: number } {
    return { id: this.id.toString(), ...(this.hint === undefined ? {} : { hint: this.hint }), expiresAt: this.expiresAt.toISOString(), certificates: this.certificates.length };
  }

  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `IssuedX509Svid ${inspectFn(this.toJSON(), { ...options, depth })}`;
  }
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The authority of one test trust domain: a self-signed root (cA, keyCertSign+cRLSign critical,
 * the trust domain's SPIFFE ID as URI SAN, as SPIRE writes it), optional intermediates, X.509-SVID
 * issuance with SPIFFE-correct defaults, and a {@link TestJwtIssuer} for JWT-SVIDs.
 *
 * @example
 * ```ts
 * import { TestCa } from 'spiffe-kit/testing';
 * const ca = await TestCa.create({ trustDomain: 'example.org', intermediate: true });
 * const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web' });
 * svid.certificates.length; // 2: leaf + intermediate
 * ca.bundleDer();           // the Workload API bundle for example.org
 * const token = await ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api' });
 * const next = await ca.rotate(); // a new root for the same trust domain
 * ```
 */
export class TestCa {
  /** The trust domain. */
  readonly trustDomain: TrustDomain;
  /** The self-signed root. */
  readonly root: MintedCertificate;
  /** The intermediates in chain order: the one that signs SVIDs first, the one under the root last. */
  readonly intermediates: readonly MintedCertificate[];
  /** The JWT authority of the trust domain. */
  readonly jwt: TestJwtIssuer;
  /** Key type of the root and intermediates. */
  readonly keyType: KeyType;
  /** Default key type of issued X.509-SVIDs. */
  readonly svidKeyType: KeyType;
  readonly #options: TestCaOptions;

  private constructor(options: TestCaOptions, root: MintedCertificate, intermediates: MintedCertificate[], jwt: TestJwtIssuer) {
    this.trustDomain = TrustDomain.from(options.trustDomain);
    this.root = root;
    this.intermediates = Object.freeze(intermediates);
    this.jwt = jwt;
    this.keyType = options.keyType ?? 'ec-p256';
    this.svidKeyType = options.svidKeyType ?? 'ec-p256';
    this.#options = options;
    Object.freeze(this);
  }

  /**
   * Creates the CA: root key and certificate, intermediates if asked, and the first JWT key.
   * Certificates are written and signed with `node:crypto`; RSA keys take longest (key generation).
   *
   * @param options - `trustDomain` (required), `intermediate`, `keyType`, `svidKeyType`, `validity`, `jwt`.
   * @throws `SpiffeIdError` (from `spiffe-kit`) for an invalid trust domain; {@link TestingError} for bad options.
   * @example
   * ```ts
   * const ca = await TestCa.create({ trustDomain: 'example.org', keyType: 'ec-p384', validity: 7 * 86_400_000 });
   * ```
   */
  static async create(options: TestCaOptions): Promise<TestCa> {
    return TestCa.#build(options, undefined);
  }

  static async #build(options: TestCaOptions, jwt: TestJwtIssuer | undefined): Promise<TestCa> {
    const td = TrustDomain.from(options.trustDomain);
    const keyType = options.keyType ?? 'ec-p256';
    const { notBefore, notAfter } = resolveValidity(options.validity, DAY_MS);
    const [root, jwtIssuer] = await Promise.all([
      mintCertificate({
        subject: options.subject ?? `O=spiffe-kit test, CN=${td.name} root CA ${shortId()}`,
        key: keyType,
        notBefore,
        notAfter,
        ...caExtensions(td, undefined),
      }),
      jwt ?? TestJwtIssuer.create({ trustDomain: td, key: options.jwt }),
    ]);
    const intermediates: MintedCertificate[] = [];
    const inter = options.intermediate;
    if (inter) {
      const config = inter === true ? {} : inter;
      const depth = config.depth ?? 1;
      if (!Number.isInteger(depth) || depth < 1) throw new TestingError('ERR_TESTING_INVALID_OPTION', `intermediate.depth must be a positive integer, got ${depth}`);
      let issuer = root;
      for (let i = 0; i < depth; i++) {
        issuer = await issueIntermediate(td, issuer, { ...config, keyType: config.keyType ?? keyType });
        intermediates.unshift(issuer);
      }
    }
    return new TestCa(options, root, intermediates, jwtIssuer);
  }

  /** The certificate that signs X.509-SVIDs: the first intermediate, or the root. */
  get signer(): MintedCertificate {
    return this.intermediates[0] ?? this.root;
  }

  /** The root certificate, DER. */
  get rootDer(): Buffer {
    return this.root.der;
  }

  /** The root certificate, parsed by node:crypto. */
  get rootCertificate(): X509Certificate {
    return this.root.certificate;
  }

  /**
   * The trust domain's X.509 bundle as the Workload API sends it: the trust anchors (the root)
   * as concatenated DER. For a bundle spanning a rotation, concatenate several CAs' bundles.
   *
   * @example
   * ```ts
   * const overlap = Buffer.concat([oldCa.bundleDer(), newCa.bundleDer()]);
   * ```
   */
  bundleDer(): Buffer {
    return Buffer.from(this.root.der);
  }

  /**
   * Issues an X.509-SVID: one URI SAN (the ID), basicConstraints cA=false (critical), keyUsage
   * digitalSignature (+ keyEncipherment for RSA) critical, extKeyUsage serverAuth + clientAuth,
   * subject and authority key identifiers.
   *
   * @param options - `id` (required), `hint`, `ttlMs` or `notBefore`/`notAfter`, `dnsNames`, key and extensions of the leaf.
   * @throws `SpiffeIdError` (from `spiffe-kit`) for an invalid `id`.
   * @example
   * ```ts
   * const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web', keyType: 'ed25519', ttlMs: 5 * 60_000 });
   * ```
   */
  async issueX509Svid(options: IssueX509SvidOptions): Promise<IssuedX509Svid> {
    const id = SpiffeId.from(options.id);
    const issuer = options.issuer ?? this.signer;
    const key = options.privateKey ?? options.keyType ?? this.svidKeyType;
    const notBefore = options.notBefore ?? new Date();
    let notAfter = options.notAfter;
    if (notAfter === undefined) {
      notAfter = new Date(notBefore.getTime() + (options.ttlMs ?? HOUR_MS));
      if (notAfter > issuer.notAfter && issuer.notAfter > notBefore) notAfter = issuer.notAfter;
    }
    const isRsa = typeof key === 'string' ? key.startsWith('rsa') : key.asymmetricKeyType === 'rsa';
    const usages: KeyUsageName[] = isRsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
    const leaf = await mintCertificate({
      subject: options.subject ?? 'C=US, O=spiffe-kit test',
      issuer,
      key,
      notBefore,
      notAfter,
      uris: [id.toString()],
      dnsNames: options.dnsNames,
      basicConstraints: { ca: false, critical: true },
      keyUsage: { usages, critical: true },
      extKeyUsage: ['serverAuth', 'clientAuth'],
      extensions: options.extensions,
    });
    return new IssuedX509Svid(id, options.hint, leaf);
  }

  /**
   * Mints an intermediate CA certificate under {@link TestCa.signer} (or `options.issuer`),
   * without changing this CA. Pass it as `issuer` to {@link TestCa.issueX509Svid}; the SVID's
   * chain then includes it.
   *
   * @example
   * ```ts
   * const inter = await ca.issueIntermediate({ pathLen: 0 });
   * const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web', issuer: inter });
   * ```
   */
  issueIntermediate(options: IssueIntermediateOptions = {}): Promise<MintedCertificate> {
    return issueIntermediate(this.trustDomain, options.issuer ?? this.signer, { ...options, keyType: options.keyType ?? this.keyType });
  }

  /**
   * A new CA for the same trust domain with fresh keys and the same options (overridable): a
   * rotation of the trust anchor. It shares this CA's JWT issuer unless `jwt` is given; JWT keys
   * rotate with `jwt.addJwtKey()` / `jwt.removeJwtKey()`.
   *
   * @example
   * ```ts
   * const next = await ca.rotate();
   * next.rootDer.equals(ca.rootDer); // false
   * ```
   */
  rotate(overrides: Partial<Omit<TestCaOptions, 'trustDomain'>> = {}): Promise<TestCa> {
    return TestCa.#build({ ...this.#options, ...overrides, trustDomain: this.trustDomain }, overrides.jwt === undefined ? this.jwt : undefined);
  }

  /**
   * Signs a JWT-SVID with {@link TestCa.jwt}.
   *
   * @example
   * ```ts
   * const token = await ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: ['api'] });
   * ```
   */
  signJwtSvid(options: SignJwtSvidOptions): Promise<string> {
    return this.jwt.signJwtSvid(options);
  }

  /**
   * The JWT bundle of the trust domain as a JWK Set (see {@link TestJwtIssuer.jwks}).
   *
   * @example
   * ```ts
   * const set = createLocalJWKSet(ca.jwks());
   * ```
   */
  jwks(options?: { readonly use?: boolean | undefined; readonly alg?: boolean | undefined }): { keys: Jwk[] } {
    return this.jwt.jwks(options);
  }

  /** Public facts only. */
  toJSON(): object {
    return {
      trustDomain: this.trustDomain.name,
      root: this.root.toJSON(),
      intermediates: this.intermediates.map((c) => c.toJSON()),
      jwt: this.jwt.toJSON(),
    };
  }

  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `TestCa ${inspectFn(this.toJSON(), { ...options, depth })}`;
  }
}

function caExtensions(td: TrustDomain, pathLen: number | undefined) {
  return {
    uris: [td.idString()],
    basicConstraints: { ca: true, pathLen, critical: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'] as KeyUsageName[], critical: true },
  };
}

function issueIntermediate(td: TrustDomain, issuer: MintedCertificate, options: IntermediateOptions): Promise<MintedCertificate> {
  const { notBefore, notAfter } = resolveValidity(options.validity, undefined, issuer.notAfter);
  return mintCertificate({
    subject: options.subject ?? `O=spiffe-kit test, CN=${td.name} intermediate CA ${shortId()}`,
    issuer,
    key: options.keyType ?? 'ec-p256',
    notBefore,
    notAfter,
    ...caExtensions(td, options.pathLen),
  });
}

function resolveValidity(validity: Validity | undefined, defaultMs: number | undefined, defaultNotAfter?: Date): { notBefore: Date; notAfter: Date } {
  const now = new Date();
  if (typeof validity === 'number') {
    if (!Number.isFinite(validity) || validity <= 0) throw new TestingError('ERR_TESTING_INVALID_OPTION', `validity must be a positive number of milliseconds, got ${validity}`);
    return { notBefore: now, notAfter: new Date(now.getTime() + validity) };
  }
  const notBefore = validity?.notBefore ?? now;
  const notAfter = validity?.notAfter ?? defaultNotAfter ?? new Date(notBefore.getTime() + (defaultMs ?? DAY_MS));
  return { notBefore, notAfter };
}

function shortId(): string {
  return randomBytes(4).toString('hex');
}

function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
