// The DER writer under mintCertificate (src/testing/cert-der.ts, node:crypto only): what it writes is
// read back by two independent parsers (node:crypto's OpenSSL and @peculiar/x509, a dev dependency
// here), names are written as given or refused with a typed error, and the encodings DER fixes
// (named bits, times past 2049, INTEGER signs, BOOLEAN DEFAULT FALSE) are the canonical ones.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { distinguishedName, namedBits, oid, smallInteger, time, unsignedInteger } from '../src/testing/cert-der.js';
import { TestingError } from '../src/testing/keys.js';
import { mintCertificate } from '../src/testing/mint.js';

x509.cryptoProvider.set(webcrypto);

async function codeOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(TestingError);
    return (err as TestingError).code;
  }
}

describe('distinguished names', () => {
  it('writes the attributes in the order given, with escapes, quotes, multi-valued RDNs and OID types', async () => {
    const cert = await mintCertificate({ subject: 'CN=a\\, b+OU=unit, O="Quoted, Inc", C=US, DC=example, 2.5.4.97=VATDE-1, E=ops@example.org' });
    const name = x509.Name.prototype.toJSON.call(new x509.Name(parseSubject(cert.der)));
    expect(name).toEqual([
      { CN: ['a, b'], OU: ['unit'] },
      { O: ['Quoted, Inc'] },
      { C: ['US'] },
      { DC: ['example'] },
      { '2.5.4.97': ['VATDE-1'] },
      { E: ['ops@example.org'] },
    ]);
    // RFC 5280 string types: PrintableString for C, IA5String for DC and E, UTF8String otherwise.
    const der = distinguishedName('C=US, DC=x, E=a@b, CN=x');
    expect(der.includes(Buffer.from([0x13, 0x02, 0x55, 0x53]))).toBe(true); // PrintableString "US"
    expect(der.includes(Buffer.from([0x16, 0x01, 0x78]))).toBe(true); // IA5String "x" (DC)
    expect(der.includes(Buffer.from([0x16, 0x03, 0x61, 0x40, 0x62]))).toBe(true); // IA5String "a@b" (E)
    expect(der.includes(Buffer.from([0x0c, 0x01, 0x78]))).toBe(true); // UTF8String "x" (CN)
    expect(cert.certificate.subject.split('\n')[0]).toBe('CN=a\\, b + OU=unit');
    // The attributes of one RDN form a SET OF: DER sorts them by encoding, whatever the order written.
    expect(distinguishedName('OU=unit+CN=x')).toEqual(distinguishedName('CN=x+OU=unit'));
  });

  it('an empty subject is the empty SEQUENCE; UTF-8 and \\XX hex escapes are written as bytes', async () => {
    expect(distinguishedName('')).toEqual(Buffer.from([0x30, 0x00]));
    const cert = await mintCertificate({ subject: 'CN=caf\\C3\\A9 ☕' });
    expect(cert.certificate.subject).toBe('CN=café ☕');
  });

  it('refuses a name it cannot read, with ERR_TESTING_INVALID_OPTION', async () => {
    for (const subject of ['CN', 'XX=1', '=v', 'CN=ok, junk', '1.2.x=3']) {
      expect(await codeOf(() => mintCertificate({ subject })), subject).toBe('ERR_TESTING_INVALID_OPTION');
    }
    expect(await codeOf(() => mintCertificate({ issuerName: 'nope' }))).toBe('ERR_TESTING_INVALID_OPTION');
  });

  it('an issued certificate carries the issuer subject byte for byte, so chains link', async () => {
    const root = await mintCertificate({ subject: 'O=Exotic+CN=Root, C=DE', basicConstraints: { ca: true }, keyUsage: ['keyCertSign'] });
    const leaf = await mintCertificate({ issuer: root, subject: 'CN=leaf' });
    expect(leaf.certificate.checkIssued(root.certificate)).toBe(true);
    expect(leaf.certificate.verify(root.publicKey)).toBe(true);
    expect(parseIssuer(leaf.der)).toEqual(parseSubject(root.der));
  });
});

describe('DER primitives', () => {
  it('named bits drop trailing zero bits (X.690 §11.2.2)', () => {
    expect(namedBits(0)).toEqual(Buffer.from([0x03, 0x01, 0x00]));
    expect(namedBits(1)).toEqual(Buffer.from([0x03, 0x02, 0x07, 0x80])); // digitalSignature
    expect(namedBits(32 | 64)).toEqual(Buffer.from([0x03, 0x02, 0x01, 0x06])); // keyCertSign, cRLSign
    expect(namedBits(256)).toEqual(Buffer.from([0x03, 0x03, 0x07, 0x00, 0x80])); // decipherOnly
  });

  it('integers are minimal and positive; OIDs encode multi-byte arcs', () => {
    expect(unsignedInteger(Buffer.from([0x00, 0x00, 0x7f]))).toEqual(Buffer.from([0x02, 0x01, 0x7f]));
    expect(unsignedInteger(Buffer.from([0xff]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0xff]));
    expect(smallInteger(0)).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    expect(() => smallInteger(-1)).toThrow(TestingError);
    expect(oid('1.2.840.113549.1.1.11')).toEqual(Buffer.from('06092a864886f70d01010b', 'hex'));
    expect(oid('2.5.29.17')).toEqual(Buffer.from('0603551d11', 'hex'));
    expect(() => oid('1.2.')).toThrow(TestingError);
  });

  it('times: UTCTime through 2049, GeneralizedTime from 2050', async () => {
    expect(time(new Date('2049-12-31T23:59:59Z')).toString('latin1', 2)).toBe('491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    const cert = await mintCertificate({ notBefore: new Date('2049-06-01T00:00:00Z'), notAfter: new Date('2060-01-02T03:04:05Z') });
    expect(new Date(cert.certificate.validTo).toISOString()).toBe('2060-01-02T03:04:05.000Z');
    expect(parse(cert.der).notAfter.toISOString()).toBe('2060-01-02T03:04:05.000Z');
  });

  it('basicConstraints cA FALSE is omitted (DEFAULT FALSE); pathLen and criticality are written', async () => {
    const leaf = await mintCertificate({ basicConstraints: { ca: false } });
    const bc = parse(leaf.der).getExtension(x509.BasicConstraintsExtension);
    expect(bc).toMatchObject({ ca: false, critical: true });
    expect(Buffer.from(bc!.value)).toEqual(Buffer.from([0x30, 0x00]));
    const ca = parse((await mintCertificate({ basicConstraints: { ca: true, pathLen: 0, critical: false } })).der).getExtension(x509.BasicConstraintsExtension);
    expect(ca).toMatchObject({ ca: true, pathLength: 0, critical: false });
  });
});

function parse(der: Uint8Array): x509.X509Certificate {
  return new x509.X509Certificate(der);
}

function parseSubject(der: Uint8Array): ArrayBuffer {
  return parse(der).subjectName.toArrayBuffer();
}

function parseIssuer(der: Uint8Array): ArrayBuffer {
  return parse(der).issuerName.toArrayBuffer();
}
