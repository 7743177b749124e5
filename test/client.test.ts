import { inspect } from 'node:util';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointAddressError } from '../src/workloadapi/address.js';
import { WorkloadApiClient, type WorkloadApiClientOptions } from '../src/workloadapi/client.js';
import type { WorkloadApiErrorCode } from '../src/workloadapi/errors.js';
import { bundles, ScriptedAgent, sleep, statusError, waitUntil, x509SvidResponse } from './client-server.js';
import { failure } from './helpers/failure.js';

let agent: ScriptedAgent;
const clients: WorkloadApiClient[] = [];

function client(options: WorkloadApiClientOptions = {}): WorkloadApiClient {
  const c = new WorkloadApiClient({ address: agent.address, ...options });
  clients.push(c);
  return c;
}


beforeEach(async () => {
  agent = await ScriptedAgent.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await agent.dispose();
});

describe('WorkloadApiClient: construction', () => {
  it('exposes the parsed address', () => {
    const c = client();
    expect(c.address).toMatchObject({ scheme: 'unix', path: agent.socketPath, target: `unix:${agent.socketPath}` });
  });

  it('falls back to SPIFFE_ENDPOINT_SOCKET and reports a missing address', () => {
    const saved = process.env['SPIFFE_ENDPOINT_SOCKET'];
    try {
      process.env['SPIFFE_ENDPOINT_SOCKET'] = 'tcp://127.0.0.1:7';
      expect(new WorkloadApiClient().address).toMatchObject({ scheme: 'tcp', port: 7 });
      delete process.env['SPIFFE_ENDPOINT_SOCKET'];
      expect(() => new WorkloadApiClient()).toThrow(expect.objectContaining({ code: 'ERR_ENDPOINT_ADDRESS_MISSING' }));
      expect(() => new WorkloadApiClient({ address: 'unix://tmp/agent.sock' })).toThrow(EndpointAddressError);
    } finally {
      if (saved === undefined) delete process.env['SPIFFE_ENDPOINT_SOCKET'];
      else process.env['SPIFFE_ENDPOINT_SOCKET'] = saved;
    }
  });

  it('rejects invalid options', () => {
    for (const options of [{ timeoutMs: 0 }, { timeoutMs: Number.NaN }, { maxMessageBytes: 0 }, { limits: { maxSvids: 0 } }, { limits: { maxBundleBytes: 1.5 } }]) {
      expect(() => new WorkloadApiClient({ address: agent.address, ...options })).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
    }
  });
});

