// EntryApiClient over TCP with mTLS (spiffe-kit's own gRPC over node:http2) against a real grpc-js
// Entry API server on loopback whose credentials come from spiffe-kit's SVIDs: the server's SPIFFE
// ID must be spiffe://<td>/spire/server (hostile servers are refused before any call, the cause
// says why), the admin SVID is presented, and a rotated one is presented by the next connection.
import { createServer, type Server, type Socket, connect as netConnect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeId, X509Source } from '../src/index.js';
import { grpcServerCredentials } from '../src/grpc/index.js';
import { EntryApiClient, EntryApiError } from '../src/registrar/entry-api.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { TlsError } from '../src/tls/errors.js';
import { svidPem } from '../src/tls/source-pem.js';
import { FakeEntryServer } from './helpers/fake-entry-server.js';

const TD = 'example.org';
const SERVER_ID = `spiffe://${TD}/spire/server`;
const IMPOSTOR_ID = `spiffe://${TD}/spire/agent`;
const ADMIN_ID = `spiffe://${TD}/admin`;

let api: TestWorkloadApi;
let serverSource: X509Source;
let impostorSource: X509Source;
let adminSource: X509Source;
let evilApi: TestWorkloadApi;
let forgedServerSource: X509Source;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  // Another CA claiming the same trust domain, with an SVID for the server's ID.
  evilApi = await TestWorkloadApi.start({ trustDomain: TD, identities: [{ id: SERVER_ID }] });
  forgedServerSource = await X509Source.create({ address: evilApi.address, timeoutMs: 5000 });
  api = await TestWorkloadApi.start({ trustDomain: TD, intermediate: true, identities: [{ id: SERVER_ID }, { id: IMPOSTOR_ID }, { id: ADMIN_ID }] });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  impostorSource = await X509Source.create({ address: api.address, picker: { id: IMPOSTOR_ID }, timeoutMs: 5000 });
  adminSource = await X509Source.create({ address: api.address, picker: { id: ADMIN_ID }, timeoutMs: 5000 });
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  impostorSource?.close();
  adminSource?.close();
  forgedServerSource?.close();
  await api?.close();
  await evilApi?.close();
});

/** A fake Entry API on loopback TLS with the SVID of `source`; it admits only the admin ID. */
async function tlsServer(source: Parameters<typeof grpcServerCredentials>[0]): Promise<FakeEntryServer> {
  const fake = await FakeEntryServer.start({ tls: grpcServerCredentials(source, authorizeId(ADMIN_ID)) });
  cleanup.push(() => fake.stop());
  return fake;
}

function client(address: string, options: { trustDomain?: string } = {}): EntryApiClient {
  const c = new EntryApiClient({ address, x509Source: adminSource, timeoutMs: 5_000, ...options });
  cleanup.push(() => c.close());
  return c;
}

/** A TCP relay in front of `port` that counts connections and can cut them all. */
async function relay(port: number): Promise<{ port: number; connections: () => number; cut: () => void }> {
  const open = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((inbound) => {
    count++;
    const outbound = netConnect({ host: '127.0.0.1', port });
    open.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((r) => server.close(r)));
  cleanup.push(() => open.forEach((s) => s.destroy()));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    cut: () => open.forEach((s) => s.destroy()),
  };
}

