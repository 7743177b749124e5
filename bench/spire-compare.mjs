// spiffe-kit and go-spiffe side by side, in one run, against the same real SPIRE agent.
//
//   npm run build && node bench/spire-compare.mjs [fresh=15] [rounds=10] [block=200]   (or run-all --spire)
//
// Needs the SPIRE binaries (`bash scripts/install-spire.sh`) and Go (the go-spiffe peer of
// test/interop/go is built into .cache/interop/ by test/spire/go-peer.ts, or reused). SPIRE is
// started by the test harness (test/spire/harness.ts, transpiled on the fly with TypeScript into
// .cache/interop/bench-lib/): one server, one agent, two `unix:uid` entries with hints `node` and
// `go`, as in test/spire/interop-go.test.ts.
//
// (a) Time to the first X.509-SVID in a fresh process, `fresh` processes per platform, alternated
//     (node, go, node, go…): Node runs `node -e` importing dist/bundled/ and awaiting
//     `X509Source.create({ picker: { hint: 'node' } })`; Go runs the peer's `bench-first-svid`
//     (`workloadapi.NewX509Source` with a hint picker, then `GetX509SVID`). "Wall" is measured here,
//     from spawn() to the line the child prints once it holds its SVID (so it includes starting
//     the runtime); "in-process" is the child's own clock (Node: since process start,
//     performance.now(); Go: since main's package initialisation).
// (b) mTLS handshakes per second, each platform against its own plain-TLS baseline with the same
//     certificates (the SVID and bundle the agent issued), in one process per platform with client
//     and server both in it, 4 handshakes in flight, a new TCP + TLS 1.3 connection per handshake
//     (no resumption, no session tickets), done when the client has read the server's first byte:
//       Node: tls.createServer + tls.connect configured by hand (cert, key, ca, requestCert,
//             no hostname check)  vs  createTlsServer(source, authorizeId) +
//             tls.connect(mtlsClientOptions(source, authorizeId)), and vs createTlsServer +
//             spiffeUndiciConnect (the connector of spiffeHttpsAgent and undici);
//       Go:   crypto/tls with the same cert and a CA pool (RequireAndVerifyClientCert; the client
//             verifies the chain in VerifyConnection, as an SVID has no hostname)  vs
//             tlsconfig.MTLSServerConfig / MTLSClientConfig(source, source, AuthorizeID).
//     Rounds alternate platforms (node round, go round, …) and, inside each, the order of the
//     contenders changes every round. Ratio = plain time / spiffe time (> 1: the SPIFFE layer is faster);
//     wall clock and CPU time of the process per handshake, medians of the per-round ratios.
//     Absolute rates are not comparable across platforms (Go spreads the work over all cores,
//     Node runs client and server on one thread); the ratios are.
import { spawn } from 'node:child_process';
import { constants } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { fmt, printMachine, requireBuild, ROOT, summarize } from './helpers/stats.mjs';

requireBuild();
const fresh = Number(process.argv[2] ?? 15);
const rounds = Number(process.argv[3] ?? 10);
const block = Number(process.argv[4] ?? 200);
const CONCURRENCY = 4;
const ID_NODE = 'spiffe://example.org/interop/node';
const ID_GO = 'spiffe://example.org/interop/go';

// ---- the test harness and the Go peer builder, transpiled --------------------------------------
process.env.SPIRE_BIN_DIR ??= join(ROOT, '.cache', 'spire', process.env.SPIRE_VERSION ?? 'v1.15.3', 'bin');
const ts = (await import('typescript')).default;
const libDir = join(ROOT, '.cache', 'interop', 'bench-lib');
mkdirSync(libDir, { recursive: true });
for (const name of ['harness', 'go-peer']) {
  const source = readFileSync(join(ROOT, 'test', 'spire', `${name}.ts`), 'utf8');
  const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(join(libDir, `${name}.mjs`), out.outputText.replaceAll("from './harness.js'", "from './harness.mjs'"));
}
const { SpireHarness } = await import(pathToFileURL(join(libDir, 'harness.mjs')).href);
const { buildGoPeer, GoPeer } = await import(pathToFileURL(join(libDir, 'go-peer.mjs')).href);
const { X509Source, authorizeId, createTlsServer, mtlsClientOptions, spiffeUndiciConnect } = await import('../dist/index.js');

await printMachine();
const goVersion = await new Promise((resolve) => {
  const p = spawn(process.env.GO ?? 'go', ['version']);
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.on('close', () => resolve(out.trim()));
  p.on('error', () => resolve('go: not found'));
});
const build = await buildGoPeer(ROOT);
console.log(`${goVersion}; go-spiffe v2.9.0 peer ${build.built ? 'built' : 'reused'} in ${fmt(build.ms / 1000, 1)} s`);

