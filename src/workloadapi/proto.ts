/**
 * The Workload API proto, loaded once and only when first needed: `@grpc/grpc-js` and
 * `@grpc/proto-loader` cost about 100 ms to load, which an `import 'spiffe-kit'` must not pay.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * Where the Workload API proto ships: `proto/workload.proto` at the package root (reached from
 * both `src/workloadapi/` and `dist/workloadapi/`).
 *
 * @example
 * ```ts
 * const definition = protoLoader.loadSync(WORKLOAD_PROTO_PATH, { keepCase: true });
 * ```
 */
export const WORKLOAD_PROTO_PATH: string = fileURLToPath(new URL('../../proto/workload.proto', import.meta.url));

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
 * The options the proto is loaded with: proto field names (`spiffe_id`, `x509_svid`), bytes as
 * `Buffer`, every field present (`defaults`), oneof discriminators (`oneofs`, used by
 * `google.protobuf.Value`).
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

let loaded: WorkloadApiProto | undefined;

/**
 * Loads `@grpc/grpc-js`, `@grpc/proto-loader` and the Workload API proto on first use, then
 * returns the cached result. Synchronous (both packages are CommonJS).
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
  const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const definition = protoLoader.loadSync(WORKLOAD_PROTO_PATH, { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_LOADER_OPTIONS.includeDirs] });
  const service = definition['SpiffeWorkloadAPI'] as ServiceDefinition | undefined;
  if (service === undefined || !('FetchX509SVID' in service)) {
    throw new Error(`the SpiffeWorkloadAPI service is missing from ${WORKLOAD_PROTO_PATH}`);
  }
  loaded = Object.freeze({
    grpc,
    service,
    method(rpc: WorkloadApiRpc): MethodDefinition<object, unknown> {
      const m = service[rpc];
      if (m === undefined) throw new Error(`the SpiffeWorkloadAPI service has no ${rpc} method`);
      return m as MethodDefinition<object, unknown>;
    },
  });
  return loaded;
}
