// Rotation under load: continuous requests through every adapter across 20 rotations of both
// SVIDs by the built-in Workload API. 0 failures; every new handshake after a rotation presents
// the new certificates (both ways); connections opened before the rotations stay open and usable.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import type tls from 'node:tls';
import { Agent as UndiciAgent, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Authorizer,
  authorizeId,
  createHttp2SecureServer,
  createHttpsServer,
  mtlsClientOptions,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  X509Source,
} from '../src/index.js';
import {
  grpcChannelCredentials,
  grpcServerCredentials,
} from '../src/grpc/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback, rawUnaryService } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';
const ROTATIONS = 20;

let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: 'example.org', intermediate: true, identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

const serial = (source: X509Source) => source.getX509Svid().leaf.serialNumber;

function listen<S extends tls.Server | http2.Http2SecureServer>(server: S): Promise<number> {
  return listenOnLoopback(server, cleanup);
}

/** GET through an https agent: the body (the client serial the server saw) and the server serial. */
function httpsGet(port: number, agent: https.Agent): Promise<{ body: string; serverSerial: string; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        const socket = res.socket as tls.TLSSocket;
        const serverSerial = socket.getPeerCertificate().serialNumber;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve({ body, serverSerial, socket }) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

function h2request(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/' });
    let body = '';
    let status = 0;
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => (status === 200 ? resolve(body) : reject(new Error(`status ${status}`))));
    req.on('error', reject);
  });
}

const grpcService: grpc.ServiceDefinition = rawUnaryService('Rotation', 'Serial', 'serial');
const GrpcClient = grpc.makeGenericClientConstructor(grpcService, 'Rotation');

function grpcCall(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/test.Rotation/Serial', (v: Buffer) => v, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, v?: Buffer) =>
      err ? reject(err) : resolve(String(v)),
    ),
  );
}

