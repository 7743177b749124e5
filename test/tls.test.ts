import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  type Authorizer,
  authorizeAny,
  authorizeId,
  authorizeMatching,
  authorizeMemberOf,
  authorizeOneOf,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsServer,
  matchMemberOf,
  mtlsClientOptions,
  peerSpiffeId,
  SpiffeId,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  TlsError,
  tlsServerOptions,
  X509Source,
} from '../src/index.js';
import { SpiffeHttpsAgent } from '../src/tls/agent.js'; // the class behind spiffeHttpsAgent(), subclassed to observe sessions
import { type IssuedX509Svid, TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
const PARTNER_ID = 'spiffe://partner.test/client';

let api: TestWorkloadApi;
let partnerCa: TestCa;
let evilCa: TestCa;
let serverSource: X509Source;
let clientSource: X509Source;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  partnerCa = await TestCa.create({ trustDomain: 'partner.test' });
  // A CA trusted for partner.test that mints certificates claiming example.org IDs.
  evilCa = await TestCa.create({ trustDomain: 'example.org' });
  api = await TestWorkloadApi.start({
    trustDomain: 'example.org',
    intermediate: true,
    identities: [{ id: SERVER_ID }, { id: CLIENT_ID }],
    federatedBundles: { 'partner.test': Buffer.concat([partnerCa.bundleDer(), evilCa.bundleDer()]) },
  });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
  serverSource.setMaxListeners(50); // every test server follows the source until afterAll
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

function listen<S extends tls.Server | http2.Http2SecureServer>(server: S): Promise<number> {
  return listenOnLoopback(server, cleanup);
}

function get(port: number, options: https.RequestOptions & Pick<tls.ConnectionOptions, 'session'>): Promise<{ status: number; body: string; socket: tls.TLSSocket; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', ...options }, (res) => {
      const reused = (res.socket as tls.TLSSocket).isSessionReused();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: res.socket as tls.TLSSocket, reused }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function rawConnect(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Connects with a hand-made client certificate and sends a request; resolves with what happened. */
async function hostileRequest(port: number, svid: IssuedX509Svid | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: api.ca.bundleDer().length > 0 ? [pem(api.ca.bundleDer())] : [],
      checkServerIdentity: () => undefined,
      ...(svid === undefined ? {} : { cert: svid.certChainPem, key: svid.privateKeyPem }),
    });
    let data = '';
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('error', (err) => resolve(`error:${(err as NodeJS.ErrnoException).code ?? err.message}:${data}`));
    socket.on('close', () => resolve(`closed:${data}`));
  });
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

describe('authorizers', () => {
  const web = SpiffeId.parse('spiffe://example.org/web');
  it('accept and refuse with the peer ID and rule', () => {
    expect(() => authorizeAny()(web, [])).not.toThrow();
    expect(() => authorizeId('spiffe://example.org/web')(web, [])).not.toThrow();
    expect(() => authorizeOneOf('spiffe://example.org/a', web)(web, [])).not.toThrow();
    expect(() => authorizeMemberOf('example.org')(web, [])).not.toThrow();
    expect(() => authorizeMatching(matchMemberOf('example.org'))(web, [])).not.toThrow();
    try {
      authorizeId('spiffe://example.org/db')(web, []);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AuthorizationError);
      expect(err).toBeInstanceOf(TlsError);
      const e = err as AuthorizationError;
      expect(e.code).toBe('ERR_TLS_UNAUTHORIZED');
      expect(e.peerId.toString()).toBe('spiffe://example.org/web');
      expect(e.rule).toBe('id spiffe://example.org/db');
      expect(e.message).toContain('spiffe://example.org/web');
      expect(e.message).toContain('spiffe://example.org/db');
    }
    expect(() => authorizeOneOf('spiffe://example.org/a')(web, [])).toThrow(/one of spiffe:\/\/example.org\/a/);
    expect(() => authorizeMemberOf('partner.test')(web, [])).toThrow(/trust domain partner.test/);
    expect(() => authorizeMatching((id) => id.path === '/x', 'path /x')(web, [])).toThrow(/path \/x/);
  });
});

