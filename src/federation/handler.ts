/**
 * The server side of SPIFFE Federation: this workload's trust domain bundle served as a SPIFFE
 * bundle document, so that a Node service can be the bundle endpoint other trust domains (SPIRE
 * servers, go-spiffe, spiffe-kit) federate with. Matches go-spiffe's `federation.NewHandler`
 * (v2/federation/handler.go): GET only, the bundle read from the source on every request,
 * `application/json`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttps, type Server as HttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { SpiffeBundle } from '../bundle/spiffe-bundle.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { SpiffeBundleSource } from '../bundle/spiffe-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { createTlsOnlyHttpsServer } from '../tls/server.js';
import type { X509TlsSource } from '../tls/source.js';
import { FederationError } from './errors.js';
import type { BundleEndpointProfile } from './fetch.js';

/**
 * Where the served bundle comes from: an `X509Source` (X.509 authorities), a `BundleSource` (X.509
 * and JWT), a {@link SpiffeBundle} or any source of one of the bundle kinds.
 *
 * @example
 * ```ts
 * http.createServer(bundleEndpointHandler(await BundleSource.create(), { trustDomain: 'example.org' })); // or an X509Source, a SpiffeBundleSet
 * ```
 */
export type BundleEndpointSource = Partial<X509BundleSource & JwtBundleSource & SpiffeBundleSource> &
  (X509BundleSource | JwtBundleSource | SpiffeBundleSource);

/**
 * Options of {@link bundleEndpointHandler}.
 *
 * @example
 * ```ts
 * http.createServer(bundleEndpointHandler(bundleSource, { trustDomain: 'example.org', refreshHint: 300 })).listen(8080);
 * ```
 */
export interface BundleEndpointHandlerOptions {
  /** The trust domain whose bundle is served (this workload's). */
  readonly trustDomain: TrustDomain | string;
  /** JWT authorities from another source (for example a `JwtSource` next to an `X509Source`). */
  readonly jwtBundleSource?: JwtBundleSource | undefined;
  /** `spiffe_refresh_hint` in seconds, when the bundle has none. Default 300. */
  readonly refreshHint?: number | undefined;
  /**
   * `spiffe_sequence`: a value, or a function asked on every request. Default: the source
   * bundle's own, if any. Consumers refuse a sequence that goes back, so it must survive restarts.
   */
  readonly sequenceNumber?: bigint | number | (() => bigint | number | undefined) | undefined;
}

/** The parts of a request and a response the handler uses: node:http, node:https and node:http2's compatibility API. */
interface RequestLike {
  readonly method?: string | undefined;
}
interface ResponseLike {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(): unknown;
  end(body: string): unknown;
}

/**
 * A request handler serving the trust domain's bundle as a SPIFFE bundle (SPIFFE Trust Domain and
 * Bundle spec, section 4): `GET` (and `HEAD`) on any path, `200 application/json` with the X.509
 * authorities (`use: x509-svid`), the JWT authorities when the source has them (`use: jwt-svid`),
 * `spiffe_refresh_hint` and `spiffe_sequence`. The bundle is read from the source on every request,
 * so rotations are served at once. `405` for other methods; `503` while the source has no bundle
 * of the trust domain; `500` if it cannot be written.
 *
 * @throws {@link FederationError} `ERR_FEDERATION_INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * import https from 'node:https';
 * import { bundleEndpointHandler, tlsServerOptions, X509Source } from 'spiffe-kit';
 * const source = await X509Source.create();
 * const handler = bundleEndpointHandler(source, { trustDomain: 'example.org' });
 * https.createServer(tlsServerOptions(source), handler).listen(8443);
 * ```
 */