const spire = await SpireHarness.start();
let source;
try {
  await spire.createEntry({ spiffeId: ID_NODE, hint: 'node' });
  await spire.createEntry({ spiffeId: ID_GO, hint: 'go' });
  source = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { hint: 'node' } });
  const deadline = Date.now() + 30_000;
  while (source.getX509Svids().length < 2) {
    if (Date.now() > deadline) throw new Error('the agent did not serve both SVIDs');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`SPIRE ${spire.address}: entries ${ID_NODE} (hint node) and ${ID_GO} (hint go), both under unix:uid:${spire.uid}\n`);
  const go = new GoPeer(build.path, spire.address);
  await firstSvid(go);
  await handshakes(go);
} finally {
  await source?.close();
  await spire.stop();
}

// ---- (a) time to first SVID -----------------------------------------------------------------------
function timed(file, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { env: { ...process.env, SPIFFE_ENDPOINT_SOCKET: spire.address }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let wall;
    child.stdout.on('data', (d) => {
      out += d;
      if (wall === undefined && out.includes('\n')) wall = performance.now() - t0;
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || wall === undefined) return reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${err}`));
      resolve({ wall, ...JSON.parse(out.slice(0, out.indexOf('\n'))) });
    });
  });
}

async function firstSvid(go) {
  const script = [
    `const { X509Source } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'bundled', 'index.js')).href)});`,
    'const imported = performance.now();',
    "const s = await X509Source.create({ picker: { hint: 'node' } });",
    'const ms = performance.now();',
    'console.log(JSON.stringify({ ms, importMs: imported, id: s.getX509Svid().id.toString() }));',
    'await s.close();',
  ].join('\n');
  const node = { wall: [], ms: [], importMs: [] };
  const gos = { wall: [], ms: [] };
  for (let i = 0; i < fresh; i++) {
    const n = await timed(process.execPath, ['--input-type=module', '-e', script]);
    if (n.id !== ID_NODE) throw new Error(`node got ${n.id}`);
    node.wall.push(n.wall);
    node.ms.push(n.ms);
    node.importMs.push(n.importMs);
    const g = await timed(go.path, ['bench-first-svid', '--hint', 'go']);
    if (g.id !== ID_GO) throw new Error(`go got ${g.id}`);
    gos.wall.push(g.wall);
    gos.ms.push(g.ms);
  }
  const row = (label, s) => `  ${label.padEnd(58)} median ${fmt(s.median, 1).padStart(6)} ms  (min ${fmt(s.min, 1)}, p95 ${fmt(s.p95, 1)}, max ${fmt(s.max, 1)})`;
  console.log(`(a) time to the first X.509-SVID in a fresh process, ${fresh} processes each, alternated`);
  console.log(row('node: wall, spawn -> SVID held', summarize(node.wall)));
  console.log(row('node: in-process, process start -> SVID', summarize(node.ms)));
  console.log(row('node:   of which process start -> import done', summarize(node.importMs)));
  console.log(row('node:   of which X509Source.create()', summarize(node.ms.map((m, i) => m - node.importMs[i]))));
  console.log(row('go:   wall, spawn -> SVID held', summarize(gos.wall)));
  console.log(row('go:   in-process, main init -> NewX509Source + GetX509SVID', summarize(gos.ms)));
  console.log(`  wall ratio node / go: ${fmt(summarize(node.wall).median / summarize(gos.wall).median, 1)}x\n`);
}

// ---- (b) handshakes per second --------------------------------------------------------------------
async function handshakes(go) {
  const svid = source.getX509Svid().marshal();
  const bundlePem = source.bundles.bundles().map((b) => b.toPem()).join('');
  const plainServerOptions = { cert: svid.certificates, key: svid.privateKey, ca: bundlePem, requestCert: true, rejectUnauthorized: true, secureOptions: constants.SSL_OP_NO_TICKET };
  const plainClientOptions = { cert: svid.certificates, key: svid.privateKey, ca: bundlePem, checkServerIdentity: () => undefined };
  const hello = (socket) => socket.end('k');
  const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  const plainServer = tls.createServer(plainServerOptions, hello);
  const spiffeServer = createTlsServer(source, authorizeId(ID_NODE), hello);
  const plainPort = await listen(plainServer);
  const spiffePort = await listen(spiffeServer);
  const awaitByte = (socket) =>
    new Promise((resolve, reject) => {
      socket.once('data', () => {
        const protocol = socket.getProtocol();
        socket.destroy();
        resolve(protocol);
      });
      socket.once('error', reject);
      socket.once('end', () => reject(new Error('closed without data')));
    });
  const plain = () => awaitByte(tls.connect({ host: '127.0.0.1', port: plainPort, ...plainClientOptions }));
  const spiffe = () => {
    const { agent: _agent, ...options } = mtlsClientOptions(source, authorizeId(ID_NODE));
    return awaitByte(tls.connect({ host: '127.0.0.1', port: spiffePort, ...options }));
  };
  // The connector spiffeHttpsAgent and undici use: one secure context per SVID + bundle set.
  const undiciConnect = spiffeUndiciConnect(source, authorizeId(ID_NODE));
  const connector = () =>
    new Promise((resolve, reject) => {
      undiciConnect({ hostname: '127.0.0.1', host: `127.0.0.1:${spiffePort}`, protocol: 'https:', port: String(spiffePort), servername: null }, (err, socket) =>
        err ? reject(err) : awaitByte(socket).then(resolve, reject),
      );
    });
  const runBlock = async (fn) => {
    let left = block;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left > 0) {
          left--;
          await fn();
        }
      }),
    );
    const cpu = process.cpuUsage(c0);
    return { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  try {
    const version = await spiffe();
    await plain();
    await connector();
    const contenders = { plain, spiffe, connector };
    for (const fn of Object.values(contenders)) await runBlock(fn);
    const res = { node: { plain: [], spiffe: [], connector: [] }, go: { plain: [], spiffe: [] } };
    let goVersionTls = '';
    for (let r = 0; r < rounds; r++) {
      const names = Object.keys(contenders);
      const order = [...names.slice(r % names.length), ...names.slice(0, r % names.length)];
      if (r % 2 === 1) order.reverse();
      for (const name of order) res.node[name].push(await runBlock(contenders[name]));
      const g = await go.run(['bench-handshake', '--hint', 'go', '--rounds', '1', '--offset', String(r), '--block', String(block), '--concurrency', String(CONCURRENCY)]);
      if (g.code !== 0) throw new Error(`go bench-handshake failed: ${g.stderr}`);
      const parsed = JSON.parse(g.stdout);
      goVersionTls = parsed.tlsVersion;
      res.go.plain.push(...parsed.plain);
      res.go.spiffe.push(...parsed.spiffe);
    }
    console.log(`(b) mTLS handshakes, ${rounds} rounds x ${block} per contender per round, ${CONCURRENCY} in flight, client + server in one process (node ${version}, go ${goVersionTls}), P-256 SVIDs from SPIRE`);
    const rate = (b) => (block / b.wallMs) * 1000;
    const cpuPer = (b) => (b.cpuMs / block) * 1000;
    const rows = [
      ['node', 'spiffe', 'node: tls.createServer + tls.connect (plain)  vs  createTlsServer + tls.connect(mtlsClientOptions)'],
      ['node', 'connector', 'node: same plain  vs  createTlsServer + spiffeUndiciConnect (reused secure context)'],
      ['go', 'spiffe', 'go:   crypto/tls (plain)  vs  tlsconfig.MTLSServerConfig + MTLSClientConfig, AuthorizeID'],
    ];
    for (const [platform, contender, label] of rows) {
      const p = res[platform].plain;
      const s = res[platform][contender];
      const wallRatio = summarize(p.map((b, i) => b.wallMs / s[i].wallMs));
      const cpuRatio = summarize(p.map((b, i) => b.cpuMs / s[i].cpuMs));
      console.log(`  ${label}`);
      console.log(`    plain   ${fmt(summarize(p.map(rate)).median, 0).padStart(6)} handshakes/s   ${fmt(summarize(p.map(cpuPer)).median, 0).padStart(5)} µs CPU/handshake`);
      console.log(`    spiffe  ${fmt(summarize(s.map(rate)).median, 0).padStart(6)} handshakes/s   ${fmt(summarize(s.map(cpuPer)).median, 0).padStart(5)} µs CPU/handshake`);
      console.log(`    ratio (plain time / spiffe time): wall ${fmt(wallRatio.median, 3)} (${fmt(wallRatio.min, 3)}-${fmt(wallRatio.max, 3)}), CPU ${fmt(cpuRatio.median, 3)} (${fmt(cpuRatio.min, 3)}-${fmt(cpuRatio.max, 3)})`);
    }
  } finally {
    plainServer.close();
    spiffeServer.close();
  }
}
