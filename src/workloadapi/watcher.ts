/**
 * A Workload API server stream kept open across failures, with the retry rules of the SPIFFE
 * Workload API: backoff on Unavailable / PermissionDenied / other errors (reset by every message),
 * reconnect at once after a clean end of stream, stop on InvalidArgument / Unimplemented, stop
 * silently when closed.
 *
 * @module
 */
import type { CallListener, CallStatus, ChannelCall } from '../internal/grpc/channel.js';
import { GrpcStatus } from '../internal/grpc/status.js';
import type { Backoff } from './backoff.js';
import { WorkloadApiError } from './errors.js';
import { type Logger, log } from './logger.js';
import { channels, publish } from '../diagnostics/channels.js';

/**
 * Details of an error reported to {@link WatchHandler.onError}.
 *
 * @example
 * ```ts
 * onError(err, fatal, info) { if (info.retryInMs !== undefined) console.warn(`retrying in ${info.retryInMs} ms`); }
 * ```
 */
export interface WatchErrorInfo {
  /** The watch has stopped for good (InvalidArgument, Unimplemented, or a setup failure). */
  readonly fatal: boolean;
  /** When the stream failed: the delay before the next attempt. */
  readonly retryInMs: number | undefined;
  /** A message was received but discarded (malformed, or over a resource limit); the stream goes on. */
  readonly discarded: boolean;
}

/**
 * Receives what a watch sees. `onUpdate` gets every message that decoded (each one is the
 * complete state); `onError` every failure, with `fatal` set when the watch has stopped for good.
 * A handler that throws (or rejects) is logged and does not disturb the watch.
 *
 * @example
 * ```ts
 * const watch = client.watchX509ContextRaw({
 *   onUpdate: (msg) => console.log('SVIDs:', msg.svids.length),
 *   onError: (err, fatal) => console.warn(err.code, fatal ? '(stopped)' : '(retrying)'),
 * });
 * ```
 */
export interface WatchHandler<T> {
  /** A new, complete state from the agent. */
  onUpdate(value: T): void | Promise<void>;
  /** A failure; when `fatal` is true the watch has stopped. */
  onError?(error: WorkloadApiError, fatal: boolean, info: WatchErrorInfo): void;
  /** The stream is up: the first message after a (re)connect arrived (called before `onUpdate`). */
  onConnected?(): void;
}

/**
 * A running watch; `close()` stops it, cancels its stream and clears its timers.
 *
 * @example
 * ```ts
 * const watch = client.watchJwtBundlesRaw({ onUpdate: (msg) => console.log(Object.keys(msg.bundles)) });
 * watch.close();
 * ```
 */
export interface Watch {
  /** Stops the watch. Idempotent. */
  close(): void;
  /** Whether the watch has stopped (closed, aborted, or a fatal error). */
  readonly stopped: boolean;
}

/**
 * What a {@link StreamWatcher} needs from the client.
 */
export interface StreamWatcherConfig<T, M = unknown> {
  /** For log lines. */
  readonly what: string;
  /** The method and the agent's gRPC target, for diagnostics channel messages. */
  readonly rpc?: string | undefined;
  readonly address?: string | undefined;
  /** Opens the stream (with the security header); may throw a WorkloadApiError (fatal). */
  open(listener: CallListener<M>): ChannelCall;
  /** Checks one decoded message and turns it into a `T`; throws a WorkloadApiError to discard it. */
  decode(message: M): T;
  /** Turns a failed status into an error. */
  mapStatus(status: CallStatus): WorkloadApiError;
  readonly backoff: Backoff;
  readonly logger: Logger;
}

/**
 * The stream loop behind the client's `watch*` methods.
 */
export class StreamWatcher<T, M = unknown> implements Watch {
  #call: ChannelCall | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Consecutive clean ends of stream that delivered nothing (hot-loop guard). */
  #emptyEnds = 0;
  /** The stream delivered a message once (a later connect is a reconnect). */
  #everConnected = false;
  readonly #config: StreamWatcherConfig<T, M>;
  readonly #handler: WatchHandler<T>;
  readonly #onStop: () => void;

