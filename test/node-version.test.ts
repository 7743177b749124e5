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
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };

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

  it('the versions the matrix tests are the ones the README and engines promise', () => {
    const list = (flag: string) => (new RegExp(`${flag} ([\\d,]+)`).exec(pkg.scripts['test:matrix'] ?? '')?.[1] ?? '').split(',').map(Number);
    expect(list('--unit')).toEqual([20, 22, 24, 26]);
    expect(list('--spire')).toEqual([20, 24]); // the oldest supported and the newest LTS
    expect(pkg.scripts['test:all']).toBe('npm run build && npm run test:matrix');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const supported = /^Supported Node versions: (.*(?:\n.+)*)/m.exec(readme)?.[1] ?? '';
    expect([...new Set([...supported.matchAll(/\b(\d\d)(?:\.\d+)?(?:\.x)?\b/g)].map((m) => Number(m[1])))].filter((n) => n >= 18 && n <= 40)).toEqual([20, 22, 24, 26]);
    // engines admits the oldest tested line and this Node.
    expect(pkg.engines.node).toBe('>=20.19');
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
  });
});
