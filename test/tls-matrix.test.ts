// Real loopback handshakes for every adapter and option set in TLS 1.2 and 1.3, and the
// authorization failures of the mTLS issue on both sides, for every server adapter.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  attachSpiffeAuth,
  type Authorizer,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  BundleSource,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerSpiffeId,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  TlsError,
  tlsClientOptions,
  X509Source,
} from '../src/index.js';
import {
  grpcChannelCredentials,
  grpcServerCredentials,
} from '../src/grpc/index.js';
import { type IssuedX509Svid, TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback, rawUnaryService } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
const PARTNER_ID = 'spiffe://partner.test/peer';
const VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

let api: TestWorkloadApi;
let partnerCa: TestCa;
let serverSource: X509Source;
let clientSource: X509Source;
let bundleSource: BundleSource;
/** Hostile or foreign certificates, by case. */
const bad: Record<string, IssuedX509Svid> = {};
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  partnerCa = await TestCa.create({ trustDomain: 'partner.test' });
  api = await TestWorkloadApi.start({
    trustDomain: 'example.org',
    intermediate: true,
    identities: [{ id: SERVER_ID }, { id: CLIENT_ID }],
    federatedBundles: { 'partner.test': partnerCa.bundleDer() },
  });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
  bundleSource = await BundleSource.create({ address: api.address, timeoutMs: 5000 });
  serverSource.setMaxListeners(100);
  const stranger = await TestCa.create({ trustDomain: 'example.org' });
  const hour = 3_600_000;
  const [
    partnerClaimsA, aClaimsPartner, expired, untrusted, partner, wrongIdServer, wrongIdClient,
  ] = await Promise.all([
    // A peer of trust domain A (example.org) whose chain ends in B's (partner.test) bundle.
    partnerCa.issueX509Svid({ id: CLIENT_ID }),
    // A peer of trust domain B whose chain ends in A's bundle.
    api.ca.issueX509Svid({ id: PARTNER_ID }),
    api.ca.issueX509Svid({ id: CLIENT_ID, notBefore: new Date(Date.now() - 2 * hour), notAfter: new Date(Date.now() - hour) }),
    stranger.issueX509Svid({ id: CLIENT_ID }),
    partnerCa.issueX509Svid({ id: PARTNER_ID }),
    api.ca.issueX509Svid({ id: 'spiffe://example.org/impostor' }),
    api.ca.issueX509Svid({ id: 'spiffe://example.org/impostor' }),
  ]);
  Object.assign(bad, { partnerClaimsA, aClaimsPartner, expired, untrusted, partner, wrongIdServer, wrongIdClient });
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await bundleSource?.close();
  await api?.close();
});

function pemOf(der: Buffer): string {
  return new X509Certificate(der).toString();
}
const allRootsPem = () => pemOf(api.ca.bundleDer()) + pemOf(partnerCa.bundleDer());

function listen<S extends tls.Server | http2.Http2SecureServer>(server: S): Promise<number> {
  return listenOnLoopback(server, cleanup);
}

function httpsGet(port: number, options: https.RequestOptions): Promise<{ status: number; body: string; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', ...options }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: res.socket as tls.TLSSocket }));
      })
      .on('error', reject);
  });
}

function h2get(port: number, options: http2.SecureClientSessionOptions): Promise<{ body: string; protocol: string | null; serverId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, options);
    // A refused handshake fails the session (with the reason) and cancels the stream.
    let sessionError: Error | undefined;
    session.on('error', (err) => {
      sessionError = err;
      reject(err);
    });
    const req = session.request({ ':path': '/' });
    let body = '';
    let responded = false;
    req.on('response', () => (responded = true));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const protocol = (session.socket as tls.TLSSocket).getProtocol();
      const serverId = peerSpiffeId(session)?.toString();
      session.close();
      if (responded) resolve({ body, protocol, serverId });
      else reject(new Error('no response'));
    });
    req.on('error', (err) => setImmediate(() => reject(sessionError ?? err)));
  });
}

