// The package as npm publishes it: a copy of the source tree as a fresh clone has it (the files git
// tracks, no dist/), packed with `npm pack` (whose `prepack` script builds), unpacked into
// node_modules of a scratch app (its dependencies linked from this checkout), then used from ESM,
// CommonJS, TypeScript (node10 and nodenext resolution) and the `spiffe` command, against a
// Workload API on a real unix socket. Proves that a clean tree packs the bundles and declarations,
// that `files` holds everything the bundled entry points need, that every entry point has types
// under every module resolution, and that the entry points share one copy of each class.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEntryServer } from './helpers/fake-entry-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string>; bin: Record<string, string> };
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(args: string[], cwd: string, timeout = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1, stdout, stderr });
    });
  });
}

/** Copies what a fresh clone holds (tracked and not-ignored files, so no dist/) into `to`, with this checkout's node_modules. */
function copyCleanTree(to: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  for (const file of listed.split('\0')) {
    if (file === '' || file === 'node_modules' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(root, file), join(to, file), { dereference: false });
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(to, 'node_modules'));
}

// A TypeScript consumer of the three entry points' types; compiled per module setting below, then run.
const consumer = `
import { SpiffeId, X509Source, type X509Svid } from 'spiffe-kit';
import { TestWorkloadApi, type TestWorkloadApiOptions } from 'spiffe-kit/testing';
import { defineEntries, unix, type Registration } from 'spiffe-kit/registrar';

async function main(): Promise<void> {
  const options: TestWorkloadApiOptions = { trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] };
  const api = await TestWorkloadApi.start(options);
  const source = await X509Source.create({ address: api.address, timeoutMs: 10_000 });
  const svid: X509Svid = source.getX509Svid();
  const id: SpiffeId = svid.id;
  const manifest: Registration = defineEntries({ trustDomain: 'example.org', entries: [{ spiffeId: id.toString(), parentId: 'spiffe://example.org/agent', selectors: [unix.uid(1000)] }] });
  console.log(JSON.stringify({ id: id.toString(), entries: manifest.entries.length }));
  await source.close();
  await api.stop();
}
void main();
`;
function linkModules(modules: string, deps: readonly string[]): void {
  for (const dep of deps) {
    if (dep.startsWith('@')) mkdirSync(join(modules, dep.split('/')[0] as string), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
  }
}

describe('the packed package (npm pack), installed in a scratch app', () => {
  let dir: string;
  let app: string;
  let bare: string;
  let files: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-pack-'));
    const clone = join(dir, 'clone');
    copyCleanTree(clone);
    expect(existsSync(join(clone, 'dist')), 'the copied tree must have no dist/').toBe(false);
    // `prepack` builds; its output comes first on stdout, the JSON report last.
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 170_000 });
    const [info] = JSON.parse(out.slice(out.search(/^\[/m))) as [{ filename: string; files: { path: string }[] }];
    files = info.files.map((f) => f.path);
    app = join(dir, 'app');
    const modules = join(app, 'node_modules');
    mkdirSync(modules, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, info.filename), '-C', dir]);
    execFileSync('mv', [join(dir, 'package'), join(modules, 'spiffe-kit')]);
    // The full app has the optional peers too (`spiffe-kit/testing` and `spiffe-kit/grpc` need them).
    linkModules(modules, [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), '@types/node']);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // The bare app has a copy of the package (not a link: Node resolves a package's imports from its
    // real path) and its dependencies only, as `npm install spiffe-kit` without peers leaves it.
    bare = join(dir, 'bare');
    mkdirSync(join(bare, 'node_modules'), { recursive: true });
    cpSync(join(modules, 'spiffe-kit'), join(bare, 'node_modules', 'spiffe-kit'), { recursive: true });
    linkModules(join(bare, 'node_modules'), [...Object.keys(pkg.dependencies), '@types/node']);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true, type: 'module' }));
  }, 180_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('packed from a clean tree (no dist/): ships the bundled entry points and the type declarations, not the per-file build or sources', () => {
    for (const f of ['dist/bundled/index.js', 'dist/bundled/testing.js', 'dist/bundled/grpc.js', 'dist/grpc/index.d.ts', 'dist/bundled/registrar.js', 'dist/bundled/otel.js', 'dist/otel/index.d.ts', 'dist/bundled/cli.js', 'dist/index.d.ts', 'dist/testing/index.d.ts', 'dist/registrar/index.d.ts', 'dist/spiffeid/spiffe-id.d.ts', 'proto/workload.proto', 'schema/registrar-manifest.schema.json', 'LICENSE', 'README.md']) {
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

  // TypeScript's node10 resolution (`module: commonjs`, TypeScript 5's default for CommonJS
  // projects; deprecated in TypeScript 6, hence ignoreDeprecations) ignores `exports`: the subpaths
  // resolve through `typesVersions`. The compiled CommonJS then runs on Node (require of ESM).
  it('TypeScript with module commonjs + moduleResolution node10: the three entry points have types, and the output runs', { timeout: 90_000 }, async () => {
    const ts = join(app, 'ts-node10');
    mkdirSync(ts);
    writeFileSync(join(ts, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    writeFileSync(join(ts, 'main.ts'), consumer);
    writeFileSync(join(ts, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0', target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, skipLibCheck: true, outDir: 'out', rootDir: '.' }, files: ['main.ts'] }));
    const built = await run([tsc, '-p', 'tsconfig.json'], ts, 60_000);
    expect(built.stdout + built.stderr, 'tsc').toBe('');
    expect(built.code).toBe(0);
    expect(readFileSync(join(ts, 'out', 'main.js'), 'utf8')).toContain('require("spiffe-kit/testing")');
    const r = await run(['--no-warnings', join(ts, 'out', 'main.js')], ts);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'spiffe://example.org/web', entries: 1 });
  });

  // skipLibCheck off checks spiffe-kit's declarations too.
  it('TypeScript with module nodenext, from ESM (.mts) and from CommonJS (.cts, require of ESM): types resolve, declarations check, the output runs', { timeout: 90_000 }, async () => {
    const ts = join(app, 'ts-nodenext');
    mkdirSync(ts);
    writeFileSync(join(ts, 'esm.mts'), consumer);
    writeFileSync(join(ts, 'cjs.cts'), consumer);
    writeFileSync(join(ts, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', lib: ['ES2023', 'DOM'], types: ['node'], strict: true, skipLibCheck: false, outDir: 'out', rootDir: '.' }, files: ['esm.mts', 'cjs.cts'] }));
    const built = await run([tsc, '-p', 'tsconfig.json'], ts, 60_000);
    expect(built.stdout + built.stderr, 'tsc').toBe('');
    expect(built.code).toBe(0);
    for (const out of ['esm.mjs', 'cjs.cjs']) {
      const r = await run(['--no-warnings', join(ts, 'out', out)], ts);
      expect(r.code, `${out}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ id: 'spiffe://example.org/web', entries: 1 });
    }
  });

  // Installed without the optional peers (@grpc/grpc-js, @peculiar/x509, @opentelemetry/api):
  // the main entry, its types and the `spiffe` command work; the entry points that need a peer
  // say which one. The Workload API it talks to runs in another process, from the full app.
  describe('without the optional peer dependencies', () => {
    let agent: ReturnType<typeof spawn> | undefined;
    let address: string;

    beforeAll(async () => {
      writeFileSync(
        join(app, 'agent.mjs'),
        `
        import { TestWorkloadApi } from 'spiffe-kit/testing';
        const api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
        console.log(api.address);
        process.stdin.on('end', () => void api.stop().then(() => process.exit(0)));
        process.stdin.resume();
        `,
      );
      const child = spawn(process.execPath, ['agent.mjs'], { cwd: app, stdio: ['pipe', 'pipe', 'inherit'] });
      agent = child;
      address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`the agent exited with ${String(code)}`)));
      });
    }, 60_000);

    afterAll(async () => {
      if (agent?.exitCode === null) {
        const exited = new Promise((resolve) => agent?.once('exit', resolve));
        agent.stdin?.end();
        await exited;
      }
    });

    it('the peers are not installed there', async () => {
      writeFileSync(join(bare, 'resolve.mjs'), `for (const p of ['@grpc/grpc-js', '@peculiar/x509', '@opentelemetry/api', '@grpc/proto-loader']) { try { import.meta.resolve(p); console.log(p, 'found'); } catch { console.log(p, 'missing'); } }`);
      const r = await run(['resolve.mjs'], bare);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(['@grpc/grpc-js missing', '@peculiar/x509 missing', '@opentelemetry/api missing', '@grpc/proto-loader missing']);
    });

    it('spiffe-kit: an X509Source gets its SVID and serves and calls mTLS (ESM), and loads from CommonJS', async () => {
      writeFileSync(
        join(bare, 'client.mjs'),
        `
        import https from 'node:https';
        import { X509Source, authorizeId, createHttpsServer, peerSpiffeId, spiffeHttpsAgent } from 'spiffe-kit';
        const source = await X509Source.create({ address: process.argv[2], timeoutMs: 10_000 });
        const web = authorizeId('spiffe://example.org/web');
        // mTLS on loopback: the server and the client both present the SVID and authorize each other.
        const server = createHttpsServer(source, web, (req, res) => res.end(String(peerSpiffeId(req))));
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        const agent = spiffeHttpsAgent(source, web);
        const body = await new Promise((resolve, reject) => {
          https.get({ host: '127.0.0.1', port: server.address().port, path: '/', agent }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve(text));
          }).on('error', reject);
        });
        console.log(JSON.stringify({ id: source.getX509Svid().id.toString(), serverSaw: body }));
        agent.destroy();
        server.close();
        await source.close();
        `,
      );
      const r = await run(['client.mjs', address], bare);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ id: 'spiffe://example.org/web', serverSaw: 'spiffe://example.org/web' });
      writeFileSync(join(bare, 'client.cjs'), `const { X509Source } = require('spiffe-kit'); X509Source.create({ address: process.argv[2], timeoutMs: 10_000 }).then(async (s) => { console.log(s.getX509Svid().id.toString()); await s.close(); });`);
      expect(await run(['--no-warnings', 'client.cjs', address], bare)).toMatchObject({ code: 0, stdout: 'spiffe://example.org/web\n' });
    });

    it('spiffe-kit: its declarations type-check (skipLibCheck off) with no peer types installed', { timeout: 90_000 }, async () => {
      const ts = join(bare, 'ts');
      mkdirSync(ts);
      writeFileSync(join(ts, 'main.mts'), `import { X509Source, type X509Svid } from 'spiffe-kit';\nconst source = await X509Source.create();\nconst svid: X509Svid = source.getX509Svid();\nconsole.log(svid.id.toString());\n`);
      writeFileSync(join(ts, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, skipLibCheck: false, noEmit: true }, files: ['main.mts'] }));
      const built = await run([tsc, '-p', 'tsconfig.json'], ts, 60_000);
      expect(built.stdout + built.stderr, 'tsc').toBe('');
      expect(built.code).toBe(0);
    });

    it('the `spiffe` command works; `spiffe dev-agent` names the peers it needs', async () => {
      const bin = join(bare, 'node_modules', 'spiffe-kit', pkg.bin['spiffe'] as string);
      const r = await run([bin, 'health', '--socket', address, '--timeout', '10s'], bare);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const dev = await run([bin, 'dev-agent', '--socket', join(dir, 'dev.sock'), '--id', 'spiffe://example.org/web'], bare);
      expect(dev.code).not.toBe(0);
      expect(dev.stderr).toContain('npm install @grpc/grpc-js');
    });

    it('spiffe-kit/grpc and spiffe-kit/testing import; the test CA works; grpc-js helpers and TestWorkloadApi name the missing peer (ERR_MISSING_PEER_DEPENDENCY); the registrar EntryApiClient needs no grpc-js', async () => {
      const entryApi = await FakeEntryServer.start();
      entryApi.seed({ id: 'bare-1', spiffeId: 'spiffe://example.org/w', parentId: 'spiffe://example.org/agent', selectors: [{ type: 'unix', value: 'uid:1' }] });
      writeFileSync(
        join(bare, 'peers.mjs'),
        `
        import { X509Source, authorizeAny } from 'spiffe-kit';
        import { grpcServerCredentials, MissingPeerDependencyError } from 'spiffe-kit/grpc';
        import { TestCa, TestWorkloadApi } from 'spiffe-kit/testing';
        import { EntryApiClient } from 'spiffe-kit/registrar';
        const describe = (err) => ({ missing: err instanceof MissingPeerDependencyError, code: err.code, packageName: err.packageName, message: err.message });
        const source = await X509Source.create({ address: process.argv[2], timeoutMs: 10_000 });
        const out = {};
        try { grpcServerCredentials(source, authorizeAny()); } catch (err) { out.grpc = describe(err); }
        // The test CA needs no peer: it mints with node:crypto.
        const ca = await TestCa.create({ trustDomain: 'example.org' });
        out.caIssued = (await ca.issueX509Svid({ id: 'spiffe://example.org/bare' })).id.toString();
        await TestWorkloadApi.start({ trustDomain: 'example.org' }).catch((err) => { out.api = describe(err); });
        const entries = new EntryApiClient({ address: process.argv[3] });
        out.registrar = (await entries.listEntries()).map((e) => e.id);
        entries.close();
        await source.close();
        console.log(JSON.stringify(out));
        `,
      );
      const r = await run(['peers.mjs', address, entryApi.address], bare).finally(() => entryApi.stop());
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out['grpc']).toEqual({ missing: true, code: 'ERR_MISSING_PEER_DEPENDENCY', packageName: '@grpc/grpc-js', message: expect.stringContaining('npm install @grpc/grpc-js') });
      expect(out['caIssued']).toBe('spiffe://example.org/bare');
      expect(out['api']).toEqual({ missing: true, code: 'ERR_MISSING_PEER_DEPENDENCY', packageName: '@grpc/grpc-js', message: expect.stringContaining('npm install @grpc/grpc-js') });
      expect(out['registrar']).toEqual(['bare-1']);
    });
  });
});
