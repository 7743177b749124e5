// A fastify app behind spiffe-kit mTLS: fastify's `serverFactory` hands its handler to the
// spiffe-kit server helper, so only SPIFFE-authorized callers reach the routes, and a route reads
// the caller's SPIFFE ID with `peerSpiffeId(request)`.
//
//   npm run build && node examples/fastify-mtls.mjs      (exits 0 after one authorized request)
//
// The built-in Workload API of `spiffe-kit/testing` stands in for the SPIRE agent; in a service,
// `await X509Source.create()` reads SPIFFE_ENDPOINT_SOCKET instead.
import Fastify from 'fastify';
import { Agent, fetch } from 'undici';
import { X509Source, authorizeId, authorizeOneOf, createHttpsServer, peerSpiffeId, spiffeUndiciConnect } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const INVENTORY = 'spiffe://example.org/ns/shop/sa/inventory';
const CHECKOUT = 'spiffe://example.org/ns/shop/sa/checkout';

const agent = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: INVENTORY }, { id: CHECKOUT }] });
const inventory = await X509Source.create({ address: agent.address, picker: { id: INVENTORY } });
const checkout = await X509Source.create({ address: agent.address, picker: { id: CHECKOUT } });

// ---- the inventory service ---------------------------------------------------------------------
const fastify = Fastify({
  // One call installs client authorization (only checkout) and SVID rotation.
  serverFactory: (handler) => createHttpsServer(inventory, authorizeOneOf(CHECKOUT), handler),
});
fastify.get('/stock/:sku', async (request) => ({ sku: request.params.sku, inStock: 3, caller: String(peerSpiffeId(request)) }));
await fastify.listen({ port: 0, host: '127.0.0.1' });
const { port } = fastify.server.address();

// ---- a caller: checkout, with undici's fetch, which only talks to inventory --------------------------
const dispatcher = new Agent({ connect: spiffeUndiciConnect(checkout, authorizeId(INVENTORY)) });
const res = await fetch(`https://127.0.0.1:${port}/stock/sku-7`, { dispatcher });
const body = await res.json();
console.log(`fastify answered ${res.status}: ${JSON.stringify(body)}`);

await dispatcher.close();
await fastify.close();
inventory.close();
checkout.close();
await agent.close();
const ok = res.status === 200 && body.caller === CHECKOUT;
console.log(ok ? `ok: the route saw the caller ${CHECKOUT}` : 'unexpected reply');
process.exit(ok ? 0 : 1);
