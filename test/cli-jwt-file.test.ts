// `spiffe jwt --write FILE [--watch]` against the test Workload API on a real unix socket: the
// token file (0600, token only), renewal at half-life with --on-update, an agent outage (file kept,
// retries, renewal after the restart), first-fetch failures and usage errors.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renewalTime } from '../src/cli/jwt-file.js';
import { runCli } from '../src/cli/main.js';
import { JwtSvid } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { runCaptured } from './helpers/cli.js';
import { onCleanup, runCleanup, scratchDir, testAgent, until } from './helpers/scratch.js';

afterEach(runCleanup);

const agent = (options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> => testAgent({ identities: [{ id: 'spiffe://example.org/batch' }], ...options });
const scratch = (): Promise<string> => scratchDir('spiffe-jwt-file-');

function watch(argv: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): { stdout: () => string; stderr: () => string; stop: () => Promise<number> } {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const done = runCli(['jwt', '--watch', ...argv], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env, signal: controller.signal });
  const w = {
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      controller.abort(new Error('interrupted'));
      return done;
    },
  };
  onCleanup(() => w.stop());
  return w;
}

describe('spiffe jwt --write', () => {
  it('writes the token alone to the file (mode 0600) and prints what it wrote, never the token', async () => {
    const api = await agent();
    const dir = await scratch();
    const file = join(dir, 'token');
    const r = await runCaptured(['jwt', '--audience', 'sts.amazonaws.com', '--write', file, '--socket', api.address]);
    expect(r.code, r.stderr).toBe(0);
    const token = await readFile(file, 'utf8');
    expect(token).not.toMatch(/\s/);
    const svid = JwtSvid.parseInsecure(token, ['sts.amazonaws.com']);
    expect(svid.id.toString()).toBe('spiffe://example.org/batch');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(new RegExp(`wrote ${file} \\(spiffe://example.org/batch, audience sts.amazonaws.com, expires \\S+\\)\\n$`));
    expect(r.stdout).not.toContain(token);

    const json = await runCaptured(['jwt', '--audience', 'vault', '--write', 'token2', '--socket', api.address, '--json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const event = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(event).toMatchObject({ event: 'written', file: join(dir, 'token2'), spiffeId: 'spiffe://example.org/batch', audience: ['vault'] });
    expect(json.stdout).not.toContain(await readFile(join(dir, 'token2'), 'utf8'));
  });

  it('fails (exit 1, reason first) without writing anything when the first token cannot be fetched', async () => {
    const dir = await scratch();
    const file = join(dir, 'token');
    const down = await runCaptured(['jwt', '--audience', 'api', '--write', file, '--socket', `unix://${join(dir, 'none.sock')}`, '--timeout', '2s']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^spiffe jwt: agent-unreachable: /);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });

    const api = await agent({ identities: [] });
    const none = await runCaptured(['jwt', '--audience', 'api', '--write', file, '--socket', api.address, '--watch']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^spiffe jwt: (not-registered|no-svid): /);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses inconsistent flags (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--audience', 'a', '--watch'], /--watch needs --write/],
      [['--audience', 'a', '--write', 'f', '--on-update', 'true'], /need --watch/],
      [['--audience', 'a', '--write', 'f', '--signal-pid', '1'], /need --watch/],
      [['--audience', 'a', '--write', 'f', '--watch', '--signal', 'HUP'], /--signal needs --signal-pid/],
      [['--audience', 'a', '--write', 'f', '--watch', '--signal-pid', 'x'], /not a process ID/],
      [['--audience', 'a', '--write', 'f', '--watch', '--signal-pid', '1', '--signal', 'NOPE'], /not a signal name/],
      [['--audience', 'a', '--write', ''], /--write/],
    ];
    for (const [args, message] of cases) {
      const r = await runCaptured(['jwt', '--socket', 'unix:///tmp/none.sock', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('spiffe jwt --write --watch', () => {
  it('renews the token at half its lifetime and runs --on-update with SPIFFE_JWT_SVID_PATH', async () => {
    const api = await agent({ jwtTtlSeconds: 2 });
    const dir = await scratch();
    const file = join(dir, 'token');
    const hookLog = join(dir, 'hook.log');
    const w = watch(['--audience', 'sts.amazonaws.com', '--write', file, '--socket', api.address, '--on-update', `echo "$SPIFFE_JWT_SVID_PATH" >> ${hookLog}`]);
    await until('the first write', () => w.stdout().includes('wrote '));
    const first = JwtSvid.parseInsecure(await readFile(file, 'utf8'), ['sts.amazonaws.com']);
    await until('a renewal', async () => (await readFile(file, 'utf8')) !== first.token, 5_000);
    const second = JwtSvid.parseInsecure(await readFile(file, 'utf8'), ['sts.amazonaws.com']);
    // Issued with a 2 s lifetime: renewed at half-life (about 1 s), before the first one expired.
    expect(second.issuedAt!.getTime()).toBeLessThan(first.expiresAt.getTime());
    expect(second.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    await until('the hook twice', async () => (await readFile(hookLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= 2);
    expect((await readFile(hookLog, 'utf8')).split('\n')[0]).toBe(file);
    expect(await w.stop()).toBe(0);
    expect(w.stderr()).toMatch(/spiffe jwt: stopped\n$/);
    expect(w.stdout().match(/wrote /g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the file while the agent is down, retries, and renews once the agent is back', async () => {
    const api = await agent({ jwtTtlSeconds: 2 });
    const dir = await scratch();
    const file = join(dir, 'token');
    const w = watch(['--audience', 'api', '--write', file, '--socket', api.address, '--timeout', '1s']);
    await until('the first write', () => w.stdout().includes('wrote '));
    const before = await readFile(file, 'utf8');
    await api.stop();
    await until('a failed renewal', () => /agent-unreachable: .*; keeping /.test(w.stderr()), 8_000);
    expect(await readFile(file, 'utf8')).toBe(before);
    await until('the expiry report', () => w.stderr().includes(`the token in ${file} expired at`), 8_000);
    await api.restart();
    await until('a renewal after the restart', async () => (await readFile(file, 'utf8')) !== before, 10_000);
    expect(JwtSvid.parseInsecure(await readFile(file, 'utf8'), ['api']).expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await w.stop()).toBe(0);
  }, 30_000);
});

describe('spiffe jwt --write --watch --exec', () => {
  it('starts the program once the token file exists and ends with its status; SIGTERMs it on stop', async () => {
    const api = await agent();
    const dir = await scratch();
    const file = join(dir, 'token');
    const seen = join(dir, 'seen');
    // Without a stop signal: the watch ends when the program does, with its status.
    const status = await runCli(['jwt', '--watch', '--audience', 'api', '--write', file, '--socket', api.address, '--exec', `cp "$SPIFFE_JWT_SVID_PATH" ${seen}; exit 5`], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: { PATH: process.env.PATH },
    });
    expect(status).toBe(5);
    expect(JwtSvid.parseInsecure(await readFile(seen, 'utf8'), ['api']).id.toString()).toBe('spiffe://example.org/batch');

    const running = watch(['--audience', 'api', '--write', file, '--socket', api.address, '--exec', `trap 'exit 9' TERM; echo up; while :; do sleep 0.05; done`]);
    await until('the program to start', () => running.stdout().includes('up\n'));
    expect(await running.stop()).toBe(9);
    expect(running.stderr()).toMatch(/the --exec program exited with status 9/);
  });
});

describe('renewalTime', () => {
  it('is half the lifetime from iat, else from the fetch, and never sooner than a second', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    expect(renewalTime({ issuedAt: new Date(now - 60_000), expiresAt: new Date(now + 240_000) }, now)).toBe(now + 90_000);
    expect(renewalTime({ issuedAt: undefined, expiresAt: new Date(now + 300_000) }, now)).toBe(now + 150_000);
    expect(renewalTime({ issuedAt: new Date(now - 600_000), expiresAt: new Date(now + 10_000) }, now)).toBe(now + 1_000);
    expect(renewalTime({ issuedAt: new Date(now - 600_000), expiresAt: new Date(now - 1_000) }, now)).toBe(now + 1_000);
  });
});
