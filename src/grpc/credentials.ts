/**
 * @grpc/grpc-js adapters: channel and server credentials that follow the source (grpc-js's
 * certificate-provider API), SPIFFE verification of the server in `checkServerIdentity`, and a
 * server interceptor that authorizes every call before its handler runs.
 *
 * `@grpc/grpc-js` is loaded on the first call of an adapter, not when `spiffe-kit` is imported
 * (loading it would be part of every import; BENCHMARKS.md, "Import ≤ 80 ms"). The functions stay
 * synchronous: grpc-js is CommonJS, so it is loaded with `require`, from the same place a static
 * import would resolve it.
 *
 * @module
 */
import { isIP } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { TLSSocket } from 'node:tls';
import { requirePeer } from '../internal/optional-peer.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { assertAuthorizer, type Authorizer } from '../tls/authorizer.js';
import { spiffeCheckServerIdentity } from '../tls/check-server-identity.js';
import { svidPem, trustedAuthoritiesPem } from '../tls/source-pem.js';
import type { X509TlsSource } from '../tls/source.js';
import { setPeerSpiffeId } from '../tls/peer-identity.js';
import { loggerOf, logRefusal, type RefusedPeer } from '../tls/refusal-log.js';
import { peerCertificateChain, verifyPeerChain, verifyTlsPeer } from '../tls/verify-peer.js';
import { authorizeObserved, publishAllowed } from '../tls/authorize-events.js';

let grpcModule: typeof grpc | undefined;

/** `@grpc/grpc-js`, required on first use (a {@link MissingPeerDependencyError} when it is not installed). */
function loadGrpc(): typeof grpc {
  grpcModule ??= requirePeer<typeof grpc>('@grpc/grpc-js', 'spiffe-kit/grpc');
  return grpcModule;
}

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

interface EventSource {
  on(event: 'svid' | 'bundles', listener: () => void): unknown;
  off(event: 'svid' | 'bundles', listener: () => void): unknown;
}

/**
 * A grpc-js `CertificateProvider` backed by a source: the trusted authorities of all bundles as CA
 * certificates and the current SVID as identity. Listeners are called asynchronously, at once
 * with the current material and again on every `bundles` / `svid` event.
 *
 * @example
 * ```ts
 * const provider = new SourceCertificateProvider(source);
 * const creds = grpc.experimental.createCertificateProviderChannelCredentials(provider, provider);
 * ```
 */
export class SourceCertificateProvider implements grpc.experimental.CertificateProvider {
  readonly #source: X509TlsSource;
  readonly #ca = new Set<CaListener>();
  readonly #identity = new Set<IdentityListener>();
  #subscribed = false;
  readonly #onBundles = (): void => {
    for (const l of this.#ca) this.#sendCa(l);
  };
  readonly #onSvid = (): void => {
    for (const l of this.#identity) this.#sendIdentity(l);
  };

  constructor(source: X509TlsSource) {
    this.#source = source;
  }

