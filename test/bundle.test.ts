import { createSecretKey, generateKeyPairSync, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BundleError,
  type BundleErrorCode,
  JwtBundle,
  JwtBundleSet,
  SpiffeBundle,
  SpiffeBundleSet,
  X509Bundle,
  X509BundleSet,
} from '../src/bundle/index.js';
import { SpiffeError } from '../src/errors.js';
import { TrustDomain } from '../src/spiffeid/trust-domain.js';
import { editable, field, finish } from './helpers/x509-mutate.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// ---------------------------------------------------------------------------------------------
// Fixtures: real CA certificates (EC P-256 and RSA) and JWT keys

const TD = TrustDomain.parse('example.org');

async function makeCa(name: string, alg: 'ec' | 'rsa'): Promise<{ der: Buffer; cert: X509Certificate }> {
  const algorithm =
    alg === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Math.floor(Math.random() * 1e9).toString(16),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const der = Buffer.from(cert.rawData);
  return { der, cert: new X509Certificate(der) };
}

let caA: { der: Buffer; cert: X509Certificate };
let caB: { der: Buffer; cert: X509Certificate };
let caRsa: { der: Buffer; cert: X509Certificate };
let ecKey: KeyObject;
let ecKey2: KeyObject;
let rsaKey: KeyObject;

beforeAll(async () => {
  [caA, caB, caRsa] = await Promise.all([makeCa('a', 'ec'), makeCa('b', 'ec'), makeCa('rsa', 'rsa')]);
  ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  ecKey2 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
  rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
});

function bundleError(fn: () => unknown): BundleError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    expect(err).toBeInstanceOf(SpiffeError);
    return err as BundleError;
  }
  throw new Error('expected a BundleError');
}

function codeOf(fn: () => unknown): BundleErrorCode {
  return bundleError(fn).code;
}

function jwk(key: KeyObject, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), ...extra };
}

// ---------------------------------------------------------------------------------------------

