// The package as npm publishes it: `npm pack`, unpacked into node_modules of a scratch app (its
// dependencies linked from this checkout), then used from ESM, CommonJS and the `spiffe` command,
// against a Workload API on a real unix socket. Proves that `files` holds everything the bundled
// entry points need and that the entry points share one copy of each class.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: Record<string, string> };

function run(args: string[], cwd: string, timeout = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1, stdout, stderr });
    });
  });
}

describe('the packed package (npm pack), installed in a scratch app', () => {
  let dir: string;
  let app: string;
  let files: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-pack-'));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 });
    const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
    files = info.files.map((f) => f.path);
    app = join(dir, 'app');
    const modules = join(app, 'node_modules');
    mkdirSync(modules, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, info.filename), '-C', dir]);
    execFileSync('mv', [join(dir, 'package'), join(modules, 'spiffe-kit')]);
    for (const dep of Object.keys(pkg.dependencies)) {
      if (dep.startsWith('@')) mkdirSync(join(modules, dep.split('/')[0] as string), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  }, 180_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the bundled entry points and the type declarations, not the per-file build or sources', () => {
    for (const f of ['dist/bundled/index.js', 'dist/bundled/testing.js', 'dist/bundled/registrar.js', 'dist/bundled/otel.js', 'dist/otel/index.d.ts', 'dist/bundled/cli.js', 'dist/index.d.ts', 'dist/testing/index.d.ts', 'dist/registrar/index.d.ts', 'proto/workload.proto', 'schema/registrar-manifest.schema.json', 'LICENSE', 'README.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !f.startsWith('dist/bundled/'))).toEqual([]);
    expect(readdirSync(join(app, 'node_modules', 'spiffe-kit', 'dist', 'bundled')).length).toBeGreaterThan(4);
  });

  it('works from ESM: an X509Source on the test Workload API, one SpiffeId class across entry points, the registrar', async () => {
    writeFileSync(
      join(app, 'esm.mjs'),
      `
      import { SpiffeId, X509Source, SpiffeError } from 'spiffe-kit';
      import { TestWorkloadApi } from 'spiffe-kit/testing';
      import { defineEntries, render, unix } from 'spiffe-kit/registrar';
      const api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
      const source = await X509Source.create({ address: api.address, timeoutMs: 10_000 });
      const id = source.getX509Svid().id;
      const registration = defineEntries({ trustDomain: 'example.org', entries: [{ name: 'web', spiffeId: 'spiffe://example.org/web', parentId: 'spiffe://example.org/agent', selectors: [unix.uid(1000)] }] });
      let err;
      try { SpiffeId.parse('https://nope'); } catch (e) { err = e; }
      console.log(JSON.stringify({ id: id.toString(), sameClass: id instanceof SpiffeId, errorClass: err instanceof SpiffeError, name: err.name, sourceClass: X509Source.name, code: err.code, entries: registration.entries.length, rendered: render(registration, 'cmd').files[0].content.includes('spiffe://example.org/web') }));
      await source.close();
      await api.stop();
      `,
    );
    const r = await run(['esm.mjs'], app);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'spiffe://example.org/web', sameClass: true, errorClass: true, name: 'SpiffeIdError', sourceClass: 'X509Source', code: 'ERR_SPIFFEID_SCHEME', entries: 1, rendered: true });
  });

  it('works from CommonJS (require of ESM) and as the `spiffe` command', async () => {
    writeFileSync(join(app, 'cjs.cjs'), `const kit = require('spiffe-kit'); console.log(kit.TrustDomain.parse('example.org').idString());`);
    const cjs = await run(['--no-warnings', 'cjs.cjs'], app);
    expect(cjs).toMatchObject({ code: 0, stdout: 'spiffe://example.org\n' });
    const bin = join(app, 'node_modules', 'spiffe-kit', pkg.bin['spiffe'] as string);
    expect(await run([bin, '--version'], app)).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const down = await run([bin, 'health', '--socket', `unix://${join(dir, 'none.sock')}`, '--timeout', '2s'], app);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^unhealthy \(agent-unreachable\)/);
  });
});
