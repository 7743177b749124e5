/**
 * The `--on-update` / `--signal-pid` hooks of the watch modes (`spiffe x509 --watch`,
 * `spiffe jwt --watch`).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CliUsageError } from '../internal/cli/io.js';
import { nonEmpty, stringFlag } from '../internal/cli/options.js';

/**
 * What to do after each write of a watch mode: `--on-update` (a command for `/bin/sh -c`),
 * `--signal-pid` and `--signal` (default `SIGHUP`).
 */
export interface UpdateHooks {
  readonly onUpdate?: string | undefined;
  readonly signalPid?: number | undefined;
  readonly signal?: NodeJS.Signals | undefined;
}

/**
 * Parses `--signal` (`SIGHUP`, `HUP`, `sighup`) into a signal name Node knows.
 *
 * @throws {@link CliUsageError} for an unknown signal.
 */
export function parseSignalFlag(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!Object.hasOwn(osConstants.signals, name)) throw new CliUsageError(`--signal ${JSON.stringify(text)} is not a signal name (use e.g. SIGHUP, SIGUSR1)`);
  return name as NodeJS.Signals;
}

/**
 * Parses `--signal-pid`.
 *
 * @throws {@link CliUsageError} unless it is a positive integer.
 */
export function parsePidFlag(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new CliUsageError(`--signal-pid ${JSON.stringify(text)} is not a process ID`);
  }
  return Number(text);
}

/**
 * Reads `--watch`, `--on-update`, `--signal-pid`, `--signal` and `--exec` of a command whose
 * `--write` is given (`writes`) or not, with the rules the watch modes share: `--watch` needs
 * `--write`, the hooks need `--watch`, `--signal` needs `--signal-pid` or `--exec`, and `--exec`
 * (which signals the program it starts) excludes `--signal-pid`.
 *
 * @throws {@link CliUsageError} when a rule is broken or a value is invalid (`synopsis` is appended).
 */
export function parseWatchFlags(
  values: Record<string, unknown>,
  writes: boolean,
  synopsis: string,
  execAllowed = false,
): UpdateHooks & { readonly watch: boolean; readonly exec?: string | undefined } {
  const watch = values['watch'] === true;
  if (watch && !writes) throw new CliUsageError(`--watch needs --write\n${synopsis}`);
  const onUpdate = nonEmpty('--on-update', stringFlag(values, 'on-update'));
  const pidText = stringFlag(values, 'signal-pid');
  const signalText = stringFlag(values, 'signal');
  const exec = nonEmpty('--exec', stringFlag(values, 'exec'));
  if (!watch && (onUpdate !== undefined || pidText !== undefined)) throw new CliUsageError(`--on-update and --signal-pid need --watch\n${synopsis}`);
  if (!watch && exec !== undefined) throw new CliUsageError(`--exec needs --watch\n${synopsis}`);
  if (exec !== undefined && pidText !== undefined) throw new CliUsageError(`--exec signals the program it starts; it does not take --signal-pid\n${synopsis}`);
  if (signalText !== undefined && pidText === undefined && exec === undefined) throw new CliUsageError(`--signal needs --signal-pid${execAllowed ? ' or --exec' : ''}\n${synopsis}`);
  return {
    watch,
    onUpdate,
    exec,
    signalPid: pidText === undefined ? undefined : parsePidFlag(pidText),
    signal: signalText === undefined ? undefined : parseSignalFlag(signalText),
  };
}

/** How long a running `--on-update` command may go on after SIGINT/SIGTERM before it is killed. */
export const HOOK_GRACE_MS = 5_000;

/**
 * Runs `--on-update` and sends `--signal` after writes of a watch mode, never two commands at
 * once (triggers during a run are coalesced into one more run). The command gets the paths of
 * the written files in its environment (`extraEnv`); its output goes to `output` (stderr), so
 * that stdout stays one line per write.
 */
export class HookRunner {
  #running: Promise<void> | undefined;
  #child: ReturnType<typeof spawn> | undefined;
  #pending = false;
  #stopped = false;

  constructor(
    private readonly options: UpdateHooks,
    private readonly extraEnv: Readonly<Record<string, string>>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (text: string) => void,
    private readonly output: (text: string) => void,
  ) {}

  /** Sends the signal and starts (or queues) the command. */
  trigger(): void {
    if (this.#stopped) return;
    this.#signal();
    if (this.options.onUpdate === undefined) return;
    if (this.#running !== undefined) {
      this.#pending = true; // coalesced: one more run after the current one
      return;
    }
    this.#running = this.#run(this.options.onUpdate).finally(() => {
      this.#running = undefined;
      if (this.#pending && !this.#stopped) {
        this.#pending = false;
        this.trigger();
      }
    });
  }

  #signal(): void {
    const pid = this.options.signalPid;
    if (pid === undefined) return;
    const signal = this.options.signal ?? 'SIGHUP';
    try {
      process.kill(pid, signal);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.log(`cannot send ${signal} to process ${pid}: ${code === 'ESRCH' ? 'no such process' : err instanceof Error ? err.message : String(err)}`);
    }
  }

  #run(command: string): Promise<void> {
    return new Promise<void>((resolveRun) => {
      let settled = false;
      const done = (): void => {
        this.#child = undefined;
        if (!settled) resolveRun();
        settled = true;
      };
      const child = spawn('/bin/sh', ['-c', command], {
        // Its output goes to stderr: stdout stays one line per write.
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...this.env, ...this.extraEnv },
      });
      this.#child = child;
      const forward = (chunk: Buffer): void => this.output(chunk.toString('utf8'));
      child.stdout?.on('data', forward);
      child.stderr?.on('data', forward);
      child.once('error', (err) => {
        if (!settled) this.log(`--on-update failed to start: ${err.message}`);
        done();
      });
      child.once('close', (code, signal) => {
        if (settled) return;
        if (code !== 0) this.log(`--on-update command ${signal === null ? `exited with status ${code}` : `was killed by ${signal}`}`);
        done();
      });
    });
  }

  /** Stops triggering; waits up to `graceMs` for a running command, then kills it. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#pending = false;
    const running = this.#running;
    if (running === undefined) return;
    const timer = setTimeout(() => this.#child?.kill('SIGTERM'), graceMs);
    await running;
    clearTimeout(timer);
  }
}
