import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SvidChange, X509Source } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN } from './harness.js';

const ID = `spiffe://${TRUST_DOMAIN}/svc/rotating`;

describe('real SPIRE agent: rotation and redaction', () => {
  let spire: SpireHarness;
  let entryId: string;
  const sources: X509Source[] = [];

  beforeAll(async () => {
    spire = await SpireHarness.start();
    // 30 s: the agent renews at about half the lifetime (±10 %).
    entryId = await spire.createEntry({ spiffeId: ID, x509SvidTtl: 30 });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it('a real rotation (30 s TTL) reaches the source', async () => {
    const source = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { id: ID } });
    sources.push(source);
    const first = source.getX509Svid();
    const t0 = Date.now();
    const change = await new Promise<SvidChange>((resolve) => source.once('svid', resolve));
    expect(change.previous?.equals(first)).toBe(true);
    expect(change.current.equals(first)).toBe(false);
    expect(change.current.id.toString()).toBe(ID);
    expect(change.current.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(source.getX509Svid().equals(change.current)).toBe(true);
    console.log(`rotation reached the source ${Date.now() - t0} ms after the first SVID (which lived ${Math.round((first.expiresAt.getTime() - Date.now()) / 1000)} s more)`);
  });

  it('deleting the entry applies the redaction policy', async () => {
    const keep = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { id: ID } });
    const drop = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { id: ID }, redaction: 'drop' });
    sources.push(keep, drop);
    const served = keep.getX509Svid();
    const redacted = Promise.all([keep, drop].map((s) => new Promise<unknown>((r) => s.once('redacted', r))));
    const t0 = Date.now();
    await spire.deleteEntry(entryId);
    await redacted;
    console.log(`redaction reached both sources ${Date.now() - t0} ms after the entry was deleted`);
    expect(keep.state).toBe('stale');
    expect(drop.state).toBe('stale');
    // keep-until-expiry: still served (it has not expired yet); drop: gone.
    expect(Date.now()).toBeLessThan(served.expiresAt.getTime());
    expect(keep.getX509Svid().id.toString()).toBe(ID);
    expect(() => drop.getX509Svid()).toThrow(expect.objectContaining({ code: 'ERR_NO_SVID' }) as Error);
  });
});
