import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { classifyFailure, type HealthProbeResult } from '../src/internal/cli/health-probe.js';
import { CliUsageError } from '../src/internal/cli/io.js';
import { formatSeconds, parseDuration } from '../src/internal/cli/options.js';
import { WorkloadApiError } from '../src/workloadapi/errors.js';
import { runCaptured } from './helpers/cli.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal): Promise<Run> {
  return runCaptured(argv, { env, signal });
}

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function health(api: TestWorkloadApi | string, ...args: string[]): Promise<Run> {
  return run(['health', '--socket', typeof api === 'string' ? api : api.address, ...args]);
}

async function healthJson(api: TestWorkloadApi | string, ...args: string[]): Promise<{ code: number; result: HealthProbeResult & { status: string } }> {
  const r = await health(api, '--json', ...args);
  expect(r.stderr).toBe('');
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  return { code: r.code, result: JSON.parse(r.stdout) };
}

/** A unix socket that accepts connections and never answers: an agent that hangs. */
async function hangingSocket(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spiffe-cli-hang-'));
  const path = join(dir, 'agent.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  return `unix://${path}`;
}

describe('spiffe health: healthy', () => {
  it('prints one line on stdout and exits 0 when the workload has its X.509-SVID', async () => {
    const api = await agent();
    const r = await health(api);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^healthy: spiffe:\/\/example\.org\/workload: X\.509-SVID valid for 59m\d+s; bundles: example\.org \[\d+ ms\]\n$/);
    expect(api.calls.fetchX509Svid).toBe(1);
    // One-shot: the stream is cancelled once the answer is in; nothing stays open on the agent.
    const end = Date.now() + 2000;
    while (api.activeStreams > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(api.activeStreams).toBe(0);
  });

  it('reads SPIFFE_ENDPOINT_SOCKET from the command environment', async () => {
    const api = await agent();
    const r = await run(['health'], { SPIFFE_ENDPOINT_SOCKET: api.address });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^healthy: spiffe:\/\/example\.org\/workload/);
  });

  it('works over TCP', async () => {
    const api = await agent({ tcp: true });
    expect((await health(api)).code).toBe(0);
  });

  it('--json prints one object with the verdict first and no key material', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }] });
    const r = await health(api, '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result)).toEqual(['status', 'healthy', 'reason', 'message', 'address', 'checkedAt', 'elapsedMs', 'attempts', 'svid', 'svids', 'bundles', 'svidCount', 'bundleCount']);
    expect(result).toMatchObject({
      status: 'healthy',
      healthy: true,
      reason: 'ok',
      address: api.address,
      attempts: 1,
      svid: { spiffeId: 'spiffe://example.org/web', hint: 'internal', expiresAt: api.svid()?.expiresAt.toISOString() },
      svids: ['spiffe://example.org/web'],
      bundles: ['example.org'],
    });
    expect(result.svid.expiresInSeconds).toBeGreaterThan(3500);
    expect(result.svid.expiresInSeconds).toBeLessThanOrEqual(3600);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
  });

  it('--json carries the figures a dashboard needs: when, lifetime, counts', async () => {
    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }, { id: 'spiffe://example.org/batch' }], federatedBundles: { 'partner.test': partner.bundleDer() } });
    const before = Date.now();
    const { code, result } = await healthJson(api);
    expect(code).toBe(0);
    const issued = api.svid('spiffe://example.org/web');
    expect(result).toMatchObject({ svidCount: 2, bundleCount: 2, bundles: ['example.org', 'partner.test'] });
    expect(result.svid).toMatchObject({ issuedAt: issued === undefined ? 'none' : new Date(issued.leaf.validFrom).toISOString(), lifetimeSeconds: 3600 });
    const checkedAt = Date.parse(result.checkedAt);
    expect(checkedAt).toBeGreaterThanOrEqual(before - 1);
    expect(checkedAt).toBeLessThanOrEqual(Date.now());

    // An agent that cannot be reached: no counts (nothing was received), the time is still there.
    await api.stop();
    const down = await healthJson(api);
    expect(down.code).toBe(1);
    expect(down.result).not.toHaveProperty('svidCount');
    expect(down.result).not.toHaveProperty('bundleCount');
    expect(typeof down.result.checkedAt).toBe('string');
  });

  it('--quiet prints nothing when healthy but still explains a failure', async () => {
    const api = await agent();
    expect(await health(api, '--quiet')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await health(api, '-q', '--id', 'spiffe://example.org/other')).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^unhealthy \(wrong-identity\)/) });
  });

  it('--help prints the options on stdout and exits 0', async () => {
    const r = await run(['health', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: spiffe health \[options\]/);
    for (const flag of ['--socket', '--timeout', '--id', '--hint', '--min-ttl', '--bundle', '--jwt-audience', '--wait', '--json']) expect(r.stdout).toContain(flag);
  });
});

