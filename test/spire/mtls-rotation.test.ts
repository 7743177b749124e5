// A real rotation under mTLS traffic: two entries with a 30 s X.509-SVID TTL (the agent renews at
// about half-life), an https server built with createHttpsServer from one source, clients built
// with spiffeHttpsAgent / mtlsClientOptions from the other, continuous requests across the
// rotation of both SVIDs. 0 failed requests; new handshakes present the new certificates both
// ways; the keep-alive connection opened before the rotation stays up and usable.
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizeId, createHttpsServer, mtlsClientOptions, peerSpiffeId, spiffeHttpsAgent, type SvidChange, X509Source } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN } from './harness.js';

const SERVER_ID = `spiffe://${TRUST_DOMAIN}/svc/orders`;
const CLIENT_ID = `spiffe://${TRUST_DOMAIN}/svc/frontend`;
const TTL_S = 30;

interface Seen {
  /** When the request was sent (ms since epoch). */
  readonly sentAt: number;
  /** Serial of the certificate the server presented on this connection. */
  readonly serverSerial: string;
  /** Serial of the client certificate the server saw (the response body). */
  readonly clientSerial: string;
  /** The ID the server authorized (second line of the body). */
  readonly clientId: string;
  readonly socket: tls.TLSSocket;
}

function get(port: number, options: https.RequestOptions): Promise<Seen> {
  const sentAt = Date.now();
  return new Promise((resolve, reject) => {
    https
      .get({ ...options, host: '127.0.0.1', port, path: '/' }, (res) => {
        const socket = res.socket as tls.TLSSocket;
        const serverSerial = socket.getPeerCertificate().serialNumber;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${body}`));
          const [clientSerial = '', clientId = ''] = body.split('\n');
          resolve({ sentAt, serverSerial, clientSerial, clientId, socket });
        });
      })
      .on('error', reject)
      .setTimeout(5_000, function onTimeout(this: { destroy(err: Error): void }) {
        this.destroy(new Error('request timed out'));
      });
  });
}

const serial = (s: X509Source) => s.getX509Svid().leaf.serialNumber;

/** Resolves on the first `svid` event whose SVID differs from the one served now. */
function nextRotation(source: X509Source): Promise<SvidChange & { at: number }> {
  const from = serial(source);
  return new Promise((resolve) => {
    const onSvid = (change: SvidChange) => {
      if (change.current.leaf.serialNumber === from) return;
      source.off('svid', onSvid);
      resolve({ ...change, at: Date.now() });
    };
    source.on('svid', onSvid);
  });
}

describe('real SPIRE agent: mTLS across a real rotation', () => {
  let spire: SpireHarness;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    spire = await SpireHarness.start();
    await spire.createEntry({ spiffeId: SERVER_ID, x509SvidTtl: TTL_S });
    await spire.createEntry({ spiffeId: CLIENT_ID, x509SvidTtl: TTL_S });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it(`continuous requests across the rotation of both SVIDs (${TTL_S} s TTL): 0 failures, new handshakes present the new certificates`, async () => {
    const serverSource = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { id: SERVER_ID } });
    cleanup.push(() => serverSource.close());
    const clientSource = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { id: CLIENT_ID } });
    cleanup.push(() => clientSource.close());
    expect(serverSource.getX509Svid().id.toString()).toBe(SERVER_ID);
    expect(clientSource.getX509Svid().id.toString()).toBe(CLIENT_ID);
    const initial = { server: serial(serverSource), client: serial(clientSource) };
    const rotated = Promise.all([nextRotation(serverSource), nextRotation(clientSource)]);

    // The server answers with the serial of the client certificate it saw and the authorized ID.
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => {
      res.end(`${(req.socket as tls.TLSSocket).getPeerCertificate().serialNumber}\n${String(peerSpiffeId(req))}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;

    const kept = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID), { keepAlive: true, maxSockets: 1 });
    cleanup.push(() => kept.destroy());
    // A one-off request: fresh options (and agent) per request, so every request is a new handshake.
    const fresh = () => get(port, mtlsClientOptions(clientSource, authorizeId(SERVER_ID)));

    const first = await get(port, { agent: kept });
    expect(first).toMatchObject({ serverSerial: initial.server, clientSerial: initial.client, clientId: CLIENT_ID });
    const keptSocket = first.socket;

    // ---- continuous traffic until both SVIDs rotated, and a while after ----
    const seen: Record<'kept' | 'fresh', Seen[]> = { kept: [], fresh: [] };
    const failures: string[] = [];
    let stop = false;
    const load = async (label: 'kept' | 'fresh', request: () => Promise<Seen>) => {
      while (!stop) {
        try {
          seen[label].push(await request());
        } catch (err) {
          failures.push(`${label}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const loops = [load('kept', () => get(port, { agent: kept })), load('fresh', fresh)];

    const t0 = Date.now();
    const [serverChange, clientChange] = await rotated;
    const bothAt = Math.max(serverChange.at, clientChange.at);
    await new Promise((r) => setTimeout(r, 1_500)); // traffic after the rotation
    stop = true;
    await Promise.all(loops);

    const now = { server: serial(serverSource), client: serial(clientSource) };
    expect(now.server).not.toBe(initial.server);
    expect(now.client).not.toBe(initial.client);
    expect(serverChange.current.id.toString()).toBe(SERVER_ID);
    expect(clientChange.current.id.toString()).toBe(CLIENT_ID);
    expect(serverChange.current.expiresAt.getTime()).toBeGreaterThan(serverChange.previous!.expiresAt.getTime());

    expect(failures).toEqual([]);
    for (const label of ['kept', 'fresh'] as const) {
      expect(seen[label].filter((s) => s.sentAt < bothAt).length, `${label} requests before the rotation`).toBeGreaterThan(0);
      expect(seen[label].filter((s) => s.sentAt > bothAt).length, `${label} requests after the rotation`).toBeGreaterThan(0);
      expect(seen[label].every((s) => s.clientId === CLIENT_ID)).toBe(true);
    }

    // New handshakes: before the rotation the old certificates, after it the new ones, both ways.
    // (Requests in flight at the moment of a rotation may see either: leave a margin around it.)
    const freshBefore = seen.fresh.filter((s) => s.sentAt < Math.min(serverChange.at, clientChange.at) - 1_000);
    const freshAfter = seen.fresh.filter((s) => s.sentAt > bothAt + 250);
    expect(freshBefore.length).toBeGreaterThan(0);
    expect(freshAfter.length).toBeGreaterThan(0);
    expect(freshBefore.every((s) => s.serverSerial === initial.server && s.clientSerial === initial.client)).toBe(true);
    expect(freshAfter.every((s) => s.serverSerial === now.server && s.clientSerial === now.client)).toBe(true);
    expect(new Set(seen.fresh.map((s) => s.socket)).size).toBe(seen.fresh.length);

    // One more explicit new handshake, and the connection opened before the rotation still works.
    expect(await fresh()).toMatchObject({ serverSerial: now.server, clientSerial: now.client, clientId: CLIENT_ID });
    const keptLast = await get(port, { agent: kept });
    expect(keptLast.socket).toBe(keptSocket);
    expect(keptLast.serverSerial).toBe(initial.server);
    expect(seen.kept.every((s) => s.socket === keptSocket)).toBe(true);

    const total = seen.kept.length + seen.fresh.length;
    console.log(
      `rotation: server SVID ${Math.round((serverChange.at - t0) / 100) / 10} s, client SVID ${Math.round((clientChange.at - t0) / 100) / 10} s after the traffic started; ` +
        `${total} requests (keep-alive ${seen.kept.length}, new connection each ${seen.fresh.length}; ${freshAfter.length} new handshakes after the rotation), ${failures.length} failed; ` +
        `server serial ${initial.server.slice(0, 12)}… -> ${now.server.slice(0, 12)}…`,
    );
  });
});
