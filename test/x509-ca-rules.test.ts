// The rules every CA of a peer's path must pass (security issue 17): RFC 5280 name chaining (a
// parent's subject is the child's issuer, byte for byte; AKID/SKID only orders candidates), name
// constraints of intermediates and trust anchors (Go's crypto/x509 rules), and the crypto floor
// (RSA keys of at least MIN_RSA_MODULUS_BITS, RSASSA-PSS only with SHA-256/384/512, MGF1 with the
// same hash and salt = hash length). Every certificate here is real and signed.
import { constants, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { X509Bundle } from '../src/bundle/x509-bundle.js';
import { TrustDomain } from '../src/spiffeid/trust-domain.js';
import { parseCertificate } from '../src/internal/der.js';
import type { X509BundleSource } from '../src/bundle/x509-bundle.js';
import { MIN_RSA_MODULUS_BITS } from '../src/svid/key-strength.js';
import { X509SvidError, type X509SvidErrorCode } from '../src/svid/x509-errors.js';
import { verifyX509Svid } from '../src/svid/x509-verify.js';
import { type CertificateSpec, type MintedCertificate, mintCertificate } from '../src/testing/mint.js';

const HOUR = 3_600_000;
const now = Date.now();

function caSpec(subject: string, issuer?: MintedCertificate, extra: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    subject,
    ...(issuer === undefined ? {} : { issuer }),
    basicConstraints: { ca: true, critical: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'], critical: true },
    notBefore: new Date(now - 24 * HOUR),
    notAfter: new Date(now + 24 * HOUR),
    ...extra,
  };
}

function leafSpec(issuer: MintedCertificate, extra: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    subject: 'CN=web',
    issuer,
    uris: ['spiffe://example.org/web'],
    basicConstraints: { ca: false, critical: true },
    keyUsage: { usages: ['digitalSignature'], critical: true },
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + HOUR),
    ...extra,
  };
}

function trusting(...roots: readonly Buffer[]): X509BundleSource {
  return {
    getX509BundleForTrustDomain: (td) => (td.name === 'example.org' || td.name === 'sub.example.org' ? new X509Bundle(td, [...roots]) : undefined),
  };
}

function codeOf(chain: readonly Buffer[], bundles: X509BundleSource): X509SvidErrorCode | 'OK' {
  try {
    verifyX509Svid(chain, bundles);
    return 'OK';
  } catch (err) {
    if (!(err instanceof X509SvidError)) throw err;
    return err.code;
  }
}

// --- a little DER, for extension values and re-signed certificates ---------------------------

function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.of(n) : n < 0x100 ? Buffer.of(0x81, n) : Buffer.of(0x82, n >> 8, n & 0xff);
  return Buffer.concat([Buffer.of(tag), len, body]);
}
const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
const ascii = (s: string) => Buffer.from(s, 'latin1');

/** The top-level elements of the SEQUENCE `der`. */
function children(der: Buffer): Buffer[] {
  const lenOctets = (der[1] as number) & 0x80 ? ((der[1] as number) & 0x7f) + 1 : 1;
  let p = 1 + lenOctets;
  const out: Buffer[] = [];
  while (p < der.length) {
    const l = der[p + 1] as number;
    const hdr = l & 0x80 ? 2 + (l & 0x7f) : 2;
    let len = l;
    if (l & 0x80) {
      len = 0;
      for (let i = 0; i < (l & 0x7f); i++) len = len * 256 + (der[p + 2 + i] as number);
    }
    out.push(der.subarray(p, p + hdr + len));
    p += hdr + len;
  }
  return out;
}

type Kind = 'uri' | 'dns' | 'email' | 'dir';
const KIND_TAG: Record<Kind, number> = { uri: 0x86, dns: 0x82, email: 0x81, dir: 0xa4 };

function subtrees(tag: number, items: readonly [Kind, string][]): Buffer {
  return tlv(tag, ...items.map(([kind, v]) => seq(kind === 'dir' ? tlv(0xa4, seq()) : tlv(KIND_TAG[kind], ascii(v)))));
}

