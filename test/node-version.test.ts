// The suite runs on several Node versions (scripts/test-matrix.mjs runs it as
// `<node> node_modules/vitest/vitest.mjs run`). A run tests a version only if the test workers and
// every Node child process a test starts (the CLI, the examples, the packed package) run that same
// version: these tests fail when one of them would fall back to another Node.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExample } from './helpers/run-example.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A call that starts a bare `node` (whichever is first on PATH) instead of `process.execPath`. */
const BARE_NODE = /\b(?:spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*(['"`])node(?=\1|\s)/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'fixtures') out.push(...sourceFiles(path));
    } else if (/\.(?:ts|mts|js|mjs|cjs)$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

describe('one Node version per run', () => {
  it('the test workers run the Node that runs vitest', () => {
    // vitest.config.ts records the runner's Node (the config is evaluated in the main process).
    expect(process.env['SPIFFE_KIT_RUNNER_NODE']).toBe(`${process.version} ${process.execPath}`);
  });

  it('child processes of the test helpers run that Node too', async () => {
    const direct = spawnSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' });
    expect(direct.stdout.trim()).toBe(process.version);
    const viaHelper = await runExample(['-p', 'process.version + " " + process.execPath'], { cwd: root });
    expect(viaHelper.code).toBe(0);
    expect(viaHelper.out.trim()).toBe(`${process.version} ${process.execPath}`);
  });

  it('no test, helper, example, benchmark or script starts a bare `node`', () => {
    // The pattern itself, on hostile spellings.
    for (const bad of ["spawn('node', [x])", 'execFile("node",[])', 'execSync(`node -e 1`)', "spawnSync( 'node' )", "exec('node x.js')"]) {
      expect(BARE_NODE.test(bad), bad).toBe(true);
    }
    for (const good of ['spawn(process.execPath, [x])', "execFile('nodejs-tool')", "import('node:child_process')", "spawn('npm', ['pack'])"]) {
      expect(BARE_NODE.test(good), good).toBe(false);
    }
    const files = ['test', 'examples', 'bench', 'scripts'].flatMap((d) => sourceFiles(join(root, d)));
    expect(files.length).toBeGreaterThan(40);
    const offenders = files.filter((f) => f !== fileURLToPath(import.meta.url) && BARE_NODE.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});
