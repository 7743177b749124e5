import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, healthHandler, X509Source } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import type { SourceHealth } from '../src/workloadapi/source-state.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

function get(server: Server, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(handler: ReturnType<typeof healthHandler>): Promise<Server> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) {
      if (!res.headersSent) res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return server;
}

const fake = (h: Partial<SourceHealth>) => ({
  health: (): SourceHealth => ({
    state: 'ready',
    ready: true,
    connected: true,
    address: 'unix:///x',
    lastUpdateAt: new Date(),
    lastUpdateAgeMs: 0,
    svidExpiresInSeconds: 3600,
    spiffeId: 'spiffe://example.org/web',
    bundleCount: 1,
    lastError: undefined,
    ...h,
  }),
});

describe('health', () => {
  it('answers /healthz and /readyz from a real source over HTTP, and 503 after close', async () => {
    const api = await TestWorkloadApi.start();
    cleanup.push(() => api.close());
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const server = await serve(healthHandler([source]));
    const ready = await get(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', sources: [{ state: 'ready', spiffeId: 'spiffe://example.org/workload' }] });
    expect((await get(server, '/healthz')).status).toBe(200);
    expect((await get(server, '/healthz', 'HEAD')).body).toBe('');
    expect((await get(server, '/other')).status).toBe(404);
    await source.close();
    const after = await get(server, '/readyz');
    expect(after.status).toBe(503);
    expect(JSON.parse(after.body).problems.join()).toMatch(/closed/);
    expect((await get(server, '/healthz')).status).toBe(503);
  });

  it('wired as the README shows, it answers its own paths and leaves every other path to the next handler', async () => {
    const api = await TestWorkloadApi.start();
    cleanup.push(() => api.close());
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const probes = healthHandler([source], { minSvidTtlSeconds: 300 });
    // The README snippet, verbatim: the fallback writes its own 404.
    const errors: unknown[] = [];
    const readme = createServer((req, res) => {
      try {
        if (!probes(req, res)) res.writeHead(404).end();
      } catch (err) {
        errors.push(err); // before the fix: ERR_HTTP_HEADERS_SENT, thrown out of the server's request handler
        if (!res.writableEnded) res.end();
      }
    });
    await new Promise<void>((r) => readme.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => readme.close(r)));
    expect((await get(readme, '/healthz')).status).toBe(200);
    expect((await get(readme, '/readyz')).status).toBe(200);
    const other = await get(readme, '/other');
    expect(errors).toEqual([]);
    expect(other).toEqual({ status: 404, body: '' }); // the fallback's answer, not the handler's
    expect((await get(readme, '/readyz')).status).toBe(200); // the server is still up

    // The TSDoc example: another handler (an app) answers every other path.
    const app = createServer((req, res) => {
      if (!probes(req, res)) res.writeHead(200, { 'content-type': 'text/plain' }).end(`app ${req.url}`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => app.close(r)));
    expect(await get(app, '/orders?id=1')).toEqual({ status: 200, body: 'app /orders?id=1' });
    expect(await get(app, '/healthzz')).toEqual({ status: 200, body: 'app /healthzz' });
    expect((await get(app, '/healthz?x=1')).status).toBe(200);
  });

  it('the README snippet, run as it is written in a process of its own, survives a request to another path', async () => {
    // The snippet as the README has it, with the package resolved to the build and the port made free.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const snippet = /```ts\n(import http from 'node:http';\nimport \{ X509Source, healthHandler \} from 'spiffe-kit';[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toContain('if (!probes(req, res)) res.writeHead(404).end();');
    const dist = (file: string): string => JSON.stringify(new URL(`../dist/bundled/${file}`, import.meta.url).pathname);
    const script = [
      `import { TestWorkloadApi } from ${dist('testing.js')};`,
      'const api = await TestWorkloadApi.start();',
      'process.env.SPIFFE_ENDPOINT_SOCKET = api.address;',
      (snippet as string)
        .replace("from 'spiffe-kit'", `from ${dist('index.js')}`)
        .replace('.listen(8081);', ".listen(0, '127.0.0.1', function () { console.log(`port ${this.address().port}`); });"),
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error(`the snippet exited: ${err}`)));
    });
    const server = { address: () => ({ port }) } as unknown as Server;
    expect((await get(server, '/healthz')).status).toBe(200);
    expect((await get(server, '/readyz')).status).toBe(200);
    expect(await get(server, '/other')).toEqual({ status: 404, body: '' });
    expect((await get(server, '/healthz')).status).toBe(200); // still up
    expect(err).toBe('');
    expect(child.exitCode).toBeNull();
  });

  it('fails readiness when the SVID is about to expire, and liveness once it expired', () => {
    expect(checkHealth([fake({ svidExpiresInSeconds: 10 })], { minSvidTtlSeconds: 30 })).toMatchObject({ live: true, ready: false });
    expect(checkHealth([fake({ svidExpiresInSeconds: -1, ready: false })])).toMatchObject({ live: false, ready: false });
    expect(checkHealth([fake({})])).toMatchObject({ live: true, ready: true, problems: [] });
  });

  it('fails closed: a throwing source and an empty list are unhealthy', async () => {
    const broken = {
      health(): SourceHealth {
        throw new Error('boom');
      },
    };
    expect(checkHealth([broken])).toMatchObject({ live: false, ready: false });
    expect(checkHealth([])).toMatchObject({ live: false, ready: false });
    const server = await serve(healthHandler([broken]));
    expect((await get(server, '/healthz')).status).toBe(503);
    expect((await get(server, '/readyz?verbose=1')).status).toBe(503);
  });

  it('fails closed on a reporter that answers something odd: async, a truthy non-boolean ready, an unknown state', async () => {
    const odd = [
      { health: async () => fake({}).health() }, // a Promise: was live before
      { health: () => null },
      fake({ state: 'up' as never }),
      fake({ ready: 'yes' as never }),
      fake({ ready: 1 as never }),
      fake({ svidExpiresInSeconds: Number.NaN }),
      fake({ svidExpiresInSeconds: '3600' as never }),
    ] as unknown as Array<{ health(): SourceHealth }>;
    for (const reporter of odd) {
      const report = checkHealth([reporter]);
      expect(report.ready).toBe(false);
      expect(report.problems.length).toBeGreaterThan(0);
    }
    // Those that say nothing readable about the source are not live either.
    for (const reporter of [odd[0]!, odd[1]!, odd[2]!, odd[5]!, odd[6]!]) expect(checkHealth([reporter]).live).toBe(false);
    const server = await serve(healthHandler([odd[0]!]));
    expect((await get(server, '/healthz')).status).toBe(503);
    expect((await get(server, '/readyz')).status).toBe(503);
  });

  it('a stale source that is not ready (nothing to serve) is live but reports why it is not ready', () => {
    const report = checkHealth([fake({ state: 'stale', ready: false, lastError: { code: 'ERR_AGENT_UNREACHABLE', message: 'down', at: new Date() } })]);
    expect(report.live).toBe(true);
    expect(report.ready).toBe(false);
    expect(report.problems[0]).toMatch(/ERR_AGENT_UNREACHABLE/);
    expect(report.warnings).toEqual([]);
  });

  it('a stale source that still serves its last state is ready, with a warning saying why it is stale', async () => {
    const source = fake({ state: 'stale', ready: true, lastError: { code: 'ERR_AGENT_UNREACHABLE', message: 'down', at: new Date() } });
    const report = checkHealth([source]);
    expect(report).toMatchObject({ live: true, ready: true, problems: [] });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/stale, serving its last state \(last error ERR_AGENT_UNREACHABLE: down\)/);
    const server = await serve(healthHandler([source]));
    const res = await get(server, '/readyz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', problems: [], warnings: [report.warnings[0]] });
  });
});
