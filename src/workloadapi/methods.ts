/**
 * The Workload API RPCs as the client's transport takes them: each one's call path and the
 * generated encoder and decoder of its messages (`src/gen/workload.ts`), typed, so that what the
 * channel hands back is the generated message type and nothing re-checks its shape.
 *
 * @module
 */
import {
  JWTBundlesRequest,
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesRequest,
  X509BundlesResponse,
  X509SVIDRequest,
  X509SVIDResponse,
} from '../gen/workload.js';
import type { ChannelMethod } from '../internal/grpc/channel.js';
import type { RawValidateJwtSvidResponse } from './messages.js';

/**
 * The Workload API RPCs, named as the proto names them (the call path is `/SpiffeWorkloadAPI/<rpc>`).
 */
export type WorkloadApiRpc = 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTSVID' | 'FetchJWTBundles' | 'ValidateJWTSVID';

/**
 * One Workload API RPC: its name, path, and message codecs.
 */
export interface WorkloadApiMethod<Req, Res> extends ChannelMethod<Req, Res> {
  readonly rpc: WorkloadApiRpc;
}

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}
interface Decoder<T> {
  decode(bytes: Uint8Array): T;
}

function method<Req, Res>(rpc: WorkloadApiRpc, request: Encoder<Req>, decode: (bytes: Buffer) => Res): WorkloadApiMethod<Req, Res> {
  return Object.freeze({ rpc, path: `/SpiffeWorkloadAPI/${rpc}`, requestSerialize: (r: Req) => request.encode(r).finish(), responseDeserialize: decode });
}

const decoder =
  <T>(fns: Decoder<T>) =>
  (bytes: Buffer): T =>
    fns.decode(bytes);

/** Decodes an X509SVIDResponse and makes each private key non-enumerable (kept out of logs, JSON and spreads). */
function decodeX509SvidResponse(bytes: Buffer): X509SVIDResponse {
  const msg = X509SVIDResponse.decode(bytes);
  for (const svid of msg.svids) Object.defineProperty(svid, 'x509_svid_key', { enumerable: false });
  return msg;
}

/** Decodes a ValidateJWTSVIDResponse; absent claims are `{}`. */
function decodeValidateJwtSvidResponse(bytes: Buffer): RawValidateJwtSvidResponse {
  const msg = ValidateJWTSVIDResponse.decode(bytes);
  return { spiffe_id: msg.spiffe_id, claims: msg.claims ?? {} };
}

/** `FetchX509SVID` (server stream). */
export const FETCH_X509_SVID: WorkloadApiMethod<X509SVIDRequest, X509SVIDResponse> = method('FetchX509SVID', X509SVIDRequest, decodeX509SvidResponse);
/** `FetchX509Bundles` (server stream). */
export const FETCH_X509_BUNDLES: WorkloadApiMethod<X509BundlesRequest, X509BundlesResponse> = method('FetchX509Bundles', X509BundlesRequest, decoder(X509BundlesResponse));
/** `FetchJWTSVID` (unary). */
export const FETCH_JWT_SVID: WorkloadApiMethod<JWTSVIDRequest, JWTSVIDResponse> = method('FetchJWTSVID', JWTSVIDRequest, decoder(JWTSVIDResponse));
/** `FetchJWTBundles` (server stream). */
export const FETCH_JWT_BUNDLES: WorkloadApiMethod<JWTBundlesRequest, JWTBundlesResponse> = method('FetchJWTBundles', JWTBundlesRequest, decoder(JWTBundlesResponse));
/** `ValidateJWTSVID` (unary). */
export const VALIDATE_JWT_SVID: WorkloadApiMethod<ValidateJWTSVIDRequest, RawValidateJwtSvidResponse> = method('ValidateJWTSVID', ValidateJWTSVIDRequest, decodeValidateJwtSvidResponse);
