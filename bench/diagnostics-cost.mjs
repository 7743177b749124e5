// What the diagnostics channels cost on the hottest publishing path: a cached
// `JwtSource.fetchJwtSvid` hit (budget <= 5 µs), which publishes `spiffe-kit:jwt:cache` { event: 'hit' }.
//
//   npm run build && node bench/diagnostics-cost.mjs [rounds=15] [calls=20000]
//
// Three modes in one process, interleaved round by round (order rotated every round): nobody
// subscribed (the guard: one `hasSubscribers` read), a no-op subscriber (the message is built and
// delivered), and `instrumentSpiffeKit` with the OpenTelemetry SDK (a counter add per hit). Each
// round times `calls` awaited hits in one block and reports ns per call; medians over the rounds.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { fmt, printMachine, requireBuild } from './helpers/stats.mjs';

requireBuild();
const rounds = Number(process.argv[2] ?? 15);
const calls = Number(process.argv[3] ?? 20000);

const { JwtSource, diagnosticsChannels } = await import('../dist/index.js');
const { TestWorkloadApi } = await import('../dist/testing/index.js');
const { instrumentSpiffeKit } = await import('../dist/otel/index.js');
const { MeterProvider } = await import('@opentelemetry/sdk-metrics');

await printMachine();
const api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
const source = await JwtSource.create({ address: api.address });
const params = { audience: 'my-api' };
const provider = new MeterProvider();

const modes = {
  'nobody subscribed': { on() {}, off() {} },
  'no-op subscriber': (() => {
    const noop = () => {};
    return { on: () => subscribe(diagnosticsChannels.jwtCache, noop), off: () => unsubscribe(diagnosticsChannels.jwtCache, noop) };
  })(),
  'instrumentSpiffeKit (OTel SDK)': (() => {
    let stop;
    return { on: () => (stop = instrumentSpiffeKit({ meterProvider: provider })), off: () => stop() };
  })(),
};

async function block() {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await source.fetchJwtSvid(params);
  return ((performance.now() - t0) * 1e6) / calls; // ns per call
}

for (let i = 0; i < 2000; i++) await source.fetchJwtSvid(params); // warm-up (first call fetches)
const names = Object.keys(modes);
const results = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length];
    modes[name].on();
    results[name].push(await block());
    modes[name].off();
  }
}
await source.close();
await api.close();
await provider.shutdown();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results['nobody subscribed']);
console.log(`cached JwtSource.fetchJwtSvid hit, ${rounds} rounds x ${calls} calls, ns per call (median of rounds, min-max)`);
for (const name of names) {
  const xs = results[name];
  const m = median(xs);
  console.log(`  ${name.padEnd(32)} ${fmt(m, 0).padStart(6)} ns  (${fmt(Math.min(...xs), 0)}-${fmt(Math.max(...xs), 0)})  ${name === names[0] ? '' : `+${fmt(m - base, 0)} ns`}`);
}
