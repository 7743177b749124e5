/**
 * An `https.Agent` for SPIFFE mTLS that reads the source on every new connection and never
 * resumes a TLS session, so every connection is fully verified.
 *
 * @module
 */
import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { clientSecureContext, type ContextFor, type Fresh, mtlsClientConnectOptions, openVerified, tlsClientConnectOptions } from './client-connect.js';
import type { X509TlsSource } from './source.js';

/**
 * @internal The agent of {@link spiffeHttpsAgent}, and of the client options (`mode` `'tls'`:
 * no client certificate).
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
   */
  override createConnection(options: ConnectionOptions): Duplex {
    return openVerified(options, this.#fresh, this.#context);
  }
}

/**
 * An `https.Agent` for SPIFFE mTLS: every new connection presents the source's current SVID,
 * trusts its current bundles, verifies the server per trust domain and runs `authorizer`. TLS
 * sessions are never cached or resumed. Connections share one secure context per SVID and bundle
 * set (rebuilt after a rotation), unless the request sets secure-context options of its own
 * (`ciphers`, `pfx`, …).
 *
 * @param source - the client SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which server SPIFFE IDs the agent talks to.
 * @param options - `https.Agent` options (`keepAlive`, `maxSockets`, ...).
 * @example
 * ```ts
 * import https from 'node:https';
 * const agent = spiffeHttpsAgent(source, authorizeMemberOf('example.org'), { keepAlive: true });
 * https.get('https://127.0.0.1:8443/', { agent }, (res) => res.resume());
 * ```
 */
export function spiffeHttpsAgent(source: X509TlsSource, authorizer: Authorizer, options: AgentOptions = {}): Agent {
  assertAuthorizer(authorizer, 'spiffeHttpsAgent');
  return new SpiffeHttpsAgent(source, authorizer, options, 'mtls');
}
