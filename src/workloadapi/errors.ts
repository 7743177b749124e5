/**
 * The errors of the Workload API client: one class per area ({@link EndpointAddressError} for the
 * address, {@link WorkloadApiError} for calls), each with a stable `code` and the context needed
 * to act on it, plus the mapping from gRPC statuses to those codes.
 *
 * This file imports nothing from `@grpc/grpc-js` (the status numbers are fixed by the gRPC
 * protocol; the table is `internal/grpc/status.ts`), so loading the errors does not load gRPC.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';
import { GrpcStatus, grpcStatusName } from '../internal/grpc/status.js';

/**
 * Codes of {@link EndpointAddressError}; one per rule of the SPIFFE Workload Endpoint standard
 * (section "Locating the endpoint"), plus `ERR_ENDPOINT_ADDRESS_MISSING` when no address was given
 * at all.
 *
 * @example
 * ```ts
 * import { EndpointAddressError, parseEndpointAddress } from 'spiffe-kit';
 * try {
 *   parseEndpointAddress(process.argv[2] ?? '');
 * } catch (err) {
 *   if (!(err instanceof EndpointAddressError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_ENDPOINT_ADDRESS_MISSING':
 *       console.error('set SPIFFE_ENDPOINT_SOCKET or pass an address');
 *       break;
 *     case 'ERR_ENDPOINT_ADDRESS_AUTHORITY': // unix://tmp/agent.sock: the path is read as a host
 *       console.error(`${err.message}; did you mean ${err.suggestion}?`);
 *       break;
 *     default:
 *       console.error(err.reason); // the rule of the standard that the address breaks
 *   }
 * }
 * ```
 */
export type EndpointAddressErrorCode =
  | 'ERR_ENDPOINT_ADDRESS_MISSING'
  | 'ERR_ENDPOINT_ADDRESS_NOT_STRING'
  | 'ERR_ENDPOINT_ADDRESS_EMPTY'
  | 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR'
  | 'ERR_ENDPOINT_ADDRESS_NO_SCHEME'
  | 'ERR_ENDPOINT_ADDRESS_SCHEME'
  | 'ERR_ENDPOINT_ADDRESS_OPAQUE'
  | 'ERR_ENDPOINT_ADDRESS_USERINFO'
  | 'ERR_ENDPOINT_ADDRESS_AUTHORITY'
  | 'ERR_ENDPOINT_ADDRESS_NO_PATH'
  | 'ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING'
  | 'ERR_ENDPOINT_ADDRESS_QUERY'
  | 'ERR_ENDPOINT_ADDRESS_FRAGMENT'
  | 'ERR_ENDPOINT_ADDRESS_NO_HOST'
  | 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP'
  | 'ERR_ENDPOINT_ADDRESS_NO_PORT'
  | 'ERR_ENDPOINT_ADDRESS_PORT'
  | 'ERR_ENDPOINT_ADDRESS_PATH';

/**
 * Where a rejected address came from: the `address` option / argument, or the
 * `SPIFFE_ENDPOINT_SOCKET` environment variable.
 *
 * @example
 * ```ts
 * import { EndpointAddressError, resolveEndpointAddress } from 'spiffe-kit';
 * try {
 *   resolveEndpointAddress(); // SPIFFE_ENDPOINT_SOCKET
 * } catch (err) {
 *   if (err instanceof EndpointAddressError && err.origin === 'SPIFFE_ENDPOINT_SOCKET') {
 *     console.error(`fix the environment variable: ${err.message}`);
 *   }
 * }
 * ```
 */
export type EndpointAddressOrigin = 'argument' | 'SPIFFE_ENDPOINT_SOCKET';

/**
 * A Workload API address (`unix:///path`, `tcp://IP:port`) broke a rule of the SPIFFE Workload
 * Endpoint standard, or no address was given. The `code` names the rule; `input` holds the
 * rejected text (cut to 256 characters), `origin` where it came from, and `suggestion` a corrected
 * address when one is obvious (`unix://tmp/agent.sock` → `unix:///tmp/agent.sock`).
 *
 * @example
 * ```ts
 * import { parseEndpointAddress, EndpointAddressError } from 'spiffe-kit';
 * try {
 *   parseEndpointAddress('unix://tmp/agent.sock');
 * } catch (err) {
 *   if (err instanceof EndpointAddressError && err.code === 'ERR_ENDPOINT_ADDRESS_AUTHORITY') {
 *     console.error(err.message, err.suggestion); // … 'unix:///tmp/agent.sock'
 *   }
 * }
 * ```
 */
