import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { X509Source } from '../../src/index.js';
import type { SourceState } from '../../src/index.js';
import { SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID = `spiffe://${TRUST_DOMAIN}/svc/restart`;

describe('real SPIRE agent: the agent is killed and restarted', () => {
  let spire: SpireHarness;
  let source: X509Source | undefined;

  beforeAll(async () => {
    spire = await SpireHarness.start();
    await spire.createEntry({ spiffeId: ID, x509SvidTtl: 600 });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await source?.close();
    await spire?.stop();
  });

  it('goes stale, keeps serving its SVID, reconnects and is ready again', async () => {
    source = await X509Source.create({ address: spire.address, timeoutMs: 60_000 });
    const before = source.getX509Svid();
    expect(before.id.toString()).toBe(ID);
    const states: SourceState[] = [];
    source.on('state', (s) => states.push(s));

    await spire.killAgent();
    const tKill = Date.now();
    await waitFor('the source to go stale', () => source?.state === 'stale', 30_000, 20);
    const staleMs = Date.now() - tKill;
    expect(source.getX509Svid().equals(before)).toBe(true);
    expect(source.health().connected).toBe(false);

    await new Promise((r) => setTimeout(r, 2_000)); // down for a while: the source keeps retrying
    expect(source.getX509Svid().id.toString()).toBe(ID);

    const tStart = Date.now();
    await spire.startAgent();
    const tHealthy = Date.now();
    await waitFor('the source to be ready again', () => source?.state === 'ready', 90_000, 50);
    const svid = source.getX509Svid();
    expect(svid.id.toString()).toBe(ID);
    expect(source.health().connected).toBe(true);
    expect(states).toEqual(expect.arrayContaining(['stale', 'ready']));
    console.log(
      `stale ${staleMs} ms after the kill; agent healthy ${tHealthy - tStart} ms after restart; source ready ${Date.now() - tHealthy} ms after the agent was healthy; states: ${states.join(' -> ')}`,
    );
  });
});
