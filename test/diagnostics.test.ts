// Every diagnostics channel, seen by a real subscriber (`diagnostics_channel.subscribe`) and driven
// by real events: the test Workload API (rotation, federation, fault injection, agent down and
// back), JwtSource fetches, and mTLS handshakes on loopback (allowed and refused, both sides).
import diagnostics_channel from 'node:diagnostics_channel';
import { once } from 'node:events';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BundleUpdateMessage,
  authorizeId,
  createTlsServer,
  diagnosticsChannels,
  type JwtCacheMessage,
  JwtSource,
  mtlsClientOptions,
  type StreamConnectMessage,
  type StreamErrorMessage,
  type StreamMessageMessage,
  type StreamReconnectMessage,
  type TlsAuthorizeMessage,
  type WorkloadApiFetchMessage,
  X509Source,
  type X509UpdateMessage,
} from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback } from './helpers/loopback.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

/** Subscribes to `name` until the end of the test; returns what it receives. */
function record<T>(name: string): T[] {
  const seen: T[] = [];
  const fn = (message: unknown): void => {
    seen.push(message as T);
  };
  diagnostics_channel.subscribe(name, fn);
  cleanup.push(() => diagnostics_channel.unsubscribe(name, fn));
  return seen;
}

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`not seen in time: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fastBackoff = () => ({ next: () => 20, reset: () => {} });

/** No message may carry key material or a token. */
function expectNoSecrets(messages: readonly unknown[], secrets: readonly string[]): void {
  const text = JSON.stringify(messages);
  expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('diagnostics channels: Workload API streams and X509Source', () => {
  it('publishes connect, message, x509:update (first and rotated) and bundle:update', async () => {
    const connects = record<StreamConnectMessage>(diagnosticsChannels.streamConnect);
    const messages = record<StreamMessageMessage>(diagnosticsChannels.streamMessage);
    const updates = record<X509UpdateMessage>(diagnosticsChannels.x509Update);
    const bundles = record<BundleUpdateMessage>(diagnosticsChannels.bundleUpdate);
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }] });
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());

    expect(connects).toEqual([{ rpc: 'FetchX509SVID', address: api.address, reconnect: false }]);
    expect(messages).toEqual([{ rpc: 'FetchX509SVID', address: api.address, accepted: true }]);
    const first = source.getX509Svid();
    expect(updates).toEqual([{ address: api.address, spiffeId: 'spiffe://example.org/web', expiresAt: first.expiresAt, previousExpiresAt: undefined, rotated: false }]);
    expect(bundles).toEqual([{ address: api.address, kind: 'x509', added: ['example.org'], removed: [], updated: [], count: 1 }]);

    const rotated = once(source as never, 'svid');
    await api.rotate();
    await rotated;
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({ spiffeId: 'spiffe://example.org/web', rotated: true, previousExpiresAt: first.expiresAt });
    expect(updates[1]?.expiresAt.getTime()).toBe(source.getX509Svid().expiresAt.getTime());

    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    await api.setFederatedBundle('partner.test', partner);
    await until(() => bundles.length === 2, 'the federated bundle');
    expect(bundles[1]).toEqual({ address: api.address, kind: 'x509', added: ['partner.test'], removed: [], updated: [], count: 2 });
    await api.removeFederatedBundle('partner.test');
    await until(() => bundles.length === 3, 'the removed bundle');
    expect(bundles[2]).toMatchObject({ added: [], removed: ['partner.test'], count: 1 });
    expectNoSecrets([...connects, ...messages, ...updates, ...bundles], [source.getX509Svid().marshal().privateKey]);
  });

  it('publishes error and reconnect when the agent goes down, and connect (reconnect) when it is back', async () => {
    const errors = record<StreamErrorMessage>(diagnosticsChannels.streamError);
    const reconnects = record<StreamReconnectMessage>(diagnosticsChannels.streamReconnect);
    const connects = record<StreamConnectMessage>(diagnosticsChannels.streamConnect);
    const api = await agent();
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000, backoff: fastBackoff });
    cleanup.push(() => source.close());
    await api.stop();
    await until(() => errors.length > 0 && reconnects.length > 0, 'the stream error');
    expect(errors[0]).toMatchObject({ rpc: 'FetchX509SVID', address: api.address, code: 'ERR_AGENT_UNREACHABLE', fatal: false, discarded: false, retryInMs: 20 });
    expect(reconnects[0]).toEqual({ rpc: 'FetchX509SVID', address: api.address, delayMs: 20, cause: 'error', code: 'ERR_AGENT_UNREACHABLE' });
    await api.restart();
    await until(() => connects.length === 2, 'the reconnect');
    expect(connects[1]).toEqual({ rpc: 'FetchX509SVID', address: api.address, reconnect: true });
  });

  it('publishes the code of an injected failure, and a clean end of stream as a reconnect', async () => {
    const errors = record<StreamErrorMessage>(diagnosticsChannels.streamError);
    const reconnects = record<StreamReconnectMessage>(diagnosticsChannels.streamReconnect);
    const api = await agent();
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000, backoff: fastBackoff });
    cleanup.push(() => source.close());
    api.endStreams();
    await until(() => reconnects.length === 1, 'the clean end');
    expect(reconnects[0]).toMatchObject({ cause: 'end', delayMs: 0, code: undefined });
    await api.waitForStreams(1);
    api.failWith('PERMISSION_DENIED', undefined, { times: 1 });
    await until(() => errors.length === 1, 'the injected failure');
    expect(errors[0]).toMatchObject({ code: 'ERR_NOT_REGISTERED', grpcCode: 7, fatal: false });
  });

  it('publishes a discarded message as message (accepted: false) and error (discarded)', async () => {
    const messages = record<StreamMessageMessage>(diagnosticsChannels.streamMessage);
    const errors = record<StreamErrorMessage>(diagnosticsChannels.streamError);
    const api = await agent();
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    api.pushMalformed('garbage-der');
    await until(() => errors.length === 1, 'the discarded message');
    expect(messages.map((m) => m.accepted)).toEqual([true, false]);
    expect(errors[0]).toMatchObject({ rpc: 'FetchX509SVID', code: 'ERR_MALFORMED_RESPONSE', discarded: true, fatal: false, retryInMs: undefined });
  });
});

describe('diagnostics channels: JwtSource and one-shot calls', () => {
  it('publishes miss, fetch and hit on the JWT cache, and the duration of the agent call; never the token', async () => {
    const cache = record<JwtCacheMessage>(diagnosticsChannels.jwtCache);
    const fetches = record<WorkloadApiFetchMessage>(diagnosticsChannels.workloadApiFetch);
    const bundles = record<BundleUpdateMessage>(diagnosticsChannels.bundleUpdate);
    const api = await agent({ identities: [{ id: 'spiffe://example.org/batch' }] });
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    expect(bundles).toEqual([{ address: api.address, kind: 'jwt', added: ['example.org'], removed: [], updated: [], count: 1 }]);

    const first = await source.fetchJwtSvid({ audience: 'my-api' });
    const again = await source.fetchJwtSvid({ audience: 'my-api' });
    expect(again.token).toBe(first.token);
    expect(cache.map((m) => m.event)).toEqual(['miss', 'fetch', 'hit']);
    expect(cache[0]).toEqual({ event: 'miss', audience: ['my-api'], subject: undefined, joined: false, background: false, durationMs: undefined, code: undefined });
    expect(cache[1]).toMatchObject({ event: 'fetch', audience: ['my-api'], background: false, code: undefined });
    expect(cache[1]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toMatchObject({ rpc: 'FetchJWTSVID', address: api.address, code: undefined });
    expect(fetches[0]?.durationMs).toBeGreaterThanOrEqual(0);

    // A second caller while the first one's fetch is in flight joins it.
    const both = Promise.all([source.fetchJwtSvid({ audience: ['a', 'b'] }), source.fetchJwtSvids({ audience: 'c' }), source.fetchJwtSvid({ audience: ['b', 'a'] })]);
    await both;
    const joined = cache.filter((m) => m.event === 'miss' && m.joined);
    expect(joined).toEqual([{ event: 'miss', audience: ['a', 'b'], subject: undefined, joined: true, background: false, durationMs: undefined, code: undefined }]);
    expectNoSecrets([...cache, ...fetches], [first.token, first.token.split('.')[2] ?? 'x']);
  });

  it('publishes a failed fetch with its code', async () => {
    const cache = record<JwtCacheMessage>(diagnosticsChannels.jwtCache);
    const fetches = record<WorkloadApiFetchMessage>(diagnosticsChannels.workloadApiFetch);
    const api = await agent();
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    api.failWith('UNAVAILABLE', undefined, { rpc: 'fetchJwtSvid', times: 1 });
    const err = (await source.fetchJwtSvid({ audience: 'x' }).catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(cache.at(-1)).toMatchObject({ event: 'fetch', code: 'ERR_AGENT_UNREACHABLE' });
    expect(fetches.at(-1)).toMatchObject({ rpc: 'FetchJWTSVID', code: 'ERR_AGENT_UNREACHABLE' });
  });
});

describe('diagnostics channels: mTLS authorization', () => {
  const SERVER_ID = 'spiffe://example.org/server';
  const CLIENT_ID = 'spiffe://example.org/client';

  async function pair(federatedBundles: Record<string, Buffer> = {}): Promise<{ server: X509Source; client: X509Source; api: TestWorkloadApi }> {
    const api = await agent({ identities: [{ id: SERVER_ID }, { id: CLIENT_ID }], federatedBundles });
    const server = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
    const client = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
    cleanup.push(() => server.close(), () => client.close());
    return { server, client, api };
  }

  /** One handshake; resolves once the server side decided (the client sees the outcome or a close). */
  function handshake(port: number, options: tls.ConnectionOptions): Promise<string> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ...options });
      socket.on('secureConnect', () => socket.write('ping'));
      socket.on('data', (d: Buffer) => {
        resolve(d.toString());
        socket.end();
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
      socket.on('close', () => resolve('closed'));
    });
  }

  it('publishes allowed on both sides, with the peer IDs', async () => {
    const seen = record<TlsAuthorizeMessage>(diagnosticsChannels.tlsAuthorize);
    const { server, client } = await pair();
    const port = await listenOnLoopback(
      createTlsServer(server, authorizeId(CLIENT_ID), (s) => s.on('data', () => s.end('pong'))),
      cleanup,
    );
    expect(await handshake(port, mtlsClientOptions(client, authorizeId(SERVER_ID)))).toBe('pong');
    const bySide = Object.fromEntries(seen.map((m) => [m.side, m]));
    expect(bySide.client).toEqual({ side: 'client', allowed: true, peerId: SERVER_ID, code: undefined, rule: undefined, reason: undefined, remoteAddress: undefined, remotePort: undefined, host: '127.0.0.1' });
    expect(bySide.server).toMatchObject({ side: 'server', allowed: true, peerId: CLIENT_ID, code: undefined, remoteAddress: '127.0.0.1' });
    expect(bySide.server?.remotePort).toBeGreaterThan(0);
    expect(seen).toHaveLength(2);
  });

  it('publishes refusals with the code, the peer ID, the rule and the side (server refuses the client)', async () => {
    const seen = record<TlsAuthorizeMessage>(diagnosticsChannels.tlsAuthorize);
    const { server, client } = await pair();
    const port = await listenOnLoopback(
      createTlsServer(server, authorizeId('spiffe://example.org/someone-else'), (s) => s.on('data', () => s.end('pong'))),
      cleanup,
    );
    expect(await handshake(port, mtlsClientOptions(client, authorizeId(SERVER_ID)))).not.toBe('pong');
    await until(() => seen.some((m) => m.side === 'server'), 'the server refusal');
    const refusal = seen.find((m) => m.side === 'server');
    expect(refusal).toMatchObject({
      side: 'server',
      allowed: false,
      peerId: CLIENT_ID,
      code: 'ERR_TLS_UNAUTHORIZED',
      rule: 'id spiffe://example.org/someone-else',
      remoteAddress: '127.0.0.1',
    });
    expect(refusal?.reason).toContain(CLIENT_ID);
  });

  it('publishes a client refusing the server, and a refusal of an unverifiable certificate (no peer ID)', async () => {
    const seen = record<TlsAuthorizeMessage>(diagnosticsChannels.tlsAuthorize);
    // A CA trusted for partner.test only, minting an example.org ID: OpenSSL accepts the chain, spiffe-kit does not.
    const rogue = await TestCa.create({ trustDomain: 'example.org' });
    const { server, client, api } = await pair({ 'partner.test': rogue.bundleDer() });
    const port = await listenOnLoopback(
      createTlsServer(server, authorizeId(CLIENT_ID), (s) => s.on('data', () => s.end('pong'))),
      cleanup,
    );
    expect(await handshake(port, mtlsClientOptions(client, authorizeId('spiffe://example.org/not-the-server')))).toMatch(/^error:|^closed$/);
    const refusal = seen.find((m) => m.side === 'client');
    expect(refusal).toMatchObject({ side: 'client', allowed: false, peerId: SERVER_ID, code: 'ERR_TLS_UNAUTHORIZED', host: '127.0.0.1' });

    // The right ID from the wrong trust domain's CA: refused before any authorizer runs.
    const forged = await rogue.issueX509Svid({ id: CLIENT_ID });
    const before = seen.length;
    await handshake(port, { ca: [pem(api.ca.bundleDer())], checkServerIdentity: () => undefined, cert: forged.certChainPem, key: forged.privateKeyPem });
    await until(() => seen.length > before, 'the refusal of the forged certificate');
    const forgedRefusal = seen[before];
    expect(forgedRefusal).toMatchObject({ side: 'server', allowed: false, peerId: undefined, code: 'ERR_TLS_PEER_VERIFICATION' });
    expectNoSecrets(seen, [forged.privateKeyPem]);
  });
});

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

describe('diagnostics channels: nobody subscribed', () => {
  it('has no subscriber by default', () => {
    for (const name of Object.values(diagnosticsChannels)) expect(diagnostics_channel.hasSubscribers(name)).toBe(false);
  });
});
