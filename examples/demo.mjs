// spiffe-kit demo: a workload gets its identity from a Workload API, watches it rotate, and two
// services talk mTLS (https and gRPC), each authorizing the other by SPIFFE ID, while the SVIDs
// rotate under continuous requests.
//
//   npm run demo            runs for a few seconds, exits 0 when no request failed
//   npm run demo -- --watch keeps running (Ctrl-C to stop)
//
// Which Workload API:
// - SPIFFE_ENDPOINT_SOCKET unset: the built-in Workload API of `spiffe-kit/testing` (a stand-in for
//   the SPIRE agent) is started, SPIFFE_ENDPOINT_SOCKET is pointed at it, and it rotates the SVIDs
//   on demand in the middle of the traffic.
// - SPIFFE_ENDPOINT_SOCKET set (e.g. a real SPIRE agent): that Workload API is used as is. The
//   parts that need the built-in agent's controls (rotating on demand) are skipped, and the output
//   says so. If the agent gives this process two or more SVIDs the two services use the first two;
//   with one SVID both services run under the same ID.
//
// Everything after "What a service does" is what a real service writes: no address in code.
import https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import {
  JwtSource,
  JwtSvid,
  X509Source,
  authorizeId,
  checkHealth,
  createHttpsServer,
  peerSpiffeId,
  spiffeHttpsAgent,
} from 'spiffe-kit';
import { grpcChannelCredentials, grpcServerCredentials } from 'spiffe-kit/grpc';

const watch = process.argv.includes('--watch');
const say = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const short = (svid) => `${svid.leaf.serialNumber.slice(0, 12)}…`;

// ---- the Workload API -------------------------------------------------------------------------
let agent; // the built-in Workload API, when we started it
if (process.env.SPIFFE_ENDPOINT_SOCKET) {
  say(`Workload API: external, SPIFFE_ENDPOINT_SOCKET=${process.env.SPIFFE_ENDPOINT_SOCKET}`);
} else {
  const { TestWorkloadApi } = await import('spiffe-kit/testing');
  agent = await TestWorkloadApi.start({
    trustDomain: 'example.org',
    intermediate: true,
    identities: [
      { id: 'spiffe://example.org/ns/demo/sa/orders', hint: 'orders' },
      { id: 'spiffe://example.org/ns/demo/sa/frontend', hint: 'frontend' },
    ],
  });
  process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
  say(`Workload API: built-in (spiffe-kit/testing), SPIFFE_ENDPOINT_SOCKET=${agent.address}`);
}

// ---- What a service does: two lines, no address in code ---------------------------------------
const x509 = await X509Source.create();
const jwt = await JwtSource.create();

const svid = x509.getX509Svid();
say(`X.509-SVID  ${svid.id}  (hint ${svid.hint || '-'}, expires ${svid.expiresAt.toISOString()})`);
say(`bundles     ${x509.bundles.trustDomains().map(String).join(', ')}`);

const token = await jwt.fetchJwtSvid({ audience: 'https://api.example.org' });
say(`JWT-SVID    sub=${token.id} aud=${token.audience.join(',')} exp=${token.expiresAt.toISOString()}`);
const checked = await JwtSvid.parseAndValidate(token.token, jwt, 'https://api.example.org');
say(`validated   locally against the JWT bundle: caller is ${checked.id}`);

// ---- two services: "orders" serves https + gRPC, "frontend" calls it ---------------------------
const ids = [...new Map(x509.getX509Svids().map((s) => [s.id.toString(), s])).keys()];
const ordersId = ids[0];
const frontendId = ids[1] ?? ids[0];
if (ids.length < 2) say(`one SVID available: both services run as ${ordersId}`);
const orders = await X509Source.create({ picker: { id: ordersId } });
const frontend = ids.length < 2 ? orders : await X509Source.create({ picker: { id: frontendId } });
for (const [name, source] of frontend === orders ? [['orders + frontend', orders]] : [['orders', orders], ['frontend', frontend]]) {
  source.on('svid', ({ previous, current }) => say(`rotated     ${name}: serial ${previous ? short(previous) : '-'} -> ${short(current)}`));
}

