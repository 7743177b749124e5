/**
 * Connectors that read the source on every new connection: an `https.Agent` and an undici
 * `connect` function. Neither resumes TLS sessions, so every connection is fully verified.
 *
 * @module
 */
import { Agent, type AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { TlsError } from './errors.js';
import { clientSecureContext, customizesContext, mtlsClientConnectOptions, tlsClientConnectOptions, type SpiffeClientOptions } from './options.js';
import { setPeerSpiffeId } from './peer-identity.js';
import type { TrustSource, X509TlsSource } from './source.js';

type Fresh = (onVerified: (id: import('../spiffeid/spiffe-id.js').SpiffeId) => void) => SpiffeClientOptions;
type ContextFor = (maxVersion: ConnectionOptions['maxVersion']) => import('node:tls').SecureContext;

/**
 * Opens a TLS connection with fresh options, records the verified ID, refuses resumed sessions.
 * Unless `base` sets secure-context options of its own (e.g. `maxVersion`), the connection uses
 * the secure context cached for the current SVID and bundles.
 */
function openVerified(base: ConnectionOptions, fresh: Fresh, context: ContextFor): TLSSocket {
  // eslint-disable-next-line prefer-const
  let socket: TLSSocket;
  const shared = !customizesContext(base);
  const options: ConnectionOptions = { ...base, ...fresh((id) => setPeerSpiffeId(socket, id)) };
  if (shared) options.secureContext = context(base.maxVersion);
  delete options.session;
  socket = connect(options);
  socket.once('secureConnect', () => {
    if (socket.isSessionReused()) {
      socket.destroy(new TlsError('ERR_TLS_SESSION_RESUMED', 'The TLS session was resumed; spiffe-kit connections must verify the peer on every handshake'));
    }
  });
  return socket;
}

/**
 * An `https.Agent` for SPIFFE mTLS (or TLS when `source` has no SVID role): every new connection
 * presents the source's current SVID, trusts its current bundles, verifies the server per trust
 * domain and runs `authorizer`. TLS sessions are never cached or resumed. Connections share one
 * secure context per SVID and bundle set (rebuilt after a rotation), unless the request sets
 * secure-context options of its own (`ciphers`, `pfx`, …).
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * const agent = new SpiffeHttpsAgent(source, authorizeId('spiffe://example.org/api'), { keepAlive: true });
 * https.get('https://127.0.0.1:8443/', { agent }, (res) => res.resume());
 * ```
 */
export class SpiffeHttpsAgent extends Agent {
  readonly #fresh: Fresh;
  readonly #context: ContextFor;

  constructor(source: X509TlsSource, authorizer: Authorizer, options: AgentOptions = {}, mode: 'mtls' | 'tls' = 'mtls') {
    assertAuthorizer(authorizer, 'SpiffeHttpsAgent');
    super({ ...options, maxCachedSessions: 0 });
    this.#fresh = mode === 'mtls' ? (cb) => mtlsClientConnectOptions(source, authorizer, cb) : (cb) => tlsClientConnectOptions(source, authorizer, cb);
    this.#context = (maxVersion) => clientSecureContext(source, mode === 'mtls', maxVersion);
  }

  /**
   * Opens a new connection with the newest SVID and bundles and verifies the server by SPIFFE ID
   * (called by `https` for each new socket; not usually called directly).
   *
   * @example
   * ```ts
   * const socket = agent.createConnection({ host: '127.0.0.1', port: 8443 });
   * ```
   */
  override createConnection(options: ConnectionOptions): Duplex {
    return openVerified(options, this.#fresh, this.#context);
  }
}

/**
 * A {@link SpiffeHttpsAgent} for mTLS.
 *
 * @param source - the client SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which server SPIFFE IDs the agent talks to.
 * @param options - `https.Agent` options (`keepAlive`, `maxSockets`, ...).
 * @example
 * ```ts
 * const agent = spiffeHttpsAgent(source, authorizeMemberOf('example.org'), { keepAlive: true });
 * ```
 */
export function spiffeHttpsAgent(source: X509TlsSource, authorizer: Authorizer, options: AgentOptions = {}): SpiffeHttpsAgent {
  assertAuthorizer(authorizer, 'spiffeHttpsAgent');
  return new SpiffeHttpsAgent(source, authorizer, options, 'mtls');
}

/**
 * The `createConnection` that {@link mtlsClientOptions} and {@link tlsClientOptions} carry, for
 * `http2.connect` (called with the authority URL) and `https.request` without an agent (called
 * with the request options): every connection it opens uses the source's current SVID and
 * bundles, is verified and authorized, and never resumes a TLS session.
 *
 * @example
 * ```ts
 * import http2 from 'node:http2';
 * const { createConnection }: { createConnection: SpiffeCreateConnection } = mtlsClientOptions(source, authz);
 * const session = http2.connect('https://orders.internal:8443', { createConnection });
 * ```
 */
export type SpiffeCreateConnection = (target: URL | object, options?: unknown) => TLSSocket;

function rotatingCreateConnection(fresh: Fresh, context: ContextFor): SpiffeCreateConnection {
  return (target, options) => {
    if (target instanceof URL) {
      const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
      const base: ConnectionOptions = { ...(options as ConnectionOptions | undefined), host, port: Number(target.port) || 443, ALPNProtocols: ['h2'] };
      delete base.servername;
      if (isIP(host) === 0) base.servername = host;
      return openVerified(base, fresh, context);
    }
    return openVerified(target as ConnectionOptions, fresh, context);
  };
}

/**
 * Client options for mTLS: presents the source's SVID; the server must present an X.509-SVID
 * that chains to the bundle of its own trust domain and pass `authorizer`. Hostnames are not
 * checked.
 *
 * The object follows rotation where Node lets it: for `https.request` it carries an `agent`, and
 * for `http2.connect` a `createConnection`, that read the source for every new connection and
 * never resume TLS sessions (Node skips `checkServerIdentity` on resumed sessions). For
 * `tls.connect` it is a snapshot: call `mtlsClientOptions` again per connection (or use
 * {@link spiffeUndiciConnect}), and never pass a `session`.
 *
 * @param source - the client SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which server SPIFFE IDs the client talks to.
 * @example
 * ```ts
 * import https from 'node:https';
 * https.get('https://127.0.0.1:8443/', mtlsClientOptions(source, authorizeId('spiffe://example.org/api')), (res) => res.resume());
 * ```
 */
export function mtlsClientOptions(
  source: X509TlsSource,
  authorizer: Authorizer,
): SpiffeClientOptions & { agent: Agent; createConnection: SpiffeCreateConnection } {
  assertAuthorizer(authorizer, 'mtlsClientOptions');
  return {
    ...mtlsClientConnectOptions(source, authorizer),
    agent: new SpiffeHttpsAgent(source, authorizer, {}, 'mtls'),
    createConnection: rotatingCreateConnection(
      (cb) => mtlsClientConnectOptions(source, authorizer, cb),
      (maxVersion) => clientSecureContext(source, true, maxVersion),
    ),
  };
}

/**
 * Client options for TLS: no client certificate; the server is authenticated by its X.509-SVID
 * and `authorizer`. Same resumption safety as {@link mtlsClientOptions}.
 *
 * @example
 * ```ts
 * const options = tlsClientOptions(bundleSource, authorizeMemberOf('example.org'));
 * ```
 */
export function tlsClientOptions(
  bundles: TrustSource,
  authorizer: Authorizer,
): SpiffeClientOptions & { agent: Agent; createConnection: SpiffeCreateConnection } {
  assertAuthorizer(authorizer, 'tlsClientOptions');
  return {
    ...tlsClientConnectOptions(bundles, authorizer),
    agent: new SpiffeHttpsAgent(bundles as X509TlsSource, authorizer, {}, 'tls'),
    createConnection: rotatingCreateConnection(
      (cb) => tlsClientConnectOptions(bundles, authorizer, cb),
      (maxVersion) => clientSecureContext(bundles, false, maxVersion),
    ),
  };
}

/**
 * The options undici passes to a `connect` function (structural: undici is an optional peer
 * dependency, `^7 || ^8`, that spiffe-kit never imports).
 *
 * @example
 * ```ts
 * const opts: UndiciConnectOptions = { hostname: '127.0.0.1', host: '127.0.0.1:8443', protocol: 'https:', port: '8443', servername: null };
 * ```
 */
export interface UndiciConnectOptions {
  readonly hostname: string;
  readonly host?: string | undefined;
  readonly protocol?: string | undefined;
  readonly port?: string | number | undefined;
  readonly servername?: string | null | undefined;
  readonly localAddress?: string | null | undefined;
  /** An established socket to run TLS over (undici's proxy tunnels). */
  readonly httpSocket?: Duplex | undefined;
}

/**
 * How a connect function reports its outcome (undici's `buildConnector.Callback`).
 *
 * @example
 * ```ts
 * const done: UndiciConnectCallback = (err, socket) => { if (err) console.error(err); else socket.end(); };
 * ```
 */
export type UndiciConnectCallback = (...args: [null, TLSSocket] | [Error, null]) => void;

/**
 * An undici-compatible `connect` function (`new undici.Agent({ connect })`) for SPIFFE mTLS:
 * fresh SVID and bundles per connection (one shared secure context per SVID and bundle set),
 * per-trust-domain verification, `authorizer`, no session resumption. A refused server fails the
 * connection with the {@link TlsError} / `AuthorizationError` (undici's `fetch` reports it
 * as the `cause` of its `TypeError`). Use the `fetch` of the undici package whose `Agent` you
 * build: Node's global `fetch` is Node's bundled undici, and with an undici 8 `Agent` it fails on
 * Node 22 and 24 (`invalid onRequestStart method`).
 *
 * @param source - the client SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which server SPIFFE IDs the dispatcher talks to.
 * @example
 * ```ts
 * import { Agent, fetch } from 'undici';
 * const dispatcher = new Agent({ connect: spiffeUndiciConnect(source, authorizeId('spiffe://example.org/api')) });
 * await fetch('https://127.0.0.1:8443/', { dispatcher });
 * ```
 */
export function spiffeUndiciConnect(
  source: X509TlsSource,
  authorizer: Authorizer,
): (options: UndiciConnectOptions, callback: UndiciConnectCallback) => TLSSocket {
  assertAuthorizer(authorizer, 'spiffeUndiciConnect');
  return (options, callback) => {
    const port = Number(options.port) || 443;
    const base: ConnectionOptions = { host: options.hostname, port, ALPNProtocols: ['http/1.1'] };
    if (typeof options.servername === 'string' && options.servername !== '' && isIP(options.servername) === 0) base.servername = options.servername;
    if (typeof options.localAddress === 'string') (base as { localAddress?: string }).localAddress = options.localAddress;
    if (options.httpSocket !== undefined) base.socket = options.httpSocket;
    const socket = openVerified(
      base,
      (cb) => mtlsClientConnectOptions(source, authorizer, cb),
      (maxVersion) => clientSecureContext(source, true, maxVersion),
    );
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      socket.off('error', onError);
      if (err === null) callback(null, socket);
      else callback(err, null);
    };
    const onError = (err: Error) => finish(err);
    socket.once('secureConnect', () => {
      if (!socket.destroyed) finish(null);
    });
    socket.on('error', onError);
    return socket;
  };
}