describe('X509Bundle', () => {
  it('reads concatenated DER and writes it back byte for byte', () => {
    const der = Buffer.concat([caA.der, caB.der]);
    const bundle = X509Bundle.fromDer('example.org', der);
    expect(bundle.trustDomain.name).toBe('example.org');
    expect(bundle.size).toBe(2);
    expect(bundle.x509Authorities.map((c) => c.subject)).toEqual(['CN=a', 'CN=b']);
    expect(bundle.x509AuthoritiesDer[0]!.equals(caA.der)).toBe(true);
    expect(bundle.toDer().equals(der)).toBe(true);
    expect(X509Bundle.fromDer(TD, bundle.toDer()).equals(bundle)).toBe(true);
  });

  it('copies its input', () => {
    const der = Buffer.from(caA.der);
    const bundle = X509Bundle.fromDer(TD, der);
    der.fill(0);
    expect(bundle.x509AuthoritiesDer[0]!.equals(caA.der)).toBe(true);
  });

  it('round-trips through PEM', () => {
    const bundle = new X509Bundle(TD, [caA.cert, caRsa.cert]);
    const pem = bundle.toPem();
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n/);
    expect(X509Bundle.fromPem(TD, pem).equals(bundle)).toBe(true);
    expect(X509Bundle.fromPem(TD, Buffer.from(pem)).equals(bundle)).toBe(true);
  });

  it('treats empty input as an empty bundle', () => {
    expect(X509Bundle.fromDer(TD, new Uint8Array()).empty()).toBe(true);
    expect(X509Bundle.fromPem(TD, '').empty()).toBe(true);
    expect(X509Bundle.fromPem(TD, ' \n\t\n').empty()).toBe(true);
    expect(new X509Bundle(TD).toDer().length).toBe(0);
  });

  it('rejects DER that is not certificates, naming the trust domain and index', () => {
    const truncated = caA.der.subarray(0, caA.der.length - 5);
    expect(codeOf(() => X509Bundle.fromDer(TD, truncated))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    expect(codeOf(() => X509Bundle.fromDer(TD, Buffer.from('not a certificate')))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    const err = bundleError(() => X509Bundle.fromDer(TD, Buffer.concat([caA.der, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])])));
    expect(err.code).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    expect(err.certificateIndex).toBe(1);
    expect(err.trustDomain).toBe('example.org');
    expect(err.message).toContain('"example.org"');
    expect(err.message).toContain('certificate #1');
  });

  it('refuses a certificate Go refuses even when Node parses it (a negative serial number)', () => {
    const e = editable(caA.der);
    field(e, 'serial').content = Buffer.from([0x80, 0x01]);
    const negative = finish(e, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    expect(new X509Certificate(negative).serialNumber).toBe('-7FFF');
    const err = bundleError(() => X509Bundle.fromDer(TD, negative));
    expect(err.code).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    expect(err.message).toMatch(/negative serial number/);
  });

  it('enforces maxAuthorities', () => {
    const der = Buffer.concat([caA.der, caB.der, caRsa.der]);
    expect(codeOf(() => X509Bundle.fromDer(TD, der, { maxAuthorities: 2 }))).toBe('ERR_BUNDLE_TOO_LARGE');
    expect(X509Bundle.fromDer(TD, der, { maxAuthorities: 3 }).size).toBe(3);
    const pem = new X509Bundle(TD, [caA.der, caB.der, caRsa.der]).toPem();
    expect(codeOf(() => X509Bundle.fromPem(TD, pem, { maxAuthorities: 2 }))).toBe('ERR_BUNDLE_TOO_LARGE');
  });

  it('adds, removes and finds authorities by DER, keeping duplicates once', () => {
    const bundle = new X509Bundle(TD);
    expect(bundle.addX509Authority(caA.cert)).toBe(true);
    expect(bundle.addX509Authority(caA.der)).toBe(false);
    expect(bundle.addX509Authority(new X509Certificate(caB.der))).toBe(true);
    expect(bundle.size).toBe(2);
    expect(bundle.hasX509Authority(caB.der)).toBe(true);
    expect(bundle.hasX509Authority(caRsa.cert)).toBe(false);
    const before = bundle.x509Authorities;
    expect(bundle.x509Authorities).toBe(before); // reused until a change
    expect(Object.isFrozen(before)).toBe(true);
    expect(bundle.removeX509Authority(caA.cert)).toBe(true);
    expect(bundle.removeX509Authority(caA.cert)).toBe(false);
    expect(bundle.x509Authorities).not.toBe(before);
    expect(bundle.x509Authorities.map((c) => c.subject)).toEqual(['CN=b']);
    bundle.setX509Authorities([caRsa.der]);
    expect(bundle.x509Authorities.map((c) => c.subject)).toEqual(['CN=rsa']);
    expect(codeOf(() => bundle.addX509Authority(Buffer.concat([caA.der, caB.der])))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    expect(codeOf(() => bundle.addX509Authority('pem' as unknown as Uint8Array))).toBe('ERR_BUNDLE_INVALID_ARGUMENT');
  });

  it('compares as a set of authorities within one trust domain', () => {
    const ab = new X509Bundle(TD, [caA.cert, caB.cert]);
    expect(ab.equals(new X509Bundle('example.org', [caB.der, caA.der]))).toBe(true);
    expect(ab.equals(new X509Bundle('other.org', [caA.cert, caB.cert]))).toBe(false);
    expect(ab.equals(new X509Bundle(TD, [caA.cert]))).toBe(false);
    const copy = ab.clone();
    copy.removeX509Authority(caA.cert);
    expect(ab.size).toBe(2);
  });

  it('is a source for its own trust domain only', () => {
    const bundle = new X509Bundle(TD, [caA.cert]);
    expect(bundle.getX509BundleForTrustDomain(TrustDomain.parse('example.org'))).toBe(bundle);
    expect(bundle.getX509BundleForTrustDomain(TrustDomain.parse('other.org'))).toBeUndefined();
  });

  it('prints a summary and serialises as base64 DER', () => {
    const bundle = new X509Bundle(TD, [caA.cert]);
    expect(inspect(bundle)).toBe('X509Bundle(example.org, 1 authority)');
    expect(JSON.parse(JSON.stringify(bundle))).toEqual({ trustDomain: 'example.org', x509Authorities: [caA.der.toString('base64')] });
  });
});

describe('X509Bundle.fromPem with hostile or sloppy input', () => {
  const block = (der: Buffer, label = 'CERTIFICATE') => new X509Bundle(TD, [der]).toPem().replaceAll('CERTIFICATE', label);

  it('ignores explanatory text around and between blocks (RFC 7468)', () => {
    const pem = `subject=CN=a\nissuer=CN=a\n${block(caA.der)}\nsome junk here\n${block(caB.der)}trailing junk`;
    expect(X509Bundle.fromPem(TD, pem).size).toBe(2);
  });

  it('accepts CRLF line endings', () => {
    expect(X509Bundle.fromPem(TD, block(caA.der).replaceAll('\n', '\r\n')).size).toBe(1);
  });

  it('rejects junk inside a block', () => {
    const pem = block(caA.der).replace('-----\n', '-----\n!!junk!!\n');
    expect(codeOf(() => X509Bundle.fromPem(TD, pem))).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('rejects text with no certificate block', () => {
    expect(codeOf(() => X509Bundle.fromPem(TD, 'hello, I am not PEM'))).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('rejects other block types without echoing their contents', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const err = bundleError(() => X509Bundle.fromPem(TD, `${block(caA.der)}${keyPem}`));
    expect(err.code).toBe('ERR_BUNDLE_MALFORMED');
    expect(err.message).toContain('PRIVATE KEY');
    expect(err.certificateIndex).toBe(1);
    const body = keyPem.split('\n')[1]!;
    expect(err.message).not.toContain(body.slice(0, 20));
  });

  it('rejects unterminated blocks, mismatched END lines and PEM headers', () => {
    const one = block(caA.der);
    expect(codeOf(() => X509Bundle.fromPem(TD, one.replace('-----END CERTIFICATE-----\n', '')))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => X509Bundle.fromPem(TD, one.replace('END CERTIFICATE', 'END X509 CRL')))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => X509Bundle.fromPem(TD, one.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n')))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => X509Bundle.fromPem(TD, `${one.replace('-----END CERTIFICATE-----\n', '')}${one}`))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => X509Bundle.fromPem(TD, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'))).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('rejects well-formed base64 that is not a certificate', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from('definitely not DER').toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(codeOf(() => X509Bundle.fromPem(TD, pem))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
  });

  it('rejects a block holding two certificates', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.concat([caA.der, caB.der]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(codeOf(() => X509Bundle.fromPem(TD, pem))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
  });
});

describe('JwtBundle', () => {
  it('reads a JWK Set with EC and RSA keys and writes it back', () => {
    const json = JSON.stringify({ keys: [jwk(ecKey, { kid: 'ec-1' }), jwk(rsaKey, { kid: 'rsa-1', use: 'jwt-svid', alg: 'RS256' })] });
    const bundle = JwtBundle.fromJwks('example.org', json);
    expect(bundle.size).toBe(2);
    expect(bundle.findJwtAuthority('ec-1')!.equals(ecKey)).toBe(true);
    expect(bundle.findJwtAuthority('rsa-1')!.equals(rsaKey)).toBe(true);
    expect(bundle.findJwtAuthority('nope')).toBeUndefined();
    const jwks = bundle.toJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(['ec-1', 'rsa-1']);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(JwtBundle.fromJwks(TD, jwks).equals(bundle)).toBe(true);
    expect(JwtBundle.fromJwks(TD, Buffer.from(json)).equals(bundle)).toBe(true);
    expect(JwtBundle.fromJwks(TD, JSON.stringify(bundle)).equals(bundle)).toBe(true);
  });

  it('accepts an empty key list (every key revoked)', () => {
    expect(JwtBundle.fromJwks(TD, '{"keys":[]}').empty()).toBe(true);
  });

  it('requires a kid on every JWT authority, naming the trust domain and key index', () => {
    const err = bundleError(() => JwtBundle.fromJwks(TD, { keys: [jwk(ecKey, { kid: 'a' }), jwk(rsaKey)] }));
    expect(err.code).toBe('ERR_BUNDLE_MISSING_KID');
    expect(err.keyIndex).toBe(1);
    expect(err.trustDomain).toBe('example.org');
    expect(err.message).toContain('"example.org"');
    expect(err.message).toContain('key #1');
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys: [jwk(ecKey, { kid: '' })] }))).toBe('ERR_BUNDLE_MISSING_KID');
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys: [jwk(ecKey, { kid: 7 })] }))).toBe('ERR_BUNDLE_MISSING_KID');
  });

  it('skips keys of unknown kty or use (never the whole bundle)', () => {
    const bundle = JwtBundle.fromJwks(TD, {
      keys: [
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, // symmetric: must never become an authority
        { kty: 'PQC', kid: 'future', pub: 'AAAA' },
        jwk(ecKey, { kid: 'enc', use: 'enc' }),
        jwk(ecKey, { kid: 'x', use: 'x509-svid' }),
        jwk(ecKey, { use: 'something-new' }), // no kid, but skipped before the kid rule
        { kty: 'made-up' }, // no kid either
        jwk(ecKey, { kid: 'ok', use: 'jwt-svid' }),
        jwk(ecKey2, { kid: 'sig', use: 'sig' }),
      ],
    });
    expect([...bundle.jwtAuthorities.keys()]).toEqual(['ok', 'sig']);
  });

  it('rejects malformed input with typed errors', () => {
    expect(codeOf(() => JwtBundle.fromJwks(TD, '{"keys": ['))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, '{}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, '[]'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, 'null'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, '{"keys":{}}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, '{"keys":[42]}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, '{"keys":[{"kid":"a"}]}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => JwtBundle.fromJwks(TD, 42 as unknown as string))).toBe('ERR_BUNDLE_INVALID_ARGUMENT');
  });

  it('rejects keys that cannot be imported, and private keys without echoing them', () => {
    const bad = jwk(ecKey, { kid: 'bad' });
    bad.x = Buffer.alloc(32, 1).toString('base64url'); // not on the curve
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys: [bad] }))).toBe('ERR_BUNDLE_INVALID_KEY');
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k' }] }))).toBe('ERR_BUNDLE_INVALID_KEY');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = { ...privateKey.export({ format: 'jwk' }), kid: 'leaked' };
    const err = bundleError(() => JwtBundle.fromJwks(TD, { keys: [priv] }));
    expect(err.code).toBe('ERR_BUNDLE_INVALID_KEY');
    expect(err.kid).toBe('leaked');
    expect(err.message).not.toContain(priv.d as string);
  });

  it('rejects a kid reused for a different key, accepts an exact duplicate', () => {
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys: [jwk(ecKey, { kid: 'k' }), jwk(rsaKey, { kid: 'k' })] }))).toBe('ERR_BUNDLE_DUPLICATE_KID');
    expect(JwtBundle.fromJwks(TD, { keys: [jwk(ecKey, { kid: 'k' }), jwk(ecKey, { kid: 'k' })] }).size).toBe(1);
  });

  it('enforces maxAuthorities', () => {
    const keys = [jwk(ecKey, { kid: 'a' }), jwk(ecKey, { kid: 'b' })];
    expect(codeOf(() => JwtBundle.fromJwks(TD, { keys }, { maxAuthorities: 1 }))).toBe('ERR_BUNDLE_TOO_LARGE');
  });

  it('adds, replaces, removes; private keys become public, secret keys are refused', () => {
    const bundle = new JwtBundle(TD, new Map([['a', ecKey]]));
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    bundle.addJwtAuthority('b', pair.privateKey);
    expect(bundle.findJwtAuthority('b')!.type).toBe('public');
    expect(bundle.findJwtAuthority('b')!.equals(pair.publicKey)).toBe(true);
    bundle.addJwtAuthority('a', rsaKey);
    expect(bundle.findJwtAuthority('a')).toBe(rsaKey);
    expect(bundle.hasJwtAuthority('b')).toBe(true);
    expect(bundle.removeJwtAuthority('b')).toBe(true);
    expect(bundle.removeJwtAuthority('b')).toBe(false);
    expect(codeOf(() => bundle.addJwtAuthority('', ecKey))).toBe('ERR_BUNDLE_MISSING_KID');
    const secret = webcrypto.getRandomValues(new Uint8Array(32));
    expect(codeOf(() => bundle.addJwtAuthority('s', createSecretKey(secret)))).toBe('ERR_BUNDLE_INVALID_ARGUMENT');
    bundle.setJwtAuthorities([['z', ecKey]]);
    expect([...bundle.jwtAuthorities.keys()]).toEqual(['z']);
  });

  it('compares by trust domain, kids and keys', () => {
    const a = new JwtBundle(TD, [['k', ecKey]]);
    expect(a.equals(new JwtBundle('example.org', [['k', ecKey]]))).toBe(true);
    expect(a.equals(new JwtBundle('example.org', [['k', rsaKey]]))).toBe(false);
    expect(a.equals(new JwtBundle('example.org', [['j', ecKey]]))).toBe(false);
    expect(a.equals(new JwtBundle('other.org', [['k', ecKey]]))).toBe(false);
    const b = a.clone();
    b.removeJwtAuthority('k');
    expect(a.size).toBe(1);
  });

  it('is a source for its own trust domain only, and prints its kids', () => {
    const bundle = new JwtBundle(TD, [['k1', ecKey]]);
    expect(bundle.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))).toBe(bundle);
    expect(bundle.getJwtBundleForTrustDomain(TrustDomain.parse('evil.org'))).toBeUndefined();
    expect(inspect(bundle)).toBe('JwtBundle(example.org, kids: k1)');
  });
});