const grpcService: grpc.ServiceDefinition = rawUnaryService('Matrix', 'WhoAmI', 'whoami');
const GrpcClient = grpc.makeGenericClientConstructor(grpcService, 'Matrix');

/** The TLS socket under a grpc-js handler call (the same path peerSpiffeId walks). */
function grpcSocketOf(call: object): tls.TLSSocket | undefined {
  const queue: unknown[] = [call];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const item = queue.shift() as Record<string, unknown> | undefined;
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    seen.add(item);
    if (typeof item['getProtocol'] === 'function') return item as unknown as tls.TLSSocket;
    for (const key of ['call', 'nextCall', 'stream', 'session', 'socket']) {
      try {
        queue.push(item[key]);
      } catch {
        // http2 socket proxies throw once the session is gone
      }
    }
  }
  return undefined;
}

async function startGrpc(authorizer: Authorizer, onCall: () => void = () => {}): Promise<number> {
  const server = new grpc.Server();
  server.addService(grpcService, {
    whoami: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      onCall();
      callback(null, Buffer.from(`${peerSpiffeId(call)} ${grpcSocketOf(call)?.getProtocol()}`));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpcServerCredentials(serverSource, authorizer), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanup.push(() => server.forceShutdown());
  return port;
}

function grpcCall(port: number, creds: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}): Promise<string> {
  const client = new GrpcClient(`127.0.0.1:${port}`, creds, options);
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest('/test.Matrix/WhoAmI', (v: Buffer) => v, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 4000 }, (err: grpc.ServiceError | null, value?: Buffer) => {
      client.close();
      if (err) reject(err);
      else resolve(String(value));
    });
  });
}

/** A client with a hand-made certificate (or none), trusting every root: what reaches the handler? */
function hostileHttps(port: number, svid: IssuedX509Svid | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: allRootsPem(),
      checkServerIdentity: () => undefined,
      ...(svid === undefined ? {} : { cert: svid.certChainPem, key: svid.privateKeyPem }),
    });
    let data = '';
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('error', () => resolve(`error:${data}`));
    socket.on('close', () => resolve(`closed:${data}`));
  });
}

function hostileH2(port: number, svid: IssuedX509Svid | undefined): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      ca: allRootsPem(),
      checkServerIdentity: () => undefined,
      ...(svid === undefined ? {} : { cert: svid.certChainPem, key: svid.privateKeyPem }),
    });
    session.on('error', () => resolve('error'));
    const req = session.request({ ':path': '/' });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('error', () => resolve(`error:${body}`));
    req.on('close', () => {
      session.destroy();
      resolve(`closed:${body}`);
    });
  });
}

function hostileGrpc(port: number, svid: IssuedX509Svid | undefined): Promise<string> {
  const creds = grpc.credentials.createSsl(
    Buffer.from(allRootsPem()),
    svid === undefined ? null : Buffer.from(svid.privateKeyPem),
    svid === undefined ? null : Buffer.from(svid.certChainPem),
    { checkServerIdentity: () => undefined },
  );
  // Plain grpc-js would send the IP as TLS ServerName (Node's DEP0123); name the target instead.
  return grpcCall(port, creds, { 'grpc.ssl_target_name_override': 'orders.test' }).then(
    (v) => `ok:${v}`,
    (err: grpc.ServiceError) => `error:${err.code}`,
  );
}

/** A server presenting a hand-made certificate; the client under test connects to it. */
async function impostorServer(svid: IssuedX509Svid): Promise<number> {
  return listen(tls.createServer({ cert: svid.certChainPem, key: svid.privateKeyPem }, (socket) => socket.end('x')));
}

