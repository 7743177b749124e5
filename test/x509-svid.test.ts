import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { X509Bundle } from '../src/bundle/x509-bundle.js';
import type { X509BundleSource } from '../src/bundle/x509-bundle.js';
import { X509SvidError, type X509SvidErrorCode } from '../src/svid/x509-errors.js';
import { X509Svid } from '../src/svid/x509-svid.js';
import { type CertificateInput, verifyX509Svid } from '../src/svid/x509-verify.js';
import { type CertificateSpec, type MintedCertificate, mintCertificate } from '../src/testing/mint.js';
import type { TrustDomain } from '../src/spiffeid/trust-domain.js';
import { oid, seq, tlv } from './helpers/x509-mutate.js';

const HOUR = 3_600_000;
const now = Date.now();
const past = (h: number) => new Date(now - h * HOUR);
const future = (h: number) => new Date(now + h * HOUR);

/** A bundle source with one X.509 bundle per trust domain. */
function anchors(map: Record<string, MintedCertificate[]>): X509BundleSource {
  return {
    getX509BundleForTrustDomain(td: TrustDomain) {
      const list = map[td.name];
      return list === undefined ? undefined : new X509Bundle(td, list.map((c) => c.der));
    },
  };
}

function caSpec(subject: string, issuer?: MintedCertificate, extra: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    subject,
    ...(issuer === undefined ? {} : { issuer }),
    basicConstraints: { ca: true, critical: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'], critical: true },
    notBefore: past(24),
    notAfter: future(24),
    ...extra,
  };
}

let root: MintedCertificate;
let inter: MintedCertificate;
let otherRoot: MintedCertificate;
let trust: X509BundleSource;

function leafSpec(extra: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    subject: 'CN=web',
    issuer: inter,
    uris: ['spiffe://example.org/web'],
    basicConstraints: { ca: false, critical: true },
    keyUsage: { usages: ['digitalSignature'], critical: true },
    extKeyUsage: ['serverAuth', 'clientAuth'],
    notBefore: past(1),
    notAfter: future(1),
    ...extra,
  };
}

async function leaf(extra: Partial<CertificateSpec> = {}): Promise<MintedCertificate> {
  return mintCertificate(leafSpec(extra));
}

function codeOf(fn: () => unknown): X509SvidErrorCode | 'NO_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (err) {
    if (!(err instanceof X509SvidError)) throw err;
    return err.code;
  }
}

beforeAll(async () => {
  root = await mintCertificate(caSpec('CN=root', undefined, { uris: ['spiffe://example.org'] }));
  inter = await mintCertificate(caSpec('CN=inter', root));
  otherRoot = await mintCertificate(caSpec('CN=other-root', undefined, { uris: ['spiffe://other.org'] }));
  trust = anchors({ 'example.org': [root] });
});

