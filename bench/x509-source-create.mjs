// Budget (design.md): `X509Source.create()` resolves <= 30 ms after the call against a local
// Workload API.
//
//   npm run build && node bench/x509-source-create.mjs [iterations=300] [freshProcesses=10]
//
// One TestWorkloadApi (unix socket) runs in this process for the whole run. Measured:
//  1. warm: X509Source.create({ address }) from the call to resolution, then close(), repeated
//     (each create opens its own client, gRPC channel and unix socket connection);
//  2. warm, shared client: the same with `client` given (channel already connected);
//  3. fresh processes: a child process imports spiffe-kit and times its very first create, which
//     pays for loading node:http2 (the transport), opening the connection and compiling the code
//     paths of the first response, then a second. The split rows load node:http2 first.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, line, printMachine, requireBuild, summarize, verdict } from './helpers/stats.mjs';

const BUDGET_MS = 30;
const here = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  // Fresh process: nothing of spiffe-kit or gRPC is loaded yet.
  const address = process.argv[3];
  const split = process.argv[4] === 'split';
  const t0 = performance.now();
  // The package as users import it (the bundled entry point of the exports map).
  const { X509Source } = await import('spiffe-kit');
  let t1 = performance.now();
  let protoMs;
  if (split) {
    // Load the transport's module first, to see what remains of the first create.
    await import('node:http2');
    protoMs = performance.now() - t1;
    t1 = performance.now();
  }
  const first = await X509Source.create({ address });
  const t2 = performance.now();
  await first.close();
  const t3 = performance.now();
  const second = await X509Source.create({ address });
  const t4 = performance.now();
  await second.close();
  process.stdout.write(`${JSON.stringify({ importMs: t1 - t0 - (protoMs ?? 0), protoMs, firstCreateMs: t2 - t1, secondCreateMs: t4 - t3 })}\n`);
  process.exit(0);
}

requireBuild();
const iterations = Number(process.argv[2] ?? 300);
const freshProcesses = Number(process.argv[3] ?? 10);

const { X509Source, WorkloadApiClient } = await import('spiffe-kit');
const { TestWorkloadApi } = await import('spiffe-kit/testing');

await printMachine();
const api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
console.log(`TestWorkloadApi on ${api.address}\n`);

async function timeCreate(options) {
  const t0 = performance.now();
  const source = await X509Source.create(options);
  const t1 = performance.now();
  if (source.getX509Svid() === undefined) throw new Error('no SVID');
  await source.close();
  return t1 - t0;
}

// Warm-up: JIT, node:http2 loaded, server side warm.
for (let i = 0; i < 30; i++) await timeCreate({ address: api.address });

const own = [];
for (let i = 0; i < iterations; i++) own.push(await timeCreate({ address: api.address }));

const client = new WorkloadApiClient({ address: api.address });
for (let i = 0; i < 10; i++) await timeCreate({ client });
const shared = [];
for (let i = 0; i < iterations; i++) shared.push(await timeCreate({ client }));
client.close();

// Give the server a moment to see the cancellations, then check nothing leaked.
await new Promise((r) => setTimeout(r, 200));
const leftover = api.activeStreams;

function child(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here, '--child', api.address, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited with ${code}`))));
  });
}
const children = [];
for (let i = 0; i < freshProcesses; i++) children.push(await child('plain'));
const splitChildren = [];
for (let i = 0; i < Math.ceil(freshProcesses / 2); i++) splitChildren.push(await child('split'));
await api.close();

const sOwn = summarize(own);
const sShared = summarize(shared);
console.log(line('warm, own client (new channel + connection)', sOwn));
console.log(line('warm, shared connected client', sShared));
console.log(line('fresh process: import spiffe-kit', summarize(children.map((c) => c.importMs))));
const sFirst = summarize(children.map((c) => c.firstCreateMs));
console.log(line('fresh process: first create (loads node:http2)', sFirst));
console.log(line('fresh process: second create', summarize(children.map((c) => c.secondCreateMs))));
const sCold = summarize(children.map((c) => c.importMs + c.firstCreateMs));
console.log(line('fresh process: import + first create', sCold));
console.log(line('fresh process: load node:http2', summarize(splitChildren.map((c) => c.protoMs))));
console.log(line('fresh process: first create after that load', summarize(splitChildren.map((c) => c.firstCreateMs))));
console.log(`server streams left open after all closes: ${leftover}`);
console.log(
  `\nbudget <= ${BUDGET_MS} ms: warm median ${fmt(sOwn.median)} / p95 ${fmt(sOwn.p95)} ms -> ${verdict(sOwn.p95, BUDGET_MS)}; ` +
    `first create in a fresh process median ${fmt(sFirst.median)} ms -> ${verdict(sFirst.median, BUDGET_MS)}`,
);
