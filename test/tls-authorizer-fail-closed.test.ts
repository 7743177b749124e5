// Authorization fails closed at every entry point that takes an authorizer: only an explicit `true`
// allows. A matcher that does not match, `() => false`, a void authorizer, an async one, `() => 1`
// and a throw of a non-Error all refuse; a matcher that matches allows. Real TLS handshakes on
// loopback against the test Workload API, for every server helper (the authorizer judges the
// client) and every client helper (it judges the server). Plus: a non-function is refused when the
// helper is built (ERR_TLS_BAD_AUTHORIZER), refused clients can recognise the refusal (403,
// GOAWAY, clean close), the refusal is logged through the source's logger, and no handler runs.
import * as grpc from '@grpc/grpc-js';
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
  authorizeMatching,
  authorizeMemberOf,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  matchId,
  matchMemberOf,
  matchOneOf,
  mtlsClientOptions,
  mtlsServerOptions,
  peerSpiffeId,
  SpiffeId,
  spiffeCheckServerIdentity,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  TlsError,
  tlsClientOptions,
  verifyPeerChain,
  verifyTlsPeer,
  X509Source,
} from '../src/index.js';
import { peerCertificateChain } from '../src/tls/verify-peer.js';
import {
  grpcAuthInterceptor,
  grpcChannelCredentials,
  grpcServerCredentials,
  SourceCertificateProvider,
} from '../src/grpc/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback, rawUnaryService } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';

interface LogLine {
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;
const serverLog: LogLine[] = [];
const clientLog: LogLine[] = [];
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
  const logger = (into: LogLine[]) => ({ warn: (message: string, fields?: Record<string, unknown>) => void into.push({ message, fields }) });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000, logger: logger(serverLog) });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000, logger: logger(clientLog) });
  serverSource.setMaxListeners(200);
  clientSource.setMaxListeners(200);
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

/** What a JavaScript caller (or a careless TypeScript one) may hand over as an authorizer. */
const REFUSING: ReadonlyArray<readonly [string, unknown]> = [
  ["matchMemberOf('other.org')", matchMemberOf('other.org')],
  ['() => false', () => false],
  ['() => undefined (a void authorizer)', () => undefined],
  ['an async authorizer resolving true', async () => true],
  ['() => 1', () => 1],
  [
    'a throw of a non-Error',
    () => {
      throw 'nope';
    },
  ],
];
const ALLOWING = ["matchMemberOf('example.org')", matchMemberOf('example.org')] as const;
const CASES = [...REFUSING.map(([name, a]) => [name, a, false] as const), [ALLOWING[0], ALLOWING[1], true] as const];

const asAuthorizer = (a: unknown) => a as Authorizer;

function listen(server: { listen(port: number, host: string): unknown; close(cb?: () => void): unknown; address(): unknown; once(e: string, l: () => void): unknown }): Promise<number> {
  return listenOnLoopback(server as Parameters<typeof listenOnLoopback>[0], cleanup);
}

interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

function httpsGet(port: number, options: https.RequestOptions): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

interface H2Outcome {
  readonly status?: number;
  readonly body: string;
  readonly goaway?: { readonly code: number; readonly lastStreamId: number; readonly data: string };
  readonly error?: Error;
}

/** One HTTP/2 request; resolves with whatever happened (a response, a GOAWAY, an error). */
function h2Get(port: number, options: http2.SecureClientSessionOptions): Promise<H2Outcome> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let body = '';
    let goaway: H2Outcome['goaway'];
    let sessionError: Error | undefined;
    let streamError: Error | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      session.destroy();
      const error = sessionError ?? streamError;
      resolve({ body, ...(status === undefined ? {} : { status }), ...(goaway === undefined ? {} : { goaway }), ...(error === undefined ? {} : { error }) });
    };
    const session = http2.connect(`https://127.0.0.1:${port}`, options);
    session.on('goaway', (code, lastStreamId, data) => (goaway = { code, lastStreamId, data: data?.toString('latin1') ?? '' }));
    session.on('error', (err) => (sessionError ??= err));
    session.on('close', finish);
    const stream = session.request({ ':path': '/' });
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (c: string) => (body += c));
    stream.on('error', (err) => (streamError ??= err));
    stream.on('close', () => setImmediate(finish)); // the session's error comes after the stream's
    stream.end();
  });
}

