import { EventEmitter } from 'node:events';
import { SpiffeError } from '../errors.js';
import { WorkloadApiClient, type WorkloadApiClientOptions } from './client.js';
import { WorkloadApiError } from './errors.js';
import { type Logger, log, silentLogger } from './logger.js';
import type { SourceHealth, SourceState } from './source-state.js';
import type { Watch } from './watcher.js';

/**
 * Options shared by every source.
 *
 * @example
 * ```ts
 * const source = await X509Source.create({ address: 'unix:///run/spire/agent.sock', timeoutMs: 10_000, logger: console });
 * ```
 */
export interface SourceOptions extends Omit<WorkloadApiClientOptions, 'timeoutMs'> {
  /** Use this client (shared with other sources; the source will not close it). */
  client?: WorkloadApiClient;
  /** Aborts `create()` while it waits for the first update. */
  signal?: AbortSignal;
  /** How long `create()` waits for the first update, in ms (default 30,000). */
  timeoutMs?: number;
  /** Deadline of one-shot calls made by the source, in ms (default 10,000). */
  callTimeoutMs?: number;
}

/** @internal Error surfaced by sources when they close or fail before being ready. */
export type LastError = { readonly code: string; readonly message: string; readonly at: Date };

/**
 * @internal Shared machinery of the sources: state transitions, listener isolation, the
 * `updates()` iterator, readiness waits, and closing.
 */
export abstract class SourceBase<TUpdate> extends EventEmitter {
  #state: SourceState = 'connecting';
  #lastError: LastError | undefined;
  /** The error behind `#lastError`, for the `cause` of a `create()` that gives up. */
  #lastFailure: unknown;
  #lastUpdateAt: Date | undefined;
  #connected = false;
  readonly #iterators = new Set<{ push(v: TUpdate): void; end(): void }>();
  /**
   * The `logger` this source was created with (silent when none was given). The mTLS helpers that
   * are handed this source log every refused peer through it.
   */
  readonly logger: Logger;
  /** The client the source reads from. */
  protected readonly client: WorkloadApiClient;
  /** The streams the source keeps open. */
  protected readonly watches: Watch[] = [];
  readonly #ownsClient: boolean;
  #readyWaiter: { resolve(): void; reject(err: Error): void } | undefined;

