// Budget (design.md): memory stays flat over 10,000 rotations.
//
//   npm run build && node --expose-gc bench/rotation-memory.mjs [rotations=10000] [every=1000] [--in-process]
//
// (Without --expose-gc the script re-runs itself with it.) One X509Source (with `svid`, `update`
// and `error` listeners, as an application has) reads a TestWorkloadApi that runs in a child
// process (so that the heap measured here is the client's alone; `--in-process` runs the server
// here too). Each rotation re-issues the SVID (new key, new certificate), pushes it, and waits
// for the source's `svid` event, so the source has processed every message before the next one.
// After a warm-up, the heap is sampled after forced GC every `every` rotations; the least-squares
// slope says whether it grows. The heap is split into V8 spaces (JIT code and its metadata grow
// for a while as functions get optimized; that is not a leak), and listener counts, open streams
// and active handles are sampled too, since a leak per rotation usually shows there first.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { fmt, linearFit, printMachine, requireBuild } from './helpers/stats.mjs';

if (process.argv[2] === '--server') {
  // The Workload API side: rotates on request from the parent.
  const { TestWorkloadApi } = await import('../dist/testing/index.js');
  const api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
  process.on('message', async (msg) => {
    if (msg === 'rotate') {
      await api.rotate();
      process.send({ serial: api.svid().leaf.serialNumber });
    } else if (msg === 'close') {
      await api.close();
      process.disconnect();
    }
  });
  process.send({ address: api.address });
} else if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  await main();
}

async function main() {
  requireBuild();
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const inProcess = process.argv.includes('--in-process');
  const rotations = Number(args[0] ?? 10_000);
  const every = Number(args[1] ?? 1000);
  // V8 keeps optimizing (and re-optimizing) the hot paths for the first ~1,000 rotations: code
  // space and deopt data grow, then level off. Warm up past that, so the slope shows retention.
  const WARMUP = 1000;
  // "Flat": the fitted growth over 10,000 rotations stays under 1 MiB (100 B per rotation), i.e.
  // nothing is retained per rotation (one retained SVID would be several KiB).
  const FLAT_BYTES_PER_ROTATION = 100;

  const { X509Source } = await import('../dist/index.js');

  await printMachine();
  const server = inProcess ? await inProcessServer() : await childServer();
  const source = await X509Source.create({ address: server.address });
  let svidEvents = 0;
  let updateEvents = 0;
  source.on('svid', () => {
    svidEvents++;
  });
  source.on('update', () => {
    updateEvents++;
  });
  source.on('error', (err) => {
    console.error('source error', err);
  });

  async function rotate() {
    const seen = once(source, 'svid');
    await server.rotate();
    await seen;
  }

  async function sample(done) {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await tick();
    }
    const m = process.memoryUsage();
    const listeners = source.eventNames().reduce((n, e) => n + source.listenerCount(e), 0);
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.space_used_size]));
    return {
      rotations: done,
      heapUsed: m.heapUsed,
      code: spaces.code_space ?? 0,
      old: spaces.old_space ?? 0,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      rss: m.rss,
      listeners,
      streams: source.health().connected ? 1 : 0,
      handles: process.getActiveResourcesInfo().length,
    };
  }

  for (let i = 0; i < WARMUP; i++) await rotate();
  const series = [await sample(0)];
  const started = performance.now();
  for (let done = 1; done <= rotations; done++) {
    await rotate();
    if (done % every === 0) series.push(await sample(done));
  }
  const elapsed = performance.now() - started;
  const currentSerial = source.getX509Svid().leaf.serialNumber;
  const expected = server.lastSerial;
  await source.close();
  await server.close();

  const mb = (b) => fmt(b / 1048576, 2);
  console.log(`server ${inProcess ? 'in this process' : 'in a child process'}; heap sampled after forced GC`);
  console.log(`${rotations} rotations in ${fmt(elapsed / 1000, 1)} s (${fmt(elapsed / rotations)} ms each, issuing included); svid events ${svidEvents}, update events ${updateEvents}; source holds the latest SVID: ${currentSerial === expected}\n`);
  console.log('rotations   heapUsed MiB   (old space   code space)   external MiB   rss MiB   listeners   connected   handles');
  for (const s of series) {
    console.log(
      `${String(s.rotations).padStart(9)}   ${mb(s.heapUsed).padStart(12)}   (${mb(s.old).padStart(9)}   ${mb(s.code).padStart(10)})   ${mb(s.external).padStart(12)}   ${mb(s.rss).padStart(7)}   ${String(s.listeners).padStart(9)}   ${String(s.streams).padStart(9)}   ${String(s.handles).padStart(7)}`,
    );
  }
  const xs = series.map((s) => s.rotations);
  const heap = linearFit(xs, series.map((s) => s.heapUsed));
  const ext = linearFit(xs, series.map((s) => s.external));
  const code = linearFit(xs, series.map((s) => s.code));
  const half = series.slice(Math.floor(series.length / 2));
  const heapLate = linearFit(half.map((s) => s.rotations), half.map((s) => s.heapUsed));
  const first = series[0];
  const last = series[series.length - 1];
  console.log(`\nheapUsed slope ${fmt(heap.slope, 1)} B/rotation (R² ${fmt(heap.r2, 3)}), first -> last ${mb(last.heapUsed - first.heapUsed)} MiB`);
  console.log(`  of which code space ${fmt(code.slope, 1)} B/rotation; second half alone: heapUsed slope ${fmt(heapLate.slope, 1)} B/rotation`);
  console.log(`external slope ${fmt(ext.slope, 1)} B/rotation (R² ${fmt(ext.r2, 3)}), first -> last ${mb(last.external - first.external)} MiB`);
  const flat = heap.slope < FLAT_BYTES_PER_ROTATION && ext.slope < FLAT_BYTES_PER_ROTATION && last.listeners === first.listeners && last.handles <= first.handles;
  const judged = rotations >= 10_000 ? (flat ? 'PASS' : 'FAIL') : `${flat ? 'flat' : 'not flat'} so far (too short to judge: JIT warm-up still shows; run 10,000)`;
  console.log(`\nbudget: flat over ${rotations} rotations (slope < ${FLAT_BYTES_PER_ROTATION} B/rotation, listeners and handles constant) -> ${judged}`);
}

async function childServer() {
  const { fork } = await import('node:child_process');
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ address }] = await once(child, 'message');
  const server = {
    address,
    lastSerial: undefined,
    async rotate() {
      child.send('rotate');
      const [{ serial }] = await once(child, 'message');
      server.lastSerial = serial;
    },
    async close() {
      child.send('close');
      await once(child, 'exit');
    },
  };
  return server;
}

async function inProcessServer() {
  const { TestWorkloadApi } = await import('../dist/testing/index.js');
  const api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
  return {
    address: api.address,
    get lastSerial() {
      return api.svid().leaf.serialNumber;
    },
    async rotate() {
      await api.rotate();
    },
    close: () => api.close(),
  };
}