describe('spiffe health: unhealthy, with the reason', () => {
  it('not registered: the agent answers PermissionDenied', async () => {
    const api = await agent({ identities: [] });
    const r = await health(api);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^unhealthy \(not-registered\): the agent at unix socket .* has no identity for this workload/);
    const { code, result } = await healthJson(api);
    expect(code).toBe(1);
    expect(result).toMatchObject({ status: 'unhealthy', healthy: false, reason: 'not-registered', error: { code: 'ERR_NOT_REGISTERED', rpc: 'FetchX509SVID', grpcStatus: 'PERMISSION_DENIED' } });
    expect(result.svid).toBeUndefined();
  });

  it('agent unreachable: no socket file, or the agent stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spiffe-cli-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const missing = await healthJson(`unix://${join(dir, 'nothing.sock')}`);
    expect(missing.code).toBe(1);
    expect(missing.result).toMatchObject({ reason: 'agent-unreachable', error: { code: 'ERR_AGENT_UNREACHABLE', grpcStatus: 'UNAVAILABLE' } });
    // Fails fast: an unreachable agent is not a timeout.
    expect(missing.result.elapsedMs).toBeLessThan(2000);

    const api = await agent();
    await api.stop();
    const stopped = await health(api);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^unhealthy \(agent-unreachable\): the Workload API at unix socket .* is unreachable/);
  });

  it('timeout: the agent accepts the connection but never answers', async () => {
    const address = await hangingSocket();
    const started = performance.now();
    const { code, result } = await healthJson(address, '--timeout', '300ms');
    const took = performance.now() - started;
    expect(code).toBe(1);
    expect(result).toMatchObject({ reason: 'timeout', error: { code: 'ERR_TIMEOUT', rpc: 'FetchX509SVID' } });
    expect(result.message).toMatch(/timed out after 300 ms/);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  it('wrong identity: --id or --hint that the agent did not issue', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }, { id: 'spiffe://example.org/db', hint: 'external' }] });
    const wrongId = await health(api, '--id', 'spiffe://example.org/cache');
    expect(wrongId.code).toBe(1);
    expect(wrongId.stderr).toBe(
      'unhealthy (wrong-identity): no X.509-SVID with ID spiffe://example.org/cache (the agent issued spiffe://example.org/web (hint "internal"), spiffe://example.org/db (hint "external"))\n',
    );
    const wrongPair = await healthJson(api, '--id', 'spiffe://example.org/web', '--hint', 'external');
    expect(wrongPair.result).toMatchObject({ reason: 'wrong-identity', svids: ['spiffe://example.org/web', 'spiffe://example.org/db'] });

    // The non-default identity is found by ID, and by hint.
    expect((await healthJson(api, '--id', 'spiffe://example.org/db')).result).toMatchObject({ healthy: true, svid: { spiffeId: 'spiffe://example.org/db', hint: 'external' } });
    expect((await healthJson(api, '--hint', 'external')).result).toMatchObject({ healthy: true, svid: { spiffeId: 'spiffe://example.org/db' } });
  });

  it('expiring: the X.509-SVID expires sooner than --min-ttl', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web', ttlMs: 120_000 }] });
    const r = await health(api, '--min-ttl', '5m');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^unhealthy \(expiring\): the X\.509-SVID of spiffe:\/\/example\.org\/web expires in 1m5\ds, less than --min-ttl 5m0s/);
    const { result } = await healthJson(api, '--min-ttl', '5m');
    expect(result).toMatchObject({ reason: 'expiring', svid: { spiffeId: 'spiffe://example.org/web' } });
    expect(result.error).toBeUndefined();
    // A shorter requirement passes.
    expect((await health(api, '--min-ttl', '60')).code).toBe(0);
  });

  it('expired: the agent serves an SVID past its notAfter', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web', ttlMs: 1_000 }] });
    await new Promise((r) => setTimeout(r, 1_100));
    const { code, result } = await healthJson(api);
    expect(code).toBe(1);
    expect(result).toMatchObject({ reason: 'expired' });
    expect(result.svid?.expiresInSeconds).toBeLessThan(0);
  });

  it('--bundle requires a bundle per trust domain (own or federated)', async () => {
    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    const api = await agent({ federatedBundles: { 'partner.test': partner } });
    const ok = await healthJson(api, '--bundle', 'example.org', '--bundle', 'spiffe://partner.test');
    expect(ok.result).toMatchObject({ healthy: true, bundles: ['example.org', 'partner.test'] });
    const missing = await health(api, '--bundle', 'partner.test', '--bundle', 'other.test');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('unhealthy (missing-bundle): no X.509 bundle for other.test (the agent sent example.org, partner.test)\n');
  });

  it('--jwt-audience also fetches a JWT-SVID for the selected identity, without printing the token', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }, { id: 'spiffe://example.org/db' }] });
    const r = await health(api, '--json', '--id', 'spiffe://example.org/db', '--jwt-audience', 'vault', '--jwt-audience', 'sts');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ healthy: true, jwtSvid: { spiffeId: 'spiffe://example.org/db', audience: ['vault', 'sts'] } });
    expect(result.jwtSvid.expiresInSeconds).toBeGreaterThan(250);
    expect(r.stdout).not.toMatch(/eyJ/);
    const human = await health(api, '--jwt-audience', 'vault');
    expect(human.stdout).toMatch(/; JWT-SVID for vault valid for 4m\d+s \[/);
    expect(human.stdout).not.toMatch(/eyJ/);
    expect(api.calls.fetchJwtSvid).toBe(2);
  });

  it('a JWT-SVID failure fails the probe with its own reason', async () => {
    const api = await agent();
    api.failWith('PERMISSION_DENIED', undefined, { rpc: 'fetchJwtSvid' });
    const denied = await healthJson(api, '--jwt-audience', 'vault');
    expect(denied.code).toBe(1);
    expect(denied.result).toMatchObject({ reason: 'not-registered', error: { rpc: 'FetchJWTSVID' }, svid: { spiffeId: 'spiffe://example.org/workload' } });
    expect(denied.result.message).toMatch(/^JWT-SVID for audience vault: /);
    api.failWith('UNIMPLEMENTED', 'no JWT here', { rpc: 'fetchJwtSvid' });
    expect((await healthJson(api, '--jwt-audience', 'vault')).result).toMatchObject({ reason: 'agent-error', error: { code: 'ERR_UNIMPLEMENTED' } });
    // Without --jwt-audience the JWT side is not asked.
    expect((await health(api)).code).toBe(0);
  });

  it('other agent failures are agent-error with the gRPC status', async () => {
    const api = await agent();
    api.failWith('INTERNAL', 'database is locked');
    const { code, result } = await healthJson(api);
    expect(code).toBe(1);
    expect(result).toMatchObject({ reason: 'agent-error', error: { code: 'ERR_AGENT_ERROR', grpcStatus: 'INTERNAL' } });
    expect(result.message).toContain('database is locked');
  });
});

