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
import type { Authorizer } from './authorizer.js';
import { TlsError } from './errors.js';
import { mtlsClientConnectOptions, tlsClientConnectOptions, type SpiffeClientOptions } from './options.js';
import { setPeerSpiffeId } from './peer-identity.js';
import type { TrustSource, X509TlsSource } from './source.js';

type Fresh = (onVerified: (id: import('../spiffeid/spiffe-id.js').SpiffeId) => void) => SpiffeClientOptions;

/** Opens a TLS connection with fresh options, records the verified ID, refuses resumed sessions. */
function openVerified(base: ConnectionOptions, fresh: Fresh): TLSSocket {
  // eslint-disable-next-line prefer-const
  let socket: TLSSocket;
  const options: ConnectionOptions = { ...base, ...fresh((id) => setPeerSpiffeId(socket, id)) };
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
 * domain and runs `authorizer`. TLS sessions are never cached or resumed.
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

  constructor(source: X509TlsSource, authorizer: Authorizer, options: AgentOptions = {}, mode: 'mtls' | 'tls' = 'mtls') {
    super({ ...options, maxCachedSessions: 0 });
    this.#fresh = mode === 'mtls' ? (cb) => mtlsClientConnectOptions(source, authorizer, cb) : (cb) => tlsClientConnectOptions(source, authorizer, cb);
  }

  override createConnection(options: ConnectionOptions): Duplex {
    return openVerified(options, this.#fresh);
  }
}

/**
 * A {@link SpiffeHttpsAgent} for mTLS.
 *
 * @example
 * ```ts
 * const agent = spiffeHttpsAgent(source, authorizeMemberOf('example.org'), { keepAlive: true });
 * ```
 */
export function spiffeHttpsAgent(source: X509TlsSource, authorizer: Authorizer, options: AgentOptions = {}): SpiffeHttpsAgent {
  return new SpiffeHttpsAgent(source, authorizer, options, 'mtls');
}

/**
 * Client options for mTLS: presents the source's SVID; the server must present an X.509-SVID
 * that chains to the bundle of its own trust domain and pass `authorizer`. Hostnames are not
 * checked. For `https.request` the options carry an `agent` that never resumes TLS sessions (Node
 * skips `checkServerIdentity` on resumed sessions) and reads the source per connection; with
 * `tls.connect` and `http2.connect` never pass a `session`.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * https.get('https://127.0.0.1:8443/', mtlsClientOptions(source, authorizeId('spiffe://example.org/api')), (res) => res.resume());
 * ```
 */
export function mtlsClientOptions(source: X509TlsSource, authorizer: Authorizer): SpiffeClientOptions & { agent: Agent } {
  return { ...mtlsClientConnectOptions(source, authorizer), agent: new SpiffeHttpsAgent(source, authorizer, {}, 'mtls') };
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
export function tlsClientOptions(bundles: TrustSource, authorizer: Authorizer): SpiffeClientOptions & { agent: Agent } {
  return {
    ...tlsClientConnectOptions(bundles, authorizer),
    agent: new SpiffeHttpsAgent(bundles as X509TlsSource, authorizer, {}, 'tls'),
  };
}

/**
 * The options undici passes to a `connect` function (structural; undici is not a dependency).
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
}

/**
 * An undici-compatible `connect` function (`new undici.Agent({ connect })`) for SPIFFE mTLS:
 * fresh SVID and bundles per connection, per-trust-domain verification, `authorizer`, no session
 * resumption.
 *
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
): (options: UndiciConnectOptions, callback: (err: Error | null, socket: TLSSocket | null) => void) => TLSSocket {
  return (options, callback) => {
    const port = Number(options.port) || 443;
    const base: ConnectionOptions = { host: options.hostname, port, ALPNProtocols: ['http/1.1'] };
    if (typeof options.servername === 'string' && options.servername !== '' && isIP(options.servername) === 0) base.servername = options.servername;
    if (typeof options.localAddress === 'string') (base as { localAddress?: string }).localAddress = options.localAddress;
    const socket = openVerified(base, (cb) => mtlsClientConnectOptions(source, authorizer, cb));
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      socket.off('error', onError);
      callback(err, err === null ? socket : null);
    };
    const onError = (err: Error) => finish(err);
    socket.once('secureConnect', () => {
      if (!socket.destroyed) finish(null);
    });
    socket.on('error', onError);
    return socket;
  };
}
