// Runs the test suites on several Node majors, one run after another, and prints a table and one
// closing line `tests: N passed, N failed` over all runs. Exits 1 when any run fails, runs no test,
// or reports another Node than the one it was started with.
//
//   node scripts/test-matrix.mjs --unit 20,22,24,26 --spire 20,24     (what `npm run test:all` runs)
//   node scripts/test-matrix.mjs --unit 24 -- test/tls.test.ts          (extra arguments go to vitest)
//
// The Node that runs this script serves for its own major; every other major is the newest release
// of that major, installed by scripts/install-node.sh into .cache/node/. Each suite runs as
// `<node> node_modules/vitest/vitest.mjs run`, with an installed node's directory first on PATH, so
// the test workers (forks), the child processes the tests start (process.execPath) and any `node` a
// tool finds on PATH are all that version. The real-SPIRE suite needs scripts/install-spire.sh.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

function usage(message) {
  process.stderr.write(`test-matrix: ${message}\nusage: node scripts/test-matrix.mjs [--unit 20,22,24,26] [--spire 20,24] [-- vitest arguments]\n`);
  process.exit(2);
}

function majors(value, flag) {
  if (value === undefined || !/^\d+(,\d+)*$/.test(value)) usage(`${flag} takes a comma-separated list of Node majors, e.g. ${flag} 20,24`);
  return [...new Set(value.split(',').map(Number))];
}

const suites = { unit: [], spire: [] };
const extra = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') {
    extra.push(...argv.slice(i + 1));
    break;
  }
  if (a === '--unit' || a === '--spire') suites[a.slice(2)] = majors(argv[++i], a);
  else usage(`unknown argument ${a}`);
}
if (suites.unit.length + suites.spire.length === 0) usage('name at least one suite (--unit or --spire)');
if (!existsSync(vitest)) usage(`${vitest} is missing: run npm ci first`);

const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)} s`;
const say = (line) => process.stdout.write(`${line}\n`);

/** Runs a bash script of scripts/ and returns the last line of its stdout (its result). */
function script(name, args, env = process.env) {
  const r = spawnSync('bash', [join(root, 'scripts', name), ...args], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || last === '') {
    process.stderr.write(`test-matrix: scripts/${name} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}); see its messages above\n`);
    process.exit(1);
  }
  return last;
}

/** The node binary for each major: this process's for its own major, else the newest installed. */
const nodes = new Map();
const thisMajor = Number(process.versions.node.split('.')[0]);
for (const major of [...suites.unit, ...suites.spire]) {
  if (nodes.has(major)) continue;
  const bin = major === thisMajor ? process.execPath : script('install-node.sh', [String(major)]);
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const version = (v.stdout ?? '').trim();
  if (v.status !== 0 || !version.startsWith(`v${major}.`)) {
    process.stderr.write(`test-matrix: ${bin} --version printed "${version}${v.error?.message ?? ''}", expected v${major}.x\n`);
    process.exit(1);
  }
  nodes.set(major, { bin, version });
}

let spireEnv = {};
if (suites.spire.length > 0) spireEnv = { SPIRE_BIN_DIR: script('install-spire.sh', []) };

// A run that hangs must not take CI's whole budget: it is stopped (SIGTERM) after this long.
const RUN_TIMEOUT_MS = 30 * 60_000;
const runs = [
  ...suites.unit.map((major) => ({ suite: 'unit', major, args: [] })),
  ...suites.spire.map((major) => ({ suite: 'spire', major, args: ['-c', 'vitest.spire.config.ts'], env: spireEnv })),
];
/**
 * PATH for a run: an installed Node's directory (it holds `node` alone) goes first, so tools that
 * start `node` from PATH (npm's `#!/usr/bin/env node`) run that version. The Node running this
 * script keeps the PATH it was given (its directory, e.g. /usr/bin, must not shadow node_modules/.bin).
 */
function pathFor(bin) {
  const path = process.env.PATH ?? '';
  return bin === process.execPath ? path : `${dirname(bin)}${delimiter}${path}`;
}

const scratch = mkdtempSync(join(tmpdir(), 'spiffe-kit-matrix-'));
const results = [];
try {
  for (const [i, run] of runs.entries()) {
    const { bin, version } = nodes.get(run.major);
    const summaryFile = join(scratch, `${i}.json`);
    say(`\n== ${run.suite} suite on node ${version} (${i + 1}/${runs.length}): ${bin} ==`);
    const t0 = Date.now();
    const r = spawnSync(bin, [vitest, 'run', ...run.args, ...extra], {
      cwd: root,
      stdio: 'inherit',
      timeout: RUN_TIMEOUT_MS,
      killSignal: 'SIGTERM',
      env: { ...process.env, ...run.env, PATH: pathFor(bin), SPIFFE_KIT_TEST_SUMMARY_FILE: summaryFile },
    });
    const ms = Date.now() - t0;
    const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
    const problems = [];
    if (r.status !== 0) problems.push(ms >= RUN_TIMEOUT_MS ? `stopped after ${seconds(ms)}` : (r.error?.message ?? (r.signal !== null ? `killed by ${r.signal}` : `exit ${r.status}`)));
    if (summary === undefined) problems.push('no summary (vitest did not finish its run)');
    else {
      if (summary.node !== version) problems.push(`ran on node ${summary.node}, not ${version}`);
      if (summary.passed === 0) problems.push('ran no test');
    }
    results.push({ ...run, version, ms, summary, problems });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

say('\n== test matrix ==');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of results) {
  const s = r.summary ?? { passed: 0, failed: 0, skipped: 0, files: 0 };
  passed += s.passed;
  failed += s.failed;
  skipped += s.skipped;
  const counts = `${s.passed} passed, ${s.failed} failed${s.skipped > 0 ? `, ${s.skipped} skipped` : ''}`;
  say(`${r.problems.length === 0 ? 'ok  ' : 'FAIL'}  ${r.suite.padEnd(5)}  node ${r.version.padEnd(9)}  ${String(s.files).padStart(3)} files  ${counts.padEnd(32)}  ${seconds(r.ms).padStart(6)}${r.problems.length > 0 ? `  (${r.problems.join('; ')})` : ''}`);
}
const bad = results.filter((r) => r.problems.length > 0);
if (bad.length > 0 && failed === 0) failed = bad.length; // a run that failed without a failing test still counts
say(`matrix: ${results.length} runs in ${seconds(Date.now() - started)}${bad.length > 0 ? `, ${bad.length} failed` : ''}`);
say(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(bad.length > 0 ? 1 : 0);
