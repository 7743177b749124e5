// Encode and decode of a large SPIRE Entry API ListEntriesResponse (no budget; the registrar's
// end-to-end cost against a real server is bench/registrar-scale.mjs):
//
//   npm run build && node bench/entry-messages.mjs [entries=5000] [rounds=15]
//
//  - "generated": src/gen/spire/api/server/entry/v1/entry.ts (ts-proto output with the wire checks
//    of src/internal/proto-wire.ts), what the registrar's EntryApiClient decodes with;
//  - "hand codec": src/registrar/entry-codec.ts, timed only while dist/ still has it (the
//    measurement before the registrar moved to the generated messages; the bytes of the two
//    encoders are checked to be equal then).
// Entries: 2 selectors, a DNS name, a federated trust domain, a hint, TTLs, created_at and
// revision_number set, as spire-controller-manager's entries look. Warm: rounds interleaved, medians.
import { existsSync } from 'node:fs';
import { fmt, line, printMachine, requireBuild, summarize } from './helpers/stats.mjs';

requireBuild();
const n = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 15);
await printMachine();

const { ListEntriesResponse } = await import('../dist/gen/spire/api/server/entry/v1/entry.js');
const generated = Array.from({ length: n }, (_, i) => ({
  id: `spiffe-kit.${i.toString(16).padStart(32, '0')}`,
  spiffe_id: { trust_domain: 'example.org', path: `/ns/bench/sa/workload-${i}` },
  parent_id: { trust_domain: 'example.org', path: '/spire/agent/k8s_psat/prod/node-1' },
  selectors: [
    { type: 'k8s', value: 'ns:bench' },
    { type: 'k8s', value: `sa:workload-${i}` },
  ],
  x509_svid_ttl: 3600,
  federates_with: ['partner.test'],
  admin: false,
  downstream: false,
  expires_at: 0,
  dns_names: [`workload-${i}.bench.svc`],
  revision_number: i % 7,
  store_svid: false,
  jwt_svid_ttl: 300,
  hint: 'internal',
  created_at: 1_780_000_000 + i,
  additional_attributes: undefined,
}));
const codecs = {
  generated: {
    message: { entries: generated, next_page_token: 'next' },
    encode: (m) => ListEntriesResponse.encode(m).finish(),
    decode: (b) => ListEntriesResponse.decode(b),
  },
};
const handPath = new URL('../dist/registrar/entry-codec.js', import.meta.url);
if (existsSync(handPath)) {
  const { LIST_ENTRIES_RESPONSE } = await import(handPath.href);
  const id = (x) => `spiffe://${x.trust_domain}${x.path}`;
  const entries = generated.map((e) => ({ id: e.id, spiffeId: id(e.spiffe_id), parentId: id(e.parent_id), selectors: e.selectors, x509SvidTtl: e.x509_svid_ttl, federatesWith: e.federates_with, admin: e.admin, downstream: e.downstream, expiresAt: e.expires_at, dnsNames: e.dns_names, revisionNumber: e.revision_number, storeSvid: e.store_svid, jwtSvidTtl: e.jwt_svid_ttl, hint: e.hint, createdAt: e.created_at }));
  codecs['hand codec'] = { message: { entries, nextPageToken: 'next' }, encode: (m) => LIST_ENTRIES_RESPONSE.encode(m), decode: (b) => LIST_ENTRIES_RESPONSE.decode(b) };
}
const kinds = Object.keys(codecs);
const wire = codecs.generated.encode(codecs.generated.message);
for (const k of kinds) {
  const bytes = codecs[k].encode(codecs[k].message);
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(wire)) !== 0) throw new Error(`${k}: other bytes than the generated encoder`);
  if (codecs[k].decode(wire).entries.length !== n) throw new Error(`${k}: lost entries`);
  for (let i = 0; i < 3; i++) codecs[k].decode(codecs[k].encode(codecs[k].message));
}
const times = Object.fromEntries(kinds.map((k) => [k, { encode: [], decode: [] }]));
for (let r = 0; r < rounds; r++) {
  for (const k of kinds) {
    let t0 = performance.now();
    codecs[k].encode(codecs[k].message);
    times[k].encode.push(performance.now() - t0);
    t0 = performance.now();
    codecs[k].decode(wire);
    times[k].decode.push(performance.now() - t0);
  }
}
console.log(`ListEntriesResponse of ${n} entries (${fmt(wire.length / 1048576)} MiB), warm, ${rounds} rounds`);
for (const k of kinds) {
  console.log(line(`  ${k}: encode`, summarize(times[k].encode)));
  console.log(line(`  ${k}: decode`, summarize(times[k].decode)));
}
