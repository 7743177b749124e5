/**
 * The bundle endpoint client of the SPIFFE Federation spec: one GET over `https_web` (Web PKI) or
 * `https_spiffe` (the endpoint's X.509-SVID, verified against a bundle already trusted for ITS
 * trust domain, and its SPIFFE ID authorized).
 *
 * Matches go-spiffe's `federation.FetchBundle` (v2/federation/fetch.go) in what is trusted:
 * `https_spiffe` uses `tlsconfig.TLSClientConfig(bundleSource, AuthorizeID(endpointID))`, here
 * {@link spiffeCheckServerIdentity} with {@link authorizeId}. It is stricter in what it accepts:
 * go-spiffe reads any status and follows Go's default redirects (up to 10, to any host); this
 * client wants a 200, a JSON body within `maxBytes` and `timeoutMs`, and follows redirects only
 * within the same origin (a redirect to another host would move the trust the operator configured
 * for one URL to another).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import type { SpiffeBundle } from '../bundle/spiffe-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import { SpiffeError } from '../errors.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { authorizeId } from '../tls/authorizer.js';
import { spiffeCheckServerIdentity } from '../tls/check-server-identity.js';
import { FederationError } from './errors.js';
import { readFederatedBundle } from './validate.js';

/**
 * How a bundle endpoint authenticates (SPIFFE Federation, "Endpoint Profiles").
 *
 * @example
 * ```ts
 * await fetchBundle('https://bundle.partner.example/', { profile: 'https_web', trustDomain: 'partner.example' });
 * await fetchBundle('https://spire.partner.example:8443', {
 *   profile: 'https_spiffe', trustDomain: 'partner.example', endpointId: 'spiffe://partner.example/spire/server', bundleSource: held,
 * });
 * ```
 */
export type BundleEndpointProfile = 'https_web' | 'https_spiffe';

/**
 * Options of {@link fetchBundle}.
 *
 * @example
 * ```ts
 * const bundle = await fetchBundle('https://spire.partner.example:8443', {
 *   profile: 'https_spiffe',
 *   trustDomain: 'partner.example',
 *   endpointId: 'spiffe://partner.example/spire/server',
 *   bundleSource: lastPartnerBundle,
 * });
 * ```
 */
export interface FetchBundleOptions {
  readonly profile: BundleEndpointProfile;
  /** The trust domain whose bundle the endpoint serves. */
  readonly trustDomain: TrustDomain | string;
  /** `https_spiffe`: the SPIFFE ID the endpoint must present (required). */
  readonly endpointId?: SpiffeId | string | undefined;
  /**
   * `https_spiffe`: bundles already trusted; the one of `endpointId`'s trust domain verifies the
   * endpoint's SVID (required). A {@link SpiffeBundle}, an `X509BundleSet`, an `X509Source`…
   */
  readonly bundleSource?: X509BundleSource | undefined;
  /** `https_web`: trust these CAs (PEM or DER) instead of Node's root store. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /** Cancels the fetch. */
  readonly signal?: AbortSignal | undefined;
  /** Bound on the whole exchange (connect, TLS, redirects, body), in ms. Default 10,000. */
  readonly timeoutMs?: number | undefined;
  /** Largest body accepted, in bytes. Default 1 MiB. */
  readonly maxBytes?: number | undefined;
  /** Largest number of keys accepted in the document (default: the bundle parser's limit). */
  readonly maxAuthorities?: number | undefined;
  /** Accept a bundle without authorities (default `false`). */
  readonly allowEmpty?: boolean | undefined;
}

/**
 * Default {@link FetchBundleOptions.maxBytes}: 1 MiB.
 *
 * @example
 * ```ts
 * await fetchBundle(url, { ...options, maxBytes: 4 * DEFAULT_BUNDLE_MAX_BYTES });
 * ```
 */
export const DEFAULT_BUNDLE_MAX_BYTES = 1024 * 1024;
/**
 * Default {@link FetchBundleOptions.timeoutMs}: 10 seconds.
 *
 * @example
 * ```ts
 * await fetchBundle(url, { ...options, timeoutMs: 3 * DEFAULT_BUNDLE_FETCH_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_BUNDLE_FETCH_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** OpenSSL / Node codes meaning "the certificate is not trusted for this connection". */
const CERT_ERROR = /CERT|UNABLE_TO_|SELF_SIGNED|ALTNAME|ERR_TLS_PEER_VERIFICATION|ERR_TLS_UNAUTHORIZED|ERR_TLS_NO_PEER_CERTIFICATE/;

interface Attempt {
  readonly url: string;
  readonly td: string;
}

interface Exchange {
  readonly tls: RequestOptions;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  /** The reason the exchange was stopped (timeout or the caller's abort), once it was. */
  stopped(): FederationError | undefined;
}

function invalid(message: string): FederationError {
  return new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', message);
}