describe('spiffe health --wait', () => {
  it('retries until the workload is registered', async () => {
    const api = await agent({ identities: [] });
    const pending = healthJson(api, '--wait', '--timeout', '10s');
    await new Promise((r) => setTimeout(r, 400));
    await api.addIdentity({ id: 'spiffe://example.org/late' });
    const { code, result } = await pending;
    expect(code).toBe(0);
    expect(result).toMatchObject({ healthy: true, svid: { spiffeId: 'spiffe://example.org/late' } });
    expect(result.attempts).toBeGreaterThan(1);
  });

  it('gives up when --timeout runs out, keeping the last reason', async () => {
    const api = await agent({ identities: [] });
    const { code, result } = await healthJson(api, '--wait', '--timeout', '1s');
    expect(code).toBe(1);
    expect(result.reason).toBe('not-registered');
    expect(result.attempts).toBeGreaterThan(1);
    expect(result.message).toMatch(/still failing after \d+ attempts\)$/);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(700);
    expect(result.elapsedMs).toBeLessThan(3000);
  });

  it('stops when the signal fires (SIGTERM)', async () => {
    const api = await agent({ identities: [] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGTERM')), 300);
    const r = await run(['health', '--socket', api.address, '--wait', '--timeout', '20s', '--json'], {}, controller.signal);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.reason).toBe('aborted');
    expect(result.elapsedMs).toBeLessThan(5000);
  });
});

