/**
 * An undici `connect` function for SPIFFE mTLS that reads the source on every new connection and
 * never resumes a TLS session.
 *
 * @module
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { clientSecureContext, mtlsClientConnectOptions, openVerified } from './client-connect.js';
import type { X509TlsSource } from './source.js';

/**
 * The options undici passes to a `connect` function (structural: undici is an optional peer
 * dependency, `^7 || ^8`, that spiffe-kit never imports).
 *
 * @example
 * ```ts
 * import { Agent } from 'undici';
 * const connect = spiffeUndiciConnect(source, authorizeId('spiffe://example.org/api'));
 * const agent = new Agent({
 *   connect: (opts: UndiciConnectOptions, done: UndiciConnectCallback) => {
 *     console.log('connecting to', opts.hostname, opts.port);
 *     connect(opts, done);
 *   },
 * });
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
 * const connect = spiffeUndiciConnect(source, authorizeId('spiffe://example.org/api'));
 * const connectLogged = (opts: UndiciConnectOptions, done: UndiciConnectCallback) =>
 *   connect(opts, (...result) => {
 *     if (result[0] !== null) console.warn('mTLS connect failed:', result[0].message);
 *     done(...result);
 *   });
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
