import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestWorkloadApi } from '../src/testing/index.js';
import { type CliRun, runCaptured } from './helpers/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// The command as package.json's `bin` names it (the bundled entry point, built by `npm run build`).
const bin = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { spiffe: string } }).bin.spiffe);

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

function run(argv: string[]): Promise<CliRun> {
  return runCaptured(argv);
}

/** Runs a script with node in a child process (asynchronously: the test Workload API lives in this process). */
function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };

describe('spiffe (dispatcher)', () => {
  it('--help lists the commands on stdout and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: spiffe <command> \[options\]/);
      for (const command of ['health', 'x509', 'jwt', 'registrar']) expect(r.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    }
  });

  it('no command prints the usage on stderr and exits 2', async () => {
    const r = await run([]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^Usage: spiffe <command>/);
  });

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) expect(await run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown command exits 2 and names it', async () => {
    const r = await run(['helth']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^spiffe: unknown command 'helth'\n\nUsage: spiffe <command>/);
    // Names of Object.prototype are not commands.
    expect((await run(['constructor'])).code).toBe(2);
  });
});

describe('the built `spiffe` binary (needs `npm run build`, as `npm test` does)', () => {
  it('runs `spiffe health` in a fresh process, also through a node_modules/.bin symlink, with the right exit codes', async () => {
    expect(existsSync(bin), `${bin} is not built: run npm run build`).toBe(true);
    expect(bin).toMatch(/dist\/bundled\/cli\.js$/);
    expect((await readFile(bin, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');

    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
    cleanup.push(() => api.close());

    const healthy = await node(bin, ['health'], { SPIFFE_ENDPOINT_SOCKET: api.address });
    expect(healthy.stderr).toBe('');
    expect(healthy.stdout).toMatch(/^healthy: spiffe:\/\/example\.org\/web: X\.509-SVID valid for/);
    expect(healthy.code).toBe(0);

    const wrong = await node(bin, ['health', '--socket', api.address, '--id', 'spiffe://example.org/db']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^unhealthy \(wrong-identity\)/);

    const usage = await node(bin, ['health', '--nope']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Unknown option '--nope'/);

    expect(await node(bin, ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });

    // npm links bins as node_modules/.bin/spiffe -> ../spiffe-kit/dist/bundled/cli.js; the entry
    // point check must follow the link (else the command silently does nothing).
    const dir = await mkdtemp(join(tmpdir(), 'spiffe-bin-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
    const link = join(dir, 'node_modules', '.bin', 'spiffe');
    await symlink(bin, link);
    const viaLink = await node(link, ['health', '--socket', api.address, '--json']);
    expect(viaLink.code).toBe(0);
    expect(JSON.parse(viaLink.stdout)).toMatchObject({ status: 'healthy', svid: { spiffeId: 'spiffe://example.org/web' } });

    await api.stop();
    const down = await node(link, ['health', '--socket', api.address]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^unhealthy \(agent-unreachable\)/);
  });
});
