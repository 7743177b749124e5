/**
 * A JWT-SVID as gRPC `authorization` metadata, for grpc-js clients.
 *
 * @module
 */
import type { Metadata } from '@grpc/grpc-js';
import { requirePeer } from '../internal/optional-peer.js';
import { tokenOf } from '../jwt/bearer.js';
import type { JwtSvid } from '../svid/jwt-svid.js';

let grpcMetadata: typeof Metadata | undefined;

/**
 * gRPC `authorization` metadata carrying a JWT-SVID, as a grpc-js `Metadata`.
 *
 * @param svid - the JWT-SVID (or its token).
 * @throws `JwtSvidError` (from `spiffe-kit`) `ERR_JWT_INVALID_ARGUMENT` for an empty token or one with characters
 *   a bearer token cannot hold (no header injection).
 * @throws {@link MissingPeerDependencyError} when `@grpc/grpc-js` is not installed.
 * @example
 * ```ts
 * import { grpcBearerMetadata } from 'spiffe-kit/grpc';
 * const svid = await jwtSource.fetchJwtSvid({ audience: 'orders' });
 * client.getOrder(request, grpcBearerMetadata(svid), (err, reply) => {});
 * ```
 */
export function grpcBearerMetadata(svid: JwtSvid | string): Metadata {
  const value = `Bearer ${tokenOf(svid)}`;
  // grpc-js is CommonJS: required synchronously on first use.
  grpcMetadata ??= requirePeer<typeof import('@grpc/grpc-js')>('@grpc/grpc-js', 'spiffe-kit/grpc').Metadata;
  const metadata = new grpcMetadata();
  metadata.set('authorization', value);
  return metadata;
}
