/**
 * go-spiffe's side of the interop tests: builds the Go peer of `test/interop/go` and runs it.
 *
 * The binary goes to the gitignored `.cache/interop/`, named after a hash of the module's sources
 * (`*.go`, `go.mod`, `go.sum`), so an unchanged module is never rebuilt. The build uses only the
 * local toolchain and the committed `go.sum` (`GOTOOLCHAIN=local GOFLAGS=-mod=readonly`); when Go
 * is missing or the build fails, {@link buildGoPeer} throws: the suite fails, it never skips.
 *
 * Every process started here is tracked; {@link stopGoPeers} (and a `process.on('exit')` safety
 * net) kills them. Servers also exit on their own when their stdin closes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built peer. */
export interface GoPeerBuild {
  /** Absolute path of the binary. */
  readonly path: string;
  /** False when a binary built from the same sources was reused. */
  readonly built: boolean;
  /** Time spent building (or finding) the binary, in ms. */
  readonly ms: number;
}

/** The result of a one-shot peer command. */
export interface GoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sourceHash(moduleDir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(moduleDir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort();
  if (!files.includes('go.mod') || !files.includes('go.sum')) throw new Error(`${moduleDir} must hold go.mod and go.sum`);
  for (const f of files) {
    hash.update(`${f}\0`);
    hash.update(readFileSync(join(moduleDir, f)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function exec(file: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; track?: boolean }): Promise<GoRun> {
  return new Promise((resolvePromise) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
      resolvePromise({ code, stdout, stderr: stderr + (err !== null && code === null ? `\n${err.message}` : '') });
    });
    if (opts.track === true) track(child);
  });
}

/**
 * Builds the Go peer (or reuses the binary built from the same sources). Throws when Go is missing
 * or the build fails.
 */
export async function buildGoPeer(root: string = defaultRoot): Promise<GoPeerBuild> {
  const t0 = performance.now();
  const moduleDir = join(root, 'test', 'interop', 'go');
  const outDir = join(root, '.cache', 'interop');
  const path = join(outDir, `spiffe-interop-peer-${sourceHash(moduleDir)}`);
  if (existsSync(path)) return { path, built: false, ms: performance.now() - t0 };
  mkdirSync(outDir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const go = process.env['GO'] ?? 'go';
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false', CGO_ENABLED: '0' };
  const r = await exec(go, ['build', '-trimpath', '-o', tmp, '.'], { cwd: moduleDir, env, timeoutMs: 600_000 });
  if (r.code !== 0) {
    rmSync(tmp, { force: true });
    const missing = /ENOENT/.test(r.stderr) ? ` ('${go}' not found: the interop tests need Go >= 1.24 on PATH, or GO=/path/to/go)` : '';
    throw new Error(`building the go-spiffe peer failed${missing} (exit ${String(r.code)}):\n${r.stdout}${r.stderr}`);
  }
  renameSync(tmp, path);
  // Binaries of older sources are of no further use.
  for (const f of readdirSync(outDir)) {
    if (f.startsWith('spiffe-interop-peer-') && join(outDir, f) !== path && !f.includes('.tmp-')) rmSync(join(outDir, f), { force: true });
  }
  return { path, built: true, ms: performance.now() - t0 };
}

// ---- running the peer ------------------------------------------------------------------------------

const live = new Set<ChildProcess>();
/** Every peer process started (one-shot commands and servers): pid -> its arguments. */
const spawned = new Map<number, string>();
let netInstalled = false;

function track(child: ChildProcess): void {
  installSafetyNet();
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  if (child.pid !== undefined) spawned.set(child.pid, child.spawnargs.slice(1).join(' '));
}

/** A peer process started here that is still running (not a zombie). */
export interface GoPeerLeftover {
  readonly pid: number;
  readonly what: string;
}

/**
 * The peer processes started by this test process that are still running. A pid reused by an
 * unrelated process is not counted (its command line must still name the peer binary).
 */
export function goPeerLeftovers(): GoPeerLeftover[] {
  const out: GoPeerLeftover[] = [];
  for (const [pid, what] of spawned) {
    let alive = false;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      alive = state !== 'Z' && state !== 'X' && cmdline.includes('spiffe-interop-peer-');
    } catch {
      alive = false;
    }
    if (alive) out.push({ pid, what });
    else spawned.delete(pid);
  }
  return out;
}

/**
 * Throws (after killing them) when peer processes started by this test process are still running
 * after `graceMs`. Call it in `afterAll`, after {@link stopGoPeers}.
 */
export async function assertNoGoPeerLeftovers(graceMs = 2_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = goPeerLeftovers();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = goPeerLeftovers();
  }
  if (left.length === 0) return;
  for (const l of left) {
    try {
      process.kill(l.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`go-spiffe peer processes left behind: ${left.map((l) => `pid ${l.pid} (${l.what})`).join('; ')}`);
}

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

/** A running `server` subcommand. */
export interface GoServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** The SPIFFE ID the Go server presents (from its own X509Source). */
  readonly id: string;
  /** What the server wrote to stderr so far (crypto/tls handshake errors are logged there). */
  stderr(): string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** The Go peer bound to one Workload API address. */
export class GoPeer {
  readonly path: string;
  readonly #env: NodeJS.ProcessEnv;

  /** `address` is the Workload API address (`unix:///…/api.sock`), passed as `SPIFFE_ENDPOINT_SOCKET`. */
  constructor(path: string, address: string) {
    this.path = path;
    this.#env = { ...process.env, SPIFFE_ENDPOINT_SOCKET: address };
    installSafetyNet();
  }

  /** Runs a one-shot subcommand (`client`, `jwt-fetch`, `jwt-validate`, `bench-*`). */
  run(args: readonly string[], timeoutMs = 90_000): Promise<GoRun> {
    return exec(this.path, args, { env: this.#env, timeoutMs, track: true });
  }

  /** Starts `server --expect <id> [--hint <hint>]` and waits for the line with its URL. */
  async server(expect: string, hint?: string, timeoutMs = 60_000): Promise<GoServer> {
    const args = ['server', '--expect', expect, ...(hint === undefined ? [] : ['--hint', hint])];
    const child = spawn(this.path, args, { env: this.#env, stdio: ['pipe', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<void>((r) =>
      child.once('exit', () => {
        live.delete(child);
        r();
      }),
    );
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    };
    try {
      const line = await new Promise<string>((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`Go server printed no address within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const onData = () => {
          const nl = stdout.indexOf('\n');
          if (nl >= 0) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolveLine(stdout.slice(0, nl));
          }
        };
        child.stdout.on('data', onData);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`Go server exited (${String(code ?? signal)}) before printing its address; stderr: ${stderr}`));
        });
      });
      const { url, id } = JSON.parse(line) as { url: string; id: string };
      return { url, id, stderr: () => stderr, stop };
    } catch (err) {
      await stop();
      throw err;
    }
  }
}

/** Kills every peer process still running. */
export async function stopGoPeers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGKILL');
        }),
    ),
  );
  live.clear();
}
