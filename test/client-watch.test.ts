import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkloadApiClient, type WorkloadApiClientOptions } from '../src/workloadapi/client.js';
import type { WorkloadApiError } from '../src/workloadapi/errors.js';
import type { RawX509BundlesResponse } from '../src/workloadapi/messages.js';
import type { WatchErrorInfo, WatchHandler } from '../src/workloadapi/watcher.js';
import { bundles, countingBackoff, ScriptedAgent, sleep, statusError, waitUntil, x509SvidResponse } from './client-server.js';

let agent: ScriptedAgent;
const clients: WorkloadApiClient[] = [];

function client(options: WorkloadApiClientOptions = {}): WorkloadApiClient {
  const c = new WorkloadApiClient({ address: agent.address, ...options });
  clients.push(c);
  return c;
}

interface Recorder<T> extends WatchHandler<T> {
  readonly updates: T[];
  readonly errors: { err: WorkloadApiError; fatal: boolean; info: WatchErrorInfo }[];
  connected: number;
}

function recorder<T>(): Recorder<T> {
  const r: Recorder<T> = {
    updates: [],
    errors: [],
    connected: 0,
    onUpdate: (v) => {
      r.updates.push(v);
    },
    onError: (err, fatal, info) => {
      r.errors.push({ err, fatal, info });
    },
    onConnected: () => {
      r.connected++;
    },
  };
  return r;
}

const msg = (n: number) => ({ crl: [], bundles: bundles(n) });

beforeEach(async () => {
  agent = await ScriptedAgent.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await agent.dispose();
});

describe('watches: delivery', () => {
  it('delivers every message of the stream, each carrying the complete state', async () => {
    agent.handlers.FetchX509Bundles = (call) => {
      call.write(msg(1));
      call.write(msg(2));
      call.write(msg(0));
    };
    const r = recorder<RawX509BundlesResponse>();
    const watch = client().watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 3);
    expect(r.updates.map((u) => u.bundles.size)).toEqual([1, 2, 0]);
    expect(r.connected).toBe(1);
    expect(r.errors).toEqual([]);
    expect(agent.callsOf('FetchX509Bundles')).toHaveLength(1);
    expect(agent.calls[0]?.header).toEqual(['true']);
    expect(watch.stopped).toBe(false);
  });

  it('serves several watches over one client', async () => {
    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1));
    agent.handlers.FetchX509Bundles = (call) => call.write(msg(1));
    agent.handlers.FetchJWTBundles = (call) => call.write({ bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) });
    const c = client();
    const a = recorder<unknown>();
    const b = recorder<unknown>();
    const j = recorder<unknown>();
    c.watchX509ContextRaw(a);
    c.watchX509BundlesRaw(b);
    c.watchJwtBundlesRaw(j);
    await waitUntil(() => a.updates.length === 1 && b.updates.length === 1 && j.updates.length === 1);
    expect(c.watchCount).toBe(3);
    expect(agent.calls.map((x) => [x.rpc, x.header])).toEqual(
      expect.arrayContaining([
        ['FetchX509SVID', ['true']],
        ['FetchX509Bundles', ['true']],
        ['FetchJWTBundles', ['true']],
      ]),
    );
  });

  it('isolates a handler that throws or rejects', async () => {
    agent.handlers.FetchX509Bundles = (call) => {
      call.write(msg(1));
      setTimeout(() => call.write(msg(2)), 20);
    };
    let seen = 0;
    const warnings: string[] = [];
    client({ logger: { warn: (m) => warnings.push(m) } }).watchX509BundlesRaw({
      onUpdate: () => {
        seen++;
        if (seen === 1) throw new Error('handler bug');
        return Promise.reject(new Error('async handler bug'));
      },
    });
    await waitUntil(() => seen === 2 && warnings.length === 2);
    expect(warnings.join('\n')).toMatch(/threw[\s\S]*rejected/);
  });

  it('typed watches parse, and report a message that breaks the Workload API without stopping', async () => {
    agent.handlers.FetchJWTBundles = (call) => {
      call.write({ bundles: new Map([['not a trust domain!', Buffer.from('{"keys":[]}')]]) });
      setTimeout(() => call.write({ bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) }), 20);
    };
    const r = recorder<{ size: number }>();
    client().watchJwtBundles(r);
    await waitUntil(() => r.updates.length === 1);
    expect(r.updates[0]?.size).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.err.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(r.errors[0]?.info).toEqual({ fatal: false, retryInMs: undefined, discarded: true });
    expect(agent.callsOf('FetchJWTBundles')).toHaveLength(1);
  });
});

