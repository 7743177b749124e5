/**
 * TLS option sets built from a source: the Node counterparts of go-spiffe's `MTLSServerConfig`,
 * `MTLSClientConfig`, `TLSServerConfig`, `TLSClientConfig` and `MTLSWebServerConfig`.
 *
 * Each call reads the source's current SVID and bundles; call again (or use the server helpers
 * and agents, which do) to follow rotation. No hostname checks: the SPIFFE ID is what is checked.
 *
 * @module
 */
import { constants } from 'node:crypto';
import { createSecureContext, type PeerCertificate, type SecureContext, type SecureContextOptions, Server, type TlsOptions, type ConnectionOptions } from 'node:tls';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { TlsError } from './errors.js';
import { loggerOf, logRefusal } from './refusal-log.js';
import { type TrustSource, type X509SvidSource, type X509TlsSource, svidPem, trustedAuthoritiesPem } from './source.js';
import { peerCertificateChain, verifyPeerChain } from './verify-peer.js';
import { authorizeObserved, publishAllowed } from './authorize-events.js';

/**
 * Options for a TLS server (`tls.createServer`, `https.createServer`, `http2.createSecureServer`,
 * `server.setSecureContext`).
 *
 * @example
 * ```ts
 * const options: SpiffeServerOptions = mtlsServerOptions(source, authorizeAny());
 * ```
 */
export type SpiffeServerOptions = TlsOptions & SecureContextOptions;

/**
 * Options for a TLS client (`tls.connect`, `https.request`, `http2.connect`).
 *
 * @example
 * ```ts
 * const options: SpiffeClientOptions = mtlsClientOptions(source, authorizeId('spiffe://example.org/db'));
 * ```
 */
export type SpiffeClientOptions = ConnectionOptions & {
  checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
};

const MIN_VERSION = 'TLSv1.2' as const;
/**
 * mTLS servers issue no session tickets: every client connection is a full handshake whose
 * certificate chain is verified and authorized (a resumed session carries no chain to verify).
 */
const NO_RESUMPTION = constants.SSL_OP_NO_TICKET;

/**
 * The `checkServerIdentity` the client helpers install: verifies the server's chain against the
 * bundle of its own trust domain, then the authorizer (only `true` allows). Returns the error
 * (Node then fails the handshake) and logs it at `warn` through the logger of `bundles` (an
 * `X509Source`'s `logger` option); `onVerified` receives the ID on success.
 *
 * @throws {@link TlsError} `ERR_TLS_BAD_AUTHORIZER` when `authorizer` is not a function.
 *
 * @example
 * ```ts
 * tls.connect({ ...opts, checkServerIdentity: spiffeCheckServerIdentity(source, authorizeAny()) });
 * ```
 */
export function spiffeCheckServerIdentity(
  bundles: TrustSource,
  authorizer: Authorizer,
  onVerified?: (id: SpiffeId) => void,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  assertAuthorizer(authorizer, 'spiffeCheckServerIdentity');
  const logger = loggerOf(bundles);
  return (hostname, cert) => {
    try {
      const id = verifyPeerChain(peerCertificateChain(cert), bundles, authorizer);
      if (authorizeObserved()) publishAllowed('client', id, { host: typeof hostname === 'string' ? hostname : undefined });
      onVerified?.(id);
      return undefined;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      logRefusal(logger, 'client', error, { host: typeof hostname === 'string' ? hostname : undefined });
      return error;
    }
  };
}

/**
 * The server options that demand a client certificate chaining to a trusted bundle, without the
 * server's own credentials: a server built from them alone cannot complete any handshake.
 */
