import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, jwtVerify, SignJWT } from 'jose';
import { bench, describe } from 'vitest';
import { JwtBundle } from '../src/bundle/jwt-bundle.js';
import { JwtBundleSet } from '../src/bundle/jwt-bundle-set.js';
import { JwtSvid } from '../src/svid/jwt-svid.js';

// Budget (design.md): JWT-SVID local validation >= 0.9x raw jose.jwtVerify with the same key.
// Every contender verifies the same SPIRE-shaped ES256 token(s) with the same KeyObject.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'bench-key-1';
const audience = 'my-api';
const now = Math.floor(Date.now() / 1000);

function mint(n: number): Promise<string> {
  return new SignJWT({ sub: `spiffe://example.org/ns/prod/sa/web-${n}`, aud: [audience], exp: now + 3600, iat: now })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .sign(privateKey);
}

const token = await mint(0);
// More distinct tokens than JwtSvid's parse caches hold (256), so every call parses from scratch.
const many = await Promise.all(Array.from({ length: 1024 }, (_, n) => mint(n)));
const bundles = new JwtBundleSet([new JwtBundle('example.org', new Map([[kid, publicKey]]))]);

// Benches run one after another, so machine noise lands unevenly; a longer run evens it out.
// (Interleaving the two calls op by op in a plain script gives the steadiest ratio.)
const options = { time: 1500, warmupTime: 300 };

// Warm jose's KeyObject -> CryptoKey cache for everyone.
await jwtVerify(token, publicKey);
await JwtSvid.parseAndValidate(token, bundles, audience);

describe('JWT-SVID validation, ES256, one token (a client re-presenting its JWT-SVID)', () => {
  bench('jose.jwtVerify (key only)', async () => {
    await jwtVerify(token, publicKey);
  }, options);
  bench('JwtSvid.parseAndValidate', async () => {
    await JwtSvid.parseAndValidate(token, bundles, audience);
  }, options);
  bench('jose.jwtVerify (algorithms + audience + requiredClaims)', async () => {
    await jwtVerify(token, publicKey, { algorithms: ['ES256'], audience, requiredClaims: ['exp', 'sub'] });
  });
  bench('jose.compactVerify (signature only)', async () => {
    await compactVerify(token, publicKey, { algorithms: ['ES256'] });
  });
});

describe('JWT-SVID validation, ES256, 1024 distinct tokens round robin (cold parse)', () => {
  let i = 0;
  let j = 0;
  bench('jose.jwtVerify (key only)', async () => {
    await jwtVerify(many[i++ & 1023]!, publicKey);
  }, options);
  bench('JwtSvid.parseAndValidate', async () => {
    await JwtSvid.parseAndValidate(many[j++ & 1023]!, bundles, audience);
  }, options);
});

describe('JWT-SVID parsing without signature', () => {
  let i = 0;
  bench('JwtSvid.parseInsecure, one token', () => {
    JwtSvid.parseInsecure(token, audience);
  });
  bench('JwtSvid.parseInsecure, 1024 distinct tokens', () => {
    JwtSvid.parseInsecure(many[i++ & 1023]!, audience);
  });
});
