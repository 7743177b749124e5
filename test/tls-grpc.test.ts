import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Authorizer, authorizeAny, authorizeId, peerSpiffeId, X509Source } from '../src/index.js';
import { grpcChannelCredentials, grpcServerCredentials } from '../src/grpc/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { rawUnaryService } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';

const service: grpc.ServiceDefinition = rawUnaryService('Echo', 'WhoAmI', 'whoami');
const EchoClient = grpc.makeGenericClientConstructor(service, 'Echo');

let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;
let handled = 0;
let evilCa: TestCa;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  const evil = await TestCa.create({ trustDomain: 'example.org' });
  evilCa = evil;
  api = await TestWorkloadApi.start({
    trustDomain: 'example.org',
    intermediate: true,
    identities: [{ id: SERVER_ID }, { id: CLIENT_ID }],
    federatedBundles: { 'partner.test': evil.bundleDer() },
  });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

async function startServer(authorizerId: string): Promise<number> {
  const server = new grpc.Server();
  server.addService(service, {
    whoami: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      handled++;
      if (peerSpiffeId(call)?.toString() !== CLIENT_ID) return callback({ code: grpc.status.INTERNAL, details: 'no peer id' });
      const leaf = call.getAuthContext().sslPeerCertificate;
      callback(null, Buffer.from(leaf?.serialNumber ?? 'none'));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpcServerCredentials(serverSource, authorizeId(authorizerId)), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanup.push(() => server.forceShutdown());
  return port;
}

function call(port: number, serverAuthorizer: Authorizer = authorizeId(SERVER_ID), creds?: grpc.ChannelCredentials): Promise<string> {
  // Hand-made credentials are plain grpc-js, which would send the IP as TLS ServerName (DEP0123).
  const options = creds === undefined ? {} : { 'grpc.ssl_target_name_override': 'orders.test' };
  const client = new EchoClient(`127.0.0.1:${port}`, creds ?? grpcChannelCredentials(clientSource, serverAuthorizer), options);
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(
      '/test.Echo/WhoAmI',
      (v: Buffer) => v,
      (b: Buffer) => b,
      Buffer.alloc(0),
      { deadline: Date.now() + 3000 },
      (err: grpc.ServiceError | null, value?: Buffer) => {
        client.close();
        if (err) reject(err);
        else resolve(String(value));
      },
    );
  });
}

describe('grpc-js', () => {
  it('mTLS with authorization on both sides, and rotation', async () => {
    const port = await startServer(CLIENT_ID);
    handled = 0;
    const serverSerials: string[] = [];
    const recording: Authorizer = (id, chain) => {
      authorizeId(SERVER_ID)(id, chain);
      serverSerials.push(new X509Certificate(chain[0]!).serialNumber);
      return true;
    };
    expect(await call(port, recording)).toBe(clientSource.getX509Svid().leaf.serialNumber);
    expect(serverSerials).toEqual([serverSource.getX509Svid().leaf.serialNumber]);
    const before = clientSource.getX509Svid().leaf.serialNumber;
    const rotated = Promise.all([new Promise((r) => clientSource.once('svid', r)), new Promise((r) => serverSource.once('svid', r))]);
    await api.rotate();
    await rotated;
    await new Promise((r) => setImmediate(r));
    const after = await call(port, recording);
    expect(serverSerials[1]).toBe(serverSource.getX509Svid().leaf.serialNumber);
    expect(serverSerials[1]).not.toBe(serverSerials[0]);
    expect(after).toBe(clientSource.getX509Svid().leaf.serialNumber);
    expect(after).not.toBe(before);
    expect(handled).toBe(2);
  });

  it('client refuses a server with the wrong ID', async () => {
    const port = await startServer(CLIENT_ID);
    await expect(call(port, authorizeId('spiffe://example.org/other'))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('server refusing the client: no handler runs', async () => {
    const port = await startServer('spiffe://example.org/nobody');
    handled = 0;
    await expect(call(port, authorizeAny())).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(handled).toBe(0);
  });

  it('a client certificate from a federated CA claiming our trust domain is refused before the handler', async () => {
    const port = await startServer(CLIENT_ID);
    handled = 0;
    const forged = await evilCa.issueX509Svid({ id: CLIENT_ID });
    const creds = grpc.credentials.createSsl(api.ca.bundleDer().length > 0 ? Buffer.from(pemOf(api.ca.bundleDer())) : null, Buffer.from(forged.privateKeyPem), Buffer.from(forged.certChainPem), {
      checkServerIdentity: () => undefined,
    });
    await expect(call(port, authorizeAny(), creds)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(handled).toBe(0);
  });
});

function pemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}
