import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { inspect } from 'node:util';
import { compactVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { JwtBundle } from '../src/bundle/jwt-bundle.js';
import { JwtBundleSet } from '../src/bundle/jwt-bundle-set.js';
import { SpiffeBundle } from '../src/bundle/spiffe-bundle.js';
import { SpiffeError } from '../src/errors.js';
import { JwtSvidError, type JwtSvidErrorCode } from '../src/svid/jwt-errors.js';
import { JwtSvid } from '../src/svid/jwt-svid.js';

// ---------------------------------------------------------------------------------------------
// Keys, bundles and a hand-rolled signer (so hostile tokens can have any header at all)

type Alg = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';

interface Pair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const SUB = 'spiffe://example.org/ns/prod/sa/web';
const AUD = 'my-api';
const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;

let ec256: Pair;
let ec384: Pair;
let ec521: Pair;
let rsa: Pair;
let rsaOther: Pair;
let rsa1024: Pair;
let ecOther: Pair;
let ed: Pair;
let bundles: JwtBundleSet;

const b64u = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signWith(alg: string, key: KeyObject, input: string): string {
  const data = Buffer.from(input);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('ES')) return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  if (alg.startsWith('RS')) return sign(hash, data, key).toString('base64url');
  if (alg.startsWith('PS')) {
    return sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }).toString('base64url');
  }
  if (alg === 'EdDSA') return sign(null, data, key).toString('base64url');
  throw new Error(`test signer: ${alg}`);
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: SUB, aud: [AUD], exp: NOW_S + 300, iat: NOW_S - 10, ...overrides };
}

