/**
 * Retry delays for Workload API streams.
 *
 * @module
 */
import { WorkloadApiError } from './errors.js';

/**
 * A retry delay policy: `next()` gives the delay before the next attempt, `reset()` is called on
 * every received message. A watcher creates one per stream through the client's `backoff`
 * factory, so a policy may keep state.
 *
 * @example
 * ```ts
 * const fixed: Backoff = { next: () => 1_000, reset: () => {} };
 * const client = new WorkloadApiClient({ backoff: () => fixed });
 * ```
 */
export interface Backoff {
  /** Milliseconds to wait before the next attempt. */
  next(): number;
  /** Forgets past failures (called on every received message). */
  reset(): void;
}

/**
 * Options of {@link exponentialBackoff}.
 *
 * @example
 * ```ts
 * const client = new WorkloadApiClient({ backoff: () => exponentialBackoff({ initialMs: 250, maxMs: 10_000 }) });
 * ```
 */
export interface ExponentialBackoffOptions {
  /** Ceiling of the first delay, in ms (default 100). */
  initialMs?: number | undefined;
  /** Largest delay, in ms (default 30,000). */
  maxMs?: number | undefined;
  /** Growth of the ceiling per attempt (default 2). */
  factor?: number | undefined;
  /** Random source in [0, 1) (default `Math.random`); inject one in tests. */
  random?: (() => number) | undefined;
}

/**
 * Default first delay ceiling of {@link exponentialBackoff}, in ms.
 *
 * @example
 * ```ts
 * exponentialBackoff({ initialMs: DEFAULT_BACKOFF_INITIAL_MS * 5 });
 * ```
 */
export const DEFAULT_BACKOFF_INITIAL_MS = 100;

/**
 * Default largest delay of {@link exponentialBackoff}, in ms: 5 s. The agent is local (one per
 * node), a reconnect attempt costs it almost nothing, and while a source is stale its SVID keeps
 * ageing, so a restarted agent should be picked up within seconds (a 30 s cap let reconnects after
 * an agent restart take over 10 s against a real SPIRE agent). Full jitter spreads the workloads'
 * attempts.
 *
 * @example
 * ```ts
 * exponentialBackoff({ maxMs: DEFAULT_BACKOFF_MAX_MS / 3 });
 * ```
 */
export const DEFAULT_BACKOFF_MAX_MS = 5_000;

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new WorkloadApiError('ERR_BAD_REQUEST', `exponentialBackoff: ${name} must be a finite number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * Exponential backoff with full jitter: attempt n (from 0) waits a uniformly random time in
 * `[0, min(maxMs, initialMs × factor^n))`, so many workloads restarting together do not hit a
 * recovering agent in lock-step. `reset()` starts again from `initialMs`.
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from 'spiffe-kit';
 * const b = exponentialBackoff({ initialMs: 100, maxMs: 30_000 }); // a gentler cap for a remote (TCP) agent
 * b.next(); // in [0, 100)
 * b.next(); // in [0, 200)
 * b.reset(); // next() is in [0, 100) again
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initial = positive('initialMs', options.initialMs, DEFAULT_BACKOFF_INITIAL_MS, 1);
  const max = positive('maxMs', options.maxMs, DEFAULT_BACKOFF_MAX_MS, initial);
  const factor = positive('factor', options.factor, 2, 1);
  const random = options.random ?? Math.random;
  let ceiling = initial;
  return {
    next(): number {
      const current = ceiling;
      // Grow until the cap, then stay (no overflow however many attempts).
      ceiling = Math.min(max, ceiling * factor);
      const r = random();
      const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
      return Math.min(Math.floor(unit * current), Math.max(0, Math.ceil(current) - 1));
    },
    reset(): void {
      ceiling = initial;
    },
  };
}
