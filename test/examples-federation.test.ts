// The federation example runs as users run it (node, against the built package in dist/, which
// `npm test` builds first) and checks itself: exit code 0 and what it prints.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envWithoutEndpoint, runExample } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('examples/federation.mjs', { timeout: 30_000 }, () => {
  it('verifies partner.test SVIDs through a federated bundle, across a CA rotation of partner.test', async () => {
    const { code, out } = await runExample(['examples/federation.mjs'], { cwd: ROOT, env: envWithoutEndpoint() });
    expect(out).toContain('before rotation: X.509-SVID spiffe://partner.test/billing verified, JWT-SVID of spiffe://partner.test/billing validated');
    expect(out).toContain('example.org now trusts SpiffeBundle(partner.test, 2 X.509 and 1 JWT authorities, sequence 2)');
    expect(out).toContain('after rotation: X.509-SVID spiffe://partner.test/billing verified');
    expect(out).toContain('refused spiffe://example.org/admin signed by partner.test');
    expect(out).toContain('federation: every check passed');
    expect(code, out).toBe(0);
  });
});