describe('verifyX509Svid: accepted chains', () => {
  it('accepts leaf + intermediate against the trust domain bundle and returns the path', async () => {
    const l = await leaf();
    const result = verifyX509Svid([l.der, inter.der], trust);
    expect(result.id.toString()).toBe('spiffe://example.org/web');
    expect(result.chain.map((c) => c.toString('base64'))).toEqual([l.der, inter.der, root.der].map((c) => c.toString('base64')));
  });

  it('accepts a leaf signed directly by the root', async () => {
    const l = await leaf({ issuer: root });
    expect(verifyX509Svid([l.der], trust).id.path).toBe('/web');
  });

  it('accepts X509Certificate objects, {raw} objects, and one buffer of concatenated DER', async () => {
    const l = await leaf();
    expect(verifyX509Svid([new X509Certificate(l.der), new X509Certificate(inter.der)], trust).id.path).toBe('/web');
    expect(verifyX509Svid([{ raw: l.der }, { raw: inter.der }], trust).id.path).toBe('/web');
    expect(verifyX509Svid(Buffer.concat([l.der, inter.der]), trust).id.path).toBe('/web');
  });

  it.each(['rsa-2048', 'ed25519', 'ec-p384'] as const)('verifies chains whose keys are %s', async (key) => {
    const r = await mintCertificate(caSpec('CN=r', undefined, { key }));
    const i = await mintCertificate(caSpec('CN=i', r, { key }));
    const l = await leaf({ issuer: i, key });
    expect(verifyX509Svid([l.der, i.der], anchors({ 'example.org': [r] })).id.path).toBe('/web');
  });

  it('ignores unrelated certificates presented after the path and the order of intermediates', async () => {
    const i2 = await mintCertificate(caSpec('CN=inter2', inter));
    const l = await leaf({ issuer: i2 });
    expect(verifyX509Svid([l.der, otherRoot.der, inter.der, i2.der], trust).id.path).toBe('/web');
  });

  it('checks validity at options.now', async () => {
    const l = await leaf({ notBefore: past(10), notAfter: past(5) });
    expect(codeOf(() => verifyX509Svid([l.der, inter.der], trust))).toBe('ERR_X509SVID_EXPIRED');
    expect(verifyX509Svid([l.der, inter.der], trust, { now: past(7) }).id.path).toBe('/web');
  });

  it('accepts a bundle authority with critical policy extensions (path validation leaves the anchor out, as Go does)', async () => {
    const policies = { oid: '2.5.29.32', critical: true, value: seq(seq(oid('2.23.140.1.2.1'))) };
    const constraints = { oid: '2.5.29.36', critical: true, value: seq(tlv(0x80, [0x00])) };
    const r = await mintCertificate(caSpec('CN=policy-root', undefined, { extensions: [policies, constraints] }));
    const i = await mintCertificate(caSpec('CN=policy-inter', r));
    expect(verifyX509Svid([(await leaf({ issuer: i })).der, i.der], anchors({ 'example.org': [r] })).id.path).toBe('/web');
  });

  it('accepts DNS SANs beside the URI SAN', async () => {
    const l = await leaf({ dnsNames: ['web.example.org'] });
    expect(verifyX509Svid([l.der, inter.der], trust).id.path).toBe('/web');
  });
});