it(`continuous requests through every adapter across ${ROTATIONS} rotations: 0 failures, new handshakes present the new certificates, old connections stay open`, async () => {
  // ---- servers: each answers with the serial of the client certificate it saw ----
  const clientSerialOf = (socket: tls.TLSSocket) => socket.getPeerCertificate().serialNumber;
  const httpsConnections = new Set<tls.TLSSocket>();
  const httpsServer = createHttpsServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(clientSerialOf(req.socket as tls.TLSSocket)));
  httpsServer.on('secureConnection', (socket: tls.TLSSocket) => httpsConnections.add(socket));
  const h2Server = createHttp2SecureServer(serverSource, authorizeId(CLIENT_ID), (req, res) => res.end(clientSerialOf(req.socket as unknown as tls.TLSSocket)));
  const [httpsPort, h2Port] = await Promise.all([listen(httpsServer), listen(h2Server)]);
  const grpcServer = new grpc.Server();
  grpcServer.addService(grpcService, {
    serial: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, Buffer.from(call.getAuthContext().sslPeerCertificate?.serialNumber ?? 'none')),
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpcServerCredentials(serverSource, authorizeId(CLIENT_ID)), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanup.push(() => grpcServer.forceShutdown());

  // ---- long-lived clients, connected before the first rotation ----
  const keptAgent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID), { keepAlive: true, maxSockets: 1 });
  const freshAgent = spiffeHttpsAgent(clientSource, authorizeId(SERVER_ID)); // a new handshake per request
  const undici = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizeId(SERVER_ID)), keepAliveTimeout: 60_000 });
  const { agent: _agent, ...h2Options } = mtlsClientOptions(clientSource, authorizeId(SERVER_ID));
  const h2Session = http2.connect(`https://127.0.0.1:${h2Port}`, h2Options);
  const grpcKept = new GrpcClient(`127.0.0.1:${grpcPort}`, grpcChannelCredentials(clientSource, authorizeId(SERVER_ID)));
  cleanup.push(
    () => keptAgent.destroy(),
    () => freshAgent.destroy(),
    () => undici.close(),
    () => h2Session.destroy(),
    () => grpcKept.close(),
  );
  const initialServerSerial = serial(serverSource);
  const initialClientSerial = serial(clientSource);
  const keptFirst = await httpsGet(httpsPort, keptAgent);
  expect(keptFirst.body).toBe(initialClientSerial);
  const undiciUrl = `https://127.0.0.1:${httpsPort}/`;
  expect(await (await undiciFetch(undiciUrl, { dispatcher: undici })).text()).toBe(initialClientSerial);
  const undiciConnection = [...httpsConnections].at(-1);
  expect(await h2request(h2Session)).toBe(initialClientSerial);
  const h2Socket = h2Session.socket as tls.TLSSocket;
  expect(await grpcCall(grpcKept)).toBe(initialClientSerial);

  // ---- continuous load on every adapter ----
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  let stop = false;
  const load = async (label: string, request: () => Promise<unknown>) => {
    counts[label] = 0;
    while (!stop) {
      try {
        await request();
        counts[label]++;
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 5)); // a failing request must not spin the event loop
      }
    }
  };
  const loops = [
    load('https keep-alive', () => httpsGet(httpsPort, keptAgent)),
    load('https new connections', () => httpsGet(httpsPort, freshAgent)),
    load('undici fetch keep-alive', async () => (await undiciFetch(undiciUrl, { dispatcher: undici })).text()),
    load('http2 session', () => h2request(h2Session)),
    load('grpc channel', () => grpcCall(grpcKept)),
  ];

  // ---- rotations; after each, new handshakes on every adapter must present both new SVIDs ----
  const grpcServerSerials: string[] = [];
  const recordingServer: Authorizer = (id, chain) => {
    authorizeId(SERVER_ID)(id, chain);
    grpcServerSerials.push(new X509Certificate(chain[0]!).serialNumber);
    return true;
  };
  for (let i = 0; i < ROTATIONS; i++) {
    const before = { server: serial(serverSource), client: serial(clientSource) };
    const updated = Promise.all([once(serverSource, 'svid'), once(clientSource, 'svid')]);
    await api.rotate();
    await updated;
    const now = { server: serial(serverSource), client: serial(clientSource) };
    expect(now.server).not.toBe(before.server);
    expect(now.client).not.toBe(before.client);

    const fresh = await httpsGet(httpsPort, freshAgent);
    expect(fresh.serverSerial).toBe(now.server);
    expect(fresh.body).toBe(now.client);

    const undiciNew = new UndiciAgent({ connect: spiffeUndiciConnect(clientSource, authorizeId(SERVER_ID)) }); // a new connection
    const res = await undiciRequest(undiciUrl, { dispatcher: undiciNew });
    expect(await res.body.text()).toBe(now.client);
    await undiciNew.close();

    const newSession = http2.connect(`https://127.0.0.1:${h2Port}`, h2Options);
    expect(await h2request(newSession)).toBe(now.client);
    expect((newSession.socket as tls.TLSSocket).getPeerCertificate().serialNumber).toBe(now.server);
    newSession.close();

    const grpcNew = new GrpcClient(`127.0.0.1:${grpcPort}`, grpcChannelCredentials(clientSource, recordingServer));
    expect(await grpcCall(grpcNew)).toBe(now.client);
    expect(grpcServerSerials.at(-1)).toBe(now.server);
    grpcNew.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await Promise.all(loops);

  expect(failures).toEqual([]);
  for (const [label, n] of Object.entries(counts)) expect(n, label).toBeGreaterThan(ROTATIONS);

  // ---- the connections opened before the rotations are still the ones in use ----
  const keptLast = await httpsGet(httpsPort, keptAgent);
  expect(keptLast.socket).toBe(keptFirst.socket);
  expect(keptLast.serverSerial).toBe(initialServerSerial); // negotiated before the rotations
  expect(keptLast.body).toBe(initialClientSerial);
  expect(undiciConnection?.destroyed).toBe(false);
  expect(await (await undiciFetch(undiciUrl, { dispatcher: undici })).text()).toBe(initialClientSerial);
  expect(h2Session.closed || h2Session.destroyed).toBe(false);
  expect(h2Session.socket).toBe(h2Socket);
  expect(h2Socket.getPeerCertificate().serialNumber).toBe(initialServerSerial);
  expect(await h2request(h2Session)).toBe(initialClientSerial);
  expect(await grpcCall(grpcKept)).toBe(initialClientSerial);
}, 60_000);
