import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkloadApiClient, X509Source } from '../../src/index.js';
import { SpireHarness, TRUST_DOMAIN } from './harness.js';

const ID_LATE = `spiffe://${TRUST_DOMAIN}/svc/late`;

describe('real SPIRE agent: registration', () => {
  let spire: SpireHarness;
  let source: X509Source | undefined;

  beforeAll(async () => {
    spire = await SpireHarness.start();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await source?.close();
    await spire?.stop();
  });

  it('no entry: the agent answers PermissionDenied, reported as ERR_NOT_REGISTERED', async () => {
    const client = new WorkloadApiClient({ address: spire.address });
    try {
      await expect(client.fetchX509SvidRaw({ timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED' });
    } finally {
      client.close();
    }
    await expect(X509Source.create({ address: spire.address, timeoutMs: 3_000 })).rejects.toMatchObject({ code: 'ERR_NOT_REGISTERED' });
  });

  it('the entry is created while the source waits: the SVID arrives without restarting the source', async () => {
    const t0 = Date.now();
    const pending = X509Source.create({ address: spire.address, timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1_500)); // the source is now retrying after PermissionDenied
    const tEntry = Date.now();
    await spire.createEntry({ spiffeId: ID_LATE });
    source = await pending;
    expect(source.getX509Svid().id.toString()).toBe(ID_LATE);
    console.log(`SVID reached the waiting source ${Date.now() - tEntry} ms after the entry was created (${Date.now() - t0} ms after create())`);
  });
});
