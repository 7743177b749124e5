/**
 * Errors of SPIFFE Federation: fetching, validating and watching bundle endpoints.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link FederationError}:
 *
 * - `ERR_FEDERATION_INVALID_ARGUMENT`: bad options (a URL that is not `https:`, an unknown
 *   profile, `https_spiffe` without `endpointId`, a trust domain configured twice).
 * - `ERR_FEDERATION_NO_TRUST_BUNDLE`: `https_spiffe` without a bundle for the endpoint's trust domain.
 * - `ERR_FEDERATION_CONNECT`: the connection failed or broke (DNS, refused, reset, TLS protocol).
 * - `ERR_FEDERATION_ENDPOINT_AUTH`: the endpoint failed authentication: an untrusted chain, a wrong
 *   SPIFFE ID (`https_spiffe`) or a certificate not valid for the host name (`https_web`).
 * - `ERR_FEDERATION_HTTP_STATUS`: a status other than 200 (see `status`).
 * - `ERR_FEDERATION_REDIRECT`: a redirect to another origin, or too many redirects.
 * - `ERR_FEDERATION_CONTENT_TYPE`: a `content-type` that is not JSON.
 * - `ERR_FEDERATION_TOO_LARGE`: the body exceeds `maxBytes`.
 * - `ERR_FEDERATION_TIMEOUT`: the whole exchange took longer than `timeoutMs` (slow endpoints included).
 * - `ERR_FEDERATION_ABORTED`: the caller's `AbortSignal` fired.
 * - `ERR_FEDERATION_INVALID_BUNDLE`: the body is not a valid SPIFFE bundle (the `cause` is the `BundleError`).
 * - `ERR_FEDERATION_TRUST_DOMAIN_MISMATCH`: an X.509 authority names another trust domain in its SPIFFE ID.
 * - `ERR_FEDERATION_EMPTY_BUNDLE`: a bundle with no authority at all.
 * - `ERR_FEDERATION_SEQUENCE_REGRESSED`: a `spiffe_sequence` lower than the bundle already held.
 * - `ERR_FEDERATION_CLOSED`: the {@link FederatedBundleSource} was closed.
 *
 * @example
 * ```ts
 * import { fetchBundle, FederationError } from 'spiffe-kit';
 * try {
 *   await fetchBundle('https://bundle.partner.example/', { profile: 'https_web', trustDomain: 'partner.example' });
 * } catch (err) {
 *   if (!(err instanceof FederationError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_FEDERATION_CONNECT':
 *     case 'ERR_FEDERATION_TIMEOUT': break; // transient: keep the bundle held, retry later
 *     case 'ERR_FEDERATION_HTTP_STATUS': console.warn(`${err.url} answered ${err.status}`); break;
 *     default: console.error(err.message); // a misconfiguration or a bad bundle
 *   }
 * }
 * ```
 */
export type FederationErrorCode =
  | 'ERR_FEDERATION_INVALID_ARGUMENT'
  | 'ERR_FEDERATION_NO_TRUST_BUNDLE'
  | 'ERR_FEDERATION_CONNECT'
  | 'ERR_FEDERATION_ENDPOINT_AUTH'
  | 'ERR_FEDERATION_HTTP_STATUS'
  | 'ERR_FEDERATION_REDIRECT'
  | 'ERR_FEDERATION_CONTENT_TYPE'
  | 'ERR_FEDERATION_TOO_LARGE'
  | 'ERR_FEDERATION_TIMEOUT'
  | 'ERR_FEDERATION_ABORTED'
  | 'ERR_FEDERATION_INVALID_BUNDLE'
  | 'ERR_FEDERATION_TRUST_DOMAIN_MISMATCH'
  | 'ERR_FEDERATION_EMPTY_BUNDLE'
  | 'ERR_FEDERATION_SEQUENCE_REGRESSED'
  | 'ERR_FEDERATION_CLOSED';

/**
 * Where a federation error happened: the fields of a {@link FederationError}.
 *
 * @example
 * ```ts
 * try {
 *   await fetchBundle(url, options);
 * } catch (err) {
 *   if (err instanceof FederationError) console.warn(err.code, err.url, err.trustDomain, err.status);
 * }
 * ```
 */
export interface FederationErrorContext {
  /** The bundle endpoint URL. */
  readonly url?: string | undefined;
  /** The trust domain whose bundle was fetched. */
  readonly trustDomain?: string | undefined;
  /** The HTTP status, for `ERR_FEDERATION_HTTP_STATUS` and `ERR_FEDERATION_REDIRECT`. */
  readonly status?: number | undefined;
  readonly cause?: unknown;
}

/**
 * A bundle endpoint could not be fetched, authenticated or trusted. The message names the URL and
 * trust domain; the same facts are on the error as fields.
 *
 * @example
 * ```ts
 * import { FederationError, fetchBundle } from 'spiffe-kit';
 * try {
 *   await fetchBundle('https://partner.example/bundle', { profile: 'https_web', trustDomain: 'partner.example' });
 * } catch (err) {
 *   if (err instanceof FederationError) console.error(err.code, err.url, err.status);
 * }
 * ```
 */
export class FederationError extends SpiffeError {
  declare readonly code: FederationErrorCode;
  /** The bundle endpoint URL. */
  readonly url: string | undefined;
  /** The trust domain whose bundle was fetched. */
  readonly trustDomain: string | undefined;
  /** The HTTP status, when one was received. */
  readonly status: number | undefined;

  constructor(code: FederationErrorCode, message: string, context: FederationErrorContext = {}) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.url = context.url;
    this.trustDomain = context.trustDomain;
    this.status = context.status;
  }
}