describe('WorkloadApiClient: unary calls', () => {
  it('fetchJwtSvidRaw sends the request with the security header and returns the raw answer', async () => {
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(null, { svids: [{ spiffe_id: 'spiffe://example.org/web', svid: 'a.b.c', hint: 'h' }] });
    const res = await client().fetchJwtSvidRaw({ audience: ['aud1', 'aud2'], spiffeId: 'spiffe://example.org/web' });
    expect(res).toEqual({ svids: [{ spiffe_id: 'spiffe://example.org/web', svid: 'a.b.c', hint: 'h' }] });
    const [call] = agent.callsOf('FetchJWTSVID');
    expect(call?.header).toEqual(['true']);
    expect(call?.request).toEqual({ audience: ['aud1', 'aud2'], spiffe_id: 'spiffe://example.org/web' });
  });

  it('fetchJwtSvidRaw refuses an empty audience before any call', async () => {
    const c = client();
    for (const audience of [[], [''], '', ['ok', '']] as const) {
      const err = await failure(c.fetchJwtSvidRaw({ audience }));
      expect(err.code).toBe('ERR_BAD_REQUEST');
    }
    expect(agent.calls).toHaveLength(0);
  });

  it('validateJwtSvidRaw turns the claims Struct into plain JSON', async () => {
    // The agent's handler gives JSON; the generated encoder writes it as a google.protobuf.Struct.
    agent.handlers.ValidateJWTSVID = (_call, cb) =>
      cb(null, {
        spiffe_id: 'spiffe://example.org/web',
        claims: { sub: 'spiffe://example.org/web', aud: ['api', 2], exp: 1_700_000_000, admin: false, none: null, nested: { deep: { x: 1.5 } } },
      });
    const res = await client().validateJwtSvidRaw('a.b.c', 'api');
    expect(res.spiffe_id).toBe('spiffe://example.org/web');
    expect(res.claims).toEqual({
      sub: 'spiffe://example.org/web',
      aud: ['api', 2],
      exp: 1_700_000_000,
      admin: false,
      none: null,
      nested: { deep: { x: 1.5 } },
    });
    expect(Object.getPrototypeOf(res.claims)).toBe(Object.prototype);
    expect(agent.callsOf('ValidateJWTSVID')[0]?.request).toEqual({ audience: 'api', svid: 'a.b.c' });
    expect(agent.callsOf('ValidateJWTSVID')[0]?.header).toEqual(['true']);
  });

  it('validateJwtSvidRaw refuses an empty token or audience before any call', async () => {
    expect((await failure(client().validateJwtSvidRaw('', 'api'))).code).toBe('ERR_BAD_REQUEST');
    expect((await failure(client().validateJwtSvidRaw('a.b.c', ''))).code).toBe('ERR_BAD_REQUEST');
    expect(agent.calls).toHaveLength(0);
  });

  const STATUSES: [status, WorkloadApiErrorCode, RegExp][] = [
    [status.UNAVAILABLE, 'ERR_AGENT_UNREACHABLE', /unreachable/],
    [status.PERMISSION_DENIED, 'ERR_NOT_REGISTERED', /no identity for this workload/],
    [status.INVALID_ARGUMENT, 'ERR_PROTOCOL_MISUSE', /rejected the FetchJWTSVID request/],
    [status.UNIMPLEMENTED, 'ERR_UNIMPLEMENTED', /does not implement FetchJWTSVID/],
    [status.RESOURCE_EXHAUSTED, 'ERR_RESOURCE_LIMIT', /resource limit/],
    [status.DEADLINE_EXCEEDED, 'ERR_TIMEOUT', /timed out/],
    [status.INTERNAL, 'ERR_AGENT_ERROR', /FetchJWTSVID failed/],
    [status.UNKNOWN, 'ERR_AGENT_ERROR', /FetchJWTSVID failed/],
    [status.UNAUTHENTICATED, 'ERR_AGENT_ERROR', /UNAUTHENTICATED/],
    [status.CANCELLED, 'ERR_AGENT_ERROR', /cancelled by the agent/],
  ];

  it.each(STATUSES)('maps status %i to %s, naming the socket', async (code, expected, says) => {
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(statusError(code, 'agent says no'));
    const err = await failure(client().fetchJwtSvidRaw({ audience: ['a'] }));
    expect(err.code).toBe(expected);
    expect(err.message).toMatch(says);
    expect(err.message).toContain(agent.socketPath);
    expect(err.message).toContain('agent says no');
    expect(err.grpcCode).toBe(code);
    expect(err.details).toBe('agent says no');
    expect(err.rpc).toBe('FetchJWTSVID');
    expect(err.address).toBe(`unix:${agent.socketPath}`);
  });

  it('reports an answer that does not decode as ERR_MALFORMED_RESPONSE', async () => {
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(null, Buffer.from([0x0a, 0xff, 0xff, 0xff]));
    const err = await failure(client().fetchJwtSvidRaw({ audience: ['a'] }));
    expect(err.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(err.reason).toMatch(/parsing error/);
  });

  it('enforces maxSvids on FetchJWTSVID', async () => {
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(null, { svids: Array.from({ length: 3 }, (_, i) => ({ spiffe_id: `spiffe://example.org/${i}`, svid: 'x' })) });
    const err = await failure(client({ limits: { maxSvids: 2 } }).fetchJwtSvidRaw({ audience: ['a'] }));
    expect(err.code).toBe('ERR_RESOURCE_LIMIT');
    expect(err.limit).toBe('maxSvids');
  });

  it('times out, says what it waited for and where, and cancels the call', async () => {
    agent.handlers.FetchJWTSVID = () => {}; // never answers
    const started = Date.now();
    const err = await failure(client().fetchJwtSvidRaw({ audience: ['sts.example.com'] }, { timeoutMs: 150 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.timeoutMs).toBe(150);
    expect(err.message).toContain('after 150 ms');
    expect(err.message).toContain('"sts.example.com"');
    expect(err.message).toContain(agent.socketPath);
    await waitUntil(() => agent.callsOf('FetchJWTSVID')[0]?.cancelled === true, 2_000, 'the server to see the cancellation');
  });

  it('uses the client default timeout', async () => {
    agent.handlers.ValidateJWTSVID = () => {};
    const err = await failure(client({ timeoutMs: 100 }).validateJwtSvidRaw('a.b.c', 'api'));
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.timeoutMs).toBe(100);
  });

  it('aborts on the signal and cancels the call', async () => {
    agent.handlers.FetchJWTSVID = () => {};
    const controller = new AbortController();
    const p = client().fetchJwtSvidRaw({ audience: ['a'] }, { signal: controller.signal });
    await waitUntil(() => agent.callsOf('FetchJWTSVID').length === 1);
    const reason = new Error('shutting down');
    controller.abort(reason);
    const err = await failure(p);
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.cause).toBe(reason);
    await waitUntil(() => agent.callsOf('FetchJWTSVID')[0]?.cancelled === true, 2_000, 'the server to see the cancellation');
  });

  it('does not call at all with an already aborted signal', async () => {
    const err = await failure(client().validateJwtSvidRaw('a.b.c', 'api', { signal: AbortSignal.abort() }));
    expect(err.code).toBe('ERR_ABORTED');
    await sleep(50);
    expect(agent.calls).toHaveLength(0);
  });
});

describe('WorkloadApiClient: first message of a stream', () => {
  it('fetchX509SvidRaw returns the first message and cancels the stream', async () => {
    agent.handlers.FetchX509SVID = (call) => {
      call.write(x509SvidResponse(2));
      call.write(x509SvidResponse(1));
    };
    const msg = await client().fetchX509SvidRaw();
    expect(msg.svids).toHaveLength(2);
    expect(msg.svids[0]).toMatchObject({ spiffe_id: 'spiffe://example.org/w0', hint: 'internal', x509_svid: Buffer.from('cert-0'), bundle: Buffer.alloc(3, 0x42) });
    expect(msg.svids[0]?.x509_svid_key).toEqual(Buffer.from('SECRET-KEY-0'));
    expect(msg.crl).toEqual([Buffer.from('crl')]);
    expect(msg.federated_bundles).toEqual(new Map([['spiffe://partner.org', Buffer.from('partner-ca')]]));
    const [call] = agent.callsOf('FetchX509SVID');
    expect(call?.header).toEqual(['true']);
    await waitUntil(() => call?.cancelled === true, 2_000, 'the stream to be cancelled');
  });

  it('keeps private keys out of inspect and JSON', async () => {
    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1));
    const msg = await client().fetchX509SvidRaw();
    const key = Buffer.from('SECRET-KEY-0');
    expect(inspect(msg, { depth: 10 })).not.toContain(key.toString('hex').slice(0, 8));
    expect(inspect(msg, { depth: 10 })).not.toContain('x509_svid_key');
    expect(JSON.stringify(msg)).not.toContain('x509_svid_key');
    expect(JSON.stringify(msg)).not.toContain(key.toString('base64'));
  });

  it('fetchX509BundlesRaw and fetchJwtBundlesRaw return the first message', async () => {
    agent.handlers.FetchX509Bundles = (call) => call.write({ crl: [], bundles: bundles(2) });
    agent.handlers.FetchJWTBundles = (call) => call.write({ bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) });
    const c = client();
    const x509 = await c.fetchX509BundlesRaw();
    expect([...x509.bundles.keys()]).toEqual(['spiffe://td0.org', 'spiffe://td1.org']);
    expect(x509.crl).toEqual([]);
    const jwt = await c.fetchJwtBundlesRaw();
    expect(jwt.bundles.get('spiffe://example.org')?.toString()).toBe('{"keys":[]}');
    expect(agent.calls.map((x) => x.header)).toEqual([['true'], ['true']]);
  });

  it('the typed fetchJwtBundles builds a JwtBundleSet from the raw message', async () => {
    agent.handlers.FetchJWTBundles = (call) => call.write({ bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) });
    const set = await client().fetchJwtBundles();
    expect(set.size).toBe(1);
  });

  it('maps a failed stream status', async () => {
    agent.handlers.FetchX509SVID = (call) => call.emit('error', statusError(status.PERMISSION_DENIED, 'no identity issued'));
    const err = await failure(client().fetchX509SvidRaw());
    expect(err.code).toBe('ERR_NOT_REGISTERED');
    expect(err.details).toBe('no identity issued');
    expect(err.rpc).toBe('FetchX509SVID');
  });

  it('reports a stream that ends cleanly before any message', async () => {
    agent.handlers.FetchX509Bundles = (call) => call.end();
    const err = await failure(client().fetchX509BundlesRaw());
    expect(err.code).toBe('ERR_AGENT_ERROR');
    expect(err.message).toMatch(/ended the FetchX509Bundles stream without sending a message/);
  });

  it('times out waiting for the first message and cancels the stream', async () => {
    agent.handlers.FetchX509SVID = () => {}; // stream stays open, silent
    const err = await failure(client().fetchX509SvidRaw({ timeoutMs: 150 }));
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.message).toMatch(/waiting for the first X509SVIDResponse from the Workload API at unix socket /);
    await waitUntil(() => agent.callsOf('FetchX509SVID')[0]?.cancelled === true, 2_000, 'the stream to be cancelled');
  });

  it('aborts the wait for the first message and cancels the stream', async () => {
    agent.handlers.FetchJWTBundles = () => {};
    const controller = new AbortController();
    const p = client().fetchJwtBundlesRaw({ signal: controller.signal });
    await waitUntil(() => agent.callsOf('FetchJWTBundles').length === 1);
    controller.abort();
    expect((await failure(p)).code).toBe('ERR_ABORTED');
    await waitUntil(() => agent.callsOf('FetchJWTBundles')[0]?.cancelled === true, 2_000, 'the stream to be cancelled');
  });

  it('enforces the SVID, bundle count and bundle size limits', async () => {
    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(3));
    let err = await failure(client({ limits: { maxSvids: 2 } }).fetchX509SvidRaw());
    expect(err).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxSvids', rpc: 'FetchX509SVID' });

    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1, { federated: bundles(3) }));
    err = await failure(client({ limits: { maxBundles: 3 } }).fetchX509SvidRaw());
    expect(err).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxBundles' }); // 3 federated + the SVID's own

    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1, { bundleBytes: 2_000 }));
    err = await failure(client({ limits: { maxBundleBytes: 1_000 } }).fetchX509SvidRaw());
    expect(err).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxBundleBytes' });

    agent.handlers.FetchJWTBundles = (call) => call.write({ bundles: bundles(1, 2_000) });
    err = await failure(client({ limits: { maxBundleBytes: 1_000 } }).fetchJwtBundlesRaw());
    expect(err).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxBundleBytes' });
    expect(err.message).toContain('spiffe://td0.org');
  });

  it('applies maxMessageBytes to received messages', async () => {
    agent.handlers.FetchX509Bundles = (call) => call.write({ crl: [], bundles: bundles(1, 10_000) });
    const err = await failure(client({ maxMessageBytes: 1_024 }).fetchX509BundlesRaw());
    expect(err).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxMessageBytes', grpcCode: status.RESOURCE_EXHAUSTED });
  });

  it('reports a message that does not decode as ERR_MALFORMED_RESPONSE', async () => {
    agent.handlers.FetchX509SVID = (call) => call.write(Buffer.from([0x0a, 0x05, 0x01]));
    const err = await failure(client().fetchX509SvidRaw());
    expect(err.code).toBe('ERR_MALFORMED_RESPONSE');
  });
});

