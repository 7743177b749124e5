/**
 * A real SPIRE server + agent for end-to-end tests, started in a temporary folder on loopback.
 *
 * The binaries come from `scripts/install-spire.sh` (`.cache/spire/<version>/bin`, or
 * `SPIRE_BIN_DIR`). When they are missing, {@link SpireHarness.start} throws: the suite fails,
 * it never skips.
 *
 * Every process started here is killed by {@link SpireHarness.stop} (which then checks that they
 * are gone), by a `process.on('exit')` / SIGINT / SIGTERM safety net if a test run ends without
 * calling it, and by a small watchdog per process if the test process itself is killed
 * (SIGKILL, e.g. a worker torn down after a timeout). {@link spireLeftovers} lists what is still
 * running; {@link assertNoSpireLeftovers} fails a test file's `afterAll` when anything is.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPIRE_VERSION = process.env['SPIRE_VERSION'] ?? 'v1.15.3';
export const TRUST_DOMAIN = 'example.org';
/** The agent's alias ID (created by `token generate -spiffeID`), parent of every workload entry. */
export const AGENT_ID = `spiffe://${TRUST_DOMAIN}/test-agent`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the SPIRE binaries are expected. */
export function spireBinDir(): string {
  return process.env['SPIRE_BIN_DIR'] ?? join(repoRoot, '.cache', 'spire', SPIRE_VERSION, 'bin');
}

/** The binaries' paths; throws a clear error when they are missing (the suite must fail, not skip). */
export function spireBinaries(): { server: string; agent: string } {
  const dir = spireBinDir();
  const server = join(dir, 'spire-server');
  const agent = join(dir, 'spire-agent');
  const missing = [server, agent].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`SPIRE ${SPIRE_VERSION} binaries missing: ${missing.join(', ')}. Build them with \`bash scripts/install-spire.sh\` (needs Go >= 1.26.6 and gcc).`);
  }
  return { server, agent };
}

/** Options of {@link SpireHarness.createEntry}. */
export interface EntryOptions {
  spiffeId: string;
  hint?: string;
  /** X.509-SVID TTL in seconds. */
  x509SvidTtl?: number;
  /** JWT-SVID TTL in seconds. */
  jwtSvidTtl?: number;
  /** Selectors as `type:value` (default: `unix:uid:<this process's uid>`). */
  selectors?: readonly string[];
  /** Trust domains (`spiffe://td`) whose bundles the workload also receives (`-federatesWith`). */
  federatesWith?: readonly string[];
}