export function bundleEndpointHandler(source: BundleEndpointSource, options: BundleEndpointHandlerOptions): (req: RequestLike, res: ResponseLike) => void {
  const bad = (why: string) => new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', `bundleEndpointHandler: ${why}`);
  if (typeof source !== 'object' || source === null) throw bad('pass the source of the bundle to serve');
  if (typeof options !== 'object' || options === null) throw bad('options with "trustDomain" are required');
  let td: TrustDomain;
  try {
    td = TrustDomain.from(options.trustDomain);
  } catch (err) {
    throw bad(`"trustDomain" is not a trust domain: ${(err as Error).message}`);
  }
  const hint = options.refreshHint ?? 300;
  if (!Number.isSafeInteger(hint) || hint < 0) throw bad('"refreshHint" must be a non-negative integer number of seconds');
  if (options.sequenceNumber !== undefined && typeof options.sequenceNumber !== 'function') {
    try {
      new SpiffeBundle(td, { sequenceNumber: options.sequenceNumber });
    } catch (err) {
      throw bad(`"sequenceNumber": ${(err as Error).message}`);
    }
  }

  const current = (): SpiffeBundle | undefined => {
    const spiffe = source.getSpiffeBundleForTrustDomain?.(td);
    const x509 = spiffe === undefined ? source.getX509BundleForTrustDomain?.(td) : undefined;
    const jwt = (options.jwtBundleSource ?? (spiffe === undefined ? source : undefined))?.getJwtBundleForTrustDomain?.(td);
    if (spiffe === undefined && x509 === undefined && jwt === undefined) return undefined;
    const bundle = spiffe?.clone() ?? new SpiffeBundle(td, { x509Authorities: x509?.x509AuthoritiesDer });
    if (jwt !== undefined) for (const [kid, key] of jwt.jwtAuthorities) bundle.addJwtAuthority(kid, key);
    bundle.refreshHint ??= hint;
    const sequence = typeof options.sequenceNumber === 'function' ? options.sequenceNumber() : options.sequenceNumber;
    if (sequence !== undefined) bundle.sequenceNumber = sequence;
    return bundle;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method is not allowed\n');
      return;
    }
    let body: string;
    try {
      const bundle = current();
      if (bundle === undefined) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': 1 });
        res.end(`no bundle of trust domain ${td.name} yet\n`);
        return;
      }
      body = bundle.marshal();
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`unable to serve the bundle of ${td.name}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };
}

/**
 * Options of {@link createBundleEndpointServer}.
 *
 * @example
 * ```ts
 * createBundleEndpointServer(x509Source, { trustDomain: 'example.org', profile: 'https_spiffe' }).listen(8443);
 * ```
 */
export interface BundleEndpointServerOptions extends BundleEndpointHandlerOptions {
  readonly profile: BundleEndpointProfile;
  /** `https_web`: the operator's Web PKI certificate chain and key (PEM). */
  readonly webCert?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  /** `https_spiffe`: the source of the SVID presented (default: `source`, which must then be an `X509Source`). */
  readonly svidSource?: X509TlsSource | undefined;
  /** Extra options for `https.createServer` (timeouts, ciphers…). */
  readonly serverOptions?: HttpsServerOptions | undefined;
}

/**
 * An https server that is a bundle endpoint (not listening yet):
 *
 * - `https_spiffe`: presents the workload's X.509-SVID (followed through rotations), does not
 *   authenticate clients; federating peers check the SVID's SPIFFE ID (their `endpoint_spiffe_id`).
 * - `https_web`: presents the operator's certificate (`webCert`); rotate it with
 *   `server.setSecureContext()`.
 *
 * @throws {@link FederationError} `ERR_FEDERATION_INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const source = await X509Source.create();
 * const server = createBundleEndpointServer(source, { trustDomain: 'example.org', profile: 'https_spiffe' });
 * server.listen(8443);
 * ```
 */
export function createBundleEndpointServer(source: BundleEndpointSource, options: BundleEndpointServerOptions): HttpsServer {
  const handler = bundleEndpointHandler(source, options) as (req: IncomingMessage, res: ServerResponse) => void;
  const bad = (why: string) => new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', `createBundleEndpointServer: ${why}`);
  const extra = options.serverOptions ?? {};
  if (options.profile === 'https_web') {
    if (options.webCert === undefined) throw bad('the https_web profile serves the operator\'s certificate: pass "webCert" ({ cert, key })');
    return createHttps({ minVersion: 'TLSv1.2', ...extra, cert: options.webCert.cert, key: options.webCert.key }, handler);
  }
  if (options.profile !== 'https_spiffe') throw bad(`unknown profile ${JSON.stringify(options.profile)} (https_web or https_spiffe)`);
  const svidSource = options.svidSource ?? (source as Partial<X509TlsSource>);
  if (typeof svidSource.getX509Svid !== 'function') throw bad('the https_spiffe profile presents the workload\'s SVID: pass an X509Source (or "svidSource")');
  return createTlsOnlyHttpsServer(svidSource as X509TlsSource, handler, extra);
}
