/**
 * The gRPC status codes (numbered by the gRPC protocol, `doc/statuscodes.md` of grpc/grpc) and
 * their names, shared by the transport (`channel.ts`), the Workload API errors, the registrar's
 * Entry API errors and the dev agent. Nothing here loads gRPC.
 *
 * @module
 */

/** @internal gRPC status names by number (the gRPC protocol's numbering). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/**
 * The gRPC status numbers spiffe-kit acts on (fixed by the gRPC protocol).
 */
export const GrpcStatus = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
});

/**
 * The name of a gRPC status code (`14` → `UNAVAILABLE`); unknown numbers read `CODE_<n>`.
 */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}