describe('WorkloadApiClient: reaching the agent', () => {
  it('names the socket path when nothing listens there', async () => {
    const path = `${agent.socketPath}.missing`;
    const c = new WorkloadApiClient({ address: `unix://${path}`, timeoutMs: 2_000 });
    clients.push(c);
    const err = await failure(c.fetchX509SvidRaw());
    expect(err.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(err.message).toContain(path);
    expect(err.grpcCode).toBe(status.UNAVAILABLE);
  });

  it('works over TCP on 127.0.0.1', async () => {
    const tcp = await ScriptedAgent.start({ tcp: true });
    try {
      tcp.handlers.FetchX509Bundles = (call) => call.write({ crl: [], bundles: bundles(1) });
      tcp.handlers.FetchJWTSVID = (_call, cb) => cb(null, { svids: [{ spiffe_id: 'spiffe://example.org/a', svid: 't', hint: '' }] });
      const c = new WorkloadApiClient({ address: tcp.address });
      clients.push(c);
      expect(c.address).toMatchObject({ scheme: 'tcp', host: '127.0.0.1' });
      expect([...(await c.fetchX509BundlesRaw()).bundles.keys()]).toEqual(['spiffe://td0.org']);
      expect((await c.fetchJwtSvidRaw({ audience: ['x'] })).svids[0]?.svid).toBe('t');
      expect(tcp.calls.map((x) => x.header)).toEqual([['true'], ['true']]);
    } finally {
      await tcp.dispose();
    }
  });

  it('reports a TCP agent that is not listening as unreachable', async () => {
    const tcp = await ScriptedAgent.start({ tcp: true });
    const address = tcp.address;
    await tcp.dispose();
    const c = new WorkloadApiClient({ address, timeoutMs: 2_000 });
    clients.push(c);
    const err = await failure(c.fetchJwtBundlesRaw());
    expect(err.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(err.message).toContain(address);
  });
});

describe('WorkloadApiClient: close', () => {
  it('fails pending calls with ERR_CLOSED, then every new call; idempotent', async () => {
    agent.handlers.FetchJWTSVID = () => {};
    agent.handlers.FetchX509SVID = () => {};
    const c = client();
    const unary = c.fetchJwtSvidRaw({ audience: ['a'] });
    const stream = c.fetchX509SvidRaw();
    await waitUntil(() => agent.calls.length === 2);
    c.close();
    c.close();
    expect(c.closed).toBe(true);
    expect((await failure(unary)).code).toBe('ERR_CLOSED');
    expect((await failure(stream)).code).toBe('ERR_CLOSED');
    expect((await failure(c.fetchX509BundlesRaw())).code).toBe('ERR_CLOSED');
    await waitUntil(() => agent.calls.every((x) => x.cancelled), 2_000, 'the server to see every call cancelled');
  });

  it('leaves no timers or sockets behind after calls, timeouts and close', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    agent.handlers.FetchJWTSVID = () => {};
    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1));
    const c = client();
    await c.fetchX509SvidRaw();
    await failure(c.fetchJwtSvidRaw({ audience: ['a'] }, { timeoutMs: 50 }));
    const aborted = new AbortController();
    const p = c.fetchJwtSvidRaw({ audience: ['a'] }, { signal: aborted.signal, timeoutMs: 60_000 });
    aborted.abort();
    await failure(p);
    c.close();
    agent.stop();
    await waitUntil(
      () => {
        const now = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
        return now.filter((r) => r === 'Timeout').length <= before.filter((r) => r === 'Timeout').length && now.length <= before.length;
      },
      3_000,
      'the active resources to return to where they were',
    );
  });
});
