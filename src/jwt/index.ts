/**
 * JWT-SVIDs on the wire: bearer helpers and OIDC interop.
 *
 * @module
 */
export {
  type AuthenticateBearerOptions,
  authenticateBearer,
  type BearerInput,
  bearerHeader,
  type ExtractBearerOptions,
  extractBearerToken,
} from './bearer.js';
export { BearerAuthError, type BearerAuthErrorCode } from './bearer-error.js';
export { jwksForTrustDomain, type OidcJwk, type OidcJwks, toOidcJwks } from './oidc.js';