function mtlsServerBase(bundles: TrustSource): SpiffeServerOptions {
  return {
    minVersion: MIN_VERSION,
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
        'This server was built from mtlsServerOptions() / mtlsWebServerOptions(), which carry no server certificate and authorize no client: call attachSpiffeAuth(server, source, authorizer) right after creating it',
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
 * `attachSpiffeAuth` installs the source's SVID and the SPIFFE checks (ID per trust domain, then
 * `authorizer`) together. A server built from these options without that call **fails closed**: it
 * refuses every handshake, and for clients that send a server name (SNI) it emits `tlsClientError`
 * with a {@link TlsError} `ERR_TLS_SERVER_NOT_ATTACHED`. Or use {@link createHttpsServer},
 * {@link createTlsServer}, {@link createHttp2SecureServer}, which do both.
 *
 * @param source - the server SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - optional and not enforced here (only checked to be a function); pass the same
 *   authorizer to `attachSpiffeAuth`, which enforces it.
 * @example
 * ```ts
 * import https from 'node:https';
 * const server = https.createServer(mtlsServerOptions(source, authz), handler);
 * attachSpiffeAuth(server, source, authz); // SVID + authorization + rotation
 * ```
 */
export function mtlsServerOptions(source: X509TlsSource, authorizer?: Authorizer): SpiffeServerOptions {
  if (authorizer !== undefined) assertAuthorizer(authorizer, 'mtlsServerOptions');
  return { ...mtlsServerBase(source), SNICallback: notAttachedSniCallback };
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
  return { minVersion: MIN_VERSION, cert, key, requestCert: false };
}

/**
 * Server options with a web PKI certificate and SPIFFE client authentication, to pass to a server
 * constructor **followed by {@link attachSpiffeAuth} with `webCert`**, which installs the
 * certificate and the SPIFFE checks together. As with {@link mtlsServerOptions}, the options carry
 * no server certificate: a server built from them alone refuses every handshake (fails closed).
 *
 * @param _webCert - unused here; pass it as `attachSpiffeAuth`'s `webCert` option, which installs it.
 * @param source - the trust bundles that verify clients (an `X509Source` or a `BundleSource`).
 * @param authorizer - optional and not enforced here (only checked to be a function); pass the same
 *   authorizer to `attachSpiffeAuth`, which enforces it.
 * @example
 * ```ts
 * const server = https.createServer(mtlsWebServerOptions({ cert, key }, source, authz), handler);
 * attachSpiffeAuth(server, source, authz, { webCert: { cert, key } });
 * ```
 */
export function mtlsWebServerOptions(
  _webCert: { readonly cert: string | Buffer | Array<string | Buffer>; readonly key: string | Buffer | Array<string | Buffer> },
  source: TrustSource,
  authorizer?: Authorizer,
): SpiffeServerOptions {
  if (authorizer !== undefined) assertAuthorizer(authorizer, 'mtlsWebServerOptions');
  return { ...mtlsServerBase(source), SNICallback: notAttachedSniCallback };
}

/** @internal The secure context `attachSpiffeAuth({ webCert })` installs: the web certificate, the source's bundles. */
export function mtlsWebServerContextOptions(
  webCert: { readonly cert: string | Buffer | Array<string | Buffer>; readonly key: string | Buffer | Array<string | Buffer> },
  source: TrustSource,
): SpiffeServerOptions {
  return { ...mtlsServerBase(source), cert: webCert.cert, key: webCert.key };
}

function clientBase(bundles: TrustSource, authorizer: Authorizer, onVerified?: (id: SpiffeId) => void): SpiffeClientOptions {
  return {
    minVersion: MIN_VERSION,
    ca: trustedAuthoritiesPem(bundles),
    rejectUnauthorized: true,
    checkServerIdentity: spiffeCheckServerIdentity(bundles, authorizer, onVerified),
  };
}

/** @internal mTLS client options without an agent. */
export function mtlsClientConnectOptions(source: X509TlsSource, authorizer: Authorizer, onVerified?: (id: SpiffeId) => void): SpiffeClientOptions {
  const { cert, key } = svidPem(source.getX509Svid());
  return { ...clientBase(source, authorizer, onVerified), cert, key };
}

/** @internal TLS client options without an agent. */
export function tlsClientConnectOptions(bundles: TrustSource, authorizer: Authorizer, onVerified?: (id: SpiffeId) => void): SpiffeClientOptions {
  return clientBase(bundles, authorizer, onVerified);
}


/** Secure contexts of the connectors, by SVID (mTLS) or by trust source (TLS), then `maxVersion`, with the CA list they hold. */
const contexts = new WeakMap<object, Map<string, { readonly ca: readonly string[]; readonly context: SecureContext }>>();

/**
 * Options that change what a secure context holds: a connection that sets any of them gets its own.
 * (`ca`, `cert`, `key` and `minVersion` are not listed: the connectors always replace them;
 * `maxVersion` is part of the cache key.)
 */
const CONTEXT_OPTIONS = [
  'pfx', 'passphrase', 'ciphers', 'ecdhCurve', 'sigalgs', 'privateKeyEngine', 'privateKeyIdentifier',
  'secureProtocol', 'secureOptions', 'honorCipherOrder', 'crl', 'dhparam', 'clientCertEngine',
  'sessionIdContext', 'ticketKeys', 'sessionTimeout', 'secureContext',
] as const;

/** @internal Whether connection options carry settings of their own that a shared secure context would ignore. */
export function customizesContext(options: object): boolean {
  const o = options as Record<string, unknown>;
  return CONTEXT_OPTIONS.some((k) => o[k] !== undefined);
}

/**
 * @internal The secure context for a new client connection: built once per SVID and CA list and
 * reused (building one parses the key and every certificate, which costs more than the SPIFFE
 * checks of a handshake). A rotation gives a new SVID object or CA list, hence a new context.
 */
export function clientSecureContext(source: TrustSource, withSvid: boolean, maxVersion?: SecureContextOptions['maxVersion']): SecureContext {
  const ca = trustedAuthoritiesPem(source);
  const svid = withSvid ? (source as X509TlsSource).getX509Svid() : undefined;
  const key: object = svid ?? source;
  let byVersion = contexts.get(key);
  if (byVersion === undefined) {
    byVersion = new Map();
    contexts.set(key, byVersion);
  }
  const hit = byVersion.get(maxVersion ?? '');
  if (hit !== undefined && hit.ca.length === ca.length && hit.ca.every((pem, i) => pem === ca[i])) return hit.context;
  const options: SecureContextOptions = { minVersion: MIN_VERSION, ca };
  if (maxVersion !== undefined) options.maxVersion = maxVersion;
  if (svid !== undefined) {
    const { cert, key: privateKey } = svidPem(svid);
    options.cert = cert;
    options.key = privateKey;
  }
  const context = createSecureContext(options);
  byVersion.set(maxVersion ?? '', { ca, context });
  return context;
}