describe('watches: retry rules', () => {
  it('reconnects at once after a clean end of stream', async () => {
    const backoff = countingBackoff(60_000);
    let n = 0;
    agent.handlers.FetchX509Bundles = (call) => {
      n++;
      call.write(msg(n));
      if (n === 1) call.end();
    };
    const r = recorder<RawX509BundlesResponse>();
    client({ backoff: backoff.factory }).watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 2, 2_000, 'the second stream');
    expect(agent.callsOf('FetchX509Bundles')).toHaveLength(2);
    expect(agent.calls.every((x) => x.header[0] === 'true')).toBe(true);
    expect(backoff.counts.next).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.connected).toBe(2);
  });

  it('backs off when streams keep ending cleanly without a message', async () => {
    const backoff = countingBackoff(30);
    agent.handlers.FetchJWTBundles = (call) => call.end();
    const r = recorder<unknown>();
    client({ backoff: backoff.factory }).watchJwtBundlesRaw(r);
    await waitUntil(() => agent.callsOf('FetchJWTBundles').length >= 4, 3_000, 'four streams');
    // The first empty end reconnects at once; the following ones wait.
    expect(backoff.counts.next).toBeGreaterThanOrEqual(2);
    expect(r.updates).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it.each([
    [status.UNAVAILABLE, 'ERR_AGENT_UNREACHABLE'],
    [status.PERMISSION_DENIED, 'ERR_NOT_REGISTERED'],
    [status.INTERNAL, 'ERR_AGENT_ERROR'],
    [status.CANCELLED, 'ERR_AGENT_ERROR'],
  ] as const)('on status %i reports %s, backs off, retries, and resets the backoff on success', async (code, expected) => {
    const backoff = countingBackoff(40);
    let n = 0;
    agent.handlers.FetchX509SVID = (call) => {
      n++;
      if (n <= 2) call.emit('error', statusError(code, `failure ${n}`));
      else call.write(x509SvidResponse(1));
    };
    const r = recorder<unknown>();
    const started = Date.now();
    client({ backoff: backoff.factory }).watchX509ContextRaw(r);
    await waitUntil(() => r.updates.length === 1, 3_000, 'the update after the retries');
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(r.errors.map((e) => [e.err.code, e.fatal, e.info.retryInMs, e.err.details])).toEqual([
      [expected, false, 40, 'failure 1'],
      [expected, false, 40, 'failure 2'],
    ]);
    expect(backoff.counts.next).toBe(2);
    expect(backoff.counts.reset).toBe(1);
    expect(agent.callsOf('FetchX509SVID')).toHaveLength(3);
  });

  it.each([
    [status.INVALID_ARGUMENT, 'ERR_PROTOCOL_MISUSE'],
    [status.UNIMPLEMENTED, 'ERR_UNIMPLEMENTED'],
  ] as const)('stops for good on status %i (%s) and says it is final', async (code, expected) => {
    const backoff = countingBackoff(10);
    agent.handlers.FetchJWTBundles = (call) => call.emit('error', statusError(code, 'nope'));
    const r = recorder<unknown>();
    const c = client({ backoff: backoff.factory });
    const watch = c.watchJwtBundlesRaw(r);
    await waitUntil(() => r.errors.length === 1);
    expect(r.errors[0]).toMatchObject({ fatal: true, info: { fatal: true, retryInMs: undefined } });
    expect(r.errors[0]?.err.code).toBe(expected);
    expect(watch.stopped).toBe(true);
    expect(c.watchCount).toBe(0);
    await sleep(150);
    expect(agent.callsOf('FetchJWTBundles')).toHaveLength(1);
    expect(r.errors).toHaveLength(1);
  });

  it('reports a message that does not decode, and reconnects with backoff', async () => {
    const backoff = countingBackoff(20);
    let n = 0;
    agent.handlers.FetchX509Bundles = (call) => {
      n++;
      call.write(n === 1 ? Buffer.from([0x12, 0x09, 0x01]) : msg(1));
    };
    const r = recorder<unknown>();
    client({ backoff: backoff.factory }).watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 1, 3_000);
    expect(r.errors.map((e) => [e.err.code, e.info.retryInMs])).toEqual([['ERR_MALFORMED_RESPONSE', 20]]);
  });

  it('retries when the agent goes away, and reconnects when it is back on the same socket', async () => {
    const backoff = countingBackoff(50);
    agent.handlers.FetchX509Bundles = (call) => call.write(msg(1));
    const r = recorder<unknown>();
    client({ backoff: backoff.factory }).watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 1);
    const socketPath = agent.socketPath as string;
    agent.stop();
    await waitUntil(() => r.errors.length >= 2, 3_000, 'failed reconnects');
    // The open stream is cut (CANCELLED from the server side), then reconnects fail.
    expect(r.errors.every((e) => !e.fatal && ['ERR_AGENT_ERROR', 'ERR_AGENT_UNREACHABLE'].includes(e.err.code))).toBe(true);
    expect(r.errors.at(-1)?.err.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(r.errors.at(-1)?.err.message).toContain(socketPath);
    const revived = await ScriptedAgent.start({ socketPath });
    try {
      revived.handlers.FetchX509Bundles = (call) => call.write(msg(2));
      await waitUntil(() => r.updates.length === 2, 5_000, 'the update from the restarted agent');
      expect(revived.calls[0]?.header).toEqual(['true']);
    } finally {
      await revived.dispose();
    }
  });
});

