// A server built from mtlsServerOptions() without attachSpiffeAuth fails
// closed: it holds no certificate, refuses every handshake and says why (SNI clients). With
// attachSpiffeAuth right after construction it works as before: authorization, rotation, settings.
// Real loopback handshakes for tls, https and http2.
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachSpiffeAuth,
  type Authorizer,
  authorizeId,
  mtlsClientOptions,
  mtlsServerOptions,
  peerSpiffeId,
  type SpiffeServerOptions,
  TlsError,
  X509Source,
} from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
const KINDS = ['tls', 'https', 'http2'] as const;
type Kind = (typeof KINDS)[number];
/** No SNI (an IP target) and SNI. */
const SERVERNAMES = [undefined, 'localhost'] as const;

let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
  serverSource.setMaxListeners(50);
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

interface Built {
  readonly server: tls.Server;
  /** How many connections / requests reached the handler. */
  readonly handled: () => number;
  /** Every `tlsClientError` the server emitted. */
  readonly clientErrors: Error[];
}

function build(kind: Kind, options: SpiffeServerOptions): Built {
  let handled = 0;
  let server: tls.Server;
  if (kind === 'tls') {
    server = tls.createServer(options, (socket) => {
      handled++;
      socket.end(String(peerSpiffeId(socket)));
    });
  } else if (kind === 'https') {
    server = https.createServer(options, (req, res) => {
      handled++;
      res.end(String(peerSpiffeId(req)));
    });
  } else {
    server = http2.createSecureServer(options, (req, res) => {
      handled++;
      res.end(String(peerSpiffeId(req)));
    }) as unknown as tls.Server;
  }
  const clientErrors: Error[] = [];
  server.on('tlsClientError', (err: Error) => clientErrors.push(err));
  return { server, handled: () => handled, clientErrors };
}

function listen(server: tls.Server): Promise<number> {
  return listenOnLoopback(server, cleanup);
}

function clientTls(port: number, servername: string | undefined, authorizer: Authorizer, alpn?: string[]): tls.ConnectionOptions {
  const { agent: _agent, createConnection: _cc, ...options } = mtlsClientOptions(clientSource, authorizer);
  return { ...options, host: '127.0.0.1', port, ...(servername === undefined ? {} : { servername }), ...(alpn === undefined ? {} : { ALPNProtocols: alpn }) };
}

interface Reply {
  readonly body: string;
  readonly serverSerial: string;
  readonly protocol: string | null;
}