  protected constructor(options: SourceOptions) {
    super({ captureRejections: false });
    this.logger = options.logger ?? silentLogger;
    if (options.client !== undefined) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      const { client: _c, signal: _s, timeoutMs: _t, callTimeoutMs, ...clientOptions } = options;
      this.client = new WorkloadApiClient({ ...clientOptions, ...(callTimeoutMs === undefined ? {} : { timeoutMs: callTimeoutMs }) });
      this.#ownsClient = true;
    }
  }

  /** The Workload API address the source reads from. */
  get address(): string {
    return this.client.address.address;
  }

  /** Throws `ERR_CLOSED` once the source is closed. */
  protected assertOpen(): void {
    if (this.closed) {
      throw new WorkloadApiError('ERR_CLOSED', `The source reading ${this.address} is closed`, { address: this.address });
    }
  }

  /** Emits `error` only when someone listens (an unheard `error` event must not crash the process). */
  protected emitError(err: WorkloadApiError): void {
    if (this.listenerCount('error') > 0) this.emitSafely('error', err);
  }

  /**
   * Waits for the first `ready` state; rejects on timeout, abort or `failReady`,
   * closing the source. `what` names what was awaited in messages.
   *
   * When the time runs out after a failure, the rejection carries the last failure's code
   * (`ERR_AGENT_UNREACHABLE`, `ERR_NOT_REGISTERED`, …) and the failure itself as `cause`;
   * `ERR_TIMEOUT` means the agent never answered at all. Either way `timeoutMs` and `waitedMs`
   * say how long it waited.
   */
  protected async waitForReady(options: SourceOptions, what: string): Promise<void> {
    if (this.state === 'ready') return;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const signal = options.signal;
    const started = performance.now();
    // A timer may fire up to 1 ms early against performance.now() (whole-ms timer clock).
    const waited = (atLeast: number): number => Math.max(atLeast, Math.ceil(performance.now() - started));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#readyWaiter = { resolve, reject };
        const onState = (state: SourceState) => {
          if (state === 'ready') resolve();
        };
        this.on('state', onState);
        const aborted = (): WorkloadApiError => {
          const waitedMs = waited(0);
          return new WorkloadApiError('ERR_ABORTED', `Aborted after ${waitedMs} ms while waiting for ${what} from the Workload API at ${this.address}`, {
            address: this.address,
            cause: signal?.reason,
            timeoutMs,
            waitedMs,
          });
        };
        if (signal?.aborted) {
          reject(aborted());
          return;
        }
        onAbort = () => reject(aborted());
        signal?.addEventListener('abort', onAbort, { once: true });
        timer = setTimeout(() => reject(this.#gaveUp(what, timeoutMs, waited(timeoutMs))), timeoutMs);
      });
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      this.#readyWaiter = undefined;
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The rejection of a `create()` whose time ran out: named after the last failure, if any. */
  #gaveUp(what: string, timeoutMs: number, waitedMs: number): WorkloadApiError {
    const where = `the Workload API at ${this.address}`;
    const failure = this.#lastFailure;
    if (!(failure instanceof WorkloadApiError)) {
      const why = this.#lastError === undefined ? 'no answer yet' : `last error: ${this.#lastError.message}`;
      return new WorkloadApiError('ERR_TIMEOUT', `Timed out after ${waitedMs} ms waiting for ${what} from ${where} (${why})`, {
        address: this.address,
        timeoutMs,
        waitedMs,
        ...(failure === undefined ? {} : { cause: failure }),
      });
    }
    return new WorkloadApiError(failure.code, `Timed out after ${waitedMs} ms waiting for ${what} from ${where} (last error: ${failure.message})`, {
      rpc: failure.rpc,
      address: this.address,
      grpcCode: failure.grpcCode,
      details: failure.details,
      reason: failure.reason,
      limit: failure.limit,
      cause: failure,
      timeoutMs,
      waitedMs,
    });
  }

  /**
   * The default reaction to a stream error: a discarded message (malformed, over a limit) keeps
   * the state; a broken stream marks a ready source `stale`; a fatal error fails `create()`.
   */
  protected onStreamError(err: WorkloadApiError, fatal: boolean): void {
    this.recordError(err);
    if (err.code !== 'ERR_MALFORMED_RESPONSE' && err.code !== 'ERR_RESOURCE_LIMIT') {
      this.setConnected(false);
      if (this.state === 'ready') this.setState('stale');
    }
    this.emitError(err);
    if (fatal) this.failReady(err);
  }

  /** Fails a pending `waitForReady` (fatal errors). */
  protected failReady(err: Error): void {
    this.#readyWaiter?.reject(err);
  }

  /** The common part of a health snapshot. */
  protected healthSnapshot(parts: Pick<SourceHealth, 'ready' | 'svidExpiresInSeconds' | 'spiffeId' | 'bundleCount'>): SourceHealth {
    const at = this.#lastUpdateAt;
    return {
      state: this.state,
      connected: this.#connected,
      address: this.address,
      lastUpdateAt: at,
      lastUpdateAgeMs: at === undefined ? undefined : Date.now() - at.getTime(),
      lastError: this.#lastError,
      ...parts,
    };
  }

  /**
   * Stops the streams, releases the client if the source created it, ends `updates()` iterators
   * and removes listeners. Idempotent.
   *
   * @example
   * ```ts
   * await source.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of this.watches) w.close();
    this.watches.length = 0;
    if (this.#ownsClient) this.client.close();
    this.#readyWaiter?.reject(new WorkloadApiError('ERR_CLOSED', `The source reading ${this.address} was closed`, { address: this.address }));
    this.finishClose();
  }

  /** Closes the source (`await using source = await X509Source.create()`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The current state: `connecting`, `ready`, `stale` or `closed`. */
  get state(): SourceState {
    return this.#state;
  }

  /** Whether the source has been closed. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  protected get lastError(): LastError | undefined {
    return this.#lastError;
  }

  protected get lastUpdateAt(): Date | undefined {
    return this.#lastUpdateAt;
  }

  protected get connected(): boolean {
    return this.#connected;
  }

  protected setConnected(value: boolean): void {
    this.#connected = value;
  }

  protected recordError(err: unknown): void {
    this.#lastFailure = err;
    const e = err instanceof SpiffeError ? err : undefined;
    this.#lastError = {
      code: e?.code ?? 'ERR_UNKNOWN',
      message: err instanceof Error ? err.message : String(err),
      at: new Date(),
    };
  }

  protected recordUpdate(): void {
    this.#lastUpdateAt = new Date();
    this.#lastError = undefined;
    this.#lastFailure = undefined;
    this.#connected = true;
  }

  protected setState(next: SourceState): void {
    const previous = this.#state;
    if (previous === next || previous === 'closed') return;
    this.#state = next;
    log(this.logger, 'debug', `source state ${previous} -> ${next}`);
    this.emitSafely('state', next, previous);
  }

  /**
   * Emits to every listener, isolating each one: a listener that throws is logged and does not
   * stop the others nor reach the source. An `error` event with no listener is only logged.
   */
  protected emitSafely(event: string, ...args: unknown[]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        const result = (listener as (...a: unknown[]) => unknown).apply(this, args);
        if (result instanceof Promise) {
          result.catch((err: unknown) => log(this.logger, 'warn', `a "${event}" listener rejected`, { error: String(err) }));
        }
      } catch (err) {
        log(this.logger, 'warn', `a "${event}" listener threw`, { error: String(err) });
      }
    }
  }

  /** Hands an update to every `updates()` iterator. */
  protected pushUpdate(update: TUpdate): void {
    for (const it of this.#iterators) it.push(update);
  }

  /**
   * Iterates over updates as they arrive (starting with the current state, if any), until the
   * source closes or the loop breaks. Slow consumers see only the newest pending update.
   *
   * @example
   * ```ts
   * for await (const ctx of x509Source.updates()) {
   *   console.log('rotated:', ctx.svids[0]?.id.toString());
   * }
   * ```
   */
  updates(): AsyncIterableIterator<TUpdate> {
    let pending: { value: TUpdate } | undefined;
    let done = this.closed;
    let wake: (() => void) | undefined;
    const sink = {
      push: (v: TUpdate) => {
        pending = { value: v };
        wake?.();
      },
      end: () => {
        done = true;
        wake?.();
      },
    };
    const current = this.currentUpdate();
    if (current !== undefined) pending = { value: current };
    if (!done) this.#iterators.add(sink);
    const iterators = this.#iterators;
    const iterator: AsyncIterableIterator<TUpdate> = {
      async next(): Promise<IteratorResult<TUpdate>> {
        while (pending === undefined && !done) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        if (pending !== undefined) {
          const { value } = pending;
          pending = undefined;
          return { value, done: false };
        }
        return { value: undefined, done: true };
      },
      async return(): Promise<IteratorResult<TUpdate>> {
        done = true;
        pending = undefined;
        iterators.delete(sink);
        wake?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** The state to hand a new `updates()` iterator first, if there is one. */
  protected abstract currentUpdate(): TUpdate | undefined;

  /** Ends every iterator and removes listeners; subclasses stop their streams first. */
  protected finishClose(): void {
    this.setState('closed');
    this.#state = 'closed';
    this.#connected = false;
    for (const it of this.#iterators) it.end();
    this.#iterators.clear();
    this.emitSafely('close');
    this.removeAllListeners();
  }
}