/** Options of {@link SpireHarness.start}. */
export interface StartOptions {
  /** The server's TCP port (default: a free one). */
  port?: number;
  /** Give up bringing the server and agent up after this long (default 90 s, below the hook timeout). */
  timeoutMs?: number;
  /** Extra HCL inside the server's `server { }` block (e.g. a `federation { }` block). */
  serverConfig?: string;
  /** The trust domain of the server and agent (default {@link TRUST_DOMAIN}). */
  trustDomain?: string;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
      resolvePromise({ code, stdout, stderr: stderr + (err !== null && code === null ? `\n${err.message}` : '') });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bind to port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

// ---- safety net: never leave a SPIRE process behind --------------------------------------------

const live = new Set<ChildProcess>();
/** Every SPIRE process this test process started: pid -> what it is. */
const spawned = new Map<number, string>();
const liveDirs = new Set<string>();
let netInstalled = false;

function killAllSync(): void {
  for (const child of live) {
    try {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  if (process.env['SPIRE_KEEP_DIR'] === undefined) {
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  }
  liveDirs.clear();
}

/** A SPIRE process this test process started that is still running (not a zombie). */
export interface SpireLeftover {
  readonly pid: number;
  readonly what: string;
  readonly cmdline: string;
}

function procAlive(pid: number): { alive: boolean; cmdline: string } {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; Z = zombie (exited, not reaped yet: not running).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { alive: state !== 'Z' && state !== 'X', cmdline };
  } catch {
    return { alive: false, cmdline: '' };
  }
}

/**
 * The SPIRE processes started by this test process (any harness) that are still running. A pid
 * reused by an unrelated process is not counted (its command line must still name spire-).
 */
export function spireLeftovers(): SpireLeftover[] {
  const out: SpireLeftover[] = [];
  for (const [pid, what] of spawned) {
    const { alive, cmdline } = procAlive(pid);
    if (alive && /spire-(server|agent)/.test(cmdline)) out.push({ pid, what, cmdline });
    else if (!alive) spawned.delete(pid);
  }
  return out;
}

/**
 * Throws (listing them, after killing them) when SPIRE processes started by this test process are
 * still running, after waiting up to `graceMs` for exiting ones. Call it in `afterAll`, after
 * `stop()`: it also catches a harness whose `start()` never returned (a timed-out `beforeAll`).
 */
export async function assertNoSpireLeftovers(graceMs = 2_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = spireLeftovers();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = spireLeftovers();
  }
  if (left.length > 0) {
    killAllSync(); // report, but leave nothing running
    for (const l of left) {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    throw new Error(`SPIRE processes left behind: ${left.map((l) => `${l.what} pid ${l.pid} (${l.cmdline})`).join('; ')}`);
  }
}

/** Kills every SPIRE process this test process started that is still running (any harness). */
export function killAllSpire(): void {
  killAllSync();
}

/**
 * Starts a watchdog (a detached `sh` loop) that SIGKILLs `childPid` as soon as `parentPid` is gone,
 * and exits by itself when the child exits. It covers what `process.on('exit')` cannot: the test
 * process killed with SIGKILL. Exported for the harness's own tests.
 */
export function guardProcess(childPid: number, parentPid: number = process.pid): ChildProcess {
  const script = 'while kill -0 "$1" 2>/dev/null; do if ! kill -0 "$2" 2>/dev/null; then kill -KILL "$1" 2>/dev/null; exit 0; fi; sleep 0.5; done';
  const dog = spawn('sh', ['-c', script, 'spire-watchdog', String(childPid), String(parentPid)], { detached: true, stdio: 'ignore' });
  dog.on('error', () => {});
  dog.unref();
  return dog;
}

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      killAllSync();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---- the harness ----------------------------------------------------------------------------------

export class SpireHarness {
  readonly dir: string;
  readonly port: number;
  readonly serverSocket: string;
  readonly agentSocket: string;
  /** The Workload API address for spiffe-kit (`unix://` + the agent socket). */
  readonly address: string;
  readonly uid: number;
  readonly #bins: { server: string; agent: string };
  #server: ChildProcess | undefined;
  #agent: ChildProcess | undefined;
  #agentStarts = 0;
  #bringUpDeadline = 0;
  #stopped = false;
  #serverConfig = '';
  /** The trust domain of this server and agent. */
  trustDomain = TRUST_DOMAIN;
  /** The agent's alias ID ({@link AGENT_ID} in the default trust domain). */
  agentId = AGENT_ID;
  readonly #entries = new Set<string>();
  /** Every pid this harness spawned (server and each agent run). */
  readonly #pids = new Set<number>();

  private constructor(dir: string, port: number, bins: { server: string; agent: string }) {
    this.dir = dir;
    this.port = port;
    this.#bins = bins;
    this.serverSocket = join(dir, 'server', 'api.sock');
    this.agentSocket = join(dir, 'agent', 'api.sock');
    this.address = `unix://${this.agentSocket}`;
    if (typeof process.getuid !== 'function') throw new Error('the SPIRE harness needs a POSIX uid (Linux)');
    this.uid = process.getuid();
  }

  /**
   * Starts a server and an agent and waits until both are healthy. When bring-up fails or takes
   * longer than {@link StartOptions.timeoutMs}, whatever was started is killed and the logs printed.
   */
  static async start(options: StartOptions = {}): Promise<SpireHarness> {
    const bins = spireBinaries();
    installSafetyNet();
    const dir = mkdtempSync(join(tmpdir(), 'spire-'));
    liveDirs.add(dir);
    const h = new SpireHarness(dir, options.port ?? (await freePort()), bins);
    h.#serverConfig = options.serverConfig ?? '';
    if (options.trustDomain !== undefined) {
      h.trustDomain = options.trustDomain;
      h.agentId = `spiffe://${options.trustDomain}/test-agent`;
    }
    h.#bringUpDeadline = Date.now() + (options.timeoutMs ?? 90_000);
    try {
      await h.#bringUp();
      h.#bringUpDeadline = 0; // later agent restarts get their own timeout
    } catch (err) {
      h.printLogs('SPIRE bring-up failed');
      await h.stop();
      throw err;
    }
    return h;
  }

  async #bringUp(): Promise<void> {
    for (const sub of ['server/data', 'agent/data']) mkdirSync(join(this.dir, sub), { recursive: true });
    writeFileSync(
      join(this.dir, 'server.conf'),
      `server {
  bind_address = "127.0.0.1"
  bind_port = ${this.port}
  socket_path = "${this.serverSocket}"
  trust_domain = "${this.trustDomain}"
  data_dir = "${join(this.dir, 'server', 'data')}"
  log_level = "DEBUG"
  experimental {
    cache_reload_interval = "1s"
  }
${this.#serverConfig}
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${join(this.dir, 'server', 'data', 'datastore.sqlite3')}"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
`,
    );
    writeFileSync(
      join(this.dir, 'agent.conf'),
      `agent {
  trust_domain = "${this.trustDomain}"
  server_address = "127.0.0.1"
  server_port = ${this.port}
  socket_path = "${this.agentSocket}"
  data_dir = "${join(this.dir, 'agent', 'data')}"
  trust_bundle_path = "${join(this.dir, 'bundle.pem')}"
  log_level = "DEBUG"
  experimental {
    sync_interval = "1s"
  }
}
plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "disk" {
    plugin_data {
      directory = "${join(this.dir, 'agent', 'data')}"
    }
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`,
    );
    this.#server = this.#spawn('server', this.#bins.server, ['run', '-config', join(this.dir, 'server.conf')]);
    await this.#waitHealthy('server', this.#bins.server, this.serverSocket, () => this.#server);

    const bundle = await this.#cli(['bundle', 'show', '-socketPath', this.serverSocket, '-format', 'pem']);
    writeFileSync(join(this.dir, 'bundle.pem'), bundle.stdout);

    const token = await this.#cli(['token', 'generate', '-socketPath', this.serverSocket, '-spiffeID', this.agentId, '-output', 'json']);
    const value = (JSON.parse(token.stdout) as { value?: string }).value;
    if (typeof value !== 'string' || value === '') throw new Error(`spire-server token generate printed no token: ${token.stdout}`);

    await this.#startAgent(['-joinToken', value]);
  }

  #logPath(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  #spawn(name: 'server' | 'agent', file: string, args: string[]): ChildProcess {
    const fd = openSync(this.#logPath(name), 'a');
    try {
      const child = spawn(file, args, { cwd: this.dir, detached: false, stdio: ['ignore', fd, fd] });
      live.add(child);
      child.once('exit', () => live.delete(child));
      child.once('error', () => live.delete(child));
      if (child.pid !== undefined) {
        spawned.set(child.pid, `spire-${name} (${this.dir})`);
        this.#pids.add(child.pid);
        guardProcess(child.pid);
      }
      return child;
    } finally {
      closeSync(fd);
    }
  }

  async #waitHealthy(name: string, bin: string, socket: string, proc: () => ChildProcess | undefined, timeoutMs = 60_000): Promise<void> {
    // During start(): never past the bring-up deadline (below the suite's hook timeout).
    const deadline = this.#bringUpDeadline > 0 ? Math.min(Date.now() + timeoutMs, this.#bringUpDeadline) : Date.now() + timeoutMs;
    timeoutMs = Math.max(0, deadline - Date.now());
    let last: Run | undefined;
    while (Date.now() < deadline) {
      const p = proc();
      if (p === undefined || p.exitCode !== null || p.signalCode !== null) {
        throw new Error(`spire-${name} exited (${p?.exitCode ?? p?.signalCode}) before it was healthy; see ${this.#logPath(name)}`);
      }
      last = await run(bin, ['healthcheck', '-socketPath', socket], 5_000);
      if (last.code === 0) return;
      await sleep(250);
    }
    throw new Error(`spire-${name} not healthy after ${timeoutMs} ms: ${last?.stdout ?? ''}${last?.stderr ?? ''}`);
  }

