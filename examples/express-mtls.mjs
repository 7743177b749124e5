// An express app behind spiffe-kit mTLS: only SPIFFE-authorized callers reach the routes, and a
// route reads the caller's SPIFFE ID with `peerSpiffeId(req)`.
//
//   npm run build && node examples/express-mtls.mjs      (exits 0 after one authorized request)
//
// The built-in Workload API of `spiffe-kit/testing` stands in for the SPIRE agent; in a service,
// `await X509Source.create()` reads SPIFFE_ENDPOINT_SOCKET instead.
import https from 'node:https';
import express from 'express';
import { X509Source, authorizeId, authorizeMemberOf, createHttpsServer, peerSpiffeId, spiffeHttpsAgent } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const FRONTEND = 'spiffe://example.org/ns/shop/sa/frontend';

const agent = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: ORDERS }, { id: FRONTEND }] });
const orders = await X509Source.create({ address: agent.address, picker: { id: ORDERS } });
const frontend = await X509Source.create({ address: agent.address, picker: { id: FRONTEND } });

// ---- the orders service ----------------------------------------------------------------------
const app = express();
app.get('/orders/:id', (req, res) => {
  // Authorization already happened (before express saw the request); this is who called.
  res.json({ order: req.params.id, caller: String(peerSpiffeId(req)) });
});
// One call installs client authorization (any workload of example.org) and SVID rotation.
const server = createHttpsServer(orders, authorizeMemberOf('example.org'), app);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

// ---- a caller: the frontend, which only talks to orders -----------------------------------------
const httpsAgent = spiffeHttpsAgent(frontend, authorizeId(ORDERS));
const reply = await new Promise((resolve, reject) => {
  https
    .get({ host: '127.0.0.1', port, path: '/orders/42', agent: httpsAgent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    })
    .on('error', reject);
});
console.log(`express answered ${reply.status}: ${reply.body}`);

httpsAgent.destroy();
server.close();
server.closeAllConnections();
orders.close();
frontend.close();
await agent.close();
const ok = reply.status === 200 && JSON.parse(reply.body).caller === FRONTEND;
console.log(ok ? `ok: the route saw the caller ${FRONTEND}` : 'unexpected reply');
process.exit(ok ? 0 : 1);
