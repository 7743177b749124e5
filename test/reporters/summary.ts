import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** What the reporter writes to `SPIFFE_KIT_TEST_SUMMARY_FILE` (read by scripts/test-matrix.mjs). */
export interface TestSummary {
  node: string;
  files: number;
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints which Node ran the suite, then one plain closing line, `tests: N passed, N failed[, N
 * skipped]`, for CI logs. With `SPIFFE_KIT_TEST_SUMMARY_FILE` set, also writes the counts there as
 * JSON, for the test matrix's table.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    // The workers are forks of this process (vitest's `forks` pool), so they run this same Node.
    const summary: TestSummary = { node: process.version, files: testModules.length, passed, failed, skipped };
    const file = process.env['SPIFFE_KIT_TEST_SUMMARY_FILE'];
    if (file !== undefined && file !== '') writeFileSync(file, `${JSON.stringify(summary)}\n`);
    process.stdout.write(`\nnode ${process.version} (${process.execPath}), ${testModules.length} test file${testModules.length === 1 ? '' : 's'}\n`);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