/** A nameConstraints extension value. */
function nameConstraints(permitted: readonly [Kind, string][], excluded: readonly [Kind, string][] = []): Buffer {
  return seq(...(permitted.length > 0 ? [subtrees(0xa0, permitted)] : []), ...(excluded.length > 0 ? [subtrees(0xa1, excluded)] : []));
}

function ncExtension(value: Uint8Array, critical: boolean): CertificateSpec['extensions'] {
  return [{ oid: '2.5.29.30', critical, value }];
}

let root: MintedCertificate;
let bundles: X509BundleSource;

beforeAll(async () => {
  root = await mintCertificate(caSpec('CN=rules root'));
  bundles = trusting(root.der);
});

describe('name chaining: a parent is found by subject = child issuer, never by key identifier alone', () => {
  it('refuses an intermediate whose subject differs from the leaf issuer even though AKID = SKID and the signature verifies', async () => {
    const inter = await mintCertificate(caSpec('CN=real name', root));
    const leaf = await mintCertificate(leafSpec(inter, { issuerName: 'CN=another name' }));
    expect(codeOf([leaf.der, inter.der], bundles)).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
  });

  it('refuses a trust anchor whose subject differs from the issuer name of the certificate it signed', async () => {
    const leaf = await mintCertificate(leafSpec(root, { issuerName: 'CN=not the root' }));
    expect(codeOf([leaf.der], bundles)).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
  });

  it('accepts a parent with the right name whose SKID differs from the AKID (key identifiers only order candidates)', async () => {
    const inter = await mintCertificate(caSpec('CN=named', root));
    const akid = seq(tlv(0x80, Buffer.from('deadbeef', 'hex')));
    const leaf = await mintCertificate(leafSpec(inter, { authorityKeyIdentifier: false, extensions: [{ oid: '2.5.29.35', value: akid }] }));
    expect(codeOf([leaf.der, inter.der], bundles)).toBe('OK');
  });
});