describe('https mTLS', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)('authorizes both sides and exposes the peer ID (%s)', async (version) => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(String(peerSpiffeId(req))));
    const port = await listen(server);
    const { status, body, socket } = await get(port, { ...mtlsClientOptions(clientSource, authorizeId(SERVER_ID)), maxVersion: version });
    expect(status).toBe(200);
    expect(body).toBe(CLIENT_ID);
    expect(socket.getProtocol()).toBe(version);
    expect(peerSpiffeId(socket)?.toString()).toBe(SERVER_ID);
  });

  it('client refuses a server with the wrong ID', async () => {
    const server = createHttpsServer(serverSource, authorizeAny(), (_req, res) => res.end('ok'));
    const port = await listen(server);
    const err = await get(port, mtlsClientOptions(clientSource, authorizeId('spiffe://example.org/other'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthorizationError);
    expect((err as AuthorizationError).peerId.toString()).toBe(SERVER_ID);
  });

  it('server refusing the client: no request handler runs', async () => {
    let handled = 0;
    const rejected: Error[] = [];
    const server = createHttpsServer(serverSource, authorizeId('spiffe://example.org/nobody'), (_req, res) => {
      handled++;
      res.end('leak');
    }, { onRejected: (err) => rejected.push(err) });
    const port = await listen(server);
    // The refused client gets the server's refusal (403, spiffe-refusal header), not the handler.
    const refused = await get(port, mtlsClientOptions(clientSource, authorizeId(SERVER_ID)));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('ERR_TLS_UNAUTHORIZED');
    expect(refused.body).not.toContain('leak');
    expect(handled).toBe(0);
    expect(rejected[0]).toBeInstanceOf(AuthorizationError);
    expect((rejected[0] as AuthorizationError).peerId.toString()).toBe(CLIENT_ID);
  });

  it('hostile clients never reach the handler', async () => {
    let handled = 0;
    const rejected: Error[] = [];
    const server = createHttpsServer(serverSource, authorizeAny(), (_req, res) => {
      handled++;
      res.end('leak');
    }, { onRejected: (err) => rejected.push(err) });
    const port = await listen(server);
    // Trust domain B's CA (accepted by OpenSSL's flat `ca`) signing an ID of trust domain A.
    const forged = await evilCa.issueX509Svid({ id: CLIENT_ID });
    expect(await hostileRequest(port, forged)).not.toContain('leak');
    expect(rejected.at(-1)).toBeInstanceOf(TlsError);
    expect((rejected.at(-1) as TlsError).code).toBe('ERR_TLS_PEER_VERIFICATION');
    // Partner CA claiming example.org.
    const forged2 = await partnerCa.issueX509Svid({ id: CLIENT_ID });
    expect(await hostileRequest(port, forged2)).not.toContain('leak');
    // Expired certificate from the right CA.
    const expired = await api.ca.issueX509Svid({ id: CLIENT_ID, notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 3_600_000) });
    expect(await hostileRequest(port, expired)).not.toContain('leak');
    // Untrusted CA.
    const stranger = await (await TestCa.create({ trustDomain: 'example.org' })).issueX509Svid({ id: CLIENT_ID });
    expect(await hostileRequest(port, stranger)).not.toContain('leak');
    // No client certificate.
    expect(await hostileRequest(port, undefined)).not.toContain('leak');
    expect(handled).toBe(0);
  });

  it('federation: a partner ID is accepted where the authorizer allows it', async () => {
    const partner = await partnerCa.issueX509Svid({ id: PARTNER_ID });
    const open = createHttpsServer(serverSource, authorizeAny(), (req, res) => res.end(`ok ${peerSpiffeId(req)}`));
    expect(await hostileRequest(await listen(open), partner)).toContain(`ok ${PARTNER_ID}`);
    let handled = 0;
    const closed = createHttpsServer(serverSource, authorizeMemberOf('example.org'), (_req, res) => {
      handled++;
      res.end('leak');
    });
    expect(await hostileRequest(await listen(closed), partner)).not.toContain('leak');
    expect(handled).toBe(0);
  });
});

