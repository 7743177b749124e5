// Budget (design.md): importing the package costs <= 80 ms.
//
//   npm run build && node bench/import-cost.mjs [runs=20]
//
// Each run is a fresh `node` process that times a dynamic `import()` of the entry point with
// performance.now() (module resolution, loading, evaluation; not node's own start-up). The
// package is imported by name through its self-reference ("exports" of package.json, i.e.
// the bundled dist/bundled/index.js and dist/bundled/testing.js), from the repository root; the
// unbundled tsc output (dist/index.js, ~70 modules) is timed for context. Runs alternate between the
// entries so that machine noise spreads evenly. Dependencies are timed alone for context.
import { spawnSync } from 'node:child_process';
import { fmt, line, printMachine, requireBuild, ROOT, summarize, verdict } from './helpers/stats.mjs';

const BUDGET_MS = 80;
requireBuild();
const runs = Number(process.argv[2] ?? 20);

const targets = [
  { label: "import('spiffe-kit')", specifier: 'spiffe-kit', budget: true },
  { label: "import('spiffe-kit/testing')", specifier: 'spiffe-kit/testing', budget: true },
  { label: "import('spiffe-kit') + import('spiffe-kit/testing')", specifier: ['spiffe-kit', 'spiffe-kit/testing'] },
  { label: '  for context: dist/index.js (tsc output, not bundled)', specifier: './dist/index.js' },
  { label: "  for context: import('jose')", specifier: 'jose' },
  { label: "  for context: import('@grpc/grpc-js') (lazy in spiffe-kit)", specifier: '@grpc/grpc-js' },
];

function timeImport(specifier) {
  const list = JSON.stringify([specifier].flat());
  const code = `const t = performance.now(); for (const s of ${list}) await import(s); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing ${list} failed: ${r.stderr}`);
  return Number(r.stdout);
}

await printMachine();
// One discarded round warms the OS file cache.
for (const t of targets) timeImport(t.specifier);
const samples = targets.map(() => []);
for (let i = 0; i < runs; i++) targets.forEach((t, j) => samples[j].push(timeImport(t.specifier)));

console.log(`${runs} fresh processes per entry, import time measured inside the process\n`);
const verdicts = [];
targets.forEach((t, j) => {
  const s = summarize(samples[j]);
  console.log(line(t.label, s));
  if (t.budget) verdicts.push(`${t.label} median ${fmt(s.median)} ms -> ${verdict(s.median, BUDGET_MS)}`);
});
console.log(`\nbudget <= ${BUDGET_MS} ms: ${verdicts.join('; ')}`);