describe('verifyX509Svid: hostile chains (each rule has its own code)', () => {
  type Made = CertificateInput[] | Uint8Array | { chain: CertificateInput[]; bundles: X509BundleSource };
  const cases: Array<[string, () => Promise<Made>, X509SvidErrorCode]> = [
    ['empty chain', async () => [], 'ERR_X509SVID_EMPTY_CHAIN'],
    ['empty concatenated DER', async () => Buffer.alloc(0), 'ERR_X509SVID_EMPTY_CHAIN'],
    ['garbage DER', async () => [Buffer.from('not a certificate')], 'ERR_X509SVID_MALFORMED_CERTIFICATE'],
    ['garbage intermediate', async () => [(await leaf()).der, Buffer.from([0x30, 0x03, 1, 2, 3])], 'ERR_X509SVID_MALFORMED_CERTIFICATE'],
    ['truncated leaf', async () => [(await leaf()).der.subarray(0, 100)], 'ERR_X509SVID_MALFORMED_CERTIFICATE'],
    ['leaf without URI SAN', async () => [(await leaf({ uris: [], dnsNames: ['web'] })).der, inter.der], 'ERR_X509SVID_NO_URI_SAN'],
    [
      'leaf with two URI SANs',
      async () => [(await leaf({ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] })).der, inter.der],
      'ERR_X509SVID_MULTIPLE_URI_SANS',
    ],
    ['leaf with an https URI SAN', async () => [(await leaf({ uris: ['https://example.org/web'] })).der, inter.der], 'ERR_X509SVID_INVALID_ID'],
    ['leaf with an invalid SPIFFE ID', async () => [(await leaf({ uris: ['spiffe://Example.org/web'] })).der, inter.der], 'ERR_X509SVID_INVALID_ID'],
    ['leaf with a dot segment', async () => [(await leaf({ uris: ['spiffe://example.org/../web'] })).der, inter.der], 'ERR_X509SVID_INVALID_ID'],
    ['leaf with the trust domain ID', async () => [(await leaf({ uris: ['spiffe://example.org'] })).der, inter.der], 'ERR_X509SVID_ROOT_ID'],
    [
      'leaf that is a CA',
      async () => [(await leaf({ basicConstraints: { ca: true, critical: true } })).der, inter.der],
      'ERR_X509SVID_LEAF_IS_CA',
    ],
    [
      'leaf with keyCertSign',
      async () => [(await leaf({ keyUsage: { usages: ['digitalSignature', 'keyCertSign'], critical: true } })).der, inter.der],
      'ERR_X509SVID_LEAF_KEY_CERT_SIGN',
    ],
    [
      'leaf with cRLSign',
      async () => [(await leaf({ keyUsage: { usages: ['digitalSignature', 'cRLSign'], critical: true } })).der, inter.der],
      'ERR_X509SVID_LEAF_CRL_SIGN',
    ],
    ['leaf without keyUsage', async () => [(await leaf({ keyUsage: undefined })).der, inter.der], 'ERR_X509SVID_KEY_USAGE'],
    [
      'leaf with non-critical keyUsage',
      async () => [(await leaf({ keyUsage: { usages: ['digitalSignature'], critical: false } })).der, inter.der],
      'ERR_X509SVID_KEY_USAGE',
    ],
    [
      'leaf without digitalSignature',
      async () => [(await leaf({ keyUsage: { usages: ['keyEncipherment'], critical: true } })).der, inter.der],
      'ERR_X509SVID_KEY_USAGE',
    ],
    ['leaf of a trust domain without bundle', async () => [(await leaf({ uris: ['spiffe://nobundle.org/web'] })).der, inter.der], 'ERR_X509SVID_NO_BUNDLE'],
    [
      'leaf from an unknown CA',
      async () => {
        const rogue = await mintCertificate(caSpec('CN=rogue'));
        return [(await leaf({ issuer: rogue })).der, rogue.der];
      },
      'ERR_X509SVID_UNKNOWN_AUTHORITY',
    ],
    ['missing intermediate', async () => [(await leaf()).der], 'ERR_X509SVID_UNKNOWN_AUTHORITY'],
    [
      'intermediate that is not a CA',
      async () => {
        const i = await mintCertificate(caSpec('CN=notca', root, { basicConstraints: { ca: false, critical: true } }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_INTERMEDIATE_NOT_CA',
    ],
    [
      'intermediate without basicConstraints',
      async () => {
        const i = await mintCertificate(caSpec('CN=nobc', root, { basicConstraints: undefined }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_INTERMEDIATE_NOT_CA',
    ],
    [
      'intermediate without keyCertSign',
      async () => {
        const i = await mintCertificate(caSpec('CN=noksign', root, { keyUsage: { usages: ['digitalSignature', 'cRLSign'], critical: true } }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_INTERMEDIATE_KEY_USAGE',
    ],
    ['expired leaf', async () => [(await leaf({ notBefore: past(3), notAfter: past(2) })).der, inter.der], 'ERR_X509SVID_EXPIRED'],
    ['leaf not yet valid', async () => [(await leaf({ notBefore: future(2), notAfter: future(3) })).der, inter.der], 'ERR_X509SVID_NOT_YET_VALID'],
    [
      'expired intermediate',
      async () => {
        const i = await mintCertificate(caSpec('CN=old', root, { notBefore: past(48), notAfter: past(2) }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_EXPIRED',
    ],
    [
      'intermediate not yet valid',
      async () => {
        const i = await mintCertificate(caSpec('CN=young', root, { notBefore: future(2), notAfter: future(48) }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_NOT_YET_VALID',
    ],
    [
      'expired bundle authority',
      async () => {
        const r = await mintCertificate(caSpec('CN=oldroot', undefined, { notBefore: past(48), notAfter: past(2) }));
        return { chain: [(await leaf({ issuer: r, notBefore: past(3) })).der], bundles: anchors({ 'example.org': [r] }) };
      },
      'ERR_X509SVID_EXPIRED',
    ],
    [
      'bundle authority that is not a CA',
      async () => {
        const r = await mintCertificate(caSpec('CN=notcaroot', undefined, { basicConstraints: { ca: false, critical: true } }));
        return { chain: [(await leaf({ issuer: r })).der], bundles: anchors({ 'example.org': [r] }) };
      },
      'ERR_X509SVID_INTERMEDIATE_NOT_CA',
    ],
    [
      'root pathLen 0 with an intermediate below',
      async () => {
        const r = await mintCertificate(caSpec('CN=plroot', undefined, { basicConstraints: { ca: true, pathLen: 0, critical: true } }));
        const i = await mintCertificate(caSpec('CN=plinter', r));
        return { chain: [(await leaf({ issuer: i })).der, i.der], bundles: anchors({ 'example.org': [r] }) };
      },
      'ERR_X509SVID_PATH_LENGTH',
    ],
    [
      'intermediate pathLen 0 with another intermediate below',
      async () => {
        const i1 = await mintCertificate(caSpec('CN=i1', root, { basicConstraints: { ca: true, pathLen: 0, critical: true } }));
        const i2 = await mintCertificate(caSpec('CN=i2', i1));
        return [(await leaf({ issuer: i2 })).der, i2.der, i1.der];
      },
      'ERR_X509SVID_PATH_LENGTH',
    ],
    [
      'intermediate with policyConstraints requireExplicitPolicy (needs policy processing; Go refuses such a path)',
      async () => {
        const i = await mintCertificate(caSpec('CN=pc', root, { extensions: [{ oid: '2.5.29.36', value: seq(tlv(0x80, [0x00])) }] }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_UNSUPPORTED_POLICY',
    ],
    [
      'intermediate mapping anyPolicy (RFC 5280 §4.2.1.5)',
      async () => {
        const i = await mintCertificate(caSpec('CN=pm', root, { extensions: [{ oid: '2.5.29.33', value: seq(seq(oid('2.5.29.32.0'), oid('1.2.3'))) }] }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_UNSUPPORTED_POLICY',
    ],
    [
      'bundle authority with an unknown critical extension (Go checks the root too)',
      async () => {
        const r = await mintCertificate(caSpec('CN=critroot', undefined, { extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Buffer.from([0x05, 0x00]) }] }));
        const i = await mintCertificate(caSpec('CN=critinter', r));
        return { chain: [(await leaf({ issuer: i })).der, i.der], bundles: anchors({ 'example.org': [r] }) };
      },
      'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION',
    ],
    [
      'intermediate with a critical subjectAltName holding only a directoryName (unhandled in Go too)',
      async () => {
        const dirName = tlv(0xa4, seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from('x'))))));
        const i = await mintCertificate(caSpec('CN=dirsan', root, { extensions: [{ oid: '2.5.29.17', critical: true, value: seq(dirName) }] }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION',
    ],
    ['tampered leaf signature', async () => [(await leaf({ tamperSignature: true })).der, inter.der], 'ERR_X509SVID_SIGNATURE'],
    [
      'leaf forged with the intermediate name but another key',
      async () => {
        const impostor = await mintCertificate(caSpec('CN=inter', root));
        return [(await leaf({ issuer: impostor })).der, inter.der];
      },
      'ERR_X509SVID_SIGNATURE',
    ],
    [
      'unknown critical extension on the leaf',
      async () => [(await leaf({ extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Buffer.from([5, 0]) }] })).der, inter.der],
      'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION',
    ],
    [
      'unknown critical extension on the intermediate',
      async () => {
        const i = await mintCertificate(caSpec('CN=crit', root, { extensions: [{ oid: '1.3.6.1.4.1.99999.2', critical: true, value: Buffer.from([5, 0]) }] }));
        return [(await leaf({ issuer: i })).der, i.der];
      },
      'ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION',
    ],
    ['a chain element that is not a certificate', async () => [{} as unknown as CertificateInput], 'ERR_X509SVID_BAD_INPUT'],
    ['17 certificates', async () => Array.from({ length: 17 }, () => inter.der), 'ERR_X509SVID_CHAIN_TOO_LONG'],
  ];

  it.each(cases)('rejects %s', async (_name, make, code) => {
    const made = await make();
    const [chain, bundles] = 'bundles' in made ? [made.chain, made.bundles] : [made, trust];
    expect(codeOf(() => verifyX509Svid(chain, bundles))).toBe(code);
  });

  it('a loop of cross-signed intermediates terminates', async () => {
    const a = await mintCertificate(caSpec('CN=loop-a', root));
    const b = await mintCertificate(caSpec('CN=loop-b', a));
    const a2 = await mintCertificate(caSpec('CN=loop-a', b, { key: { privateKey: a.privateKey, publicKey: a.publicKey } }));
    const l = await leaf({ issuer: b });
    // a2 (issued by b) and b (issued by a) form a cycle that never reaches an unrelated anchor
    expect(codeOf(() => verifyX509Svid([l.der, b.der, a2.der], anchors({ 'example.org': [otherRoot] })))).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
  });

  it('errors name the certificate and the rule', async () => {
    const i = await mintCertificate(caSpec('CN=old2', root, { notBefore: past(48), notAfter: past(2) }));
    const l = await leaf({ issuer: i });
    try {
      verifyX509Svid([l.der, i.der], trust);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(X509SvidError);
      expect((err as X509SvidError).certificateIndex).toBe(1);
      expect((err as Error).message).toMatch(/certificate #1 .*expired at/);
    }
  });
});

describe('verifyX509Svid: federation uses only the bundle of the peer trust domain', () => {
  it('accepts a peer of another trust domain against its own bundle', async () => {
    const l = await leaf({ issuer: otherRoot, uris: ['spiffe://other.org/api'] });
    const both = anchors({ 'example.org': [root], 'other.org': [otherRoot] });
    expect(verifyX509Svid([l.der], both).id.toString()).toBe('spiffe://other.org/api');
  });

  it('rejects a peer claiming example.org but signed by the other.org CA, even though both are trusted', async () => {
    const l = await leaf({ issuer: otherRoot, uris: ['spiffe://example.org/admin'] });
    const both = anchors({ 'example.org': [root], 'other.org': [otherRoot] });
    expect(codeOf(() => verifyX509Svid([l.der], both))).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
  });

  it('rejects a peer claiming other.org but signed by the example.org CA', async () => {
    const l = await leaf({ uris: ['spiffe://other.org/api'] });
    const both = anchors({ 'example.org': [root], 'other.org': [otherRoot] });
    expect(codeOf(() => verifyX509Svid([l.der, inter.der], both))).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
  });

  it('rejects a peer of a trust domain that is not federated', async () => {
    const l = await leaf({ issuer: otherRoot, uris: ['spiffe://other.org/api'] });
    expect(codeOf(() => verifyX509Svid([l.der], trust))).toBe('ERR_X509SVID_NO_BUNDLE');
  });
});

describe('X509Svid (own SVID)', () => {
  it.each(['ec-p256', 'ec-p384', 'rsa-2048', 'ed25519'] as const)('parses a %s SVID from DER and checks the key matches', async (key) => {
    const l = await leaf({ key });
    const svid = X509Svid.parseRaw(Buffer.concat([l.der, inter.der]), l.privateKeyDer, { hint: 'internal', expectedId: 'spiffe://example.org/web' });
    expect(svid.id.toString()).toBe('spiffe://example.org/web');
    expect(svid.hint).toBe('internal');
    expect(svid.certificates).toHaveLength(2);
    expect(svid.expiresAt.getTime()).toBe(l.notAfter.getTime());
    expect(svid.privateKey.asymmetricKeyType).toBe(l.privateKey.asymmetricKeyType);
  });

  it('parses PEM and marshals back to the same chain and key', async () => {
    const l = await leaf();
    const svid = X509Svid.parse(l.pem + inter.pem, l.privateKeyPem);
    const { certificates, privateKey } = svid.marshal();
    const again = X509Svid.parse(certificates, privateKey);
    expect(again.equals(svid)).toBe(true);
    expect(again.certificatesDer[1]?.equals(inter.der)).toBe(true);
    expect(svid.secondsUntilExpiry()).toBeGreaterThan(3000);
  });

  it('never shows the private key in inspect, JSON or errors', async () => {
    const l = await leaf();
    const svid = X509Svid.parseRaw(l.der, l.privateKeyDer);
    const keyB64 = l.privateKeyDer.toString('base64');
    const keyPemBody = l.privateKeyPem.split('\n')[1] as string;
    for (const text of [inspect(svid, { depth: 10, showHidden: true }), JSON.stringify(svid), String(svid)]) {
      expect(text).not.toContain(keyB64.slice(0, 40));
      expect(text).not.toContain(keyPemBody);
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(inspect(svid)).toContain('[redacted]');
    try {
      X509Svid.parseRaw(l.der, Buffer.concat([l.privateKeyDer.subarray(0, 40), Buffer.from('junk')]));
    } catch (err) {
      expect(inspect(err)).not.toContain(keyB64.slice(0, 40));
    }
  });

  const ownCases: Array<[string, () => Promise<[Uint8Array, Uint8Array, object?]>, X509SvidErrorCode]> = [
    ['no certificate', async () => [Buffer.alloc(0), (await leaf()).privateKeyDer], 'ERR_X509SVID_EMPTY_CHAIN'],
    ['garbage certificate bytes', async () => [Buffer.from('garbage'), (await leaf()).privateKeyDer], 'ERR_X509SVID_MALFORMED_CERTIFICATE'],
    ['missing key', async () => [(await leaf()).der, Buffer.alloc(0)], 'ERR_X509SVID_PRIVATE_KEY'],
    ['garbage key', async () => [(await leaf()).der, Buffer.from('not a key')], 'ERR_X509SVID_PRIVATE_KEY'],
    [
      'key of another certificate',
      async () => {
        const a = await leaf();
        const b = await leaf();
        return [a.der, b.privateKeyDer];
      },
      'ERR_X509SVID_KEY_MISMATCH',
    ],
    [
      'key of another P-256 certificate carrying the leaf public key as its embedded public key',
      async () => {
        const a = await leaf();
        const b = await leaf();
        const ka = a.privateKeyDer;
        const kb = b.privateKeyDer;
        // PKCS#8 P-256 as Node writes it ends with the 65-byte uncompressed public point.
        expect(ka.length).toBe(kb.length);
        const forged = Buffer.concat([kb.subarray(0, kb.length - 65), ka.subarray(ka.length - 65)]);
        return [a.der, forged];
      },
      'ERR_X509SVID_KEY_MISMATCH',
    ],
    [
      'a P-384 key for a P-256 leaf',
      async () => {
        const a = await leaf({ key: 'ec-p256' });
        const b = await leaf({ key: 'ec-p384' });
        return [a.der, b.privateKeyDer];
      },
      'ERR_X509SVID_KEY_MISMATCH',
    ],
    [
      'an EC key whose private scalar is zero',
      async () => {
        const a = await leaf();
        const k = Buffer.from(a.privateKeyDer);
        // PrivateKeyInfo(3) version(3) alg(21) OCTET STRING hdr(2) SEQUENCE hdr(2) version(3) OCTET STRING hdr(2) = 36
        expect(k[34]).toBe(0x04);
        k.fill(0, 36, 68);
        return [a.der, k];
      },
      'ERR_X509SVID_PRIVATE_KEY',
    ],
    [
      'a truncated EC key',
      async () => {
        const a = await leaf();
        return [a.der, a.privateKeyDer.subarray(0, 50)];
      },
      'ERR_X509SVID_PRIVATE_KEY',
    ],
    [
      'key of another type',
      async () => {
        const a = await leaf({ key: 'ec-p256' });
        const b = await leaf({ key: 'rsa-2048' });
        return [a.der, b.privateKeyDer];
      },
      'ERR_X509SVID_KEY_MISMATCH',
    ],
    [
      'spiffe_id that differs from the URI SAN',
      async () => {
        const a = await leaf();
        return [a.der, a.privateKeyDer, { expectedId: 'spiffe://example.org/other' }];
      },
      'ERR_X509SVID_ID_MISMATCH',
    ],
    [
      'a later certificate that is not a CA',
      async () => {
        const a = await leaf();
        const b = await leaf();
        return [Buffer.concat([a.der, b.der]), a.privateKeyDer];
      },
      'ERR_X509SVID_INTERMEDIATE_NOT_CA',
    ],
    [
      'a CA leaf',
      async () => {
        const a = await leaf({ basicConstraints: { ca: true, critical: true } });
        return [a.der, a.privateKeyDer];
      },
      'ERR_X509SVID_LEAF_IS_CA',
    ],
    [
      'a leaf without URI SAN',
      async () => {
        const a = await leaf({ uris: [] });
        return [a.der, a.privateKeyDer];
      },
      'ERR_X509SVID_NO_URI_SAN',
    ],
  ];
  it.each(ownCases)('rejects an own SVID with %s', async (_name, make, code) => {
    const [certs, key, options] = await make();
    expect(codeOf(() => X509Svid.parseRaw(certs, key, options))).toBe(code);
  });

  it('rejects PEM input without blocks', () => {
    expect(codeOf(() => X509Svid.parse('nothing here', 'nor here'))).toBe('ERR_X509SVID_EMPTY_CHAIN');
  });
});
