import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtSvid, TrustDomain } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { BundleSource } from '../src/workloadapi/bundle-source.js';
import { WorkloadApiError } from '../src/workloadapi/errors.js';
import { JwtSource } from '../src/workloadapi/jwt-source.js';
import type { SourceState } from '../src/workloadapi/source-state.js';
import { X509Source } from '../src/workloadapi/x509-source.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function x509(api: TestWorkloadApi, options: Parameters<typeof X509Source.create>[0] = {}): Promise<X509Source> {
  const source = await X509Source.create({ address: api.address, timeoutMs: 5000, ...options });
  cleanup.push(() => source.close());
  return source;
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function fastBackoff() {
  return { next: () => 20, reset: () => {} };
}

describe('X509Source', () => {
  it('resolves with the first SVID and the bundle of its trust domain', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }] });
    const source = await x509(api);
    const svid = source.getX509Svid();
    expect(svid.id.toString()).toBe('spiffe://example.org/web');
    expect(svid.hint).toBe('internal');
    expect(source.state).toBe('ready');
    expect(source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'))?.x509Authorities).toHaveLength(1);
    expect(source.health()).toMatchObject({ state: 'ready', ready: true, connected: true, spiffeId: 'spiffe://example.org/web', bundleCount: 1 });
  });

  it('reads SPIFFE_ENDPOINT_SOCKET when no address is given', async () => {
    const api = await agent();
    const previous = process.env.SPIFFE_ENDPOINT_SOCKET;
    process.env.SPIFFE_ENDPOINT_SOCKET = api.address;
    cleanup.push(() => {
      if (previous === undefined) delete process.env.SPIFFE_ENDPOINT_SOCKET;
      else process.env.SPIFFE_ENDPOINT_SOCKET = previous;
    });
    const source = await X509Source.create({ timeoutMs: 5000 });
    cleanup.push(() => source.close());
    expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/workload');
  });

  it('sees a rotation within 100 ms of rotate() and emits svid + update once', async () => {
    const api = await agent();
    const source = await x509(api);
    const before = source.getX509Svid();
    const events: string[] = [];
    source.on('svid', () => events.push('svid'));
    source.on('update', () => events.push('update'));
    const t0 = performance.now();
    const seen = once(source as never, 'svid');
    await api.rotate();
    await seen;
    expect(performance.now() - t0).toBeLessThan(100);
    expect(source.getX509Svid().equals(before)).toBe(false);
    expect(events).toEqual(['svid', 'update']);
  });

  it('skips unchanged re-deliveries', async () => {
    const api = await agent();
    const source = await x509(api);
    let updates = 0;
    source.on('update', () => updates++);
    await new Promise((r) => setTimeout(r, 20));
    const sent = Date.now();
    api.refresh({ force: true });
    api.refresh({ force: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(updates).toBe(0);
    // The re-deliveries were received (contact recorded after `sent`) but changed nothing.
    expect(source.health().lastUpdateAgeMs).toBeLessThanOrEqual(Date.now() - sent);
  });

  it('keeps the first SVID of a duplicated hint (spec vector)', async () => {
    const api = await agent({
      identities: [
        { id: 'spiffe://example.org/foo', hint: 'internal' },
        { id: 'spiffe://example.org/bar', hint: 'external' },
        { id: 'spiffe://example.org/baz', hint: 'internal' },
        { id: 'spiffe://example.org/e1', hint: '' },
        { id: 'spiffe://example.org/e2', hint: '' },
      ],
    });
    const source = await x509(api);
    expect(source.getX509Svids().map((s) => s.id.path)).toEqual(['/foo', '/bar', '/e1', '/e2']);
  });

  it('picks by hint, by ID and by function', async () => {
    const api = await agent({
      identities: [
        { id: 'spiffe://example.org/a', hint: 'internal' },
        { id: 'spiffe://example.org/b', hint: 'external' },
      ],
    });
    expect((await x509(api, { picker: { hint: 'external' } })).getX509Svid().id.path).toBe('/b');
    expect((await x509(api, { picker: { id: 'spiffe://example.org/a' } })).getX509Svid().id.path).toBe('/a');
    expect((await x509(api, { picker: (svids) => svids[1] })).getX509Svid().id.path).toBe('/b');
  });

  it('waits through PermissionDenied until an entry appears, then gets the SVID', async () => {
    const api = await agent({ identities: [] });
    const pending = X509Source.create({ address: api.address, timeoutMs: 5000, backoff: fastBackoff });
    await new Promise((r) => setTimeout(r, 150));
    await api.addIdentity({ id: 'spiffe://example.org/late' });
    const source = await pending;
    cleanup.push(() => source.close());
    expect(source.getX509Svid().id.path).toBe('/late');
  });

  it('times out naming the socket and "not registered" when no entry ever appears', async () => {
    const api = await agent({ identities: [] });
    const err = await X509Source.create({ address: api.address, timeoutMs: 300, backoff: fastBackoff }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadApiError);
    expect((err as WorkloadApiError).code).toBe('ERR_NOT_REGISTERED');
    expect((err as Error).message).toContain(api.address);
    expect((err as Error).message).toMatch(/PermissionDenied|no identity issued/);
  });

  it('times out naming the socket when no agent listens', async () => {
    const err = await X509Source.create({ address: 'unix:///tmp/spiffe-kit-no-such-agent.sock', timeoutMs: 300, backoff: fastBackoff }).catch((e: unknown) => e);
    expect((err as WorkloadApiError).code).toBe('ERR_AGENT_UNREACHABLE');
    expect((err as Error).message).toContain('/tmp/spiffe-kit-no-such-agent.sock');
    expect((err as Error).message).toMatch(/unreachable|Unavailable/);
  });

  it('rejects at once when the agent says InvalidArgument (fatal)', async () => {
    const api = await agent();
    api.failWith('INVALID_ARGUMENT', 'security header missing from request');
    const t0 = Date.now();
    const err = await X509Source.create({ address: api.address, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((err as WorkloadApiError).code).toBe('ERR_PROTOCOL_MISUSE');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('is aborted by its signal', async () => {
    const api = await agent({ identities: [] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await X509Source.create({ address: api.address, signal: controller.signal, backoff: fastBackoff }).catch((e: unknown) => e);
    expect((err as WorkloadApiError).code).toBe('ERR_ABORTED');
  });

  it('goes stale when the agent stops, keeps its SVID, and is ready again after a restart', async () => {
    const api = await agent();
    const source = await x509(api, { backoff: fastBackoff });
    const svid = source.getX509Svid();
    const states: SourceState[] = [];
    source.on('state', (s) => states.push(s));
    await api.stop();
    await until(() => source.state === 'stale');
    expect(source.getX509Svid().equals(svid)).toBe(true);
    expect(source.health()).toMatchObject({ connected: false, state: 'stale', ready: true });
    await api.restart();
    await until(() => source.state === 'ready');
    expect(states).toEqual(['stale', 'ready']);
  });

  it('reconnects at once after a clean end of stream', async () => {
    const api = await agent();
    const source = await x509(api, { backoff: () => ({ next: () => 60_000, reset: () => {} }) });
    const callsBefore = api.calls.fetchX509Svid;
    api.endStreams();
    await until(() => api.calls.fetchX509Svid > callsBefore, 2000);
    // the backoff is 60 s, so only an immediate reconnect can deliver this rotation in time
    const rotated = once(source as never, 'svid');
    await api.rotate();
    await rotated;
    expect(source.state).toBe('ready');
  });

  it.each(['empty-svids', 'garbage-der', 'key-mismatch', 'empty-spiffe-id'] as const)(
    'reports and discards a malformed message (%s), keeping the last good SVID',
    async (kind) => {
      const api = await agent();
      const source = await x509(api);
      const svid = source.getX509Svid();
      const errors: WorkloadApiError[] = [];
      source.on('error', (e) => errors.push(e));
      api.pushMalformed(kind);
      await until(() => errors.length > 0);
      expect(errors[0]?.code).toBe('ERR_MALFORMED_RESPONSE');
      expect(source.getX509Svid()).toBe(svid);
      expect(source.state).toBe('ready');
      expect(source.health().lastError?.code).toBe('ERR_MALFORMED_RESPONSE');
      await api.rotate();
      await until(() => source.getX509Svid() !== svid);
      expect(source.health().lastError).toBeUndefined();
    },
  );

  it('rejects an oversized bundle under its limit and keeps going', async () => {
    const api = await agent();
    const source = await x509(api, { limits: { maxBundleBytes: 64 * 1024 } });
    const errors: WorkloadApiError[] = [];
    source.on('error', (e) => errors.push(e));
    api.pushMalformed('oversized-bundle', { rpc: 'fetchX509Svid', bytes: 100 * 1024 });
    await until(() => errors.length > 0);
    expect(errors[0]?.code).toBe('ERR_RESOURCE_LIMIT');
    expect(source.state).toBe('ready');
  });

  it('redaction (keep-until-expiry): goes stale, emits redacted, keeps serving', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/a', hint: 'a' }, { id: 'spiffe://example.org/b', hint: 'b' }] });
    const source = await x509(api, { picker: { hint: 'b' } });
    const redacted = once(source as never, 'redacted');
    await api.removeIdentity('spiffe://example.org/b');
    await redacted;
    expect(source.state).toBe('stale');
    expect(source.getX509Svid().id.path).toBe('/b');
    await api.addIdentity({ id: 'spiffe://example.org/b', hint: 'b' });
    await until(() => source.state === 'ready');
  });

  it('a picker that throws or returns anything but one of the offered SVIDs picks none (fails closed)', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/a' }] });
    const foreign = (await x509(await agent({ identities: [{ id: 'spiffe://example.org/a' }] }))).getX509Svid(); // same ID, another CA
    const odd: Array<[string, (svids: readonly unknown[]) => unknown]> = [
      ['true', () => true],
      ['a Promise', async (svids) => svids[0]],
      ['an SVID it was not given', () => foreign],
      ['a plain object', (svids) => ({ ...(svids[0] as object) })],
      [
        'a throw',
        () => {
          throw new Error('picker bug');
        },
      ],
    ];
    const sources = await Promise.all(
      odd.map(async ([name, later]) => {
        const warnings: string[] = [];
        let calls = 0;
        const picker = (svids: readonly unknown[]) => (++calls === 1 ? svids[0] : later(svids));
        const source = await x509(api, { picker: picker as never, redaction: 'drop', logger: { warn: (m: string) => void warnings.push(m) } });
        return { name, source, warnings, redacted: once(source as never, 'redacted') };
      }),
    );
    await api.rotate();
    for (const { name, source, warnings, redacted } of sources) {
      await redacted;
      expect(source.state, name).toBe('stale');
      expect(() => source.getX509Svid(), name).toThrow(expect.objectContaining({ code: 'ERR_NO_SVID' }));
      expect(warnings.join('\n'), name).toMatch(/picker (threw|returned something other than one of the SVIDs)/);
    }
  });

  it('redaction (drop): stops serving at once, also on PermissionDenied', async () => {
    const api = await agent();
    const source = await x509(api, { redaction: 'drop', backoff: fastBackoff });
    await api.removeIdentity('spiffe://example.org/workload');
    await until(() => source.state === 'stale');
    expect(() => source.getX509Svid()).toThrow(expect.objectContaining({ code: 'ERR_NO_SVID' }));
    expect(source.health().ready).toBe(false);
  });

  it('isolates listeners that throw', async () => {
    const api = await agent();
    const source = await x509(api);
    let second = 0;
    source.on('svid', () => {
      throw new Error('listener bug');
    });
    source.on('svid', () => second++);
    await api.rotate();
    await until(() => second === 1);
    expect(source.state).toBe('ready');
  });

  it('updates() yields the current context, then each change, and ends on close', async () => {
    const api = await agent();
    const source = await x509(api);
    const seen: string[] = [];
    const loop = (async () => {
      for await (const ctx of source.updates()) {
        seen.push(ctx.svids[0]?.leaf.serialNumber ?? '');
        if (seen.length === 2) await source.close();
      }
    })();
    await until(() => seen.length === 1);
    await api.rotate();
    await loop;
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(source.state).toBe('closed');
  });

  it('close() is idempotent, releases the stream, and getters then throw ERR_CLOSED', async () => {
    const api = await agent();
    const source = await x509(api);
    await until(() => api.activeStreams === 1);
    await source.close();
    await source.close();
    await until(() => api.activeStreams === 0);
    expect(source.state).toBe('closed');
    expect(() => source.getX509Svid()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'))).toBeUndefined();
  });

  it('a fuzz run of random and mutated messages causes no crash and no unhandled rejection', async () => {
    const api = await agent();
    const source = await x509(api);
    const good = source.getX509Svid();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    cleanup.push(() => process.off('unhandledRejection', onUnhandled));
    let errors = 0;
    source.on('error', () => errors++);
    const real = api.svids()[0];
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256)));
    for (let i = 0; i < 200; i++) {
      const der = Buffer.from(real?.certChainDer ?? bytes(10));
      const flip = Math.floor(Math.random() * der.length);
      der[flip] = (der[flip] ?? 0) ^ (1 + Math.floor(Math.random() * 255));
      const variants = [
        { svids: [{ spiffe_id: 'spiffe://example.org/workload', x509_svid: der, x509_svid_key: real?.privateKeyDer, bundle: api.ca.bundleDer() }] },
        { svids: [{ spiffe_id: 'spiffe://example.org/workload', x509_svid: bytes(300), x509_svid_key: bytes(100), bundle: bytes(50) }] },
        { svids: [{ spiffe_id: `spiffe://${'x'.repeat(i)}`, x509_svid: real?.certChainDer, x509_svid_key: real?.privateKeyDer }], federated_bundles: new Map([['not a td', bytes(20)]]) },
        { svids: [], federated_bundles: new Map([['spiffe://other.org', bytes(40)]]) },
      ];
      api.pushRaw('fetchX509Svid', variants[i % variants.length] as never);
    }
    await until(() => errors >= 150, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    expect(source.getX509Svid().id.equals(good.id)).toBe(true);
  });
});

describe('JwtSource', () => {
  it('fetches a JWT-SVID and validates it locally against its bundles', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }] });
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const svid = await source.fetchJwtSvid({ audience: 'my-api' });
    expect(svid.id.toString()).toBe('spiffe://example.org/web');
    const checked = await JwtSvid.parseAndValidate(svid.token, source, 'my-api');
    expect(checked.id.toString()).toBe('spiffe://example.org/web');
    await expect(JwtSvid.parseAndValidate(svid.token, source, 'other-api')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
  });

  it('emits bundles changes when the agent adds a JWT key', async () => {
    const api = await agent();
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const changed = once(source as never, 'bundles');
    await api.addJwtKey();
    const [changes] = (await changed) as [{ updated: TrustDomain[] }];
    expect(changes.updated.map(String)).toEqual(['example.org']);
  });
});

