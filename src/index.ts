/**
 * spiffe-kit: SPIFFE identity for Node.js services. SPIFFE IDs, trust bundles, X.509 and JWT
 * SVIDs, the Workload API client and live sources, mTLS for `tls`, `https`, `http2`, undici and
 * grpc-js, JWT bearer authentication, health checks, diagnostics channels and SPIFFE Federation. The test Workload API is in
 * `spiffe-kit/testing`, the SPIRE registrar in `spiffe-kit/registrar`.
 *
 * @example
 * ```ts
 * import { X509Source, verifyX509Svid } from 'spiffe-kit';
 * const source = await X509Source.create(); // reads SPIFFE_ENDPOINT_SOCKET
 * console.log(source.getX509Svid().id.toString());
 * ```
 * @categoryDescription Sources
 * The Workload API: live `X509Source`, `JwtSource` and `BundleSource` that follow rotation, the
 * `WorkloadApiClient` underneath, endpoint addresses, backoff and logging.
 * @categoryDescription X.509-SVIDs
 * Your own X.509-SVID (`X509Svid`) and the verification of a peer's (`verifyX509Svid`), per trust
 * domain.
 * @categoryDescription mTLS
 * Authorizers by SPIFFE ID and mTLS for `tls`, `https`, `http2`, undici/fetch and grpc-js: server
 * helpers, `attachSpiffeAuth`, client options and agents, `peerSpiffeId`.
 * @categoryDescription JWT
 * JWT-SVIDs: validation, bearer headers and middleware, JWKS for OIDC consumers.
 * @categoryDescription Health
 * `checkHealth` and the `/healthz` + `/readyz` handler.
 * @categoryDescription SPIFFE IDs
 * `SpiffeId`, `TrustDomain` and matchers.
 * @categoryDescription Bundles
 * X.509, JWT and SPIFFE bundles and bundle sets.
 * @categoryDescription Federation
 * SPIFFE federation: fetching a foreign trust domain's bundle from its bundle endpoint
 * (`fetchBundle`), following it (`FederatedBundleSource`), and serving your own.
 * @categoryDescription Observability
 * `diagnostics_channel` channels for SVID and bundle updates, Workload API streams and fetches,
 * TLS authorization and federation fetches, and the message types published on them.
 * @categoryDescription Errors
 * Every error extends `SpiffeError` and carries a stable `code`.
 * @module spiffe-kit
 */
// The public surface of `spiffe-kit`, name by name: anything not listed here is internal. The
// folder index files list what each folder offers; svid/ has none (its files are listed here).

// Errors
export {
  SpiffeError,
} from './errors.js';

// SPIFFE IDs
export {
  matchAny,
  type Matcher,
  matchId,
  matchMemberOf,
  matchOneOf,
  MAX_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  SpiffeId,
  SpiffeIdError,
  type SpiffeIdErrorCode,
  TrustDomain,
} from './spiffeid/index.js';

// Bundles
export {
  BundleError,
  type BundleErrorCode,
  type BundleErrorContext,
  BundleSet,
  DEFAULT_MAX_BUNDLE_AUTHORITIES,
  type JwtAuthorityJwk,
  JwtBundle,
  type JwtBundleJwks,
  type JwtBundleParseOptions,
  JwtBundleSet,
  type JwtBundleSource,
  SpiffeBundle,
  type SpiffeBundleOptions,
  type SpiffeBundleParseOptions,
  SpiffeBundleSet,
  type SpiffeBundleSource,
  X509Bundle,
  type X509BundleParseOptions,
  X509BundleSet,
  type X509BundleSource,
} from './bundle/index.js';