/** One request (or, for tls, one connection) with the client's SVID; rejects when the handshake or the request fails. */
function request(kind: Kind, port: number, servername: string | undefined, authorizer: Authorizer = authorizeId(SERVER_ID)): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    // A refused client may complete its side of the handshake (TLS 1.3) and then sees its socket closed: no reply.
    const reply = (peer: Omit<Reply, 'body'> | undefined, body: string): void =>
      peer === undefined || body === '' ? reject(new Error('no reply')) : resolve({ body, ...peer });
    const peerOf = (socket: tls.TLSSocket): Omit<Reply, 'body'> => ({ serverSerial: socket.getPeerCertificate().serialNumber, protocol: socket.getProtocol() });
    if (kind === 'tls') {
      const socket = tls.connect(clientTls(port, servername, authorizer));
      let peer: Omit<Reply, 'body'> | undefined;
      let body = '';
      socket.once('secureConnect', () => (peer = peerOf(socket)));
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (body += c));
      socket.on('end', () => reply(peer, body));
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed before a reply: ${body}`)));
    } else if (kind === 'https') {
      const req = https.get({ ...clientTls(port, servername, authorizer), path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => reply(peerOf(res.socket as tls.TLSSocket), body));
        res.on('error', reject);
      });
      req.on('error', reject);
    } else {
      let peer: Omit<Reply, 'body'> | undefined;
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        createConnection: () => {
          const socket = tls.connect(clientTls(port, servername, authorizer, ['h2']));
          socket.once('secureConnect', () => (peer = peerOf(socket)));
          return socket;
        },
      });
      session.on('error', reject);
      const stream = session.request({ ':path': '/' });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => {
        reply(peer, body);
        session.close();
      });
      stream.on('error', reject);
      stream.on('close', () => reject(new Error('stream closed before a reply')));
    }
  });
}

describe('without attachSpiffeAuth, a server built from the options fails closed', () => {
  it.each(KINDS)('%s: every handshake is refused, the handler never runs, the server says why', async (kind) => {
    const built = build(kind, mtlsServerOptions(serverSource));
    const port = await listen(built.server);
    for (const servername of SERVERNAMES) {
      const errors = built.clientErrors.length;
      await expect(request(kind, port, servername)).rejects.toThrow();
      await expect.poll(() => built.clientErrors.length).toBeGreaterThan(errors);
    }
    expect(built.handled()).toBe(0);
    // With SNI the reason is ours; without, OpenSSL has no certificate to present.
    const ours = built.clientErrors.filter((e) => e instanceof TlsError);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours[0]).toMatchObject({ code: 'ERR_TLS_SERVER_NOT_ATTACHED' });
    expect(ours[0]!.message).toContain('attachSpiffeAuth(server, source, authorizer)');
    expect(built.clientErrors[0]).not.toBeInstanceOf(TlsError); // the no-SNI attempt
  });
});

describe('with attachSpiffeAuth right after construction', () => {
  it.each(KINDS)('%s: the authorized client gets through (SNI or none), an unauthorized one is refused', async (kind) => {
    const good = build(kind, mtlsServerOptions(serverSource));
    attachSpiffeAuth(good.server, serverSource, authorizeId(CLIENT_ID));
    const goodPort = await listen(good.server);
    for (const servername of SERVERNAMES) {
      const r = await request(kind, goodPort, servername);
      expect(r.body).toBe(CLIENT_ID);
      expect(r.serverSerial).toBe(serverSource.getX509Svid().leaf.serialNumber);
    }
    expect(good.handled()).toBe(2);
    expect(good.clientErrors.filter((e) => e instanceof TlsError)).toEqual([]);

    const rejected: Error[] = [];
    const bad = build(kind, mtlsServerOptions(serverSource));
    attachSpiffeAuth(bad.server, serverSource, authorizeId('spiffe://example.org/someone-else'), { onRejected: (err) => rejected.push(err) });
    const badPort = await listen(bad.server);
    for (const servername of SERVERNAMES) {
      // https: the server's 403 refusal (not the handler's answer); tls and http2: no reply.
      if (kind === 'https') expect((await request(kind, badPort, servername)).body).toMatch(/^Forbidden: .*\(ERR_TLS_UNAUTHORIZED\)\n$/);
      else await expect(request(kind, badPort, servername)).rejects.toThrow();
    }
    expect(bad.handled()).toBe(0);
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED' });
  });

  it('after a rotation, new handshakes on all three (SNI or none) present the new SVID, with secureContextOptions kept', async () => {
    const servers = await Promise.all(
      KINDS.map(async (kind) => {
        const built = build(kind, { ...mtlsServerOptions(serverSource), maxVersion: 'TLSv1.2' });
        attachSpiffeAuth(built.server, serverSource, authorizeId(CLIENT_ID), { secureContextOptions: { maxVersion: 'TLSv1.2' } });
        return { kind, port: await listen(built.server) };
      }),
    );
    const before = serverSource.getX509Svid().leaf.serialNumber;
    for (const { kind, port } of servers) {
      for (const servername of SERVERNAMES) {
        const r = await request(kind, port, servername);
        expect(r).toMatchObject({ body: CLIENT_ID, serverSerial: before, protocol: 'TLSv1.2' });
      }
    }
    const rotated = once(serverSource, 'svid');
    await api.rotate();
    await rotated;
    const after = serverSource.getX509Svid().leaf.serialNumber;
    expect(after).not.toBe(before);
    for (const { kind, port } of servers) {
      for (const servername of SERVERNAMES) {
        const r = await request(kind, port, servername);
        expect(r).toMatchObject({ body: CLIENT_ID, serverSerial: after, protocol: 'TLSv1.2' });
      }
    }
  });
});
