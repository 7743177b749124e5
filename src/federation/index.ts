/**
 * SPIFFE Federation: fetch a partner trust domain's bundle from its bundle endpoint, keep a set of
 * federated bundles fresh, and serve this trust domain's bundle as a bundle endpoint.
 *
 * @module
 */
export { FederationError, type FederationErrorCode, type FederationErrorContext } from './errors.js';
export { type BundleEndpointProfile, DEFAULT_BUNDLE_FETCH_TIMEOUT_MS, DEFAULT_BUNDLE_MAX_BYTES, fetchBundle, type FetchBundleOptions } from './fetch.js';
export {
  FederatedBundleSource,
  type FederatedBundleSourceHealth,
  type FederatedBundleSourceOptions,
  type FederatedBundleState,
  type FederatedBundleUpdate,
  type FederatedTrustDomain,
  type FederatedTrustDomainHealth,
} from './watcher.js';
export {
  bundleEndpointHandler,
  type BundleEndpointHandlerOptions,
  type BundleEndpointServerOptions,
  type BundleEndpointSource,
  createBundleEndpointServer,
} from './handler.js';
