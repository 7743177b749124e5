/**
 * The Go side of the differential certificate tests: builds `test/interop/go-x509-oracle` (Go's
 * crypto/x509 and go-spiffe's x509svid.Verify) into the gitignored `.cache/interop/`, named after a
 * hash of its sources so an unchanged module is built once, and runs it over a batch of cases.
 * The build uses the local toolchain, the committed go.sum and the Go module proxy
 * (`GOTOOLCHAIN=local GOFLAGS=-mod=readonly`); when Go is missing or the build fails, it throws:
 * the test fails, it never skips.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const moduleDir = join(root, 'test', 'interop', 'go-x509-oracle');
const PREFIX = 'go-x509-oracle-';

/** One case: the chain (leaf first) and bundle as DER, the trust domain and the verification time. */
export interface OracleCase {
  readonly chain: readonly Buffer[];
  readonly bundle: readonly Buffer[];
  readonly td: string;
  readonly now: number;
}

/** What Go made of a case: '' for success, else the error text. */
export interface OracleVerdict {
  readonly parse: string[];
  readonly bundleParse: string[];
  readonly verify: string;
  readonly id: string;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(moduleDir).filter((n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum').sort()) {
    hash.update(`${f}\0`).update(readFileSync(join(moduleDir, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds the oracle (or finds it built from the same sources); returns the binary's path. */
export async function buildGoOracle(): Promise<string> {
  const outDir = join(root, '.cache', 'interop');
  const path = join(outDir, `${PREFIX}${sourceHash()}`);
  if (existsSync(path)) return path;
  mkdirSync(outDir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const go = process.env['GO'] ?? 'go';
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false', CGO_ENABLED: '0' };
  const result = await new Promise<{ code: number | null; output: string }>((done) => {
    execFile(go, ['build', '-trimpath', '-o', tmp, '.'], { cwd: moduleDir, env, timeout: 600_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
      done({ code, output: `${stdout}${stderr}${err !== null && code === null ? err.message : ''}` });
    });
  });
  if (result.code !== 0) {
    rmSync(tmp, { force: true });
    const missing = /ENOENT/.test(result.output) ? ` ('${go}' not found: this test needs Go >= 1.24 on PATH, or GO=/path/to/go)` : '';
    throw new Error(`building the Go x509 oracle failed${missing} (exit ${String(result.code)}):\n${result.output}`);
  }
  renameSync(tmp, path);
  for (const f of readdirSync(outDir)) {
    if (f.startsWith(PREFIX) && join(outDir, f) !== path && !f.includes('.tmp-')) rmSync(join(outDir, f), { force: true });
  }
  return path;
}

/** Runs the oracle over `cases` in one process; verdicts in the same order. */
export function runGoOracle(binary: string, cases: readonly OracleCase[], timeoutMs = 60_000): Promise<OracleVerdict[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GODEBUG: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Go x509 oracle did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`the Go x509 oracle exited with ${String(code)}: ${Buffer.concat(err).toString()}`));
        return;
      }
      const lines = Buffer.concat(out).toString('utf8').split('\n').filter((l) => l !== '');
      if (lines.length !== cases.length) {
        reject(new Error(`the Go x509 oracle answered ${lines.length} of ${cases.length} cases`));
        return;
      }
      resolvePromise(lines.map((l) => JSON.parse(l) as OracleVerdict));
    });
    const input = cases
      .map((c) => JSON.stringify({ chain: c.chain.map((d) => d.toString('base64')), bundle: c.bundle.map((d) => d.toString('base64')), td: c.td, now: c.now }))
      .join('\n');
    child.stdin.end(`${input}\n`);
  });
}
