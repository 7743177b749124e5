// Registrar plan/apply at scale against a real SPIRE server (Entry API over the admin socket).
//
//   npm run build && SPIRE_BIN_DIR=.cache/spire/v1.15.3/bin node bench/registrar-scale.mjs [entries=2000] [batch=50]
//
// Starts one spire-server (SQLite, in a temp dir; no agent: the Entry API is all plan/apply use)
// and times, with the entries and batches counted:
//   1. apply of N new entries (plan + creates),
//   2. re-apply (plan only: nothing to do, no write RPC),
//   3. drift: 5% of the owned entries edited on the server (their selectors), then
//      apply --prune: they are updated back and nothing is deleted,
//   4. prune of everything (an empty declaration with prune).
// Prints one JSON line per step. Exits 1 if any step does not converge.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, EntryApiClient, plan } from '../dist/registrar/index.js';

const n = Number(process.argv[2] ?? 2000);
const batchSize = Number(process.argv[3] ?? 50);
const bin = process.env.SPIRE_BIN_DIR ?? join(process.cwd(), '.cache', 'spire', 'v1.15.3', 'bin');
const TD = 'bench.test';
const dir = mkdtempSync(join(tmpdir(), 'registrar-scale-'));
const socket = join(dir, 'api.sock');
writeFileSync(
  join(dir, 'server.conf'),
  `server {
  bind_address = "127.0.0.1"
  bind_port = 0
  socket_path = "${socket}"
  trust_domain = "${TD}"
  data_dir = "${join(dir, 'data')}"
  log_level = "WARN"
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${join(dir, 'data', 'datastore.sqlite3')}"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
`,
);
const server = spawn(join(bin, 'spire-server'), ['run', '-config', join(dir, 'server.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
let failed = false;
const client = new EntryApiClient({ address: `unix://${socket}`, timeoutMs: 60_000 });
try {
  for (let i = 0; ; i++) {
    try {
      await client.listEntries();
      break;
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const entries = Array.from({ length: n }, (_, i) => ({
    name: `e${i}`,
    spiffeId: `spiffe://${TD}/bench/${i}`,
    spiffeIdTemplate: undefined,
    parentId: `spiffe://${TD}/spire/agent/join_token/bench`,
    selectors: [{ type: 'unix', value: `uid:${100000 + i}` }],
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    dnsNames: [],
    federatesWith: [],
    hint: i % 2 === 0 ? 'even' : '',
    admin: false,
    downstream: false,
    podSelector: undefined,
    namespaceSelector: undefined,
  }));
  const step = async (name, declared, prune, expect) => {
    const t0 = performance.now();
    const p = await plan(client, declared, { ownerPrefix: 'bench.', prune });
    const tPlan = performance.now() - t0;
    const r = await apply(client, p, { batchSize });
    const ms = performance.now() - t0;
    const writes = Math.ceil(p.creates.length / batchSize) + Math.ceil(p.updates.length / batchSize) + Math.ceil(p.deletes.length / batchSize);
    const out = { step: name, entries: declared.length, creates: p.creates.length, updates: p.updates.length, deletes: p.deletes.length, unchanged: p.unchanged.length, ok: r.ok, writeRpcs: writes, planMs: Math.round(tPlan), totalMs: Math.round(ms) };
    console.log(JSON.stringify(out));
    for (const [k, v] of Object.entries(expect)) if (out[k] !== v) {
      console.error(`${name}: ${k} is ${out[k]}, expected ${v}`);
      failed = true;
    }
  };
  await step('apply', entries, false, { creates: n, ok: true });
  await step('re-apply', entries, false, { creates: 0, updates: 0, deletes: 0, unchanged: n, writeRpcs: 0 });
  // Drift: an operator edits 5% of the owned entries' selectors on the server.
  const owned = (await client.listEntries()).filter((e) => e.id.startsWith('bench.'));
  const edited = owned.filter((_, i) => i % 20 === 0).map((e) => ({ ...e, selectors: [{ type: 'unix', value: 'uid:0' }] }));
  for (let i = 0; i < edited.length; i += batchSize) await client.batchUpdate(edited.slice(i, i + batchSize), { selectors: true });
  await step('drift + apply --prune', entries, true, { creates: 0, updates: edited.length, deletes: 0, ok: true });
  await step('re-apply after drift', entries, true, { updates: 0, deletes: 0, unchanged: n });
  await step('prune all', [], true, { deletes: n, ok: true });
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  client.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
