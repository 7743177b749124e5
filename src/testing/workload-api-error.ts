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
 * import type { TestWorkloadApiErrorCode } from 'spiffe-kit/testing';
 * const code: TestWorkloadApiErrorCode = 'ERR_TESTING_SERVER_CLOSED';
 * ```
 */
export type TestWorkloadApiErrorCode = 'ERR_TESTING_SERVER_CLOSED' | 'ERR_TESTING_LISTEN_FAILED' | 'ERR_TESTING_TIMEOUT';

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