describe('EntryApiClient over TCP with mTLS', () => {
  it('talks to a server presenting spiffe://<td>/spire/server, presenting the admin SVID', async () => {
    const fake = await tlsServer(serverSource);
    fake.seed({ id: 'e1', spiffeId: `spiffe://${TD}/w`, parentId: `spiffe://${TD}/agent`, selectors: [{ type: 'unix', value: 'uid:1' }] });
    const c = client(fake.address);
    expect((await c.listEntries()).map((e) => e.id)).toEqual(['e1']);
    expect(await c.batchDelete(['e1'])).toEqual([{ status: { code: 0, message: 'OK' }, id: 'e1' }]);
    expect(fake.calls.map((x) => x.peerSerial)).toEqual([adminSource.getX509Svid().leaf.serialNumber, adminSource.getX509Svid().leaf.serialNumber]);
  });

  it('a host name works too (it is the SNI; the check is the SPIFFE ID)', async () => {
    const fake = await tlsServer(serverSource);
    expect(await client(`localhost:${fake.port}`).listEntries()).toEqual([]);
  });

  it('a server with another SPIFFE ID of the trust domain is refused before any call; the cause is the authorization error', async () => {
    const fake = await tlsServer(impostorSource);
    const err = await client(fake.address).listEntries().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EntryApiError);
    expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', grpcCode: 14, rpc: 'ListEntries', address: fake.address });
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(TlsError);
    expect(cause).toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED', message: expect.stringContaining(IMPOSTOR_ID) });
    expect((cause as Error).message).toContain(SERVER_ID);
    expect((err as Error).message).toContain(IMPOSTOR_ID);
    expect(fake.calls).toEqual([]);
  });

  it('the expected server ID follows trustDomain: the right server of another trust domain is refused', async () => {
    const fake = await tlsServer(serverSource);
    const err = await client(fake.address, { trustDomain: 'other.org' }).listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', cause: expect.objectContaining({ code: expect.stringMatching(/^ERR_TLS_/) }) });
    expect(fake.calls).toEqual([]);
  });

  it('a server claiming spiffe://<td>/spire/server with a certificate of another CA is refused (peer verification)', async () => {
    // Its SVID is forged; it trusts the real CA, so it would accept the admin client.
    const fake = await tlsServer({
      getX509Svid: () => forgedServerSource.getX509Svid(),
      getX509BundleForTrustDomain: (td) => serverSource.getX509BundleForTrustDomain(td),
      bundles: serverSource.bundles,
    });
    const err = await client(fake.address).listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', rpc: 'ListEntries' });
    // OpenSSL's chain check against the bundle refuses it before the SPIFFE checks run.
    expect((err as Error).cause).toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|^ERR_TLS_/) });
    expect(fake.calls).toEqual([]);
  });

  it('a plaintext server on the TCP address is not spoken to in the clear (the TLS handshake fails)', async () => {
    const plain = await FakeEntryServer.start();
    cleanup.push(() => plain.stop());
    const r = await relayToUnix(plain.socket);
    const err = await client(`127.0.0.1:${r}`).listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE' });
    expect(plain.calls).toEqual([]);
  });

  it('a TLS server with the right SVID that does not negotiate HTTP/2 by ALPN is not a gRPC server: refused, the cause says so', async () => {
    const { cert, key } = svidPem(serverSource.getX509Svid());
    const server = createTlsServer({ cert, key }, (socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const err = await client(`127.0.0.1:${port}`).listEntries().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', cause: expect.objectContaining({ message: expect.stringContaining('did not negotiate HTTP/2 (ALPN none)') }) });
  });

  it('after the admin SVID rotates, the next connection presents the new one (same client)', async () => {
    const fake = await tlsServer(serverSource);
    const r = await relay(fake.port);
    const c = client(`127.0.0.1:${r.port}`);
    await c.listEntries();
    await c.listEntries();
    expect(r.connections()).toBe(1);
    const before = adminSource.getX509Svid().leaf.serialNumber;
    const rotated = new Promise((resolve) => adminSource.once('svid', resolve));
    await api.rotate(ADMIN_ID);
    await rotated;
    const after = adminSource.getX509Svid().leaf.serialNumber;
    expect(after).not.toBe(before);
    // The open connection keeps its handshake; cut it so that the client reconnects.
    r.cut();
    // A call that races the cut sees the old connection die (UNAVAILABLE, retryable); retry once.
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await c.listEntries();
        break;
      } catch (err) {
        expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE' });
        if (attempts >= 3) throw err;
      }
    }
    expect(r.connections()).toBe(2);
    const serials = fake.calls.map((x) => x.peerSerial);
    expect(serials.slice(0, 2)).toEqual([before, before]);
    expect(serials.at(-1)).toBe(after);
  });
});

/** A loopback TCP port relayed to a unix socket (a plaintext gRPC server reachable over TCP). */
async function relayToUnix(path: string): Promise<number> {
  const server = createServer((inbound) => {
    const outbound = netConnect({ path });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}
