/**
 * One-shot Workload API calls (a unary RPC, or the first message of a stream) with a deadline,
 * an `AbortSignal`, and a hook for the client's `close()`; whatever happens, the call is
 * cancelled, the timer cleared and the listener removed when it settles.
 *
 * @module
 */
import { WorkloadApiError } from './errors.js';
import { channels, publish } from '../diagnostics/channels.js';

/**
 * What a one-shot call needs to know: what it waits for and where, and its limits.
 */
export interface OneShotOptions {
  readonly rpc: string;
  /** The gRPC target (goes into errors' `address`). */
  readonly target: string;
  /** The address as configured (`unix:///run/spire/agent.sock`), for diagnostics messages; default `target`. */
  readonly address?: string | undefined;
  /** The address as people read it. */
  readonly where: string;
  /** What the caller waits for, for messages (`the first X509SVIDResponse`). */
  readonly waitingFor: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** The client's open calls: `close()` fails each with `ERR_CLOSED`. */
  readonly inflight: Set<(err: WorkloadApiError) => void>;
}

/**
 * How a started call reports back.
 */
export interface Settle<T> {
  ok(value: T): void;
  fail(err: WorkloadApiError): void;
}

/**
 * Starts the gRPC call and returns something that cancels it.
 */
export type StartCall<T> = (settle: Settle<T>) => { cancel(): void };

/**
 * Runs one call to completion, timeout, abort or client close, whichever comes first.
 */
export function runOneShot<T>(o: OneShotOptions, start: StartCall<T>): Promise<T> {
  const { signal } = o;
  if (signal?.aborted) return Promise.reject(abortedError(o, signal));
  return new Promise<T>((resolve, reject) => {
    // Timed only for a subscriber of spiffe-kit:workloadapi:fetch.
    const started = channels.workloadApiFetch.hasSubscribers ? performance.now() : undefined;
    let done = false;
    let call: { cancel(): void } | undefined;
    const finish = (err: WorkloadApiError | undefined, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      o.inflight.delete(onClose);
      // Releases the stream after its first message, and anything still pending after a failure.
      call?.cancel();
      if (started !== undefined) publish('workloadApiFetch', { rpc: o.rpc, address: o.address ?? o.target, durationMs: performance.now() - started, code: err?.code });
      if (err === undefined) resolve(value as T);
      else reject(err);
    };
    const onAbort = (): void => finish(abortedError(o, signal as AbortSignal));
    const onClose = (err: WorkloadApiError): void => finish(err);
    const timer = setTimeout(
      () =>
        finish(
          new WorkloadApiError('ERR_TIMEOUT', `timed out after ${o.timeoutMs} ms waiting for ${o.waitingFor} from the Workload API at ${o.where}`, {
            rpc: o.rpc,
            address: o.target,
            timeoutMs: o.timeoutMs,
          }),
        ),
      o.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    o.inflight.add(onClose);
    try {
      call = start({ ok: (value) => finish(undefined, value), fail: (err) => finish(err) });
    } catch (err) {
      finish(
        err instanceof WorkloadApiError
          ? err
          : new WorkloadApiError('ERR_AGENT_ERROR', `${o.rpc} could not be started at ${o.where}: ${err instanceof Error ? err.message : String(err)}`, {
              rpc: o.rpc,
              address: o.target,
              cause: err,
            }),
      );
    }
    // The call may have settled while starting, before `call` was assigned.
    if (done) call?.cancel();
  });
}

function abortedError(o: OneShotOptions, signal: AbortSignal): WorkloadApiError {
  return new WorkloadApiError('ERR_ABORTED', `the wait for ${o.waitingFor} from the Workload API at ${o.where} was aborted`, {
    rpc: o.rpc,
    address: o.target,
    cause: signal.reason,
  });
}
