import { afterEach, describe, expect, it } from 'vitest';
import { JwtSvid, JwtSvidError } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { staleTimeOf } from '../src/workloadapi/jwt-cache.js';
import { JwtSource, type JwtSourceOptions } from '../src/workloadapi/jwt-source.js';
import { WorkloadApiClient } from '../src/workloadapi/client.js';
import { WorkloadApiError } from '../src/workloadapi/errors.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function jwtSource(api: TestWorkloadApi, options: JwtSourceOptions = {}): Promise<JwtSource> {
  const source = await JwtSource.create({ address: api.address, timeoutMs: 5000, ...options });
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

const WEB = 'spiffe://example.org/web';
const DB = 'spiffe://example.org/db';

describe('JwtSource JWT-SVID cache', () => {
  it('serves a second fetch from the cache (no agent call)', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    const a = await source.fetchJwtSvid({ audience: 'my-api' });
    const b = await source.fetchJwtSvid({ audience: 'my-api' });
    const c = await source.fetchJwtSvid({ audience: ['my-api'] });
    expect(api.calls.fetchJwtSvid).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a.id.toString()).toBe(WEB);
    expect(source.cacheSize).toBe(1);
  });

  it('refreshes once half the lifetime has passed (fake clock)', async () => {
    const api = await agent({ identities: [{ id: WEB }], jwtTtlSeconds: 300 });
    let t = Date.now();
    const source = await jwtSource(api, { cache: { now: () => t } });
    const first = await source.fetchJwtSvid({ audience: 'a' });
    const half = (first.issuedAt as Date).getTime() + 150_000;
    t = half - 1000;
    expect(await source.fetchJwtSvid({ audience: 'a' })).toBe(first);
    expect(api.calls.fetchJwtSvid).toBe(1);
    t = half + 1;
    const second = await source.fetchJwtSvid({ audience: 'a' });
    expect(api.calls.fetchJwtSvid).toBe(2);
    expect(second).not.toBe(first);
  });

  it('tokens without iat go stale after a quarter of the remaining time', async () => {
    const ca = await TestCa.create({ trustDomain: 'example.org' });
    const now = Math.floor(Date.now() / 1000);
    const token = await ca.signJwtSvid({ subject: WEB, audience: 'a', iat: null, exp: now + 400 });
    const svid = JwtSvid.parseInsecure(token, 'a');
    expect(svid.issuedAt).toBeUndefined();
    expect(staleTimeOf(svid, now * 1000)).toBe(now * 1000 + 100_000);
    const withIat = JwtSvid.parseInsecure(await ca.signJwtSvid({ subject: WEB, audience: 'a', iat: now, exp: now + 400 }), 'a');
    expect(staleTimeOf(withIat, now * 1000)).toBe(now * 1000 + 200_000);
    // Past half-life on arrival: a quarter of what remains.
    expect(staleTimeOf(withIat, (now + 300) * 1000)).toBe((now + 325) * 1000);
  });

  it('100 concurrent callers share one agent call', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => source.fetchJwtSvid({ audience: i % 2 === 0 ? ['x', 'y'] : ['y', 'x', 'x'] })));
    expect(api.calls.fetchJwtSvid).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect([...(results[0] as JwtSvid).audience].sort()).toEqual(['x', 'y']);
  });

  it('audience order, duplicates and extraAudiences do not make new keys', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    const a = await source.fetchJwtSvid({ audience: ['b', 'a'] });
    const b = await source.fetchJwtSvid({ audience: ['a', 'b'] });
    const c = await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b', 'a'] });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(api.calls.fetchJwtSvid).toBe(1);
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'a', subject: WEB });
    await source.fetchJwtSvids({ audience: 'a' });
    expect(api.calls.fetchJwtSvid).toBe(4);
  });

  it('does not cache failures, and all waiting callers see the failure', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    api.failWith('INTERNAL', 'boom', { rpc: 'fetchJwtSvid', times: 1 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => source.fetchJwtSvid({ audience: 'a' })));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof WorkloadApiError)).toBe(true);
    expect(api.calls.fetchJwtSvid).toBe(1);
    const ok = await source.fetchJwtSvid({ audience: 'a' });
    expect(ok.id.toString()).toBe(WEB);
    expect(api.calls.fetchJwtSvid).toBe(2);
  });

  it('evicts a redacted identity when a fetch for it fails, or a full fetch no longer lists it', async () => {
    const api = await agent({ identities: [{ id: WEB }, { id: DB, hint: 'db' }] });
    let t = Date.now();
    const source = await jwtSource(api, { cache: { now: () => t } });
    const db1 = await source.fetchJwtSvid({ audience: 'a', subject: DB });
    await source.fetchJwtSvid({ audience: 'b', hint: 'db' });
    await source.fetchJwtSvid({ audience: 'c' });
    expect(source.cacheSize).toBe(3);
    expect(db1.id.toString()).toBe(DB);
    await api.removeIdentity(DB);
    // Once the cached token is stale, the agent's PermissionDenied evicts every key of DB.
    t = (db1.issuedAt as Date).getTime() + 151_000;
    await expect(source.fetchJwtSvid({ audience: 'a', subject: DB })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED' });
    expect(source.cacheSize).toBe(1);
    // A fresh fetch of all identities also drops keys of identities no longer listed.
    await api.addIdentity({ id: DB, hint: 'db' });
    await source.fetchJwtSvid({ audience: 'b', hint: 'db' });
    expect(source.cacheSize).toBe(2);
    await api.removeIdentity(DB);
    await source.fetchJwtSvids({ audience: 'z' });
    expect(source.cacheSize).toBe(2); // 'c' (web) and the new 'z'
    await expect(source.fetchJwtSvid({ audience: 'b', hint: 'db' })).rejects.toMatchObject({ code: 'ERR_NO_SVID' });
  });

  it('clears the cache when the workload loses its last identity', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    await source.fetchJwtSvid({ audience: 'a' });
    expect(source.cacheSize).toBe(1);
    await api.removeIdentity(WEB);
    await until(() => source.cacheSize === 0);
    await expect(source.fetchJwtSvid({ audience: 'a' })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED' });
  });

  it('clearCache() forgets everything', async () => {
    const api = await agent();
    const source = await jwtSource(api);
    await source.fetchJwtSvid({ audience: 'a' });
    source.clearCache();
    expect(source.cacheSize).toBe(0);
    await source.fetchJwtSvid({ audience: 'a' });
    expect(api.calls.fetchJwtSvid).toBe(2);
  });

  it('keeps at most maxEntries keys, dropping the least recently used', async () => {
    const api = await agent();
    const source = await jwtSource(api, { cache: { maxEntries: 3 } });
    for (const aud of ['a', 'b', 'c']) await source.fetchJwtSvid({ audience: aud });
    await source.fetchJwtSvid({ audience: 'a' }); // a is now the most recent
    await source.fetchJwtSvid({ audience: 'd' }); // evicts b
    expect(source.cacheSize).toBe(3);
    expect(api.calls.fetchJwtSvid).toBe(4);
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'c' });
    expect(api.calls.fetchJwtSvid).toBe(4);
    await source.fetchJwtSvid({ audience: 'b' });
    expect(api.calls.fetchJwtSvid).toBe(5);
  });

  it('cache: false asks the agent every time', async () => {
    const api = await agent();
    const source = await jwtSource(api, { cache: false });
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvids({ audience: ['a', 'b'] });
    expect(api.calls.fetchJwtSvid).toBe(3);
    expect(source.cacheSize).toBe(0);
  });

  it('refreshAhead refreshes a hot key in the background before it goes stale', async () => {
    const api = await agent({ jwtTtlSeconds: 4 });
    const source = await jwtSource(api, { cache: { refreshAhead: true } });
    const first = await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'a' }); // used: hot
    await source.fetchJwtSvid({ audience: 'cold' });
    await until(() => api.calls.fetchJwtSvid >= 3, 4000);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.calls.fetchJwtSvid).toBe(3); // 'cold' was not refreshed
    const next = await source.fetchJwtSvid({ audience: 'a' });
    expect(next).not.toBe(first);
    expect(api.calls.fetchJwtSvid).toBe(3);
  });

  it('callers of a stale key share one refresh; a caller timeout does not cancel it', async () => {
    const api = await agent();
    let t = Date.now();
    const source = await jwtSource(api, { cache: { now: () => t } });
    const first = await source.fetchJwtSvid({ audience: 'a' });
    t = first.expiresAt.getTime() - 1000;
    const results = await Promise.all(Array.from({ length: 50 }, () => source.fetchJwtSvid({ audience: 'a' })));
    expect(api.calls.fetchJwtSvid).toBe(2);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).not.toBe(first);
    const controller = new AbortController();
    const aborted = source.fetchJwtSvid({ audience: 'b' }, { signal: controller.signal });
    const patient = source.fetchJwtSvid({ audience: 'b' });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect((await patient).audience).toEqual(['b']);
    expect(api.calls.fetchJwtSvid).toBe(3);
  });

  it('rejects bad requests and calls after close', async () => {
    const api = await agent();
    const source = await jwtSource(api);
    await expect(source.fetchJwtSvid({ audience: [] })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(source.fetchJwtSvid({ audience: '' })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    const controller = new AbortController();
    controller.abort();
    await expect(source.fetchJwtSvid({ audience: 'q' }, { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await source.close();
    await expect(source.fetchJwtSvid({ audience: 'a' })).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});

describe('JwtSource.validateJwtSvid: local and remote agree', () => {
  it('on a good token and on hostile ones', async () => {
    const api = await agent({ identities: [{ id: WEB }] });
    const source = await jwtSource(api);
    const good = (await source.fetchJwtSvid({ audience: 'my-api' })).token;
    const local = await source.validateJwtSvid(good, 'my-api');
    const remote = await source.validateJwtSvid(good, 'my-api', { remote: true });
    expect(local.id.toString()).toBe(WEB);
    expect(remote.id.toString()).toBe(WEB);
    expect(remote.audience).toEqual(local.audience);
    expect(remote.expiresAt).toEqual(local.expiresAt);

    const now = Math.floor(Date.now() / 1000);
    const stranger = await TestCa.create({ trustDomain: 'example.org' });
    const hostile: Record<string, string> = {
      otherAudience: (await source.fetchJwtSvid({ audience: 'someone-else' })).token,
      expired: await api.ca.signJwtSvid({ subject: WEB, audience: 'my-api', iat: now - 600, exp: now - 300 }),
      unknownKey: await stranger.signJwtSvid({ subject: WEB, audience: 'my-api' }),
      badSignature: await api.ca.signJwtSvid({ subject: WEB, audience: 'my-api', signature: 'invalid' }),
      garbage: 'not.a.jwt',
    };
    const expected: Record<string, string> = {
      otherAudience: 'ERR_JWT_AUDIENCE',
      expired: 'ERR_JWT_EXPIRED',
      unknownKey: 'ERR_JWT_UNKNOWN_KID',
      badSignature: 'ERR_JWT_SIGNATURE',
      garbage: 'ERR_JWT_MALFORMED',
    };
    const client = new WorkloadApiClient({ address: api.address });
    cleanup.push(() => client.close());
    await expect(source.validateJwtSvid(good, ['my-api', 'x'], { remote: true })).rejects.toMatchObject({ code: 'ERR_JWT_INVALID_ARGUMENT' });
    expect((await source.validateJwtSvid(good, ['x', 'my-api'])).id.toString()).toBe(WEB);
    for (const [name, token] of Object.entries(hostile)) {
      const l = await source.validateJwtSvid(token, 'my-api').then(() => 'accepted', (e: unknown) => e);
      const r = await source.validateJwtSvid(token, 'my-api', { remote: true }).then(() => 'accepted', (e: unknown) => e);
      expect(l, name).toBeInstanceOf(JwtSvidError);
      expect(r, name).toBeInstanceOf(JwtSvidError);
      expect((l as JwtSvidError).code, name).toBe(expected[name]);
      expect((r as JwtSvidError).code, name).toBe(expected[name]);
      // The agent itself rejects it too (not only the local pre-check).
      await expect(client.validateJwtSvid(token, 'my-api'), name).rejects.toMatchObject({ code: 'ERR_TOKEN_REJECTED', grpcCode: 3 });
    }
  });
});