describe('http2 mTLS', () => {
  function h2get(port: number, authorizerOfServer = authorizeId(SERVER_ID)): Promise<string> {
    return new Promise((resolve, reject) => {
      const { agent: _agent, ...options } = mtlsClientOptions(clientSource, authorizerOfServer);
      const session = http2.connect(`https://127.0.0.1:${port}`, options);
      session.on('error', reject);
      const req = session.request({ ':path': '/' });
      let responded = false;
      req.on('response', () => (responded = true));
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        session.close();
        if (responded) resolve(body);
        else reject(new Error('no response'));
      });
      req.on('error', reject);
    });
  }

  it('authorizes and exposes the peer ID on request and stream', async () => {
    const server = createHttp2SecureServer(serverSource, authorizeMemberOf('example.org'));
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end(`${peerSpiffeId(stream)} ${peerSpiffeId(stream.session!)}`);
    });
    const port = await listen(server);
    expect(await h2get(port)).toBe(`${CLIENT_ID} ${CLIENT_ID}`);
    const compat = createHttp2SecureServer(serverSource, authorizeMemberOf('example.org'), (req, res) => res.end(String(peerSpiffeId(req))));
    expect(await h2get(await listen(compat))).toBe(CLIENT_ID);
  });

  it('server refusing the client: no stream handler runs', async () => {
    let handled = 0;
    const server = createHttp2SecureServer(serverSource, authorizeId('spiffe://example.org/nobody'), () => handled++);
    server.on('stream', () => handled++);
    server.on('session', () => handled++);
    const port = await listen(server);
    await expect(h2get(port)).rejects.toThrow();
    const forged = await evilCa.issueX509Svid({ id: CLIENT_ID });
    expect(await hostileRequest(port, forged)).toMatch(/^(closed|error)/);
    expect(handled).toBe(0);
  });
});

