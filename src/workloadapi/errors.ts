import { status as GrpcStatus } from '@grpc/grpc-js';
import { SpiffeError } from '../errors.js';

/** Codes of {@link WorkloadApiError}. */
export type WorkloadApiErrorCode =
  | 'ERR_AGENT_UNREACHABLE'
  | 'ERR_NOT_REGISTERED'
  | 'ERR_PROTOCOL_MISUSE'
  | 'ERR_UNIMPLEMENTED'
  | 'ERR_MALFORMED_RESPONSE'
  | 'ERR_RESOURCE_LIMIT'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_CLOSED'
  | 'ERR_NO_SVID'
  | 'ERR_SVID_EXPIRED'
  | 'ERR_BAD_REQUEST'
  | 'ERR_AGENT_ERROR';

/** Context carried by a {@link WorkloadApiError}. */
export interface WorkloadApiErrorContext {
  /** The Workload API address involved. */
  address?: string;
  /** The gRPC status code, when the error came from the agent. */
  grpcCode?: number;
  /** The gRPC status details (the agent's own message). */
  details?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A failure talking to the Workload API. `code` tells apart: the agent cannot be reached
 * (`ERR_AGENT_UNREACHABLE`), the workload has no registration entry (`ERR_NOT_REGISTERED`), the
 * client misused the protocol (`ERR_PROTOCOL_MISUSE`), the agent lacks the RPC
 * (`ERR_UNIMPLEMENTED`), the agent sent something invalid (`ERR_MALFORMED_RESPONSE`,
 * `ERR_RESOURCE_LIMIT`), and waits that ended (`ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_CLOSED`).
 *
 * @example
 * ```ts
 * try {
 *   await X509Source.create({ timeoutMs: 5000 });
 * } catch (err) {
 *   if (err instanceof WorkloadApiError && err.code === 'ERR_NOT_REGISTERED') {
 *     console.error('create a registration entry for this workload');
 *   }
 * }
 * ```
 */
export class WorkloadApiError extends SpiffeError {
  declare readonly code: WorkloadApiErrorCode;
  /** The Workload API address involved, if known. */
  readonly address: string | undefined;
  /** The gRPC status code, when the error came from the agent. */
  readonly grpcCode: number | undefined;
  /** The agent's own message, when the error came from the agent. */
  readonly details: string | undefined;

  constructor(code: WorkloadApiErrorCode, message: string, context: WorkloadApiErrorContext = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.address = context.address;
    this.grpcCode = context.grpcCode;
    this.details = context.details;
  }

  /** Whether a watcher should stop retrying after this error. */
  get fatal(): boolean {
    return this.code === 'ERR_PROTOCOL_MISUSE' || this.code === 'ERR_UNIMPLEMENTED' || this.code === 'ERR_CLOSED' || this.code === 'ERR_ABORTED';
  }
}

/** @internal An `ERR_MALFORMED_RESPONSE` error. */
export function malformedResponse(reason: string, cause?: unknown): WorkloadApiError {
  return new WorkloadApiError('ERR_MALFORMED_RESPONSE', `Malformed Workload API response: ${reason}`, cause === undefined ? {} : { cause });
}

/**
 * @internal Maps a grpc-js error to a {@link WorkloadApiError} that says what happened and where.
 */
export function fromGrpcError(err: unknown, address: string, what: string): WorkloadApiError {
  if (err instanceof WorkloadApiError) return err;
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const details = typeof e?.details === 'string' ? e.details : typeof e?.message === 'string' ? e.message : String(err);
  const ctx = { address, details, cause: err, ...(code === undefined ? {} : { grpcCode: code }) };
  switch (code) {
    case GrpcStatus.PERMISSION_DENIED:
      return new WorkloadApiError(
        'ERR_NOT_REGISTERED',
        `The Workload API at ${address} issued no identity for ${what} (PermissionDenied: ${details}); check that a registration entry matches this workload`,
        ctx,
      );
    case GrpcStatus.INVALID_ARGUMENT:
      return new WorkloadApiError('ERR_PROTOCOL_MISUSE', `The Workload API at ${address} rejected ${what} as invalid (InvalidArgument: ${details})`, ctx);
    case GrpcStatus.UNIMPLEMENTED:
      return new WorkloadApiError('ERR_UNIMPLEMENTED', `The Workload API at ${address} does not implement ${what} (Unimplemented: ${details})`, ctx);
    case GrpcStatus.UNAVAILABLE:
      return new WorkloadApiError('ERR_AGENT_UNREACHABLE', `The Workload API at ${address} is unreachable for ${what} (Unavailable: ${details})`, ctx);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new WorkloadApiError('ERR_TIMEOUT', `Timed out waiting for ${what} from the Workload API at ${address}`, ctx);
    case GrpcStatus.CANCELLED:
      return new WorkloadApiError('ERR_ABORTED', `${what} from the Workload API at ${address} was cancelled`, ctx);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new WorkloadApiError('ERR_RESOURCE_LIMIT', `The Workload API at ${address} sent more than allowed for ${what} (${details})`, ctx);
    default:
      return new WorkloadApiError(
        'ERR_AGENT_ERROR',
        `The Workload API at ${address} failed ${what} (${code === undefined ? 'error' : (GrpcStatus[code] ?? `status ${code}`)}: ${details})`,
        ctx,
      );
  }
}
