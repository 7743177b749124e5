/**
 * Server helpers: Node has no hook that runs during the handshake with the client's certificate,
 * so client authorization is installed on the server's `secureConnection` event, before any
 * request is read, together with rotation (`setSecureContext` on every source update).
 *
 * @module
 */
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, SecureServerOptions } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttps, Server as HttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { createServer as createTls, type SecureContextOptions, type Server as TlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import type { Logger } from '../workloadapi/logger.js';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { markServerAttached, mtlsServerContextOptions, mtlsServerHelperOptions, mtlsWebServerContextOptions, type SpiffeServerOptions, tlsServerOptions } from './server-options.js';
import { setPeerSpiffeId } from './peer-identity.js';
import { loggerOf, logRefusal } from './refusal-log.js';
import { refuseClient } from './refusal-reply.js';
import type { TrustSource, X509TlsSource } from './source.js';
import { verifyTlsPeer } from './verify-peer.js';
import { authorizeObserved, publishAllowed } from './authorize-events.js';

/** The events the helpers follow (an `X509Source` emits them). */
interface RotatingSource {
  on(event: 'svid' | 'bundles', listener: () => void): unknown;
  off(event: 'svid' | 'bundles', listener: () => void): unknown;
}

/**
 * Options of {@link attachSpiffeAuth} and the server helpers.
 *
 * @example
 * ```ts
 * attachSpiffeAuth(server, source, authz, { onRejected: (err) => log.warn(err.message) });
 * ```
 */
export interface SpiffeServerAuthOptions {
  /** Present this web PKI certificate instead of the SVID (go-spiffe's `MTLSWebServerConfig`). */
  readonly webCert?: { readonly cert: string | Buffer | Array<string | Buffer>; readonly key: string | Buffer | Array<string | Buffer> } | undefined;
  /**
   * Called with the reason when a client is refused. The socket is already being closed (after
   * the refusal answer: 403, GOAWAY or a TLS close); no request of it is read.
   */
  readonly onRejected?: ((error: Error, socket: TLSSocket) => void) | undefined;
  /**
   * Where refusals are logged (at `warn`, with `peerId`, `rule`, `remoteAddress`, `code`).
   * Default: the source's `logger` (the `logger` option of `X509Source.create`; silent when none).
   */
  readonly logger?: Logger | undefined;
  /** Called when rebuilding the secure context after a source update fails (the old one stays). */
  readonly onRotationError?: ((error: unknown) => void) | undefined;
  /**
   * Secure-context settings of your own (`maxVersion`, `ciphers`, `ecdhCurve`, …) to keep when the
   * context is rebuilt on rotation. The `create*Server` helpers pass the options they were given.
   */
  readonly secureContextOptions?: SecureContextOptions | undefined;
}

/**
 * Undoes {@link attachSpiffeAuth}'s rotation listeners (authorization stays on the server).
 *
 * @example
 * ```ts
 * const detach = attachSpiffeAuth(server, source, authz);
 * server.close(detach);
 * ```
 */
export type DetachSpiffeAuth = () => void;

type AnyListener = (...args: unknown[]) => void;

/**
 * Keeps a TLS server's certificate and trust current: calls `server.setSecureContext(build())`
 * on every `svid` and `bundles` event of the source. Open connections keep their context; the
 * next handshake uses the new one. Removed when the server closes.
 *
 * @example
 * ```ts
 * const server = https.createServer(tlsServerOptions(source), handler);
 * attachSpiffeRotation(server, source, () => tlsServerOptions(source));
 * ```
 */
export function attachSpiffeRotation(
  server: TlsServer,
  source: object,
  build: () => SpiffeServerOptions,
  onError?: (error: unknown) => void,
): DetachSpiffeAuth {
  const events = source as Partial<RotatingSource>;
  if (typeof events.on !== 'function' || typeof events.off !== 'function') return () => {};
  const update = (): void => {
    try {
      server.setSecureContext(build());
    } catch (err) {
      onError?.(err);
    }
  };
  events.on('svid', update);
  events.on('bundles', update);
  let attached = true;
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    events.off?.('svid', update);
    events.off?.('bundles', update);
  };
  server.once('close', detach);
  return detach;
}

