import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF_MAX_MS, JwtSource, X509Source } from '../../src/index.js';
import type { SourceState } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID = `spiffe://${TRUST_DOMAIN}/svc/restart`;
/** Long enough for the sources' reconnect backoff to reach its cap (100 ms doubling to 5 s). */
const DOWN_MS = 10_000;

describe('real SPIRE agent: the agent is killed and restarted', () => {
  let spire: SpireHarness;
  let entryId: string;
  let keep: X509Source | undefined;
  let drop: X509Source | undefined;
  let jwt: JwtSource | undefined;

  beforeAll(async () => {
    spire = await SpireHarness.start();
    entryId = await spire.createEntry({ spiffeId: ID, x509SvidTtl: 600 });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await keep?.close();
    await drop?.close();
    await jwt?.close();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it(`goes stale, keeps serving its SVID through ${DOWN_MS / 1000} s of outage, reconnects within the backoff cap and is ready again`, async () => {
    keep = await X509Source.create({ address: spire.address, timeoutMs: 60_000 });
    drop = await X509Source.create({ address: spire.address, timeoutMs: 60_000, redaction: 'drop' });
    jwt = await JwtSource.create({ address: spire.address, timeoutMs: 60_000 });
    const before = keep.getX509Svid();
    expect(before.id.toString()).toBe(ID);
    const token = await jwt.fetchJwtSvid({ audience: 'restart' });
    const states: SourceState[] = [];
    keep.on('state', (s) => states.push(s));

    const agentStartsBefore = spire.agentStarts;
    await spire.killAgent();
    const tKill = Date.now();
    await waitFor('the sources to go stale', () => keep?.state === 'stale' && drop?.state === 'stale', 30_000, 20);
    const staleMs = Date.now() - tKill;
    expect(keep.getX509Svid().equals(before)).toBe(true);
    // An outage is not a withdrawal: even the 'drop' source keeps serving.
    expect(drop.getX509Svid().id.toString()).toBe(ID);
    // health().ready means "has a usable, unexpired SVID": an outage does not take it away.
    expect(keep.health()).toMatchObject({ connected: false, ready: true, state: 'stale', spiffeId: ID });
    expect(keep.health().lastError?.code).toBe('ERR_AGENT_UNREACHABLE');
    // The cached JWT-SVID is still served while the agent is down.
    expect((await jwt.fetchJwtSvid({ audience: 'restart' })).token).toBe(token.token);

    await new Promise((r) => setTimeout(r, DOWN_MS)); // the sources keep retrying, backing off
    expect(keep.getX509Svid().equals(before)).toBe(true);
    expect(keep.state).toBe('stale');

    const readyAt: Record<string, number> = {};
    keep.once('state', () => (readyAt['keep'] = Date.now()));
    drop.once('state', () => (readyAt['drop'] = Date.now()));
    const tStart = Date.now();
    await spire.startAgent();
    const tHealthy = Date.now();
    await waitFor('the sources to be ready again', () => keep?.state === 'ready' && drop?.state === 'ready', 60_000, 20);
    const readyMs = Date.now() - tHealthy;
    const perSource = Object.entries(readyAt)
      .map(([k, t]) => `${k} ${t - tHealthy} ms`)
      .join(', ');
    expect(spire.agentStarts).toBe(agentStartsBefore + 1);
    expect(keep.getX509Svid().id.toString()).toBe(ID);
    expect(keep.health()).toMatchObject({ connected: true, ready: true, state: 'ready' });
    expect(states).toEqual(['stale', 'ready']);
    // Reconnecting waits at most one backoff step (capped) after the agent is back, plus the call.
    expect(readyMs).toBeLessThan(DEFAULT_BACKOFF_MAX_MS + 3_000);
    // New JWT-SVIDs come from the restarted agent.
    const after = await jwt.fetchJwtSvid({ audience: 'restart-2' });
    expect(after.id.toString()).toBe(ID);
    console.log(
      `agent restart: sources stale ${staleMs} ms after the kill; down ${Math.round((tStart - tKill) / 1000)} s; agent healthy ${tHealthy - tStart} ms after restart; ` +
        `sources ready ${readyMs} ms after the agent was healthy (${perSource}; backoff cap ${DEFAULT_BACKOFF_MAX_MS} ms); states: ${states.join(' -> ')}`,
    );
  });

  it('after the reconnect, deleting the entry applies the redaction policy of each source', async () => {
    expect(keep?.state).toBe('ready');
    const served = keep!.getX509Svid();
    const redacted = Promise.all([keep!, drop!].map((s) => new Promise<unknown>((r) => s.once('redacted', r))));
    const t0 = Date.now();
    await spire.deleteEntry(entryId);
    await redacted;
    console.log(`redaction reached the reconnected sources ${Date.now() - t0} ms after the entry was deleted`);
    expect(keep!.state).toBe('stale');
    expect(drop!.state).toBe('stale');
    // keep-until-expiry (default): still serves the SVID (not expired); drop: no SVID at all.
    expect(Date.now()).toBeLessThan(served.expiresAt.getTime());
    expect(keep!.getX509Svid().equals(served)).toBe(true);
    expect(() => drop!.getX509Svid()).toThrow(expect.objectContaining({ code: 'ERR_NO_SVID' }) as Error);
    expect(keep!.health()).toMatchObject({ state: 'stale', ready: true, spiffeId: ID });
    expect(drop!.health()).toMatchObject({ state: 'stale', ready: false, spiffeId: undefined });
  });
});
