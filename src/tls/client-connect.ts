/**
 * The plumbing of the TLS clients (`mtlsClientOptions`, `tlsClientOptions`, `spiffeHttpsAgent`,
 * `spiffeUndiciConnect`): option sets read from the source per connection, secure contexts shared
 * per SVID and bundle set, and connections that record the verified ID and refuse resumed sessions.
 *
 * @module
 */
import { isIP } from 'node:net';
import { connect, createSecureContext, type ConnectionOptions, type PeerCertificate, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import type { Authorizer } from './authorizer.js';
import { spiffeCheckServerIdentity } from './check-server-identity.js';
import { TlsError } from './errors.js';
import { MIN_TLS_VERSION } from './min-version.js';
import { setPeerSpiffeId } from './peer-identity.js';
import { svidPem, trustedAuthoritiesPem } from './source-pem.js';
import type { TrustSource, X509TlsSource } from './source.js';

/**
 * Options for a TLS client (`tls.connect`, `https.request`, `http2.connect`).
 *
 * @example
 * ```ts
 * const socket = tls.connect({ host: 'db.internal', port: 5432, ...mtlsClientOptions(source, authorizeId('spiffe://example.org/db')) });
 * ```
 */
export type SpiffeClientOptions = ConnectionOptions & {
  checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
};

function clientBase(bundles: TrustSource, authorizer: Authorizer, onVerified?: (id: SpiffeId) => void): SpiffeClientOptions {
  return {
    minVersion: MIN_TLS_VERSION,
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
  const options: SecureContextOptions = { minVersion: MIN_TLS_VERSION, ca };
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

/** @internal Client options read from the source for one new connection. */
export type Fresh = (onVerified: (id: SpiffeId) => void) => SpiffeClientOptions;
/** @internal The shared secure context for a `maxVersion`. */
export type ContextFor = (maxVersion: ConnectionOptions['maxVersion']) => SecureContext;

/**
 * Opens a TLS connection with fresh options, records the verified ID, refuses resumed sessions.
 * Unless `base` sets secure-context options of its own (e.g. `maxVersion`), the connection uses
 * the secure context cached for the current SVID and bundles.
 *
 * @internal
 */
export function openVerified(base: ConnectionOptions, fresh: Fresh, context: ContextFor): TLSSocket {
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

/** @internal A `createConnection` that opens every connection with {@link openVerified}. */
export function rotatingCreateConnection(fresh: Fresh, context: ContextFor): SpiffeCreateConnection {
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
