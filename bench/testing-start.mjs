// Cold start of the test Workload API and of the client against it, in fresh processes:
//
//   npm run build && node bench/testing-start.mjs [runs=15] [otherRoot...]
//
// Each run is a fresh `node` process (cwd = the package root, importing the package by name, i.e.
// the bundled entry points of the exports map) that times, with performance.now():
//  - "testing": import('spiffe-kit/testing'), TestWorkloadApi.start() (loads @grpc/grpc-js and the
//    service definition on the generated messages, creates the CA, issues one X.509-SVID, listens),
//    then import('spiffe-kit') and the first X509Source.create() against that server;
//  - "client": import('spiffe-kit') and the first X509Source.create() against a TestWorkloadApi
//    running in this (parent) process: the client's cold start, which this change must not move.
// Every `otherRoot` (another built checkout, e.g. the commit before a change, with node_modules)
// is run the same way, interleaved run by run with this one, so that machine noise spreads evenly.
import { spawn } from 'node:child_process';
import { line, printMachine, requireBuild, ROOT, summarize } from './helpers/stats.mjs';

requireBuild();
const runs = Number(process.argv[2] ?? 15);
const roots = [ROOT, ...process.argv.slice(3)];

const TESTING = `
const t0 = performance.now();
const { TestWorkloadApi } = await import('spiffe-kit/testing');
const t1 = performance.now();
const api = await TestWorkloadApi.start();
const t2 = performance.now();
const { X509Source } = await import('spiffe-kit');
const t3 = performance.now();
const source = await X509Source.create({ address: api.address });
const t4 = performance.now();
if (source.getX509Svid() === undefined) throw new Error('no SVID');
await source.close();
await api.close();
process.stdout.write(JSON.stringify({ importTesting: t1 - t0, start: t2 - t1, importClient: t3 - t2, firstCreate: t4 - t3, total: t4 - t0 }));
process.exit(0);
`;

const CLIENT = `
const t0 = performance.now();
const { X509Source } = await import('spiffe-kit');
const t1 = performance.now();
const source = await X509Source.create({ address: process.argv[1] });
const t2 = performance.now();
await source.close();
process.stdout.write(JSON.stringify({ importClient: t1 - t0, firstCreate: t2 - t1, total: t2 - t0 }));
process.exit(0);
`;

/** Runs `code` in a fresh process in `root` (asynchronously: the parent's server must answer meanwhile). */
function run(root, code, ...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (status) => (status === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child in ${root} exited with ${status}`))));
  });
}

const { TestWorkloadApi } = await import('spiffe-kit/testing');
await printMachine();
const api = await TestWorkloadApi.start();

// One discarded round per root warms the OS file cache.
for (const root of roots) {
  await run(root, TESTING);
  await run(root, CLIENT, api.address);
}
const samples = roots.map(() => ({ testing: [], client: [] }));
for (let i = 0; i < runs; i++) {
  for (const [j, root] of roots.entries()) {
    samples[j].testing.push(await run(root, TESTING));
    samples[j].client.push(await run(root, CLIENT, api.address));
  }
}
await api.close();

console.log(`${runs} fresh processes per root and scenario, interleaved\n`);
roots.forEach((root, j) => {
  console.log(root === ROOT ? `${root} (this checkout)` : root);
  const t = samples[j].testing;
  const c = samples[j].client;
  console.log(line("  import('spiffe-kit/testing')", summarize(t.map((s) => s.importTesting))));
  console.log(line('  TestWorkloadApi.start()', summarize(t.map((s) => s.start))));
  console.log(line("  then import('spiffe-kit')", summarize(t.map((s) => s.importClient))));
  console.log(line('  then first X509Source.create()', summarize(t.map((s) => s.firstCreate))));
  console.log(line('  all four', summarize(t.map((s) => s.total))));
  console.log(line("  client alone: import('spiffe-kit')", summarize(c.map((s) => s.importClient))));
  console.log(line('  client alone: first X509Source.create()', summarize(c.map((s) => s.firstCreate))));
  console.log(line('  client alone: both', summarize(c.map((s) => s.total))));
});
