// Budget (design.md): 1,000 SVIDs and 1,000 federated bundles in one response parse in <= 500 ms,
// growing linearly.
//
//   npm run build && node bench/x509-response-parse.mjs [rounds=7]
//
// Builds X509SVIDResponse messages in memory, in the generated message shape (src/gen/ types: maps
// as Map) that the client decodes into and the test Workload API serves: 1,000 distinct
// X.509-SVIDs issued by one TestCa (leaf only, P-256, each SVID carries the example.org bundle as
// SPIRE sends it) and 1,000 federated bundles, each the root of its own TestCa (`spiffe://tdN.test`).
// Then:
//  1. parseX509SvidResponse at n = 100, 250, 500, 1,000 (n SVIDs + n federated bundles), rounds
//     interleaved across sizes, median per size, least-squares line through the medians;
//  2. the parts of the client path at n = 1,000: proto decode (the generated decoder, as the client
//     runs it), resource limits, parse,
//     and the parse of 1,000 SVIDs alone and of 1,000 bundles alone;
//  3. end to end through the real gRPC stream: TestWorkloadApi.pushRaw('fetchX509Svid', msg) until
//     the X509Source emits `update` (server encode, unix socket, client decode, limits, parse, diff).
import { once } from 'node:events';
import { fmt, line, linearFit, printMachine, requireBuild, summarize, verdict } from './helpers/stats.mjs';

const BUDGET_MS = 500;
const SIZES = [100, 250, 500, 1000];
const MAX = SIZES[SIZES.length - 1];
requireBuild();
const rounds = Number(process.argv[2] ?? 7);

const { X509Source } = await import('../dist/index.js');
const { TestCa, TestWorkloadApi } = await import('../dist/testing/index.js');
const { parseX509SvidResponse } = await import('../dist/workloadapi/x509-context.js');
const { FETCH_X509_SVID } = await import('../dist/workloadapi/methods.js');
const { checkLimits, resolveLimits } = await import('../dist/workloadapi/limits.js');
const { workloadApiService } = await import('../dist/testing/workload-api-service.js');
const { DEFAULT_MAX_MESSAGE_BYTES } = await import('../dist/workloadapi/client.js');

await printMachine();

// ---- the pool -------------------------------------------------------------------------------------
let t = performance.now();
const ca = await TestCa.create({ trustDomain: 'example.org' });
const bundle = ca.bundleDer();
const svids = [];
for (let i = 0; i < MAX; i++) {
  const svid = await ca.issueX509Svid({ id: `spiffe://example.org/ns/bench/sa/workload-${i}` });
  svids.push({ spiffe_id: svid.id.toString(), x509_svid: svid.certChainDer, x509_svid_key: svid.privateKeyDer, bundle, hint: '' });
}
const mintSvidsMs = performance.now() - t;
t = performance.now();
const federated = [];
for (let i = 0; i < MAX; i++) {
  const fca = await TestCa.create({ trustDomain: `td${i}.test`, jwt: false });
  federated.push([`spiffe://td${i}.test`, fca.bundleDer()]);
}
const mintBundlesMs = performance.now() - t;
console.log(`minted ${MAX} SVIDs in ${fmt(mintSvidsMs / 1000)} s and ${MAX} federated roots in ${fmt(mintBundlesMs / 1000)} s\n`);

/** The message as the client decodes it (federated_bundles a Map). */
function message(nSvids, nBundles = nSvids, order = 1) {
  const list = svids.slice(0, nSvids);
  return { svids: order === 1 ? list : list.reverse(), crl: [], federated_bundles: new Map(federated.slice(0, nBundles)) };
}
function timeParse(msg) {
  const t0 = performance.now();
  const ctx = parseX509SvidResponse(msg);
  const ms = performance.now() - t0;
  if (ctx.svids.length !== msg.svids.length) throw new Error('lost SVIDs');
  return ms;
}

// ---- 1. scaling ------------------------------------------------------------------------------------
const messages = new Map(SIZES.map((n) => [n, message(n)]));
for (let i = 0; i < 3; i++) timeParse(messages.get(100)); // warm-up
timeParse(messages.get(MAX));
const samples = new Map(SIZES.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) for (const n of SIZES) samples.get(n).push(timeParse(messages.get(n)));