/**
 * Installs the server's credentials, SPIFFE client authorization and rotation on an existing TLS /
 * https / http2 secure server created with {@link mtlsServerOptions}.
 * Those options carry no server certificate, so such a server refuses every handshake until this
 * call, which installs the source's SVID (or `webCert`) with `server.setSecureContext` before
 * returning; it throws if that fails (e.g. the source has no SVID yet). Your own secure-context
 * settings (`maxVersion`, `ciphers`, …) go in `secureContextOptions`: settings passed only to the
 * server constructor are replaced by this call.
 *
 * Every `secureConnection` listener registered **before** this call (the https / http2 request
 * machinery, a `tls.createServer` connection listener) is moved behind a gate: it runs only for
 * clients whose chain verifies against the bundle of their own trust domain and that `authorizer`
 * allows (by returning `true`: anything else refuses). Other clients never reach those listeners:
 * no byte of their requests is parsed; they get a refusal they can recognise where the protocol
 * has one (HTTP/1.1: `403` with a `spiffe-refusal: <code>` header; HTTP/2: GOAWAY with
 * INADEQUATE_SECURITY and the code as debug data; raw TLS: a clean close), every refusal is logged
 * at `warn` through `options.logger` or the source's logger, and `options.onRejected` is called.
 * The verified ID is then available through {@link peerSpiffeId}. Listeners added after this call
 * see every socket.
 *
 * @throws `TlsError` `ERR_TLS_BAD_AUTHORIZER` when `authorizer` is not a function.
 *
 * @param server - the `https`, `http2` or `tls` server, right after creating it (before `listen`).
 * @param source - where the server SVID and the trust bundles come from (usually an `X509Source`);
 *   read on every update. With `options.webCert`, only the bundles are read: a `BundleSource` will do.
 * @param authorizer - decides which client SPIFFE IDs may connect (e.g. `authorizeMemberOf('example.org')`).
 * @param options - `onRejected`, `onRotationError`, `webCert`, `secureContextOptions`.
 * @returns a function that stops rotation.
 * @example
 * ```ts
 * import https from 'node:https';
 * const authz = authorizeMemberOf('example.org');
 * const server = https.createServer(mtlsServerOptions(source), (req, res) => res.end(String(peerSpiffeId(req))));
 * attachSpiffeAuth(server, source, authz);
 * server.listen(8443);
 * // A web PKI certificate instead of the SVID: the source only verifies clients.
 * attachSpiffeAuth(webServer, bundleSource, authz, { webCert: { cert, key } });
 * ```
 */
export function attachSpiffeAuth(server: TlsServer, source: X509TlsSource, authorizer: Authorizer, options?: SpiffeServerAuthOptions): DetachSpiffeAuth;
export function attachSpiffeAuth(
  server: TlsServer,
  source: TrustSource,
  authorizer: Authorizer,
  options: SpiffeServerAuthOptions & { readonly webCert: NonNullable<SpiffeServerAuthOptions['webCert']> },
): DetachSpiffeAuth;
export function attachSpiffeAuth(server: TlsServer, source: TrustSource, authorizer: Authorizer, options: SpiffeServerAuthOptions = {}): DetachSpiffeAuth {
  assertAuthorizer(authorizer, 'attachSpiffeAuth');
  const webCert = options.webCert;
  const logger = options.logger ?? loggerOf(source);
  const http1 = server instanceof HttpsServer;
  const own = options.secureContextOptions ?? {};
  const build =
    webCert === undefined
      ? () => ({ ...own, ...mtlsServerContextOptions(source as X509TlsSource) })
      : () => ({ ...own, ...mtlsWebServerContextOptions(webCert, source) });
  // The server's credentials: the options it was built from carry none (it fails closed until now).
  server.setSecureContext(build());
  markServerAttached(server);
  const inner = server.listeners('secureConnection') as AnyListener[];
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: TLSSocket) => {
    let id: SpiffeId;
    try {
      id = verifyTlsPeer(socket, source, authorizer);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const code = (error as { code?: unknown }).code;
      logRefusal(logger, 'server', error, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
      // Only a code of ours goes on the wire (it becomes a header value / GOAWAY debug data).
      refuseClient(socket, typeof code === 'string' && /^ERR_[A-Z0-9_]{1,60}$/.test(code) ? code : 'ERR_TLS_UNAUTHORIZED', http1);
      try {
        options.onRejected?.(error, socket);
      } catch {
        // a throwing callback must not let the refused client through, nor crash the server
      }
      return;
    }
    if (authorizeObserved()) publishAllowed('server', id, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
    setPeerSpiffeId(socket, id);
    for (const listener of inner) listener.call(server, socket);
  });
  return attachSpiffeRotation(server, source, build, options.onRotationError);
}