/** A raw TLS connection: what the server sent before it closed. */
function tlsExchange(port: number, options: tls.ConnectionOptions): Promise<{ data: string; error?: Error }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    let data = '';
    let error: Error | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', (err) => (error ??= err));
    socket.on('close', () => resolve({ data, ...(error === undefined ? {} : { error }) }));
  });
}

const grpcService = rawUnaryService('Authz', 'WhoAmI', 'whoami');
const GrpcClient = grpc.makeGenericClientConstructor(grpcService, 'Authz');

async function grpcServe(credentials: grpc.ServerCredentials, onCall: () => void, options?: grpc.ServerOptions): Promise<number> {
  const server = new grpc.Server(options);
  server.addService(grpcService, {
    whoami: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      onCall();
      callback(null, Buffer.from(String(peerSpiffeId(call))));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
  cleanup.push(() => server.forceShutdown());
  return port;
}

function grpcCall(port: number, credentials: grpc.ChannelCredentials): Promise<{ value?: string; error?: grpc.ServiceError }> {
  const client = new GrpcClient(`127.0.0.1:${port}`, credentials);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/test.Authz/WhoAmI', (v: Buffer) => v, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, value?: Buffer) => {
      client.close();
      resolve(err ? { error: err } : { value: String(value) });
    });
  });
}

/** Client TLS options without the agent / createConnection (for tls.connect and agent-less https). */
function clientTls(authorizer: Authorizer): tls.ConnectionOptions {
  const { agent: _a, createConnection: _c, ...options } = mtlsClientOptions(clientSource, authorizer);
  return options;
}

/** The outcome of one entry point with one authorizer: did the peer get served, did a handler run? */
interface Outcome {
  readonly allowed: boolean;
  readonly handled: number;
  /** The refusal as the refusing side saw it, when it shows it. */
  readonly refusal?: unknown;
}

type EntryPoint = (authorizer: Authorizer) => Promise<Outcome>;

// ---- server side: the authorizer judges the client --------------------------------------------

