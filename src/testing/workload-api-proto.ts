/**
 * The wire side of the test Workload API: the message shapes it sends (objects with the proto's
 * snake_case field names, as `@grpc/proto-loader` would take them), the method names, and the
 * lazy loader of `@grpc/grpc-js` and the Workload API service definition.
 *
 * @module
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { requirePeer } from '../internal/optional-peer.js';

/**
 * The Workload API methods, named in camelCase: `fetchX509Svid` is `/SpiffeWorkloadAPI/FetchX509SVID`,
 * `fetchX509Bundles` is `FetchX509Bundles`, `fetchJwtSvid` is `FetchJWTSVID`, `fetchJwtBundles` is
 * `FetchJWTBundles`, `validateJwtSvid` is `ValidateJWTSVID`.
 *
 * @example
 * ```ts
 * import type { WorkloadApiMethod } from 'spiffe-kit/testing';
 * const rpc: WorkloadApiMethod = 'fetchJwtSvid';
 * api.failWith('UNAVAILABLE', 'agent overloaded', { rpc, times: 2 });
 * ```
 */
export type WorkloadApiMethod = 'fetchX509Svid' | 'fetchX509Bundles' | 'fetchJwtSvid' | 'fetchJwtBundles' | 'validateJwtSvid';

/**
 * The server-streaming methods (those whose open streams receive pushes).
 *
 * @example
 * ```ts
 * import type { WorkloadApiStreamMethod } from 'spiffe-kit/testing';
 * const rpc: WorkloadApiStreamMethod = 'fetchX509Bundles';
 * api.endStreams(rpc);
 * ```
 */
export type WorkloadApiStreamMethod = 'fetchX509Svid' | 'fetchX509Bundles' | 'fetchJwtBundles';

/** @internal Every method, in proto order. */
export const WORKLOAD_API_METHODS: readonly WorkloadApiMethod[] = Object.freeze(['fetchX509Svid', 'fetchX509Bundles', 'fetchJwtSvid', 'fetchJwtBundles', 'validateJwtSvid']);

/** @internal Every streaming method. */
export const WORKLOAD_API_STREAM_METHODS: readonly WorkloadApiStreamMethod[] = Object.freeze(['fetchX509Svid', 'fetchX509Bundles', 'fetchJwtBundles']);

/** @internal camelCase method → the proto's method name. */
export const PROTO_METHOD_NAMES: Readonly<Record<WorkloadApiMethod, string>> = Object.freeze({
  fetchX509Svid: 'FetchX509SVID',
  fetchX509Bundles: 'FetchX509Bundles',
  fetchJwtSvid: 'FetchJWTSVID',
  fetchJwtBundles: 'FetchJWTBundles',
  validateJwtSvid: 'ValidateJWTSVID',
});

/**
 * An `X509SVID` message as sent on the wire (field names as in the proto). Every field is
 * optional so that tests can push incomplete ones with {@link TestWorkloadApi.pushRaw}.
 *
 * @example
 * ```ts
 * const svid: X509SvidMessage = { spiffe_id: 'spiffe://example.org/web', x509_svid: Buffer.from('junk') };
 * ```
 */
export interface X509SvidMessage {
  spiffe_id?: string;
  /** Concatenated DER certificates, leaf first. */
  x509_svid?: Uint8Array;
  /** PKCS#8 DER private key. */
  x509_svid_key?: Uint8Array;
  /** Concatenated DER CA certificates of the SVID's trust domain. */
  bundle?: Uint8Array;
  hint?: string;
}

/**
 * An `X509SVIDResponse` message (the `FetchX509SVID` stream).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchX509Svid', { svids: [] } satisfies X509SvidResponseMessage);
 * ```
 */
export interface X509SvidResponseMessage {
  svids?: X509SvidMessage[];
  crl?: Uint8Array[];
  /** Keyed `spiffe://<trust domain>`; concatenated DER CA certificates. */
  federated_bundles?: Record<string, Uint8Array>;
}

/**
 * An `X509BundlesResponse` message (the `FetchX509Bundles` stream).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchX509Bundles', { bundles: { 'spiffe://example.org': Buffer.alloc(0) } } satisfies X509BundlesResponseMessage);
 * ```
 */
export interface X509BundlesResponseMessage {
  crl?: Uint8Array[];
  /** Keyed `spiffe://<trust domain>`; concatenated DER CA certificates. */
  bundles?: Record<string, Uint8Array>;
}

/**
 * A `JWTBundlesResponse` message (the `FetchJWTBundles` stream).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchJwtBundles', { bundles: { 'spiffe://example.org': Buffer.from('{"keys":[]}') } } satisfies JwtBundlesResponseMessage);
 * ```
 */
export interface JwtBundlesResponseMessage {
  /** Keyed `spiffe://<trust domain>`; UTF-8 JSON of a JWK Set. */
  bundles?: Record<string, Uint8Array>;
}

/**
 * The message type each streaming method sends.
 *
 * @example
 * ```ts
 * const message: WorkloadApiStreamMessages['fetchJwtBundles'] = { bundles: {} };
 * ```
 */
export interface WorkloadApiStreamMessages {
  fetchX509Svid: X509SvidResponseMessage;
  fetchX509Bundles: X509BundlesResponseMessage;
  fetchJwtBundles: JwtBundlesResponseMessage;
}

/** @internal The wire form of a `google.protobuf.Value` (proto-loader uses camelCase here). */
export type StructValueMessage =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: StructMessage }
  | { listValue: { values: StructValueMessage[] } };

/** @internal The wire form of a `google.protobuf.Struct`. */
export interface StructMessage {
  fields: Record<string, StructValueMessage>;
}

/** @internal What {@link loadWorkloadApi} resolves to. */
export interface LoadedWorkloadApi {
  readonly grpc: typeof import('@grpc/grpc-js');
  readonly service: ServiceDefinition;
}

let loaded: Promise<LoadedWorkloadApi> | undefined;

/**
 * @internal Loads `@grpc/grpc-js` once, with the Workload API service definition built on the
 * hand-written codec (the client's; no `@grpc/proto-loader` / protobufjs at run time); a
 * {@link MissingPeerDependencyError} when `@grpc/grpc-js` is not installed.
 */
export function loadWorkloadApi(): Promise<LoadedWorkloadApi> {
  loaded ??= (async () => {
    requirePeer('@grpc/grpc-js', 'spiffe-kit/testing (TestWorkloadApi)');
    const { loadWorkloadApiProto } = await import('../workloadapi/proto.js');
    const { grpc, service } = loadWorkloadApiProto();
    return { grpc, service };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
