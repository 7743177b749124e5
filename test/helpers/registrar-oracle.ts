/**
 * The upstream oracle of the registrar tests (`test/registrar-oracle`, Go): go-yaml v2 as
 * Kubernetes reads manifests (sigs.k8s.io/yaml), SPIRE's own DNS name check, Go's text/template with spire-controller-manager's
 * template data, apimachinery's label selector parsing, and SPIRE's Go types of the Entry API messages.
 *
 * The binary goes to the gitignored `.cache/registrar-oracle/`, named after a hash of the module's
 * sources, so an unchanged module is never rebuilt. The build uses the local toolchain and the
 * committed `go.sum` (`GOTOOLCHAIN=local GOFLAGS=-mod=readonly`, modules from the Go module proxy
 * on a fresh machine); when Go is missing or the build fails, {@link buildOracle} throws: the
 * tests fail, they never skip.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const moduleDir = join(root, 'test', 'registrar-oracle');
const outDir = join(root, '.cache', 'registrar-oracle');

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(moduleDir).filter((x) => x.endsWith('.go') || x === 'go.mod' || x === 'go.sum').sort()) {
    hash.update(`${f}\0`).update(readFileSync(join(moduleDir, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function run(file: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
      resolvePromise({ code, stdout, stderr: stderr + (err !== null && code === null ? `\n${err.message}` : '') });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

let built: Promise<string> | undefined;

/** Builds the oracle (or finds the binary built from the same sources); its path. */
export function buildOracle(): Promise<string> {
  built ??= (async () => {
    const path = join(outDir, `registrar-oracle-${sourceHash()}`);
    if (existsSync(path)) return path;
    mkdirSync(outDir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    const go = process.env['GO'] ?? 'go';
    const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false', CGO_ENABLED: '0' };
    const r = await run(go, ['build', '-trimpath', '-o', tmp, '.'], { cwd: moduleDir, env, timeoutMs: 600_000 });
    if (r.code !== 0) {
      rmSync(tmp, { force: true });
      const missing = /ENOENT/.test(r.stderr) ? ` ('${go}' not found: these tests need Go >= 1.26 on PATH, or GO=/path/to/go)` : '';
      throw new Error(`building the registrar oracle failed${missing} (exit ${String(r.code)}):\n${r.stdout}${r.stderr}`);
    }
    renameSync(tmp, path);
    for (const f of readdirSync(outDir)) if (f.startsWith('registrar-oracle-') && join(outDir, f) !== path && !f.includes('.tmp-')) rmSync(join(outDir, f), { force: true });
    return path;
  })();
  return built;
}

/** Runs one oracle command; its JSON output. */
export async function oracle<T>(command: 'yaml' | 'template' | 'labels' | 'dns' | 'entry-proto', args: readonly string[], input?: unknown): Promise<T> {
  const bin = await buildOracle();
  const r = await run(bin, [command, ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input: JSON.stringify(input) }) });
  if (r.code !== 0) throw new Error(`registrar oracle ${command} failed (exit ${String(r.code)}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** One scalar of a YAML document as go-yaml v2 read it. */
export interface OracleScalar {
  readonly path: string;
  readonly role: 'key' | 'value';
  readonly kind: string;
  readonly value: string;
}

/** A YAML file as go-yaml v2 read it. */
export interface OracleYamlFile {
  readonly file: string;
  readonly docs: OracleScalar[][];
  readonly error?: string;
}
