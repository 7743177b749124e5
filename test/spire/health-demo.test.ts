// The health helpers, the `spiffe health` and `spiffe jwt --write` commands and the demo against the real agent.
// The command and the demo run from dist/ (built here when missing; CI builds dist before
// this suite), as child processes of the same uid, so the agent attests them to the same entries.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkHealth, healthHandler, JwtSource, WorkloadApiClient, X509Source } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID_ORDERS = `spiffe://${TRUST_DOMAIN}/ns/demo/sa/orders`;
const ID_FRONTEND = `spiffe://${TRUST_DOMAIN}/ns/demo/sa/frontend`;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'dist', 'bundled', 'cli.js');

interface Exec {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function node(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Exec> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, args, { cwd: repoRoot, env, timeout: timeoutMs, encoding: 'utf8', killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

interface HealthJson {
  status: string;
  healthy: boolean;
  reason?: string;
  address?: string;
  svid?: { spiffeId: string; expiresInSeconds: number };
  svids?: string[];
  bundles?: string[];
  jwtSvid?: { spiffeId: string; audience: string[] };
  error?: { code: string; grpcStatus?: string };
}

function getJson(port: number, path: string): Promise<{ status: number; body: { status: string; problems: string[]; warnings: string[]; sources: { spiffeId?: string; state: string }[] } }> {
  return new Promise((resolvePromise, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolvePromise({ status: res.statusCode ?? 0, body: (text === '' ? {} : JSON.parse(text)) as never });
          } catch (err) {
            reject(err as Error);
          }
        });
      })
      .on('error', reject);
  });
}

