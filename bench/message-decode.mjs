// The Workload API message decoders side by side (no budget; the client path is in
// x509-response-parse.mjs and x509-source-create.mjs):
//
//   npm run build && node bench/message-decode.mjs [rounds=15] [freshProcesses=10]
//
//  - "generated": the client's decoders (src/gen/, ts-proto output with the wire checks of
//    src/internal/proto-wire.ts, through src/workloadapi/methods.ts);
//  - "hand codec": src/workloadapi/codec.ts, which the test Workload API still encodes with (its
//    decoders gave proto-loader-shaped objects that the client then re-checked field by field).
// Messages: an X509SVIDResponse of 1,000 SVIDs (~1 KiB of DER each) + 1,000 federated bundles, and
// a ValidateJWTSVIDResponse with 200 claims (strings, numbers, lists, nested structs). Warm:
// rounds interleaved, medians. Cold: a fresh process imports the decoder's module and times its
// first decode of the 1,000 + 1,000 message (module load + first, unoptimised run).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, line, printMachine, requireBuild, ROOT, summarize } from './helpers/stats.mjs';

const here = fileURLToPath(import.meta.url);
const der = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

async function fixtures() {
  const { X509_SVID_RESPONSE, VALIDATE_JWT_SVID_RESPONSE } = await import('../dist/workloadapi/codec.js');
  const svids = Array.from({ length: 1000 }, (_, i) => ({ spiffe_id: `spiffe://example.org/ns/bench/sa/w${i}`, x509_svid: der(1100, i), x509_svid_key: der(138, i + 1), bundle: der(500, 7), hint: '' }));
  const federated_bundles = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`spiffe://td${i}.test`, der(450, i)]));
  const fields = {};
  for (let i = 0; i < 200; i++) {
    fields[`c${i}`] =
      i % 4 === 0
        ? { stringValue: `value-${i}` }
        : i % 4 === 1
          ? { numberValue: i * 1.5 }
          : i % 4 === 2
            ? { listValue: { values: [{ stringValue: 'a' }, { numberValue: 2 }, { boolValue: true }] } }
            : { structValue: { fields: { x: { numberValue: i }, y: { stringValue: 'z' } } } };
  }
  return {
    x509: X509_SVID_RESPONSE.encode({ svids, crl: [], federated_bundles }),
    claims: VALIDATE_JWT_SVID_RESPONSE.encode({ spiffe_id: 'spiffe://example.org/web', claims: { fields } }),
  };
}

async function decoders(which) {
  if (which === 'generated') {
    const { FETCH_X509_SVID, VALIDATE_JWT_SVID } = await import('../dist/workloadapi/methods.js');
    return { x509: (b) => FETCH_X509_SVID.responseDeserialize(b), claims: (b) => VALIDATE_JWT_SVID.responseDeserialize(b) };
  }
  const { X509_SVID_RESPONSE, VALIDATE_JWT_SVID_RESPONSE } = await import('../dist/workloadapi/codec.js');
  return { x509: (b) => X509_SVID_RESPONSE.decode(b), claims: (b) => VALIDATE_JWT_SVID_RESPONSE.decode(b) };
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
const kinds = ['generated', 'hand codec'];
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
const { X509_SVID_RESPONSE } = await import('../dist/workloadapi/codec.js');
const coldWire = X509_SVID_RESPONSE.encode({ svids: Array.from({ length: 1000 }, (_, i) => ({ spiffe_id: `spiffe://example.org/w${i}`, x509_svid: der(40, i) })), federated_bundles: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`spiffe://td${i}.test`, der(40, i)])) });
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
  console.log(line(`  ${k}: import of the decoder's module (unbundled dist/)`, summarize(cold[k].importMs)));
  console.log(line(`  ${k}: first decode`, summarize(cold[k].firstDecodeMs)));
}