// orders: only the frontend may call it (the check runs before any request handler).
const httpsServer = createHttpsServer(orders, authorizeId(frontendId), (req, res) => res.end(`orders (https) serves ${peerSpiffeId(req)}`));
await new Promise((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
const httpsPort = httpsServer.address().port;

const service = {
  hello: {
    path: '/demo.Orders/Hello',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v) => v,
    requestDeserialize: (b) => b,
    responseSerialize: (v) => v,
    responseDeserialize: (b) => b,
  },
};
const grpcServer = new grpc.Server();
grpcServer.addService(service, { hello: (call, callback) => callback(null, Buffer.from(`orders (gRPC) serves ${peerSpiffeId(call)}`)) });
const grpcPort = await new Promise((resolve, reject) =>
  grpcServer.bindAsync('127.0.0.1:0', grpcServerCredentials(orders, authorizeId(frontendId)), (err, port) => (err ? reject(err) : resolve(port))),
);
say(`orders      ${ordersId} on https :${httpsPort} and gRPC :${grpcPort}, admits only ${frontendId}`);

// frontend: talks to orders only if the server really is orders.
const httpsAgent = spiffeHttpsAgent(frontend, authorizeId(ordersId), { keepAlive: true, maxSockets: 2 });
const freshAgent = spiffeHttpsAgent(frontend, authorizeId(ordersId)); // a new handshake per request
const Client = grpc.makeGenericClientConstructor(service, 'Orders');
const grpcClient = new Client(`127.0.0.1:${grpcPort}`, grpcChannelCredentials(frontend, authorizeId(ordersId)));

const callHttps = (agent) =>
  new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: httpsPort, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
const callGrpc = () =>
  new Promise((resolve, reject) =>
    grpcClient.makeUnaryRequest('/demo.Orders/Hello', (v) => v, (b) => b, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err, v) =>
      err ? reject(err) : resolve(String(v)),
    ),
  );

say(`frontend    ${await callHttps(httpsAgent)}`);
say(`frontend    ${await callGrpc()}`);

// ---- continuous requests while the SVIDs rotate --------------------------------------------------
const counts = { https: 0, 'https (new connection each)': 0, gRPC: 0 };
let failed = 0;
let stop = false;
const load = async (label, fn, pauseMs) => {
  while (!stop) {
    try {
      await fn();
      counts[label]++;
    } catch (err) {
      failed++;
      say(`request failed (${label}): ${err.message}`);
    }
    if (pauseMs > 0) await sleep(pauseMs);
  }
};
const pause = watch ? 200 : 0; // --watch: a gentle trickle instead of a flood
const loops = [
  load('https', () => callHttps(httpsAgent), pause),
  load('https (new connection each)', () => callHttps(freshAgent), pause),
  load('gRPC', callGrpc, pause),
];

let stopping = false;
let wake = () => {};
const nap = (ms) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
process.once('SIGINT', () => {
  stopping = true;
  wake(); // Ctrl-C ends the wait at once
});
if (agent !== undefined) {
  const rotations = watch ? Number.POSITIVE_INFINITY : 3;
  for (let i = 1; i <= rotations && !stopping; i++) {
    await nap(watch ? 5000 : 600);
    if (stopping) break;
    await agent.rotate();
    await sleep(30);
    say(`rotation ${i}: orders presents ${short(orders.getX509Svid())}, frontend ${short(frontend.getX509Svid())}; requests so far ${JSON.stringify(counts)}, ${failed} failed`);
  }
  if (!watch) await sleep(400);
} else {
  say('skipping on-demand rotation: the Workload API is external (SPIFFE_ENDPOINT_SOCKET was set) and has no rotate control;');
  say('  the agent rotates on its own schedule, and rotations that happen while this runs are logged as "rotated" lines');
  await nap(watch ? 2 ** 31 - 1 : 1500); // --watch: until Ctrl-C
}
stop = true;
await Promise.all(loops);
const total = Object.values(counts).reduce((a, b) => a + b, 0);
say(`mTLS        ${total} requests (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}), ${failed} failed`);

const report = checkHealth([x509, jwt, orders, frontend]);
say(`health      live=${report.live} ready=${report.ready}`);

grpcClient.close();
grpcServer.forceShutdown();
httpsAgent.destroy();
freshAgent.destroy();
httpsServer.close();
httpsServer.closeAllConnections();
if (frontend !== orders) frontend.close();
orders.close();
await x509.close();
await jwt.close();
await agent?.close();
say(failed === 0 ? 'done' : `done, ${failed} request(s) failed`);
process.exit(failed === 0 && total > 0 ? 0 : 1);
