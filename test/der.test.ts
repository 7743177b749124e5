import { constants, createPublicKey, generateKeyPairSync, verify, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpiffeError } from '../src/errors.js';
import {
  DerError,
  type DerErrorCode,
  oidToString,
  type ParsedCertificate,
  parseCertificate,
  readCertificateExtensions,
  splitDerCertificates,
} from '../src/internal/der.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// ---------------------------------------------------------------------------------------------
// Helpers

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_RSA_PSS = '1.2.840.113549.1.1.10';
const OID_ED25519 = '1.3.101.112';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function codeOf(fn: () => unknown): DerErrorCode | 'NO_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    expect(err).toBeInstanceOf(SpiffeError);
    return err.code;
  }
}

function errorOf(fn: () => unknown): DerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DerError) return err;
    throw err;
  }
  throw new Error('expected a DerError');
}

type Part = Uint8Array | readonly number[];

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, ...parts: Part[]): Buffer {
  const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return Buffer.concat([Buffer.from([tag, ...lengthOctets(body.length)]), body]);
}

const seq = (...parts: Part[]) => tlv(0x30, ...parts);
const set = (...parts: Part[]) => tlv(0x31, ...parts);
const int = (...bytes: number[]) => tlv(0x02, bytes);
const octets = (...parts: Part[]) => tlv(0x04, ...parts);
const bool = (v: boolean) => tlv(0x01, [v ? 0xff : 0x00]);
const ascii = (s: string) => Buffer.from(s, 'latin1');

function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [(a0 ?? 0n) * 40n + (a1 ?? 0n), ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return Buffer.from(out);
}
const oid = (dotted: string) => tlv(0x06, oidBytes(dotted));

function ext(id: string, critical: boolean | undefined, value: Part): Buffer {
  return seq(oid(id), critical === undefined ? [] : bool(critical), octets(value));
}

const EC_SPKI = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
const NAME = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, ascii('test')))));
const SIG_ALG = seq(oid(OID_ECDSA_SHA256));

interface Parts {
  version: Part;
  serial: Part;
  innerAlg: Part;
  issuer: Part;
  validity: Part;
  subject: Part;
  spki: Part;
  optional: Part[];
  outerAlg: Part;
  signature: Part;
}

/** A hand-made certificate (with a meaningless signature) for testing encodings @peculiar/x509 never writes. */
function craft(overrides: Partial<Parts> = {}): Buffer {
  const p: Parts = {
    version: tlv(0xa0, int(2)),
    serial: int(0x01),
    innerAlg: SIG_ALG,
    issuer: NAME,
    validity: seq(tlv(0x17, ascii('240101000000Z')), tlv(0x18, ascii('20550101000000Z'))),
    subject: NAME,
    spki: EC_SPKI,
    optional: [],
    outerAlg: SIG_ALG,
    signature: tlv(0x03, [0x00], Buffer.alloc(70, 0x11)),
    ...overrides,
  };
  const tbs = seq(p.version, p.serial, p.innerAlg, p.issuer, p.validity, p.subject, p.spki, ...p.optional);
  return seq(tbs, p.outerAlg, p.signature);
}

const withExtensions = (...exts: Part[]) => craft({ optional: [tlv(0xa3, seq(...exts))] });
const withTimes = (notBefore: Part, notAfter: Part = tlv(0x18, ascii('20550101000000Z'))) =>
  craft({ validity: seq(notBefore, notAfter) });

// ---------------------------------------------------------------------------------------------
// Real certificates from @peculiar/x509

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const RSA_PSS = { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32, publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const ED25519 = { name: 'Ed25519' };

interface Fixture {
  der: Buffer;
  node: X509Certificate;
}

async function keysFor(alg: object): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg as webcrypto.EcKeyGenParams, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

function fixture(cert: x509.X509Certificate): Fixture {
  const der = Buffer.from(cert.rawData);
  return { der, node: new X509Certificate(der) };
}

const KU = x509.KeyUsageFlags;

let ecCaKeys: webcrypto.CryptoKeyPair;
let ecCa: x509.X509Certificate;
let ecLeafKeys: webcrypto.CryptoKeyPair;
let rsaCaKeys: webcrypto.CryptoKeyPair;

interface IssueOptions {
  extensions?: x509.Extension[];
  keys?: webcrypto.CryptoKeyPair;
  serialNumber?: string;
  notBefore?: Date;
  notAfter?: Date;
  subject?: string;
}

async function issueFromEcCa(options: IssueOptions = {}): Promise<Fixture> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? '0a1b2c',
    subject: options.subject ?? 'C=US, O=SPIRE',
    issuer: ecCa.subject,
    notBefore: options.notBefore ?? new Date('2024-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2030-01-01T00:00:00Z'),
    publicKey: (options.keys ?? ecLeafKeys).publicKey,
    signingKey: ecCaKeys.privateKey,
    signingAlgorithm: EC,
    extensions: options.extensions ?? [],
  });
  return fixture(cert);
}

async function selfSigned(keys: webcrypto.CryptoKeyPair, alg: object, extensions: x509.Extension[] = []): Promise<Fixture> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=self',
    keys,
    signingAlgorithm: alg as webcrypto.Algorithm,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
    extensions,
  });
  return fixture(cert);
}

/** Everything Node's X509Certificate can tell us, compared field by field. */
function checkAgainstNode(f: Fixture, parsed: ParsedCertificate = parseCertificate(f.der)): ParsedCertificate {
  const { node } = f;
  expect(parsed.raw.equals(node.raw)).toBe(true);
  expect(parsed.serialNumber).toBe(node.serialNumber);
  expect(parsed.notBefore.getTime()).toBe(new Date(node.validFrom).getTime());
  expect(parsed.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
  expect(parsed.extensions.basicConstraints?.ca ?? false).toBe(node.ca);
  const key = createPublicKey({ key: parsed.subjectPublicKeyInfo, format: 'der', type: 'spki' });
  expect(key.equals(node.publicKey)).toBe(true);
  expect(parsed.version).toBe(3);
  // tbs, signature, names: views into raw
  for (const view of [parsed.tbs, parsed.signature, parsed.issuer, parsed.subject, parsed.subjectPublicKeyInfo]) {
    expect(view.buffer).toBe(parsed.raw.buffer);
    expect(view.byteOffset).toBeGreaterThanOrEqual(parsed.raw.byteOffset);
    expect(view.byteOffset + view.length).toBeLessThanOrEqual(parsed.raw.byteOffset + parsed.raw.length);
  }
  const eku = node.keyUsage;
  if (eku === undefined) expect(parsed.extensions.extKeyUsage).toBeUndefined();
  else expect([...(parsed.extensions.extKeyUsage ?? [])].sort()).toEqual([...eku].sort());
  return parsed;
}

/** The URI and DNS SANs in Node's display form, sorted (the parse keeps order only within a type). */
function sanEntries(p: ParsedCertificate): string[] {
  return [...p.extensions.dnsSans.map((d) => `DNS:${d}`), ...p.extensions.uriSans.map((u) => `URI:${u}`)].sort();
}

beforeAll(async () => {
  ecCaKeys = await keysFor(EC);
  ecLeafKeys = await keysFor(EC);
  rsaCaKeys = await keysFor(RSA);
  ecCa = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '00ff01',
    name: 'C=US, O=SPIFFE CA',
    keys: ecCaKeys,
    signingAlgorithm: EC,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2060-01-01T00:00:00Z'),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(ecCaKeys.publicKey),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org' }]),
    ],
  });
}, 60_000);

// ---------------------------------------------------------------------------------------------

