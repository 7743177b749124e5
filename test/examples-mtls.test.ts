// The mTLS examples and the demo run as users run them (node, against the built package in dist/,
// which `npm test` builds first) and check themselves: exit code 0 and what they print.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkloadApi } from '../src/testing/index.js';
import { envWithoutEndpoint, type ExampleRun, runExample } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(script: string, env: NodeJS.ProcessEnv = {}): Promise<ExampleRun> {
  return runExample([script], { cwd: ROOT, env: envWithoutEndpoint(env) });
}

describe('examples', { timeout: 30_000 }, () => {
  it('express-mtls.mjs: the route sees the caller', async () => {
    const { code, out } = await run('examples/express-mtls.mjs');
    expect(out).toContain('"caller":"spiffe://example.org/ns/shop/sa/frontend"');
    expect(code, out).toBe(0);
  });

  it('fastify-mtls.mjs: the route sees the caller', async () => {
    const { code, out } = await run('examples/fastify-mtls.mjs');
    expect(out).toContain('"caller":"spiffe://example.org/ns/shop/sa/checkout"');
    expect(code, out).toBe(0);
  });

  it('mtls-demo.mjs: https and gRPC across rotations, no failed request', async () => {
    const { code, out } = await run('examples/mtls-demo.mjs');
    expect(out).toMatch(/\d+ requests across 5 rotations, 0 failed/);
    expect(code, out).toBe(0);
  });
});

describe('demo.mjs', { timeout: 30_000 }, () => {
  it('on the built-in Workload API: two services talk https and gRPC across rotations, 0 failed', async () => {
    const { code, out } = await run('examples/demo.mjs');
    expect(out).toContain('Workload API: built-in');
    expect(out).toContain('orders (https) serves spiffe://example.org/ns/demo/sa/frontend');
    expect(out).toContain('orders (gRPC) serves spiffe://example.org/ns/demo/sa/frontend');
    expect(out.match(/^.*rotation \d: orders presents/gm)?.length).toBe(3);
    expect(out).toMatch(/mTLS +\d+ requests .*, 0 failed/);
    expect(code, out).toBe(0);
  });

  describe('with SPIFFE_ENDPOINT_SOCKET set', () => {
    let external: TestWorkloadApi;
    beforeAll(async () => {
      external = await TestWorkloadApi.start({
        trustDomain: 'external.test',
        identities: [{ id: 'spiffe://external.test/a' }, { id: 'spiffe://external.test/b' }],
      });
    });
    afterAll(async () => {
      await external?.close();
    });

    it('uses that Workload API and skips the parts that need the built-in one', async () => {
      const { code, out } = await run('examples/demo.mjs', { SPIFFE_ENDPOINT_SOCKET: external.address });
      expect(out).toContain(`Workload API: external, SPIFFE_ENDPOINT_SOCKET=${external.address}`);
      expect(out).toContain('X.509-SVID  spiffe://external.test/a');
      expect(out).toContain('orders (https) serves spiffe://external.test/b');
      expect(out).toContain('skipping on-demand rotation');
      expect(out).not.toContain('Workload API: built-in');
      expect(out).toMatch(/mTLS +\d+ requests .*, 0 failed/);
      expect(code, out).toBe(0);
    });
  });
});
