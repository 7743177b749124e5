/**
 * mTLS for Node services: authorizers, TLS options built from sources, server helpers that
 * authorize clients before any request runs, rotating agents and connectors, peer identity.
 *
 * @module
 */
export { type Authorizer, authorizeAny, authorizeId, authorizeMatching, authorizeMemberOf, authorizeOneOf } from './authorizer.js';
export { AuthorizationError, TlsError, type TlsErrorCode } from './errors.js';
export { verifyPeerChain, verifyTlsPeer } from './verify-peer.js';
export { type PeerCarrier, peerSpiffeId } from './peer-identity.js';
export type { TrustSource, X509SvidSource, X509TlsSource } from './source.js';
export { spiffeCheckServerIdentity } from './check-server-identity.js';
export { mtlsServerOptions, type SpiffeServerOptions, tlsServerOptions } from './server-options.js';
export { type SpiffeClientOptions, type SpiffeCreateConnection } from './client-connect.js';
export { mtlsClientOptions, tlsClientOptions } from './client-options.js';
export { spiffeHttpsAgent } from './agent.js';
export { spiffeUndiciConnect, type UndiciConnectCallback, type UndiciConnectOptions } from './undici-connect.js';
export {
  attachSpiffeAuth,
  attachSpiffeRotation,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  type DetachSpiffeAuth,
  type SpiffeServerAuthOptions,
} from './server.js';