  constructor(config: StreamWatcherConfig<T, M>, handler: WatchHandler<T>, onStop: () => void) {
    this.#config = config;
    this.#handler = handler;
    this.#onStop = onStop;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Opens the first stream (on a microtask, so that the caller holds the handle first). */
  start(): void {
    queueMicrotask(() => this.#connect());
  }

  close(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const call = this.#call;
    this.#call = undefined;
    call?.cancel();
    this.#onStop();
  }

  #connect(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    // One attempt: what the channel reports for an attempt that is no longer current is ignored.
    const attempt: { call: ChannelCall | undefined } = { call: undefined };
    let received = false;
    const current = (): boolean => !this.#stopped && attempt.call !== undefined && attempt.call === this.#call;
    try {
      attempt.call = this.#config.open({
        message: (message: M) => {
          if (!current()) return;
          this.#config.backoff.reset();
          this.#emptyEnds = 0;
          if (!received) {
            received = true;
            if (channels.streamConnect.hasSubscribers) publish('streamConnect', { rpc: this.#rpc, address: this.#address, reconnect: this.#everConnected });
            this.#everConnected = true;
            this.#safe('onConnected', () => this.#handler.onConnected?.());
          }
          this.#deliver(message);
        },
        // The channel reports the status once, after every message.
        status: (s: CallStatus) => {
          if (current()) this.#streamEnded(s, received);
        },
      });
    } catch (err) {
      const e = err instanceof WorkloadApiError ? err : new WorkloadApiError('ERR_AGENT_ERROR', `${this.#config.what} could not be opened: ${String(err)}`, { cause: err });
      this.#fatal(e);
      return;
    }
    this.#call = attempt.call;
  }

  #deliver(message: M): void {
    let value: T;
    try {
      value = this.#config.decode(message);
      if (channels.streamMessage.hasSubscribers) publish('streamMessage', { rpc: this.#rpc, address: this.#address, accepted: true });
    } catch (err) {
      if (channels.streamMessage.hasSubscribers) publish('streamMessage', { rpc: this.#rpc, address: this.#address, accepted: false });
      const e =
        err instanceof WorkloadApiError
          ? err
          : new WorkloadApiError('ERR_MALFORMED_RESPONSE', `malformed message on ${this.#config.what}: ${String(err)}`, { reason: String(err), cause: err });
      log(this.#config.logger, 'warn', `discarded a message on ${this.#config.what}`, { code: e.code, error: e.message });
      this.#report(e, { fatal: false, retryInMs: undefined, discarded: true });
      return;
    }
    this.#safe('onUpdate', () => this.#handler.onUpdate(value));
  }

  #streamEnded(status: CallStatus, received: boolean): void {
    this.#call = undefined;
    if (status.code === GrpcStatus.OK) {
      // A clean end reconnects at once; only repeated empty streams back off (no hot loop).
      const delay = received || this.#emptyEnds === 0 ? 0 : this.#config.backoff.next();
      if (!received) this.#emptyEnds++;
      log(this.#config.logger, received ? 'debug' : 'warn', `${this.#config.what} ended cleanly; reconnecting in ${delay} ms`);
      if (channels.streamReconnect.hasSubscribers) publish('streamReconnect', { rpc: this.#rpc, address: this.#address, delayMs: delay, cause: 'end', code: undefined });
      this.#schedule(delay);
      return;
    }
    const err = this.#config.mapStatus(status);
    if (status.code === GrpcStatus.INVALID_ARGUMENT || status.code === GrpcStatus.UNIMPLEMENTED) {
      this.#fatal(err);
      return;
    }
    const delay = this.#config.backoff.next();
    log(this.#config.logger, 'warn', `${this.#config.what} failed; retrying in ${delay} ms`, { code: err.code, error: err.message });
    this.#report(err, { fatal: false, retryInMs: delay, discarded: false });
    if (channels.streamReconnect.hasSubscribers) publish('streamReconnect', { rpc: this.#rpc, address: this.#address, delayMs: delay, cause: 'error', code: err.code });
    this.#schedule(delay);
  }

  #fatal(err: WorkloadApiError): void {
    log(this.#config.logger, 'error', `${this.#config.what} stopped: ${err.message}`, { code: err.code });
    this.close();
    this.#report(err, { fatal: true, retryInMs: undefined, discarded: false });
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #report(err: WorkloadApiError, info: WatchErrorInfo): void {
    if (channels.streamError.hasSubscribers) {
      publish('streamError', { rpc: this.#rpc, address: this.#address, code: err.code, grpcCode: err.grpcCode, fatal: info.fatal, discarded: info.discarded, retryInMs: info.retryInMs });
    }
    this.#safe('onError', () => this.#handler.onError?.(err, info.fatal, info));
  }

  get #rpc(): string {
    return this.#config.rpc ?? this.#config.what;
  }

  get #address(): string {
    return this.#config.address ?? '';
  }

  #safe(name: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((err: unknown) => log(this.#config.logger, 'warn', `the ${name} handler of ${this.#config.what} rejected`, { error: String(err) }));
      }
    } catch (err) {
      log(this.#config.logger, 'warn', `the ${name} handler of ${this.#config.what} threw`, { error: String(err) });
    }
  }
}
