import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/spire/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    reporters: ['default', './test/reporters/summary.ts'],
    // Which Node runs vitest; test/node-version.test.ts checks that the workers run the same one.
    env: { SPIFFE_KIT_RUNNER_NODE: `${process.version} ${process.execPath}` },
    benchmark: {
      include: ['bench/**/*.bench.ts'],
    },
  },
});
