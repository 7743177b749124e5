/**
 * `mintCertificate`: the fully general certificate factory behind the test CA. Every field and
 * extension is under the caller's control, so tests can build any malformed SVID or chain.
 *
 * @module
 */
import { createHash, createPublicKey, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { boolean, certificateSigner, distinguishedName, namedBits, octetString, oid, readIssuer, sequence, smallInteger, time, tlv, unsignedInteger } from './cert-der.js';
import { generateTestKey, type KeyType, keyTypeOf, type SignatureHash, TestingError, type TestKeyPair } from './keys.js';

/**
 * The bits of the X.509 keyUsage extension (RFC 5280 §4.2.1.3).
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * const leaf = await mintCertificate({ issuer: ca.signer, uris: ['spiffe://example.org/web'], keyUsage: ['digitalSignature'] });
 * ```
 */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_FLAGS: Readonly<Record<KeyUsageName, number>> = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
};

/**
 * Object identifiers of common extended key usages; any other OID string may be used too.
 *
 * @example
 * ```ts
 * import { EXT_KEY_USAGE, mintCertificate } from 'spiffe-kit/testing';
 * await mintCertificate({ extKeyUsage: [EXT_KEY_USAGE.codeSigning] });
 * ```
 */
export const EXT_KEY_USAGE = Object.freeze({
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
});

/**
 * A name of {@link EXT_KEY_USAGE}.
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * const leaf = await mintCertificate({ issuer: ca.signer, uris: ['spiffe://example.org/web'], extKeyUsage: ['serverAuth', 'clientAuth'] });
 * ```
 */
export type ExtKeyUsageName = keyof typeof EXT_KEY_USAGE;

/**
 * The basicConstraints extension: `ca`, an optional `pathLen` (written even when `ca` is false,
 * if given) and criticality (default critical).
 *
 * @example
 * ```ts
 * const intermediate = await mintCertificate({ issuer: ca.signer, subject: 'CN=intermediate', basicConstraints: { ca: true, pathLen: 0 } });
 * ```
 */
export interface BasicConstraintsSpec {
  readonly ca: boolean;
  readonly pathLen?: number | undefined;
  /** Default `true`. */
  readonly critical?: boolean | undefined;
}

/**
 * The keyUsage extension: any set of bits (an empty list writes an empty bit string) and
 * criticality (default critical).
 *
 * @example
 * ```ts
 * const leaf = await mintCertificate({ issuer: ca.signer, keyUsage: { usages: ['digitalSignature'], critical: false } });
 * ```
 */
export interface KeyUsageSpec {
  readonly usages: readonly KeyUsageName[];
  /** Default `true`. */
  readonly critical?: boolean | undefined;
}

/**
 * The extKeyUsage extension: names from {@link EXT_KEY_USAGE} or OID strings, and criticality
 * (default not critical).
 *
 * @example
 * ```ts
 * const leaf = await mintCertificate({ issuer: ca.signer, extKeyUsage: { usages: ['serverAuth', '1.2.3.4'], critical: true } });
 * ```
 */
export interface ExtKeyUsageSpec {
  readonly usages: readonly (ExtKeyUsageName | (string & {}))[];
  /** Default `false`. */
  readonly critical?: boolean | undefined;
}

/**
 * An arbitrary extension: its OID, criticality (default not critical) and the DER of its value
 * (the contents of `extnValue`, without the OCTET STRING wrapper).
 *
 * @example
 * ```ts
 * // An unknown critical extension whose value is DER NULL.
 * const leaf = await mintCertificate({
 *   issuer: ca.signer,
 *   uris: ['spiffe://example.org/web'],
 *   extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(0x05, 0x00) }],
 * });

 * ```
 */
export interface ExtensionSpec {
  readonly oid: string;
  readonly critical?: boolean | undefined;
  readonly value: Uint8Array;
}

/**
 * A certificate that can sign others: its certificate and private key. A {@link MintedCertificate}
 * is one. `chain` (the certificate followed by the intermediates above it, without the root) and
 * `selfSigned` are worked out when not given.
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * const root = await mintCertificate({ subject: 'CN=root', basicConstraints: { ca: true } });
 * const leaf = await mintCertificate({ issuer: root, uris: ['spiffe://example.org/web'] });
 * ```
 */
export interface CertificateIssuer {
  readonly certificate: X509Certificate | Uint8Array;
  readonly privateKey: KeyObject;
  readonly chain?: readonly Uint8Array[] | undefined;
  readonly selfSigned?: boolean | undefined;
}