// X.509-SVIDs and JWT-SVIDs
export { JwtSvidError, type JwtSvidErrorCode, type JwtSvidErrorContext } from './svid/jwt-errors.js';
export { JwtSvid, type JwtSvidOptions } from './svid/jwt-svid.js';
export { MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from './svid/key-strength.js';
export { X509SvidError, type X509SvidErrorCode } from './svid/x509-errors.js';
export { MAX_SVID_CHAIN_LENGTH, X509Svid, type X509SvidParseOptions } from './svid/x509-svid.js';
export { type CertificateInput, MAX_ISSUER_CANDIDATES, MAX_PEER_CHAIN_LENGTH, MAX_SIGNATURE_CHECKS, type VerifiedX509Svid, verifyX509Svid, type VerifyX509SvidOptions } from './svid/x509-verify.js';

// The Workload API: sources, client, addresses
export {
  type Backoff,
  type BundleChanges,
  type Bundles,
  BundleSource,
  type BundleSourceOptions,
  type CallOptions,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_LIMITS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_TIMEOUT_MS,
  ENDPOINT_SOCKET_ENV,
  type EndpointAddress,
  EndpointAddressError,
  type EndpointAddressErrorCode,
  type EndpointAddressOrigin,
  exponentialBackoff,
  type ExponentialBackoffOptions,
  type JsonValue,
  JwtSource,
  type JwtSourceOptions,
  type JwtSvidCacheOptions,
  type JwtSvidParams,
  type JwtSvidRequest,
  type Logger,
  type ObjectFirstLogger,
  objectFirstLogger,
  parseEndpointAddress,
  type RawJwtBundlesResponse,
  type RawJwtSvid,
  type RawJwtSvidResponse,
  type RawValidateJwtSvidResponse,
  type RawX509BundlesResponse,
  type RawX509Svid,
  type RawX509SvidResponse,
  type RedactionPolicy,
  resolveEndpointAddress,
  type ResourceLimitName,
  silentLogger,
  type SourceHealth,
  type SourceOptions,
  type SourceState,
  type SvidChange,
  type TcpEndpointAddress,
  type UnixEndpointAddress,
  type ValidateJwtSvidOptions,
  type Watch,
  type WatchErrorInfo,
  type WatchHandler,
  type WatchOptions,
  WorkloadApiClient,
  type WorkloadApiClientOptions,
  WorkloadApiError,
  type WorkloadApiErrorCode,
  type WorkloadApiErrorContext,
  type WorkloadApiLimits,
  type X509Context,
  X509Source,
  type X509SourceOptions,
  type X509SvidPicker,
} from './workloadapi/index.js';

// mTLS
export {
  attachSpiffeAuth,
  attachSpiffeRotation,
  AuthorizationError,
  authorizeAny,
  authorizeId,
  authorizeMatching,
  authorizeMemberOf,
  authorizeOneOf,
  type Authorizer,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  type DetachSpiffeAuth,
  mtlsClientOptions,
  mtlsServerOptions,
  type PeerCarrier,
  peerSpiffeId,
  spiffeCheckServerIdentity,
  type SpiffeClientOptions,
  type SpiffeCreateConnection,
  spiffeHttpsAgent,
  type SpiffeServerAuthOptions,
  type SpiffeServerOptions,
  spiffeUndiciConnect,
  tlsClientOptions,
  TlsError,
  type TlsErrorCode,
  tlsServerOptions,
  type TrustSource,
  type UndiciConnectCallback,
  type UndiciConnectOptions,
  verifyPeerChain,
  verifyTlsPeer,
  type X509SvidSource,
  type X509TlsSource,
} from './tls/index.js';

// JWT bearer authentication and OIDC
export {
  authenticateBearer,
  type AuthenticateBearerOptions,
  BearerAuthError,
  type BearerAuthErrorCode,
  bearerHeader,
  type BearerInput,
  type ExtractBearerOptions,
  extractBearerToken,
  jwksForTrustDomain,
  type OidcJwk,
  type OidcJwks,
  toOidcJwks,
} from './jwt/index.js';

// Health
export {
  checkHealth,
  type HealthCheckOptions,
  healthHandler,
  type HealthHandlerOptions,
  type HealthReport,
  type HealthReporter,
} from './health/index.js';

// Federation
export {
  bundleEndpointHandler,
  type BundleEndpointHandlerOptions,
  type BundleEndpointProfile,
  type BundleEndpointServerOptions,
  type BundleEndpointSource,
  createBundleEndpointServer,
  DEFAULT_BUNDLE_FETCH_TIMEOUT_MS,
  DEFAULT_BUNDLE_MAX_BYTES,
  FederatedBundleSource,
  type FederatedBundleSourceHealth,
  type FederatedBundleSourceOptions,
  type FederatedBundleState,
  type FederatedBundleUpdate,
  type FederatedTrustDomain,
  type FederatedTrustDomainHealth,
  FederationError,
  type FederationErrorCode,
  type FederationErrorContext,
  fetchBundle,
  type FetchBundleOptions,
} from './federation/index.js';

// diagnostics_channel
export {
  type BundleUpdateMessage,
  type DiagnosticsChannelName,
  diagnosticsChannels,
  type FederationFetchMessage,
  type JwtCacheMessage,
  type StreamConnectMessage,
  type StreamErrorMessage,
  type StreamMessageMessage,
  type StreamReconnectMessage,
  type TlsAuthorizeMessage,
  type WorkloadApiFetchMessage,
  type X509UpdateMessage,
} from './diagnostics/index.js';