describe('real SPIRE agent: health helpers, the spiffe CLI and the demo', () => {
  let spire: SpireHarness;
  let env: NodeJS.ProcessEnv;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    if (!existsSync(cli)) {
      // Never `rm -rf dist`: other work may use it. tsc and the bundler only (re)write their outputs.
      execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json')], { cwd: repoRoot, stdio: 'inherit', timeout: 120_000 });
      execFileSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs')], { cwd: repoRoot, stdio: 'inherit', timeout: 120_000 });
    }
    spire = await SpireHarness.start();
    env = { ...process.env, SPIFFE_ENDPOINT_SOCKET: spire.address };
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it('spiffe health --json without an entry: unhealthy, reason not-registered (exit 1)', async () => {
    const r = await node([cli, 'health', '--json', '--timeout', '5s'], env);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as HealthJson;
    expect(out).toMatchObject({ status: 'unhealthy', healthy: false, reason: 'not-registered', address: spire.address });
    expect(out.error).toMatchObject({ code: 'ERR_NOT_REGISTERED', grpcStatus: 'PERMISSION_DENIED' });
    // Without --json: one line on stderr naming the reason.
    const plain = await node([cli, 'health'], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^unhealthy \(not-registered\): /);
  });

  it('spiffe health --json with the entries: healthy (exit 0), and the checks that must fail do', async () => {
    await spire.createEntry({ spiffeId: ID_ORDERS, hint: 'orders' });
    await spire.createEntry({ spiffeId: ID_FRONTEND, hint: 'frontend' });
    // --wait: retries not-registered until the entries reach the agent (about 2 s).
    const t0 = Date.now();
    const r = await node([cli, 'health', '--json', '--wait', '--timeout', '30s', '--id', ID_ORDERS, '--bundle', TRUST_DOMAIN, '--jwt-audience', 'probe'], env, 40_000);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout) as HealthJson;
    expect(out).toMatchObject({ status: 'healthy', healthy: true, svid: { spiffeId: ID_ORDERS }, jwtSvid: { spiffeId: ID_ORDERS } });
    // --wait ends once ID_ORDERS is served; the frontend entry may reach the agent in a later sync.
    expect(out.svids).toContain(ID_ORDERS);
    expect(out.bundles).toContain(TRUST_DOMAIN);
    expect(out.svid!.expiresInSeconds).toBeGreaterThan(3000); // default X.509 TTL: 1 h
    expect(r.stdout).not.toMatch(/eyJ/); // never the token
    console.log(`spiffe health --wait healthy ${Date.now() - t0} ms after the entries were created`);

    const byHint = await waitFor(
      'both SVIDs at the agent (spiffe health --hint frontend)',
      async () => {
        const h = await node([cli, 'health', '--json', '--hint', 'frontend'], env);
        return h.code === 0 ? h : undefined;
      },
      30_000,
      250,
    );
    expect(JSON.parse(byHint.stdout)).toMatchObject({ healthy: true, svid: { spiffeId: ID_FRONTEND } });
    expect((JSON.parse(byHint.stdout) as HealthJson).svids).toEqual(expect.arrayContaining([ID_ORDERS, ID_FRONTEND]));

    const wrongId = await node([cli, 'health', '--json', '--id', `spiffe://${TRUST_DOMAIN}/ns/demo/sa/nobody`], env);
    expect(wrongId.code).toBe(1);
    expect(JSON.parse(wrongId.stdout)).toMatchObject({ healthy: false, reason: 'wrong-identity' });

    const expiring = await node([cli, 'health', '--json', '--id', ID_ORDERS, '--min-ttl', '2h'], env);
    expect(expiring.code).toBe(1);
    expect(JSON.parse(expiring.stdout)).toMatchObject({ healthy: false, reason: 'expiring' });

    const missingBundle = await node([cli, 'health', '--json', '--bundle', 'other.test'], env);
    expect(missingBundle.code).toBe(1);
    expect(JSON.parse(missingBundle.stdout)).toMatchObject({ healthy: false, reason: 'missing-bundle' });
  });

  it('spiffe jwt --write: the token file holds a JWT-SVID that the agent validates (ValidateJWTSVID); spiffe jwks prints the key that verifies it', async () => {
    const file = join(spire.dir, 'aws-token');
    const r = await node([cli, 'jwt', '--audience', 'sts.amazonaws.com', '--id', ID_ORDERS, '--write', file, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'written', file, spiffeId: ID_ORDERS, audience: ['sts.amazonaws.com'] });
    const token = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const client = new WorkloadApiClient({ address: spire.address });
    try {
      expect((await client.validateJwtSvid(token, 'sts.amazonaws.com')).id.toString()).toBe(ID_ORDERS);
      await expect(client.validateJwtSvid(token, 'vault')).rejects.toMatchObject({ code: 'ERR_TOKEN_REJECTED' });
    } finally {
      client.close();
    }
    // spiffe jwks: the agent's JWT bundle as a JWKS; the token verifies with one of its keys.
    const jwks = await node([cli, 'jwks'], env);
    expect(jwks.code, jwks.stderr).toBe(0);
    const { keys } = JSON.parse(jwks.stdout) as { keys: (JWK & { kid: string })[] };
    const kid = (decodeProtectedHeader(token) as { kid: string }).kid;
    const key = keys.find((k) => k.kid === kid);
    expect(key, `kid ${kid} in ${jwks.stdout}`).toBeDefined();
    const { payload } = await jwtVerify(token, await importJWK(key as JWK, key?.alg ?? 'ES256'), { audience: 'sts.amazonaws.com' });
    expect(payload.sub).toBe(ID_ORDERS);
  });

  it('checkHealth and healthHandler over HTTP follow the real agent: ready, still ready with warnings while it is down (stale), ready again', async () => {
    const x509 = await X509Source.create({ address: spire.address, timeoutMs: 30_000, picker: { id: ID_ORDERS } });
    cleanup.push(() => x509.close());
    const jwt = await JwtSource.create({ address: spire.address, timeoutMs: 30_000 });
    cleanup.push(() => jwt.close());

    const report = checkHealth([x509, jwt], { minSvidTtlSeconds: 60 });
    expect(report, report.problems.join('; ')).toMatchObject({ live: true, ready: true, problems: [] });
    expect(report.sources[0]).toMatchObject({ spiffeId: ID_ORDERS, state: 'ready' });
    // The entry's SVID lives 1 h: asking for more fails readiness, not liveness.
    const tooLong = checkHealth([x509], { minSvidTtlSeconds: 2 * 3600 });
    expect(tooLong).toMatchObject({ live: true, ready: false });
    expect(tooLong.problems.join()).toMatch(/expires in/);

    const probes = healthHandler([x509, jwt], { minSvidTtlSeconds: 60 });
    const server = http.createServer((req, res) => {
      if (!probes(req, res)) res.writeHead(404).end(); // the handler writes nothing for paths it does not own
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;

    const ready = await getJson(port, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.sources.map((s) => s.spiffeId)).toContain(ID_ORDERS);
    expect((await getJson(port, '/healthz')).status).toBe(200);
    expect((await getJson(port, '/nope')).status).toBe(404);

    // The agent goes away: the sources go stale. Still live and ready: the X509Source serves its
    // valid SVID, the JwtSource validates with its last bundles; /readyz stays 200 (an agent
    // restart must not take the node's workloads out of service) and warns.
    await spire.killAgent();
    await waitFor('the sources to go stale', () => x509.state === 'stale' && jwt.state === 'stale', 30_000, 20);
    expect(checkHealth([x509])).toMatchObject({ live: true, ready: true });
    expect(checkHealth([jwt])).toMatchObject({ live: true, ready: true });
    const down = await getJson(port, '/readyz');
    expect(down.status).toBe(200);
    expect(down.body.problems).toEqual([]);
    expect(down.body.warnings).toHaveLength(2);
    expect(down.body.warnings.join('; ')).toMatch(/stale, serving its last state \(last error ERR_AGENT_UNREACHABLE/);
    expect(down.body.sources.map((s) => s.state)).toEqual(['stale', 'stale']);
    console.log(`/readyz while the agent is down: ${JSON.stringify(down.body.warnings)}`);
    expect((await getJson(port, '/healthz')).status).toBe(200);
    const cliDown = await node([cli, 'health', '--json'], env);
    expect(cliDown.code).toBe(1);
    expect(JSON.parse(cliDown.stdout)).toMatchObject({ healthy: false, reason: 'agent-unreachable' });

    await spire.startAgent();
    await waitFor('the sources to be ready again', () => x509.state === 'ready' && jwt.state === 'ready', 30_000, 50);
    const up = await getJson(port, '/readyz');
    expect(up.status).toBe(200);
    expect(up.body.warnings).toEqual([]);
    expect(checkHealth([x509, jwt]).ready).toBe(true);
  });

  it('the demo runs against the real agent (SPIFFE_ENDPOINT_SOCKET): two services, mTLS, 0 failed requests', async () => {
    const r = await node([join(repoRoot, 'examples', 'demo.mjs')], env, 60_000);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`Workload API: external, SPIFFE_ENDPOINT_SOCKET=${spire.address}`);
    expect(r.stdout).toMatch(/X\.509-SVID {2}spiffe:\/\/example\.org\/ns\/demo\/sa\/(orders|frontend)/);
    expect(r.stdout).toMatch(/validated {3}locally against the JWT bundle/);
    // Two SVIDs: two services, each admitting only the other.
    expect(r.stdout).toMatch(/orders {6}spiffe:\/\/example\.org\/ns\/demo\/sa\/\w+ on https :\d+ and gRPC :\d+, admits only spiffe:\/\/example\.org\/ns\/demo\/sa\/\w+/);
    expect(r.stdout).not.toContain('one SVID available');
    expect(r.stdout).toMatch(/mTLS {8}[1-9]\d* requests .*, 0 failed/);
    expect(r.stdout).toMatch(/health {6}live=true ready=true/);
    expect(r.stdout).toMatch(/done\n?$/);
  });
});