describe('parseCertificate — real certificates checked against node:crypto', () => {
  it('reads an EC P-256 SPIFFE leaf', async () => {
    const f = await issueFromEcCa({
      serialNumber: '00f1e2d3c4b5a69788',
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
        await x509.SubjectKeyIdentifierExtension.create(ecLeafKeys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ecCaKeys.publicKey),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: 'spiffe://example.org/ns/default/sa/web' },
          { type: 'dns', value: 'web.example.org' },
        ]),
      ],
    });
    const p = checkAgainstNode(f);
    const ca = parseCertificate(Buffer.from(ecCa.rawData));
    expect(p.serialNumber).toBe('F1E2D3C4B5A69788');
    expect(p.signatureAlgorithm).toBe(OID_ECDSA_SHA256);
    expect(p.signatureAlgorithmParams).toBeUndefined();
    expect(p.publicKeyAlgorithm).toBe(OID_EC_PUBLIC_KEY);
    expect(p.notBefore.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(p.notAfter.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(p.issuer.equals(ca.subject)).toBe(true);
    expect(f.node.checkIssued(new X509Certificate(ca.raw))).toBe(true);
    expect(p.subject.equals(p.issuer)).toBe(false);
    const caKey = createPublicKey({ key: ca.subjectPublicKeyInfo, format: 'der', type: 'spki' });
    expect(verify('sha256', p.tbs, caKey, p.signature)).toBe(true);
    expect(f.node.verify(caKey)).toBe(true);
    const e = p.extensions;
    expect(e.uriSans).toEqual(['spiffe://example.org/ns/default/sa/web']);
    expect(e.dnsSans).toEqual(['web.example.org']);
    expect(e.otherSanCount).toBe(0);
    expect(e.subjectAltNameCritical).toBe(false);
    expect(f.node.subjectAltName?.split(', ').sort()).toEqual(sanEntries(p));
    expect(e.basicConstraints).toEqual({ ca: false, pathLen: undefined, critical: true });
    expect(e.keyUsage).toEqual({
      critical: true,
      digitalSignature: true,
      contentCommitment: false,
      keyEncipherment: true,
      dataEncipherment: false,
      keyAgreement: true,
      keyCertSign: false,
      cRLSign: false,
      encipherOnly: false,
      decipherOnly: false,
    });
    expect(e.extKeyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(e.authorityKeyId).toBe(ca.extensions.subjectKeyId);
    expect(e.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(e.criticalExtensions).toEqual(['2.5.29.19', '2.5.29.15']);
    expect(e.all).toEqual(['2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.17']);
    expect(readCertificateExtensions(f.der)).toEqual(e);
  });

  it('reads the EC CA: cA, pathLen, keyCertSign, self-issued', () => {
    const f = fixture(ecCa);
    const p = checkAgainstNode(f);
    expect(p.serialNumber).toBe('FF01');
    expect(p.extensions.basicConstraints).toEqual({ ca: true, pathLen: 1, critical: true });
    expect(p.extensions.keyUsage?.keyCertSign).toBe(true);
    expect(p.extensions.keyUsage?.cRLSign).toBe(true);
    expect(p.extensions.keyUsage?.digitalSignature).toBe(false);
    expect(p.extensions.uriSans).toEqual(['spiffe://example.org']);
    expect(p.extensions.authorityKeyId).toBeUndefined();
    expect(p.extensions.extKeyUsage).toBeUndefined();
    expect(p.issuer.equals(p.subject)).toBe(true);
    expect(f.node.checkIssued(f.node)).toBe(true);
    expect(p.notAfter.toISOString()).toBe('2060-01-01T00:00:00.000Z'); // GeneralizedTime
    const key = createPublicKey({ key: p.subjectPublicKeyInfo, format: 'der', type: 'spki' });
    expect(verify('sha256', p.tbs, key, p.signature)).toBe(true);
  });

  it.each([
    [true, undefined],
    [true, 0],
    [true, 5],
    [true, 1000],
    [false, undefined],
  ])('reads basicConstraints cA=%s pathLen=%s', async (ca, pathLen) => {
    const f = await issueFromEcCa({ extensions: [new x509.BasicConstraintsExtension(ca, pathLen, ca)] });
    const p = checkAgainstNode(f);
    expect(p.extensions.basicConstraints).toEqual({ ca, pathLen, critical: ca });
    expect(p.extensions.criticalExtensions).toEqual(ca ? ['2.5.29.19'] : []);
  });

  it('reads each keyUsage bit on its own, and all of them together', async () => {
    const names = [
      'digitalSignature',
      'contentCommitment',
      'keyEncipherment',
      'dataEncipherment',
      'keyAgreement',
      'keyCertSign',
      'cRLSign',
      'encipherOnly',
      'decipherOnly',
    ] as const;
    for (let bit = 0; bit < names.length; bit++) {
      const f = await issueFromEcCa({ extensions: [new x509.KeyUsagesExtension(1 << bit, bit % 2 === 0)] });
      const ku = checkAgainstNode(f).extensions.keyUsage;
      expect(ku?.critical).toBe(bit % 2 === 0);
      for (let other = 0; other < names.length; other++) {
        expect(ku?.[names[other] as (typeof names)[number]], `${names[bit]} → ${names[other]}`).toBe(other === bit);
      }
    }
    const all = await issueFromEcCa({ extensions: [new x509.KeyUsagesExtension(0x1ff as x509.KeyUsageFlags, true)] });
    const ku = parseCertificate(all.der).extensions.keyUsage;
    for (const name of names) expect(ku?.[name]).toBe(true);
    const none = await issueFromEcCa({ extensions: [new x509.KeyUsagesExtension(0 as x509.KeyUsageFlags, false)] });
    const ku0 = parseCertificate(none.der).extensions.keyUsage;
    for (const name of names) expect(ku0?.[name]).toBe(false);
  });

  it('reads several URI SANs, DNS SANs and counts the other types', async () => {
    const f = await issueFromEcCa({
      extensions: [
        new x509.SubjectAlternativeNameExtension(
          [
            { type: 'url', value: 'spiffe://example.org/a' },
            { type: 'dns', value: 'a.example.org' },
            { type: 'email', value: 'a@example.org' },
            { type: 'url', value: 'spiffe://example.org/b' },
            { type: 'ip', value: '10.0.0.1' },
            { type: 'dns', value: 'b.example.org' },
            { type: 'url', value: 'https://example.org/x?y=1' },
          ],
          true,
        ),
      ],
    });
    const p = checkAgainstNode(f);
    expect(p.extensions.uriSans).toEqual(['spiffe://example.org/a', 'spiffe://example.org/b', 'https://example.org/x?y=1']);
    expect(p.extensions.dnsSans).toEqual(['a.example.org', 'b.example.org']);
    expect(p.extensions.otherSanCount).toBe(2);
    expect(p.extensions.subjectAltNameCritical).toBe(true);
    expect(p.extensions.criticalExtensions).toEqual(['2.5.29.17']);
  });

  it('lists a critical unknown extension and a non-critical one', async () => {
    const f = await issueFromEcCa({
      extensions: [
        new x509.Extension('1.3.6.1.4.1.99999.1', true, new Uint8Array([0x05, 0x00])),
        new x509.Extension('1.3.6.1.4.1.99999.2', false, new Uint8Array([0x04, 0x01, 0xaa])),
        new x509.KeyUsagesExtension(KU.digitalSignature, true),
      ],
    });
    const p = checkAgainstNode(f);
    expect(p.extensions.criticalExtensions).toEqual(['1.3.6.1.4.1.99999.1', '2.5.29.15']);
    expect(p.extensions.all).toEqual(['1.3.6.1.4.1.99999.1', '1.3.6.1.4.1.99999.2', '2.5.29.15']);
    expect(p.extensions.subjectAltNameCritical).toBeUndefined();
    expect(p.extensions.basicConstraints).toBeUndefined();
  });

  it('reads a certificate without extensions and with an empty subject', async () => {
    const f = await issueFromEcCa({ subject: '' });
    const p = checkAgainstNode(f);
    expect(p.subject.equals(Buffer.from([0x30, 0x00]))).toBe(true);
    expect(p.extensions.all).toEqual([]);
    expect(p.extensions.keyUsage).toBeUndefined();
  });

  it('reads validity around the UTCTime / GeneralizedTime switch', async () => {
    const f = await issueFromEcCa({
      notBefore: new Date('1999-12-31T23:59:59Z'),
      notAfter: new Date('2050-01-01T00:00:00Z'),
    });
    const p = checkAgainstNode(f);
    expect(p.notBefore.toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(p.notAfter.toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  it('reads an RSA CA and an EC leaf it signed (PKCS#1 v1.5, SHA-256)', async () => {
    const rsa = await selfSigned(rsaCaKeys, RSA, [new x509.BasicConstraintsExtension(true, undefined, true)]);
    const ca = checkAgainstNode(rsa);
    expect(ca.publicKeyAlgorithm).toBe(OID_RSA);
    expect(ca.signatureAlgorithm).toBe(OID_SHA256_RSA);
    expect(ca.signatureAlgorithmParams).toBeUndefined(); // NULL parameters
    expect(ca.extensions.basicConstraints).toEqual({ ca: true, pathLen: undefined, critical: true });
    const key = createPublicKey({ key: ca.subjectPublicKeyInfo, format: 'der', type: 'spki' });
    expect(verify('sha256', ca.tbs, key, ca.signature)).toBe(true);
    expect(ca.signature.length).toBe(256);

    const leafCert = await x509.X509CertificateGenerator.create({
      serialNumber: '7f',
      subject: 'CN=leaf',
      issuer: 'CN=self',
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
      publicKey: ecLeafKeys.publicKey,
      signingKey: rsaCaKeys.privateKey,
      signingAlgorithm: RSA,
    });
    const leaf = checkAgainstNode(fixture(leafCert));
    expect(leaf.issuer.equals(ca.subject)).toBe(true);
    expect(new X509Certificate(leaf.raw).checkIssued(rsa.node)).toBe(true);
    expect(verify('sha256', leaf.tbs, key, leaf.signature)).toBe(true);
    expect(leaf.publicKeyAlgorithm).toBe(OID_EC_PUBLIC_KEY);
  }, 30_000);

  it('reads RSA-PSS signature parameters', async () => {
    const keys = await keysFor(RSA_PSS);
    const f = await selfSigned(keys, RSA_PSS);
    const p = checkAgainstNode(f);
    expect(p.signatureAlgorithm).toBe(OID_RSA_PSS);
    expect(p.signatureAlgorithmParams?.[0]).toBe(0x30);
    expect(p.signatureAlgorithmParams?.buffer).toBe(p.raw.buffer);
    const ok = verify(
      'sha256',
      p.tbs,
      { key: f.node.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      p.signature,
    );
    expect(ok).toBe(true);
  }, 30_000);

  it('reads an Ed25519 certificate', async () => {
    const keys = await keysFor(ED25519);
    const f = await selfSigned(keys, ED25519, [new x509.KeyUsagesExtension(KU.digitalSignature, true)]);
    const p = checkAgainstNode(f);
    expect(p.publicKeyAlgorithm).toBe(OID_ED25519);
    expect(p.signatureAlgorithm).toBe(OID_ED25519);
    expect(p.signatureAlgorithmParams).toBeUndefined();
    expect(p.signature.length).toBe(64);
    expect(verify(null, p.tbs, f.node.publicKey, p.signature)).toBe(true);
    const tampered = Buffer.from(p.tbs);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(verify(null, tampered, f.node.publicKey, p.signature)).toBe(false);
  });

  it('returns zero-copy views for a Uint8Array that is a slice of a larger buffer', () => {
    const der = Buffer.from(ecCa.rawData);
    const big = new Uint8Array(der.length + 20);
    big.set(der, 7);
    const view = big.subarray(7, 7 + der.length);
    const p = parseCertificate(view);
    expect(Buffer.isBuffer(p.raw)).toBe(true);
    expect(p.raw.buffer).toBe(big.buffer);
    expect(p.raw.byteOffset).toBe(7);
    expect(p.raw.equals(der)).toBe(true);
    expect(p.tbs.buffer).toBe(big.buffer);
  });
});

describe('splitDerCertificates', () => {
  it('splits 0, 1 and 3 certificates without copying', async () => {
    const a = Buffer.from(ecCa.rawData);
    const b = (await issueFromEcCa()).der;
    const c = craft();
    expect(splitDerCertificates(new Uint8Array(0))).toEqual([]);
    const one = splitDerCertificates(a);
    expect(one).toHaveLength(1);
    expect(one[0]?.equals(a)).toBe(true);
    const all = Buffer.concat([a, b, c]);
    const three = splitDerCertificates(all);
    expect(three.map((x) => x.length)).toEqual([a.length, b.length, c.length]);
    expect(three[1]?.equals(b)).toBe(true);
    expect(three[2]?.equals(c)).toBe(true);
    for (const part of three) expect(part.buffer).toBe(all.buffer);
    expect(three[1]?.byteOffset).toBe(all.byteOffset + a.length);
    expect(parseCertificate(three[1] as Buffer).serialNumber).toBe('0A1B2C');
    // Node reads only the first one of the concatenation.
    expect(new X509Certificate(all).raw.equals(a)).toBe(true);
  });

  it('rejects truncation, trailing bytes, non-SEQUENCE and indefinite lengths', () => {
    const a = Buffer.from(ecCa.rawData);
    const two = Buffer.concat([a, a]);
    expect(codeOf(() => splitDerCertificates(two.subarray(0, two.length - 1)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(a.subarray(0, 1)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(Buffer.concat([a, Buffer.from([0x00])])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(Buffer.concat([a, Buffer.from([0x30])])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(Buffer.from([0x31, 0x00])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(Buffer.from([0x30, 0x80, 0x00, 0x00])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => splitDerCertificates(Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0])))).toBe('ERR_DER_UNSUPPORTED');
    const err = errorOf(() => splitDerCertificates(Buffer.concat([a, Buffer.from([0x04, 0x00])])));
    expect(err.offset).toBe(a.length);
    expect(err.message).toContain(`byte offset ${a.length}`);
    expect(err.message).toContain('Certificate #2');
  });

  it('stops at maxCertificates before allocating the rest', () => {
    const a = Buffer.from(ecCa.rawData);
    const three = Buffer.concat([a, a, a]);
    expect(splitDerCertificates(three, { maxCertificates: 3 })).toHaveLength(3);
    const err = errorOf(() => splitDerCertificates(three, { maxCertificates: 2 }));
    expect(err.code).toBe('ERR_DER_UNSUPPORTED');
    expect(err.offset).toBe(2 * a.length);
    expect(splitDerCertificates(new Uint8Array(0), { maxCertificates: 0 })).toEqual([]);
    const flood = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < flood.length; i += 2) flood[i] = 0x30;
    const started = performance.now();
    expect(codeOf(() => splitDerCertificates(flood, { maxCertificates: 100 }))).toBe('ERR_DER_UNSUPPORTED');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('rejects input that is not a Uint8Array with a DerError', () => {
    expect(codeOf(() => splitDerCertificates('30' as unknown as Uint8Array))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(null as unknown as Uint8Array))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString([1, 2] as unknown as Uint8Array))).toBe('ERR_DER_MALFORMED');
  });
});

describe('parseCertificate — encodings checked by hand', () => {
  it('accepts the hand-made baseline, and Node agrees on it', () => {
    const der = craft();
    const p = parseCertificate(der);
    const node = new X509Certificate(der);
    expect(p.serialNumber).toBe(node.serialNumber);
    expect(p.notBefore.getTime()).toBe(new Date(node.validFrom).getTime());
    expect(p.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
    expect(p.version).toBe(3);
    expect(p.signature.equals(Buffer.alloc(70, 0x11))).toBe(true);
    expect(p.issuer.equals(NAME)).toBe(true);
    expect(p.tbs[0]).toBe(0x30);
    expect(p.raw.subarray(p.tbs.byteOffset - p.raw.byteOffset).indexOf(SIG_ALG)).toBeGreaterThan(0);
  });

  it('reads versions 1, explicit 1, 2 and rejects 4', () => {
    expect(parseCertificate(craft({ version: [] })).version).toBe(1);
    expect(parseCertificate(craft({ version: tlv(0xa0, int(0)) })).version).toBe(1);
    expect(parseCertificate(craft({ version: tlv(0xa0, int(1)) })).version).toBe(2);
    expect(codeOf(() => parseCertificate(craft({ version: tlv(0xa0, int(3)) })))).toBe('ERR_DER_UNSUPPORTED');
    expect(codeOf(() => parseCertificate(craft({ version: tlv(0xa0, int(0x00, 0x02)) })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ version: tlv(0xa0, int(2), int(2)) })))).toBe('ERR_DER_MALFORMED');
  });

  it('allows unique IDs and extensions only where the version permits, in order', () => {
    const uid = (tag: number) => tlv(tag, [0x00, 0xab]);
    const exts = tlv(0xa3, seq(ext('2.5.29.19', true, seq())));
    expect(parseCertificate(craft({ optional: [uid(0x81), uid(0x82), exts] })).extensions.basicConstraints).toEqual({
      ca: false,
      pathLen: undefined,
      critical: true,
    });
    expect(parseCertificate(craft({ version: tlv(0xa0, int(1)), optional: [uid(0x82)] })).version).toBe(2);
    expect(codeOf(() => parseCertificate(craft({ version: [], optional: [exts] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ version: [], optional: [uid(0x81)] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ version: tlv(0xa0, int(1)), optional: [exts] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ optional: [uid(0x82), uid(0x81)] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ optional: [exts, exts] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ optional: [int(1)] })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ optional: [tlv(0xa3, seq(), [0x05, 0x00])] })))).toBe('ERR_DER_MALFORMED');
    expect(parseCertificate(craft({ optional: [tlv(0xa3, seq())] })).extensions.all).toEqual([]);
  });

  it('formats serial numbers as Node does, and rejects non-minimal and negative ones', () => {
    for (const bytes of [[0x01], [0x00, 0x80], [0x7f, 0xff], [0x00], [0x00, 0xff, 0x01]]) {
      const der = craft({ serial: int(...bytes) });
      expect(parseCertificate(der).serialNumber, Buffer.from(bytes).toString('hex')).toBe(new X509Certificate(der).serialNumber);
    }
    // Negative serials: Go's crypto/x509 refuses them since Go 1.23 (RFC 5280 §4.1.2.2: positive).
    for (const bytes of [[0x80], [0xff, 0x01], [0x80, 0x00, 0x00], [0xff]]) {
      expect(errorOf(() => parseCertificate(craft({ serial: int(...bytes) }))).message).toMatch(/negative serial number/);
    }
    expect(parseCertificate(craft({ serial: int(0x00, 0xab, 0x00) })).serialNumber).toBe('AB00');
    expect(codeOf(() => parseCertificate(craft({ serial: int(0x00, 0x01) })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ serial: int(0xff, 0x80) })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ serial: tlv(0x02) })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ serial: octets([1]) })))).toBe('ERR_DER_MALFORMED');
  });

  it('reads UTCTime with the 1950–2049 rule and GeneralizedTime, only in the RFC 5280 forms', () => {
    const utc = (s: string) => tlv(0x17, ascii(s));
    const gen = (s: string) => tlv(0x18, ascii(s));
    const nb = (t: Part) => parseCertificate(withTimes(t)).notBefore.toISOString();
    expect(nb(utc('500101000000Z'))).toBe('1950-01-01T00:00:00.000Z');
    expect(nb(utc('491231235959Z'))).toBe('2049-12-31T23:59:59.000Z');
    expect(nb(utc('000229120000Z'))).toBe('2000-02-29T12:00:00.000Z');
    expect(nb(gen('20500101000000Z'))).toBe('2050-01-01T00:00:00.000Z');
    expect(nb(gen('99991231235959Z'))).toBe('9999-12-31T23:59:59.000Z');
    expect(nb(gen('19000101000000Z'))).toBe('1900-01-01T00:00:00.000Z');
    expect(parseCertificate(withTimes(gen('00500101000000Z'))).notBefore.getUTCFullYear()).toBe(50);
    expect(nb(gen('20240229000000Z'))).toBe('2024-02-29T00:00:00.000Z');
    for (const bad of [
      utc('5001010000Z'),
      utc('500101000000'),
      utc('500101000000+0000'),
      utc('500101000000z'),
      utc('5001010000000Z'),
      utc('501301000000Z'),
      utc('500100000000Z'),
      utc('500132000000Z'),
      utc('500101240000Z'),
      utc('500101006000Z'),
      utc('500101000060Z'),
      utc('010229000000Z'),
      utc('5O0101000000Z'),
      utc(' 00101000000Z'),
      gen('21000229000000Z'),
      gen('20500101000000.5Z'),
      gen('205001010000Z'),
      gen('20500101000000'),
      gen('20500431000000Z'),
      tlv(0x13, ascii('500101000000Z')),
      tlv(0x37, utc('500101000000Z')),
    ]) {
      expect(codeOf(() => parseCertificate(withTimes(bad))), bad.toString('latin1')).toBe('ERR_DER_MALFORMED');
    }
    expect(codeOf(() => parseCertificate(craft({ validity: seq(utc('500101000000Z')) })))).toBe('ERR_DER_MALFORMED');
    const three = seq(utc('500101000000Z'), utc('500101000000Z'), utc('500101000000Z'));
    expect(codeOf(() => parseCertificate(craft({ validity: three })))).toBe('ERR_DER_MALFORMED');
  });

  it('checks the signature BIT STRING and the algorithm identifiers', () => {
    expect(codeOf(() => parseCertificate(craft({ signature: tlv(0x03, [0x01, 0xfe]) })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ signature: tlv(0x03) })))).toBe('ERR_DER_MALFORMED');
    expect(parseCertificate(craft({ signature: tlv(0x03, [0x00]) })).signature.length).toBe(0);
    expect(codeOf(() => parseCertificate(craft({ signature: octets([0x00, 1]) })))).toBe('ERR_DER_MALFORMED');
    const other = seq(oid('1.2.840.10045.4.3.3'));
    expect(errorOf(() => parseCertificate(craft({ outerAlg: other }))).message).toMatch(/differs/);
    const withNull = seq(oid(OID_SHA256_RSA), [0x05, 0x00]);
    const p = parseCertificate(craft({ innerAlg: withNull, outerAlg: withNull }));
    expect(p.signatureAlgorithm).toBe(OID_SHA256_RSA);
    expect(p.signatureAlgorithmParams).toBeUndefined();
    const params = seq(oid('2.16.840.1.101.3.4.2.1'));
    const pss = seq(oid(OID_RSA_PSS), params);
    const q = parseCertificate(craft({ innerAlg: pss, outerAlg: pss }));
    expect(q.signatureAlgorithmParams?.equals(params)).toBe(true);
    const badNull = seq(oid(OID_SHA256_RSA), [0x05, 0x01, 0x00]);
    expect(codeOf(() => parseCertificate(craft({ innerAlg: badNull, outerAlg: badNull })))).toBe('ERR_DER_MALFORMED');
    const twoParams = seq(oid(OID_SHA256_RSA), [0x05, 0x00], [0x05, 0x00]);
    expect(codeOf(() => parseCertificate(craft({ innerAlg: twoParams, outerAlg: twoParams })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ innerAlg: seq(), outerAlg: seq() })))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ spki: seq(seq(oid(OID_EC_PUBLIC_KEY)), tlv(0x03, [0x08, 0xff])) })))).toBe(
      'ERR_DER_MALFORMED',
    );
    expect(codeOf(() => parseCertificate(craft({ spki: seq(seq(oid(OID_EC_PUBLIC_KEY)), tlv(0x03, [0x01, 0xff])) })))).toBe(
      'ERR_DER_MALFORMED',
    );
    expect(parseCertificate(craft({ spki: seq(seq(oid(OID_ED25519)), tlv(0x03, [0x00], Buffer.alloc(32, 7))) })).publicKeyAlgorithm).toBe(
      OID_ED25519,
    );
  });

  it('validates Names and keeps them raw', () => {
    const odd = seq(set(seq(oid('2.5.4.3'), tlv(0x13, ascii('a'))), seq(oid('2.5.4.10'), tlv(0x0c, ascii('b')))));
    expect(parseCertificate(craft({ issuer: odd })).issuer.equals(odd)).toBe(true);
    // A high-tag-number attribute value is not a string type Go reads: refused.
    const high = seq(set(seq(oid('2.5.4.3'), [0x1f, 0x20, 0x01, 0x41])));
    expect(errorOf(() => parseCertificate(craft({ subject: high }))).message).toMatch(/not a supported string type/);
    const emptyRdn = seq(set(), set(seq(oid('2.5.4.3'), tlv(0x0c))));
    expect(parseCertificate(craft({ issuer: emptyRdn })).issuer.equals(emptyRdn)).toBe(true);
    for (const bad of [
      seq(seq()),
      seq(set(seq(oid('2.5.4.3')))),
      seq(set(seq(oid('2.5.4.3'), tlv(0x0c), tlv(0x0c)))),
      seq(set(seq(tlv(0x06), tlv(0x0c)))),
      seq(set(seq(oid('2.5.4.3'), [0x1f, 0x1e, 0x00]))),
      seq(set(seq(oid('2.5.4.3'), [0x1f, 0x80, 0x20, 0x00]))),
      seq(set(seq(oid('2.5.4.3'), [0x1f, 0x81, 0x81, 0x81, 0x01, 0x00]))),
      set(),
    ]) {
      expect(codeOf(() => parseCertificate(craft({ issuer: bad }))), bad.toString('hex')).not.toBe('NO_ERROR');
    }
  });

  it('rejects non-DER lengths consistently', () => {
    const base = craft();
    // 0x30 0x82 LL LL: re-encode the outer length non-minimally with a leading zero octet.
    const body = base.subarray(4);
    expect(base[1]).toBe(0x82);
    const padded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00, base[2] as number, base[3] as number]), body]);
    expect(errorOf(() => parseCertificate(padded)).message).toMatch(/non-minimal length/);
    const shortLong = Buffer.from([0x30, 0x81, 0x03, 0x02, 0x01, 0x01]);
    expect(errorOf(() => parseCertificate(shortLong)).message).toMatch(/non-minimal length/);
    expect(errorOf(() => parseCertificate(Buffer.from([0x30, 0x80, 0x00, 0x00]))).message).toMatch(/indefinite/);
    expect(codeOf(() => parseCertificate(Buffer.from([0x30, 0x85, 0, 0, 0, 0, 3])))).toBe('ERR_DER_UNSUPPORTED');
    expect(codeOf(() => parseCertificate(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(Buffer.concat([base, Buffer.from([0])])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(base.subarray(0, base.length - 1)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(new Uint8Array(0)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(craft({ signature: [...tlv(0x03, [0x00, 1]), 0x05, 0x00] })))).toBe('ERR_DER_MALFORMED');
  });

  it('reports the byte offset of the problem', () => {
    const der = craft({ serial: int(0x00, 0x01) });
    const err = errorOf(() => parseCertificate(der));
    const at = der.indexOf(Buffer.from([0x02, 0x02, 0x00, 0x01]));
    expect(err.offset).toBe(at + 2);
    expect(err.message).toContain(`at byte offset ${at + 2}`);
    expect(err.message).toContain('serialNumber');
    expect(err.name).toBe('DerError');
    expect(err).toBeInstanceOf(SpiffeError);
  });
});

