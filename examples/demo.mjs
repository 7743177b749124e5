// spiffe-kit demo: a workload gets its identity from a Workload API and watches it rotate.
//
//   npm run demo            runs for a few seconds, then exits 0
//   npm run demo -- --watch keeps running (Ctrl-C to stop)
//
// It starts the built-in Workload API of `spiffe-kit/testing` (a stand-in for the SPIRE agent),
// points SPIFFE_ENDPOINT_SOCKET at it, and then uses spiffe-kit exactly as a service would.
import { JwtSource, JwtSvid, X509Source, checkHealth } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const watch = process.argv.includes('--watch');
const say = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);

const agent = await TestWorkloadApi.start({
  trustDomain: 'example.org',
  intermediate: true,
  identities: [{ id: 'spiffe://example.org/ns/demo/sa/web', hint: 'internal' }],
});
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
say(`Workload API listening: SPIFFE_ENDPOINT_SOCKET=${agent.address}`);

// What a service does: two lines, no address in code.
const x509 = await X509Source.create();
const jwt = await JwtSource.create();

const svid = x509.getX509Svid();
say(`X.509-SVID  ${svid.id}  (hint ${svid.hint}, expires ${svid.expiresAt.toISOString()})`);
say(`bundles     ${x509.bundles.trustDomains().map(String).join(', ')}`);
x509.on('svid', ({ previous, current }) => {
  say(`rotated     serial ${previous?.leaf.serialNumber.slice(0, 12)}… -> ${current.leaf.serialNumber.slice(0, 12)}…`);
});

const token = await jwt.fetchJwtSvid({ audience: 'https://api.example.org' });
say(`JWT-SVID    sub=${token.id} aud=${token.audience.join(',')} exp=${token.expiresAt.toISOString()}`);
const checked = await JwtSvid.parseAndValidate(token.token, jwt, 'https://api.example.org');
say(`validated   locally against the JWT bundle: caller is ${checked.id}`);

let stopping = false;
process.once('SIGINT', () => {
  stopping = true;
});
const rotations = watch ? Number.POSITIVE_INFINITY : 3;
for (let i = 0; i < rotations && !stopping; i++) {
  await new Promise((r) => setTimeout(r, watch ? 5000 : 700));
  if (stopping) break;
  await agent.rotate();
  await new Promise((r) => setTimeout(r, 50));
  say(`now serving serial ${x509.getX509Svid().leaf.serialNumber.slice(0, 12)}…`);
}

const report = checkHealth([x509, jwt]);
say(`health      live=${report.live} ready=${report.ready}`);
await x509.close();
await jwt.close();
await agent.close();
say('done');
