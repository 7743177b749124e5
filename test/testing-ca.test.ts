import { createPrivateKey, createPublicKey, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { inspect } from 'node:util';
import * as x509 from '@peculiar/x509';
import { createLocalJWKSet, decodeProtectedHeader, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpiffeError } from '../src/errors.js';
import { SpiffeId } from '../src/spiffeid/spiffe-id.js';
import { TrustDomain } from '../src/spiffeid/trust-domain.js';
import { type IssuedX509Svid, TestCa } from '../src/testing/ca.js';
import { type JwtAlgorithm, TestJwtIssuer } from '../src/testing/jwt-issuer.js';
import { generateTestKey, KEY_TYPES, type KeyType, keyTypeOf, TestingError } from '../src/testing/keys.js';
import { EXT_KEY_USAGE, type MintedCertificate, mintCertificate } from '../src/testing/mint.js';

// ---------------------------------------------------------------------------------------------
// Reading certificates back (Node exposes only `ca` and EKU; the rest is parsed with @peculiar/x509)

const KU = x509.KeyUsageFlags;

function parse(der: Uint8Array | X509Certificate): x509.X509Certificate {
  return new x509.X509Certificate(der instanceof X509Certificate ? der.raw : der);
}

function basicConstraints(der: Uint8Array | X509Certificate) {
  return parse(der).getExtension(x509.BasicConstraintsExtension);
}

function keyUsage(der: Uint8Array | X509Certificate) {
  return parse(der).getExtension(x509.KeyUsagesExtension);
}

function sanNames(der: Uint8Array | X509Certificate): { type: string; value: string }[] {
  const ext = parse(der).getExtension(x509.SubjectAlternativeNameExtension);
  return ext ? ext.names.items.map((n) => ({ type: n.type, value: n.value })) : [];
}

function uris(der: Uint8Array | X509Certificate): string[] {
  return sanNames(der)
    .filter((n) => n.type === 'url')
    .map((n) => n.value);
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

function codeOf(fn: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => 'NO_ERROR',
      (err: unknown) => {
        expect(err).toBeInstanceOf(SpiffeError);
        return (err as SpiffeError).code;
      },
    );
}

const TD = 'example.org';
const WEB = 'spiffe://example.org/web';

// ---------------------------------------------------------------------------------------------

describe('keys', () => {
  it.each(KEY_TYPES)('generates %s keys and recognises their type', async (type) => {
    const { privateKey, publicKey } = await generateTestKey(type);
    expect(privateKey.type).toBe('private');
    expect(publicKey.type).toBe('public');
    expect(keyTypeOf(privateKey)).toBe(type);
    expect(keyTypeOf(publicKey)).toBe(type);
    expect(spki(createPublicKey(privateKey))).toEqual(spki(publicKey));
  });

  it('rejects an unknown key type with a stable code', async () => {
    expect(await codeOf(() => generateTestKey('dsa' as KeyType))).toBe('ERR_TESTING_INVALID_OPTION');
  });
});

describe('TestCa', () => {
  describe.each(KEY_TYPES)('CA key %s', (caKeyType) => {
    let ca: TestCa;
    beforeAll(async () => {
      ca = await TestCa.create({ trustDomain: TD, keyType: caKeyType, intermediate: true });
    });

    it('has a self-signed root that is a SPIFFE CA', () => {
      const root = ca.rootCertificate;
      expect(ca.rootDer).toEqual(root.raw);
      expect(root.verify(root.publicKey)).toBe(true);
      expect(root.checkIssued(root)).toBe(true);
      expect(root.ca).toBe(true);
      expect(keyTypeOf(root.publicKey)).toBe(caKeyType);
      expect(ca.root.selfSigned).toBe(true);
      const bc = basicConstraints(root);
      expect(bc?.ca).toBe(true);
      expect(bc?.critical).toBe(true);
      expect(bc?.pathLength).toBeUndefined();
      const ku = keyUsage(root);
      expect(ku?.critical).toBe(true);
      expect(ku?.usages).toBe(KU.keyCertSign | KU.cRLSign);
      expect(uris(root)).toEqual(['spiffe://example.org']);
      expect(parse(root).getExtension(x509.SubjectKeyIdentifierExtension)).toBeTruthy();
    });

    it('has an intermediate signed by the root', () => {
      expect(ca.intermediates).toHaveLength(1);
      const inter = ca.intermediates[0]!;
      expect(ca.signer).toBe(inter);
      expect(inter.certificate.verify(ca.rootCertificate.publicKey)).toBe(true);
      expect(inter.certificate.checkIssued(ca.rootCertificate)).toBe(true);
      expect(inter.certificate.ca).toBe(true);
      expect(keyUsage(inter.der)?.usages).toBe(KU.keyCertSign | KU.cRLSign);
      expect(basicConstraints(inter.der)?.critical).toBe(true);
      expect(uris(inter.der)).toEqual(['spiffe://example.org']);
      // authorityKeyIdentifier of the intermediate = subjectKeyIdentifier of the root
      const aki = parse(inter.der).getExtension(x509.AuthorityKeyIdentifierExtension);
      const rootSki = parse(ca.rootDer).getExtension(x509.SubjectKeyIdentifierExtension);
      expect(aki?.keyId).toBe(rootSki?.keyId);
      expect(inter.chain).toEqual([inter.der]);
    });

    it.each(KEY_TYPES)('issues a SPIFFE-correct %s X.509-SVID whose chain verifies', async (svidKeyType) => {
      const svid = await ca.issueX509Svid({ id: WEB, keyType: svidKeyType, dnsNames: ['web.example.org'], hint: 'internal' });
      const inter = ca.intermediates[0]!;
      expect(svid.id.toString()).toBe(WEB);
      expect(svid.hint).toBe('internal');
      expect(svid.certificates).toHaveLength(2);
      expect(svid.certificates[0]).toEqual(svid.leaf.raw);
      expect(svid.certificates[1]).toEqual(inter.der);
      expect(svid.certChainDer).toEqual(Buffer.concat([svid.leaf.raw, inter.der]));
      expect(svid.certificates.some((c) => c.equals(ca.rootDer))).toBe(false);

      const leaf = svid.leaf;
      expect(leaf.verify(inter.certificate.publicKey)).toBe(true);
      expect(leaf.checkIssued(inter.certificate)).toBe(true);
      expect(leaf.verify(ca.rootCertificate.publicKey)).toBe(false);
      expect(leaf.ca).toBe(false);
      expect(keyTypeOf(leaf.publicKey)).toBe(svidKeyType);

      expect(uris(leaf)).toEqual([WEB]);
      expect(sanNames(leaf)).toEqual([
        { type: 'url', value: WEB },
        { type: 'dns', value: 'web.example.org' },
      ]);
      const bc = basicConstraints(leaf);
      expect(bc?.ca).toBe(false);
      expect(bc?.critical).toBe(true);
      const ku = keyUsage(leaf);
      expect(ku?.critical).toBe(true);
      expect(ku?.usages).toBe(svidKeyType === 'rsa-2048' ? KU.digitalSignature | KU.keyEncipherment : KU.digitalSignature);
      expect(leaf.keyUsage).toEqual([EXT_KEY_USAGE.serverAuth, EXT_KEY_USAGE.clientAuth]);
      // Key identifiers: SKI = RFC 5280 method 1 (as @peculiar/x509 computes it); AKI = issuer SKI.
      const expectedSki = await x509.SubjectKeyIdentifierExtension.create(spki(leaf.publicKey), false, webcrypto);
      expect(parse(leaf).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toBe(expectedSki.keyId);
      expect(parse(leaf).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
        parse(inter.der).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );

      // The key matches the leaf, in both forms.
      expect(leaf.checkPrivateKey(svid.privateKey)).toBe(true);
      const fromDer = createPrivateKey({ key: svid.privateKeyDer, format: 'der', type: 'pkcs8' });
      expect(spki(createPublicKey(fromDer))).toEqual(spki(leaf.publicKey));
      expect(svid.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(svid.certChainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      expect(new X509Certificate(svid.certChainPem).raw).toEqual(leaf.raw);
    });

    it('is accepted by OpenSSL in a real mTLS handshake', async () => {
      const server = await ca.issueX509Svid({ id: 'spiffe://example.org/server' });
      const client = await ca.issueX509Svid({ id: 'spiffe://example.org/client', keyType: caKeyType });
      const result = await mtls(ca, server, client);
      expect(result).toEqual({ serverAuthorized: true, clientAuthorized: true });
    });
  });

  it('accepts a TrustDomain, SPIFFE ID form and SpiffeId objects', async () => {
    const ca = await TestCa.create({ trustDomain: TrustDomain.parse('spiffe://td.test') });
    expect(ca.trustDomain.name).toBe('td.test');
    const svid = await ca.issueX509Svid({ id: SpiffeId.fromSegments('td.test', 'a', 'b') });
    expect(uris(svid.leaf)).toEqual(['spiffe://td.test/a/b']);
    expect(await codeOf(() => ca.issueX509Svid({ id: 'spiffe://td.test/a//b' }))).toBe('ERR_SPIFFEID_EMPTY_SEGMENT');
    expect(await codeOf(() => TestCa.create({ trustDomain: 'Bad.Domain' }))).toBe('ERR_SPIFFEID_TRUST_DOMAIN_CHAR');
  });

  it('without an intermediate, the root signs SVIDs and the chain is the leaf alone', async () => {
    const ca = await TestCa.create({ trustDomain: TD });
    expect(ca.intermediates).toEqual([]);
    expect(ca.signer).toBe(ca.root);
    const svid = await ca.issueX509Svid({ id: WEB });
    expect(svid.certificates).toHaveLength(1);
    expect(svid.leaf.verify(ca.rootCertificate.publicKey)).toBe(true);
    expect(ca.bundleDer()).toEqual(ca.rootDer);
  });

  it('builds deeper intermediate chains with pathLen', async () => {
    const ca = await TestCa.create({ trustDomain: TD, intermediate: { depth: 2, pathLen: 1, keyType: 'ec-p384' } });
    expect(ca.intermediates).toHaveLength(2);
    const [lower, upper] = ca.intermediates as [MintedCertificate, MintedCertificate];
    expect(upper.certificate.verify(ca.rootCertificate.publicKey)).toBe(true);
    expect(lower.certificate.verify(upper.publicKey)).toBe(true);
    expect(basicConstraints(upper.der)?.pathLength).toBe(1);
    expect(lower.keyType).toBe('ec-p384');
    const svid = await ca.issueX509Svid({ id: WEB });
    expect(svid.certificates).toEqual([svid.leaf.raw, lower.der, upper.der]);
    expect(await mtls(ca, svid, svid)).toEqual({ serverAuthorized: true, clientAuthorized: true });
    expect(await codeOf(() => TestCa.create({ trustDomain: TD, intermediate: { depth: 0 } }))).toBe('ERR_TESTING_INVALID_OPTION');
  });

  it('issueIntermediate mints a CA under the signer without changing the CA', async () => {
    const ca = await TestCa.create({ trustDomain: TD, keyType: 'ed25519' });
    const inter = await ca.issueIntermediate({ pathLen: 0 });
    expect(ca.intermediates).toEqual([]);
    expect(inter.keyType).toBe('ed25519');
    expect(basicConstraints(inter.der)).toMatchObject({ ca: true, pathLength: 0, critical: true });
    const svid = await ca.issueX509Svid({ id: WEB, issuer: inter });
    expect(svid.certificates).toEqual([svid.leaf.raw, inter.der]);
    expect(svid.leaf.verify(inter.publicKey)).toBe(true);
  });

  describe('validity', () => {
    it('defaults: root 24 h, leaf 1 h, both from now (second precision)', async () => {
      const before = Math.floor(Date.now() / 1000) * 1000;
      const ca = await TestCa.create({ trustDomain: TD, intermediate: true });
      const svid = await ca.issueX509Svid({ id: WEB });
      const after = Date.now();
      for (const cert of [ca.root, ca.intermediates[0]!]) {
        expect(cert.notBefore.getTime()).toBeGreaterThanOrEqual(before);
        expect(cert.notBefore.getTime()).toBeLessThanOrEqual(after);
        expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeGreaterThan(86_400_000 - 2000);
        expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeLessThanOrEqual(86_400_000);
      }
      const nb = new Date(svid.leaf.validFrom).getTime();
      const na = new Date(svid.leaf.validTo).getTime();
      expect(nb).toBeGreaterThanOrEqual(before);
      expect(nb).toBeLessThanOrEqual(after);
      expect(na - nb).toBe(3_600_000);
      expect(svid.expiresAt.getTime()).toBe(na);
    });

    it('takes explicit windows and lifetimes', async () => {
      const notBefore = new Date('2031-02-03T04:05:06.789Z');
      const notAfter = new Date('2032-02-03T04:05:06Z');
      const ca = await TestCa.create({ trustDomain: TD, validity: { notBefore, notAfter } });
      expect(new Date(ca.rootCertificate.validFrom).toISOString()).toBe('2031-02-03T04:05:06.000Z');
      expect(new Date(ca.rootCertificate.validTo).toISOString()).toBe('2032-02-03T04:05:06.000Z');
      expect(ca.root.notBefore.toISOString()).toBe('2031-02-03T04:05:06.000Z');

      const svid = await ca.issueX509Svid({ id: WEB, notBefore: new Date('2031-06-01T00:00:00Z'), ttlMs: 90_000 });
      expect(new Date(svid.leaf.validFrom).toISOString()).toBe('2031-06-01T00:00:00.000Z');
      expect(new Date(svid.leaf.validTo).toISOString()).toBe('2031-06-01T00:01:30.000Z');

      const explicit = await ca.issueX509Svid({ id: WEB, notBefore: new Date('2020-01-01Z'), notAfter: new Date('2040-01-01Z') });
      expect(new Date(explicit.leaf.validTo).toISOString()).toBe('2040-01-01T00:00:00.000Z'); // not cut when explicit

      const short = await TestCa.create({ trustDomain: TD, validity: 60_000 });
      expect(short.root.notAfter.getTime() - short.root.notBefore.getTime()).toBeGreaterThanOrEqual(59_000);
      expect(short.root.notAfter.getTime() - short.root.notBefore.getTime()).toBeLessThanOrEqual(61_000);
      expect(await codeOf(() => TestCa.create({ trustDomain: TD, validity: -1 }))).toBe('ERR_TESTING_INVALID_OPTION');
    });

    it('cuts a TTL-derived leaf lifetime to the signer', async () => {
      const ca = await TestCa.create({ trustDomain: TD, validity: 120_000 });
      const svid = await ca.issueX509Svid({ id: WEB, ttlMs: 3_600_000 });
      expect(svid.expiresAt.getTime()).toBe(ca.root.notAfter.getTime());
    });

    it('gives intermediates the issuer lifetime by default and takes their own', async () => {
      const ca = await TestCa.create({ trustDomain: TD, intermediate: { validity: 600_000 } });
      const inter = ca.intermediates[0]!;
      expect(inter.notAfter.getTime()).toBeLessThan(ca.root.notAfter.getTime());
      const def = await ca.issueIntermediate({ issuer: ca.root });
      expect(def.notAfter.getTime()).toBe(ca.root.notAfter.getTime());
    });
  });

  it('rotate() gives a new root for the same trust domain that does not verify the old SVIDs', async () => {
    const ca = await TestCa.create({ trustDomain: TD, keyType: 'ec-p384', intermediate: true });
    const old = await ca.issueX509Svid({ id: WEB });
    const next = await ca.rotate();
    expect(next.trustDomain.name).toBe(TD);
    expect(next.keyType).toBe('ec-p384');
    expect(next.intermediates).toHaveLength(1);
    expect(next.rootDer.equals(ca.rootDer)).toBe(false);
    expect(next.rootCertificate.subject).not.toBe(ca.rootCertificate.subject);
    expect(next.jwt).toBe(ca.jwt);
    const fresh = await next.issueX509Svid({ id: WEB });
    expect(fresh.certificates[1]!.equals(old.certificates[1]!)).toBe(false);
    expect(old.certificates[1] && new X509Certificate(old.certificates[1]).verify(next.rootCertificate.publicKey)).toBe(false);
    // During an overlap the bundle holds both anchors, and both SVIDs are accepted.
    const overlap = bundleOf(ca, next);
    expect(await mtls(overlap, old, fresh)).toEqual({ serverAuthorized: true, clientAuthorized: true });
    const other = await ca.rotate({ keyType: 'rsa-2048', intermediate: false, jwt: { alg: 'RS256' } });
    expect(other.keyType).toBe('rsa-2048');
    expect(other.intermediates).toEqual([]);
    expect(other.jwt).not.toBe(ca.jwt);
    expect(other.jwt.keys[0]?.alg).toBe('RS256');
  });
});

// ---------------------------------------------------------------------------------------------

describe('mintCertificate (hostile shapes)', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await TestCa.create({ trustDomain: TD, intermediate: true });
  });

  it('adds nothing that was not asked for (except key identifiers)', async () => {
    const cert = await mintCertificate();
    const parsed = parse(cert.der);
    expect(parsed.extensions.map((e) => e.type)).toEqual(['2.5.29.14']);
    expect(cert.selfSigned).toBe(true);
    expect(cert.certificate.verify(cert.publicKey)).toBe(true);
    expect(cert.certificate.subject).toBe('CN=spiffe-kit test');
    expect(cert.keyType).toBe('ec-p256');
    const bare = await mintCertificate({ subjectKeyIdentifier: false, issuer: ca.signer, authorityKeyIdentifier: false });
    expect(parse(bare.der).extensions).toEqual([]);
  });

  it('two URI SANs, invalid URI strings, no URI SAN', async () => {
    const two = await mintCertificate({ issuer: ca.signer, uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] });
    expect(uris(two.der)).toEqual(['spiffe://example.org/a', 'spiffe://example.org/b']);
    const weird = await mintCertificate({ issuer: ca.signer, uris: ['spiffe://Example.org/a', 'not a uri', 'spiffe://example.org/a/../b', ''] });
    expect(uris(weird.der)).toEqual(['spiffe://Example.org/a', 'not a uri', 'spiffe://example.org/a/../b', '']);
    const none = await mintCertificate({ issuer: ca.signer, dnsNames: ['only.dns'], emails: ['a@b.c'], subjectAltNameCritical: true });
    expect(uris(none.der)).toEqual([]);
    expect(sanNames(none.der)).toEqual([
      { type: 'dns', value: 'only.dns' },
      { type: 'email', value: 'a@b.c' },
    ]);
    expect(parse(none.der).getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(true);
  });

  it('CA leaf, pathLen on a leaf, non-critical basicConstraints, absent basicConstraints', async () => {
    const caLeaf = await mintCertificate({ issuer: ca.signer, uris: [WEB], basicConstraints: { ca: true } });
    expect(caLeaf.certificate.ca).toBe(true);
    const odd = await mintCertificate({ issuer: ca.signer, basicConstraints: { ca: false, pathLen: 3, critical: false } });
    expect(basicConstraints(odd.der)).toMatchObject({ ca: false, pathLength: 3, critical: false });
    const absent = await mintCertificate({ issuer: ca.signer, uris: [WEB] });
    expect(basicConstraints(absent.der)).toBeNull();
  });

  it('keyUsage: keyCertSign / cRLSign on a leaf, non-critical, empty, every bit, absent', async () => {
    const kcs = await mintCertificate({ issuer: ca.signer, keyUsage: ['digitalSignature', 'keyCertSign'] });
    expect(keyUsage(kcs.der)).toMatchObject({ usages: KU.digitalSignature | KU.keyCertSign, critical: true });
    const crl = await mintCertificate({ issuer: ca.signer, keyUsage: { usages: ['cRLSign'], critical: false } });
    expect(keyUsage(crl.der)).toMatchObject({ usages: KU.cRLSign, critical: false });
    const empty = await mintCertificate({ issuer: ca.signer, keyUsage: [] });
    expect(Buffer.from(keyUsage(empty.der)!.value)).toEqual(Buffer.from([0x03, 0x01, 0x00])); // an empty BIT STRING
    const all = await mintCertificate({
      issuer: ca.signer,
      keyUsage: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'],
    });
    expect(keyUsage(all.der)?.usages).toBe(511);
    expect(keyUsage((await mintCertificate({ issuer: ca.signer })).der)).toBeNull();
    expect(await codeOf(() => mintCertificate({ keyUsage: ['bogus' as 'cRLSign'] }))).toBe('ERR_TESTING_INVALID_OPTION');
  });

  it('extKeyUsage by name and OID, critical or not', async () => {
    const cert = await mintCertificate({ issuer: ca.signer, extKeyUsage: { usages: ['codeSigning', '1.2.3.4'], critical: true } });
    expect(cert.certificate.keyUsage).toEqual([EXT_KEY_USAGE.codeSigning, '1.2.3.4']);
    expect(parse(cert.der).getExtension(x509.ExtendedKeyUsageExtension)?.critical).toBe(true);
    const serverOnly = await mintCertificate({ issuer: ca.signer, extKeyUsage: ['serverAuth'] });
    expect(serverOnly.certificate.keyUsage).toEqual([EXT_KEY_USAGE.serverAuth]);
  });

  it('arbitrary and duplicate extensions, including unknown critical ones', async () => {
    const cert = await mintCertificate({
      issuer: ca.signer,
      uris: [WEB],
      extensions: [
        { oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(0x05, 0x00) },
        // a second subjectAltName extension: SEQUENCE { [6] "spiffe://example.org/x" }
        { oid: '2.5.29.17', value: Buffer.concat([Buffer.from([0x30, 24, 0x86, 22]), Buffer.from('spiffe://example.org/x')]) },
      ],
    });
    const exts = parse(cert.der).extensions;
    const unknown = exts.find((e) => e.type === '1.3.6.1.4.1.99999.1');
    expect(unknown?.critical).toBe(true);
    expect(Buffer.from(unknown!.value)).toEqual(Buffer.from([0x05, 0x00]));
    expect(exts.filter((e) => e.type === '2.5.29.17')).toHaveLength(2);
  });

  it('expired and not-yet-valid intermediates; a leaf outliving its issuer', async () => {
    const day = 86_400_000;
    const expired = await mintCertificate({
      issuer: ca.root,
      key: 'ec-p256',
      notBefore: new Date(Date.now() - 2 * day),
      notAfter: new Date(Date.now() - day),
      basicConstraints: { ca: true },
      keyUsage: ['keyCertSign'],
    });
    expect(new Date(expired.certificate.validTo).getTime()).toBeLessThan(Date.now());
    const leaf = await mintCertificate({ issuer: expired, uris: [WEB], notAfter: new Date(Date.now() + 10 * day) });
    expect(leaf.chain).toEqual([leaf.der, expired.der]);
    expect(leaf.certificate.verify(expired.publicKey)).toBe(true);
    const future = await mintCertificate({ issuer: ca.root, notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 2 * day) });
    expect(new Date(future.certificate.validFrom).getTime()).toBeGreaterThan(Date.now());
  });

  it('pathLen violations are real: OpenSSL rejects a chain that breaks pathLen 0', async () => {
    const root = await TestCa.create({ trustDomain: TD, intermediate: { pathLen: 0 } });
    const below = await root.issueIntermediate(); // a CA under a pathLen-0 CA
    const svid = await root.issueX509Svid({ id: WEB, issuer: below });
    expect(svid.certificates).toHaveLength(3);
    const good = await root.issueX509Svid({ id: WEB });
    const result = await mtls(root, good, svid);
    expect(result.serverAuthorized).toBe(true);
    expect(result.clientAuthorized).toBe(false);
  });

  it('tampered signatures do not verify; the signature hash is selectable', async () => {
    const bad = await mintCertificate({ issuer: ca.signer, uris: [WEB], tamperSignature: true });
    expect(bad.certificate.verify(ca.signer.publicKey)).toBe(false);
    const sha384 = await mintCertificate({ issuer: ca.signer, signatureHash: 'SHA-384' });
    expect(parse(sha384.der).signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-384' } });
    expect(sha384.certificate.verify(ca.signer.publicKey)).toBe(true);
    const p384 = await mintCertificate({ key: 'ec-p384' });
    expect(parse(p384.der).signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-384' } });
    const rsa = await generateTestKey('rsa-2048');
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const cert = await mintCertificate({ key: rsa, signatureHash: hash });
      expect(parse(cert.der).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: hash } });
      expect(cert.certificate.verify(rsa.publicKey)).toBe(true);
    }
    const ed = await mintCertificate({ key: 'ed25519', signatureHash: 'SHA-512' });
    expect(parse(ed.der).signatureAlgorithm).toMatchObject({ name: 'Ed25519' });
    expect(ed.certificate.verify(ed.publicKey)).toBe(true);
  });

  it('subject, issuer name, serial number', async () => {
    const cert = await mintCertificate({ issuer: ca.signer, subject: 'CN=web, O=Example, C=US', serialNumber: 0x0123456789abcdefn });
    expect(cert.certificate.subject).toBe('CN=web\nO=Example\nC=US');
    expect(cert.certificate.issuer).toBe(ca.signer.certificate.subject);
    expect(cert.serialNumber).toBe('0123456789ABCDEF');
    expect((await mintCertificate({ serialNumber: 'ff' })).serialNumber).toBe('FF'); // DER 00 FF, positive
    const renamed = await mintCertificate({ issuer: ca.signer, issuerName: 'CN=someone else' });
    expect(renamed.certificate.issuer).toBe('CN=someone else');
    expect(renamed.certificate.checkIssued(ca.signer.certificate)).toBe(false);
    expect(renamed.certificate.verify(ca.signer.publicKey)).toBe(true);
    // An empty subject is encoded as the empty RDNSequence (SEQUENCE, length 0): no attributes.
    // (node:crypto's X509Certificate.subject shows it as undefined on Node 20 and '' from 22 on.)
    const empty = await mintCertificate({ subject: '' });
    const emptyName = parse(empty.der);
    expect(emptyName.subject).toBe('');
    expect(Buffer.from(emptyName.subjectName.toArrayBuffer())).toEqual(Buffer.from([0x30, 0x00]));
    expect(empty.certificate.subject ?? '').toBe('');
    expect(await codeOf(() => mintCertificate({ serialNumber: 'xyz' }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => mintCertificate({ serialNumber: 0n }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => mintCertificate({ extensions: [{ oid: 'not an oid', value: Uint8Array.of(5, 0) }] }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => mintCertificate({ notAfter: new Date(Number.NaN) }))).toBe('ERR_TESTING_INVALID_OPTION');
  });

  it('given keys: a pair, a private key, a public key only; issuers as plain objects', async () => {
    const pair = await generateTestKey('ed25519');
    const a = await mintCertificate({ key: pair });
    expect(spki(a.publicKey)).toEqual(spki(pair.publicKey));
    const b = await mintCertificate({ key: pair.privateKey });
    expect(b.certificate.checkPrivateKey(pair.privateKey)).toBe(true);
    const pubOnly = await mintCertificate({ issuer: ca.signer, key: pair.publicKey });
    expect(pubOnly.hasPrivateKey).toBe(false);
    expect(await codeOf(() => pubOnly.privateKey)).toBe('ERR_TESTING_NO_PRIVATE_KEY');
    expect(await codeOf(() => mintCertificate({ key: pair.publicKey }))).toBe('ERR_TESTING_NO_PRIVATE_KEY');
    // Plain issuer object (DER + key): self-signed-ness is worked out.
    const leafOfRoot = await mintCertificate({ issuer: { certificate: ca.rootDer, privateKey: ca.root.privateKey } });
    expect(leafOfRoot.chain).toEqual([leafOfRoot.der]);
    const leafOfInter = await mintCertificate({ issuer: { certificate: ca.signer.certificate, privateKey: ca.signer.privateKey } });
    expect(leafOfInter.chain).toEqual([leafOfInter.der, ca.signer.der]);
    // An issuer key that does not match the issuer certificate gives a signature that fails.
    const other = await generateTestKey();
    const forged = await mintCertificate({ issuer: { certificate: ca.signer.der, privateKey: other.privateKey } });
    expect(forged.certificate.checkIssued(ca.signer.certificate)).toBe(true);
    expect(forged.certificate.verify(ca.signer.publicKey)).toBe(false);
    const p521 = await import('node:crypto').then((c) => c.generateKeyPairSync('ec', { namedCurve: 'P-521' }));
    const big = await mintCertificate({ key: p521.privateKey });
    expect(big.keyType).toBeUndefined();
    expect(big.certificate.verify(p521.publicKey)).toBe(true);
    const dsa = await import('node:crypto').then((c) => c.generateKeyPairSync('x25519'));
    expect(await codeOf(() => mintCertificate({ key: dsa.privateKey }))).toBe('ERR_TESTING_UNSUPPORTED_KEY');
  });
});

// ---------------------------------------------------------------------------------------------

describe('TestJwtIssuer', () => {
  const algs: JwtAlgorithm[] = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

  it.each(algs)('signs %s JWT-SVIDs that verify against jwks()', async (alg) => {
    const issuer = await TestJwtIssuer.create({ trustDomain: TD, key: { alg, kid: `k-${alg}` } });
    const token = await issuer.signJwtSvid({ subject: WEB, audience: 'api', ttlSeconds: 120 });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), { audience: 'api', algorithms: [alg] });
    expect(protectedHeader).toEqual({ alg, kid: `k-${alg}`, typ: 'JWT' });
    expect(payload.sub).toBe(WEB);
    expect(payload.aud).toBe('api');
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(payload.nbf).toBeUndefined();
  });

  it('defaults: ES256, random kid, 5 minute TTL, array audiences stay arrays', async () => {
    const ca = await TestCa.create({ trustDomain: TD });
    const [key] = ca.jwt.keys;
    expect(key?.alg).toBe('ES256');
    expect(key?.kid).toMatch(/^[0-9a-f]{32}$/);
    expect(key?.active).toBe(true);
    const token = await ca.signJwtSvid({ subject: SpiffeId.parse(WEB), audience: ['a', 'b'] });
    const { payload } = await jwtVerify(token, createLocalJWKSet(ca.jwks()), { audience: 'b' });
    expect(payload.aud).toEqual(['a', 'b']);
    expect(payload.exp! - payload.iat!).toBe(300);
    const jwks = ca.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key?.kid });
    expect(jwks.keys[0]).not.toHaveProperty('use');
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(ca.jwks({ use: true, alg: true }).keys[0]).toMatchObject({ use: 'jwt-svid', alg: 'ES256' });
  });

  it('explicit times, fixed clock, nbf', async () => {
    const issuer = await TestJwtIssuer.create({ trustDomain: TD });
    const now = new Date('2030-01-01T00:00:00Z');
    const token = await issuer.signJwtSvid({ subject: WEB, audience: 'x', now, nbf: 1_893_456_000 - 10, ttlSeconds: 60 });
    expect(decodeJwt(token)).toMatchObject({ iat: 1_893_456_000, exp: 1_893_456_060, nbf: 1_893_455_990 });
    const noTimes = await issuer.signJwtSvid({ subject: WEB, audience: 'x', exp: null, iat: null });
    expect(decodeJwt(noTimes)).toEqual({ sub: WEB, aud: 'x' });
    const expired = await issuer.signJwtSvid({ subject: WEB, audience: 'x', exp: Math.floor(Date.now() / 1000) - 120 });
    await expect(jwtVerify(expired, createLocalJWKSet(issuer.jwks()))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('rotation: addJwtKey / removeJwtKey / setActiveJwtKey', async () => {
    const issuer = await TestJwtIssuer.create({ trustDomain: TD, key: { kid: 'old' } });
    const oldToken = await issuer.signJwtSvid({ subject: WEB, audience: 'api' });
    const kid = await issuer.addJwtKey({ alg: 'RS256', kid: 'new' });
    expect(kid).toBe('new');
    expect(issuer.activeKid).toBe('new');
    expect(issuer.jwks().keys.map((k) => k.kid)).toEqual(['old', 'new']);
    const newToken = await issuer.signJwtSvid({ subject: WEB, audience: 'api' });
    expect(decodeProtectedHeader(newToken)).toMatchObject({ kid: 'new', alg: 'RS256' });
    // Both verify during the overlap.
    await jwtVerify(oldToken, createLocalJWKSet(issuer.jwks()));
    await jwtVerify(newToken, createLocalJWKSet(issuer.jwks()));
    // Sign with a chosen key or algorithm.
    expect(decodeProtectedHeader(await issuer.signJwtSvid({ subject: WEB, audience: 'api', kid: 'old' })).kid).toBe('old');
    expect(decodeProtectedHeader(await issuer.signJwtSvid({ subject: WEB, audience: 'api', alg: 'ES256' })).kid).toBe('old');
    const pss = await issuer.signJwtSvid({ subject: WEB, audience: 'api', alg: 'PS256' });
    expect(decodeProtectedHeader(pss)).toMatchObject({ kid: 'new', alg: 'PS256' });
    await jwtVerify(pss, createLocalJWKSet(issuer.jwks()));
    // Retire the old key: its tokens stop verifying.
    expect(issuer.removeJwtKey('old')).toBe(true);
    expect(issuer.removeJwtKey('old')).toBe(false);
    await expect(jwtVerify(oldToken, createLocalJWKSet(issuer.jwks()))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    // A key added without activation does not sign by default.
    await issuer.addJwtKey({ kid: 'standby', activate: false });
    expect(issuer.activeKid).toBe('new');
    issuer.setActiveJwtKey('standby');
    expect(issuer.activeKid).toBe('standby');
    // Removing the active key falls back to the newest remaining one.
    issuer.removeJwtKey('standby');
    expect(issuer.activeKid).toBe('new');
    issuer.removeJwtKey('new');
    expect(issuer.activeKid).toBeUndefined();
    expect(issuer.jwks()).toEqual({ keys: [] });
    expect(await codeOf(() => issuer.signJwtSvid({ subject: WEB, audience: 'a' }))).toBe('ERR_TESTING_NO_JWT_KEY');
  });

  it('rejects misuse with stable codes', async () => {
    const issuer = await TestJwtIssuer.create({ trustDomain: TD, key: { kid: 'k' } });
    expect(await codeOf(() => issuer.signJwtSvid({ subject: WEB, audience: 'a', kid: 'nope' }))).toBe('ERR_TESTING_UNKNOWN_KID');
    expect(await codeOf(() => issuer.signJwtSvid({ subject: WEB, audience: 'a', kid: 'k', alg: 'RS256' }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => issuer.signJwtSvid({ subject: WEB, audience: 'a', alg: 'RS256' }))).toBe('ERR_TESTING_NO_JWT_KEY');
    expect(await codeOf(() => issuer.addJwtKey({ kid: 'k' }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => issuer.addJwtKey({ alg: 'HS256' as JwtAlgorithm }))).toBe('ERR_TESTING_INVALID_OPTION');
    const ec = await generateTestKey('ec-p256');
    expect(await codeOf(() => issuer.addJwtKey({ alg: 'RS256', privateKey: ec.privateKey }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => issuer.addJwtKey({ alg: 'ES256', privateKey: ec.publicKey }))).toBe('ERR_TESTING_INVALID_OPTION');
    expect(await codeOf(() => issuer.setActiveJwtKey('nope'))).toBe('ERR_TESTING_UNKNOWN_KID');
    expect(await issuer.addJwtKey({ alg: 'ES256', privateKey: ec.privateKey, kid: 'given' })).toBe('given');
    const empty = await TestJwtIssuer.create({ trustDomain: TD, key: false });
    expect(empty.keys).toEqual([]);
  });

  it('hostile tokens: bad or empty signature, foreign alg header, crit, missing kid, odd claims', async () => {
    const issuer = await TestJwtIssuer.create({ trustDomain: TD, key: { kid: 'k' } });
    const set = createLocalJWKSet(issuer.jwks());
    const base = { subject: WEB, audience: 'api' } as const;

    const invalid = await issuer.signJwtSvid({ ...base, signature: 'invalid' });
    await expect(jwtVerify(invalid, set)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    const empty = await issuer.signJwtSvid({ ...base, signature: 'empty', extraHeader: { alg: 'none' } });
    expect(empty.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(empty).alg).toBe('none');

    const hs = await issuer.signJwtSvid({ ...base, extraHeader: { alg: 'HS256' } });
    expect(decodeProtectedHeader(hs).alg).toBe('HS256');
    expect(hs.split('.')[2]!.length).toBeGreaterThan(0);

    // A header that jose refuses to sign is still produced, with a valid ES256 signature.
    const crit = await issuer.signJwtSvid({ ...base, extraHeader: { crit: ['exp'], jku: 'https://evil.example/' } });
    expect(decodeProtectedHeader(crit)).toMatchObject({ alg: 'ES256', crit: ['exp'], jku: 'https://evil.example/' });
    const [h, p, s] = crit.split('.') as [string, string, string];
    const { verify } = await import('node:crypto');
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: issuer.keys[0]!.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(true);

    const noKid = await issuer.signJwtSvid({ ...base, extraHeader: { kid: undefined, typ: 'JOSE' } });
    expect(decodeProtectedHeader(noKid)).toEqual({ alg: 'ES256', typ: 'JOSE' });

    const claims = await issuer.signJwtSvid({
      subject: 'not-a-spiffe-id',
      audience: [],
      extraClaims: { iat: undefined, iss: 'someone', custom: { a: 1 } },
    });
    const decoded = decodeJwt(claims);
    expect(decoded.sub).toBe('not-a-spiffe-id');
    expect(decoded.aud).toEqual([]);
    expect(decoded).not.toHaveProperty('iat');
    expect(decoded).toMatchObject({ iss: 'someone', custom: { a: 1 } });
    const noSub = await issuer.signJwtSvid({ ...base, extraClaims: { sub: undefined } });
    expect(decodeJwt(noSub)).not.toHaveProperty('sub');
    await jwtVerify(noSub, set); // still a valid signature
  });
});

// ---------------------------------------------------------------------------------------------

describe('no key material in inspect / JSON', () => {
  it('TestCa, MintedCertificate, IssuedX509Svid, TestJwtIssuer', async () => {
    const ca = await TestCa.create({ trustDomain: TD, intermediate: true, keyType: 'rsa-2048', jwt: { alg: 'RS256' } });
    await ca.jwt.addJwtKey({ alg: 'ES256' });
    const svid = await ca.issueX509Svid({ id: WEB, hint: 'h' });
    const minted = await mintCertificate({ issuer: ca.signer, uris: [WEB] });

    const secrets: string[] = [];
    for (const key of [ca.root.privateKey, ca.signer.privateKey, svid.privateKey, minted.privateKey]) {
      const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
      secrets.push(pkcs8.toString('base64').slice(40, 80), pkcs8.toString('hex').slice(80, 160));
      const jwk = key.export({ format: 'jwk' });
      secrets.push(String(jwk.d));
    }
    const issuerKeys = ca.jwt.keys;
    expect(issuerKeys).toHaveLength(2);
    for (const k of issuerKeys) expect(k.publicKey.type).toBe('public');
    const texts = [
      inspect(ca, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(ca, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
      inspect(ca, { depth: Number.POSITIVE_INFINITY, showHidden: true, customInspect: false }),
      inspect(svid, { depth: Number.POSITIVE_INFINITY, getters: true }),
      inspect(svid, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(svid, { depth: Number.POSITIVE_INFINITY, customInspect: false }),
      inspect(minted, { depth: Number.POSITIVE_INFINITY, customInspect: false }),
      inspect(ca.jwt, { depth: Number.POSITIVE_INFINITY, customInspect: false, showHidden: true }),
      inspect(issuerKeys, { depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(ca),
      JSON.stringify(svid),
      JSON.stringify(minted),
      JSON.stringify(ca.jwt),
      JSON.stringify(ca.jwks({ alg: true, use: true })),
      JSON.stringify({ ...svid }),
      JSON.stringify({ ...ca }),
      String(svid),
      `${ca}`,
    ];
    for (const text of texts) {
      expect(text).not.toMatch(/PRIVATE KEY/);
      expect(text).not.toMatch(/"d":/);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    // RSA JWKs carry no private members at all.
    for (const jwk of ca.jwks().keys) for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(m);
    expect(JSON.parse(JSON.stringify(svid))).toEqual({ id: WEB, hint: 'h', expiresAt: svid.expiresAt.toISOString(), certificates: 2 });
    expect(inspect(ca)).toContain('TestCa');
    expect(inspect(svid)).toContain(WEB);
  });

  it('TestingError is a SpiffeError', () => {
    const err = new TestingError('ERR_TESTING_UNKNOWN_KID', 'x');
    expect(err).toBeInstanceOf(SpiffeError);
    expect(err.name).toBe('TestingError');
  });
});

// ---------------------------------------------------------------------------------------------
// A real mTLS handshake through OpenSSL: the client trusts `trust`'s bundle and presents
// `clientSvid`; the server presents `serverSvid`. Reports what each side's verification said.

interface Anchors {
  bundleDer(): Buffer;
}

function bundleOf(...cas: TestCa[]): Anchors {
  return { bundleDer: () => Buffer.concat(cas.map((c) => c.bundleDer())) };
}

function bundlePem(anchors: Anchors): string[] {
  const pems: string[] = [];
  let rest = anchors.bundleDer();
  while (rest.length > 0) {
    const cert = new X509Certificate(rest);
    pems.push(cert.toString());
    rest = rest.subarray(cert.raw.length);
  }
  return pems;
}

async function mtls(
  trust: Anchors,
  serverSvid: IssuedX509Svid,
  clientSvid: IssuedX509Svid,
): Promise<{ serverAuthorized: boolean; clientAuthorized: boolean }> {
  const ca = bundlePem(trust);
  let clientAuthorized = false;
  const server = tls.createServer(
    { cert: serverSvid.certChainPem, key: serverSvid.privateKeyPem, ca, requestCert: true, rejectUnauthorized: false },
    (socket) => {
      clientAuthorized = socket.authorized;
      socket.end('ok');
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      cert: clientSvid.certChainPem,
      key: clientSvid.privateKeyPem,
      ca,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    await once(socket, 'secureConnect');
    const serverAuthorized = socket.authorized;
    socket.resume();
    await once(socket, 'end');
    socket.destroy();
    return { serverAuthorized, clientAuthorized };
  } finally {
    server.close();
  }
}
