// Budget (design.md): a cached `fetchJwtSvid` hit <= 5 µs.
//
//   npm run build && node bench/jwt-fetch.mjs [calls=2000]
//
// Times JwtSource.fetchJwtSvid({ audience }) against a TestWorkloadApi on a unix socket, the same
// audience every time, after a warm-up. Today JwtSource has no JWT-SVID cache: every call is a
// FetchJWTSVID round trip (the agent mints and signs a token; the client parses it), so this
// measures the uncached cost. Once a cache exists, the same calls are cache hits and the script
// measures the budgeted number; the server's call counter tells which case ran.
import { fmt, line, printMachine, requireBuild, summarize, verdict } from './helpers/stats.mjs';

const BUDGET_US = 5;
requireBuild();
const calls = Number(process.argv[2] ?? 2000);

const { JwtSource } = await import('../dist/index.js');
const { TestWorkloadApi } = await import('../dist/testing/index.js');

await printMachine();
const api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
const source = await JwtSource.create({ address: api.address });
const params = { audience: 'my-api' };
for (let i = 0; i < 100; i++) await source.fetchJwtSvid(params);
api.resetCalls();

const us = [];
for (let i = 0; i < calls; i++) {
  const t0 = performance.now();
  await source.fetchJwtSvid(params);
  us.push((performance.now() - t0) * 1000);
}
const served = api.calls.fetchJwtSvid;
await source.close();
await api.close();

const s = summarize(us);
const cached = served < calls / 2;
console.log(line(`JwtSource.fetchJwtSvid, same audience (${cached ? 'cache hits' : 'no cache: every call reached the agent'})`, s, 'µs'));
console.log(`FetchJWTSVID calls that reached the agent: ${served} of ${calls}`);
console.log(
  `\nbudget <= ${BUDGET_US} µs for a cached hit: ${cached ? `median ${fmt(s.median)} µs -> ${verdict(s.median, BUDGET_US)}` : 'not measurable yet (JwtSource has no JWT-SVID cache)'}`,
);
