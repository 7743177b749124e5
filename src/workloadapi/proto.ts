/**
 * The Workload API service definition for `@grpc/grpc-js` (paths, streaming flags, the
 * serializers of the hand-written codec of `./codec.ts`; no `@grpc/proto-loader` / protobufjs at
 * run time: they cost ≈50 ms at start-up). The test Workload API serves it with grpc-js, which is
 * loaded on first use only. The client does not use it: its RPCs are `./methods.ts`, on the
 * generated messages of `src/gen/`, over its own transport (`./channel.ts`, node:http2).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import {
  JWT_BUNDLES_REQUEST,
  JWT_BUNDLES_RESPONSE,
  JWT_SVID_REQUEST,
  JWT_SVID_RESPONSE,
  type MessageCodec,
  VALIDATE_JWT_SVID_REQUEST,
  VALIDATE_JWT_SVID_RESPONSE,
  X509_BUNDLES_REQUEST,
  X509_BUNDLES_RESPONSE,
  X509_SVID_REQUEST,
  X509_SVID_RESPONSE,
} from './codec.js';

/**
 * Where the Workload API proto ships: `proto/workload.proto` at the package root (reached from
 * both `src/workloadapi/` and `dist/workloadapi/`). The client does not read it (the codec in
 * `./codec.ts` is written from it); it is the reference for tools and for the codec's tests.
 *
 * @example
 * ```ts
 * const definition = protoLoader.loadSync(WORKLOAD_PROTO_PATH, { keepCase: true });
 * ```
 */
export const WORKLOAD_PROTO_PATH: string = fileURLToPath(new URL('../../proto/workload.proto', import.meta.url));
// Every build output (src/workloadapi, dist/workloadapi, dist/bundled) is two levels below the root.

/**
 * The Workload API RPCs, named as the proto names them (the call path is `/SpiffeWorkloadAPI/<rpc>`).
 *
 * @example
 * ```ts
 * const rpc: WorkloadApiRpc = 'FetchX509SVID';
 * ```
 */
export type WorkloadApiRpc = 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTSVID' | 'FetchJWTBundles' | 'ValidateJWTSVID';

/**
 * The `@grpc/proto-loader` options whose decoded shape the hand-written codec reproduces: proto
 * field names (`spiffe_id`, `x509_svid`), bytes as `Buffer`, every field present (`defaults`),
 * oneof discriminators (`oneofs`, used by `google.protobuf.Value`). For tools and tests that load
 * the proto with proto-loader (the codec's tests use it as the oracle).
 *
 * @example
 * ```ts
 * const definition = protoLoader.loadSync(WORKLOAD_PROTO_PATH, PROTO_LOADER_OPTIONS);
 * ```
 */
export const PROTO_LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  // google/protobuf/struct.proto resolves from protobufjs' bundled common types; the include
  // directory covers the import path form.
  includeDirs: [dirname(WORKLOAD_PROTO_PATH)],
});

/**
 * The loaded gRPC runtime and the `SpiffeWorkloadAPI` service definition.
 *
 * @example
 * ```ts
 * const { grpc, service } = loadWorkloadApiProto();
 * const server = new grpc.Server();
 * server.addService(service, handlers);
 * ```
 */
export interface WorkloadApiProto {
  /** `@grpc/grpc-js`. */
  readonly grpc: typeof import('@grpc/grpc-js');
  /** The `SpiffeWorkloadAPI` service definition (for servers, and for {@link WorkloadApiProto.method}). */
  readonly service: ServiceDefinition;
  /** The definition (path, serializers) of one RPC. */
  method(rpc: WorkloadApiRpc): MethodDefinition<object, unknown>;
}

interface Rpc {
  readonly name: WorkloadApiRpc;
  /** proto-loader's `originalName` (lodash camelCase of the RPC name; grpc-js accepts handlers under it). */
  readonly originalName: string;
  readonly responseStream: boolean;
  readonly request: MessageCodec<object>;
  readonly response: MessageCodec<object>;
}

const RPCS: readonly Rpc[] = [
  { name: 'FetchX509SVID', originalName: 'fetchX509Svid', responseStream: true, request: X509_SVID_REQUEST, response: X509_SVID_RESPONSE },
  { name: 'FetchX509Bundles', originalName: 'fetchX509Bundles', responseStream: true, request: X509_BUNDLES_REQUEST, response: X509_BUNDLES_RESPONSE },
  { name: 'FetchJWTSVID', originalName: 'fetchJwtsvid', responseStream: false, request: JWT_SVID_REQUEST, response: JWT_SVID_RESPONSE },
  { name: 'FetchJWTBundles', originalName: 'fetchJwtBundles', responseStream: true, request: JWT_BUNDLES_REQUEST, response: JWT_BUNDLES_RESPONSE },
  { name: 'ValidateJWTSVID', originalName: 'validateJwtsvid', responseStream: false, request: VALIDATE_JWT_SVID_REQUEST, response: VALIDATE_JWT_SVID_RESPONSE },
];

let service: ServiceDefinition | undefined;

/**
 * The `SpiffeWorkloadAPI` service definition (paths `/SpiffeWorkloadAPI/<rpc>`, streaming flags,
 * serializers from the hand-written codec), in the form `@grpc/proto-loader` produces minus its
 * descriptor fields (`requestType`, `responseType`, `options`, used only by gRPC reflection).
 * Needs no gRPC runtime: grpc-js takes it as a plain object.
 *
 * @example
 * ```ts
 * const def = workloadApiService().FetchX509SVID;
 * const bytes = def.requestSerialize({}); // an empty message
 * ```
 */
export function workloadApiService(): ServiceDefinition {
  service ??= Object.freeze(
    Object.fromEntries(
      RPCS.map((rpc) => [
        rpc.name,
        Object.freeze({
          path: `/SpiffeWorkloadAPI/${rpc.name}`,
          requestStream: false,
          responseStream: rpc.responseStream,
          requestSerialize: rpc.request.encode,
          requestDeserialize: rpc.request.decode,
          responseSerialize: rpc.response.encode,
          responseDeserialize: rpc.response.decode,
          originalName: rpc.originalName,
        }),
      ]),
    ),
  ) as ServiceDefinition;
  return service;
}

let loaded: WorkloadApiProto | undefined;

/**
 * Loads `@grpc/grpc-js` on first use and returns it with the Workload API service definition
 * ({@link workloadApiService}); cached. Synchronous (grpc-js is CommonJS).
 *
 * @example
 * ```ts
 * const { grpc } = loadWorkloadApiProto();
 * const client = new grpc.Client('unix:/run/spire/agent.sock', grpc.credentials.createInsecure());
 * ```
 */
export function loadWorkloadApiProto(): WorkloadApiProto {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const definition = workloadApiService();
  loaded = Object.freeze({
    grpc,
    service: definition,
    method(rpc: WorkloadApiRpc): MethodDefinition<object, unknown> {
      const m = definition[rpc];
      if (m === undefined) throw new Error(`the SpiffeWorkloadAPI service has no ${rpc} method`);
      return m as MethodDefinition<object, unknown>;
    },
  });
  return loaded;
}
