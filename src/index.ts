/**
 * spiffe-kit: SPIFFE identity for Node.js services. SPIFFE IDs, trust bundles, X.509 and JWT
 * SVIDs, the Workload API client and live sources, and health checks.
 *
 * @example
 * ```ts
 * import { X509Source, verifyX509Svid } from 'spiffe-kit';
 * const source = await X509Source.create(); // reads SPIFFE_ENDPOINT_SOCKET
 * console.log(source.getX509Svid().id.toString());
 * ```
 * @module
 */
export { SpiffeError } from './errors.js';
export * from './spiffeid/index.js';
export * from './bundle/index.js';
export { JwtSvid, type JwtSvidOptions } from './svid/jwt-svid.js';
export { JwtSvidError, type JwtSvidErrorCode, type JwtSvidErrorContext } from './svid/jwt-errors.js';
export { X509SvidError, type X509SvidErrorCode } from './svid/x509-errors.js';
export { MAX_SVID_CHAIN_LENGTH, X509Svid, type X509SvidParseOptions } from './svid/x509-svid.js';
export {
  type CertificateInput,
  MAX_PEER_CHAIN_LENGTH,
  type VerifiedX509Svid,
  type VerifyX509SvidOptions,
  verifyX509Svid,
} from './svid/x509-verify.js';
export * from './health/index.js';
export * from './workloadapi/index.js';
export * from './jwt/index.js';
export * from './tls/index.js';
export * from './diagnostics/index.js';