export class EndpointAddressError extends SpiffeError {
  declare readonly code: EndpointAddressErrorCode;
  /** The rejected text, cut to 256 characters (empty for `ERR_ENDPOINT_ADDRESS_MISSING`). */
  readonly input: string;
  /** Where the address came from. */
  readonly origin: EndpointAddressOrigin;
  /** A corrected address, when one is obvious. */
  readonly suggestion: string | undefined;
  /** The rule that was broken, in words (the message without the address). */
  readonly reason: string;

  constructor(
    code: EndpointAddressErrorCode,
    message: string,
    details: { input: unknown; origin?: EndpointAddressOrigin | undefined; suggestion?: string | undefined; reason?: string | undefined },
  ) {
    super(code, message);
    const text = typeof details.input === 'string' ? details.input : String(details.input);
    this.input = text.length > 256 ? `${text.slice(0, 256)}…` : text;
    this.origin = details.origin ?? 'argument';
    this.suggestion = details.suggestion;
    this.reason = details.reason ?? message;
  }
}

/**
 * Codes of {@link WorkloadApiError}:
 *
 * - `ERR_AGENT_UNREACHABLE`: the socket cannot be reached, or the agent answered `Unavailable`;
 *   transient, retried by watchers.
 * - `ERR_NOT_REGISTERED`: `PermissionDenied`: the agent has no identity for this workload (yet);
 *   retried by watchers, as registration entries propagate eventually.
 * - `ERR_PROTOCOL_MISUSE`: `InvalidArgument`: the agent rejected the request; final.
 * - `ERR_TOKEN_REJECTED`: `InvalidArgument` answered to `ValidateJWTSVID`: the agent found the
 *   token invalid (bad signature, unknown key, expired, wrong audience); `details` says why.
 * - `ERR_UNIMPLEMENTED`: `Unimplemented`: the agent does not serve this RPC; final.
 * - `ERR_MALFORMED_RESPONSE`: the agent sent a message that cannot be decoded or breaks the
 *   Workload API (see `reason`); the message is discarded.
 * - `ERR_RESOURCE_LIMIT`: a message is larger than allowed (message size, SVID count, bundle count
 *   or size; see `limit`); the message is discarded.
 * - `ERR_TIMEOUT`: a wait ran out of time; the message says what was waited for and where.
 * - `ERR_ABORTED`: the caller's `AbortSignal` fired (its reason is the `cause`).
 * - `ERR_CLOSED`: the client was closed.
 * - `ERR_AGENT_ERROR`: any other gRPC status (`Internal`, `Unknown`, …), or a stream the agent
 *   ended before sending anything; transient.
 * - `ERR_BAD_REQUEST`: the caller passed an invalid argument or option (empty audience, negative
 *   timeout); nothing was sent.
 * - `ERR_NO_SVID`, `ERR_SVID_EXPIRED`: used by the sources (no SVID matches / the served SVID
 *   expired).
 *
 * @example
 * ```ts
 * const retryable = (code: WorkloadApiErrorCode) => code === 'ERR_AGENT_UNREACHABLE' || code === 'ERR_NOT_REGISTERED';
 * ```
 */
export type WorkloadApiErrorCode =
  | 'ERR_AGENT_UNREACHABLE'
  | 'ERR_NOT_REGISTERED'
  | 'ERR_PROTOCOL_MISUSE'
  | 'ERR_TOKEN_REJECTED'
  | 'ERR_UNIMPLEMENTED'
  | 'ERR_MALFORMED_RESPONSE'
  | 'ERR_RESOURCE_LIMIT'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_CLOSED'
  | 'ERR_AGENT_ERROR'
  | 'ERR_BAD_REQUEST'
  | 'ERR_NO_SVID'
  | 'ERR_SVID_EXPIRED';

