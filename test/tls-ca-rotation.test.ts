import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizeId, createHttpsServer, peerSpiffeId, spiffeHttpsAgent, X509Source } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
});

afterAll(async () => {
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

function get(port: number, agent: https.Agent): Promise<{ body: string; serverIssuer: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        const serverIssuer = String((res.socket as tls.TLSSocket).getPeerCertificate().issuer.CN ?? '');
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ body, serverIssuer }));
      })
      .on('error', reject);
  });
}

it('a CA rotation (new bundle, then SVIDs from the new CA) keeps both sides talking', async () => {
  const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(String(peerSpiffeId(req))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const agent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID));
  try {
    const before = await get(port, agent);
    expect(before.body).toBe(CLIENT_ID);
    const updated = Promise.all([once(serverSource, 'svid'), once(clientSource, 'svid')]);
    await api.rotateCa({ keepPrevious: true });
    await updated;
    await new Promise((r) => setTimeout(r, 20));
    const after = await get(port, agent);
    expect(after.body).toBe(CLIENT_ID);
    expect(after.serverIssuer).not.toBe(before.serverIssuer);
  } finally {
    agent.destroy();
    server.close();
    server.closeAllConnections();
  }
});