const SERVER_ENTRY_POINTS: Record<string, EntryPoint> = {
  async createHttpsServer(authorizer) {
    let handled = 0;
    const rejected: Error[] = [];
    const server = createHttpsServer(serverSource, authorizer, (req, res) => (handled++, res.end(String(peerSpiffeId(req)))), { onRejected: (e) => rejected.push(e) });
    const reply = await httpsGet(await listen(server), { ...clientTls(authorizeId(SERVER_ID)), agent: false });
    return { allowed: reply.status === 200 && reply.body === CLIENT_ID, handled, refusal: rejected[0] };
  },
  async createHttp2SecureServer(authorizer) {
    let handled = 0;
    const rejected: Error[] = [];
    const server = createHttp2SecureServer(serverSource, authorizer, (req, res) => (handled++, res.end(String(peerSpiffeId(req)))), { onRejected: (e) => rejected.push(e) });
    server.on('session', () => handled++);
    const port = await listen(server);
    const { createConnection } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
    const outcome = await h2Get(port, { createConnection });
    // A served request opens a session too.
    return { allowed: outcome.status === 200 && outcome.body === CLIENT_ID, handled: outcome.status === 200 ? handled - 1 : handled, refusal: rejected[0] };
  },
  async createTlsServer(authorizer) {
    let handled = 0;
    const rejected: Error[] = [];
    const server = createTlsServer(serverSource, authorizer, (socket) => (handled++, socket.end(`hi ${peerSpiffeId(socket)}`)), { onRejected: (e) => rejected.push(e) });
    const { data } = await tlsExchange(await listen(server), clientTls(authorizeId(SERVER_ID)));
    return { allowed: data === `hi ${CLIENT_ID}`, handled, refusal: rejected[0] };
  },
  async attachSpiffeAuth(authorizer) {
    let handled = 0;
    const rejected: Error[] = [];
    const server = https.createServer(mtlsServerOptions(serverSource), (req, res) => (handled++, res.end(String(peerSpiffeId(req)))));
    attachSpiffeAuth(server, serverSource, authorizer, { onRejected: (e) => rejected.push(e) });
    const reply = await httpsGet(await listen(server), { ...clientTls(authorizeId(SERVER_ID)), agent: false });
    return { allowed: reply.status === 200 && reply.body === CLIENT_ID, handled, refusal: rejected[0] };
  },
  async 'attachSpiffeAuth (mtlsServerOptions, webCert)'(authorizer) {
    // The SVID serves as the "web" certificate here: what matters is the client check.
    const { cert, key } = (({ certificates, privateKey }) => ({ cert: certificates, key: privateKey }))(serverSource.getX509Svid().marshal());
    let handled = 0;
    const rejected: Error[] = [];
    const server = https.createServer(mtlsServerOptions(serverSource), (req, res) => (handled++, res.end(String(peerSpiffeId(req)))));
    attachSpiffeAuth(server, serverSource, authorizer, { webCert: { cert, key }, onRejected: (e) => rejected.push(e) });
    const reply = await httpsGet(await listen(server), { ...clientTls(authorizeId(SERVER_ID)), agent: false });
    return { allowed: reply.status === 200 && reply.body === CLIENT_ID, handled, refusal: rejected[0] };
  },
  async grpcServerCredentials(authorizer) {
    let handled = 0;
    const port = await grpcServe(grpcServerCredentials(serverSource, authorizer), () => handled++);
    const { value, error } = await grpcCall(port, grpcChannelCredentials(clientSource, authorizeId(SERVER_ID)));
    return { allowed: value === CLIENT_ID, handled, refusal: error };
  },
  async grpcAuthInterceptor(authorizer) {
    let handled = 0;
    const provider = new SourceCertificateProvider(serverSource);
    const credentials = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
    const port = await grpcServe(credentials, () => handled++, { interceptors: [grpcAuthInterceptor(serverSource, authorizer)] });
    const { value, error } = await grpcCall(port, grpcChannelCredentials(clientSource, authorizeId(SERVER_ID)));
    return { allowed: value === CLIENT_ID, handled, refusal: error };
  },
};

// ---- client side: the authorizer judges the server ---------------------------------------------

let httpsPort: number;
let http2Port: number;
let tlsOnlyPort: number;
let tlsPort: number;
let grpcPort: number;
let served = 0;

beforeAll(async () => {
  httpsPort = await listen(createHttpsServer(serverSource, authorizeAny(), (_req, res) => (served++, res.end('served'))));
  http2Port = await listen(createHttp2SecureServer(serverSource, authorizeAny(), (_req, res) => (served++, res.end('served'))));
  tlsOnlyPort = await listen(createTlsOnlyHttpsServer(serverSource, (_req, res) => (served++, res.end('served'))));
  tlsPort = await listen(createTlsServer(serverSource, authorizeAny(), (socket) => (served++, socket.end('served'))));
  grpcPort = await grpcServe(grpcServerCredentials(serverSource, authorizeAny()), () => served++);
});

/** Runs a client against the shared servers; `handled` counts what the servers served. */
async function asClient(run: () => Promise<{ allowed: boolean; refusal?: unknown }>): Promise<Outcome> {
  const before = served;
  const { allowed, refusal } = await run();
  return { allowed, handled: allowed ? 0 : served - before, refusal };
}

const rejection = async <T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> => p.then((value) => ({ value }), (error: unknown) => ({ error }));