  #sendCa(listener: CaListener): void {
    setImmediate(() => {
      if (!this.#ca.has(listener)) return;
      listener({ caCertificate: Buffer.from(trustedAuthoritiesPem(this.#source).join('')) });
    });
  }

  #sendIdentity(listener: IdentityListener): void {
    setImmediate(() => {
      if (!this.#identity.has(listener)) return;
      const { cert, key } = svidPem(this.#source.getX509Svid());
      listener({ certificate: Buffer.from(cert), privateKey: Buffer.from(key) });
    });
  }

  #sync(): void {
    const events = this.#source as unknown as Partial<EventSource>;
    if (typeof events.on !== 'function' || typeof events.off !== 'function') return;
    const want = this.#ca.size + this.#identity.size > 0;
    if (want && !this.#subscribed) {
      events.on('bundles', this.#onBundles);
      events.on('svid', this.#onSvid);
    } else if (!want && this.#subscribed) {
      events.off('bundles', this.#onBundles);
      events.off('svid', this.#onSvid);
    }
    this.#subscribed = want;
  }

  /**
   * grpc-js's certificate-provider hook: `listener` gets the trusted CAs now (asynchronously) and
   * again on every bundle update.
   *
   * @example
   * ```ts
   * provider.addCaCertificateListener((update) => console.log(update?.caCertificate.length));
   * ```
   */
  addCaCertificateListener(listener: CaListener): void {
    this.#ca.add(listener);
    this.#sync();
    this.#sendCa(listener);
  }

  /**
   * Stops CA updates to `listener`; the source is unsubscribed when no listener remains.
   *
   * @example
   * ```ts
   * provider.removeCaCertificateListener(onCa);
   * ```
   */
  removeCaCertificateListener(listener: CaListener): void {
    this.#ca.delete(listener);
    this.#sync();
  }

  /**
   * grpc-js's certificate-provider hook: `listener` gets the SVID's chain and key now
   * (asynchronously) and again on every rotation.
   *
   * @example
   * ```ts
   * provider.addIdentityCertificateListener((update) => console.log(update !== null));
   * ```
   */
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identity.add(listener);
    this.#sync();
    this.#sendIdentity(listener);
  }

  /**
   * Stops SVID updates to `listener`; the source is unsubscribed when no listener remains.
   *
   * @example
   * ```ts
   * provider.removeIdentityCertificateListener(onIdentity);
   * ```
   */
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identity.delete(listener);
    this.#sync();
  }
}

/**
 * grpc-js channel credentials for SPIFFE mTLS: the newest SVID and bundles for each new
 * connection, the server verified against the bundle of its own trust domain and `authorizer`
 * (no hostname check).
 *
 * @param source - the client SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which server SPIFFE IDs the channel talks to.
 * @example
 * ```ts
 * import * as grpc from '@grpc/grpc-js';
 * const client = new Greeter('127.0.0.1:50051', grpcChannelCredentials(source, authorizeId('spiffe://example.org/api')));
 * ```
 */
export function grpcChannelCredentials(source: X509TlsSource, authorizer: Authorizer): grpc.ChannelCredentials {
  assertAuthorizer(authorizer, 'grpcChannelCredentials');
  const provider = new SourceCertificateProvider(source);
  const creds = loadGrpc().experimental.createCertificateProviderChannelCredentials(provider, provider, {
    checkServerIdentity: spiffeCheckServerIdentity(source, authorizer),
    rejectUnauthorized: true,
  });
  withoutIpServerName(creds);
  return creds;
}

interface ChannelTarget {
  readonly scheme?: string;
  readonly authority?: string | undefined;
  readonly path: string;
}
type CreateSecureConnector = (target: ChannelTarget, options: Record<string, unknown>, callCredentials: unknown) => unknown;

/** The host of a grpc-js target path (`127.0.0.1:50051`, `[::1]:50051`, `ipv4:` address lists). */
function targetHost(path: string): string {
  const first = path.split(',')[0] ?? '';
  if (first.startsWith('[')) return first.slice(1, first.indexOf(']'));
  const colon = first.indexOf(':');
  return colon === -1 || first.indexOf(':', colon + 1) !== -1 ? first : first.slice(0, colon);
}

/**
 * grpc-js sends the target's host as TLS ServerName (SNI) even when it is an IP address, which RFC
 * 6066 forbids and Node warns about (DEP0123). SPIFFE does not use the name (the server is
 * checked by SPIFFE ID), so for IP targets no ServerName is sent. grpc-js derives the ServerName
 * only from the target it hands its secure connector (the socket is already connected), so the
 * connector is given the target without the IP host. `grpc.ssl_target_name_override` still wins.
 */
function withoutIpServerName(creds: grpc.ChannelCredentials): void {
  const target = creds as unknown as { _createSecureConnector?: CreateSecureConnector };
  const original = target._createSecureConnector;
  if (typeof original !== 'function') return;
  target._createSecureConnector = function (this: unknown, channelTarget, options, callCredentials) {
    const named = typeof options?.['grpc.ssl_target_name_override'] === 'string' && options['grpc.ssl_target_name_override'] !== '';
    const ip = typeof channelTarget?.path === 'string' && isIP(targetHost(channelTarget.path)) !== 0;
    return original.call(this, !named && ip ? { ...channelTarget, path: '' } : channelTarget, options, callCredentials);
  };
}

const verifiedSessions = new WeakMap<object, SpiffeId | Error>();

/** The client's address, from the TLS socket or grpc-js's `getPeer()` (`1.2.3.4:5678`, `[::1]:5678`). */
function peerAddress(call: grpc.ServerInterceptingCallInterface, socket: TLSSocket | undefined): RefusedPeer {
  try {
    if (socket?.remoteAddress !== undefined) return { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
    const peer = call.getPeer();
    return typeof peer === 'string' ? { remoteAddress: peer } : {};
  } catch {
    return {};
  }
}

function authorizeCall(call: grpc.ServerInterceptingCallInterface, source: X509TlsSource, authorizer: Authorizer): SpiffeId | Error {
  // The base call holds the http2 stream; its session's socket (a proxy) gives the full chain.
  const session = (call as unknown as { stream?: { session?: { socket?: TLSSocket } } }).stream?.session;
  if (session !== undefined) {
    const cached = verifiedSessions.get(session);
    if (cached !== undefined) return cached;
  }
  let outcome: SpiffeId | Error;
  try {
    const socket = session?.socket;
    outcome =
      socket !== undefined
        ? verifyTlsPeer(socket, source, authorizer)
        : verifyPeerChain(peerCertificateChain(call.getAuthContext().sslPeerCertificate), source, authorizer);
  } catch (err) {
    outcome = err instanceof Error ? err : new Error(String(err));
    // Once per connection: the outcome is remembered for the session's later calls.
    logRefusal(loggerOf(source), 'server', outcome, peerAddress(call, session?.socket));
  }
  if (!(outcome instanceof Error) && authorizeObserved()) publishAllowed('server', outcome, peerAddress(call, session?.socket));
  if (session !== undefined) {
    verifiedSessions.set(session, outcome);
    if (!(outcome instanceof Error)) setPeerSpiffeId(session, outcome);
  }
  return outcome;
}

/**
 * A grpc-js server interceptor that verifies the client's X.509-SVID (per trust domain) and runs
 * `authorizer` before a call's handler runs; refused calls end with `PERMISSION_DENIED`. Put it
 * first in the interceptor list. {@link grpcServerCredentials} installs it. Handlers read the
 * caller with `peerSpiffeId(call)`.
 *
 * @param source - the trust bundles the client's X.509-SVID is verified against (usually an `X509Source`).
 * @param authorizer - decides which client SPIFFE IDs may call.
 * @example
 * ```ts
 * const server = new grpc.Server({ interceptors: [grpcAuthInterceptor(source, authorizeAny())] });
 * ```
 */
export function grpcAuthInterceptor(source: X509TlsSource, authorizer: Authorizer): grpc.ServerInterceptor {
  assertAuthorizer(authorizer, 'grpcAuthInterceptor');
  const grpc = loadGrpc();
  return (_method, call) => {
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => {
        const listener = new grpc.ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, mdNext) => {
            const outcome = authorizeCall(call, source, authorizer);
            if (outcome instanceof Error) {
              call.sendStatus({ code: grpc.status.PERMISSION_DENIED, details: outcome.message, metadata: new grpc.Metadata() });
            } else {
              mdNext(metadata);
            }
          })
          .build();
        next(listener);
      })
      .build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}

/**
 * grpc-js server credentials for SPIFFE mTLS: presents the newest SVID, requires a client
 * certificate chaining to a trusted bundle, and authorizes each call (per trust domain, then
 * `authorizer`) before its handler runs. Rotation needs no extra call.
 *
 * @param source - the server SVID and trust bundles (usually an `X509Source`).
 * @param authorizer - decides which client SPIFFE IDs may call.
 * @example
 * ```ts
 * const server = new grpc.Server();
 * server.addService(service, impl);
 * server.bindAsync('127.0.0.1:50051', grpcServerCredentials(source, authorizeMemberOf('example.org')), () => {});
 * ```
 */
export function grpcServerCredentials(source: X509TlsSource, authorizer: Authorizer): grpc.ServerCredentials {
  assertAuthorizer(authorizer, 'grpcServerCredentials');
  const grpc = loadGrpc();
  const provider = new SourceCertificateProvider(source);
  const creds = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
  return grpc.experimental.createServerCredentialsWithInterceptors(creds, [grpcAuthInterceptor(source, authorizer)]);
}