describe('parseCertificate — extensions by hand', () => {
  const SAN = '2.5.29.17';
  const BC = '2.5.29.19';
  const KU_OID = '2.5.29.15';

  it('rejects duplicate extensions, also past the set threshold', () => {
    const e = ext(SAN, undefined, seq(tlv(0x86, ascii('spiffe://a/b'))));
    expect(errorOf(() => parseCertificate(withExtensions(e, ext(BC, true, seq()), e))).message).toMatch(
      /Duplicate extension 2\.5\.29\.17/,
    );
    const many = Array.from({ length: 20 }, (_, i) => ext(`1.3.6.1.4.1.99999.${i}`, undefined, seq()));
    expect(parseCertificate(withExtensions(...many)).extensions.all).toHaveLength(20);
    expect(codeOf(() => parseCertificate(withExtensions(...many, many[3] as Buffer)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(...many, many[15] as Buffer)))).toBe('ERR_DER_MALFORMED');
  });

  it('accepts an explicit critical FALSE, rejects non-DER booleans and stray fields', () => {
    const p = parseCertificate(withExtensions(ext(BC, false, seq(bool(true)))));
    expect(p.extensions.basicConstraints).toEqual({ ca: true, pathLen: undefined, critical: false });
    expect(p.extensions.criticalExtensions).toEqual([]);
    const badBool = seq(oid(BC), tlv(0x01, [0x01]), octets(seq()));
    expect(codeOf(() => parseCertificate(withExtensions(badBool)))).toBe('ERR_DER_MALFORMED');
    const longBool = seq(oid(BC), tlv(0x01, [0xff, 0xff]), octets(seq()));
    expect(codeOf(() => parseCertificate(withExtensions(longBool)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(seq(oid(BC)))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(seq(oid(BC), bool(true), seq()))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(seq(oid(BC), octets(seq()), [0x05, 0x00]))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(seq(octets(seq())))))).toBe('ERR_DER_MALFORMED');
    // Contents of a known extension must be exactly one element.
    expect(codeOf(() => parseCertificate(withExtensions(ext(BC, true, [...seq(), 0x05, 0x00]))))).toBe('ERR_DER_MALFORMED');
  });

  it('reads basicConstraints edge cases', () => {
    const bc = (...parts: Part[]) => parseCertificate(withExtensions(ext(BC, true, seq(...parts)))).extensions.basicConstraints;
    expect(bc()).toEqual({ ca: false, pathLen: undefined, critical: true });
    expect(bc(bool(true), int(0))).toEqual({ ca: true, pathLen: 0, critical: true });
    expect(bc(bool(true), int(0x00, 0xff))).toEqual({ ca: true, pathLen: 255, critical: true });
    expect(bc(bool(true), int(0x7f, 0xff, 0xff, 0xff))?.pathLen).toBe(2 ** 31 - 1);
    expect(bc(int(3))).toEqual({ ca: false, pathLen: 3, critical: true }); // cA omitted (DEFAULT FALSE)
    expect(codeOf(() => bc(bool(true), int(0xff)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => bc(bool(true), int(0x00, 0x80, 0, 0, 0)))).toBe('ERR_DER_UNSUPPORTED');
    expect(codeOf(() => bc(bool(true), int(1), int(1)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => bc(int(1), bool(true)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => bc(octets([1])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(ext(BC, true, int(1)))))).toBe('ERR_DER_MALFORMED');
  });

  it('reads keyUsage bit strings of any valid length', () => {
    const ku = (...bytes: number[]) => parseCertificate(withExtensions(ext(KU_OID, true, tlv(0x03, bytes)))).extensions.keyUsage;
    expect(ku(0x00)?.digitalSignature).toBe(false);
    expect(ku(0x07, 0x80)?.digitalSignature).toBe(true);
    expect(ku(0x00, 0x80)?.digitalSignature).toBe(true); // not minimal, still accepted
    expect(ku(0x07, 0x00, 0x80)?.decipherOnly).toBe(true);
    expect(ku(0x00, 0x00, 0x00, 0xff)?.digitalSignature).toBe(false); // bits past 8 ignored
    expect(codeOf(() => ku(0x07, 0x81))).toBe('ERR_DER_MALFORMED'); // padding bit set
    expect(codeOf(() => ku(0x08, 0x00))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => ku(0x01))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => ku())).toBe('ERR_DER_MALFORMED');
  });

  it('reads subjectAltName, rejecting non-IA5 text and non-GeneralName tags', () => {
    const san = (...names: Part[]) => parseCertificate(withExtensions(ext(SAN, false, seq(...names)))).extensions;
    const e = san(
      tlv(0x86, ascii('spiffe://example.org/x')),
      tlv(0xa0, oid('1.2.3'), tlv(0xa0, tlv(0x0c, ascii('o')))),
      tlv(0x81, ascii('a@b')),
      tlv(0xa4, NAME),
      tlv(0x87, [127, 0, 0, 1]),
      tlv(0x88, oidBytes('1.2.3')),
      tlv(0x82, ascii('x.example')),
      tlv(0x86, ascii('')),
    );
    expect(e.uriSans).toEqual(['spiffe://example.org/x', '']);
    expect(e.dnsSans).toEqual(['x.example']);
    expect(e.otherSanCount).toBe(5);
    expect(san().uriSans).toEqual([]);
    expect(codeOf(() => san(tlv(0x86, Buffer.from('spiffe://é', 'utf8'))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => san(tlv(0x82, [0x80])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => san(tlv(0xa6, ascii('x'))))).toBe('ERR_DER_MALFORMED'); // constructed URI
    expect(codeOf(() => san(tlv(0x89, ascii('x'))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => san(tlv(0x16, ascii('x'))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(ext(SAN, false, tlv(0x86, ascii('x'))))))).toBe('ERR_DER_MALFORMED');
  });

  it('reads extKeyUsage, subjectKeyIdentifier and authorityKeyIdentifier', () => {
    const p = parseCertificate(
      withExtensions(
        ext('2.5.29.37', false, seq(oid(SERVER_AUTH), oid(CLIENT_AUTH), oid('2.5.29.37.0'))),
        ext('2.5.29.14', false, octets([0xde, 0xad, 0xbe, 0xef])),
        ext('2.5.29.35', false, seq(tlv(0x80, [0x01, 0xab]), tlv(0xa1, tlv(0xa4, NAME)), tlv(0x82, [0x05]))),
      ),
    ).extensions;
    expect(p.extKeyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH, '2.5.29.37.0']);
    expect(p.subjectKeyId).toBe('deadbeef');
    expect(p.authorityKeyId).toBe('01ab');
    const onlyIssuer = parseCertificate(withExtensions(ext('2.5.29.35', false, seq(tlv(0xa1, tlv(0xa4, NAME))))));
    expect(onlyIssuer.extensions.authorityKeyId).toBeUndefined();
    expect(onlyIssuer.extensions.all).toEqual(['2.5.29.35']);
    const aki = (...parts: Part[]) => () => parseCertificate(withExtensions(ext('2.5.29.35', false, seq(...parts))));
    expect(codeOf(aki(tlv(0x82, [0x05]), tlv(0x80, [0x01])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(aki(tlv(0x80, [0x01]), tlv(0x80, [0x01])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(aki(tlv(0x04, [0x01])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(aki(tlv(0x82, [0x00, 0x05])))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(ext('2.5.29.14', false, tlv(0x03, [0])))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(ext('2.5.29.37', false, seq(octets([1]))))))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => parseCertificate(withExtensions(ext('2.5.29.37', false, seq(tlv(0x06, [0x2a, 0x86]))))))).toBe(
      'ERR_DER_MALFORMED',
    );
  });

  it('leaves unknown extensions unparsed, whatever they hold', () => {
    const p = parseCertificate(withExtensions(ext('1.3.6.1.4.1.57264.1.1', true, [0xff, 0xff, 0x00])));
    expect(p.extensions.criticalExtensions).toEqual(['1.3.6.1.4.1.57264.1.1']);
  });
});

// ---------------------------------------------------------------------------------------------
// What Go's crypto/x509 (parser.go, Go 1.26) refuses is refused here too: one test per class the
// differential fuzz test (test/x509-go-oracle.test.ts) found or covers.

describe('parseCertificate — refuses what Go refuses', () => {
  const refuses = (der: Buffer, pattern: RegExp) => {
    const err = errorOf(() => parseCertificate(der));
    expect(err.code).toBe('ERR_DER_MALFORMED');
    expect(err.message).toMatch(pattern);
  };
  const rdn = (tag: number, bytes: readonly number[], type = '2.5.4.3') => seq(set(seq(oid(type), tlv(tag, bytes))));

  it('Name values: only the string types Go reads, with valid contents', () => {
    const ok = (tag: number, bytes: readonly number[]) => expect(parseCertificate(craft({ subject: rdn(tag, bytes) })).subject.equals(rdn(tag, bytes))).toBe(true);
    const bad = (tag: number, bytes: readonly number[], why: RegExp) => {
      refuses(craft({ subject: rdn(tag, bytes) }), why);
      refuses(craft({ issuer: rdn(tag, bytes) }), why);
    };
    ok(0x13, [...ascii("Az09 '()+,-./:=?*&")]); // PrintableString, with Go's '*' and '&'
    bad(0x13, [...ascii('a_b')], /invalid PrintableString/);
    bad(0x13, [...ascii('a@b')], /invalid PrintableString/);
    ok(0x0c, [0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]); // UTF8String é 😀
    bad(0x0c, [0xc0, 0x80], /not valid UTF-8/); // overlong
    bad(0x0c, [0xed, 0xa0, 0x80], /not valid UTF-8/); // surrogate
    bad(0x0c, [0xf4, 0x90, 0x80, 0x80], /not valid UTF-8/); // above U+10FFFF
    bad(0x0c, [0x61, 0xe2, 0x82], /not valid UTF-8/); // truncated
    bad(0x0c, [0xff], /not valid UTF-8/);
    ok(0x16, [...ascii('a@b.example')]); // IA5String
    bad(0x16, [0x80], /IA5String/);
    ok(0x12, [...ascii('12 34')]); // NumericString
    bad(0x12, [...ascii('12a')], /invalid NumericString/);
    ok(0x14, [0xe9, 0x00, 0xff]); // T61String: taken as Latin-1, any byte
    ok(0x1e, [0x00, 0x41, 0x00, 0xe9]); // BMPString
    ok(0x1e, [0x00, 0x41, 0x00, 0x00]); // with a terminator
    bad(0x1e, [0x00, 0x41, 0x00], /BMPString of odd length/);
    bad(0x1e, [0xd8, 0x00], /invalid BMPString/);
    bad(0x1e, [0xff, 0xfe], /invalid BMPString/);
    bad(0x1e, [0xfd, 0xd0], /invalid BMPString/);
    for (const tag of [0x1a /* VisibleString */, 0x1c /* UniversalString */, 0x04, 0x02, 0x05, 0x30, 0x2c /* constructed UTF8String */, 0x80]) {
      bad(tag, tag === 0x05 ? [] : [0x41], /not a supported string type/);
    }
  });

  it('Name attribute types, extension, algorithm and extKeyUsage OIDs: arcs up to 2^31 - 1, as Go reads them', () => {
    const big = '1.3.6.1.4.1.2147483648';
    expect(parseCertificate(craft({ subject: rdn(0x0c, [0x41], '1.3.6.1.4.1.2147483647') })).version).toBe(3);
    refuses(craft({ subject: rdn(0x0c, [0x41], big) }), /arc above 2\^31 - 1/);
    refuses(withExtensions(ext(big, false, [0x05, 0x00])), /arc above 2\^31 - 1/);
    refuses(withExtensions(ext('2.5.29.37', false, seq(oid(big)))), /arc above 2\^31 - 1/);
    const alg = seq(oid(big));
    refuses(craft({ innerAlg: alg, outerAlg: alg }), /arc above 2\^31 - 1/);
    refuses(craft({ spki: seq(seq(oid(big)), tlv(0x03, [0x00, 0x01])) }), /arc above 2\^31 - 1/);
    // oidToString itself still decodes any arc (UUID OIDs): the limit is the certificate parser's.
    expect(oidToString(oidBytes(big))).toBe(big);
  });

  it('EC keys: a named curve Go supports, an uncompressed point on it', () => {
    for (const namedCurve of ['P-224', 'P-256', 'P-384', 'P-521']) {
      const spki = generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'der', type: 'spki' });
      expect(parseCertificate(craft({ spki })).publicKeyAlgorithm, namedCurve).toBe(OID_EC_PUBLIC_KEY);
    }
    for (const namedCurve of ['secp256k1', 'prime192v1', 'brainpoolP256r1']) {
      const spki = generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'der', type: 'spki' });
      refuses(craft({ spki }), /unsupported elliptic curve/);
    }
    const point = EC_SPKI.subarray(EC_SPKI.length - 65);
    const ecSpki = (params: Part[], key: Part) => seq(seq(oid(OID_EC_PUBLIC_KEY), ...params), tlv(0x03, [0x00], key));
    const P256 = oid('1.2.840.10045.3.1.7');
    expect(parseCertificate(craft({ spki: ecSpki([P256], point) })).version).toBe(3);
    const offCurve = Buffer.from(point);
    offCurve[64] = (offCurve[64] as number) ^ 1;
    refuses(craft({ spki: ecSpki([P256], offCurve) }), /not on the curve/);
    refuses(craft({ spki: ecSpki([P256], Buffer.concat([Buffer.from([0x02]), point.subarray(1, 33)])) }), /uncompressed point/);
    refuses(craft({ spki: ecSpki([P256], Buffer.concat([point, Buffer.from([0])])) }), /uncompressed point/);
    refuses(craft({ spki: ecSpki([P256], [0x00]) }), /uncompressed point/); // the point at infinity
    const pHex = 'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff';
    refuses(craft({ spki: ecSpki([P256], Buffer.concat([Buffer.from([0x04]), Buffer.from(pHex, 'hex'), point.subarray(33)])) }), /out of range/);
    refuses(craft({ spki: ecSpki([], point) }), /must name its curve/);
    refuses(craft({ spki: ecSpki([[0x05, 0x00]], point) }), /must name its curve/);
    refuses(craft({ spki: ecSpki([seq(int(1))], point) }), /must name its curve/); // specifiedCurve
    refuses(craft({ spki: seq(seq(oid(OID_EC_PUBLIC_KEY), P256), tlv(0x03, [0x01], point.subarray(0, 64), [0xfe])) }), /unused bits/);
  });

  it('RSA, Ed25519, X25519 and DSA keys as Go checks them; unknown algorithms are left alone', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' });
    expect(parseCertificate(craft({ spki: rsa })).publicKeyAlgorithm).toBe(OID_RSA);
    const rsaSpki = (params: Part[], key: Part) => seq(seq(oid(OID_RSA), ...params), tlv(0x03, [0x00], key));
    const NULL = [0x05, 0x00];
    expect(parseCertificate(craft({ spki: rsaSpki([NULL], seq(int(0x00, 0xc1), int(3))) })).version).toBe(3);
    refuses(craft({ spki: rsaSpki([], seq(int(0x00, 0xc1), int(3))) }), /NULL parameters/);
    refuses(craft({ spki: rsaSpki([seq()], seq(int(0x00, 0xc1), int(3))) }), /NULL parameters/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0xc1), int(3))) }), /modulus is not a positive number/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0x00), int(3))) }), /modulus is not a positive number/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0x00, 0xc1), int(0x00))) }), /publicExponent is not a positive number/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0x00, 0xc1), int(0xff))) }), /publicExponent is not a positive number/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0x00, 0xc1), int(1, 0, 0, 0, 0, 0, 0, 0, 1))) }), /publicExponent is too large/);
    refuses(craft({ spki: rsaSpki([NULL], seq(int(0x00, 0xc1))) }), /publicExponent is missing/);
    refuses(craft({ spki: rsaSpki([NULL], int(3)) }), /expected SEQUENCE/);

    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
    expect(parseCertificate(craft({ spki: ed })).publicKeyAlgorithm).toBe(OID_ED25519);
    refuses(craft({ spki: seq(seq(oid(OID_ED25519), NULL), tlv(0x03, [0x00], Buffer.alloc(32))) }), /Ed25519 key must have no parameters/);
    refuses(craft({ spki: seq(seq(oid(OID_ED25519)), tlv(0x03, [0x00], Buffer.alloc(31))) }), /Ed25519 key must be 32 octets/);
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' });
    expect(parseCertificate(craft({ spki: x })).publicKeyAlgorithm).toBe('1.3.101.110');
    refuses(craft({ spki: seq(seq(oid('1.3.101.110'), NULL), tlv(0x03, [0x00], Buffer.alloc(32))) }), /X25519 key must have no parameters/);

    const DSA = '1.2.840.10040.4.1';
    const dsa = (params: Part[], y: Part) => seq(seq(oid(DSA), ...params), tlv(0x03, [0x00], y));
    expect(parseCertificate(craft({ spki: dsa([seq(int(7), int(3), int(2))], int(5)) })).publicKeyAlgorithm).toBe(DSA);
    refuses(craft({ spki: dsa([], int(5)) }), /invalid DSA parameters/);
    refuses(craft({ spki: dsa([seq(int(7), int(0), int(2))], int(5)) }), /Dss-Parms.q is not a positive number/);
    refuses(craft({ spki: dsa([seq(int(7), int(3), int(2))], int(0xfb)) }), /DSAPublicKey is not a positive number/);

    // Go leaves keys of algorithms it does not know unparsed (PublicKey nil): so does the reader.
    expect(parseCertificate(craft({ spki: seq(seq(oid('1.3.6.1.4.1.99999.1'), seq()), tlv(0x03, [0x00, 0xff])) })).publicKeyAlgorithm).toBe(
      '1.3.6.1.4.1.99999.1',
    );
  });

  it('signature algorithm parameters: absent for ECDSA and Ed25519, no high tag numbers', () => {
    for (const params of [[0x05, 0x00], oid('1.2.840.10045.3.1.7')]) {
      const alg = seq(oid(OID_ECDSA_SHA256), params);
      refuses(craft({ innerAlg: alg, outerAlg: alg }), /must have no parameters/);
    }
    const ed = seq(oid(OID_ED25519), [0x05, 0x00]);
    refuses(craft({ innerAlg: ed, outerAlg: ed }), /must have no parameters/);
    const high = seq(oid(OID_SHA256_RSA), [0x1f, 0x20, 0x00]);
    refuses(craft({ innerAlg: high, outerAlg: high }), /high tag numbers/);
  });

  it('subjectAltName: IP addresses of 4 or 16 octets, IA5 e-mail, URIs Go parses', () => {
    const san = (...names: Part[]) => withExtensions(ext('2.5.29.17', false, seq(...names)));
    for (const n of [4, 16]) expect(parseCertificate(san(tlv(0x87, Buffer.alloc(n)))).extensions.emailOrIpSanCount).toBe(1);
    for (const n of [0, 1, 5, 8, 15, 17]) refuses(san(tlv(0x87, Buffer.alloc(n))), new RegExp(`iPAddress of ${n} octets`));
    expect(parseCertificate(san(tlv(0x81, ascii('a@example.org')))).extensions.emailOrIpSanCount).toBe(1);
    refuses(san(tlv(0x81, [0x61, 0xe9, 0x40, 0x62])), /rfc822Name: not an IA5String/);
    // Checked against Go 1.26's url.Parse and x509's domainNameValid.
    const accepted = [
      'spiffe://example.org/web',
      'spiffe://example.org/a%2Fb',
      'spiffe://example.org:8080/w',
      'spiffe://user@example.org/w',
      'spiffe://u:p@example.org/w',
      'spiffe://[::1]/w',
      'spiffe://[fe80::1%25en0]/w',
      'spiffe://[::ffff:1.2.3.4]/w',
      'spiffe://ex%25ample/w',
      'spiffe://a]b/w',
      'spiffe://a:1:2/w',
      'spiffe://a/w?%zz',
      'spiffe:example.org/w',
      'a:b/c',
      'a/b:c',
      'a+b:c',
      '*',
      '',
    ];
    for (const uri of accepted) expect(parseCertificate(san(tlv(0x86, ascii(uri)))).extensions.uriSans, uri).toEqual([uri]);
    const refused = [
      'spiffe://example.org/a%zz',
      'spiffe://example.org/a%4',
      'spiffe://example.org/w#%zz',
      'spiffe://example.org:x/w',
      'spiffe://us{er@example.org/w',
      'spiffe://u:p%zz@example.org/w',
      'spiffe://exa mple.org/w',
      'spiffe://example..org/w',
      'spiffe://example.org./w',
      'spiffe://.example.org/w',
      'spiffe://ex%41mple.org/w',
      'spiffe://ex%C3%A9.org/w',
      'spiffe://[1.2.3.4]/w',
      'spiffe://[::1/w',
      'spiffe://[::1]x/w',
      'spiffe://a[b]/w',
      'http://a:1:2/w',
      'spiffe://example.org/w\x01',
      'spiffe://example.org/w\x7f',
      ':spiffe//example.org/w',
      '1a:b',
      'a:b',
    ].filter((u) => u !== 'a:b');
    for (const uri of refused) refuses(san(tlv(0x86, ascii(uri))), /uniformResourceIdentifier .* has .*Go's url.Parse refuses it/);
  });

  it('the extensions Go parses and spiffe-kit does not read: structure checked, values not kept', () => {
    const P = oid('2.23.140.1.2.1');
    const ANY = oid('2.5.29.32.0');
    const good: [string, Part][] = [
      ['2.5.29.32', seq(seq(P), seq(ANY, seq(seq(oid('1.3.6.1.5.5.7.2.1'), tlv(0x16, ascii('http://cps')))))) ],
      ['2.5.29.32', seq()],
      ['2.5.29.33', seq(seq(P, oid('2.23.140.1.2.2')))],
      ['2.5.29.36', seq(tlv(0x81, [0x00]))],
      ['2.5.29.54', int(0)],
      ['2.5.29.31', seq(seq(tlv(0xa0, tlv(0xa0, tlv(0x86, ascii('http://crl'))))), seq(tlv(0x81, [0x00])))],
      ['2.5.29.31', seq(seq(tlv(0xa0, tlv(0xa0, tlv(0x86, [0xff]), tlv(0xa4, NAME)))))], // Go reads the leading URIs only, as bytes
      ['1.3.6.1.5.5.7.1.1', seq(seq(oid('1.3.6.1.5.5.7.48.1'), tlv(0x86, ascii('http://ocsp'))), seq(oid('1.3.6.1.5.5.7.48.2')))],
    ];
    for (const [id, value] of good) expect(parseCertificate(withExtensions(ext(id, false, value))).extensions.all, `${id} ${Buffer.from(value).toString('hex')}`).toEqual([id]);
    const bad: [string, Part, RegExp][] = [
      ['2.5.29.32', seq(seq(P), seq(P)), /policy is listed twice/],
      ['2.5.29.32', seq(seq()), /policyIdentifier is missing/],
      ['2.5.29.32', seq(seq(tlv(0x06, [0x2a, 0x80, 0x01]))), /overlong OBJECT IDENTIFIER arc/],
      ['2.5.29.32', seq(seq(tlv(0x06, [0x2a, 0x86]))), /invalid OBJECT IDENTIFIER/],
      ['2.5.29.32', seq(P), /expected SEQUENCE/],
      ['2.5.29.33', seq(seq(P)), /subjectDomainPolicy is missing/],
      ['2.5.29.33', seq(seq(P, int(1))), /expected OBJECT IDENTIFIER/],
      ['2.5.29.33', P, /expected SEQUENCE/],
      ['2.5.29.36', seq(tlv(0x80, [0x00, 0x01])), /non-minimal INTEGER/],
      ['2.5.29.36', seq(tlv(0x80)), /empty INTEGER/],
      ['2.5.29.36', seq(tlv(0x80, Buffer.alloc(9, 1))), /does not fit in 64 bits/],
      ['2.5.29.36', int(1), /expected SEQUENCE/],
      ['2.5.29.54', octets([0]), /expected INTEGER/],
      ['2.5.29.54', int(0x00, 0x01), /non-minimal INTEGER/],
      ['2.5.29.31', seq(seq(tlv(0xa0, tlv(0xa1, set())))), /expected tag 0xa0/],
      ['2.5.29.31', seq(seq(tlv(0xa0))), /fullName is missing/],
      ['2.5.29.31', seq(int(1)), /expected SEQUENCE/],
      ['1.3.6.1.5.5.7.1.1', seq(seq(tlv(0x06, [0x2a, 0x86]), tlv(0x86, ascii('x')))), /truncated OBJECT IDENTIFIER arc/],
      ['1.3.6.1.5.5.7.1.1', seq(seq()), /accessMethod is missing/],
      ['1.3.6.1.5.5.7.1.1', seq(int(1)), /expected SEQUENCE/],
    ];
    for (const [id, value, why] of bad) refuses(withExtensions(ext(id, false, value)), why);
    // RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.2.1: Go refuses these marked critical.
    refuses(withExtensions(ext('2.5.29.14', true, octets([1]))), /2\.5\.29\.14 must not be marked critical/);
    refuses(withExtensions(ext('2.5.29.35', true, seq(tlv(0x80, [1])))), /2\.5\.29\.35 must not be marked critical/);
    refuses(withExtensions(ext('1.3.6.1.5.5.7.1.1', true, seq())), /1\.3\.6\.1\.5\.5\.7\.1\.1 must not be marked critical/);
  });

  it('flags the policy features that need policy processing', () => {
    const flags = (...exts: Part[]) => {
      const e = parseCertificate(withExtensions(...exts)).extensions;
      return { requireExplicitPolicy: e.requireExplicitPolicy, mapsAnyPolicy: e.mapsAnyPolicy };
    };
    expect(flags()).toEqual({ requireExplicitPolicy: false, mapsAnyPolicy: false });
    expect(flags(ext('2.5.29.36', false, seq(tlv(0x81, [0]))))).toEqual({ requireExplicitPolicy: false, mapsAnyPolicy: false });
    expect(flags(ext('2.5.29.36', false, seq(tlv(0x80, [3]))))).toEqual({ requireExplicitPolicy: true, mapsAnyPolicy: false });
    expect(flags(ext('2.5.29.33', false, seq(seq(oid('2.5.29.32.0'), oid('1.2.3')))))).toEqual({ requireExplicitPolicy: false, mapsAnyPolicy: true });
    expect(flags(ext('2.5.29.33', false, seq(seq(oid('1.2.3'), oid('2.5.29.32.0')))))).toEqual({ requireExplicitPolicy: false, mapsAnyPolicy: true });
  });
});

