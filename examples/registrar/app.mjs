// The orders service at startup: before it serves, it asks the Workload API whether it got the
// identity it declared in spiffe-entries.yaml, and says exactly what is missing if not.
//
//   SPIFFE_ENDPOINT_SOCKET=unix:///run/spire/agent/api.sock ENTRY=orders-local node app.mjs
import { X509Source } from 'spiffe-kit';
import { checkDeclaredIdentities, loadManifest } from 'spiffe-kit/registrar';

const registration = await loadManifest(new URL('./spiffe-entries.yaml', import.meta.url).pathname);
const name = process.env.ENTRY ?? 'orders-local';
const mine = registration.entries.filter((e) => e.name === name);
if (mine.length === 0) throw new Error(`no entry named ${name} in spiffe-entries.yaml`);

const source = await X509Source.create({ timeoutMs: 10_000 });
try {
  const report = checkDeclaredIdentities(source, mine);
  console.log(report.message);
  if (!report.ok) process.exitCode = 1;
  // ... start serving with createHttpsServer(source, authorizer, handler) here.
} finally {
  await source.close();
}
