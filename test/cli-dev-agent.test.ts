/**
 * `spiffe dev-agent` as users run it: the built `spiffe` command (package.json `bin`) in a child
 * process, with real sources of this process against it. `npm test` builds dist/ first.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtSource, WorkloadApiError, X509Source } from '../src/index.js';
import { onCleanup, runCleanup, scratchDir, until } from './helpers/scratch.js';

afterEach(runCleanup);

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { spiffe: string } }).bin.spiffe);

interface Running {
  child: ChildProcess;
  address: string;
  stderr: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `spiffe dev-agent ARGS` and waits for its export line. */
async function devAgent(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, 'dev-agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  await until(`the export line (stderr so far: ${stderr})`, () => /\n/.test(stdout) || child.exitCode !== null);
  const match = /^export SPIFFE_ENDPOINT_SOCKET=(\S+)\n$/.exec(stdout);
  if (match === null) throw new Error(`no export line; stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`);
  return {
    child,
    address: match[1] as string,
    stderr: () => stderr,
    stop: async (signal = 'SIGINT') => {
      child.kill(signal);
      return exited;
    },
  };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH }, timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

describe('spiffe dev-agent', () => {
  it('serves the given SPIFFE IDs to an X509Source and a JwtSource, and stops on SIGTERM, removing its socket', async () => {
    const dir = await scratchDir('dev-agent-');
    const socket = join(dir, 'agent.sock');
    const agent = await devAgent(['--socket', socket, '--id', 'spiffe://example.org/web', '--id', 'spiffe://example.org/db']);
    expect(agent.address).toBe(`unix://${socket}`);
    await until('the serving line on stderr', () => agent.stderr().includes('serving spiffe://example.org/web, spiffe://example.org/db (trust domain example.org)'));

    const x509 = await X509Source.create({ address: agent.address, timeoutMs: 10_000 });
    onCleanup(() => x509.close());
    expect(x509.getX509Svid().id.toString()).toBe('spiffe://example.org/web');
    expect(x509.getX509Svids().map((s) => s.id.toString())).toEqual(['spiffe://example.org/web', 'spiffe://example.org/db']);
    const jwt = await JwtSource.create({ address: agent.address, timeoutMs: 10_000 });
    onCleanup(() => jwt.close());
    const token = await jwt.fetchJwtSvid({ audience: 'orders', subject: 'spiffe://example.org/db' });
    expect(token.id.toString()).toBe('spiffe://example.org/db');
    expect((await jwt.validateJwtSvid(token.token, 'orders')).id.toString()).toBe('spiffe://example.org/db');

    expect(existsSync(socket)).toBe(true);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect(agent.stderr()).toMatch(/stopped; removed .*agent\.sock\n$/);
  });

  it('defaults: a temporary socket, spiffe://example.org/workload; SIGINT removes the socket', async () => {
    const agent = await devAgent([]);
    const source = await X509Source.create({ address: agent.address, timeoutMs: 10_000 });
    onCleanup(() => source.close());
    expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/workload');
    const path = agent.address.slice('unix://'.length);
    expect(await agent.stop('SIGINT')).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('--trust-domain follows the first --id; --tcp listens on loopback', async () => {
    const agent = await devAgent(['--tcp', '--id', 'spiffe://dev.test/api']);
    expect(agent.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const source = await X509Source.create({ address: agent.address, timeoutMs: 10_000 });
    onCleanup(() => source.close());
    expect(source.getX509Svid().id.trustDomain.name).toBe('dev.test');
    expect(await agent.stop()).toBe(0);
  });

  it('--no-identity: the sources get ERR_NOT_REGISTERED, as for a workload not registered yet', async () => {
    const agent = await devAgent(['--no-identity']);
    await until('the no-identity line on stderr', () => agent.stderr().includes('PermissionDenied "no identity issued"'));
    for (const create of [() => X509Source.create({ address: agent.address, timeoutMs: 300 }), () => JwtSource.create({ address: agent.address, timeoutMs: 300 })]) {
      const err = (await create().catch((e: unknown) => e)) as WorkloadApiError;
      expect(err).toBeInstanceOf(WorkloadApiError);
      expect(err.code).toBe('ERR_NOT_REGISTERED');
      expect(err.message).toContain('no identity issued');
      expect((err.cause as WorkloadApiError).grpcStatus).toBe('PERMISSION_DENIED');
    }
    expect(await agent.stop()).toBe(0);
  });

  it('--fail-with UNAVAILABLE (or 14): the sources get ERR_AGENT_UNREACHABLE; other codes map as the client maps them', async () => {
    for (const [code, expected] of [
      ['UNAVAILABLE', 'ERR_AGENT_UNREACHABLE'],
      ['14', 'ERR_AGENT_UNREACHABLE'],
      ['internal', 'ERR_AGENT_ERROR'],
    ] as const) {
      const agent = await devAgent(['--fail-with', code, '--fail-message', 'rehearsal']);
      const err = (await X509Source.create({ address: agent.address, timeoutMs: 300 }).catch((e: unknown) => e)) as WorkloadApiError;
      expect(err).toBeInstanceOf(WorkloadApiError);
      expect({ code, got: err.code }).toEqual({ code, got: expected });
      expect(err.details).toBe('rehearsal');
      expect(await agent.stop()).toBe(0);
    }
    // Fatal codes fail create() at once, whatever the timeout.
    const agent = await devAgent(['--fail-with', 'UNIMPLEMENTED']);
    const err = (await X509Source.create({ address: agent.address, timeoutMs: 60_000 }).catch((e: unknown) => e)) as WorkloadApiError;
    expect(err.code).toBe('ERR_UNIMPLEMENTED');
    expect(await agent.stop()).toBe(0);
  });

  it('--rotate-every rotates the X.509-SVIDs', async () => {
    const agent = await devAgent(['--rotate-every', '200ms']);
    // stderr is a separate pipe: its lines may arrive after the export line on stdout.
    await until('the rotation notice on stderr', () => agent.stderr().includes('rotating the X.509-SVIDs every 200ms'));
    const source = await X509Source.create({ address: agent.address, timeoutMs: 10_000 });
    onCleanup(() => source.close());
    const first = source.getX509Svid();
    const rotations: Array<{ previous: unknown }> = [];
    source.on('svid', (change) => rotations.push(change));
    await until('two rotations', () => rotations.length >= 2);
    expect(rotations[0]?.previous).toBe(first);
    expect(source.getX509Svid().equals(first)).toBe(false);
    await until('the rotation log on stderr', () => agent.stderr().includes('rotated the X.509-SVIDs'));
    expect(await agent.stop()).toBe(0);
  });

  it('bad flags: a clear message and exit 2, nothing listening', async () => {
    for (const [args, message] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--fail-with', 'NOPE'], /--fail-with "NOPE" is not a gRPC status other than OK: give a name \(CANCELLED, .*UNAVAILABLE.*\) or a number 1-16/],
      [['--fail-with', '0'], /--fail-with "0" is not a gRPC status other than OK/],
      [['--fail-with', '17'], /--fail-with "17" is not a gRPC status/],
      [['--rotate-every', 'soon'], /--rotate-every "soon" is not a duration/],
      [['--id', 'spiffe://example.org/'], /--id "spiffe:\/\/example\.org\/" is not a SPIFFE ID/],
      [['--id', 'spiffe://a.test/x', '--trust-domain', 'b.test'], /--id spiffe:\/\/a\.test\/x is not in trust domain b\.test/],
      [['--no-identity', '--id', 'spiffe://example.org/web'], /--no-identity issues nothing/],
      [['--no-identity', '--fail-with', 'UNAVAILABLE'], /either --no-identity or --fail-with/],
      [['--fail-message', 'x'], /--fail-message needs --fail-with/],
      [['--tcp', '--socket', '/tmp/x.sock'], /either --socket or --tcp/],
      [['--socket', 'tcp://127.0.0.1:1'], /--socket takes a unix socket path/],
      [['--port', '8080'], /--port needs --tcp/],
    ] as [string[], RegExp][]) {
      const r = await run(['dev-agent', ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("Run 'spiffe dev-agent --help' for usage.");
    }
  });

  it('is listed by spiffe --help and documents itself', async () => {
    const help = await run(['--help']);
    expect(help.stdout).toMatch(/^ {2}dev-agent +run a development Workload API/m);
    const own = await run(['dev-agent', '--help']);
    expect(own.code).toBe(0);
    for (const flag of ['--socket', '--id', '--trust-domain', '--rotate-every', '--no-identity', '--fail-with']) expect(own.stdout).toContain(flag);
  });
});