describe.each(VERSIONS)('handshakes in %s', (version) => {
  it('tls: createTlsServer + tls.connect(mtlsClientOptions)', async () => {
    const server = createTlsServer(serverSource, authorizeId(CLIENT_ID), (socket) => socket.end(String(peerSpiffeId(socket))), { maxVersion: version });
    const port = await listen(server);
    const { agent: _agent, ...options } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    await once(socket, 'secureConnect');
    expect(socket.getProtocol()).toBe(version);
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString()));
    await once(socket, 'end');
    expect(data).toBe(CLIENT_ID);
  });

  it('https: createHttpsServer + spiffeHttpsAgent, and https.get(mtlsClientOptions)', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(String(peerSpiffeId(req))), { maxVersion: version });
    const port = await listen(server);
    const agent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID));
    cleanup.push(() => agent.destroy());
    for (const options of [{ agent }, mtlsClientOptions(clientSource, authorizeId(SERVER_ID))]) {
      const r = await httpsGet(port, options);
      expect(r.body).toBe(CLIENT_ID);
      expect(r.socket.getProtocol()).toBe(version);
      expect(peerSpiffeId(r.socket)?.toString()).toBe(SERVER_ID);
    }
  });

  it('http2: createHttp2SecureServer + http2.connect(mtlsClientOptions)', async () => {
    const server = createHttp2SecureServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(String(peerSpiffeId(req))), { maxVersion: version });
    const port = await listen(server);
    const { agent: _agent, ...options } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
    const r = await h2get(port, options);
    expect(r.body).toBe(CLIENT_ID);
    expect(r.protocol).toBe(version);
  });

  it('undici: Agent({ connect: spiffeUndiciConnect }) + fetch', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) =>
      res.end(`${peerSpiffeId(req)} ${(req.socket as tls.TLSSocket).getProtocol()}`), { maxVersion: version });
    const port = await listen(server);
    const dispatcher = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizeId(SERVER_ID)) });
    cleanup.push(() => dispatcher.close());
    const res = await undiciFetch(`https://127.0.0.1:${port}/`, { dispatcher });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`${CLIENT_ID} ${version}`);
    // The connector refuses a server that fails the authorizer: fetch fails, no response.
    const strict = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizeId('spiffe://example.org/other')) });
    cleanup.push(() => strict.close());
    const err = await undiciFetch(`https://127.0.0.1:${port}/`, { dispatcher: strict }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError); // fetch wraps network errors
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(AuthorizationError);
  });

  it('grpc-js: grpcServerCredentials + grpcChannelCredentials', async () => {
    const saved = tls.DEFAULT_MAX_VERSION; // grpc-js builds its secure contexts with the defaults
    tls.DEFAULT_MAX_VERSION = version;
    try {
      const port = await startGrpc(authorizeId(CLIENT_ID));
      expect(await grpcCall(port, grpcChannelCredentials(clientSource, authorizeId(SERVER_ID)))).toBe(`${CLIENT_ID} ${version}`);
    } finally {
      tls.DEFAULT_MAX_VERSION = saved;
    }
  });

  it('TLS only: createTlsOnlyHttpsServer (tlsServerOptions) + tlsClientOptions(bundleSource)', async () => {
    const server = createTlsOnlyHttpsServer(serverSource, (req, res) => res.end(`anonymous=${peerSpiffeId(req) === undefined}`), { maxVersion: version });
    const port = await listen(server);
    const r = await httpsGet(port, tlsClientOptions(bundleSource, authorizeId(SERVER_ID)));
    expect(r.body).toBe('anonymous=true');
    expect(r.socket.getProtocol()).toBe(version);
    expect(peerSpiffeId(r.socket)?.toString()).toBe(SERVER_ID);
    await expect(httpsGet(port, tlsClientOptions(bundleSource, authorizeId('spiffe://example.org/other')))).rejects.toBeInstanceOf(AuthorizationError);
  });

  it('web PKI server certificate: mtlsServerOptions + attachSpiffeAuth({ webCert })', async () => {
    const webCa = await TestCa.create({ trustDomain: 'web.test' });
    const web = await webCa.issueX509Svid({ id: 'spiffe://web.test/site', dnsNames: ['localhost'] });
    const webCert = { cert: web.certChainPem, key: web.privateKeyPem };
    const authz = authorizeId(CLIENT_ID);
    const server = https.createServer({ ...mtlsServerOptions(serverSource), maxVersion: version }, (req, res) => res.end(String(peerSpiffeId(req))));
    // With webCert the source only verifies clients: a BundleSource (no SVID) is enough.
    attachSpiffeAuth(server, bundleSource, authz, { webCert, secureContextOptions: { maxVersion: version } });
    // Types only (never called): without webCert the server presents the source's SVID, which a BundleSource has not.
    // @ts-expect-error a BundleSource has no getX509Svid
    const _noSvid = (): unknown => attachSpiffeAuth(server, bundleSource, authz);
    const port = await listen(server);
    const svid = clientSource.getX509Svid().marshal();
    const r = await httpsGet(port, { ca: pemOf(webCa.bundleDer()), cert: svid.certificates, key: svid.privateKey, servername: 'localhost', agent: false });
    expect(r.body).toBe(CLIENT_ID);
    expect(r.socket.getProtocol()).toBe(version);
    expect(r.socket.getPeerCertificate().subjectaltname).toContain('DNS:localhost');
  });
});