describe('name constraints (RFC 5280 §4.2.1.10, as Go crypto/x509 applies them)', () => {
  async function viaIntermediate(value: Buffer, critical: boolean, leafExtra: Partial<CertificateSpec> = {}): Promise<X509SvidErrorCode | 'OK'> {
    const inter = await mintCertificate(caSpec('CN=constrained', root, { extensions: ncExtension(value, critical) }));
    const leaf = await mintCertificate(leafSpec(inter, leafExtra));
    return codeOf([leaf.der, inter.der], bundles);
  }

  it.each([true, false])('an intermediate permitting the right trust domain is accepted (critical: %s)', async (critical) => {
    expect(await viaIntermediate(nameConstraints([['uri', 'example.org']]), critical)).toBe('OK');
  });

  it.each([true, false])('an intermediate excluding the trust domain is refused (critical: %s)', async (critical) => {
    expect(await viaIntermediate(nameConstraints([], [['uri', 'example.org']]), critical)).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
  });

  it.each([true, false])('an intermediate permitting only another trust domain is refused (critical: %s)', async (critical) => {
    expect(await viaIntermediate(nameConstraints([['uri', 'other.org']]), critical)).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
  });

  it('the error says which name and which constraint', async () => {
    const inter = await mintCertificate(caSpec('CN=constrained', root, { extensions: ncExtension(nameConstraints([['uri', 'other.org']]), false) }));
    const leaf = await mintCertificate(leafSpec(inter));
    try {
      verifyX509Svid([leaf.der, inter.der], bundles);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(X509SvidError);
      expect((err as X509SvidError).message).toMatch(/URI SAN "spiffe:\/\/example.org\/web" is not permitted .*"other.org"/);
      expect((err as X509SvidError).certificateIndex).toBe(1);
    }
  });

  it('host matching: subdomains match a plain constraint, a leading dot requires a subdomain, case is ignored', async () => {
    expect(await viaIntermediate(nameConstraints([['uri', 'EXAMPLE.org']]), true)).toBe('OK');
    expect(await viaIntermediate(nameConstraints([['uri', '.example.org']]), true)).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
    expect(await viaIntermediate(nameConstraints([['uri', '.example.org']]), true, { uris: ['spiffe://sub.example.org/web'] })).toBe('OK');
    expect(await viaIntermediate(nameConstraints([['uri', 'example.org']]), true, { uris: ['spiffe://sub.example.org/web'] })).toBe('OK');
    // Label-wise, not a string suffix.
    expect(await viaIntermediate(nameConstraints([['uri', 'ample.org']]), true)).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
  });

  it('DNS SANs of the leaf are checked against DNS constraints; URI constraints leave them alone', async () => {
    expect(await viaIntermediate(nameConstraints([['dns', 'example.net']]), true, { dnsNames: ['web.example.com'] })).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
    expect(await viaIntermediate(nameConstraints([['dns', 'example.com']]), true, { dnsNames: ['web.example.com'] })).toBe('OK');
    expect(await viaIntermediate(nameConstraints([['uri', 'example.org']]), true, { dnsNames: ['web.example.com'] })).toBe('OK');
    expect(await viaIntermediate(nameConstraints([], [['dns', 'example.com']]), false, { dnsNames: ['web.example.com'] })).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
  });

  it('email constraints with an email SAN below fail closed (spiffe-kit does not compare them)', async () => {
    expect(await viaIntermediate(nameConstraints([['email', 'example.org']]), false, { emails: ['a@example.org'] })).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
  });

  it('a critical constraint of a kind spiffe-kit does not apply (directoryName) is an unhandled critical extension; non-critical, it is ignored', async () => {
    expect(await viaIntermediate(nameConstraints([['dir', '']]), true)).toBe('ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION');
    expect(await viaIntermediate(nameConstraints([['dir', '']]), false)).toBe('OK');
  });

  it("a trust anchor's constraints are enforced, critical or not", async () => {
    for (const critical of [true, false]) {
      const other = await mintCertificate(caSpec('CN=constrained root', undefined, { extensions: ncExtension(nameConstraints([['uri', 'other.org']]), critical) }));
      const leaf = await mintCertificate(leafSpec(other));
      expect(codeOf([leaf.der], trusting(other.der))).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
      const right = await mintCertificate(caSpec('CN=constrained root 2', undefined, { extensions: ncExtension(nameConstraints([['uri', 'example.org']]), critical) }));
      expect(codeOf([(await mintCertificate(leafSpec(right))).der], trusting(right.der))).toBe('OK');
    }
  });

  it("an anchor's constraints also apply to the intermediates' URI SANs and through a longer path", async () => {
    const constrained = await mintCertificate(caSpec('CN=td root', undefined, { extensions: ncExtension(nameConstraints([['uri', 'example.org']]), true) }));
    const inter = await mintCertificate(caSpec('CN=td inter', constrained, { uris: ['spiffe://other.org'] }));
    const leaf = await mintCertificate(leafSpec(inter));
    expect(codeOf([leaf.der, inter.der], trusting(constrained.der))).toBe('ERR_X509SVID_NAME_CONSTRAINTS');
    const fine = await mintCertificate(caSpec('CN=td inter', constrained, { uris: ['spiffe://example.org'] }));
    expect(codeOf([(await mintCertificate(leafSpec(fine))).der, fine.der], trusting(constrained.der))).toBe('OK');
  });

  const malformed: [string, Buffer][] = [
    ['an empty NameConstraints', seq()],
    ['empty permitted subtrees and nothing else', seq(tlv(0xa0))],
    ['trailing data', Buffer.concat([nameConstraints([['uri', 'example.org']]), Buffer.of(0)])],
    ['a URI constraint that is an IP address', nameConstraints([['uri', '10.0.0.1']])],
    ['a dNSName constraint with an empty label', nameConstraints([['dns', 'a..example.org']])],
    ['a URI constraint with a non-IA5 byte', seq(tlv(0xa0, seq(tlv(0x86, Buffer.from([0x65, 0xe9])))))],
    ['an iPAddress constraint of 5 octets', seq(tlv(0xa0, seq(tlv(0x87, Buffer.of(10, 0, 0, 0, 255)))))],
    ['an iPAddress constraint with a non-contiguous mask', seq(tlv(0xa0, seq(tlv(0x87, Buffer.of(10, 0, 0, 0, 255, 0, 255, 0)))))],
    ['a non-minimal length', ((sub: Buffer) => Buffer.concat([Buffer.of(0x30, 0x81, sub.length), sub]))(subtrees(0xa0, [['uri', 'example.org']]))],
    ['an indefinite length', Buffer.concat([Buffer.of(0x30, 0x80), subtrees(0xa0, [['uri', 'example.org']]), Buffer.of(0, 0)])],
    ['a subtree with an unexpected element after the base', seq(tlv(0xa0, seq(tlv(0x86, ascii('example.org')), tlv(0x04))))],
  ];

  it.each(malformed)('refuses %s (intermediate: malformed; anchor: refused by the bundle)', async (_name, value) => {
    expect(await viaIntermediate(value, false)).toBe('ERR_X509SVID_MALFORMED_CERTIFICATE');
    const inter = await mintCertificate(caSpec('CN=bad nc', root, { extensions: ncExtension(value, false) }));
    expect(() => parseCertificate(inter.der)).toThrow(/nameConstraints/);
    const badRoot = await mintCertificate(caSpec('CN=bad nc root', undefined, { extensions: ncExtension(value, false) }));
    // A bundle never holds an authority the DER reader refuses (bundle/authority.ts).
    expect(() => new X509Bundle(TrustDomain.parse('example.org'), [badRoot.der])).toThrow(
      expect.objectContaining({ code: 'ERR_BUNDLE_INVALID_CERTIFICATE', message: expect.stringMatching(/nameConstraints/) }),
    );
  });
});