const CLIENT_ENTRY_POINTS: Record<string, EntryPoint> = {
  'mtlsClientOptions (https, its agent)': (authorizer) =>
    asClient(async () => {
      const { value, error } = await rejection(httpsGet(httpsPort, mtlsClientOptions(clientSource, authorizer)));
      return { allowed: value?.body === 'served', refusal: error };
    }),
  spiffeHttpsAgent: (authorizer) =>
    asClient(async () => {
      const { value, error } = await rejection(httpsGet(httpsPort, { agent: spiffeHttpsAgent(clientSource, authorizer) }));
      return { allowed: value?.body === 'served', refusal: error };
    }),
  'mtlsClientOptions (http2.connect, its createConnection)': (authorizer) =>
    asClient(async () => {
      const { createConnection } = mtlsClientOptions(clientSource, authorizer);
      const outcome = await h2Get(http2Port, { createConnection });
      return { allowed: outcome.body === 'served', refusal: outcome.error };
    }),
  'tlsClientOptions (https, no client certificate)': (authorizer) =>
    asClient(async () => {
      const { value, error } = await rejection(httpsGet(tlsOnlyPort, tlsClientOptions(clientSource, authorizer)));
      return { allowed: value?.body === 'served', refusal: error };
    }),
  'spiffeUndiciConnect (undici fetch)': (authorizer) =>
    asClient(async () => {
      const dispatcher = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizer) });
      try {
        const { value, error } = await rejection(undiciFetch(`https://127.0.0.1:${httpsPort}/`, { dispatcher }).then((r) => r.text()));
        return { allowed: value === 'served', refusal: (error as { cause?: unknown } | undefined)?.cause };
      } finally {
        await dispatcher.close();
      }
    }),
  grpcChannelCredentials: (authorizer) =>
    asClient(async () => {
      const { value, error } = await grpcCall(grpcPort, grpcChannelCredentials(clientSource, authorizer));
      return { allowed: value === CLIENT_ID, refusal: error };
    }),
  'spiffeCheckServerIdentity (tls.connect)': (authorizer) =>
    asClient(async () => {
      const svid = clientSource.getX509Svid().marshal();
      const { data, error } = await tlsExchange(tlsPort, {
        ca: clientSource.bundles.bundles().map((b) => b.toPem()),
        cert: svid.certificates,
        key: svid.privateKey,
        checkServerIdentity: spiffeCheckServerIdentity(clientSource, authorizer),
      });
      return { allowed: data === 'served', refusal: error };
    }),
};