  async #cli(args: string[]): Promise<Run> {
    const r = await run(this.#bins.server, args);
    if (r.code !== 0) throw new Error(`spire-server ${args.join(' ')} failed (${r.code}): ${r.stdout}${r.stderr}`);
    return r;
  }

  async #startAgent(extra: string[] = []): Promise<void> {
    this.#agentStarts += 1;
    this.#agent = this.#spawn('agent', this.#bins.agent, ['run', '-config', join(this.dir, 'agent.conf'), ...extra]);
    await this.#waitHealthy('agent', this.#bins.agent, this.agentSocket, () => this.#agent);
  }

  /**
   * Creates a workload entry under the agent (default selector: this process's uid) and returns
   * its ID. The entry reaches the agent in about 2 s (1 s sync and cache reload intervals).
   */
  async createEntry(opts: EntryOptions): Promise<string> {
    const selectors = opts.selectors ?? [`unix:uid:${this.uid}`];
    const args = ['entry', 'create', '-socketPath', this.serverSocket, '-parentID', this.agentId, '-spiffeID', opts.spiffeId, '-output', 'json'];
    for (const s of selectors) args.push('-selector', s);
    if (opts.hint !== undefined) args.push('-hint', opts.hint);
    if (opts.x509SvidTtl !== undefined) args.push('-x509SVIDTTL', String(opts.x509SvidTtl));
    if (opts.jwtSvidTtl !== undefined) args.push('-jwtSVIDTTL', String(opts.jwtSvidTtl));
    for (const td of opts.federatesWith ?? []) args.push('-federatesWith', td);
    const r = await this.#cli(args);
    // With -output json a failed entry still exits 0: read results[].status.
    const out = JSON.parse(r.stdout) as { results?: { status?: { code?: number; message?: string }; entry?: { id?: string } }[] };
    const result = out.results?.[0];
    const id = result?.entry?.id;
    if ((result?.status?.code ?? 0) !== 0 || typeof id !== 'string') {
      throw new Error(`entry create ${opts.spiffeId} failed: ${r.stdout}`);
    }
    this.#entries.add(id);
    return id;
  }

  /** Runs `spire-server <args>` (pass `-socketPath`, {@link serverSocket}, yourself); throws on a non-zero exit. */
  async serverCommand(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return this.#cli(args);
  }

  /** Deletes an entry by ID. */
  async deleteEntry(id: string): Promise<void> {
    await this.#cli(['entry', 'delete', '-socketPath', this.serverSocket, '-entryID', id]);
    this.#entries.delete(id);
  }

  /** Kills the agent (SIGKILL: the realistic fault) and waits until it is gone. */
  async killAgent(): Promise<void> {
    const agent = this.#agent;
    if (agent === undefined || agent.exitCode !== null || agent.signalCode !== null) return;
    const gone = new Promise<void>((r) => agent.once('exit', () => r()));
    agent.kill('SIGKILL');
    await gone;
  }

  /** Starts the agent again after {@link killAgent} (no join token: it reuses its stored SVID and disk keys). */
  async startAgent(): Promise<void> {
    await this.#startAgent();
  }

  /** Kills and restarts the agent. */
  async restartAgent(): Promise<void> {
    await this.killAgent();
    await this.startAgent();
  }

  /** How many times the agent was started. */
  get agentStarts(): number {
    return this.#agentStarts;
  }

  /** The server's and the agent's logs so far. */
  logs(): string {
    const parts: string[] = [];
    for (const name of ['server', 'agent']) {
      const p = this.#logPath(name);
      const text = existsSync(p) ? readFileSync(p, 'utf8') : '(no log)';
      parts.push(`----- spire-${name} log (${p}) -----\n${text.split('\n').slice(-200).join('\n')}`);
    }
    return parts.join('\n');
  }

  /** Prints the logs to stderr (for failing tests). */
  printLogs(title = 'SPIRE logs'): void {
    process.stderr.write(`\n===== ${title} =====\n${this.logs()}\n`);
  }

  /**
   * Kills the agent and the server, checks that every process this harness started is gone (throws
   * naming any that is not), and removes the temporary folder (kept if `SPIRE_KEEP_DIR` is set).
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([this.#terminate(this.#agent), this.#terminate(this.#server)]);
    if (process.env['SPIRE_KEEP_DIR'] === undefined) rmSync(this.dir, { recursive: true, force: true });
    liveDirs.delete(this.dir);
    const left = this.leftovers();
    if (left.length > 0) {
      for (const l of left) {
        try {
          process.kill(l.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      throw new Error(`SPIRE processes still running after stop(): ${left.map((l) => `${l.what} pid ${l.pid}`).join('; ')}`);
    }
  }

  /** The processes this harness started that are still running. */
  leftovers(): SpireLeftover[] {
    return spireLeftovers().filter((l) => this.#pids.has(l.pid));
  }

  /** Every pid this harness started (the server, and the agent once per start). */
  get pids(): readonly number[] {
    return [...this.#pids];
  }

  async #terminate(child: ChildProcess | undefined): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    // SIGKILL cannot be ignored; the cap only guards against a lost 'exit' event.
    await Promise.race([gone, sleep(10_000)]);
    clearTimeout(timer);
    live.delete(child);
  }
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr === undefined ? '' : ` (last error: ${String(lastErr)})`}`);
}
