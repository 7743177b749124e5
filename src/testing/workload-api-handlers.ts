/**
 * The gRPC method handlers of the test Workload API, behaving as the SPIRE agent's: the security
 * header, injected failures, "no identity issued", JWT-SVID minting and validation.
 *
 * @module
 */
import type { Metadata, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { type CallStatus, type FailureRules, GRPC_STATUS } from './workload-api-faults.js';
import type { JWTSVIDRequest, JWTSVIDResponse, ValidateJWTSVIDRequest, ValidateJWTSVIDResponse } from '../gen/workload.js';
import { JwtValidationFailure, validateJwtSvid } from './workload-api-jwt.js';
import type { WorkloadApiMethod, WorkloadApiStreamMethod } from './workload-api-proto.js';
import type { WorkloadState } from './workload-api-state.js';
import { type AnyStream, endCall, type StreamRegistry, statusError } from './workload-api-streams.js';

/** @internal SPIRE's answer when the caller has no identity. */
export const NO_IDENTITY: CallStatus = { code: GRPC_STATUS.PERMISSION_DENIED, details: 'no identity issued' };
const HEADER_MISSING: CallStatus = { code: GRPC_STATUS.INVALID_ARGUMENT, details: 'security header missing from request' };
const SECURITY_HEADER = 'workload.spiffe.io';

/** @internal What the handlers work with. */
export interface HandlerContext {
  readonly state: WorkloadState;
  readonly streams: StreamRegistry;
  readonly failures: FailureRules;
  readonly calls: Record<WorkloadApiMethod, number>;
  readonly requireHeader: boolean;
  readonly jwtTtlSeconds: number;
}

class CallFailure extends Error {
  readonly status: CallStatus;

  constructor(status: CallStatus) {
    super(status.details);
    this.status = status;
  }
}

/** @internal The `SpiffeWorkloadAPI` implementation for `server.addService`. */
export function workloadApiHandlers(ctx: HandlerContext): UntypedServiceImplementation {
  return {
    FetchX509SVID: (call: AnyStream) => openStream(ctx, 'fetchX509Svid', call),
    FetchX509Bundles: (call: AnyStream) => openStream(ctx, 'fetchX509Bundles', call),
    FetchJWTBundles: (call: AnyStream) => openStream(ctx, 'fetchJwtBundles', call),
    FetchJWTSVID: (call: ServerUnaryCall<JWTSVIDRequest, unknown>, callback: sendUnaryData<unknown>) =>
      unary(ctx, 'fetchJwtSvid', call, callback, () => fetchJwtSvid(ctx, call.request)),
    ValidateJWTSVID: (call: ServerUnaryCall<ValidateJWTSVIDRequest, unknown>, callback: sendUnaryData<unknown>) =>
      unary(ctx, 'validateJwtSvid', call, callback, () => validate(ctx, call.request)),
  };
}

/** Counts the call; the status to refuse it with (security header, injected failure), if any. */
function admit(ctx: HandlerContext, rpc: WorkloadApiMethod, metadata: Metadata): CallStatus | undefined {
  ctx.calls[rpc] += 1;
  if (ctx.requireHeader) {
    const values = metadata.get(SECURITY_HEADER);
    if (values.length !== 1 || values[0] !== 'true') return HEADER_MISSING;
  }
  return ctx.failures.take(rpc);
}

function openStream(ctx: HandlerContext, rpc: WorkloadApiStreamMethod, call: AnyStream): void {
  const refusal = admit(ctx, rpc, call.metadata) ?? (ctx.state.identities.size === 0 ? NO_IDENTITY : undefined);
  if (refusal) endCall(call, refusal);
  else ctx.streams.open(rpc, call, ctx.state.message(rpc));
}

function unary(ctx: HandlerContext, rpc: WorkloadApiMethod, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>, handle: () => Promise<object>): void {
  const refusal = admit(ctx, rpc, call.metadata);
  if (refusal) {
    callback(statusError(refusal));
    return;
  }
  handle().then(
    (response) => callback(null, response),
    (err: unknown) =>
      callback(statusError(err instanceof CallFailure ? err.status : { code: GRPC_STATUS.INTERNAL, details: `test Workload API failure: ${(err as Error).message}` })),
  );
}

async function fetchJwtSvid(ctx: HandlerContext, request: JWTSVIDRequest): Promise<JWTSVIDResponse> {
  const audience = request.audience;
  if (audience.length === 0) throw new CallFailure({ code: GRPC_STATUS.INVALID_ARGUMENT, details: 'audience must be specified' });
  let wanted: string | undefined;
  if (request.spiffe_id) {
    try {
      wanted = SpiffeId.parse(request.spiffe_id).toString();
    } catch (err) {
      throw new CallFailure({ code: GRPC_STATUS.INVALID_ARGUMENT, details: `invalid requested SPIFFE ID: ${(err as Error).message}` });
    }
  }
  const identities = [...ctx.state.identities.values()].filter((s) => wanted === undefined || s.id.toString() === wanted);
  if (identities.length === 0) throw new CallFailure(NO_IDENTITY);
  // As SPIRE (go-jose): one audience is written as a string, several as an array.
  const aud = audience.length === 1 ? audience[0]! : audience;
  const ca = ctx.state.ca;
  const svids = await Promise.all(
    identities.map(async (s) => ({
      spiffe_id: s.id.toString(),
      svid: await ca.signJwtSvid({ subject: s.id, audience: aud, ttlSeconds: ctx.jwtTtlSeconds }),
      hint: s.hint ?? '',
    })),
  );
  return { svids };
}

async function validate(ctx: HandlerContext, request: ValidateJWTSVIDRequest): Promise<ValidateJWTSVIDResponse> {
  if (!request.audience) throw new CallFailure({ code: GRPC_STATUS.INVALID_ARGUMENT, details: 'audience must be specified' });
  if (!request.svid) throw new CallFailure({ code: GRPC_STATUS.INVALID_ARGUMENT, details: 'svid must be specified' });
  try {
    const { spiffeId, claims } = await validateJwtSvid(request.svid, request.audience, (td) => ctx.state.jwksFor(td));
    // The generated encoder writes the claims (JSON) as a google.protobuf.Struct.
    return { spiffe_id: spiffeId, claims };
  } catch (err) {
    if (err instanceof JwtValidationFailure) throw new CallFailure({ code: GRPC_STATUS.INVALID_ARGUMENT, details: err.message });
    throw err;
  }
}