describe('watches: limits', () => {
  it('reports a message over a limit, discards it, and keeps the stream', async () => {
    agent.handlers.FetchX509Bundles = (call) => {
      call.write(msg(3));
      call.write({ crl: [], bundles: bundles(1, 5_000) });
      call.write(msg(2));
    };
    const r = recorder<RawX509BundlesResponse>();
    client({ limits: { maxBundles: 2, maxBundleBytes: 4_096 } }).watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 1);
    expect(r.updates[0]?.bundles.size).toBe(2);
    expect(r.errors.map((e) => [e.err.code, e.err.limit, e.fatal, e.info.discarded])).toEqual([
      ['ERR_RESOURCE_LIMIT', 'maxBundles', false, true],
      ['ERR_RESOURCE_LIMIT', 'maxBundleBytes', false, true],
    ]);
    expect(agent.callsOf('FetchX509Bundles')).toHaveLength(1);
  });

  it('enforces maxSvids on the X.509-SVID stream', async () => {
    agent.handlers.FetchX509SVID = (call) => {
      call.write(x509SvidResponse(4));
      call.write(x509SvidResponse(3));
    };
    const r = recorder<{ svids: unknown[] }>();
    client({ limits: { maxSvids: 3 } }).watchX509ContextRaw(r);
    await waitUntil(() => r.updates.length === 1);
    expect(r.updates[0]?.svids).toHaveLength(3);
    expect(r.errors.map((e) => e.err.limit)).toEqual(['maxSvids']);
  });

  it('maps a message over maxMessageBytes to ERR_RESOURCE_LIMIT and retries', async () => {
    const backoff = countingBackoff(20);
    let n = 0;
    agent.handlers.FetchX509Bundles = (call) => {
      n++;
      call.write(n === 1 ? { crl: [], bundles: bundles(1, 4_000) } : msg(1));
    };
    const r = recorder<unknown>();
    client({ maxMessageBytes: 1_024, backoff: backoff.factory }).watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length === 1, 3_000);
    expect(r.errors.map((e) => [e.err.code, e.err.limit, e.fatal])).toEqual([['ERR_RESOURCE_LIMIT', 'maxMessageBytes', false]]);
  });
});