describe.each(Object.entries(SERVER_ENTRY_POINTS))('server side: %s', (_name, entry) => {
  it.each(CASES)('%s', async (_case, authorizer, allows) => {
    const logged = serverLog.length;
    const outcome = await entry(asAuthorizer(authorizer));
    expect(outcome.allowed).toBe(allows);
    expect(outcome.handled).toBe(allows ? 1 : 0);
    if (allows) return;
    const refusal = outcome.refusal as { code?: unknown; details?: string } | undefined;
    if (refusal instanceof Error && 'details' in refusal) {
      // grpc-js: the call ends with PERMISSION_DENIED and the reason.
      expect(refusal.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(refusal.details).toContain(`Peer ${CLIENT_ID} is not authorized`);
    } else {
      expect(refusal).toBeInstanceOf(AuthorizationError);
      expect((refusal as AuthorizationError).peerId.toString()).toBe(CLIENT_ID);
    }
    // The refusal is logged through the server source's own logger, with the peer and its address.
    await expect.poll(() => serverLog.length).toBeGreaterThan(logged);
    const line = serverLog.at(-1)!;
    expect(line.message).toMatch(/^mTLS: refused the client 127\.0\.0\.1:\d+: Peer spiffe:\/\/example\.org\/client is not authorized: /);
    expect(line.fields).toMatchObject({ side: 'server', code: 'ERR_TLS_UNAUTHORIZED', peerId: CLIENT_ID, remoteAddress: '127.0.0.1' });
    expect(typeof line.fields?.rule).toBe('string');
  });
});

describe.each(Object.entries(CLIENT_ENTRY_POINTS))('client side: %s', (_name, entry) => {
  it.each(CASES)('%s', async (_case, authorizer, allows) => {
    const logged = clientLog.length;
    const outcome = await entry(asAuthorizer(authorizer));
    expect(outcome.allowed).toBe(allows);
    expect(outcome.handled).toBe(0);
    if (allows) return;
    const refusal = outcome.refusal as { code?: unknown; details?: string } | undefined;
    if (refusal instanceof Error && 'details' in refusal) {
      // grpc-js reports a failed handshake as UNAVAILABLE with the checkServerIdentity error's message.
      expect(refusal.code).toBe(grpc.status.UNAVAILABLE);
    } else if (refusal !== undefined) {
      expect(refusal).toBeInstanceOf(AuthorizationError);
      expect((refusal as AuthorizationError).peerId.toString()).toBe(SERVER_ID);
    }
    // The client's refusal is logged through the client source's logger too.
    await expect.poll(() => clientLog.length).toBeGreaterThan(logged);
    expect(clientLog.at(-1)!.fields).toMatchObject({ side: 'client', code: 'ERR_TLS_UNAUTHORIZED', peerId: SERVER_ID });
    expect(typeof clientLog.at(-1)!.fields?.host).toBe('string'); // what the client dialled (grpc-js: its target name)
  });
});

describe('what an authorizer returned is named, and how to allow', () => {
  const chain = () => clientSource.getX509Svid().certificatesDer;
  const refusalOf = (authorizer: unknown): AuthorizationError => {
    try {
      verifyPeerChain(chain(), serverSource, asAuthorizer(authorizer));
    } catch (err) {
      expect(err).toBeInstanceOf(AuthorizationError);
      return err as AuthorizationError;
    }
    throw new Error('allowed');
  };

  it('false, undefined, a Promise, 1, a thrown non-Error, a thrown Error', () => {
    expect(refusalOf(() => false).message).toBe(`Peer ${CLIENT_ID} is not authorized: expected an ID accepted by the authorizer`);
    // Matchers are named after what they accept, so a refusal by one names the rule.
    expect(refusalOf(matchMemberOf('other.org'))).toMatchObject({ rule: 'an ID accepted by matchMemberOf(other.org)' });
    expect(refusalOf(matchId('spiffe://example.org/db')).message).toBe(`Peer ${CLIENT_ID} is not authorized: expected an ID accepted by matchId(spiffe://example.org/db)`);
    expect(refusalOf(matchOneOf('spiffe://example.org/a', 'spiffe://example.org/b')).rule).toBe('an ID accepted by matchOneOf(spiffe://example.org/a, spiffe://example.org/b)');
    expect(refusalOf(function onlyAdmins() { return undefined; }).message).toBe(
      `Peer ${CLIENT_ID} is not authorized: onlyAdmins returned undefined, not true (only \`true\` allows a peer; return true to allow, throw an AuthorizationError or return false to refuse)`,
    );
    expect(refusalOf(async () => true).message).toContain('returned a Promise, not true (authorizers run synchronously during the handshake and cannot be async; return true to allow');
    expect(refusalOf(() => 1).message).toContain('returned number 1, not true');
    expect(refusalOf(() => 'yes').message).toContain('returned the string "yes", not true');
    const nonError = refusalOf(() => {
      throw 'nope';
    });
    expect(nonError.message).toContain('the authorizer threw the string "nope"');
    expect(nonError.cause).toBe('nope');
    const boom = new TypeError('boom');
    const thrown = refusalOf(() => {
      throw boom;
    });
    expect(thrown).toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED', rule: 'an ID accepted by the authorizer', cause: boom });
    expect(thrown.message).toContain('the authorizer threw TypeError: boom');
    expect(thrown.peerId.toString()).toBe(CLIENT_ID);
  });

  it('an AuthorizationError thrown by the authorizer is passed on as it is', () => {
    const own = new AuthorizationError(SpiffeId.parse(CLIENT_ID), 'an admin');
    expect(
      refusalOf(() => {
        throw own;
      }),
    ).toBe(own);
  });

  it('an async authorizer that rejects does not leave an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      refusalOf(async () => {
        throw new Error('async refusal');
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('verifyTlsPeer judges the same way on a live socket', async () => {
    const seen: unknown[] = [];
    const server = tls.createServer({ ...mtlsServerOptions(serverSource), ...(({ certificates, privateKey }) => ({ cert: certificates, key: privateKey }))(serverSource.getX509Svid().marshal()), SNICallback: undefined }, (socket) => {
      for (const authorizer of [() => undefined, () => true, matchMemberOf('example.org'), matchMemberOf('other.org')]) {
        try {
          seen.push(verifyTlsPeer(socket, serverSource, asAuthorizer(authorizer)).toString());
        } catch (err) {
          seen.push((err as TlsError).code);
        }
      }
      socket.end('done');
    });
    const { data } = await tlsExchange(await listen(server), clientTls(authorizeId(SERVER_ID)));
    expect(data).toBe('done');
    expect(seen).toEqual(['ERR_TLS_UNAUTHORIZED', CLIENT_ID, CLIENT_ID, 'ERR_TLS_UNAUTHORIZED']);
  });
});

describe('types: TypeScript rejects what would refuse at run time (checked by tsc over the tests)', () => {
  it('void and async authorizers do not type-check, a matcher does; at run time the first two refuse', () => {
    // @ts-expect-error a void authorizer never returns true
    const voidAuthorizer: Authorizer = () => {};
    // @ts-expect-error an async authorizer returns a Promise
    const asyncAuthorizer: Authorizer = async () => true;
    const matcher: Authorizer = matchMemberOf('example.org');
    // @ts-expect-error the server helpers take only authorizers that return a boolean
    const never = () => createTlsServer(serverSource, (id: SpiffeId) => void id);
    expect(typeof never).toBe('function');
    const chain = clientSource.getX509Svid().certificatesDer;
    expect(() => verifyPeerChain(chain, serverSource, voidAuthorizer)).toThrow(AuthorizationError);
    expect(() => verifyPeerChain(chain, serverSource, asyncAuthorizer)).toThrow(AuthorizationError);
    expect(verifyPeerChain(chain, serverSource, matcher).toString()).toBe(CLIENT_ID);
  });
});

describe('authorizers and matchers in each other\u2019s place', () => {
  const id = SpiffeId.parse(CLIENT_ID);

  it('built-in authorizers return true to allow and throw their rule to refuse', () => {
    expect(authorizeAny()(id, [])).toBe(true);
    expect(authorizeId(CLIENT_ID)(id, [])).toBe(true);
    expect(authorizeMemberOf('example.org')(id, [])).toBe(true);
    expect(() => authorizeMemberOf('other.org')(id, [])).toThrow(/expected a member of trust domain other\.org/);
  });

  it('authorizeMatching allows only on true: a refusing authorizer, a void one, an async one do not match', () => {
    expect(authorizeMatching(matchMemberOf('example.org'))(id, [])).toBe(true);
    expect(authorizeMatching(authorizeMemberOf('example.org'))(id, [])).toBe(true);
    const refused = (predicate: unknown) => {
      try {
        authorizeMatching(predicate as Authorizer, 'the rule')(id, []);
      } catch (err) {
        expect(err).toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED', rule: 'the rule' });
        return err as AuthorizationError;
      }
      throw new Error('matched');
    };
    expect(refused(authorizeMemberOf('other.org')).cause).toBeInstanceOf(AuthorizationError); // the inner rule, kept as the cause
    expect(refused(() => undefined).message).toContain('returned undefined');
    expect(refused(async () => true).message).toContain('returned a Promise');
    expect(refused(() => 'true').message).toContain('returned the string "true"');
    expect(() => authorizeMatching('x' as unknown as Authorizer)).toThrow(expect.objectContaining({ code: 'ERR_TLS_BAD_AUTHORIZER' }));
  });
});

describe('a non-function authorizer is refused when the helper is built', () => {
  const BAD: unknown[] = [undefined, null, 'spiffe://example.org/client', {}, true, 42];
  const BUILDERS: Record<string, (a: Authorizer) => unknown> = {
    createHttpsServer: (a) => createHttpsServer(serverSource, a),
    createHttp2SecureServer: (a) => createHttp2SecureServer(serverSource, a),
    createTlsServer: (a) => createTlsServer(serverSource, a),
    attachSpiffeAuth: (a) => attachSpiffeAuth(https.createServer(mtlsServerOptions(serverSource)), serverSource, a),
    mtlsClientOptions: (a) => mtlsClientOptions(clientSource, a),
    tlsClientOptions: (a) => tlsClientOptions(clientSource, a),
    spiffeHttpsAgent: (a) => spiffeHttpsAgent(clientSource, a),
    spiffeUndiciConnect: (a) => spiffeUndiciConnect(clientSource, a),
    spiffeCheckServerIdentity: (a) => spiffeCheckServerIdentity(clientSource, a),
    grpcChannelCredentials: (a) => grpcChannelCredentials(clientSource, a),
    grpcServerCredentials: (a) => grpcServerCredentials(serverSource, a),
    grpcAuthInterceptor: (a) => grpcAuthInterceptor(serverSource, a),
    verifyPeerChain: (a) => verifyPeerChain(peerCertificateChain(undefined), serverSource, a),
  };

  it.each(Object.entries(BUILDERS))('%s', (name, build) => {
    for (const bad of BAD) {
      let error: unknown;
      try {
        build(bad as Authorizer);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({ code: 'ERR_TLS_BAD_AUTHORIZER' });
      expect((error as Error).message).toContain(`${name} needs an authorizer function`);
    }
  });
});

describe('a refused client recognises the refusal, and no handler runs', () => {
  const NOBODY = authorizeId('spiffe://example.org/nobody');

  it('https: 403 with spiffe-refusal and Connection: close, for Node https and for undici fetch', async () => {
    let handled = 0;
    const port = await listen(createHttpsServer(serverSource, NOBODY, (_req, res) => (handled++, res.end('leak'))));
    const reply = await httpsGet(port, { ...clientTls(authorizeId(SERVER_ID)), agent: false, method: 'GET' });
    expect(reply.status).toBe(403);
    expect(reply.headers['spiffe-refusal']).toBe('ERR_TLS_UNAUTHORIZED');
    expect(reply.headers.connection).toBe('close');
    expect(reply.body).toBe("Forbidden: this server did not authorize the client's X.509-SVID (ERR_TLS_UNAUTHORIZED)\n");
    // A request with a body: the body is never read as a request; the client still gets the answer.
    const post = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/', ...clientTls(authorizeId(SERVER_ID)), agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(32 * 1024, 'x'));
    });
    expect(post).toBe(403);
    const dispatcher = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizeId(SERVER_ID)) });
    try {
      const res = await undiciFetch(`https://127.0.0.1:${port}/`, { dispatcher });
      expect(res.status).toBe(403);
      expect(res.headers.get('spiffe-refusal')).toBe('ERR_TLS_UNAUTHORIZED');
      expect(await res.text()).toContain('ERR_TLS_UNAUTHORIZED');
    } finally {
      await dispatcher.close();
    }
    expect(handled).toBe(0);
  });

  it('http2: GOAWAY with INADEQUATE_SECURITY, no stream processed, the code as debug data', async () => {
    let handled = 0;
    const server = createHttp2SecureServer(serverSource, NOBODY, () => handled++);
    server.on('session', () => handled++);
    server.on('stream', () => handled++);
    const port = await listen(server);
    const { createConnection } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
    const outcome = await h2Get(port, { createConnection });
    expect(outcome.status).toBeUndefined();
    expect(outcome.goaway).toEqual({ code: http2.constants.NGHTTP2_INADEQUATE_SECURITY, lastStreamId: 0, data: 'ERR_TLS_UNAUTHORIZED' });
    expect(outcome.error).toBeInstanceOf(Error);
    expect(handled).toBe(0);
  });

  it('https server with ALPN h2 (allowHTTP1 http2 server answers http/1.1 clients with 403)', async () => {
    let handled = 0;
    const server = createHttp2SecureServer(serverSource, NOBODY, () => handled++, { allowHTTP1: true });
    const port = await listen(server);
    const reply = await httpsGet(port, { ...clientTls(authorizeId(SERVER_ID)), agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions);
    expect(reply.status).toBe(403);
    expect(reply.headers['spiffe-refusal']).toBe('ERR_TLS_UNAUTHORIZED');
    expect(handled).toBe(0);
  });

  it('tls: a clean close (close_notify), no data, no reset', async () => {
    let handled = 0;
    const port = await listen(createTlsServer(serverSource, NOBODY, (socket) => (handled++, socket.end('leak'))));
    const { data, error } = await tlsExchange(port, clientTls(authorizeId(SERVER_ID)));
    expect(data).toBe('');
    expect(error).toBeUndefined();
    expect(handled).toBe(0);
  });

  it('a refused peer that fails verification (forged by another trust domain) gets a 403 too and is logged without a peer ID', async () => {
    const logged = serverLog.length;
    let handled = 0;
    // A client certificate for example.org from a CA trusted only as partner.test.
    const { TestCa } = await import('../src/testing/index.js');
    const evil = await TestCa.create({ trustDomain: 'example.org' });
    const federated = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER_ID }], federatedBundles: { 'partner.test': evil.bundleDer() } });
    cleanup.push(() => federated.close());
    const fedSource = await X509Source.create({ address: federated.address, timeoutMs: 5000, logger: { warn: (message, fields) => void serverLog.push({ message, fields }) } });
    cleanup.push(() => fedSource.close());
    const fedPort = await listen(createHttpsServer(fedSource, authorizeAny(), (_req, res) => (handled++, res.end('leak'))));
    const forged = await evil.issueX509Svid({ id: CLIENT_ID });
    const reply = await httpsGet(fedPort, { cert: forged.certChainPem, key: forged.privateKeyPem, ca: fedSource.bundles.bundles().map((b) => b.toPem()), checkServerIdentity: () => undefined, agent: false });
    expect(reply.status).toBe(403);
    expect(reply.headers['spiffe-refusal']).toBe('ERR_TLS_PEER_VERIFICATION');
    expect(handled).toBe(0);
    await expect.poll(() => serverLog.length).toBeGreaterThan(logged);
    const line = serverLog.at(-1)!;
    expect(line.fields).toMatchObject({ side: 'server', code: 'ERR_TLS_PEER_VERIFICATION', remoteAddress: '127.0.0.1' });
    expect(line.fields).not.toHaveProperty('peerId');
  });

  it('options.logger takes the refusals instead of the source logger; a throwing onRejected or logger changes nothing', async () => {
    const mine: LogLine[] = [];
    const sourceLogged = serverLog.length;
    let handled = 0;
    const server = createHttpsServer(serverSource, NOBODY, (_req, res) => (handled++, res.end('leak')), {
      logger: {
        warn: (message, fields) => {
          mine.push({ message, fields });
          throw new Error('broken logger');
        },
      },
      onRejected: () => {
        throw new Error('broken callback');
      },
    });
    const reply = await httpsGet(await listen(server), { ...clientTls(authorizeId(SERVER_ID)), agent: false });
    expect(reply.status).toBe(403);
    expect(handled).toBe(0);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.fields).toMatchObject({ peerId: CLIENT_ID, rule: 'id spiffe://example.org/nobody' });
    expect(serverLog.length).toBe(sourceLogged);
  });
});