describe('session resumption', () => {
  // The hazard, on every Node version: a client that hands `tls.connect` a session the server
  // issued resumes it, and Node runs no `checkServerIdentity` on a resumed session (the server
  // sends no certificate), so the SPIFFE check and the authorizer would be skipped. These tests
  // make resumption available (a server that issues tickets, a client that supplies the session)
  // instead of relying on whether a given Node version's https.Agent caches sessions.

  /** An authorizer that allows SERVER_ID while `allow` is true, and counts its calls. */
  function gate() {
    const state = { calls: 0, allow: true };
    const authorizer = (id: SpiffeId) => {
      state.calls++;
      return authorizeId(state.allow ? SERVER_ID : 'spiffe://example.org/nobody')(id, []);
    };
    return { state, authorizer };
  }

  interface TlsOutcome {
    reused: boolean;
    body: string;
    /** The last session the server handed out on this connection (TLS 1.2 session or 1.3 ticket). */
    session: Buffer | undefined;
    error: Error | undefined;
  }

  /** One HTTP/1.1 request over a plain `tls.connect` with the given options. */
  function tlsRequest(port: number, options: tls.ConnectionOptions): Promise<TlsOutcome> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ...options });
      let session: Buffer | undefined;
      let reused = false;
      let body = '';
      let error: Error | undefined;
      socket.on('session', (s: Buffer) => (session = s));
      socket.on('secureConnect', () => {
        reused = socket.isSessionReused();
        socket.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      socket.on('data', (c: Buffer) => (body += c.toString()));
      socket.on('error', (err) => (error = err));
      socket.on('close', () => resolve({ reused, body: body.split('\r\n\r\n')[1] ?? '', session, error }));
    });
  }

  /** Raw client options of the helpers, without the agent and createConnection that protect them. */
  function rawOptions(authorizer: Authorizer): tls.ConnectionOptions {
    const { agent: _agent, createConnection: _cc, ...raw } = mtlsClientOptions(clientSource, authorizer);
    return raw;
  }

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('a server that issues tickets: plain tls.connect with the session resumes unchecked; the helpers verify and authorize every connection (%s)', async (maxVersion) => {
    // A server that issues session tickets (TLS only), for HTTP/1.1 and HTTP/2.
    const server = http2.createSecureServer({ ...tlsServerOptions(serverSource), allowHTTP1: true }, (_req, res) => res.end('ok'));
    const port = await listen(server);
    const { state, authorizer } = gate();

    // The control: resumption is on offer and skips the check, so the cases below are not vacuous.
    const first = await tlsRequest(port, { ...rawOptions(authorizer), maxVersion });
    expect(first).toMatchObject({ reused: false, body: 'ok', error: undefined });
    expect(first.session).toBeInstanceOf(Buffer);
    const session = first.session as Buffer;
    expect(state.calls).toBe(1);
    state.allow = false; // from now on the authorizer refuses the server
    const resumed = await tlsRequest(port, { ...rawOptions(authorizer), maxVersion, session });
    expect(resumed).toMatchObject({ reused: true, body: 'ok', error: undefined });
    expect(state.calls).toBe(1); // resumed: the refusing authorizer never ran

    // The helpers, handed the same resumable session: each connection is a full handshake whose
    // chain is verified and whose authorizer runs (and now refuses).
    const offered: unknown[] = [];
    class Probe extends SpiffeHttpsAgent {
      override createConnection(options: tls.ConnectionOptions) {
        offered.push(options.session);
        return super.createConnection(options);
      }
    }
    const viaAgent = await get(port, { agent: new Probe(clientSource, authorizer), session, maxVersion }).catch((e: unknown) => e);
    expect(offered).toEqual([session]); // the session did reach the helper
    expect(viaAgent).toBeInstanceOf(AuthorizationError);
    expect(state.calls).toBe(2);

    const viaOptions = await get(port, { ...mtlsClientOptions(clientSource, authorizer), session, maxVersion }).catch((e: unknown) => e);
    expect(viaOptions).toBeInstanceOf(AuthorizationError);
    expect(state.calls).toBe(3);

    const h2Sockets: tls.TLSSocket[] = [];
    const { createConnection } = mtlsClientOptions(clientSource, authorizer);
    const h2 = http2.connect(`https://127.0.0.1:${port}`, {
      maxVersion,
      session,
      createConnection: (url: URL, options: unknown) => {
        offered.push((options as tls.ConnectionOptions).session);
        const socket = createConnection(url, options);
        h2Sockets.push(socket);
        return socket;
      },
    } as http2.SecureClientSessionOptions);
    const [h2Error] = (await once(h2, 'error')) as [Error];
    h2.destroy();
    expect(offered).toEqual([session, session]);
    expect(h2Error).toBeInstanceOf(AuthorizationError);
    expect(h2Sockets).toHaveLength(1);
    expect(state.calls).toBe(4);

    // With the authorizer allowing again, the helpers connect, never on a resumed session.
    state.allow = true;
    for (const options of [{ agent: spiffeHttpsAgent(clientSource, authorizer) }, mtlsClientOptions(clientSource, authorizer)]) {
      const ok = await get(port, { ...options, session, maxVersion });
      expect(ok).toMatchObject({ status: 200, body: 'ok', reused: false });
      expect(peerSpiffeId(ok.socket)?.toString()).toBe(SERVER_ID);
    }
    expect(state.calls).toBe(6);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('mTLS servers never resume a session a client supplies: every client is verified and authorized again (%s)', async (maxVersion) => {
    let verified = 0;
    let allow = true;
    let handled = 0;
    const rejected: Error[] = [];
    const server = createHttpsServer(serverSource, (id) => {
      verified++;
      return authorizeId(allow ? CLIENT_ID : 'spiffe://example.org/nobody')(id, []);
    }, (_req, res) => {
      handled++;
      res.end('ok');
    }, { onRejected: (err) => rejected.push(err) });
    const port = await listen(server);
    const raw = rawOptions(authorizeId(SERVER_ID));
    const first = await tlsRequest(port, { ...raw, maxVersion });
    expect(first).toMatchObject({ reused: false, body: 'ok', error: undefined });
    // Whatever the server handed out (a TLS 1.2 session, TLS 1.3 tickets) does not resume.
    expect(first.session).toBeInstanceOf(Buffer);
    const again = await tlsRequest(port, { ...raw, maxVersion, session: first.session as Buffer });
    expect(again).toMatchObject({ reused: false, body: 'ok', error: undefined });
    expect(verified).toBe(2);
    // A client refused now is refused even with the session of its earlier, allowed connection.
    allow = false;
    const refused = await tlsRequest(port, { ...raw, maxVersion, session: first.session as Buffer });
    expect(refused.reused).toBe(false);
    expect(refused.body).toMatch(/^Forbidden: /); // the server helper's refusal answer, not the handler's 'ok'
    expect(verified).toBe(3);
    expect(handled).toBe(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(AuthorizationError);
  });
});

describe('rotation', () => {
  it('new handshakes present the new SVIDs; open connections stay up', async () => {
    const server = createTlsServer(serverSource, authorizeId(CLIENT_ID), (socket) => {
      socket.on('data', () => socket.write(`${socket.getPeerCertificate().serialNumber}\n`));
    });
    const port = await listen(server);
    const agentOptions = () => {
      const { agent: _a, ...o } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
      return o;
    };
    const ask = async (socket: tls.TLSSocket) => {
      socket.write('?');
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      return chunk.toString().trim();
    };
    const before = await rawConnect(port, agentOptions());
    cleanup.push(() => before.destroy());
    const serverSerial1 = before.getPeerCertificate().serialNumber;
    const clientSerial1 = await ask(before);

    const svidEvents = Promise.all([once(serverSource, 'svid'), once(clientSource, 'svid')]);
    await api.rotate();
    await svidEvents;

    const after = await rawConnect(port, agentOptions());
    cleanup.push(() => after.destroy());
    expect(after.getPeerCertificate().serialNumber).not.toBe(serverSerial1);
    expect(after.getPeerCertificate().serialNumber).toBe(serverSource.getX509Svid().leaf.serialNumber);
    expect(await ask(after)).toBe(clientSource.getX509Svid().leaf.serialNumber);
    // The connection opened before the rotation is still usable.
    expect(await ask(before)).toBe(clientSerial1);
  });

  it('spiffeHttpsAgent uses the newest client SVID for each new connection', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) =>
      res.end((req.socket as tls.TLSSocket).getPeerCertificate().serialNumber),
    );
    const port = await listen(server);
    const agent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID));
    cleanup.push(() => agent.destroy());
    const first = await get(port, { agent });
    expect(first.body).toBe(clientSource.getX509Svid().leaf.serialNumber);
    const changed = once(clientSource, 'svid');
    await api.rotate();
    await changed;
    const second = await get(port, { agent });
    expect(second.body).toBe(clientSource.getX509Svid().leaf.serialNumber);
    expect(second.body).not.toBe(first.body);
  });

});