describe('the CA crypto floor', () => {
  function rsa(bits: number): { privateKey: KeyObject; publicKey: KeyObject } {
    return generateKeyPairSync('rsa', { modulusLength: bits });
  }

  it(`refuses intermediates with RSA keys under ${MIN_RSA_MODULUS_BITS} bits (512, 1024)`, async () => {
    for (const bits of [512, 1024]) {
      const inter = await mintCertificate(caSpec(`CN=rsa-${bits}`, root, { key: rsa(bits) }));
      const leaf = await mintCertificate(leafSpec(inter));
      expect(codeOf([leaf.der, inter.der], bundles)).toBe('ERR_X509SVID_WEAK_KEY');
    }
  });

  it('refuses a trust anchor with an RSA-512 key, with a message naming the size', async () => {
    const weakRoot = await mintCertificate(caSpec('CN=weak root', undefined, { key: rsa(512) }));
    const leaf = await mintCertificate(leafSpec(weakRoot));
    try {
      verifyX509Svid([leaf.der], trusting(weakRoot.der));
      expect.unreachable();
    } catch (err) {
      expect((err as X509SvidError).code).toBe('ERR_X509SVID_WEAK_KEY');
      expect((err as X509SvidError).message).toMatch(/512 bits; at least 2048/);
    }
  });

  it('refuses a leaf with an RSA-1024 key', async () => {
    const leaf = await mintCertificate(leafSpec(root, { key: rsa(1024) }));
    expect(codeOf([leaf.der], bundles)).toBe('ERR_X509SVID_WEAK_KEY');
  });

  it('refuses an intermediate with an RSA key over 8192 bits (slow to check; Go crypto/tls refuses them too)', async () => {
    // Generating such a key takes many seconds: a public key with a random odd 8200-bit modulus does
    // (the size is refused before any signature is checked; the leaf names it as its issuer).
    const n = randomBytes(1025);
    n[0] = 0x80;
    n[1024] = (n[1024] as number) | 1;
    const big = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
    const inter = await mintCertificate(caSpec('CN=rsa-8200', root, { key: big }));
    const leaf = await mintCertificate(leafSpec(root, { issuerName: 'CN=rsa-8200' }));
    try {
      verifyX509Svid([leaf.der, inter.der], bundles);
      expect.unreachable();
    } catch (err) {
      expect((err as X509SvidError).code).toBe('ERR_X509SVID_WEAK_KEY');
      expect((err as X509SvidError).message).toMatch(/8200 bits; at most 8192/);
    }
  });

  it('accepts RSA-2048 authorities', async () => {
    const inter = await mintCertificate(caSpec('CN=rsa-2048', root, { key: rsa(2048) }));
    expect(codeOf([(await mintCertificate(leafSpec(inter))).der, inter.der], bundles)).toBe('OK');
  });

  describe('RSASSA-PSS parameters', () => {
    let pssInter: MintedCertificate;
    let template: MintedCertificate;

    beforeAll(async () => {
      pssInter = await mintCertificate(caSpec('CN=pss inter', root, { key: rsa(2048) }));
      template = await mintCertificate(leafSpec(pssInter));
    });

    const SHA1 = seq(tlv(0x06, Buffer.from('2b0e03021a', 'hex')), tlv(0x05));
    const sha2 = (n: 1 | 2 | 3) => seq(tlv(0x06, Buffer.from(`60864801650304020${n}`, 'hex')), tlv(0x05));
    const mgf1 = (hash: Buffer) => seq(tlv(0x06, Buffer.from('2a864886f70d010108', 'hex')), hash);
    const int = (v: number) => tlv(0x02, Buffer.of(v));
    const pss = (hash: Buffer, mgfHash: Buffer, salt: number) => seq(tlv(0xa0, hash), tlv(0xa1, mgf1(mgfHash)), tlv(0xa2, int(salt)));
    const PSS_OID = tlv(0x06, Buffer.from('2a864886f70d01010a', 'hex'));

    /** The template leaf re-signed by the PSS intermediate with the given parameters (and signing options). */
    function resigned(params: Buffer | undefined, digest: string, saltLength: number): Buffer {
      const [tbs] = children(template.der) as [Buffer];
      const fields = children(tbs);
      const algorithm = seq(PSS_OID, ...(params === undefined ? [] : [params]));
      const newTbs = seq(...fields.map((f, i) => (i === 2 ? algorithm : f)));
      const signature = sign(digest, newTbs, { key: pssInter.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      return seq(newTbs, algorithm, tlv(0x03, Buffer.of(0), signature));
    }

    it('accepts SHA-256 / SHA-384 / SHA-512 with MGF1 of the same hash and salt = hash length', () => {
      expect(codeOf([resigned(pss(sha2(1), sha2(1), 32), 'sha256', 32), pssInter.der], bundles)).toBe('OK');
      expect(codeOf([resigned(pss(sha2(2), sha2(2), 48), 'sha384', 48), pssInter.der], bundles)).toBe('OK');
      expect(codeOf([resigned(pss(sha2(3), sha2(3), 64), 'sha512', 64), pssInter.der], bundles)).toBe('OK');
    });

    it.each([
      ['SHA-1 throughout', pss(SHA1, SHA1, 20), 'sha1', 20],
      ['absent parameters (all DEFAULTs: SHA-1)', undefined, 'sha1', 20],
      ['SHA-256 with MGF1-SHA-1', pss(sha2(1), SHA1, 32), 'sha256', 32],
      ['SHA-256 with MGF1-SHA-384', pss(sha2(1), sha2(2), 32), 'sha256', 32],
      ['SHA-256 with a 20-octet salt', pss(sha2(1), sha2(1), 20), 'sha256', 20],
      ['a trailerField other than 1', seq(tlv(0xa0, sha2(1)), tlv(0xa1, mgf1(sha2(1))), tlv(0xa2, int(32)), tlv(0xa3, int(2))), 'sha256', 32],
      ['malformed parameters', seq(tlv(0xa0, sha2(1))), 'sha256', 32],
    ] as const)('refuses %s with ERR_X509SVID_WEAK_ALGORITHM, although the signature is valid', (_name, params, digest, salt) => {
      expect(codeOf([resigned(params, digest, salt), pssInter.der], bundles)).toBe('ERR_X509SVID_WEAK_ALGORITHM');
    });
  });
});
