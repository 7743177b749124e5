// The registrar's cold start: in a fresh `node` process, `import('spiffe-kit/registrar')` (the
// bundled entry point), then `new EntryApiClient(...)` and the first `listEntries()` against an Entry
// API on a unix socket (a grpc-js server in this process, 50 entries). Measured inside the child
// with performance.now(); node's own start-up is not included.
//
//   npm run build && node bench/registrar-cold.mjs [runs=20] [package root=.]...
//
// Each package root given is timed in turn (e.g. a build of an older commit, to compare):
// `<root>/dist/bundled/registrar.js` is imported, and `@grpc/grpc-js` resolves from `<root>`'s
// node_modules if that version needs it. Runs alternate between roots.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { LIST_ENTRIES_RESPONSE } from '../dist/registrar/entry-codec.js';
import { line, printMachine, requireBuild, ROOT, summarize } from './helpers/stats.mjs';

requireBuild();
const runs = Number(process.argv[2] ?? 20);
const roots = process.argv.length > 3 ? process.argv.slice(3).map((r) => resolve(r)) : [ROOT];

const entries = Array.from({ length: 50 }, (_, i) => ({
  id: `spiffe-kit.${String(i).padStart(32, '0')}`,
  spiffeId: `spiffe://bench.test/w${i}`,
  parentId: 'spiffe://bench.test/agent',
  selectors: [{ type: 'unix', value: `uid:${1000 + i}` }],
  x509SvidTtl: 0,
  federatesWith: [],
  admin: false,
  downstream: false,
  expiresAt: 0,
  dnsNames: [],
  revisionNumber: 0,
  storeSvid: false,
  jwtSvidTtl: 0,
  hint: '',
  createdAt: 0,
}));
const answer = LIST_ENTRIES_RESPONSE.encode({ entries, nextPageToken: '' });

const dir = mkdtempSync(join(tmpdir(), 'registrar-cold-'));
const socket = join(dir, 'api.sock');
const server = new grpc.Server();
server.addService(
  {
    ListEntries: {
      path: '/spire.api.server.entry.v1.Entry/ListEntries',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b) => b,
      requestDeserialize: (b) => b,
      responseSerialize: (b) => b,
      responseDeserialize: (b) => b,
    },
  },
  { ListEntries: (_call, callback) => callback(null, answer) },
);
await new Promise((res, rej) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? rej(err) : res())));

function timeOnce(root) {
  const entry = pathToFileURL(join(root, 'dist', 'bundled', 'registrar.js')).href;
  const code = `
    const t0 = performance.now();
    const { EntryApiClient } = await import(${JSON.stringify(entry)});
    const t1 = performance.now();
    const c = new EntryApiClient({ address: ${JSON.stringify(`unix://${socket}`)} });
    const n = (await c.listEntries()).length;
    const t2 = performance.now();
    c.close();
    if (n !== 50) throw new Error('got ' + n + ' entries');
    process.stdout.write(JSON.stringify([t1 - t0, t2 - t1, t2 - t0]));`;
  // The child does its own async work while this process serves it: run it without blocking.
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (status) => (status === 0 ? res(JSON.parse(out)) : rej(new Error(`${root}: ${err}`))));
  });
}

await printMachine();
for (const r of roots) await timeOnce(r); // warm the OS file cache
const samples = roots.map(() => [[], [], []]);
for (let i = 0; i < runs; i++) {
  for (const [j, r] of roots.entries()) {
    const [imp, first, total] = await timeOnce(r);
    samples[j][0].push(imp);
    samples[j][1].push(first);
    samples[j][2].push(total);
  }
}
console.log(`${runs} fresh processes per package root; 50 entries in one ListEntries page\n`);
for (const [j, r] of roots.entries()) {
  console.log(r === resolve(ROOT) ? 'this tree' : r);
  console.log(line("  import('spiffe-kit/registrar')", summarize(samples[j][0])));
  console.log(line('  new EntryApiClient + first listEntries()', summarize(samples[j][1])));
  console.log(line('  total', summarize(samples[j][2])));
}
server.forceShutdown();
rmSync(dir, { recursive: true, force: true });