describe('oidToString', () => {
  const hex = (h: string) => Buffer.from(h, 'hex');

  it('decodes single- and multi-byte arcs', () => {
    expect(oidToString(hex('2a864886f70d01010b'))).toBe('1.2.840.113549.1.1.11');
    expect(oidToString(hex('2a8648ce3d0201'))).toBe('1.2.840.10045.2.1');
    expect(oidToString(hex('551d11'))).toBe('2.5.29.17');
    expect(oidToString(hex('551d8100'))).toBe('2.5.29.128');
    expect(oidToString(hex('2b6570'))).toBe('1.3.101.112');
    expect(oidToString(hex('00'))).toBe('0.0');
    expect(oidToString(hex('27'))).toBe('0.39');
    expect(oidToString(hex('28'))).toBe('1.0');
    expect(oidToString(hex('4f'))).toBe('1.39');
    expect(oidToString(hex('50'))).toBe('2.0');
    expect(oidToString(hex('8837'))).toBe('2.999');
    expect(oidToString(hex('2b0601040183bf300101'))).toBe('1.3.6.1.4.1.57264.1.1');
  });

  it('decodes arcs beyond 2^53 exactly (UUID OIDs)', () => {
    const uuid = 0xf81d4fae7dec11d0a76500a0c91e6bf6n;
    const dotted = `2.25.${uuid}`;
    expect(oidToString(oidBytes(dotted))).toBe(dotted);
    const big = `1.2.${2n ** 53n + 1n}.${2n ** 64n}`;
    expect(oidToString(oidBytes(big))).toBe(big);
    const hugeFirst = `2.${2n ** 70n}`;
    expect(oidToString(oidBytes(hugeFirst))).toBe(hugeFirst);
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 130n }), { minLength: 1, maxLength: 6 }), fc.nat(2), (rest, a0) => {
        const second = a0 < 2 ? (rest[0] ?? 0n) % 40n : (rest[0] ?? 0n);
        const dottedOid = [BigInt(a0), second, ...rest.slice(1)].join('.');
        expect(oidToString(oidBytes(dottedOid))).toBe(dottedOid);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects empty, truncated, overlong and absurdly long arcs', () => {
    expect(codeOf(() => oidToString(new Uint8Array(0)))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString(hex('2a86')))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString(hex('2a8001')))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString(hex('8001')))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString(hex('80')))).toBe('ERR_DER_MALFORMED');
    expect(codeOf(() => oidToString(Buffer.concat([Buffer.alloc(100, 0xff), Buffer.from([0x01])])))).toBe('ERR_DER_UNSUPPORTED');
  });
});

