// Two services talking mTLS on the built-in Workload API (https and gRPC), each authorizing the
// other by SPIFFE ID, with SVID rotations in the middle and no failed request.
//
//   npm run build && node examples/mtls-demo.mjs      (exits 0 when every request succeeded)
//
// ---- express ------------------------------------------------------------------------------------
//   const app = express();
//   app.get('/orders', (req, res) => res.json({ caller: String(peerSpiffeId(req)) }));
//   createHttpsServer(source, authorizeMemberOf('example.org'), app).listen(8443);
//
// ---- fastify ------------------------------------------------------------------------------------
//   const fastify = Fastify({
//     serverFactory: (handler) => createHttpsServer(source, authorizeMemberOf('example.org'), handler),
//   });
//   fastify.get('/orders', async (request) => ({ caller: String(peerSpiffeId(request.raw)) }));
//
// ---- undici / fetch -----------------------------------------------------------------------------
//   const dispatcher = new undici.Agent({ connect: spiffeUndiciConnect(source, authorizeId('spiffe://example.org/orders')) });
//   await undici.fetch('https://orders.internal:8443/orders', { dispatcher });
import https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import {
  X509Source,
  authorizeId,
  createHttpsServer,
  peerSpiffeId,
  spiffeHttpsAgent,
} from 'spiffe-kit';
import { grpcChannelCredentials, grpcServerCredentials } from 'spiffe-kit/grpc';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const ORDERS = 'spiffe://example.org/orders';
const FRONTEND = 'spiffe://example.org/frontend';
const say = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);

const agent = await TestWorkloadApi.start({ trustDomain: 'example.org', intermediate: true, identities: [{ id: ORDERS }, { id: FRONTEND }] });
const orders = await X509Source.create({ address: agent.address, picker: { id: ORDERS } });
const frontend = await X509Source.create({ address: agent.address, picker: { id: FRONTEND } });

// ---- the orders service: https + gRPC, only the frontend may call it --------------------------
const httpsServer = createHttpsServer(orders, authorizeId(FRONTEND), (req, res) => res.end(`orders says hi to ${peerSpiffeId(req)}`));
await new Promise((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
const httpsPort = httpsServer.address().port;

const echo = {
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
grpcServer.addService(echo, { hello: (_call, callback) => callback(null, Buffer.from('orders (gRPC) says hi')) });
const grpcPort = await new Promise((resolve, reject) =>
  grpcServer.bindAsync('127.0.0.1:0', grpcServerCredentials(orders, authorizeId(FRONTEND)), (err, port) => (err ? reject(err) : resolve(port))),
);
say(`orders listening: https ${httpsPort}, gRPC ${grpcPort}`);

// ---- the frontend: calls orders, only if it really is orders -------------------------------------
const httpsAgent = spiffeHttpsAgent(frontend, authorizeId(ORDERS));
const Client = grpc.makeGenericClientConstructor(echo, 'Orders');
const grpcClient = new Client(`127.0.0.1:${grpcPort}`, grpcChannelCredentials(frontend, authorizeId(ORDERS)));

const callHttps = () =>
  new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: httpsPort, path: '/', agent: httpsAgent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
const callGrpc = () =>
  new Promise((resolve, reject) =>
    grpcClient.makeUnaryRequest('/demo.Orders/Hello', (v) => v, (b) => b, Buffer.alloc(0), { deadline: Date.now() + 3000 }, (err, v) =>
      err ? reject(err) : resolve(String(v)),
    ),
  );

say(await callHttps());
say(await callGrpc());

let ok = 0;
let failed = 0;
let stop = false;
const load = async (fn) => {
  while (!stop) {
    try {
      await fn();
      ok++;
    } catch (err) {
      failed++;
      say('request failed:', err.message);
    }
  }
};
const loops = [load(callHttps), load(callGrpc)];
for (let i = 1; i <= 5; i++) {
  await new Promise((r) => setTimeout(r, 100));
  await agent.rotate();
  say(`rotation ${i}: orders now serial ${orders.getX509Svid().leaf.serialNumber.slice(0, 12)}…`);
}
await new Promise((r) => setTimeout(r, 100));
stop = true;
await Promise.all(loops);
say(`${ok} requests across 5 rotations, ${failed} failed`);

grpcClient.close();
grpcServer.forceShutdown();
httpsAgent.destroy();
httpsServer.close();
httpsServer.closeAllConnections();
orders.close();
frontend.close();
await agent.close();
process.exit(failed === 0 ? 0 : 1);
