export {
  ENDPOINT_SOCKET_ENV,
  type EndpointAddress,
  parseEndpointAddress,
  resolveEndpointAddress,
  type TcpEndpointAddress,
  type UnixEndpointAddress,
} from './address.js';
export { type Backoff, DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_BACKOFF_MAX_MS, type ExponentialBackoffOptions, exponentialBackoff } from './backoff.js';
export type { BundleChanges } from './bundle-diff.js';
export { type Bundles, BundleSource, type BundleSourceOptions } from './bundle-source.js';
export {
  type CallOptions,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type JwtSvidParams,
  type WatchOptions,
  WorkloadApiClient,
  type WorkloadApiClientOptions,
} from './client.js';
export {
  EndpointAddressError,
  type EndpointAddressErrorCode,
  type EndpointAddressOrigin,
  type ResourceLimitName,
  WorkloadApiError,
  type WorkloadApiErrorCode,
  type WorkloadApiErrorContext,
} from './errors.js';
export { JwtSource, type JwtSourceOptions } from './jwt-source.js';
export { DEFAULT_LIMITS, type WorkloadApiLimits } from './limits.js';
export { type Logger, type ObjectFirstLogger, objectFirstLogger, silentLogger } from './logger.js';
export type {
  JsonValue,
  RawJwtBundlesResponse,
  RawJwtSvid,
  RawJwtSvidResponse,
  RawValidateJwtSvidResponse,
  RawX509BundlesResponse,
  RawX509Svid,
  RawX509SvidResponse,
} from './messages.js';
export type { SourceOptions } from './source-base.js';
export type { SourceHealth, SourceState } from './source-state.js';
export type { Watch, WatchErrorInfo, WatchHandler } from './watcher.js';
export type { X509Context } from './x509-context.js';
export { type RedactionPolicy, type SvidChange, X509Source, type X509SourceOptions, type X509SvidPicker } from './x509-source.js';
export { type JwtSvidCacheOptions, type JwtSvidRequest } from './jwt-cache.js';
export type { ValidateJwtSvidOptions } from './jwt-source.js';
