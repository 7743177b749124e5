import { EventEmitter } from 'node:events';
import { SpiffeError } from '../errors.js';
import { type Logger, log, silentLogger } from './logger.js';
import type { SourceState } from './source-state.js';

/** @internal Error surfaced by sources when they close or fail before being ready. */
export type LastError = { readonly code: string; readonly message: string; readonly at: Date };

/**
 * @internal Shared machinery of the sources: state transitions, listener isolation, the
 * `updates()` iterator, readiness waits, and closing.
 */
export abstract class SourceBase<TUpdate> extends EventEmitter {
  #state: SourceState = 'connecting';
  #lastError: LastError | undefined;
  #lastUpdateAt: Date | undefined;
  #connected = false;
  readonly #iterators = new Set<{ push(v: TUpdate): void; end(): void }>();
  protected readonly logger: Logger;

  protected constructor(logger: Logger | undefined) {
    super({ captureRejections: false });
    this.logger = logger ?? silentLogger;
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