/**
 * Which resource limit a message broke (see {@link WorkloadApiError.limit}).
 *
 * @example
 * ```ts
 * import { WorkloadApiClient, WorkloadApiError } from 'spiffe-kit';
 * const client = new WorkloadApiClient({ limits: { maxBundles: 500 } });
 * try {
 *   await client.fetchX509BundlesRaw();
 * } catch (err) {
 *   if (err instanceof WorkloadApiError && err.code === 'ERR_RESOURCE_LIMIT') {
 *     console.error(`the agent's message breaks ${err.limit}: ${err.reason}`);
 *   }
 * }
 * ```
 */
export type ResourceLimitName = 'maxSvids' | 'maxBundles' | 'maxBundleBytes' | 'maxMessageBytes';

/**
 * Context of a {@link WorkloadApiError}; every field is optional.
 *
 * @example
 * ```ts
 * import { WorkloadApiError } from 'spiffe-kit';
 * // A stand-in source in a test fails the way a client would:
 * const source = {
 *   getX509Svid: () => {
 *     throw new WorkloadApiError('ERR_AGENT_UNREACHABLE', 'no agent in this test', { rpc: 'FetchX509SVID', address: 'unix:/tmp/agent.sock' });
 *   },
 * };

 * ```
 */
export interface WorkloadApiErrorContext {
  readonly cause?: unknown;
  readonly rpc?: string | undefined;
  readonly address?: string | undefined;
  readonly grpcCode?: number | undefined;
  readonly details?: string | undefined;
  readonly reason?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly waitedMs?: number | undefined;
  readonly limit?: ResourceLimitName | undefined;
}

/**
 * A Workload API call or stream failed. Switch on `code` (see {@link WorkloadApiErrorCode}); the
 * other fields say where and why: `rpc` (`FetchX509SVID`, …), `address` (the gRPC target),
 * `grpcCode` / `grpcStatus` / `details` when the failure came from a gRPC status, `reason` for a
 * malformed response, `timeoutMs` for a timeout, `limit` for a resource limit, `cause` for the
 * error behind it (a failed connect's `ENOENT`, the last failure of a source that gave up).
 *
 * A source's `create()` that runs out of time rejects with the code of the last failure it saw
 * (`ERR_AGENT_UNREACHABLE`, `ERR_NOT_REGISTERED`, …; `ERR_TIMEOUT` only when the agent never
 * answered), that failure as `cause`, and `timeoutMs` / `waitedMs`.
 *
 * @example
 * ```ts
 * import { WorkloadApiClient, WorkloadApiError } from 'spiffe-kit';
 * const client = new WorkloadApiClient();
 * try {
 *   await client.fetchX509SvidRaw({ timeoutMs: 2_000 });
 * } catch (err) {
 *   if (err instanceof WorkloadApiError && err.code === 'ERR_NOT_REGISTERED') {
 *     console.error('no registration entry matches this workload yet');
 *   }
 * }
 * ```
 */
export class WorkloadApiError extends SpiffeError {
  declare readonly code: WorkloadApiErrorCode;
  /** The RPC, as the proto names it (`FetchX509SVID`, `FetchJWTSVID`, …). */
  readonly rpc: string | undefined;
  /** The gRPC target of the agent (`unix:/run/spire/agent.sock`, `ipv4:127.0.0.1:8081`). */
  readonly address: string | undefined;
  /** The numeric gRPC status code, when the failure came from a gRPC status. */
  readonly grpcCode: number | undefined;
  /** The gRPC status name (`UNAVAILABLE`, `PERMISSION_DENIED`, …), when `grpcCode` is set. */
  readonly grpcStatus: string | undefined;
  /** The gRPC status details (the server's message, or the transport's). */
  readonly details: string | undefined;
  /** For `ERR_MALFORMED_RESPONSE` (and `ERR_RESOURCE_LIMIT`): what is wrong with the message. */
  readonly reason: string | undefined;
  /**
   * For `ERR_TIMEOUT`, and for any error of a source's `create()` that gave up waiting (its code
   * is then the last failure's): the time that ran out, in ms.
   */
  readonly timeoutMs: number | undefined;
  /** For a source's `create()` that gave up or was aborted: how long it waited, in ms. */
  readonly waitedMs: number | undefined;
  /** For `ERR_RESOURCE_LIMIT`: the limit that was exceeded. */
  readonly limit: ResourceLimitName | undefined;

