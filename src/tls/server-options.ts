/**
 * TLS server option sets built from a source: the Node counterparts of go-spiffe's
 * `MTLSServerConfig`, `TLSServerConfig` and `MTLSWebServerConfig` (the last is
 * {@link mtlsServerOptions} with `attachSpiffeAuth`'s `webCert`).
 *
 * Each call reads the source's current SVID and bundles; the server helpers and
 * `attachSpiffeAuth` rebuild them on rotation. No hostname checks: the SPIFFE ID is what is checked.
 *
 * @module
 */
import { constants } from 'node:crypto';
import { type SecureContext, type SecureContextOptions, Server, type TlsOptions } from 'node:tls';
import { TlsError } from './errors.js';
import { MIN_TLS_VERSION } from './min-version.js';
import { svidPem, trustedAuthoritiesPem } from './source-pem.js';
import type { TrustSource, X509SvidSource, X509TlsSource } from './source.js';

/**
 * Options for a TLS server (`tls.createServer`, `https.createServer`, `http2.createSecureServer`,
 * `server.setSecureContext`).
 *
 * @example
 * ```ts
 * const server = tls.createServer({ ...tlsServerOptions(source), ALPNProtocols: ['h2'] }); // your own options beside them
 * ```
 */
export type SpiffeServerOptions = TlsOptions & SecureContextOptions;

/**
 * mTLS servers issue no session tickets: every client connection is a full handshake whose
 * certificate chain is verified and authorized (a resumed session carries no chain to verify).
 */
const NO_RESUMPTION = constants.SSL_OP_NO_TICKET;

/**
 * The server options that demand a client certificate chaining to a trusted bundle, without the
 * server's own credentials: a server built from them alone cannot complete any handshake.
 */
function mtlsServerBase(bundles: TrustSource): SpiffeServerOptions {
  return {
    minVersion: MIN_TLS_VERSION,
    ca: trustedAuthoritiesPem(bundles),
    requestCert: true,
    rejectUnauthorized: true,
    secureOptions: NO_RESUMPTION,
  };
}

/** Servers whose credentials `attachSpiffeAuth` installed. */
const attachedServers = new WeakSet<object>();

/** @internal Records that `attachSpiffeAuth` installed the server's credentials (see {@link mtlsServerOptions}). */
export function markServerAttached(server: object): void {
  attachedServers.add(server);
}

/**
 * The `SNICallback` of {@link mtlsServerOptions}: on a server whose credentials `attachSpiffeAuth`
 * did not install, fails the handshake with `ERR_TLS_SERVER_NOT_ATTACHED`, which the server emits
 * on `tlsClientError`; on an attached one it keeps the server's own (current) context. Node calls
 * it on the server's socket, as its own default `SNICallback`; should that ever change, it keeps
 * the server's context, and the server, holding no certificate, still refuses the handshake.
 * (Clients that send no server name are refused by OpenSSL: no certificate to present.)
 */
function notAttachedSniCallback(this: unknown, _servername: string, callback: (err: Error | null, ctx?: SecureContext) => void): void {
  const server = (this as { server?: unknown } | undefined)?.server;
  if (server instanceof Server && !attachedServers.has(server)) {
    callback(
      new TlsError(
        'ERR_TLS_SERVER_NOT_ATTACHED',
        'This server was built from mtlsServerOptions(), which carries no server certificate and authorizes no client: call attachSpiffeAuth(server, source, authorizer) right after creating it',
      ),
    );
    return;
  }
  callback(null);
}

/**
 * Server options for mTLS, to pass to `tls.createServer`, `https.createServer` or
 * `http2.createSecureServer` **followed by {@link attachSpiffeAuth}**: they demand a client
 * certificate that chains to a trusted bundle but carry no server certificate. Node has no
 * handshake-time hook with the client certificate, so options alone cannot authorize clients;
 * `attachSpiffeAuth` installs the server's certificate (the source's SVID, or its `webCert` option:
 * go-spiffe's `MTLSWebServerConfig`) and the SPIFFE checks (ID per trust domain, then the
 * authorizer) together. A server built from these options without that call **fails closed**: it
 * refuses every handshake, and for clients that send a server name (SNI) it emits `tlsClientError`
 * with a {@link TlsError} `ERR_TLS_SERVER_NOT_ATTACHED`. Or use {@link createHttpsServer},
 * {@link createTlsServer}, {@link createHttp2SecureServer}, which do both.
 *
 * @param bundles - the trust bundles that verify clients (an `X509Source` or a `BundleSource`).
 * @example
 * ```ts
 * import https from 'node:https';
 * const server = https.createServer(mtlsServerOptions(source), handler);
 * attachSpiffeAuth(server, source, authorizeMemberOf('example.org')); // SVID + authorization + rotation
 * // With a web PKI certificate instead of the SVID:
 * attachSpiffeAuth(webServer, source, authorizeMemberOf('example.org'), { webCert: { cert, key } });
 * ```
 */
export function mtlsServerOptions(bundles: TrustSource): SpiffeServerOptions {
  return { ...mtlsServerBase(bundles), SNICallback: notAttachedSniCallback };
}

/** @internal Construction options of the server helpers: {@link mtlsServerOptions} without the `SNICallback` (they attach at once). */
export function mtlsServerHelperOptions(bundles: TrustSource): SpiffeServerOptions {
  return mtlsServerBase(bundles);
}

/** @internal The secure context `attachSpiffeAuth` installs: the source's SVID, its bundles. */
export function mtlsServerContextOptions(source: X509TlsSource): SpiffeServerOptions {
  const { cert, key } = svidPem(source.getX509Svid());
  return { ...mtlsServerBase(source), cert, key };
}

/**
 * Server options for TLS: presents the source's SVID; clients are not authenticated.
 *
 * @example
 * ```ts
 * const server = https.createServer(tlsServerOptions(source), handler);
 * ```
 */
export function tlsServerOptions(source: X509SvidSource): SpiffeServerOptions {
  const { cert, key } = svidPem(source.getX509Svid());
  return { minVersion: MIN_TLS_VERSION, cert, key, requestCert: false };
}

/** @internal The secure context `attachSpiffeAuth({ webCert })` installs: the web certificate, the source's bundles. */
export function mtlsWebServerContextOptions(
  webCert: { readonly cert: string | Buffer | Array<string | Buffer>; readonly key: string | Buffer | Array<string | Buffer> },
  source: TrustSource,
): SpiffeServerOptions {
  return { ...mtlsServerBase(source), cert: webCert.cert, key: webCert.key };
}
