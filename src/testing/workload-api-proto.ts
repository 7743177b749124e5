/**
 * The wire side of the test Workload API: the message shapes it sends (the generated messages of
 * `src/gen/workload.ts`, as the client decodes them, with every field optional), the method
 * names, and the lazy loader of `@grpc/grpc-js` and the Workload API service definition
 * (`./workload-api-service.ts`).
 *
 * @module
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { requirePeer } from '../internal/optional-peer.js';
import type { RawJwtBundlesResponse, RawX509BundlesResponse, RawX509Svid, RawX509SvidResponse } from '../workloadapi/messages.js';

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
 * An `X509SVID` message as sent on the wire: the generated message type the client decodes into
 * (`RawX509Svid` of `spiffe-kit`, proto field names, bytes as `Buffer`) with every field
 * optional, so that tests can push incomplete ones with {@link TestWorkloadApi.pushRaw}; a missing
 * field is sent as its proto3 default (left out of the bytes).
 *
 * @example
 * ```ts
 * // An SVID whose certificate is not DER and that has no key: the client must discard the message.
 * api.pushRaw('fetchX509Svid', { svids: [{ spiffe_id: 'spiffe://example.org/web', x509_svid: Buffer.from('junk') }] });
 * ```
 */
export type X509SvidMessage = Partial<RawX509Svid>;

/**
 * An `X509SVIDResponse` message (the `FetchX509SVID` stream): `RawX509SvidResponse` with every
 * field optional, at both levels. `federated_bundles` is a `Map` keyed `spiffe://<trust domain>`
 * (concatenated DER CA certificates).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchX509Svid', { svids: [], federated_bundles: new Map([['spiffe://partner.org', Buffer.from('junk')]]) } satisfies X509SvidResponseMessage);
 * ```
 */
export type X509SvidResponseMessage = Partial<Omit<RawX509SvidResponse, 'svids'>> & { svids?: X509SvidMessage[] };

/**
 * An `X509BundlesResponse` message (the `FetchX509Bundles` stream): `RawX509BundlesResponse`
 * with every field optional. `bundles` is a `Map` keyed `spiffe://<trust domain>` (concatenated
 * DER CA certificates).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchX509Bundles', { bundles: new Map([['spiffe://example.org', Buffer.alloc(0)]]) } satisfies X509BundlesResponseMessage);
 * ```
 */
export type X509BundlesResponseMessage = Partial<RawX509BundlesResponse>;

/**
 * A `JWTBundlesResponse` message (the `FetchJWTBundles` stream): `RawJwtBundlesResponse` with
 * every field optional. `bundles` is a `Map` keyed `spiffe://<trust domain>` (UTF-8 JSON of a JWK Set).
 *
 * @example
 * ```ts
 * api.pushRaw('fetchJwtBundles', { bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) } satisfies JwtBundlesResponseMessage);
 * ```
 */
export type JwtBundlesResponseMessage = Partial<RawJwtBundlesResponse>;

/**
 * The message type each streaming method sends.
 *
 * @example
 * ```ts
 * api.pushRaw('fetchJwtBundles', { bundles: new Map() }); // the message type follows the method

 * ```
 */
export interface WorkloadApiStreamMessages {
  fetchX509Svid: X509SvidResponseMessage;
  fetchX509Bundles: X509BundlesResponseMessage;
  fetchJwtBundles: JwtBundlesResponseMessage;
}

/** @internal What {@link loadWorkloadApi} resolves to. */
export interface LoadedWorkloadApi {
  readonly grpc: typeof import('@grpc/grpc-js');
  readonly service: ServiceDefinition;
}

let loaded: Promise<LoadedWorkloadApi> | undefined;

/**
 * @internal Loads `@grpc/grpc-js` once, with the Workload API service definition on the generated
 * messages (the client's; no `@grpc/proto-loader` / protobufjs at run time); a
 * {@link MissingPeerDependencyError} when `@grpc/grpc-js` is not installed.
 */
export function loadWorkloadApi(): Promise<LoadedWorkloadApi> {
  loaded ??= (async () => {
    const grpc = requirePeer<typeof import('@grpc/grpc-js')>('@grpc/grpc-js', 'spiffe-kit/testing (TestWorkloadApi)');
    const { workloadApiService } = await import('./workload-api-service.js');
    return { grpc, service: workloadApiService() };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