function tlsOptions(options: FetchBundleOptions, url: string, td: string): RequestOptions {
  if (options.profile === 'https_web') {
    if (options.endpointId !== undefined) throw invalid('fetchBundle: "endpointId" belongs to the https_spiffe profile, not https_web');
    const ca = options.ca;
    return ca === undefined ? { rejectUnauthorized: true } : { rejectUnauthorized: true, ca: Array.isArray(ca) ? [...ca] : (ca as string | Buffer) };
  }
  if (options.profile !== 'https_spiffe') throw invalid(`fetchBundle: unknown profile ${JSON.stringify(options.profile)} (https_web or https_spiffe)`);
  if (options.endpointId === undefined) throw invalid('fetchBundle: the https_spiffe profile needs "endpointId", the SPIFFE ID the endpoint must present');
  if (options.ca !== undefined) throw invalid('fetchBundle: "ca" belongs to the https_web profile; https_spiffe trusts "bundleSource"');
  let endpointId: SpiffeId;
  try {
    endpointId = SpiffeId.from(options.endpointId);
  } catch (err) {
    throw invalid(`fetchBundle: "endpointId" is not a SPIFFE ID: ${(err as Error).message}`);
  }
  const bundle = options.bundleSource?.getX509BundleForTrustDomain(endpointId.trustDomain);
  if (bundle === undefined || bundle.x509AuthoritiesDer.length === 0) {
    throw new FederationError(
      'ERR_FEDERATION_NO_TRUST_BUNDLE',
      `fetchBundle: no X.509 bundle of trust domain "${endpointId.trustDomain.name}" to authenticate ${endpointId.toString()} at ${url}; pass "bundleSource" (for a first contact, the bundle obtained out of band)`,
      { url, trustDomain: td },
    );
  }
  return {
    rejectUnauthorized: true,
    ca: bundle.toPem(),
    checkServerIdentity: spiffeCheckServerIdentity(bundle, authorizeId(endpointId)),
  };
}

function parseUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw.toString());
  } catch {
    throw invalid(`fetchBundle: ${JSON.stringify(String(raw).slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== 'https:') throw invalid(`fetchBundle: bundle endpoints are served over https (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') throw invalid('fetchBundle: the bundle endpoint URL must not carry credentials');
  return url;
}

function mapError(err: unknown, at: Attempt, exchange: Exchange): FederationError {
  const stopped = exchange.stopped();
  if (stopped !== undefined) return stopped;
  if (err instanceof FederationError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && CERT_ERROR.test(code)) {
    return new FederationError('ERR_FEDERATION_ENDPOINT_AUTH', `The bundle endpoint ${at.url} failed authentication: ${text}`, { url: at.url, trustDomain: at.td, cause: err });
  }
  const why = err instanceof SpiffeError || typeof code !== 'string' ? text : `${text} (${code})`;
  return new FederationError('ERR_FEDERATION_CONNECT', `Could not fetch the bundle of "${at.td}" from ${at.url}: ${why}`, { url: at.url, trustDomain: at.td, cause: err });
}

function checkContentType(res: IncomingMessage, at: Attempt): void {
  const type = res.headers['content-type'];
  if (type === undefined) return;
  const media = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (media !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(media)) {
    throw new FederationError('ERR_FEDERATION_CONTENT_TYPE', `The bundle endpoint ${at.url} answered with content-type ${JSON.stringify(type.slice(0, 100))}, not application/json`, {
      url: at.url,
      trustDomain: at.td,
    });
  }
}

type Outcome = { readonly body: Buffer } | { readonly location: string; readonly status: number };

function tooLarge(at: Attempt, maxBytes: number): FederationError {
  return new FederationError('ERR_FEDERATION_TOO_LARGE', `The bundle endpoint ${at.url} sent more than ${maxBytes} bytes`, { url: at.url, trustDomain: at.td });
}

/** One GET: a 200 body (bounded), or a redirect's location. */
function get(url: URL, at: Attempt, exchange: Exchange): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const fail = (err: unknown) => reject(mapError(err, at, exchange));
    const req = request(url, { ...exchange.tls, method: 'GET', agent: false, signal: exchange.signal, headers: { accept: 'application/json' } }, (res) => {
      const status = res.statusCode ?? 0;
      const stop = (err: FederationError | undefined, outcome?: Outcome) => {
        res.removeAllListeners('data');
        res.on('error', () => {});
        req.destroy();
        if (err !== undefined) reject(err);
        else resolve(outcome as Outcome);
      };
      if (REDIRECTS.has(status)) {
        stop(undefined, { location: res.headers.location ?? '', status });
        return;
      }
      if (status !== 200) {
        stop(new FederationError('ERR_FEDERATION_HTTP_STATUS', `The bundle endpoint ${at.url} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, { url: at.url, trustDomain: at.td, status }));
        return;
      }
      try {
        checkContentType(res, at);
      } catch (err) {
        stop(err as FederationError);
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > exchange.maxBytes) {
        stop(tooLarge(at, exchange.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > exchange.maxBytes) stop(tooLarge(at, exchange.maxBytes));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('the connection closed before the whole body arrived')));
      res.on('end', () => {
        if (!res.complete) fail(new Error('the connection closed before the whole body arrived'));
        else resolve({ body: Buffer.concat(chunks, size) });
      });
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * Fetches and validates the SPIFFE bundle of a trust domain from its bundle endpoint (SPIFFE
 * Federation spec). The document must be a SPIFFE bundle (`SpiffeBundle.parse`) with at least one
 * authority, and no X.509 authority may name another trust domain. The exchange is bounded in time
 * (`timeoutMs`, including a server that trickles its body) and size (`maxBytes`, counted while
 * streaming); only a 200 with a JSON (or absent) content type is read; redirects are followed only
 * within the same origin. TLS sessions are never reused.
 *
 * - `https_web`: Web PKI, Node's root store or `ca`, the host name checked.
 * - `https_spiffe`: the endpoint's X.509-SVID must verify against the bundle of `endpointId`'s
 *   trust domain from `bundleSource` (per trust domain, as {@link verifyX509Svid}) and carry exactly
 *   `endpointId`.
 *
 * @throws {@link FederationError} (see {@link FederationErrorCode}).
 * @example
 * ```ts
 * import { fetchBundle, SpiffeBundle } from 'spiffe-kit';
 * const bootstrap = SpiffeBundle.parse('partner.example', bootstrapJson); // obtained out of band
 * const bundle = await fetchBundle('https://spire.partner.example:8443', {
 *   profile: 'https_spiffe',
 *   trustDomain: 'partner.example',
 *   endpointId: 'spiffe://partner.example/spire/server',
 *   bundleSource: bootstrap,
 * });
 * console.log(bundle.sequenceNumber, bundle.x509Authorities.length);
 * ```
 */
export async function fetchBundle(url: string | URL, options: FetchBundleOptions): Promise<SpiffeBundle> {
  if (typeof options !== 'object' || options === null) throw invalid('fetchBundle: options with "profile" and "trustDomain" are required');
  let trustDomain: TrustDomain;
  try {
    trustDomain = TrustDomain.from(options.trustDomain);
  } catch (err) {
    throw invalid(`fetchBundle: "trustDomain" is not a trust domain: ${(err as Error).message}`);
  }
  let target = parseUrl(url);
  const td = trustDomain.name;
  const tls = tlsOptions(options, target.href, td);
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUNDLE_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_BUNDLE_MAX_BYTES;
  if (!(timeoutMs > 0)) throw invalid('fetchBundle: "timeoutMs" must be a positive number');
  if (!(maxBytes > 0)) throw invalid('fetchBundle: "maxBytes" must be a positive number');
  const origin = target.origin;

  const controller = new AbortController();
  let reason: FederationError | undefined;
  const stopWith = (err: FederationError) => {
    reason ??= err;
    controller.abort(err);
  };
  const onAbort = () =>
    stopWith(new FederationError('ERR_FEDERATION_ABORTED', `Fetching the bundle of "${td}" from ${target.href} was aborted`, { url: target.href, trustDomain: td, cause: options.signal?.reason }));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => stopWith(new FederationError('ERR_FEDERATION_TIMEOUT', `Fetching the bundle of "${td}" from ${target.href} took longer than ${timeoutMs} ms`, { url: target.href, trustDomain: td })),
    timeoutMs,
  );
  const exchange: Exchange = { tls, signal: controller.signal, maxBytes, stopped: () => reason };
  try {
    for (let redirects = 0; ; redirects++) {
      if (reason !== undefined) throw reason;
      const at = { url: target.href, td };
      const outcome = await get(target, at, exchange);
      if ('body' in outcome) return readFederatedBundle(trustDomain, outcome.body, target.href, options);
      let next: URL;
      try {
        next = new URL(outcome.location, target);
      } catch {
        throw new FederationError('ERR_FEDERATION_REDIRECT', `The bundle endpoint ${target.href} redirected (${outcome.status}) to an invalid location`, { ...at, status: outcome.status, trustDomain: td });
      }
      if (next.origin !== origin) {
        throw new FederationError(
          'ERR_FEDERATION_REDIRECT',
          `The bundle endpoint ${target.href} redirected (${outcome.status}) to another origin, ${next.origin}; only redirects within ${origin} are followed`,
          { url: target.href, trustDomain: td, status: outcome.status },
        );
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new FederationError('ERR_FEDERATION_REDIRECT', `The bundle endpoint ${origin} redirected more than ${MAX_REDIRECTS} times`, { url: target.href, trustDomain: td, status: outcome.status });
      }
      target = next;
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