describe('spiffe health: usage errors exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
    ['a positional argument', ['extra'], /positional argument/i],
    ['a flag without its value', ['--timeout'], /--timeout/],
    ['a duration that is not one', ['--timeout', 'soon'], /--timeout "soon" is not a duration/],
    ['a zero timeout', ['--timeout', '0s'], /--timeout must be longer than 0/],
    ['a negative min-ttl', ['--min-ttl', '-5s'], /--min-ttl/],
    ['an invalid SPIFFE ID', ['--id', 'https://example.org/web'], /--id "https:\/\/example\.org\/web" is not a SPIFFE ID/],
    ['an invalid trust domain', ['--bundle', 'Example Org'], /--bundle "Example Org" is not a trust domain/],
    ['an empty audience', ['--jwt-audience', ''], /--jwt-audience must not be empty/],
    ['an invalid socket address', ['--socket', 'unix://tmp/agent.sock'], /from --socket.*did you mean unix:\/\/\/tmp\/agent\.sock\?/],
  ];
  for (const [name, args, message] of cases) {
    it(`rejects ${name}`, async () => {
      const r = await run(['health', ...(args.includes('--socket') ? [] : ['--socket', 'unix:///tmp/never-used.sock']), ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^spiffe health: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/Run 'spiffe health --help' for usage\.\n$/);
    });
  }

  it('names the flag and the variable when no address is configured', async () => {
    const r = await run(['health'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SPIFFE_ENDPOINT_SOCKET/);
    expect(r.stderr).toMatch(/--socket/);
  });

  it('rejects an invalid SPIFFE_ENDPOINT_SOCKET and says where it came from', async () => {
    const r = await run(['health'], { SPIFFE_ENDPOINT_SOCKET: '/run/spire/agent.sock' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/from SPIFFE_ENDPOINT_SOCKET/);
  });

  it('prints the synopsis with a flag mistake', async () => {
    const r = await run(['health', '--bogus']);
    expect(r.stderr).toContain('usage: spiffe health [--socket ADDRESS]');
  });
});

describe('spiffe health: building blocks', () => {
  it('maps every Workload API error code to a reason', () => {
    const table: Array<[ConstructorParameters<typeof WorkloadApiError>[0], string]> = [
      ['ERR_AGENT_UNREACHABLE', 'agent-unreachable'],
      ['ERR_NOT_REGISTERED', 'not-registered'],
      ['ERR_TIMEOUT', 'timeout'],
      ['ERR_ABORTED', 'aborted'],
      ['ERR_NO_SVID', 'wrong-identity'],
      ['ERR_SVID_EXPIRED', 'expired'],
      ['ERR_MALFORMED_RESPONSE', 'malformed-response'],
      ['ERR_RESOURCE_LIMIT', 'malformed-response'],
      ['ERR_PROTOCOL_MISUSE', 'agent-error'],
      ['ERR_UNIMPLEMENTED', 'agent-error'],
      ['ERR_AGENT_ERROR', 'agent-error'],
      ['ERR_CLOSED', 'agent-error'],
    ];
    for (const [code, reason] of table) {
      expect(classifyFailure(new WorkloadApiError(code, `failed: ${code}`, { rpc: 'FetchX509SVID', grpcCode: 14 }))).toEqual({
        reason,
        message: `failed: ${code}`,
        error: { code, rpc: 'FetchX509SVID', grpcStatus: 'UNAVAILABLE' },
      });
    }
    expect(classifyFailure(new Error('boom'))).toEqual({ reason: 'agent-error', message: 'boom' });
  });

  it('parses durations in Go units or seconds, and writes them back', () => {
    expect(parseDuration('500ms', '--x')).toBe(500);
    expect(parseDuration('5s', '--x')).toBe(5_000);
    expect(parseDuration('1h30m', '--x')).toBe(5_400_000);
    expect(parseDuration('1m0.5s', '--x')).toBe(60_500);
    expect(parseDuration('30', '--x')).toBe(30_000);
    expect(parseDuration('0.25', '--x')).toBe(250);
    for (const bad of ['', 's', '-1s', '1d', '5 s', '1e3', '30days', '1000h']) {
      expect(() => parseDuration(bad, '--x'), bad).toThrow(CliUsageError);
    }
    expect(formatSeconds(45)).toBe('45s');
    expect(formatSeconds(3599)).toBe('59m59s');
    expect(formatSeconds(7260)).toBe('2h1m');
    expect(formatSeconds(-90)).toBe('1m30s');
    expect(formatSeconds(90_000)).toBe('1d1h');
  });
});
