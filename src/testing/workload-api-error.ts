/**
 * The error of the test Workload API's lifecycle.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link TestWorkloadApiError}.
 *
 * @example
 * ```ts
 * import { TestWorkloadApi, TestWorkloadApiError } from 'spiffe-kit/testing';
 * try {
 *   const api = await TestWorkloadApi.start({ socketPath: '/tmp/agent.sock' });
 *   await api.waitForStreams(1, { timeoutMs: 2_000 });
 * } catch (err) {
 *   if (!(err instanceof TestWorkloadApiError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_TESTING_LISTEN_FAILED': // the socket path is taken or not writable
 *     case 'ERR_TESTING_TIMEOUT': // the code under test never opened its stream
 *     case 'ERR_TESTING_SERVER_CLOSED': // the server was used after close()
 *       throw new Error(`test setup: ${err.message}`, { cause: err });
 *   }
 * }
 * ```
 */
export type TestWorkloadApiErrorCode =
  /** The server was used (`restart()`, a wait) after `close()`; waits still open when it closes end with it. */
  | 'ERR_TESTING_SERVER_CLOSED'
  /** `start()` or `restart()` could not bind the socket or port. */
  | 'ERR_TESTING_LISTEN_FAILED'
  /** A wait (`waitForStreams`) ran out of time. */
  | 'ERR_TESTING_TIMEOUT';


/**
 * A lifecycle failure of {@link TestWorkloadApi}: used after `close()`, could not listen, or a
 * wait timed out. (Misused options throw {@link TestingError}.)
 *
 * @example
 * ```ts
 * import { TestWorkloadApiError } from 'spiffe-kit/testing';
 * await api.close();
 * await api.restart().catch((err) => err instanceof TestWorkloadApiError && err.code); // 'ERR_TESTING_SERVER_CLOSED'
 * ```
 */
export class TestWorkloadApiError extends SpiffeError {
  declare readonly code: TestWorkloadApiErrorCode;

  constructor(code: TestWorkloadApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
