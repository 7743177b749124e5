import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, jwtVerify, SignJWT } from 'jose';
import { bench, describe } from 'vitest';
import { JwtBundle } from '../src/bundle/jwt-bundle.js';
import { JwtBundleSet } from '../src/bundle/jwt-bundle-set.js';
import { JwtSvid } from '../src/svid/jwt-svid.js';

// One ES256 key, one SPIRE-shaped token; every contender verifies the same token with the same KeyObject.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'bench-key-1';
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ sub: 'spiffe://example.org/ns/prod/sa/web', aud: ['my-api'], exp: now + 3600, iat: now })
  .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
  .sign(privateKey);
const bundles = new JwtBundleSet([new JwtBundle('example.org', new Map([[kid, publicKey]]))]);

// Warm jose's KeyObject -> CryptoKey cache for everyone.
await jwtVerify(token, publicKey);
await JwtSvid.parseAndValidate(token, bundles, 'my-api');

describe('JWT-SVID validation, ES256, same token and key', () => {
  bench('JwtSvid.parseAndValidate', async () => {
    await JwtSvid.parseAndValidate(token, bundles, 'my-api');
  });
  bench('jose.jwtVerify (key only)', async () => {
    await jwtVerify(token, publicKey);
  });
  bench('jose.jwtVerify (algorithms + audience + requiredClaims)', async () => {
    await jwtVerify(token, publicKey, { algorithms: ['ES256'], audience: 'my-api', requiredClaims: ['exp', 'sub'] });
  });
  bench('jose.compactVerify (signature only)', async () => {
    await compactVerify(token, publicKey, { algorithms: ['ES256'] });
  });
  bench('JwtSvid.parseInsecure (no signature)', () => {
    JwtSvid.parseInsecure(token, 'my-api');
  });
});
