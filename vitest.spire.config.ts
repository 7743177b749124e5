import { defineConfig } from 'vitest/config';

// End-to-end tests against a real SPIRE server + agent (binaries from scripts/install-spire.sh).
// One fork, files one after another: each file starts its own server and agent.
// The summary reporter prints `tests: N passed, N failed` at the end, as for the unit suite.
export default defineConfig({
  test: {
    include: ['test/spire/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './test/reporters/summary.ts'],
  },
});