/**
 * Everything {@link mintCertificate} can be told. Nothing is added that is not asked for, except
 * the subject/authority key identifiers (on by default, as SPIRE writes them). Omitted SANs,
 * basicConstraints, keyUsage and extKeyUsage mean the extension is absent.
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * // A leaf with two URI SANs and keyCertSign: invalid as an X.509-SVID on two counts.
 * const bad = await mintCertificate({
 *   issuer: ca.signer,
 *   uris: ['spiffe://example.org/a', 'spiffe://example.org/b'],
 *   basicConstraints: { ca: false },
 *   keyUsage: ['digitalSignature', 'keyCertSign'],
 * });
 * ```
 */
export interface CertificateSpec {
  /** Subject DN such as `'CN=web, O=Example'` (`''` for an empty subject). Default `'CN=spiffe-kit test'`. */
  readonly subject?: string | undefined;
  /** The signer. Default: self-signed with the subject key. */
  readonly issuer?: CertificateIssuer | undefined;
  /** Issuer DN to write instead of the issuer certificate's subject (or, self-signed, instead of the subject). */
  readonly issuerName?: string | undefined;
  /**
   * The subject key: a {@link KeyType} to generate (default `ec-p256`), a private `KeyObject`, a
   * public `KeyObject` (the result then has no private key), or a pair.
   */
  readonly key?: KeyType | KeyObject | { readonly privateKey: KeyObject; readonly publicKey?: KeyObject | undefined } | undefined;
  /** Serial number as a bigint or a hex string. Default: 16 random bytes, positive. */
  readonly serialNumber?: bigint | string | undefined;
  /** Default: now, rounded down to the second (X.509 times have second precision; so are given dates). */
  readonly notBefore?: Date | undefined;
  /** Default: `notBefore` + 1 hour. */
  readonly notAfter?: Date | undefined;
  /** URI SANs, written as given (no validation: any string, any count). */
  readonly uris?: readonly string[] | undefined;
  /** DNS SANs, written as given. */
  readonly dnsNames?: readonly string[] | undefined;
  /** Email (rfc822Name) SANs, written as given. */
  readonly emails?: readonly string[] | undefined;
  /** Whether the subjectAltName extension is critical. Default `false`. */
  readonly subjectAltNameCritical?: boolean | undefined;
  readonly basicConstraints?: BasicConstraintsSpec | undefined;
  /** A list of bits (critical) or a {@link KeyUsageSpec}. */
  readonly keyUsage?: KeyUsageSpec | readonly KeyUsageName[] | undefined;
  /** A list of usages (not critical) or an {@link ExtKeyUsageSpec}. */
  readonly extKeyUsage?: ExtKeyUsageSpec | readonly (ExtKeyUsageName | (string & {}))[] | undefined;
  /** Write a subjectKeyIdentifier. Default `true`. */
  readonly subjectKeyIdentifier?: boolean | undefined;
  /** Write an authorityKeyIdentifier when an issuer is given. Default `true`. */
  readonly authorityKeyIdentifier?: boolean | undefined;
  /** Extra extensions, written after the others in the given order (duplicates allowed). */
  readonly extensions?: readonly ExtensionSpec[] | undefined;
  /** Signature hash for EC and RSA issuers. Default: SHA-256 (P-256, RSA), SHA-384 (P-384), SHA-512 (P-521). */
  readonly signatureHash?: SignatureHash | undefined;
  /** Flip a bit of the signature, so that the certificate no longer verifies. */
  readonly tamperSignature?: boolean | undefined;
}

interface MintedParts {
  der: Buffer;
  certificate: X509Certificate;
  publicKey: KeyObject;
  privateKey: KeyObject | undefined;
  chain: readonly Buffer[];
  selfSigned: boolean;
  notBefore: Date;
  notAfter: Date;
}

/**
 * A certificate made by {@link mintCertificate}, with its key. The private key is reachable only
 * through getters: it shows in neither `util.inspect` nor `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * const cert = await mintCertificate({ uris: ['spiffe://example.org/web'] });
 * cert.der;          // Buffer (DER)
 * cert.certificate;  // node:crypto X509Certificate
 * cert.privateKey;   // KeyObject
 * console.log(cert); // MintedCertificate { subject: 'CN=spiffe-kit test', ... } — no key
 * ```
 */
