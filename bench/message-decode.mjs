// The Workload API message decoders side by side (no budget; the client path is in
// x509-response-parse.mjs and x509-source-create.mjs):
//
//   npm run build && node bench/message-decode.mjs [rounds=15] [freshProcesses=10]
//
//  - "generated": the client's decoders (src/gen/, ts-proto output with the wire checks of
//    src/internal/proto-wire.ts, through src/workloadapi/methods.ts); since the hand-written codec
//    (src/workloadapi/codec.ts) was deleted, the only decoders in the package;
//  - "protobufjs (reference)": @grpc/proto-loader + protobufjs (a dev dependency only), the
//    library the package avoids loading at run time, for scale.
// Messages (encoded by the test Workload API's serializer, src/testing/workload-api-service.ts): an
// X509SVIDResponse of 1,000 SVIDs (~1 KiB of DER each) + 1,000 federated bundles, and a
// ValidateJWTSVIDResponse with 200 claims (strings, numbers, lists, nested structs). Warm: rounds
// interleaved, medians. Cold: a fresh process imports the decoder's module (for protobufjs, also
// loads the proto) and times its first decode of the 1,000 + 1,000 message (module load + first,
// unoptimised run).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, line, printMachine, requireBuild, ROOT, summarize } from './helpers/stats.mjs';

const here = fileURLToPath(import.meta.url);
const der = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

async function serialize(rpc, message) {
  const { workloadApiService } = await import('../dist/testing/workload-api-service.js');
  return workloadApiService()[rpc].responseSerialize(message);
}

async function fixtures() {
  const svids = Array.from({ length: 1000 }, (_, i) => ({ spiffe_id: `spiffe://example.org/ns/bench/sa/w${i}`, x509_svid: der(1100, i), x509_svid_key: der(138, i + 1), bundle: der(500, 7) }));
  const federated_bundles = new Map(Array.from({ length: 1000 }, (_, i) => [`spiffe://td${i}.test`, der(450, i)]));
  const claims = {};
  for (let i = 0; i < 200; i++) claims[`c${i}`] = i % 4 === 0 ? `value-${i}` : i % 4 === 1 ? i * 1.5 : i % 4 === 2 ? ['a', 2, true] : { x: i, y: 'z' };
  return {
    x509: await serialize('FetchX509SVID', { svids, federated_bundles }),
    claims: await serialize('ValidateJWTSVID', { spiffe_id: 'spiffe://example.org/web', claims }),
  };
}

async function decoders(which) {
  if (which === 'generated') {
    const { FETCH_X509_SVID, VALIDATE_JWT_SVID } = await import('../dist/workloadapi/methods.js');
    return { x509: (b) => FETCH_X509_SVID.responseDeserialize(b), claims: (b) => VALIDATE_JWT_SVID.responseDeserialize(b) };
  }
  const protoLoader = await import('@grpc/proto-loader');
  const def = protoLoader.loadSync(fileURLToPath(new URL('../proto/workload.proto', import.meta.url)), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const service = def['SpiffeWorkloadAPI'];
  return { x509: (b) => service.FetchX509SVID.responseDeserialize(b), claims: (b) => service.ValidateJWTSVID.responseDeserialize(b) };
}

if (process.argv[2] === '--child') {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const wire = Buffer.concat(chunks);
  const t0 = performance.now();
  const d = await decoders(process.argv[3]);
  const t1 = performance.now();
  const msg = d.x509(wire);
  const t2 = performance.now();
  if (msg.svids.length !== 1000) throw new Error('lost SVIDs');
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstDecodeMs: t2 - t1 }));
  process.exit(0);
}

requireBuild();
const rounds = Number(process.argv[2] ?? 15);
const fresh = Number(process.argv[3] ?? 10);
await printMachine();
const wire = await fixtures();
const kinds = ['generated', 'protobufjs (reference)'];
const d = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await decoders(k)])));
for (const k of kinds) {
  for (let i = 0; i < 3; i++) {
    d[k].x509(wire.x509);
    d[k].claims(wire.claims);
  }
}
const warm = Object.fromEntries(kinds.map((k) => [k, { x509: [], claims: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const k of kinds) {
    for (const m of ['x509', 'claims']) {
      const t0 = performance.now();
      d[k][m](wire[m]);
      warm[k][m].push(performance.now() - t0);
    }
  }
}
console.log(`warm decode, median of ${rounds} (X509SVIDResponse ${fmt(wire.x509.length / 1048576)} MiB; ValidateJWTSVIDResponse ${wire.claims.length} bytes)`);
for (const k of kinds) {
  console.log(line(`  ${k}: X509SVIDResponse 1,000 + 1,000`, summarize(warm[k].x509)));
  console.log(line(`  ${k}: ValidateJWTSVIDResponse 200 claims`, summarize(warm[k].claims)));
}
// Cold: the child reads the message from its stdin.
const coldWire = await serialize('FetchX509SVID', {
  svids: Array.from({ length: 1000 }, (_, i) => ({ spiffe_id: `spiffe://example.org/w${i}`, x509_svid: der(40, i) })),
  federated_bundles: new Map(Array.from({ length: 1000 }, (_, i) => [`spiffe://td${i}.test`, der(40, i)])),
});
const cold = Object.fromEntries(kinds.map((k) => [k, { importMs: [], firstDecodeMs: [] }]));
for (let i = 0; i < fresh; i++) {
  for (const k of kinds) {
    const r = spawnSync(process.execPath, [here, '--child', k], { cwd: ROOT, encoding: 'utf8', input: coldWire });
    if (r.status !== 0) throw new Error(`child: ${r.stderr ?? r.error}`);
    const o = JSON.parse(r.stdout);
    cold[k].importMs.push(o.importMs);
    cold[k].firstDecodeMs.push(o.firstDecodeMs);
  }
}
console.log(`\ncold, ${fresh} fresh processes each (a 1,000 + 1,000 message of small fields, ${fmt(coldWire.length / 1024, 0)} KiB)`);
for (const k of kinds) {
  console.log(line(`  ${k}: import of the decoder's module (unbundled dist/; protobufjs: + loading the proto)`, summarize(cold[k].importMs)));
  console.log(line(`  ${k}: first decode`, summarize(cold[k].firstDecodeMs)));
}
