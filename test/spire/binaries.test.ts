import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SPIRE_VERSION, spireBinaries } from './harness.js';

// Fails (never skips) when the SPIRE binaries are missing: the other files' beforeAll fails too,
// but vitest counts their tests as skipped, so this test makes the missing binaries a failed test.
describe('SPIRE binaries', () => {
  it(`spire-server and spire-agent ${SPIRE_VERSION} are installed`, () => {
    const { server, agent } = spireBinaries();
    for (const bin of [server, agent]) {
      const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
      // Built with `go build`, SPIRE reports e.g. "1.15.3-dev-unk".
      expect(`${r.stdout}${r.stderr}`).toContain(SPIRE_VERSION.replace(/^v/, ''));
    }
  });
});
