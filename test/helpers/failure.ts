// The WorkloadApiError a call fails with (the test fails if the call succeeds or throws anything else).
import { expect } from 'vitest';
import { SpiffeError } from '../../src/errors.js';
import { WorkloadApiError } from '../../src/workloadapi/errors.js';

export async function failure(p: Promise<unknown>): Promise<WorkloadApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkloadApiError);
    expect(err).toBeInstanceOf(SpiffeError);
    return err as WorkloadApiError;
  }
  throw new Error('the call succeeded');
}
