// Runs every benchmark one after another (never in parallel: they would disturb each other).
//
//   npm run build && node bench/run-all.mjs [--quick] [--spire]
//
// The plain-node benchmarks (bench/*.mjs) use the built package in dist/; the vitest benchmarks
// (bench/*.bench.ts) use the sources. `--quick` shortens the long ones (fewer iterations and
// 2,000 rotations instead of 10,000) for a smoke run; the numbers in BENCHMARKS.md come from a
// full run. About 4 minutes in full on a 2-core machine. `--spire` adds the comparison with
// go-spiffe against a real SPIRE agent (bench/spire-compare.mjs; needs the SPIRE binaries of
// `npm run spire:install` and Go; ~2 more minutes).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { printMachine, requireBuild, ROOT } from './helpers/stats.mjs';

requireBuild();
const quick = process.argv.includes('--quick');
const spire = process.argv.includes('--spire');
const bench = (name) => fileURLToPath(new URL(name, import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

const steps = [
  ['X509Source.create()', [bench('x509-source-create.mjs'), ...(quick ? ['100', '4'] : [])]],
  ['import cost', [bench('import-cost.mjs'), ...(quick ? ['8'] : [])]],
  ['spiffe-kit/testing start + first X509Source.create(), fresh processes', [bench('testing-start.mjs'), ...(quick ? ['3'] : [])]],
  ['X509SVIDResponse parse', [bench('x509-response-parse.mjs'), ...(quick ? ['3'] : [])]],
  ['Workload API message decoders: generated (protobufjs for reference)', [bench('message-decode.mjs'), ...(quick ? ['5', '3'] : [])]],
  ['X509Svid.parseRaw, part by part', [bench('x509-svid-parse-parts.mjs'), ...(quick ? ['100'] : [])]],
  ['JWT-SVID validation vs jose, interleaved', [bench('jwt-ratio.mjs'), ...(quick ? ['10'] : [])]],
  ['fetchJwtSvid', [bench('jwt-fetch.mjs'), ...(quick ? ['300'] : [])]],
  ['diagnostics channels on the cached fetchJwtSvid hit', [bench('diagnostics-cost.mjs'), ...(quick ? ['5', '5000'] : [])]],
  ['mTLS handshakes vs plain node:tls, interleaved', [bench('tls-handshake.mjs'), ...(quick ? ['5', '30'] : [])]],
  ['mTLS rotation: source update -> next handshake', [bench('tls-rotation-latency.mjs'), ...(quick ? ['8'] : [])]],
  ['registrar cold start: import + first listEntries()', [bench('registrar-cold.mjs'), ...(quick ? ['5'] : [])]],
  ['federation: fetch + parse of a 100-key bundle', [bench('federation-fetch.mjs'), ...(quick ? ['30'] : [])]],
  ['memory over rotations', ['--expose-gc', bench('rotation-memory.mjs'), ...(quick ? ['2000', '250'] : [])]],
  ['vitest benches', [vitest, 'bench', '--run']],
  ...(spire ? [['spiffe-kit vs go-spiffe on a real SPIRE agent', [bench('spire-compare.mjs'), ...(quick ? ['6', '4', '100'] : ['20', '10', '200'])]]] : []),
];

await printMachine();
const started = performance.now();
let failed = 0;
for (const [label, args] of steps) {
  console.log(`\n=== ${label} ${'='.repeat(Math.max(0, 90 - label.length))}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) failed++;
  console.log(`(${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s${r.status === 0 ? '' : `, exit ${r.status}`})`);
}
console.log(`\nall benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} failed to run` : ''}`);
process.exit(failed ? 1 : 0);
