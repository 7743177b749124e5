import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JwtSource, WorkloadApiClient, WorkloadApiError, X509Source } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID_LATE = `spiffe://${TRUST_DOMAIN}/svc/late`;

describe('real SPIRE agent: registration', () => {
  let spire: SpireHarness;
  let source: X509Source | undefined;
  let jwt: JwtSource | undefined;

  beforeAll(async () => {
    spire = await SpireHarness.start();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await source?.close();
    await jwt?.close();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it('no entry: the agent answers PermissionDenied, reported as ERR_NOT_REGISTERED ("not registered")', async () => {
    const client = new WorkloadApiClient({ address: spire.address });
    try {
      const err = await client.fetchX509SvidRaw({ timeoutMs: 10_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkloadApiError);
      expect(err).toMatchObject({ code: 'ERR_NOT_REGISTERED', rpc: 'FetchX509SVID', grpcStatus: 'PERMISSION_DENIED' });
      // SPIRE's own words, and spiffe-kit's explanation of them.
      expect((err as WorkloadApiError).details).toMatch(/no identity issued/);
      expect((err as Error).message).toMatch(/registration entry/);
      console.log(`no entry: ${(err as Error).message}`);
      await expect(client.fetchJwtSvid({ audience: 'aud' }, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED', grpcStatus: 'PERMISSION_DENIED' });
    } finally {
      client.close();
    }
    await expect(X509Source.create({ address: spire.address, timeoutMs: 3_000 })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED' });
  });

  it('the entry is created while the sources wait: the SVIDs arrive without restarting the sources', async () => {
    const warnings: Array<{ message: string; code?: unknown }> = [];
    const logger = { warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, code: fields?.['code'] }) };
    const t0 = Date.now();
    const pending = X509Source.create({ address: spire.address, timeoutMs: 60_000, logger });
    const pendingJwt = JwtSource.create({ address: spire.address, timeoutMs: 60_000 });
    // The source is retrying after PermissionDenied (not registered), and says so.
    await waitFor('the waiting source to report "not registered"', () => warnings.some((w) => w.code === 'ERR_NOT_REGISTERED'), 10_000, 50);
    await new Promise((r) => setTimeout(r, 1_500)); // ...for a while: it keeps retrying
    expect(warnings.every((w) => w.code === 'ERR_NOT_REGISTERED')).toBe(true);
    const tEntry = Date.now();
    await spire.createEntry({ spiffeId: ID_LATE });
    source = await pending;
    const tSvid = Date.now();
    expect(source.getX509Svid().id.toString()).toBe(ID_LATE);
    expect(source.state).toBe('ready');
    expect(source.health().lastError).toBeUndefined();
    // The JWT side: its bundle stream is served without an entry; JWT-SVIDs come once the entry exists.
    jwt = await pendingJwt;
    const token = await waitFor('a JWT-SVID from the same source', () => jwt?.fetchJwtSvid({ audience: 'late' }), 30_000, 200);
    expect(token.id.toString()).toBe(ID_LATE);
    const retries = warnings.filter((w) => w.code === 'ERR_NOT_REGISTERED').length;
    console.log(`SVID reached the waiting source ${tSvid - tEntry} ms after the entry was created (${tSvid - t0} ms after create(), ${retries} "not registered" retries logged)`);
  });
});