describe('stale JwtSource and BundleSource', () => {
  it('stay ready while the agent is down, serving and validating with their last bundles', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }] });
    const jwt = await JwtSource.create({ address: api.address, timeoutMs: 5000, backoff: fastBackoff });
    const bundles = await BundleSource.create({ address: api.address, timeoutMs: 5000, backoff: fastBackoff });
    cleanup.push(() => jwt.close(), () => bundles.close());
    const token = (await jwt.fetchJwtSvid({ audience: 'my-api' })).token;
    await api.stop();
    await until(() => jwt.state === 'stale' && bundles.state === 'stale');
    expect(jwt.health()).toMatchObject({ state: 'stale', ready: true, connected: false, bundleCount: 1 });
    expect(jwt.health().lastError?.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(bundles.health()).toMatchObject({ state: 'stale', ready: true, connected: false, bundleCount: 2 });
    // Still does its job: local validation with the last JWT bundle, the cached token.
    expect((await JwtSvid.parseAndValidate(token, jwt, 'my-api')).id.toString()).toBe('spiffe://example.org/web');
    expect((await jwt.fetchJwtSvid({ audience: 'my-api' })).token).toBe(token);
    // A new audience needs the agent.
    await expect(jwt.fetchJwtSvid({ audience: 'other-api' }, { timeoutMs: 300 })).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_(AGENT_UNREACHABLE|TIMEOUT)$/) });
    await api.restart();
    await until(() => jwt.state === 'ready' && bundles.state === 'ready');
    expect(jwt.health().lastError).toBeUndefined();
  });
});