export class MintedCertificate implements CertificateIssuer {
  /** The certificate, DER. */
  readonly der: Buffer;
  /** The certificate, parsed by node:crypto. */
  readonly certificate: X509Certificate;
  /** The subject public key. */
  readonly publicKey: KeyObject;
  /** This certificate followed by the intermediates above it, not including a self-signed root. */
  readonly chain: readonly Buffer[];
  /** Whether the certificate was signed with its own key. */
  readonly selfSigned: boolean;
  /** Start of validity (second precision, as written). */
  readonly notBefore: Date;
  /** End of validity (second precision, as written). */
  readonly notAfter: Date;
  readonly #privateKey: KeyObject | undefined;

  /** @internal */
  constructor(parts: MintedParts) {
    this.der = parts.der;
    this.certificate = parts.certificate;
    this.publicKey = parts.publicKey;
    this.chain = Object.freeze([...parts.chain]);
    this.selfSigned = parts.selfSigned;
    this.notBefore = parts.notBefore;
    this.notAfter = parts.notAfter;
    this.#privateKey = parts.privateKey;
    Object.freeze(this);
  }

  /** The {@link KeyType} of the subject key, or `undefined` for another kind of key. */
  get keyType(): KeyType | undefined {
    return keyTypeOf(this.publicKey);
  }

  /** Whether the private key is known (it is not when minted for a given public key). */
  get hasPrivateKey(): boolean {
    return this.#privateKey !== undefined;
  }

