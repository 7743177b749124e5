/**
 * The open streams of the test Workload API: registration, pushes (skipping streams that already
 * hold the same message), ending with a status, and waiting for subscribers.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { TestWorkloadApiError } from './workload-api-error.js';
import type { CallStatus } from './workload-api-faults.js';
import { WORKLOAD_API_STREAM_METHODS, type WorkloadApiStreamMethod } from './workload-api-proto.js';

/** @internal A server stream of any method. */
export type AnyStream = ServerWritableStream<unknown, unknown>;

/**
 * Options of {@link TestWorkloadApi.waitForStreams}.
 *
 * @example
 * ```ts
 * await api.waitForStreams(1, { rpc: 'fetchX509Svid', timeoutMs: 2_000 });
 * ```
 */
export interface WaitForStreamsOptions {
  /** Count only streams of this method. Default: all. */
  readonly rpc?: WorkloadApiStreamMethod | undefined;
  /** Default 5000. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const RAW = 'raw';

/** @internal The open streams per method. */
export class StreamRegistry {
  readonly #streams: Record<WorkloadApiStreamMethod, Set<AnyStream>> = { fetchX509Svid: new Set(), fetchX509Bundles: new Set(), fetchJwtBundles: new Set() };
  readonly #lastSent = new WeakMap<AnyStream, string>();
  readonly #waiters = new Set<(closedError?: Error) => void>();
  readonly #serialize: (rpc: WorkloadApiStreamMethod, message: object) => Uint8Array;
  #closedError: Error | undefined;

  /**
   * `serialize` encodes a response of `rpc`: once per push, for every stream (the service's
   * serializer sends encoded bytes as they are), and to recognise unchanged re-deliveries.
   */
  constructor(serialize: (rpc: WorkloadApiStreamMethod, message: object) => Uint8Array) {
    this.#serialize = serialize;
  }

  count(rpc?: WorkloadApiStreamMethod): number {
    if (rpc !== undefined) return this.#streams[rpc].size;
    let n = 0;
    for (const m of WORKLOAD_API_STREAM_METHODS) n += this.#streams[m].size;
    return n;
  }

  /** Registers an admitted stream and sends it its first message. */
  open(rpc: WorkloadApiStreamMethod, call: AnyStream, message: object): void {
    const streams = this.#streams[rpc];
    const forget = () => {
      if (streams.delete(call)) this.#changed();
    };
    call.on('cancelled', forget);
    call.on('close', forget);
    streams.add(call);
    const bytes = this.#serialize(rpc, message);
    this.#write(call, bytes, fingerprint(bytes));
    this.#changed();
  }

  /** Sends `message` to the streams of `rpc` that do not hold it already (all with `force`). */
  push(rpc: WorkloadApiStreamMethod, build: () => object, force: boolean): number {
    const streams = this.#streams[rpc];
    if (streams.size === 0) return 0;
    const bytes = this.#serialize(rpc, build());
    const print = fingerprint(bytes);
    let n = 0;
    for (const call of [...streams]) {
      if (!force && this.#lastSent.get(call) === print) continue;
      if (this.#write(call, bytes, print)) n++;
    }
    return n;
  }

  /**
   * Sends `message` as is (encoded first, so that a message the encoder refuses throws here); the
   * next {@link StreamRegistry.push} sends the real state again.
   */
  pushRaw(rpc: WorkloadApiStreamMethod, message: object): number {
    const bytes = this.#serialize(rpc, message);
    let n = 0;
    for (const call of [...this.#streams[rpc]]) if (this.#write(call, bytes, RAW)) n++;
    return n;
  }

  /** Ends the streams (of `rpc`, or all) with `status`, or cleanly when it is undefined. */
  end(rpc: WorkloadApiStreamMethod | undefined, status: CallStatus | undefined): number {
    let n = 0;
    for (const m of rpc === undefined ? WORKLOAD_API_STREAM_METHODS : [rpc]) {
      const streams = this.#streams[m];
      for (const call of [...streams]) {
        streams.delete(call);
        if (endCall(call, status)) n++;
      }
    }
    if (n > 0) this.#changed();
    return n;
  }

  /** Resolves when `count` streams are open; `where` names the server in errors. */
  wait(count: number, options: WaitForStreamsOptions, where: string): Promise<void> {
    const { rpc, timeoutMs = 5000, signal } = options;
    if (this.count(rpc) >= count) return Promise.resolve();
    if (this.#closedError) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => {
      const done = (err?: unknown) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = (closedError?: Error) => {
        if (closedError) done(closedError);
        else if (this.count(rpc) >= count) done();
      };
      const onAbort = () => done(signal?.reason);
      const timer = setTimeout(() => {
        const what = `${count} open ${rpc ?? 'Workload API'} stream(s)`;
        done(new TestWorkloadApiError('ERR_TESTING_TIMEOUT', `Timed out after ${timeoutMs} ms waiting for ${what} on ${where} (open: ${this.count(rpc)})`));
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(check);
    });
  }

  /** Rejects pending and future waits with `error`. */
  close(error: Error): void {
    this.#closedError = error;
    for (const check of [...this.#waiters]) check(error);
  }

  #changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  #write(call: AnyStream, bytes: Uint8Array, fingerprint: string): boolean {
    if (call.cancelled || call.writableEnded || call.destroyed) return false;
    this.#lastSent.set(call, fingerprint);
    call.write(bytes);
    return true;
  }
}

function fingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** @internal A grpc-js status error (what handlers hand back or emit). */
export function statusError(status: CallStatus): Error & { code: number; details: string } {
  return Object.assign(new Error(status.details), { code: status.code, details: status.details });
}

/** @internal Ends a stream with `status` (or OK); false when it was already over. */
export function endCall(call: AnyStream, status: CallStatus | undefined): boolean {
  if (call.cancelled || call.writableEnded || call.destroyed) return false;
  if (status === undefined) call.end();
  else call.emit('error', statusError(status));
  return true;
}
