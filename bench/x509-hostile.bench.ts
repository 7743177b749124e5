// The cost of one hostile peer chain (security issue 17): chains built so that path building meets
// many valid-looking paths and none reaches an authority. verifyX509Svid stops them with loop
// avoidance and MAX_SIGNATURE_CHECKS; these rows show what one such chain costs the event loop,
// alone and as a whole mTLS handshake against the server helper, next to a legitimate one.
import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, bench, describe } from 'vitest';
import { X509Bundle } from '../src/bundle/x509-bundle.js';
import type { X509BundleSource } from '../src/bundle/x509-bundle.js';
import { authorizeId, createTlsServer, mtlsClientOptions, X509Source } from '../src/index.js';
import { clearSignatureCaches } from '../src/svid/x509-signature.js';
import { verifyX509Svid } from '../src/svid/x509-verify.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { crossSigned, cycle, sameNameSameKey } from '../test/helpers/hostile-chains.js';

const ID = 'spiffe://example.org/client';
const ca = await TestCa.create({ trustDomain: 'example.org', intermediate: true });
const bundle = new X509Bundle('example.org', [ca.rootDer]);
const source: X509BundleSource = { getX509BundleForTrustDomain: (td) => (td.name === 'example.org' ? bundle : undefined) };
const legit = await ca.issueX509Svid({ id: ID });
const sameKey = await sameNameSameKey(ID, 15);
const ring = await cycle(ID, 15);
const dag = await crossSigned(ID, 5, 3);
const dag521 = await crossSigned(ID, 5, 3, undefined, 'P-521');

function refuse(chain: readonly Buffer[]): void {
  try {
    verifyX509Svid(chain, source);
  } catch {
    return;
  }
  throw new Error('a hostile chain verified');
}

describe('verifyX509Svid: one hostile chain (signature verdicts cleared each time)', () => {
  bench('legitimate leaf + intermediate (2 checks)', () => {
    clearSignatureCaches();
    verifyX509Svid(legit.certificates, source);
  });
  bench('leaf + 15 self-issued CAs, one name and key (loop avoidance: 15 checks)', () => {
    clearSignatureCaches();
    refuse(sameKey.der);
  });
  bench('leaf + 15-CA cycle, distinct keys (budget: 100 checks)', () => {
    clearSignatureCaches();
    refuse(ring.der);
  });
  bench('leaf + 15 cross-signed CAs, P-256 (budget: 100 checks)', () => {
    clearSignatureCaches();
    refuse(dag.der);
  });
  bench('leaf + 15 cross-signed CAs, P-521 (budget: 100 checks, the slowest curve)', () => {
    clearSignatureCaches();
    refuse(dag521.der);
  });
  bench('leaf + 15 cross-signed CAs, P-256, verdicts cached (a re-sent chain)', () => {
    refuse(dag.der);
  });
});

// A server trusting a hostile federated root with the name and key of the 14 self-issued CAs its
// client presents: OpenSSL accepts the chain, the SPIFFE verifier refuses it (before the fix: 14!
// paths, the server stalled).
const hostile = await sameNameSameKey(ID, 14);
const api = await TestWorkloadApi.start({
  trustDomain: 'example.org',
  identities: [{ id: 'spiffe://example.org/server' }, { id: ID }],
  federatedBundles: { 'partner.test': hostile.root.der },
});
const serverSource = await X509Source.create({ address: api.address, picker: { id: 'spiffe://example.org/server' }, timeoutMs: 5000 });
const clientSource = await X509Source.create({ address: api.address, picker: { id: ID }, timeoutMs: 5000 });
const server = createTlsServer(serverSource, authorizeId(ID), (socket) => socket.end('ok'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as { port: number }).port;
const hostilePem = hostile.der.map((d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64')}\n-----END CERTIFICATE-----\n`).join('');
const hostileKey = hostile.leafKey.export({ format: 'pem', type: 'pkcs8' });
const { agent: _agent, createConnection: _cc, ...clientOptions } = mtlsClientOptions(clientSource, authorizeId('spiffe://example.org/server'));

afterAll(async () => {
  server.close();
  serverSource.close();
  clientSource.close();
  await api.close();
});

async function handshake(options: tls.ConnectionOptions): Promise<void> {
  const socket = tls.connect({ ...options, host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.resume();
  await once(socket, 'close');
}

describe('mTLS handshake against createTlsServer (client and server in this process)', () => {
  bench('legitimate client', async () => {
    await handshake(clientOptions);
  });
  bench('hostile client: leaf + 14 self-issued CAs under a federated root (refused)', async () => {
    clearSignatureCaches();
    await handshake({ cert: hostilePem, key: hostileKey, rejectUnauthorized: false });
  });
});