describe('watches: closing', () => {
  it('close() cancels the stream, is idempotent, and nothing more is delivered', async () => {
    agent.handlers.FetchX509Bundles = (call) => {
      call.write(msg(1));
      const timer = setInterval(() => call.write(msg(2)), 10);
      call.on('cancelled', () => clearInterval(timer));
    };
    const r = recorder<unknown>();
    const c = client();
    const watch = c.watchX509BundlesRaw(r);
    await waitUntil(() => r.updates.length >= 1);
    watch.close();
    watch.close();
    const count = r.updates.length;
    expect(watch.stopped).toBe(true);
    expect(c.watchCount).toBe(0);
    await waitUntil(() => agent.callsOf('FetchX509Bundles')[0]?.cancelled === true, 2_000, 'the server to see the cancellation');
    await sleep(50);
    expect(r.updates.length).toBe(count);
    expect(r.errors).toEqual([]);
  });

  it('close() during a backoff wait clears the timer: no more attempts, no active timers', async () => {
    const before = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const backoff = countingBackoff(60_000);
    agent.handlers.FetchJWTBundles = (call) => call.emit('error', statusError(status.UNAVAILABLE, 'down'));
    const r = recorder<unknown>();
    const c = client({ backoff: backoff.factory });
    const watch = c.watchJwtBundlesRaw(r);
    await waitUntil(() => r.errors.length === 1);
    expect(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length).toBeGreaterThan(before);
    watch.close();
    expect(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length).toBe(before);
    c.close();
    expect(agent.callsOf('FetchJWTBundles')).toHaveLength(1);
  });

  it('an abort signal closes the watch; an aborted one never opens a stream', async () => {
    agent.handlers.FetchX509SVID = () => {};
    const controller = new AbortController();
    const r = recorder<unknown>();
    const c = client();
    const watch = c.watchX509ContextRaw(r, { signal: controller.signal });
    await waitUntil(() => agent.callsOf('FetchX509SVID').length === 1);
    controller.abort();
    expect(watch.stopped).toBe(true);
    await waitUntil(() => agent.callsOf('FetchX509SVID')[0]?.cancelled === true, 2_000, 'the server to see the cancellation');

    const never = c.watchX509ContextRaw(r, { signal: AbortSignal.abort() });
    expect(never.stopped).toBe(true);
    await sleep(50);
    expect(agent.callsOf('FetchX509SVID')).toHaveLength(1);
    expect(r.errors).toEqual([]);
  });

  it('client.close() stops every watch silently; new watches throw ERR_CLOSED', async () => {
    agent.handlers.FetchX509SVID = (call) => call.write(x509SvidResponse(1));
    agent.handlers.FetchJWTBundles = (call) => call.write({ bundles: new Map() });
    const c = client();
    const a = recorder<unknown>();
    const b = recorder<unknown>();
    const wa = c.watchX509ContextRaw(a);
    const wb = c.watchJwtBundlesRaw(b);
    await waitUntil(() => a.updates.length === 1 && b.updates.length === 1);
    c.close();
    expect(wa.stopped && wb.stopped).toBe(true);
    expect(c.watchCount).toBe(0);
    await waitUntil(() => agent.calls.every((x) => x.cancelled), 2_000, 'every stream cancelled');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(() => c.watchX509BundlesRaw(recorder())).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });

  it('leaves no active handles once the client is closed', async () => {
    const countOf = () => process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap');
    const before = countOf();
    agent.handlers.FetchX509Bundles = (call) => call.write(msg(1));
    agent.handlers.FetchJWTBundles = (call) => call.emit('error', statusError(status.UNAVAILABLE, 'down'));
    const c = client({ backoff: countingBackoff(60_000).factory });
    const r = recorder<unknown>();
    c.watchX509BundlesRaw(r);
    c.watchJwtBundlesRaw(r);
    await waitUntil(() => r.updates.length === 1 && r.errors.length === 1);
    c.close();
    agent.stop();
    await waitUntil(() => countOf().length <= before.length, 3_000, `the active resources to return to ${before.join(',')}`);
  });
});
