// Budget (design.md): JWT-SVID local validation >= 0.9x raw `jose.jwtVerify` with the same key.
//
//   npm run build && node bench/jwt-ratio.mjs [rounds=40]
//
// bench/jwt-svid.bench.ts runs the contenders one after another, so noise from the rest of the
// machine lands unevenly on them. This script interleaves them: each round times a block of
// calls of one contender, then a block of the other (the order swaps every round), and the ratio
// is taken between the median block times. Same SPIRE-shaped ES256 tokens and the same KeyObject
// as the vitest bench: one token re-presented, and 1,024 distinct tokens round robin (more than
// JwtSvid's parse caches hold, so every call parses from scratch).
import { generateKeyPairSync } from 'node:crypto';
import { fmt, printMachine, requireBuild, summarize } from './helpers/stats.mjs';

const BUDGET_RATIO = 0.9;
const BLOCK = 300;
requireBuild();
const rounds = Number(process.argv[2] ?? 40);

const { jwtVerify, SignJWT } = await import('jose');
const { JwtBundle, JwtBundleSet, JwtSvid } = await import('../dist/index.js');

await printMachine();
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'bench-key-1';
const audience = 'my-api';
const now = Math.floor(Date.now() / 1000);
const mint = (n) =>
  new SignJWT({ sub: `spiffe://example.org/ns/prod/sa/web-${n}`, aud: [audience], exp: now + 3600, iat: now })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .sign(privateKey);
const one = [await mint(0)];
const many = await Promise.all(Array.from({ length: 1024 }, (_, n) => mint(n)));
const bundles = new JwtBundleSet([new JwtBundle('example.org', new Map([[kid, publicKey]]))]);

const contenders = {
  jose: (token) => jwtVerify(token, publicKey),
  kit: (token) => JwtSvid.parseAndValidate(token, bundles, audience),
};

async function block(fn, tokens, offset) {
  const t0 = performance.now();
  for (let i = 0; i < BLOCK; i++) await fn(tokens[(offset + i) & (tokens.length - 1)]);
  return (performance.now() - t0) / BLOCK;
}

async function compare(tokens) {
  for (let i = 0; i < 3; i++) for (const fn of Object.values(contenders)) await block(fn, tokens, i * BLOCK);
  const times = { jose: [], kit: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['jose', 'kit'] : ['kit', 'jose'];
    for (const name of order) times[name].push(await block(contenders[name], tokens, r * BLOCK));
  }
  const jose = summarize(times.jose);
  const kit = summarize(times.kit);
  return { jose, kit, ratio: jose.median / kit.median };
}

const verdicts = [];
for (const [label, tokens] of [
  ['one token re-presented', one],
  ['1,024 distinct tokens (cold parse)', many],
]) {
  const { jose, kit, ratio } = await compare(tokens);
  console.log(`${label}:`);
  console.log(`  jose.jwtVerify (key only)   median ${fmt(jose.median * 1000, 1)} µs/op  (${fmt(1000 / jose.median, 0)} ops/s)`);
  console.log(`  JwtSvid.parseAndValidate    median ${fmt(kit.median * 1000, 1)} µs/op  (${fmt(1000 / kit.median, 0)} ops/s)`);
  console.log(`  ratio (spiffe-kit throughput / jose) ${fmt(ratio, 3)}`);
  verdicts.push(`${label} ${fmt(ratio, 3)} -> ${ratio >= BUDGET_RATIO ? 'PASS' : 'FAIL'}`);
}
console.log(`\nbudget >= ${BUDGET_RATIO}x jose.jwtVerify (${rounds} interleaved rounds of ${BLOCK} calls): ${verdicts.join('; ')}`);
