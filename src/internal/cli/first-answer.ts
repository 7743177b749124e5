/**
 * How the one-shot `spiffe` commands (`jwks`, `registrar check`) get their first answer from the
 * Workload API: one call that fails at the first failure, as `spiffe health` does (a missing
 * socket answers in milliseconds, not after the whole `--timeout`), or with `--wait` the same call
 * retried until `--timeout` runs out (init containers that start before the agent).
 *
 * @module
 */
import { WorkloadApiError } from '../../workloadapi/errors.js';
import { pause } from './pause.js';

/** Options of {@link firstAnswer}. */
export interface FirstAnswerOptions {
  /** The whole budget, retries included, in ms. */
  readonly timeoutMs: number;
  /** Retry failures until `timeoutMs` runs out instead of failing at the first. */
  readonly wait: boolean;
  /** Stops waiting (`ERR_ABORTED`). */
  readonly signal?: AbortSignal | undefined;
  /** Pause between attempts with `wait`, in ms (default 250). */
  readonly retryIntervalMs?: number | undefined;
}

/**
 * Runs `call` (a one-shot Workload API call given the time left) once, or with `wait` until it
 * succeeds, fails for good (a fatal code, an abort) or the time runs out. Rejects with the last
 * failure; after several attempts, with a copy whose message says how many and for how long
 * (`cause` is the last failure, `waitedMs` the time spent).
 */
export async function firstAnswer<T>(call: (options: { timeoutMs: number; signal?: AbortSignal }) => Promise<T>, options: FirstAnswerOptions): Promise<T> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const interval = options.retryIntervalMs ?? 250;
  const { signal } = options;
  for (let attempts = 1; ; attempts++) {
    try {
      const timeoutMs = Math.max(1, Math.ceil(deadline - performance.now()));
      return await call(signal === undefined ? { timeoutMs } : { timeoutMs, signal });
    } catch (err) {
      const final = !options.wait || !(err instanceof WorkloadApiError) || err.fatal || signal?.aborted === true;
      if (final || deadline - performance.now() <= interval || !(await pause(interval, signal))) {
        if (attempts === 1 || !(err instanceof WorkloadApiError)) throw err;
        const waitedMs = Math.round(performance.now() - started);
        throw new WorkloadApiError(err.code, `${err.message} (still failing after ${attempts} attempts in ${waitedMs} ms)`, {
          rpc: err.rpc,
          address: err.address,
          grpcCode: err.grpcCode,
          details: err.details,
          reason: err.reason,
          limit: err.limit,
          cause: err,
          timeoutMs: options.timeoutMs,
          waitedMs,
        });
      }
    }
  }
}

