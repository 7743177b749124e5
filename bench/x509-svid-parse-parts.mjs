// Diagnostic for the X509SVIDResponse budget: where one X509Svid.parseRaw spends its time.
//
//   npm run build && node bench/x509-svid-parse-parts.mjs [svids=300]
//
// parseRaw of a leaf-only P-256 SVID is timed whole, then the node:crypto calls it makes are timed
// alone on the same inputs (PKCS#8 key import, public key from the private key, SPKI import,
// KeyObject.equals, X509Certificate construction), next to cheaper ways to do the same work
// (JWK import of the same EC key, comparing public keys through a JWK export). Per-call means
// over `svids` distinct SVIDs, three passes after one warm-up pass.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { fmt, printMachine, requireBuild } from './helpers/stats.mjs';

requireBuild();
const count = Number(process.argv[2] ?? 300);
const { X509Svid } = await import('../dist/index.js');
const { TestCa } = await import('../dist/testing/index.js');

await printMachine();
console.log(`OpenSSL ${process.versions.openssl}\n`);
const ca = await TestCa.create({ trustDomain: 'example.org' });
const pool = [];
for (let i = 0; i < count; i++) {
  const s = await ca.issueX509Svid({ id: `spiffe://example.org/w/${i}` });
  const key = s.privateKey;
  pool.push({ chain: s.certChainDer, keyDer: s.privateKeyDer, spki: s.leaf.publicKey.export({ format: 'der', type: 'spki' }), key, jwk: key.export({ format: 'jwk' }) });
}

function time(label, fn) {
  for (const p of pool) fn(p);
  const t0 = performance.now();
  for (let r = 0; r < 3; r++) for (const p of pool) fn(p);
  const us = ((performance.now() - t0) / (3 * pool.length)) * 1000;
  console.log(`${label.padEnd(58)} ${fmt(us, 1).padStart(7)} µs`);
  return us;
}

const whole = time('X509Svid.parseRaw (whole)', (p) => X509Svid.parseRaw(p.chain, p.keyDer));
console.log('  what parseRaw calls:');
const pkcs8 = time('  createPrivateKey({ format: der, type: pkcs8 })', (p) => createPrivateKey({ key: p.keyDer, format: 'der', type: 'pkcs8' }));
time('  createPublicKey(privateKey)', (p) => createPublicKey(p.key));
const spki = time('  createPublicKey({ format: der, type: spki })', (p) => createPublicKey({ key: p.spki, format: 'der', type: 'spki' }));
const pubs = pool.map((p) => [createPublicKey(p.key), createPublicKey({ key: p.spki, format: 'der', type: 'spki' })]);
let i = 0;
time('  KeyObject.equals', () => {
  const [a, b] = pubs[i++ % pubs.length];
  a.equals(b);
});
const x509 = time('  new X509Certificate(leaf)', (p) => new X509Certificate(p.chain));
console.log(`  these three alone: ${fmt(pkcs8 + spki + x509, 0)} µs of the ${fmt(whole, 0)} µs (timed apart, so only roughly additive)`);
console.log('  cheaper equivalents:');
time('  createPrivateKey({ format: jwk }) (same EC key)', (p) => createPrivateKey({ key: p.jwk, format: 'jwk' }));
time('  createPublicKey(privateKey).export({ format: jwk })', (p) => createPublicKey(p.key).export({ format: 'jwk' }));
