import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  authorizeAny,
  authorizeId,
  authorizeMatching,
  authorizeMemberOf,
  authorizeOneOf,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  matchMemberOf,
  mtlsClientOptions,
  peerSpiffeId,
  SpiffeId,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  TlsError,
  X509Source,
} from '../src/index.js';
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

function get(port: number, options: https.RequestOptions): Promise<{ status: number; body: string; socket: tls.TLSSocket; reused: boolean }> {
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
  it('a plain caching agent resumes and skips checkServerIdentity; the spiffe-kit agent verifies every connection', async () => {
    // A TLS-only server that allows resumption, so that only the client side protects.
    const server = createTlsOnlyHttpsServer(serverSource, (_req, res) => res.end('ok'));
    const port = await listen(server);
    let calls = 0;
    const counting = (id: SpiffeId) => {
      calls++;
      return authorizeId(SERVER_ID)(id, []);
    };
    // The hazard: Node's default session cache resumes the second connection without the check.
    const { agent: _ignored, ...raw } = mtlsClientOptions(clientSource, counting);
    const naive = new https.Agent({ keepAlive: false, maxCachedSessions: 10 });
    await get(port, { ...raw, agent: naive, maxVersion: 'TLSv1.2' });
    const second = await get(port, { ...raw, agent: naive, maxVersion: 'TLSv1.2' });
    expect(second.reused).toBe(true);
    expect(calls).toBe(1);
    // The helpers: both connections are full handshakes, both verified.
    calls = 0;
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const options = mtlsClientOptions(clientSource, counting);
      const a = await get(port, { ...options, maxVersion: version });
      const b = await get(port, { ...options, maxVersion: version });
      expect(a.reused).toBe(false);
      expect(b.reused).toBe(false);
    }
    expect(calls).toBe(4);
  });

  it('mTLS servers do not resume sessions, so every client is verified again', async () => {
    let verified = 0;
    const server = createHttpsServer(serverSource, (id) => {
      verified++;
      return authorizeId(CLIENT_ID)(id, []);
    }, (_req, res) => res.end('ok'));
    const port = await listen(server);
    const { agent: _ignored, ...raw } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const naive = new https.Agent({ keepAlive: false, maxCachedSessions: 10 });
      const a = await get(port, { ...raw, agent: naive, maxVersion: version });
      const b = await get(port, { ...raw, agent: naive, maxVersion: version });
      expect(a.body + b.body).toBe('okok');
      expect(b.reused).toBe(false);
    }
    expect(verified).toBe(4);
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