describe('BundleSource', () => {
  it('holds X.509 and JWT bundles including federated ones and reports additions', async () => {
    const other = await TestCa.create({ trustDomain: 'other.org' });
    const api = await agent();
    const source = await BundleSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    expect(source.x509Bundles.size).toBe(1);
    expect(source.jwtBundles.size).toBe(1);
    const added = once(source as never, 'x509-bundles');
    await api.setFederatedBundle('other.org', other);
    const [changes] = (await added) as [{ added: TrustDomain[] }];
    expect(changes.added.map(String)).toEqual(['other.org']);
    expect(source.getX509BundleForTrustDomain(TrustDomain.parse('other.org'))).toBeDefined();
    const removed = once(source as never, 'x509-bundles');
    await api.removeFederatedBundle('other.org');
    const [gone] = (await removed) as [{ removed: TrustDomain[] }];
    expect(gone.removed.map(String)).toEqual(['other.org']);
    expect(source.getX509BundleForTrustDomain(TrustDomain.parse('other.org'))).toBeUndefined();
  });
});

describe('sharing one client', () => {
  it('several sources can share a WorkloadApiClient, which they do not close', async () => {
    const { WorkloadApiClient } = await import('../src/workloadapi/client.js');
    const api = await agent();
    const client = new WorkloadApiClient({ address: api.address });
    cleanup.push(() => client.close());
    const a = await X509Source.create({ client, timeoutMs: 5000 });
    const b = await JwtSource.create({ client, timeoutMs: 5000 });
    await a.close();
    expect(client.closed).toBe(false);
    expect((await b.fetchJwtSvid({ audience: 'x' })).id.path).toBe('/workload');
    await b.close();
  });
});
