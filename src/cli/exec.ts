/**
 * `--exec`: the watch mode starts the program that reads the files, after the first write, and
 * manages it the way spiffe-helper's `cmd` does: `--signal` (when given) after each later write,
 * SIGTERM when the watch is stopped, and the watch ends with the program's exit status when the
 * program ends.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';

/** How long the program may take to exit after SIGTERM before it is killed, in ms. */
export const EXEC_GRACE_MS = 10_000;

/** The program of `--exec`: started with `/bin/sh -c`, its output forwarded, its exit reported. */
export class ExecSupervisor {
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #output: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void };
  readonly #log: (text: string) => void;
  #child: ChildProcess | undefined;
  #status: number | undefined;
  #resolveExited!: (status: number) => void;
  /** Resolves with the program's exit status (128 + the signal number when a signal ended it). */
  readonly exited: Promise<number>;

  constructor(
    command: string,
    extraEnv: Readonly<Record<string, string>>,
    env: NodeJS.ProcessEnv,
    output: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void },
    log: (text: string) => void,
  ) {
    this.#command = command;
    this.#env = { ...env, ...extraEnv };
    this.#output = output;
    this.#log = log;
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve;
    });
  }

  /** Whether the program was started and has not exited. */
  get running(): boolean {
    return this.#child !== undefined && this.#status === undefined;
  }

  /** Starts the program (once). */
  start(): void {
    if (this.#child !== undefined) return;
    const child = spawn('/bin/sh', ['-c', this.#command], { stdio: ['ignore', 'pipe', 'pipe'], env: this.#env });
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.#output.stdout(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.#output.stderr(chunk.toString('utf8')));
    child.once('error', (err) => {
      this.#log(`--exec failed to start: ${err.message}`);
      this.#exit(127);
    });
    child.once('close', (code, signal) => {
      const status = code ?? 128 + (signal === null ? 0 : (osConstants.signals[signal] ?? 0));
      this.#log(`the --exec program ${signal === null ? `exited with status ${code}` : `was ended by ${signal}`}`);
      this.#exit(status);
    });
    this.#log(`started the --exec program (pid ${child.pid ?? 'unknown'})`);
  }

  /** Sends `signal` to the program if it runs; a failure is logged. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      this.#child?.kill(signal);
    } catch (err) {
      this.#log(`cannot send ${signal} to the --exec program: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Ends the program: SIGTERM, then SIGKILL after `graceMs`; resolves with its exit status (0 when
   * it was never started).
   */
  async stop(graceMs: number): Promise<number> {
    if (this.#child === undefined) return 0;
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  #exit(status: number): void {
    if (this.#status !== undefined) return;
    this.#status = status;
    this.#resolveExited(status);
  }
}