  constructor(code: WorkloadApiErrorCode, message: string, context: WorkloadApiErrorContext = {}) {
    super(code, message, 'cause' in context ? { cause: context.cause } : undefined);
    this.rpc = context.rpc;
    this.address = context.address;
    this.grpcCode = context.grpcCode;
    this.grpcStatus = context.grpcCode === undefined ? undefined : grpcStatusName(context.grpcCode);
    this.details = context.details;
    this.reason = context.reason;
    this.timeoutMs = context.timeoutMs;
    this.waitedMs = context.waitedMs;
    this.limit = context.limit;
  }

  /**
   * Whether a watcher stops for good after this error: `ERR_PROTOCOL_MISUSE` and
   * `ERR_UNIMPLEMENTED` (the spec says do not retry), `ERR_CLOSED`, `ERR_ABORTED`, `ERR_BAD_REQUEST`.
   */
  get fatal(): boolean {
    switch (this.code) {
      case 'ERR_PROTOCOL_MISUSE':
      case 'ERR_TOKEN_REJECTED':
      case 'ERR_UNIMPLEMENTED':
      case 'ERR_CLOSED':
      case 'ERR_ABORTED':
      case 'ERR_BAD_REQUEST':
        return true;
      default:
        return false;
    }
  }
}

/**
 * Builds the `ERR_MALFORMED_RESPONSE` error for a message that breaks the Workload API, for code
 * that turns raw messages into SVIDs and bundles (no RPC or address context there).
 */
export function malformedResponse(reason: string, cause?: unknown): WorkloadApiError {
  return new WorkloadApiError('ERR_MALFORMED_RESPONSE', `malformed Workload API response: ${reason}`, cause === undefined ? { reason } : { reason, cause });
}

/**
 * The parts of a gRPC status (the transport's, or a grpc-js `ServiceError` / `StatusObject`) that the mapping reads.
 */
export interface GrpcStatusLike {
  readonly code: number;
  readonly details?: string | undefined;
  /** The error behind the status, when the transport made it up (a failed connect: `ENOENT`, …). */
  readonly cause?: unknown;
}

/**
 * Whether a value looks like a grpc-js `ServiceError` (an `Error` with a numeric `code` and string
 * `details`).
 */
export function isGrpcServiceError(value: unknown): value is Error & GrpcStatusLike {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'number' && typeof (value as { details?: unknown }).details === 'string';
}

/**
 * Context of {@link fromGrpcStatus}: the call that failed and where.
 */
export interface GrpcFailureContext {
  /** The RPC name. */
  readonly rpc: string;
  /** The gRPC target. */
  readonly address: string;
  /** The address as people read it (`unix socket /tmp/agent.sock`, `tcp://127.0.0.1:8081`). */
  readonly where: string;
  /** For `DEADLINE_EXCEEDED`: the deadline, in milliseconds. */
  readonly timeoutMs?: number | undefined;
}

const PARSE_ERROR_PREFIX = 'Response message parsing error';

/**
 * Maps a failed gRPC status (the status of a call, or a grpc-js `ServiceError`) to a
 * {@link WorkloadApiError}: `UNAVAILABLE` → `ERR_AGENT_UNREACHABLE`, `PERMISSION_DENIED` →
 * `ERR_NOT_REGISTERED`, `INVALID_ARGUMENT` → `ERR_PROTOCOL_MISUSE`, `UNIMPLEMENTED` →
 * `ERR_UNIMPLEMENTED`, `DEADLINE_EXCEEDED` → `ERR_TIMEOUT`, `RESOURCE_EXHAUSTED` →
 * `ERR_RESOURCE_LIMIT` (an over-size message is reported so), an `INTERNAL` response parsing
 * error → `ERR_MALFORMED_RESPONSE`, anything else → `ERR_AGENT_ERROR` (including `CANCELLED`:
 * callers that cancel a call themselves report their own reason, `ERR_ABORTED`, `ERR_TIMEOUT` or
 * `ERR_CLOSED`, so a `CANCELLED` status that reaches this mapping came from the agent's side).
 */
