/**
 * `spiffe-kit/grpc`: SPIFFE mTLS and JWT-SVID bearer metadata for `@grpc/grpc-js`: channel and
 * server credentials that follow the source's rotation, a server interceptor that authorizes
 * every call, and `authorization` metadata. `@grpc/grpc-js` is an optional peer dependency
 * (`npm install @grpc/grpc-js`), loaded on the first call; the main `spiffe-kit` entry never loads
 * it, and its own client speaks gRPC without it.
 *
 * @example
 * ```ts
 * import * as grpc from '@grpc/grpc-js';
 * import { X509Source, authorizeMemberOf } from 'spiffe-kit';
 * import { grpcServerCredentials } from 'spiffe-kit/grpc';
 * const source = await X509Source.create();
 * const server = new grpc.Server();
 * server.bindAsync('0.0.0.0:50051', grpcServerCredentials(source, authorizeMemberOf('example.org')), () => {});
 * ```
 * @categoryDescription mTLS
 * grpc-js channel and server credentials, the authorizing server interceptor, and the certificate
 * provider under them.
 * @categoryDescription JWT
 * A JWT-SVID as gRPC `authorization` metadata.
 * @categoryDescription Errors
 * What the entry point throws when `@grpc/grpc-js` is not installed.
 * @module spiffe-kit/grpc
 */
export { grpcAuthInterceptor, grpcChannelCredentials, grpcServerCredentials, SourceCertificateProvider } from './credentials.js';
export { grpcBearerMetadata } from './bearer-metadata.js';
export { MissingPeerDependencyError } from '../internal/optional-peer.js';