/** A token with exactly this header and payload, signed by `key` with `signAlg` (default: header alg). */
function token(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject = ec256.privateKey, signAlg?: string): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${signWith(signAlg ?? (header.alg as string), key, input)}`;
}

function good(overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  return token({ alg: 'ES256', kid: 'ec256', typ: 'JWT', ...header }, claims(overrides));
}

async function codeOf(promise: Promise<unknown> | (() => unknown), input?: string): Promise<JwtSvidErrorCode | 'NO_ERROR'> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
    return 'NO_ERROR';
  } catch (err) {
    expect(err).toBeInstanceOf(JwtSvidError);
    expect(err).toBeInstanceOf(SpiffeError);
    const message = (err as Error).message;
    if (input !== undefined) {
      // a bearer token never appears in an error, nor does its signature
      expect(message).not.toContain(input);
      const signature = input.split('.')[2];
      if (signature !== undefined && signature.length > 8) expect(message).not.toContain(signature);
    }
    return (err as JwtSvidError).code;
  }
}

function validate(t: string, options: { audience?: string | string[]; leewaySeconds?: number; now?: Date; source?: JwtBundleSet | SpiffeBundle } = {}) {
  return JwtSvid.parseAndValidate(t, options.source ?? bundles, options.audience ?? AUD, {
    now: options.now ?? NOW,
    ...(options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds }),
  });
}

beforeAll(() => {
  ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  ecOther = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsaOther = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  ed = generateKeyPairSync('ed25519');
  bundles = new JwtBundleSet([
    new JwtBundle(
      'example.org',
      new Map([
        ['ec256', ec256.publicKey],
        ['ec384', ec384.publicKey],
        ['ec521', ec521.publicKey],
        ['rsa', rsa.publicKey],
        ['rsa1024', rsa1024.publicKey],
        ['ed', ed.publicKey],
      ]),
    ),
    // Another trust domain that uses the same kid with its own key.
    new JwtBundle('partner.example', new Map([['ec256', ecOther.publicKey]])),
  ]);
});

// ---------------------------------------------------------------------------------------------

describe('JwtSvid.parseAndValidate — happy paths', () => {
  const cases: Array<[Alg, string, () => Pair]> = [
    ['ES256', 'ec256', () => ec256],
    ['ES384', 'ec384', () => ec384],
    ['ES512', 'ec521', () => ec521],
    ['RS256', 'rsa', () => rsa],
    ['RS384', 'rsa', () => rsa],
    ['RS512', 'rsa', () => rsa],
    ['PS256', 'rsa', () => rsa],
    ['PS384', 'rsa', () => rsa],
    ['PS512', 'rsa', () => rsa],
  ];

  it.each(cases)('%s token signed by jose.SignJWT', async (alg, kid, pair) => {
    const t = await new SignJWT({ sub: SUB, aud: ['other', AUD], exp: NOW_S + 300, iat: NOW_S, custom: { nested: [1, 2] } })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .sign(pair().privateKey);
    const svid = await validate(t);
    expect(svid.id.toString()).toBe(SUB);
    expect(svid.audience).toEqual(['other', AUD]);
    expect(svid.expiresAt.toISOString()).toBe(new Date((NOW_S + 300) * 1000).toISOString());
    expect(svid.issuedAt?.getTime()).toBe(NOW.getTime());
    expect(svid.claims.custom).toEqual({ nested: [1, 2] });
    expect(svid.token).toBe(t);
    expect(svid.marshal()).toBe(t);
  });

  it('accepts a string aud, typ JOSE, no typ, no iat, nbf in the past, and any one of several expected audiences', async () => {
    const t = token({ alg: 'ES256', kid: 'ec256', typ: 'JOSE' }, { sub: SUB, aud: AUD, exp: NOW_S + 60, nbf: NOW_S - 5 });
    const svid = await validate(t, { audience: ['nope', AUD] });
    expect(svid.audience).toEqual([AUD]);
    expect(svid.issuedAt).toBeUndefined();
    expect((await validate(token({ alg: 'ES256', kid: 'ec256' }, claims()))).id.toString()).toBe(SUB);
  });

  it('works with a single JwtBundle or a SpiffeBundle as the source', async () => {
    const t = good();
    const single = new JwtBundle('example.org', [['ec256', ec256.publicKey]]);
    expect((await JwtSvid.parseAndValidate(t, single, AUD, { now: NOW })).id.toString()).toBe(SUB);
    const spiffe = new SpiffeBundle('example.org', { jwtAuthorities: [['ec256', ec256.publicKey]] });
    expect((await validate(t, { source: spiffe })).id.toString()).toBe(SUB);
  });

  it('uses the current time by default', async () => {
    const now = Math.floor(Date.now() / 1000);
    const t = token({ alg: 'ES256', kid: 'ec256' }, { sub: SUB, aud: AUD, exp: now + 60, iat: now });
    expect((await JwtSvid.parseAndValidate(t, bundles, AUD)).id.toString()).toBe(SUB);
    const old = token({ alg: 'ES256', kid: 'ec256' }, { sub: SUB, aud: AUD, exp: now - 120 });
    expect(await codeOf(JwtSvid.parseAndValidate(old, bundles, AUD))).toBe('ERR_JWT_EXPIRED');
  });

  it('keeps the token out of inspect, toString and toJSON; claims and audience are frozen', async () => {
    const t = good({ custom: { a: [1] } });
    const svid = await JwtSvid.parseAndValidate(t, bundles, AUD, { now: NOW, hint: 'internal' });
    const signature = t.split('.')[2]!;
    for (const text of [inspect(svid), String(svid), JSON.stringify(svid), inspect({ svid }, { depth: 5 })]) {
      expect(text).toContain(SUB);
      expect(text).not.toContain(signature);
    }
    expect(Object.keys(svid)).not.toContain('token');
    expect(svid.toJSON()).toEqual({
      id: SUB,
      audience: [AUD],
      expiresAt: new Date((NOW_S + 300) * 1000).toISOString(),
      issuedAt: new Date((NOW_S - 10) * 1000).toISOString(),
      hint: 'internal',
    });
    expect(Object.isFrozen(svid.claims)).toBe(true);
    expect(Object.isFrozen(svid.audience)).toBe(true);
    expect(svid.expiresWithin(301, NOW)).toBe(true);
    expect(svid.expiresWithin(299, NOW)).toBe(false);
  });
});

describe('JwtSvid.parseAndValidate — hostile tokens, each with its own code', () => {
  it('alg none', async () => {
    const t = `${b64u({ alg: 'none', kid: 'ec256', typ: 'JWT' })}.${b64u(claims())}.`;
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('HS256 keyed with the public key bytes (key confusion)', async () => {
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const input = `${b64u({ alg: 'HS256', kid: 'rsa', typ: 'JWT' })}.${b64u(claims())}`;
    const t = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
    const jwk = JSON.stringify(ec256.publicKey.export({ format: 'jwk' }));
    const t2 = `${input}.${createHmac('sha256', jwk).update(input).digest('base64url')}`;
    expect(await codeOf(validate(t2), t2)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('EdDSA, even with an Ed25519 key in the bundle', async () => {
    const t = token({ alg: 'EdDSA', kid: 'ed', typ: 'JWT' }, claims(), ed.privateKey);
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it.each(['HS384', 'RS1', 'es256', 'ES256K', '', 42, null, ['ES256'], { alg: 'ES256' }])('alg %j', async (alg) => {
    const t = token({ alg, kid: 'ec256' }, claims(), ec256.privateKey, 'ES256');
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('deeply nested header values do not escape as a RangeError', async () => {
    const sig = good().split('.')[2];
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(await codeOf(validate(`${b64u(`{"alg":${deep}}`)}.${b64u(claims())}.${sig}`))).toBe('ERR_JWT_ALG_NOT_ALLOWED');
    expect(await codeOf(validate(`${b64u(`{"alg":"ES256","typ":${deep}}`)}.${b64u(claims())}.${sig}`))).toBe('ERR_JWT_TYP');
  });

  it('missing alg', async () => {
    const t = token({ kid: 'ec256' }, claims(), ec256.privateKey, 'ES256');
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('alg is checked before anything else in the header', async () => {
    const t = `${b64u({ alg: 'none', typ: 'bogus', crit: ['x'] })}.${b64u({})}.`;
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('missing kid', async () => {
    const t = token({ alg: 'ES256', typ: 'JWT' }, claims());
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_MISSING_KID');
    expect(await codeOf(validate(token({ alg: 'ES256', kid: '' }, claims())))).toBe('ERR_JWT_MISSING_KID');
    expect(await codeOf(validate(token({ alg: 'ES256', kid: 5 }, claims())))).toBe('ERR_JWT_MISSING_KID');
  });

  it('unknown kid', async () => {
    const t = good({}, { kid: 'rotated-away' });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_UNKNOWN_KID');
  });

  it('wrong key (same kid, other key)', async () => {
    const t = token({ alg: 'ES256', kid: 'ec256' }, claims(), ecOther.privateKey);
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_SIGNATURE');
  });

  it('key from the subject’s trust domain only (a partner’s kid cannot vouch for example.org)', async () => {
    // Signed by partner.example's key, claims to be example.org: example.org's "ec256" must be used.
    const forged = token({ alg: 'ES256', kid: 'ec256' }, claims(), ecOther.privateKey);
    expect(await codeOf(validate(forged), forged)).toBe('ERR_JWT_SIGNATURE');
    // The same signer for its own trust domain is fine.
    const own = token({ alg: 'ES256', kid: 'ec256' }, claims({ sub: 'spiffe://partner.example/x' }), ecOther.privateKey);
    expect((await validate(own)).id.trustDomain.name).toBe('partner.example');
  });

  it('expired (beyond the default 60 s leeway)', async () => {
    const t = good({ exp: NOW_S - 61 });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_EXPIRED');
  });

  it('expired but within the leeway is accepted', async () => {
    expect((await validate(good({ exp: NOW_S - 59 }))).id.toString()).toBe(SUB);
  });

  it('expired beyond a custom leeway', async () => {
    const t = good({ exp: NOW_S - 10 });
    expect(await codeOf(validate(t, { leewaySeconds: 5 }), t)).toBe('ERR_JWT_EXPIRED');
    expect(await codeOf(validate(t, { leewaySeconds: 0 }), t)).toBe('ERR_JWT_EXPIRED');
    expect(await codeOf(validate(t, { leewaySeconds: 11 }))).toBe('NO_ERROR');
    expect(await codeOf(validate(good({ exp: NOW_S }), { leewaySeconds: 0 }))).toBe('ERR_JWT_EXPIRED');
  });

  it('nbf in the future', async () => {
    const t = good({ nbf: NOW_S + 120 });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_NOT_YET_VALID');
    expect(await codeOf(validate(good({ nbf: NOW_S + 30 })))).toBe('NO_ERROR');
  });

  it('iat in the future', async () => {
    const t = good({ iat: NOW_S + 120 });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_ISSUED_IN_FUTURE');
    expect(await codeOf(validate(good({ iat: NOW_S + 30 })))).toBe('NO_ERROR');
  });

  it('missing aud', async () => {
    const t = good({ aud: undefined });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_AUDIENCE');
    expect(await codeOf(validate(good({ aud: [] })))).toBe('ERR_JWT_AUDIENCE');
  });

  it('mismatched aud, naming both audiences', async () => {
    const t = good({ aud: ['someone-else'] });
    try {
      await validate(t, { audience: ['my-api', 'my-api-2'] });
      expect.unreachable();
    } catch (err) {
      const e = err as JwtSvidError;
      expect(e.code).toBe('ERR_JWT_AUDIENCE');
      expect(e.message).toContain('"someone-else"');
      expect(e.message).toContain('"my-api-2"');
      expect(e.message).toContain(SUB);
      expect(e.expectedAudience).toEqual(['my-api', 'my-api-2']);
      expect(e.trustDomain).toBe('example.org');
      expect(e.claim).toBe('aud');
    }
  });

  it('aud of the wrong type', async () => {
    expect(await codeOf(validate(good({ aud: 7 })))).toBe('ERR_JWT_CLAIM_TYPE');
    expect(await codeOf(validate(good({ aud: [AUD, 7] })))).toBe('ERR_JWT_CLAIM_TYPE');
  });

  it('sub not a SPIFFE ID', async () => {
    for (const sub of ['web', 'spiffe://Example.org/web', 'https://example.org/web', 'spiffe://example.org/a//b', '']) {
      const t = good({ sub });
      expect(await codeOf(validate(t), t), sub).toBe('ERR_JWT_SUBJECT');
    }
    expect(await codeOf(validate(good({ sub: undefined })))).toBe('ERR_JWT_SUBJECT');
    expect(await codeOf(validate(good({ sub: ['spiffe://example.org/web'] })))).toBe('ERR_JWT_CLAIM_TYPE');
  });

  it('sub from a trust domain without a bundle', async () => {
    const t = good({ sub: 'spiffe://unknown.example/web' });
    try {
      await validate(t);
      expect.unreachable();
    } catch (err) {
      expect((err as JwtSvidError).code).toBe('ERR_JWT_NO_BUNDLE');
      expect((err as JwtSvidError).message).toContain('"unknown.example"');
      expect((err as JwtSvidError).trustDomain).toBe('unknown.example');
    }
  });

  it('bad typ', async () => {
    for (const typ of ['at+jwt', 'jwt', 'JWS', '', 1]) {
      const t = good({}, { typ });
      expect(await codeOf(validate(t), t), String(typ)).toBe('ERR_JWT_TYP');
    }
  });

  it.each(['crit', 'jku', 'x5u', 'jwk', 'x5c', 'x5t', 'b64', 'cty', 'zip', 'enc', 'custom'])('header %s is refused', async (name) => {
    const value = name === 'crit' ? ['exp'] : name === 'b64' ? false : name === 'jwk' ? ec256.publicKey.export({ format: 'jwk' }) : 'x';
    const t = good({}, { [name]: value });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_HEADER_NOT_ALLOWED');
  });

  it('tampered payload', async () => {
    const [h, , s] = good().split('.');
    const t = `${h}.${b64u(claims({ sub: 'spiffe://example.org/admin' }))}.${s}`;
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_SIGNATURE');
  });

  it('tampered signature', async () => {
    const t = good();
    const sig = Buffer.from(t.split('.')[2]!, 'base64url');
    sig[5] = sig[5]! ^ 0x01;
    const tampered = `${t.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`;
    expect(await codeOf(validate(tampered), tampered)).toBe('ERR_JWT_SIGNATURE');
  });

  it('stripped or truncated signature', async () => {
    const t = good();
    const [h, p, s] = t.split('.');
    expect(await codeOf(validate(`${h}.${p}.`))).toBe('ERR_JWT_SIGNATURE');
    expect(await codeOf(validate(`${h}.${p}.${s!.slice(0, 40)}`))).toBe('ERR_JWT_SIGNATURE');
  });

  it('JSON serialization', async () => {
    const [h, p, s] = good().split('.');
    const flattened = JSON.stringify({ protected: h, payload: p, signature: s });
    expect(await codeOf(validate(flattened), flattened)).toBe('ERR_JWT_MALFORMED');
    const general = JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] });
    expect(await codeOf(validate(general), general)).toBe('ERR_JWT_MALFORMED');
  });

  it('empty expected audience list', async () => {
    expect(await codeOf(validate(good(), { audience: [] }))).toBe('ERR_JWT_AUDIENCE_EMPTY_EXPECTED');
    expect(await codeOf(() => JwtSvid.parseInsecure(good(), []))).toBe('ERR_JWT_AUDIENCE_EMPTY_EXPECTED');
  });

  it('missing exp', async () => {
    const t = good({ exp: undefined });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_MISSING_EXP');
  });

  it('exp, nbf or iat of the wrong type', async () => {
    expect(await codeOf(validate(good({ exp: String(NOW_S + 300) })))).toBe('ERR_JWT_CLAIM_TYPE');
    expect(await codeOf(validate(good({ nbf: 'yesterday' })))).toBe('ERR_JWT_CLAIM_TYPE');
    expect(await codeOf(validate(good({ iat: null })))).toBe('ERR_JWT_CLAIM_TYPE');
  });

  it('2-part and 4-part tokens', async () => {
    const [h, p, s] = good().split('.');
    expect(await codeOf(validate(`${h}.${p}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${h}.${p}.${s}.${s}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${h}.${p}.${s}.`))).toBe('ERR_JWT_MALFORMED');
    // JWE compact serialization has 5 parts
    expect(await codeOf(validate(`${h}.${p}.${s}.${s}.${s}`))).toBe('ERR_JWT_MALFORMED');
  });

  it('non-base64url garbage', async () => {
    const [h, p, s] = good().split('.');
    for (const t of ['', 'garbage', '...', '!!!.???.***', `${h}.${p}.${s}=`, `${h}=.${p}.${s}`, `${h}.${p}+.${s}`, `${h}.${p}.${s}\n`, ` ${h}.${p}.${s}`, `.${p}.${s}`, `${h}..${s}`]) {
      expect(await codeOf(validate(t)), JSON.stringify(t)).toBe('ERR_JWT_MALFORMED');
    }
  });

  it('header or payload that is not a UTF-8 JSON object', async () => {
    const sig = good().split('.')[2];
    const p = b64u(claims());
    expect(await codeOf(validate(`${b64u('not json')}.${p}.${sig}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${b64u('[1]')}.${p}.${sig}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${b64u('null')}.${p}.${sig}`))).toBe('ERR_JWT_MALFORMED');
    const h = b64u({ alg: 'ES256', kid: 'ec256' });
    expect(await codeOf(validate(`${h}.${b64u('"just a string"')}.${sig}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${h}.${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.${sig}`))).toBe('ERR_JWT_MALFORMED');
    expect(await codeOf(validate(`${h}.${'A'.repeat(5)}.${sig}`))).toBe('ERR_JWT_MALFORMED'); // impossible base64 length
  });

  it('deeply nested custom claims', async () => {
    const payload = JSON.stringify(claims()).replace(/}$/, `,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    const input = `${b64u({ alg: 'ES256', kid: 'ec256' })}.${b64u(payload)}`;
    const svid = await validate(`${input}.${signWith('ES256', ec256.privateKey, input)}`);
    expect(Array.isArray(svid.claims.deep)).toBe(true);
  });

  it('oversized token', async () => {
    const t = good({ filler: 'x'.repeat(70_000) });
    expect(await codeOf(validate(t), t)).toBe('ERR_JWT_MALFORMED');
  });

  it('token that is not a string', async () => {
    expect(await codeOf(validate(undefined as unknown as string))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(await codeOf(validate(Buffer.from(good()) as unknown as string))).toBe('ERR_JWT_INVALID_ARGUMENT');
  });

  it('bad arguments', async () => {
    expect(await codeOf(validate(good(), { audience: [''] }))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(await codeOf(validate(good(), { audience: [AUD, 5 as unknown as string] }))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(await codeOf(validate(good(), { leewaySeconds: -1 }))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(await codeOf(validate(good(), { leewaySeconds: Number.NaN }))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(await codeOf(validate(good(), { now: new Date('nope') }))).toBe('ERR_JWT_INVALID_ARGUMENT');
  });
});

describe('JwtSvid.parseAndValidate — key type must fit alg', () => {
  it('an EC key cannot verify RS256, an RSA key cannot verify ES256', async () => {
    const rs = token({ alg: 'RS256', kid: 'ec256' }, claims(), rsa.privateKey);
    expect(await codeOf(validate(rs), rs)).toBe('ERR_JWT_KEY_ALG_MISMATCH');
    const es = token({ alg: 'ES256', kid: 'rsa' }, claims(), ec256.privateKey);
    expect(await codeOf(validate(es), es)).toBe('ERR_JWT_KEY_ALG_MISMATCH');
    const ps = token({ alg: 'PS256', kid: 'ec256' }, claims(), rsa.privateKey);
    expect(await codeOf(validate(ps), ps)).toBe('ERR_JWT_KEY_ALG_MISMATCH');
  });

  it('a P-256 key cannot verify ES384, a P-384 key cannot verify ES256', async () => {
    const es384 = token({ alg: 'ES384', kid: 'ec256' }, claims(), ec384.privateKey);
    expect(await codeOf(validate(es384), es384)).toBe('ERR_JWT_KEY_ALG_MISMATCH');
    const es256 = token({ alg: 'ES256', kid: 'ec384' }, claims(), ec256.privateKey);
    expect(await codeOf(validate(es256), es256)).toBe('ERR_JWT_KEY_ALG_MISMATCH');
  });

  it('an Ed25519 key cannot verify ES256; an RSA key under 2048 bits is refused', async () => {
    expect(await codeOf(validate(token({ alg: 'ES256', kid: 'ed' }, claims())))).toBe('ERR_JWT_KEY_ALG_MISMATCH');
    expect(await codeOf(validate(token({ alg: 'RS256', kid: 'rsa1024' }, claims(), rsa1024.privateKey)))).toBe('ERR_JWT_KEY_ALG_MISMATCH');
  });

  it('jose itself refuses mismatched keys too (defence in depth behind our own check)', async () => {
    // jose reports an unusable key (TypeError, JOSENotSupported or WebCrypto's DataError,
    // depending on the mismatch) before any signature check.
    const refusesKey = (err: unknown) =>
      err instanceof TypeError || (err as { code?: string }).code === 'ERR_JOSE_NOT_SUPPORTED' || (err as { name?: string }).name === 'DataError';
    const rs = token({ alg: 'RS256', kid: 'x' }, claims(), rsa.privateKey);
    await expect(compactVerify(rs, ec256.publicKey, { algorithms: ['RS256'] })).rejects.toSatisfy(refusesKey);
    const es384 = token({ alg: 'ES384', kid: 'x' }, claims(), ec384.privateKey);
    await expect(compactVerify(es384, ec256.publicKey, { algorithms: ['ES384'] })).rejects.toSatisfy(refusesKey);
    const rs1024 = token({ alg: 'RS256', kid: 'x' }, claims(), rsa1024.privateKey);
    await expect(compactVerify(rs1024, rsa1024.publicKey, { algorithms: ['RS256'] })).rejects.toSatisfy(refusesKey);
    await expect(compactVerify(rs, rsaOther.publicKey, { algorithms: ['RS256'] })).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('JwtSvid — repeated tokens', () => {
  it('re-checks audience and time on every call for a token seen before', async () => {
    const t = good();
    expect(await codeOf(validate(t))).toBe('NO_ERROR');
    expect(await codeOf(validate(t))).toBe('NO_ERROR');
    expect(await codeOf(validate(t, { audience: 'other-api' }))).toBe('ERR_JWT_AUDIENCE');
    expect(await codeOf(validate(t, { now: new Date((NOW_S + 361) * 1000) }))).toBe('ERR_JWT_EXPIRED');
    expect(await codeOf(validate(t, { now: new Date((NOW_S - 100) * 1000) }))).toBe('ERR_JWT_ISSUED_IN_FUTURE');
    // same header and payload, other signature: the signature is still verified
    const forged = `${t.split('.').slice(0, 2).join('.')}.${signWith('ES256', ecOther.privateKey, t.split('.').slice(0, 2).join('.'))}`;
    expect(await codeOf(validate(forged))).toBe('ERR_JWT_SIGNATURE');
    // same header and payload, garbage signature part
    expect(await codeOf(validate(`${t.split('.').slice(0, 2).join('.')}.%%%`))).toBe('ERR_JWT_MALFORMED');
  });

  it('a hand-written bundle source answering null (for the bundle or the key) fails closed with the typed error', async () => {
    const t = good({}, { kid: 'k' });
    const nullBundle = { getJwtBundleForTrustDomain: () => null } as unknown as JwtBundle;
    expect(await codeOf(JwtSvid.parseAndValidate(t, nullBundle, AUD, { now: NOW }))).toBe('ERR_JWT_NO_BUNDLE');
    const nullKey = { getJwtBundleForTrustDomain: () => ({ findJwtAuthority: () => null }) } as unknown as JwtBundle;
    expect(await codeOf(JwtSvid.parseAndValidate(t, nullKey, AUD, { now: NOW }))).toBe('ERR_JWT_UNKNOWN_KID');
  });

  it('follows key rotation: a removed kid is unknown at once', async () => {
    const bundle = new JwtBundle('example.org', [['k', ec256.publicKey]]);
    const t = good({}, { kid: 'k' });
    expect((await JwtSvid.parseAndValidate(t, bundle, AUD, { now: NOW })).id.toString()).toBe(SUB);
    bundle.removeJwtAuthority('k');
    expect(await codeOf(JwtSvid.parseAndValidate(t, bundle, AUD, { now: NOW }))).toBe('ERR_JWT_UNKNOWN_KID');
    bundle.addJwtAuthority('k', ecOther.publicKey);
    expect(await codeOf(JwtSvid.parseAndValidate(t, bundle, AUD, { now: NOW }))).toBe('ERR_JWT_SIGNATURE');
  });
});

describe('JwtSvid.parseInsecure', () => {
  it('checks structure, header and claims but not the signature', () => {
    const t = token({ alg: 'ES256', kid: 'k' }, claims(), ecOther.privateKey);
    const svid = JwtSvid.parseInsecure(t, AUD, { now: NOW, hint: 'external' });
    expect(svid.id.toString()).toBe(SUB);
    expect(svid.hint).toBe('external');
  });

  it('still refuses what validation refuses before the signature', async () => {
    expect(await codeOf(() => JwtSvid.parseInsecure(`${b64u({ alg: 'none', kid: 'k' })}.${b64u(claims())}.`, AUD, { now: NOW }))).toBe(
      'ERR_JWT_ALG_NOT_ALLOWED',
    );
    expect(await codeOf(() => JwtSvid.parseInsecure(good({ exp: NOW_S - 3600 }), AUD, { now: NOW }))).toBe('ERR_JWT_EXPIRED');
    expect(await codeOf(() => JwtSvid.parseInsecure(good(), 'other', { now: NOW }))).toBe('ERR_JWT_AUDIENCE');
    expect(await codeOf(() => JwtSvid.parseInsecure(good({}, { jku: 'https://evil' }), AUD, { now: NOW }))).toBe('ERR_JWT_HEADER_NOT_ALLOWED');
    expect(await codeOf(() => JwtSvid.parseInsecure('a.b', AUD))).toBe('ERR_JWT_MALFORMED');
  });
});