describe('a client refuses servers that are not who it wants', () => {
  // OpenSSL refuses an expired certificate before the SPIFFE check runs.
  const cases: Array<[string, () => IssuedX509Svid, Authorizer, string]> = [
    ['wrong ID', () => bad['wrongIdServer']!, authorizeId(SERVER_ID), 'ERR_TLS_UNAUTHORIZED'],
    ['wrong trust domain', () => bad['partner']!, authorizeMemberOf('example.org'), 'ERR_TLS_UNAUTHORIZED'],
    ['an example.org ID chaining to the partner.test bundle', () => bad['partnerClaimsA']!, authorizeAny(), 'ERR_TLS_PEER_VERIFICATION'],
    ['a partner.test ID chaining to the example.org bundle', () => bad['aClaimsPartner']!, authorizeAny(), 'ERR_TLS_PEER_VERIFICATION'],
    ['an expired certificate', () => bad['expired']!, authorizeAny(), 'CERT_HAS_EXPIRED'],
  ];
  it.each(cases)('%s (spiffeUndiciConnect, spiffeHttpsAgent, http2, grpc-js)', async (_name, svid, authorizer, code) => {
    const port = await impostorServer(svid());
    const viaConnector = await new Promise<unknown>((resolve) =>
      spiffeUndiciConnect(clientSource, authorizer)({ hostname: '127.0.0.1', port, servername: null }, (...args) => resolve(args[0])),
    );
    expect(viaConnector).toBeInstanceOf(code.startsWith('ERR_TLS_') ? TlsError : Error);
    expect((viaConnector as TlsError).code).toBe(code);
    const agent = spiffeHttpsAgent(clientSource, authorizer);
    cleanup.push(() => agent.destroy());
    const viaAgent = await httpsGet(port, { agent }).catch((e: unknown) => e);
    expect((viaAgent as TlsError).code).toBe(code);
    const { agent: _agent, ...options } = mtlsClientOptions(clientSource, authorizer);
    const viaH2 = await h2get(port, options).catch((e: unknown) => e);
    expect((viaH2 as TlsError).code).toBe(code);
    await expect(grpcCall(port, grpcChannelCredentials(clientSource, authorizer))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('an untrusted CA fails in OpenSSL already', async () => {
    const port = await impostorServer(bad['untrusted']!);
    const err = await new Promise<unknown>((resolve) =>
      spiffeUndiciConnect(clientSource, authorizeAny())({ hostname: '127.0.0.1', port, servername: null }, (...args) => resolve(args[0])),
    );
    expect((err as NodeJS.ErrnoException).code).toMatch(/CERT|SIGNATURE|ISSUER/);
  });

  it('federation: a partner.test server is accepted where the authorizer allows it', async () => {
    const port = await impostorServer(bad['partner']!);
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) =>
      spiffeUndiciConnect(clientSource, authorizeMemberOf('partner.test'))({ hostname: '127.0.0.1', port, servername: null }, (e, s) => (e ? reject(e) : resolve(s!))),
    );
    expect(peerSpiffeId(socket)?.toString()).toBe(PARTNER_ID);
    socket.destroy();
  });
});

describe('no request handler ever runs for an unauthorized client', () => {
  const hostile: Array<[string, () => IssuedX509Svid | undefined]> = [
    ['wrong ID', () => bad['wrongIdClient']],
    ['wrong trust domain (a federated partner.test peer)', () => bad['partner']],
    ['an example.org ID chaining to the partner.test bundle', () => bad['partnerClaimsA']],
    ['a partner.test ID chaining to the example.org bundle', () => bad['aClaimsPartner']],
    ['an expired certificate', () => bad['expired']],
    ['an untrusted CA', () => bad['untrusted']],
    ['no client certificate', () => undefined],
  ];

  it.each(hostile)('https, http2 and grpc-js: %s', async (_name, svid) => {
    let handled = 0;
    const authz = authorizeId(CLIENT_ID);
    const h1 = createHttpsServer(serverSource, authorizeId(CLIENT_ID), () => handled++);
    h1.on('request', (_req, res) => res.end('leak'));
    const h2 = createHttp2SecureServer(serverSource, authorizeId(CLIENT_ID), () => handled++);
    h2.on('stream', () => handled++);
    h2.on('session', () => handled++);
    const g = await startGrpc(authz, () => handled++);
    const [p1, p2] = await Promise.all([listen(h1), listen(h2)]);
    const r1 = await hostileHttps(p1, svid());
    const r2 = await hostileH2(p2, svid());
    const r3 = await hostileGrpc(g, svid());
    expect(r1).not.toContain('leak');
    expect(r2).toMatch(/^(closed|error)/);
    expect(r3).toMatch(/^error:/);
    expect(handled).toBe(0);
  });

  it('the same clients with a valid SVID do reach the handlers (control)', async () => {
    let handled = 0;
    const h1 = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (_req, res) => {
      handled++;
      res.end('ok');
    });
    const g = await startGrpc(authorizeId(CLIENT_ID), () => handled++);
    const svid = await api.ca.issueX509Svid({ id: CLIENT_ID });
    expect(await hostileHttps(await listen(h1), svid)).toContain('ok');
    expect(await hostileGrpc(g, svid)).toMatch(/^ok:/);
    expect(handled).toBe(2);
  });
});

describe('server rotation keeps its settings and works with and without SNI', () => {
  it('after a rotation, new handshakes (SNI or none) get the new SVID under the same maxVersion', async () => {
    const server = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (_req, res) => res.end('ok'), { maxVersion: 'TLSv1.2' });
    const port = await listen(server);
    const agent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID));
    cleanup.push(() => agent.destroy());
    const before = await httpsGet(port, { agent });
    expect(before.socket.getProtocol()).toBe('TLSv1.2');
    const beforeSerial = serverSource.getX509Svid().leaf.serialNumber;
    const updated = Promise.all([once(serverSource, 'svid'), once(clientSource, 'svid')]);
    await api.rotate();
    await updated;
    const current = serverSource.getX509Svid().leaf.serialNumber;
    for (const servername of [undefined, 'orders.example.org']) {
      const r = await httpsGet(port, { agent, ...(servername === undefined ? {} : { servername }) });
      expect(r.body).toBe('ok');
      expect(r.socket.getPeerCertificate().serialNumber).toBe(current);
      expect(r.socket.getProtocol()).toBe('TLSv1.2');
    }
    expect(current).not.toBe(beforeSerial);
  });
});