console.log('parseX509SvidResponse, n SVIDs + n federated bundles');
const medians = [];
const mins = [];
for (const n of SIZES) {
  const s = summarize(samples.get(n));
  medians.push(s.median);
  mins.push(s.min);
  console.log(`${line(`  n = ${n}`, s)}   (${fmt((s.median / n) * 1000, 0)} µs per SVID+bundle)`);
}
const fit = linearFit(SIZES, medians);
const ratio = medians[medians.length - 1] / medians[0];
const fitMin = linearFit(SIZES, mins);
console.log(`  fit of the medians: ${fmt(fit.slope * 1000, 0)} µs per SVID+bundle, intercept ${fmt(fit.intercept)} ms, R² ${fmt(fit.r2, 4)}; t(${MAX}) / t(${SIZES[0]}) = ${fmt(ratio)} (linear: ${MAX / SIZES[0]})`);
console.log(`  fit of the minimums: ${fmt(fitMin.slope * 1000, 0)} µs per SVID+bundle, intercept ${fmt(fitMin.intercept)} ms, R² ${fmt(fitMin.r2, 4)}; t(${MAX}) / t(${SIZES[0]}) = ${fmt(mins[mins.length - 1] / mins[0])}\n`);

// ---- 2. the client path at n = 1,000, stage by stage ----------------------------------------------
const method = workloadApiService().FetchX509SVID;
const big = messages.get(MAX);
const wire = method.responseSerialize(big);
const limits = resolveLimits({ maxSvids: 2000, maxBundles: 2000 });
const stages = { encode: [], decode: [], limits: [], parse: [], svidsOnly: [], bundlesOnly: [] };
const svidsOnly = message(MAX, 0);
const bundlesOnly = message(1, MAX);
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  method.responseSerialize(big);
  stages.encode.push(performance.now() - t0);
  t0 = performance.now();
  const raw = FETCH_X509_SVID.responseDeserialize(wire);
  stages.decode.push(performance.now() - t0);
  t0 = performance.now();
  if (checkLimits(raw, limits) !== undefined) throw new Error('over the limits');
  stages.limits.push(performance.now() - t0);
  stages.parse.push(timeParse(raw));
  stages.svidsOnly.push(timeParse(svidsOnly));
  stages.bundlesOnly.push(timeParse(bundlesOnly));
}
console.log(`the client path at n = ${MAX} (wire size ${fmt(wire.length / 1048576)} MiB; default maxMessageBytes ${DEFAULT_MAX_MESSAGE_BYTES / 1048576} MiB)`);
console.log(line('  server: encode (test Workload API serializer, generated)', summarize(stages.encode)));
console.log(line('  client: decode (generated, src/gen/)', summarize(stages.decode)));
console.log(line('  client: checkLimits', summarize(stages.limits)));
console.log(line('  client: parseX509SvidResponse', summarize(stages.parse)));
console.log(line(`  parse of ${MAX} SVIDs, no federated bundle`, summarize(stages.svidsOnly)));
console.log(line(`  parse of 1 SVID + ${MAX} federated bundles`, summarize(stages.bundlesOnly)));

// ---- 3. end to end through gRPC ----------------------------------------------------------------------
const api = await TestWorkloadApi.start({ ca });
const source = await X509Source.create({ address: api.address, limits: { maxSvids: 2000, maxBundles: 2000 } });
const e2e = [];
const bigReversed = message(MAX, MAX, -1);
for (let r = 0; r < Math.max(3, rounds); r++) {
  // Alternate the SVID order so that every push changes the served SVID (unchanged = no event).
  const msg = r % 2 === 0 ? big : bigReversed;
  const updated = Promise.race([
    once(source, 'update'),
    once(source, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const t0 = performance.now();
  if (api.pushRaw('fetchX509Svid', msg) !== 1) throw new Error('no stream to push to');
  const [ctx] = await updated;
  e2e.push(performance.now() - t0);
  if (ctx.svids.length !== MAX || ctx.bundles.size !== MAX + 1) throw new Error(`unexpected context: ${ctx.svids.length} SVIDs, ${ctx.bundles.size} bundles`);
}
await source.close();
await api.close();
const sE2e = summarize(e2e);
console.log(line(`  end to end: pushRaw -> X509Source 'update' (${MAX} + ${MAX})`, sE2e));

const parse1000 = medians[medians.length - 1];
console.log(
  `\nbudget <= ${BUDGET_MS} ms at n = ${MAX}: parse median ${fmt(parse1000)} ms -> ${verdict(parse1000, BUDGET_MS)}; ` +
    `linear: R² ${fmt(fit.r2, 4)} -> ${fit.r2 >= 0.98 && ratio <= 12 ? 'PASS' : 'FAIL'}; end to end median ${fmt(sE2e.median)} ms -> ${verdict(sE2e.median, BUDGET_MS)}`,
);