describe('rotation under load', () => {
  it('continuous requests across 20 rotations: 0 failures, new handshakes present new certificates', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (_req, res) => res.end('ok'));
    const port = await listen(server);
    const fresh = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID));
    const kept = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID), { keepAlive: true, maxSockets: 1 });
    cleanup.push(() => fresh.destroy(), () => kept.destroy());
    const seen = new Set<string>();
    let failures = 0;
    let ok = 0;
    let stop = false;
    const firstKept = await get(port, { agent: kept });
    const keptSocket = firstKept.socket;
    const loop = async (agent: https.Agent) => {
      while (!stop) {
        try {
          const r = await get(port, { agent });
          if (r.body === 'ok') ok++;
          else failures++;
          if (agent === fresh) seen.add(r.socket.getPeerCertificate().serialNumber);
        } catch {
          failures++;
        }
      }
    };
    const loops = [loop(fresh), loop(fresh), loop(kept)];
    for (let i = 0; i < 20; i++) {
      const changed = once(serverSource, 'svid');
      await api.rotate();
      await changed;
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true;
    await Promise.all(loops);
    expect(failures).toBe(0);
    expect(ok).toBeGreaterThan(40);
    expect(seen.size).toBeGreaterThan(10);
    // The keep-alive connection opened before the rotations is still the one in use.
    const last = await get(port, { agent: kept });
    expect(last.socket).toBe(keptSocket);
  });
});

describe('spiffeUndiciConnect', () => {
  const connectOnce = (port: number, serverAuthorizer = authorizeId(SERVER_ID)) =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      spiffeUndiciConnect(clientSource, serverAuthorizer)({ hostname: '127.0.0.1', host: `127.0.0.1:${port}`, protocol: 'https:', port: String(port), servername: null }, (err, socket) =>
        err ? reject(err) : resolve(socket!),
      );
    });

  it('connects with the current SVID, verifies the server, records the peer ID', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(String(peerSpiffeId(req))));
    const port = await listen(server);
    const socket = await connectOnce(port);
    expect(peerSpiffeId(socket)?.toString()).toBe(SERVER_ID);
    cleanup.push(() => socket.destroy());
    expect(socket.alpnProtocol).toBe('http/1.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString()));
    await once(socket, 'end');
    expect(data).toContain(CLIENT_ID);
    await expect(connectOnce(port, authorizeId('spiffe://example.org/other'))).rejects.toBeInstanceOf(AuthorizationError);
  });
});