/**
 * An mTLS `tls.Server`: the source's SVID, client authorization by `authorizer`, rotation.
 *
 * @param source - the server SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which client SPIFFE IDs may connect.
 * @param connectionListener - called with each authorized TLS socket.
 * @param extra - your own `tls` server options (kept across rotations) and `onRejected`.
 * @example
 * ```ts
 * const server = createTlsServer(source, authorizeId('spiffe://example.org/client'), (socket) => socket.end('hi'));
 * server.listen(0, '127.0.0.1');
 * ```
 */
export function createTlsServer(
  source: X509TlsSource,
  authorizer: Authorizer,
  connectionListener?: (socket: TLSSocket) => void,
  extra: TlsOptions & SpiffeServerAuthOptions = {},
): TlsServer {
  assertAuthorizer(authorizer, 'createTlsServer');
  const server = createTls({ ...extra, ...mtlsServerHelperOptions(source) }, connectionListener);
  attachSpiffeAuth(server, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}

/**
 * An mTLS `https.Server`: the source's SVID, client authorization by `authorizer` before any
 * request is read, rotation. Read the caller with {@link peerSpiffeId}.
 *
 * @param source - the server SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which client SPIFFE IDs may connect.
 * @param requestListener - the request handler (an express app, fastify's handler, ...); runs only for authorized clients.
 * @param extra - your own `https` server options (kept across rotations) and `onRejected`.
 * @example
 * ```ts
 * const server = createHttpsServer(source, authorizeMemberOf('example.org'), (req, res) => {
 *   res.end(`hello ${peerSpiffeId(req)}`);
 * });
 * server.listen(8443);
 * ```
 */
export function createHttpsServer(
  source: X509TlsSource,
  authorizer: Authorizer,
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void,
  extra: HttpsServerOptions & SpiffeServerAuthOptions = {},
): HttpsServer {
  assertAuthorizer(authorizer, 'createHttpsServer');
  const server = createHttps({ ...extra, ...mtlsServerHelperOptions(source) }, requestListener);
  attachSpiffeAuth(server, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}

/**
 * An mTLS `http2.Http2SecureServer`: the source's SVID, client authorization by `authorizer`
 * before any stream is read, rotation. Read the caller with {@link peerSpiffeId} (request,
 * stream or session).
 *
 * @param source - the server SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which client SPIFFE IDs may connect.
 * @param requestListener - the compatibility-API request handler; runs only for authorized clients.
 * @param extra - your own `http2` server options (kept across rotations) and `onRejected`.
 * @example
 * ```ts
 * const server = createHttp2SecureServer(source, authorizeAny(), (req, res) => res.end(String(peerSpiffeId(req))));
 * ```
 */
export function createHttp2SecureServer(
  source: X509TlsSource,
  authorizer: Authorizer,
  requestListener?: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  extra: SecureServerOptions & SpiffeServerAuthOptions = {},
): Http2SecureServer {
  assertAuthorizer(authorizer, 'createHttp2SecureServer');
  const options = { ...extra, ...mtlsServerHelperOptions(source) } as SecureServerOptions;
  // node:http2 is loaded on first use, so `import 'spiffe-kit'` does not pay for it (BENCHMARKS.md, "Cold start").
  const { createSecureServer } = process.getBuiltinModule('node:http2');
  const server = requestListener === undefined ? createSecureServer(options) : createSecureServer(options, requestListener);
  attachSpiffeAuth(server as unknown as TlsServer, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}

/**
 * A TLS-only https server (presents the SVID, does not authenticate clients), with rotation.
 *
 * @example
 * ```ts
 * const server = createTlsOnlyHttpsServer(source, (req, res) => res.end('ok'));
 * ```
 */
export function createTlsOnlyHttpsServer(
  source: X509TlsSource,
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void,
  extra: HttpsServerOptions = {},
): HttpsServer {
  const server = createHttps({ ...extra, ...tlsServerOptions(source) }, requestListener);
  attachSpiffeRotation(server, source, () => ({ ...extra, ...tlsServerOptions(source) }));
  return server;
}