describe('robustness (property tests): a result or a DerError, never another exception', () => {
  function parseOrDerError(bytes: Uint8Array): void {
    let parsed: ParsedCertificate | undefined;
    try {
      parsed = parseCertificate(bytes);
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
      expect(typeof err.message).toBe('string');
    }
    if (parsed !== undefined) {
      expect(parsed.raw.length).toBe(bytes.length);
      expect(parsed.tbs.byteOffset + parsed.tbs.length).toBeLessThanOrEqual(parsed.raw.byteOffset + parsed.raw.length);
      expect(parsed.signature.byteOffset + parsed.signature.length).toBe(parsed.raw.byteOffset + parsed.raw.length);
      expect(Number.isNaN(parsed.notBefore.getTime())).toBe(false);
      expect(Number.isNaN(parsed.notAfter.getTime())).toBe(false);
    }
    let parts: Buffer[] | undefined;
    try {
      parts = splitDerCertificates(bytes);
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
    }
    if (parts !== undefined) expect(parts.reduce((n, p) => n + p.length, 0)).toBe(bytes.length);
  }

  const settings = { numRuns: 3000, interruptAfterTimeLimit: 15_000 };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), parseOrDerError), settings);
  });

  it('random bytes behind a plausible SEQUENCE header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (body) => {
        parseOrDerError(seq(body));
        parseOrDerError(seq(seq(body), SIG_ALG, tlv(0x03, [0])));
        parseOrDerError(craft({ optional: [tlv(0xa3, body)] }));
        parseOrDerError(withExtensions(ext('2.5.29.17', true, body), ext('2.5.29.19', true, body)));
        parseOrDerError(withExtensions(ext('2.5.29.15', true, body), ext('2.5.29.35', true, body), ext('2.5.29.37', true, body)));
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 15_000 },
    );
  });

  it('well-formed random DER trees in every slot the parser descends into', () => {
    const primitiveTags = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x17, 0x18, 0x80, 0x81, 0x82, 0x86, 0x87, 0x88];
    const constructedTags = [0x30, 0x31, 0xa0, 0xa1, 0xa3, 0xa4];
    const { node } = fc.letrec<{ node: Buffer }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc
          .tuple(fc.constantFrom(...primitiveTags), fc.uint8Array({ maxLength: 12 }))
          .map(([tag, body]) => tlv(tag, body)),
        fc.constantFrom(bool(true), bool(false), int(0), int(5), oid(SERVER_AUTH), tlv(0x03, [0x07, 0x80]), tlv(0x05)),
        fc
          .tuple(fc.constantFrom(...constructedTags), fc.array(tie('node'), { maxLength: 4 }))
          .map(([tag, children]) => tlv(tag, ...children)),
      ),
    }));
    const slots: Array<(t: Buffer) => Buffer> = [
      (t) => withExtensions(ext('2.5.29.17', false, t)),
      (t) => withExtensions(ext('2.5.29.19', true, t)),
      (t) => withExtensions(ext('2.5.29.15', true, t)),
      (t) => withExtensions(ext('2.5.29.35', false, t)),
      (t) => withExtensions(ext('2.5.29.37', false, t)),
      (t) => withExtensions(ext('2.5.29.14', false, t)),
      (t) => withExtensions(t),
      (t) => craft({ optional: [t] }),
      (t) => craft({ issuer: t }),
      (t) => craft({ validity: t }),
      (t) => craft({ spki: t }),
      (t) => craft({ innerAlg: t, outerAlg: t }),
      (t) => craft({ version: t }),
      (t) => craft({ signature: t }),
    ];
    fc.assert(
      fc.property(node, fc.nat({ max: slots.length - 1 }), (tree, slot) => {
        parseOrDerError((slots[slot] as (t: Buffer) => Buffer)(tree));
      }),
      { numRuns: 4000, interruptAfterTimeLimit: 15_000 },
    );
  });

  it('mutated valid certificates (flip, set, truncate, splice lengths, insert, delete)', async () => {
    const seeds: Buffer[] = [
      Buffer.from(ecCa.rawData),
      (
        await issueFromEcCa({
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(KU.digitalSignature | KU.decipherOnly, true),
            new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
            await x509.SubjectKeyIdentifierExtension.create(ecLeafKeys.publicKey),
            await x509.AuthorityKeyIdentifierExtension.create(ecCaKeys.publicKey),
            new x509.SubjectAlternativeNameExtension([
              { type: 'url', value: 'spiffe://example.org/w' },
              { type: 'dns', value: 'w.example.org' },
              { type: 'ip', value: '10.0.0.1' },
            ]),
          ],
        })
      ).der,
      craft({ optional: [tlv(0x81, [0x00, 1]), tlv(0x82, [0x00, 2]), tlv(0xa3, seq(ext('2.5.29.19', true, seq(bool(true), int(2)))))] }),
    ];
    for (const s of seeds) parseCertificate(s);

    type Mutation =
      | { kind: 'flip'; at: number; mask: number }
      | { kind: 'set'; at: number; value: number }
      | { kind: 'truncate'; at: number }
      | { kind: 'length'; at: number; value: number }
      | { kind: 'insert'; at: number; bytes: Uint8Array }
      | { kind: 'delete'; at: number; count: number };
    const position = fc.nat({ max: 4000 });
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: position, mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('set' as const), at: position, value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: position }),
      fc.record({
        kind: fc.constant('length' as const),
        at: position,
        value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xff),
      }),
      fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
    );
    const apply = (input: Buffer, m: Mutation): Buffer => {
      if (input.length === 0) return input;
      const at = m.at % input.length;
      switch (m.kind) {
        case 'flip': {
          const out = Buffer.from(input);
          out[at] = (out[at] as number) ^ m.mask;
          return out;
        }
        case 'set': {
          const out = Buffer.from(input);
          out[at] = m.value;
          return out;
        }
        case 'truncate':
          return input.subarray(0, at);
        case 'length': {
          // Land on a length octet: the byte right after something that looks like a tag.
          const out = Buffer.from(input);
          out[Math.min(at + 1, out.length - 1)] = m.value;
          return out;
        }
        case 'insert':
          return Buffer.concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
        case 'delete':
          return Buffer.concat([input.subarray(0, at), input.subarray(at + m.count)]);
      }
    };
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const mutated = mutations.reduce(apply, seeds[which] as Buffer);
        try {
          parseCertificate(mutated);
          accepted++;
        } catch (err) {
          if (!(err instanceof DerError)) throw err;
          rejected++;
        }
        parseOrDerError(mutated);
        parseOrDerError(Buffer.concat([seeds[0] as Buffer, mutated]));
      }),
      { numRuns: 4000, interruptAfterTimeLimit: 20_000 },
    );
    // Both outcomes occur: flips inside the signature or a name still parse.
    expect(rejected).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  }, 60_000);
});
