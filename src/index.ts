/**
 * spiffe-kit: SPIFFE identity for Node.js services. SPIFFE IDs, trust bundles, X.509 and JWT
 * SVIDs, the Workload API client and live sources, mTLS for `tls`, `https`, `http2`, undici and
 * grpc-js, JWT bearer authentication, and health checks. The test Workload API is in
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
export { SpiffeError } from './errors.js';
export * from './spiffeid/index.js';
export * from './bundle/index.js';
export { JwtSvid, type JwtSvidOptions } from './svid/jwt-svid.js';
export { JwtSvidError, type JwtSvidErrorCode, type JwtSvidErrorContext } from './svid/jwt-errors.js';
export { X509SvidError, type X509SvidErrorCode } from './svid/x509-errors.js';
export { MAX_SVID_CHAIN_LENGTH, X509Svid, type X509SvidParseOptions } from './svid/x509-svid.js';
export { MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from './svid/key-strength.js';
export {
  type CertificateInput,
  MAX_ISSUER_CANDIDATES,
  MAX_PEER_CHAIN_LENGTH,
  MAX_SIGNATURE_CHECKS,
  type VerifiedX509Svid,
  type VerifyX509SvidOptions,
  verifyX509Svid,
} from './svid/x509-verify.js';
export * from './health/index.js';
export * from './workloadapi/index.js';
export * from './jwt/index.js';
export * from './tls/index.js';
export * from './federation/index.js';
export * from './diagnostics/index.js';