describe('SpiffeBundle', () => {
  function x509Entry(der: Buffer, cert: X509Certificate, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { use: 'x509-svid', ...jwk(cert.publicKey), x5c: [der.toString('base64')], ...extra };
  }

  it('parses X.509 and JWT authorities, refresh hint and sequence', () => {
    const json = JSON.stringify({
      keys: [x509Entry(caA.der, caA.cert), x509Entry(caRsa.der, caRsa.cert), { use: 'jwt-svid', ...jwk(ecKey), kid: 'jwt-1' }],
      spiffe_refresh_hint: 300,
      spiffe_sequence: 42,
    });
    const bundle = SpiffeBundle.parse('example.org', json);
    expect(bundle.x509Authorities.map((c) => c.subject)).toEqual(['CN=a', 'CN=rsa']);
    expect([...bundle.jwtAuthorities.keys()]).toEqual(['jwt-1']);
    expect(bundle.refreshHint).toBe(300);
    expect(bundle.sequenceNumber).toBe(42n);
    expect(bundle.empty()).toBe(false);
    expect(inspect(bundle)).toBe('SpiffeBundle(example.org, 2 X.509 and 1 JWT authorities, sequence 42)');
  });

  it('round-trips through marshal', () => {
    const bundle = new SpiffeBundle(TD, {
      x509Authorities: [caA.cert, caRsa.der],
      jwtAuthorities: new Map([
        ['e', ecKey],
        ['r', rsaKey],
      ]),
      refreshHint: 60,
      sequenceNumber: 18446744073709551615n,
    });
    const text = bundle.marshal();
    const parsed = SpiffeBundle.parse(TD, text);
    expect(parsed.equals(bundle)).toBe(true);
    expect(parsed.marshal()).toBe(text);
    const raw = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(raw.keys.map((k) => k.use)).toEqual(['x509-svid', 'x509-svid', 'jwt-svid', 'jwt-svid']);
    expect(raw.keys[0]!.x5c).toEqual([caA.der.toString('base64')]);
    expect(raw.keys[0]).not.toHaveProperty('kid');
    expect(raw.keys[2]!.kid).toBe('e');
    expect(text.endsWith(',"spiffe_refresh_hint":60,"spiffe_sequence":18446744073709551615}')).toBe(true);
  });

  it('keeps spiffe_sequence exact beyond 2^53', () => {
    expect(SpiffeBundle.parse(TD, '{"keys":[],"spiffe_sequence":18446744073709551615}').sequenceNumber).toBe(18446744073709551615n);
    expect(SpiffeBundle.parse(TD, '{"keys":[],"spiffe_sequence":9007199254740993}').sequenceNumber).toBe(9007199254740993n);
    expect(SpiffeBundle.parse(TD, Buffer.from(' { "spiffe_sequence" : 9007199254740993 , "keys" : [ ] } ')).sequenceNumber).toBe(9007199254740993n);
    // escaped member name, a decoy inside a key and inside a string, duplicate member (last wins, as JSON.parse)
    const tricky =
      '{"keys":[{"kty":"weird","spiffe_sequence":1,"note":"\\"spiffe_sequence\\":2,"}],"spiffe\\u005fsequence":7,"x":{"spiffe_sequence":3},"spiffe_sequence":18446744073709551614}';
    expect(SpiffeBundle.parse(TD, tricky).sequenceNumber).toBe(18446744073709551614n);
    expect(SpiffeBundle.parse(TD, '{"keys":[],"spiffe\\u005fsequence":18446744073709551613}').sequenceNumber).toBe(18446744073709551613n);
    expect(SpiffeBundle.parse(TD, { keys: [], spiffe_sequence: 18446744073709551615n }).sequenceNumber).toBe(18446744073709551615n);
    expect(SpiffeBundle.parse(TD, '{"keys":[]}').sequenceNumber).toBeUndefined();
  });

  it('rejects a spiffe_sequence that is not a non-negative 64-bit integer', () => {
    for (const bad of ['-1', '1.5', '1e3', '1.0', '"5"', 'null', '18446744073709551616']) {
      expect(codeOf(() => SpiffeBundle.parse(TD, `{"keys":[],"spiffe_sequence":${bad}}`)), bad).toBe('ERR_BUNDLE_MALFORMED');
    }
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [], spiffe_sequence: 2 ** 60 }))).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('rejects a refresh hint that is not a non-negative integer', () => {
    for (const bad of ['-1', '1.5', '"300"', 'null']) {
      expect(codeOf(() => SpiffeBundle.parse(TD, `{"keys":[],"spiffe_refresh_hint":${bad}}`)), bad).toBe('ERR_BUNDLE_MALFORMED');
    }
    expect(() => {
      new SpiffeBundle(TD).refreshHint = -5;
    }).toThrow(BundleError);
  });

  it('requires exactly one certificate in x5c of x509-svid keys', () => {
    const two = x509Entry(caA.der, caA.cert, { x5c: [caA.der.toString('base64'), caB.der.toString('base64')] });
    const err = bundleError(() => SpiffeBundle.parse(TD, { keys: [two] }));
    expect(err.code).toBe('ERR_BUNDLE_X5C');
    expect(err.keyIndex).toBe(0);
    expect(err.message).toContain('found 2 certificates');
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [x509Entry(caA.der, caA.cert, { x5c: [] })] }))).toBe('ERR_BUNDLE_X5C');
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [x509Entry(caA.der, caA.cert, { x5c: undefined })] }))).toBe('ERR_BUNDLE_X5C');
    // two certificates concatenated inside one x5c entry
    const glued = x509Entry(caA.der, caA.cert, { x5c: [Buffer.concat([caA.der, caB.der]).toString('base64')] });
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [glued] }))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
    const notB64 = x509Entry(caA.der, caA.cert, { x5c: ['***'] });
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [notB64] }))).toBe('ERR_BUNDLE_INVALID_CERTIFICATE');
  });

  it('checks that x509-svid key parameters match the certificate', () => {
    const mismatched = { ...x509Entry(caA.der, caA.cert), ...jwk(caB.cert.publicKey) };
    expect(codeOf(() => SpiffeBundle.parse(TD, { keys: [mismatched] }))).toBe('ERR_BUNDLE_KEY_MISMATCH');
    // no key parameters at all: the certificate is the authority
    const bare = { use: 'x509-svid', kty: 'EC', x5c: [caA.der.toString('base64')] };
    expect(SpiffeBundle.parse(TD, { keys: [bare] }).x509Authorities).toHaveLength(1);
  });

  it('requires kid on jwt-svid keys and names the key index', () => {
    const err = bundleError(() => SpiffeBundle.parse('example.org', { keys: [x509Entry(caA.der, caA.cert), { use: 'jwt-svid', ...jwk(ecKey) }] }));
    expect(err.code).toBe('ERR_BUNDLE_MISSING_KID');
    expect(err.keyIndex).toBe(1);
    expect(err.message).toContain('SPIFFE bundle of trust domain "example.org": key #1');
  });

  it('ignores keys with unknown use or kty, including keys with no use', () => {
    const bundle = SpiffeBundle.parse(TD, {
      keys: [
        { use: 'wit-svid', kty: 'EC', kid: 'w' },
        { use: 'x509-svid', kty: 'PQC', x5c: ['AAAA', 'BBBB'] },
        { use: 'jwt-svid', kty: 'oct', k: 'c2VjcmV0' },
        jwk(ecKey, { kid: 'no-use' }),
        { use: 'jwt-svid', ...jwk(ecKey), kid: 'ok' },
      ],
    });
    expect(bundle.x509Authorities).toHaveLength(0);
    expect([...bundle.jwtAuthorities.keys()]).toEqual(['ok']);
  });

  it('rejects malformed bundles', () => {
    expect(codeOf(() => SpiffeBundle.parse(TD, '{"spiffe_sequence":1}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => SpiffeBundle.parse(TD, 'not json'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => SpiffeBundle.parse(TD, '{"keys":["x"]}'))).toBe('ERR_BUNDLE_MALFORMED');
    expect(codeOf(() => SpiffeBundle.parse(TD, '{"keys":[{"use":"jwt-svid","kid":"a"}]}'))).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('accepts an empty key list', () => {
    const bundle = SpiffeBundle.parse(TD, '{"keys":[]}');
    expect(bundle.empty()).toBe(true);
    expect(bundle.marshal()).toBe('{"keys":[]}');
  });

  it('offers live X.509 and JWT views and is a source of both', () => {
    const bundle = new SpiffeBundle(TD);
    const x = bundle.x509Bundle();
    const j = bundle.jwtBundle();
    x.addX509Authority(caA.cert);
    j.addJwtAuthority('k', ecKey);
    expect(bundle.hasX509Authority(caA.der)).toBe(true);
    expect(bundle.findJwtAuthority('k')).toBe(ecKey);
    bundle.removeJwtAuthority('k');
    expect(j.empty()).toBe(true);
    expect(bundle.getX509BundleForTrustDomain(TD)).toBe(x);
    expect(bundle.getJwtBundleForTrustDomain(TD)).toBe(j);
    expect(bundle.getSpiffeBundleForTrustDomain(TD)).toBe(bundle);
    expect(bundle.getJwtBundleForTrustDomain(TrustDomain.parse('other.org'))).toBeUndefined();
    expect(SpiffeBundle.fromX509Bundle(x).x509Bundle().equals(x)).toBe(true);
    expect(SpiffeBundle.fromJwtBundle(new JwtBundle(TD, [['k', ecKey]])).hasJwtAuthority('k')).toBe(true);
    const copy = bundle.clone();
    copy.removeX509Authority(caA.cert);
    expect(bundle.hasX509Authority(caA.cert)).toBe(true);
  });
});

describe('bundle sets', () => {
  it('X509BundleSet: keyed by trust domain, sorted iteration, a source', () => {
    const a = new X509Bundle('b.example', [caA.cert]);
    const b = new X509Bundle('a.example', [caB.cert]);
    const set = new X509BundleSet([a, b]);
    expect(set.size).toBe(2);
    expect([...set].map((x) => x.trustDomain.name)).toEqual(['a.example', 'b.example']);
    expect(set.trustDomains().map(String)).toEqual(['a.example', 'b.example']);
    expect(set.has('spiffe://a.example')).toBe(true);
    expect(set.get(TrustDomain.parse('b.example'))).toBe(a);
    expect(set.getX509BundleForTrustDomain(TrustDomain.parse('a.example'))).toBe(b);
    expect(set.getX509BundleForTrustDomain(TrustDomain.parse('c.example'))).toBeUndefined();
    const replacement = new X509Bundle('a.example', [caRsa.cert]);
    set.add(replacement);
    expect(set.size).toBe(2);
    expect(set.get('a.example')).toBe(replacement);
    expect(set.remove('a.example')).toBe(true);
    expect(set.remove('a.example')).toBe(false);
    expect(inspect(set)).toBe('X509BundleSet(b.example)');
    expect(codeOf(() => set.add(new JwtBundle('x.example') as unknown as X509Bundle))).toBe('ERR_BUNDLE_INVALID_ARGUMENT');
    set.clear();
    expect(set.size).toBe(0);
  });

  it('JwtBundleSet and SpiffeBundleSet serve the right trust domain', () => {
    const jwtSet = new JwtBundleSet([new JwtBundle('a.example', [['k', ecKey]])]);
    expect(jwtSet.getJwtBundleForTrustDomain(TrustDomain.parse('a.example'))?.findJwtAuthority('k')).toBe(ecKey);
    expect(jwtSet.getJwtBundleForTrustDomain(TrustDomain.parse('b.example'))).toBeUndefined();
    const spiffe = new SpiffeBundle('a.example', { x509Authorities: [caA.cert], jwtAuthorities: [['k', ecKey]] });
    const set = new SpiffeBundleSet([spiffe]);
    const td = TrustDomain.parse('a.example');
    expect(set.getSpiffeBundleForTrustDomain(td)).toBe(spiffe);
    expect(set.getX509BundleForTrustDomain(td)?.hasX509Authority(caA.cert)).toBe(true);
    expect(set.getJwtBundleForTrustDomain(td)?.findJwtAuthority('k')).toBe(ecKey);
    expect(set.getX509BundleForTrustDomain(TrustDomain.parse('b.example'))).toBeUndefined();
  });
});
