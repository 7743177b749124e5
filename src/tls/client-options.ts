/**
 * TLS client option sets built from a source: the Node counterparts of go-spiffe's
 * `MTLSClientConfig` and `TLSClientConfig`, with an `agent` and a `createConnection` that follow
 * rotation.
 *
 * @module
 */
import type { Agent } from 'node:https';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { SpiffeHttpsAgent } from './agent.js';
import { clientSecureContext, mtlsClientConnectOptions, rotatingCreateConnection, type SpiffeClientOptions, type SpiffeCreateConnection, tlsClientConnectOptions } from './client-connect.js';
import type { TrustSource, X509TlsSource } from './source.js';

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