  /**
   * The subject private key.
   *
   * @throws {@link TestingError} `ERR_TESTING_NO_PRIVATE_KEY` when minted for a public key only.
   */
  get privateKey(): KeyObject {
    if (!this.#privateKey) throw new TestingError('ERR_TESTING_NO_PRIVATE_KEY', 'This certificate was minted for a public key only; its private key is unknown');
    return this.#privateKey;
  }

  /** The private key as PKCS#8 DER (a fresh copy on every read). */
  get privateKeyDer(): Buffer {
    return this.privateKey.export({ format: 'der', type: 'pkcs8' });
  }

  /** The private key as PKCS#8 PEM. */
  get privateKeyPem(): string {
    return this.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /** The certificate as PEM. */
  get pem(): string {
    return this.certificate.toString();
  }

  /** The serial number, upper-case hex as node:crypto prints it. */
  get serialNumber(): string {
    return this.certificate.serialNumber;
  }

  /** Public facts only: subject, issuer, serial, validity. */
  toJSON(): { subject: string; issuer: string; serialNumber: string; notBefore: string; notAfter: string; selfSigned: boolean } {
    return {
      subject: this.certificate.subject,
      issuer: this.certificate.issuer,
      serialNumber: this.serialNumber,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      selfSigned: this.selfSigned,
    };
  }

  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect = inspect): string {
    return `MintedCertificate ${inspectFn(this.toJSON(), { ...options, depth })}`;
  }
}

/**
 * Mints an X.509 certificate exactly as specified (see {@link CertificateSpec}). The low-level
 * tool for hostile tests; `TestCa` is built on it and gives SPIFFE-correct defaults.
 *
 * @throws {@link TestingError} on an option it cannot honour (a self-signed certificate for a
 * public key only, a key it cannot sign with, a malformed serial).
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * const root = await mintCertificate({
 *   subject: 'CN=Test Root',
 *   basicConstraints: { ca: true },
 *   keyUsage: ['keyCertSign', 'cRLSign'],
 *   uris: ['spiffe://example.org'],
 * });
 * // An intermediate that expired yesterday.
 * const expired = await mintCertificate({
 *   issuer: root,
 *   subject: 'CN=Old Intermediate',
 *   notBefore: new Date(Date.now() - 2 * 86_400_000),
 *   notAfter: new Date(Date.now() - 86_400_000),
 *   basicConstraints: { ca: true },
 *   keyUsage: ['keyCertSign'],
 * });
 * ```
 */
export async function mintCertificate(spec: CertificateSpec = {}): Promise<MintedCertificate> {
  const { privateKey, publicKey } = await subjectKey(spec.key);
  const spki = publicKey.export({ format: 'der', type: 'spki' });

  const issuer = spec.issuer;
  let signingKey: KeyObject;
  let issuerName: Buffer;
  let issuerKeyId: Buffer | undefined;
  let issuerChain: readonly Buffer[] = [];
  let der: Buffer;
  let certificate: X509Certificate;
  try {
    if (issuer) {
      const info = issuerInfo(issuer.certificate);
      signingKey = issuer.privateKey;
      issuerName = spec.issuerName === undefined ? info.name : distinguishedName(spec.issuerName);
      if (spec.authorityKeyIdentifier !== false) issuerKeyId = info.keyId;
      if (!(issuer.selfSigned ?? info.selfSigned)) issuerChain = issuer.chain ? issuer.chain.map((c) => Buffer.from(c)) : [info.der];
    } else {
      if (!privateKey) {
        throw new TestingError('ERR_TESTING_NO_PRIVATE_KEY', 'A self-signed certificate needs the subject private key; pass `key` with a private key or give an `issuer`');
      }
      signingKey = privateKey;
      issuerName = distinguishedName(spec.issuerName ?? spec.subject ?? DEFAULT_SUBJECT);
    }
  } catch (err) {
    if (err instanceof TestingError) throw err;
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `Cannot mint the certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  const notBefore = floorToSecond(spec.notBefore ?? new Date());
  const notAfter = floorToSecond(spec.notAfter ?? new Date(notBefore.getTime() + 3_600_000));
  const serialNumber = serialHex(spec.serialNumber);
  const signer = certificateSigner(signingKey, spec.signatureHash);

  try {
    der = encode(spec, { spki, issuerName, issuerKeyId, notBefore, notAfter, serialNumber, signer });
    if (spec.tamperSignature) der[der.length - 1]! ^= 0x01;
    certificate = new X509Certificate(der);
  } catch (err) {
    if (err instanceof TestingError) throw err;
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `Cannot mint the certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new MintedCertificate({
    der,
    certificate,
    publicKey,
    privateKey,
    chain: [der, ...issuerChain],
    selfSigned: !issuer,
    notBefore,
    notAfter,
  });
}

interface EncodeInput {
  spki: Buffer;
  issuerName: Buffer;
  issuerKeyId: Buffer | undefined;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
  signer: ReturnType<typeof certificateSigner>;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** The certificate, DER: TBSCertificate (v3) signed by `input.signer` (RFC 5280 §4.1). */
function encode(spec: CertificateSpec, input: EncodeInput): Buffer {
  const { spki, issuerKeyId, signer } = input;

  const extensions: Buffer[] = [];
  const bc = spec.basicConstraints;
  if (bc) {
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
    const fields: Buffer[] = [];
    if (bc.ca) fields.push(boolean(true));
    if (bc.pathLen !== undefined) fields.push(smallInteger(bc.pathLen));
    extensions.push(extension('2.5.29.19', bc.critical ?? true, sequence(...fields)));
  }
  if (spec.keyUsage) {
    const ku: KeyUsageSpec = 'usages' in spec.keyUsage ? spec.keyUsage : { usages: spec.keyUsage };
    let flags = 0;
    for (const usage of ku.usages) {
      const flag = KEY_USAGE_FLAGS[usage];
      if (flag === undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Unknown keyUsage bit ${JSON.stringify(usage)}`);
      flags |= flag;
    }
    extensions.push(extension('2.5.29.15', ku.critical ?? true, namedBits(flags)));
  }
  if (spec.extKeyUsage) {
    const eku: ExtKeyUsageSpec = 'usages' in spec.extKeyUsage ? spec.extKeyUsage : { usages: spec.extKeyUsage };
    const oids = eku.usages.map((u) => (Object.hasOwn(EXT_KEY_USAGE, u) ? EXT_KEY_USAGE[u as ExtKeyUsageName] : u));
    extensions.push(extension('2.5.29.37', eku.critical ?? false, sequence(...oids.map((o) => oid(o)))));
  }
  if (spec.subjectKeyIdentifier !== false) extensions.push(extension('2.5.29.14', false, octetString(keyIdentifier(spki))));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
  if (issuerKeyId !== undefined) extensions.push(extension('2.5.29.35', false, sequence(tlv(0x80, issuerKeyId))));
  const san = encodeSubjectAltName(spec);
  if (san) extensions.push(extension(OID_SUBJECT_ALT_NAME, spec.subjectAltNameCritical ?? false, san));
  for (const ext of spec.extensions ?? []) extensions.push(extension(ext.oid, ext.critical ?? false, ext.value));

  const tbs = sequence(
    tlv(0xa0, smallInteger(2)), // version v3
    unsignedInteger(Buffer.from(input.serialNumber, 'hex')),
    signer.algorithm,
    input.issuerName,
    sequence(time(input.notBefore), time(input.notAfter)),
    distinguishedName(spec.subject ?? DEFAULT_SUBJECT),
    spki,
    ...(extensions.length === 0 ? [] : [tlv(0xa3, sequence(...extensions))]),
  );
  const signature = signer.sign(tbs);
  return sequence(tbs, signer.algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

const DEFAULT_SUBJECT = 'CN=spiffe-kit test';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

async function subjectKey(key: CertificateSpec['key']): Promise<{ privateKey: KeyObject | undefined; publicKey: KeyObject }> {
  if (key === undefined || typeof key === 'string') return generateTestKey(key);
  if (isKeyObject(key)) {
    return key.type === 'private'
      ? { privateKey: key, publicKey: createPublicKey(key) }
      : key.type === 'public'
        ? { privateKey: undefined, publicKey: key }
        : invalidKey();
  }
  if (!isKeyObject(key.privateKey) || key.privateKey.type !== 'private') return invalidKey();
  return { privateKey: key.privateKey, publicKey: key.publicKey ?? createPublicKey(key.privateKey) } satisfies TestKeyPair;
}

function invalidKey(): never {
  throw new TestingError('ERR_TESTING_INVALID_OPTION', '`key` must be a KeyType, an asymmetric KeyObject, or { privateKey, publicKey? }');
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && typeof (value as KeyObject).export === 'function' && typeof (value as KeyObject).type === 'string';
}

interface IssuerInfo {
  readonly der: Buffer;
  /** The issuer's subject Name, DER as written in its certificate. */
  readonly name: Buffer;
  readonly keyId: Buffer;
  readonly selfSigned: boolean;
}

// Reading an issuer costs a signature check (selfSigned); node:crypto X509Certificate objects are
// immutable, so what is read from one is kept.
const issuerCache = new WeakMap<X509Certificate, IssuerInfo>();

function issuerInfo(certificate: X509Certificate | Uint8Array): IssuerInfo {
  const node = certificate instanceof X509Certificate ? certificate : undefined;
  const cached = node && issuerCache.get(node);
  if (cached) return cached;
  const der = node ? node.raw : Buffer.from(certificate as Uint8Array);
  const nodeCert = node ?? new X509Certificate(der);
  const read = readIssuer(der);
  const info: IssuerInfo = {
    der,
    name: read.subject,
    // The issuer's own subjectKeyIdentifier if it has one, else the RFC 5280 method-1 value.
    keyId: read.keyId ?? keyIdentifier(nodeCert.publicKey.export({ format: 'der', type: 'spki' })),
    selfSigned: nodeCert.subject === nodeCert.issuer && nodeCert.verify(nodeCert.publicKey),
  };
  if (node) issuerCache.set(node, info);
  return info;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
function keyIdentifier(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  const outer = readHeader(spki, 0);
  const algorithm = readHeader(spki, outer.contentStart);
  const bits = readHeader(spki, algorithm.contentStart + algorithm.length);
  const key = spki.subarray(bits.contentStart + 1, bits.contentStart + bits.length); // skip the unused-bits byte
  return createHash('sha1').update(key).digest();
}

function readHeader(der: Buffer, offset: number): { contentStart: number; length: number } {
  const first = der[offset + 1] ?? 0;
  if (first < 0x80) return { contentStart: offset + 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
  return { contentStart: offset + 2 + count, length };
}

function floorToSecond(date: Date): Date {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'Invalid date in certificate validity');
  return new Date(Math.floor(ms / 1000) * 1000);
}

function serialHex(serial: bigint | string | undefined): string {
  if (serial === undefined) {
    const bytes = randomBytes(16);
    bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, full length, never zero
    return bytes.toString('hex');
  }
  const hex = typeof serial === 'bigint' ? (serial >= 0n ? serial.toString(16) : '') : serial.replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(hex) || /^0+$/.test(hex)) {
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `serialNumber must be a positive bigint or hex string, got ${String(serial)}`);
  }
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

/** DER of GeneralNames with the URIs, DNS names and emails, or undefined when there are none. */
function encodeSubjectAltName(spec: CertificateSpec): Buffer | undefined {
  const names: Buffer[] = [];
  for (const uri of spec.uris ?? []) names.push(tlv(0x86, Buffer.from(uri, 'utf8')));
  for (const dns of spec.dnsNames ?? []) names.push(tlv(0x82, Buffer.from(dns, 'utf8')));
  for (const email of spec.emails ?? []) names.push(tlv(0x81, Buffer.from(email, 'utf8')));
  return names.length === 0 ? undefined : tlv(0x30, Buffer.concat(names));
}
