// examples/registrar/app.mjs runs as an installed app would: from its own folder, importing
// 'spiffe-kit' and 'spiffe-kit/registrar' through node_modules (a link to this package, whose
// dist/ `npm test` builds first), against a real Workload API on a unix socket.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkloadApi } from '../src/testing/index.js';
import { type ExampleRun, runExample } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'spiffe-kit-registrar-app-'));
  cpSync(join(ROOT, 'examples', 'registrar'), app, { recursive: true });
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'spiffe-kit'), 'dir');
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

function run(env: NodeJS.ProcessEnv): Promise<ExampleRun> {
  return runExample(['app.mjs'], { cwd: app, env: { ...process.env, ...env } });
}

describe('examples/registrar/app.mjs', { timeout: 30_000 }, () => {
  it('exits 0 when the Workload API gives the declared identity (ID and hint)', async () => {
    const api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/dev/orders', hint: 'local' }] });
    try {
      const { code, out } = await run({ SPIFFE_ENDPOINT_SOCKET: api.address, ENTRY: 'orders-local' });
      expect(out).toMatch(/All 1 declared identities are served/);
      expect(code, out).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('exits 1 and names the missing identity when the agent serves another one', async () => {
    const api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/dev/someone-else' }] });
    try {
      const { code, out } = await run({ SPIFFE_ENDPOINT_SOCKET: api.address, ENTRY: 'orders-local' });
      expect(out).toContain('spiffe://example.org/dev/orders');
      expect(out.toLowerCase()).toContain('missing');
      expect(code, out).toBe(1);
    } finally {
      await api.close();
    }
  });
});