export function fromGrpcStatus(status: GrpcStatusLike, context: GrpcFailureContext): WorkloadApiError {
  const { rpc, address, where } = context;
  const details = status.details ?? '';
  const name = grpcStatusName(status.code);
  const cause = status instanceof Error ? status : status.cause;
  const ctx = { rpc, address, grpcCode: status.code, details, ...(cause === undefined ? {} : { cause }) };
  const said = details === '' ? name : `${name}: ${details}`;
  switch (status.code) {
    case GrpcStatus.UNAVAILABLE:
      return new WorkloadApiError('ERR_AGENT_UNREACHABLE', `the Workload API at ${where} is unreachable (${rpc}: ${said})`, ctx);
    case GrpcStatus.PERMISSION_DENIED:
      return new WorkloadApiError(
        'ERR_NOT_REGISTERED',
        `the agent at ${where} has no identity for this workload (${rpc}: ${said}); is a registration entry missing or not yet propagated?`,
        ctx,
      );
    case GrpcStatus.INVALID_ARGUMENT:
      return new WorkloadApiError('ERR_PROTOCOL_MISUSE', `the agent at ${where} rejected the ${rpc} request (${said})`, ctx);
    case GrpcStatus.UNIMPLEMENTED:
      return new WorkloadApiError('ERR_UNIMPLEMENTED', `the agent at ${where} does not implement ${rpc} (${said})`, ctx);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new WorkloadApiError(
        'ERR_TIMEOUT',
        `timed out${context.timeoutMs === undefined ? '' : ` after ${context.timeoutMs} ms`} waiting for ${rpc} from the Workload API at ${where} (${said})`,
        { ...ctx, timeoutMs: context.timeoutMs },
      );
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new WorkloadApiError('ERR_RESOURCE_LIMIT', `the ${rpc} response from ${where} exceeds a resource limit (${said})`, {
        ...ctx,
        reason: details,
        ...(/larger than max/i.test(details) ? { limit: 'maxMessageBytes' as const } : {}),
      });
    case GrpcStatus.CANCELLED:
      // Our own cancellations never get here: this one came from the agent or the connection.
      return new WorkloadApiError('ERR_AGENT_ERROR', `${rpc} at ${where} was cancelled by the agent or the connection (${said})`, ctx);
    case GrpcStatus.INTERNAL:
      if (details.startsWith(PARSE_ERROR_PREFIX)) {
        return new WorkloadApiError('ERR_MALFORMED_RESPONSE', `malformed ${rpc} response from ${where}: ${details}`, { ...ctx, reason: details });
      }
      break;
  }
  return new WorkloadApiError('ERR_AGENT_ERROR', `${rpc} failed at ${where}: ${said}`, ctx);
}

/**
 * Maps any failure of a call to a {@link WorkloadApiError}: a `WorkloadApiError` is returned as
 * is, a grpc-js `ServiceError` goes through {@link fromGrpcStatus}, anything else becomes
 * `ERR_AGENT_ERROR`. `address` is the agent's address as shown in messages, `what` the RPC name.
 */
export function fromGrpcError(err: unknown, address: string, what: string): WorkloadApiError {
  if (err instanceof WorkloadApiError) return err;
  const e = err as { code?: unknown; details?: unknown; message?: unknown } | null | undefined;
  if (typeof e?.code === 'number') {
    const details = typeof e.details === 'string' ? e.details : typeof e.message === 'string' ? e.message : '';
    const mapped = fromGrpcStatus({ code: e.code, details }, { rpc: what, address, where: address });
    return err instanceof Error ? new WorkloadApiError(mapped.code, mapped.message, { ...contextOf(mapped), cause: err }) : mapped;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new WorkloadApiError('ERR_AGENT_ERROR', `${what} failed at ${address}: ${message}`, { rpc: what, address, cause: err });
}

function contextOf(e: WorkloadApiError): WorkloadApiErrorContext {
  return { rpc: e.rpc, address: e.address, grpcCode: e.grpcCode, details: e.details, reason: e.reason, timeoutMs: e.timeoutMs, waitedMs: e.waitedMs, limit: e.limit };
}
