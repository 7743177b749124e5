/**
 * The `node:diagnostics_channel` channels spiffe-kit publishes on, with the shape of their
 * messages. Subscribe with `diagnostics_channel.subscribe(name, fn)`; `spiffe-kit/otel` turns them
 * into OpenTelemetry metrics. Messages carry identities, expiry times, addresses and error codes:
 * never a private key, a certificate's bytes or a token.
 *
 * Publishing costs one property read (`channel.hasSubscribers`) when nobody listens: every
 * publisher checks it before building its message. See docs/OBSERVABILITY.md.
 *
 * @module
 */
import { type Channel, channel, subscribe } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';

/**
 * The names of every channel spiffe-kit publishes on.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type TlsAuthorizeMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.tlsAuthorize, (m) => {
 *   const msg = m as TlsAuthorizeMessage;
 *   if (!msg.allowed) console.warn('refused', msg.peerId, msg.code);
 * });
 * ```
 */
export const diagnosticsChannels = {
  /** A Workload API stream is up: its first message after a (re)connect arrived. {@link StreamConnectMessage} */
  streamConnect: 'spiffe-kit:workloadapi:stream:connect',
  /** A message arrived on a Workload API stream (accepted, or discarded as malformed / over a limit). {@link StreamMessageMessage} */
  streamMessage: 'spiffe-kit:workloadapi:stream:message',
  /** A Workload API stream failed, or a message was discarded. {@link StreamErrorMessage} */
  streamError: 'spiffe-kit:workloadapi:stream:error',
  /** A Workload API stream will be opened again after a delay. {@link StreamReconnectMessage} */
  streamReconnect: 'spiffe-kit:workloadapi:stream:reconnect',
  /** A one-shot Workload API call (a fetch, a validation) finished. {@link WorkloadApiFetchMessage} */
  workloadApiFetch: 'spiffe-kit:workloadapi:fetch',
  /** An `X509Source` received its first X.509-SVID, or a rotated one. {@link X509UpdateMessage} */
  x509Update: 'spiffe-kit:x509:update',
  /** A source's trust bundles changed. {@link BundleUpdateMessage} */
  bundleUpdate: 'spiffe-kit:bundle:update',
  /** The JWT-SVID cache of a `JwtSource` answered from memory, missed, or fetched. {@link JwtCacheMessage} */
  jwtCache: 'spiffe-kit:jwt:cache',
  /** An mTLS helper allowed or refused a peer. {@link TlsAuthorizeMessage} */
  tlsAuthorize: 'spiffe-kit:tls:authorize',
  /** A federated trust bundle was fetched from a bundle endpoint (or the fetch failed). {@link FederationFetchMessage} */
  federationFetch: 'spiffe-kit:federation:fetch',
} as const;

/**
 * The name of a channel of {@link diagnosticsChannels}.
 *
 * @example
 * ```ts
 * const name: DiagnosticsChannelName = 'spiffe-kit:x509:update';
 * ```
 */
export type DiagnosticsChannelName = (typeof diagnosticsChannels)[keyof typeof diagnosticsChannels];

/**
 * `spiffe-kit:workloadapi:stream:connect`: the stream delivered its first message after being
 * opened (`reconnect`: not for the first time).
 *
 * @example
 * ```ts
 * const m: StreamConnectMessage = { rpc: 'FetchX509SVID', address: 'unix:///run/spire/agent.sock', reconnect: false };
 * ```
 */
export interface StreamConnectMessage {
  /** The Workload API method: `FetchX509SVID`, `FetchX509Bundles`, `FetchJWTBundles`. */
  readonly rpc: string;
  /** The gRPC target of the agent. */
  readonly address: string;
  /** The stream had been up before and broke or ended. */
  readonly reconnect: boolean;
}

/**
 * `spiffe-kit:workloadapi:stream:message`: one message arrived on a stream.
 *
 * @example
 * ```ts
 * const m: StreamMessageMessage = { rpc: 'FetchJWTBundles', address: 'unix:///run/spire/agent.sock', accepted: true };
 * ```
 */
export interface StreamMessageMessage {
  readonly rpc: string;
  readonly address: string;
  /** `false`: discarded (malformed or over a resource limit); a {@link StreamErrorMessage} follows with the code. */
  readonly accepted: boolean;
}

/**
 * `spiffe-kit:workloadapi:stream:error`: a stream failed (and will be retried unless `fatal`), or
 * a message on it was discarded.
 *
 * @example
 * ```ts
 * const m: StreamErrorMessage = { rpc: 'FetchX509SVID', address: 'unix:///run/spire/agent.sock', code: 'ERR_AGENT_UNREACHABLE', grpcCode: 14, fatal: false, discarded: false, retryInMs: 1000 };
 * ```
 */
export interface StreamErrorMessage {
  readonly rpc: string;
  readonly address: string;
  /** The `code` of the `WorkloadApiError` (`ERR_AGENT_UNREACHABLE`, `ERR_NOT_REGISTERED`, `ERR_MALFORMED_RESPONSE`, …). */
  readonly code: string;
  /** The gRPC status code, when the stream ended with one. */
  readonly grpcCode: number | undefined;
  /** The watch stopped for good. */
  readonly fatal: boolean;
  /** Only a message was discarded; the stream goes on. */
  readonly discarded: boolean;
  /** The delay before the next attempt, when one is scheduled. */
  readonly retryInMs: number | undefined;
}

/**
 * `spiffe-kit:workloadapi:stream:reconnect`: the stream will be opened again in `delayMs`.
 *
 * @example
 * ```ts
 * const m: StreamReconnectMessage = { rpc: 'FetchX509SVID', address: 'unix:///run/spire/agent.sock', delayMs: 200, cause: 'error', code: 'ERR_AGENT_UNREACHABLE' };
 * ```
 */
export interface StreamReconnectMessage {
  readonly rpc: string;
  readonly address: string;
  readonly delayMs: number;
  /** `error`: the stream failed; `end`: the agent ended it cleanly. */
  readonly cause: 'error' | 'end';
  /** The error code when `cause` is `error`. */
  readonly code: string | undefined;
}

/**
 * `spiffe-kit:workloadapi:fetch`: a one-shot call to the agent finished.
 *
 * @example
 * ```ts
 * const m: WorkloadApiFetchMessage = { rpc: 'FetchJWTSVID', address: 'unix:///run/spire/agent.sock', durationMs: 1.8, code: undefined };
 * ```
 */
export interface WorkloadApiFetchMessage {
  readonly rpc: string;
  readonly address: string;
  /** From the start of the call to its answer (or failure), in milliseconds. */
  readonly durationMs: number;
  /** The error code when the call failed (`ERR_TIMEOUT`, `ERR_AGENT_UNREACHABLE`, …); `undefined` on success. */
  readonly code: string | undefined;
}

/**
 * `spiffe-kit:x509:update`: an `X509Source` now serves a new X.509-SVID (`rotated`: it replaces
 * another one).
 *
 * @example
 * ```ts
 * const m: X509UpdateMessage = { address: 'unix:///run/spire/agent.sock', spiffeId: 'spiffe://example.org/web', expiresAt: new Date(), previousExpiresAt: undefined, rotated: false };
 * ```
 */
export interface X509UpdateMessage {
  readonly address: string;
  readonly spiffeId: string;
  /** `notAfter` of the new SVID's leaf. */
  readonly expiresAt: Date;
  /** `notAfter` of the SVID it replaces. */
  readonly previousExpiresAt: Date | undefined;
  readonly rotated: boolean;
}

/**
 * `spiffe-kit:bundle:update`: the bundles a source holds changed (the first delivery counts as
 * every trust domain `added`).
 *
 * @example
 * ```ts
 * const m: BundleUpdateMessage = { address: 'unix:///run/spire/agent.sock', kind: 'x509', added: ['example.org'], removed: [], updated: [], count: 1 };
 * ```
 */
export interface BundleUpdateMessage {
  readonly address: string;
  /** X.509 bundles (`X509Source`, `BundleSource`) or JWT bundles (`JwtSource`, `BundleSource`). */
  readonly kind: 'x509' | 'jwt';
  /** Trust domain names. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
  /** Bundles held after the change. */
  readonly count: number;
}

/**
 * `spiffe-kit:jwt:cache`: a `JwtSource` looked up its JWT-SVID cache (`hit`: answered from memory;
 * `miss`: the caller waits for the agent, `joined` when another caller's fetch was already under
 * way), or a fetch from the agent finished (`fetch`, with `durationMs` and, on failure, `code`).
 * The token is never in the message.
 *
 * @example
 * ```ts
 * const m: JwtCacheMessage = { event: 'hit', audience: ['my-api'], subject: undefined, joined: false, background: false, durationMs: undefined, code: undefined };
 * ```
 */
export interface JwtCacheMessage {
  readonly event: 'hit' | 'miss' | 'fetch';
  /** The requested audiences, sorted. */
  readonly audience: readonly string[];
  /** The requested SPIFFE ID, when one was. */
  readonly subject: string | undefined;
  /** `miss` only: waited for a fetch already in flight. */
  readonly joined: boolean;
  /** `fetch` only: a refresh-ahead in the background, no caller waiting. */
  readonly background: boolean;
  /** `fetch` only: how long the agent took, in milliseconds. */
  readonly durationMs: number | undefined;
  /** `fetch` only: the error code when it failed. */
  readonly code: string | undefined;
}

/**
 * `spiffe-kit:tls:authorize`: an mTLS helper decided about a peer. `side` is the side that
 * decided (`server`: about a client; `client`: about a server).
 *
 * @example
 * ```ts
 * const m: TlsAuthorizeMessage = { side: 'server', allowed: false, peerId: 'spiffe://example.org/intruder', code: 'ERR_UNAUTHORIZED', rule: 'memberOf(example.org)', reason: 'not a member', remoteAddress: '127.0.0.1', remotePort: 50123, host: undefined };
 * ```
 */
export interface TlsAuthorizeMessage {
  readonly side: 'server' | 'client';
  readonly allowed: boolean;
  /** The peer's SPIFFE ID, when its X.509-SVID was verified (refused by the authorizer, or allowed). */
  readonly peerId: string | undefined;
  /** Refused: the error code (`ERR_TLS_PEER_VERIFICATION`, `ERR_UNAUTHORIZED`, …). */
  readonly code: string | undefined;
  /** Refused by an authorizer: the rule that refused. */
  readonly rule: string | undefined;
  /** Refused: the error message. */
  readonly reason: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Client side: the host that was dialled. */
  readonly host: string | undefined;
}

/**
 * `spiffe-kit:federation:fetch`: a federated bundle was fetched from a SPIFFE bundle endpoint.
 *
 * @example
 * ```ts
 * const m: FederationFetchMessage = { trustDomain: 'partner.example', endpointUrl: 'https://bundle.partner.example/', profile: 'https_web', durationMs: 35, code: undefined, changed: true, sequenceNumber: 12, refreshHintSeconds: 300 };
 * ```
 */
export interface FederationFetchMessage {
  /** The trust domain whose bundle was fetched. */
  readonly trustDomain: string;
  readonly endpointUrl: string;
  /** The endpoint profile. */
  readonly profile: 'https_web' | 'https_spiffe';
  readonly durationMs: number;
  /** The error code when the fetch failed. */
  readonly code: string | undefined;
  /** The bundle differs from the one held before. */
  readonly changed: boolean;
  readonly sequenceNumber: number | undefined;
  readonly refreshHintSeconds: number | undefined;
}

/**
 * @internal The channel objects (held here, so that subscribers by name and publishers share
 * them). Publishers check `hasSubscribers` before building a message.
 */
export const channels: { readonly [K in keyof typeof diagnosticsChannels]: Channel } = {
  streamConnect: channel(diagnosticsChannels.streamConnect),
  streamMessage: channel(diagnosticsChannels.streamMessage),
  streamError: channel(diagnosticsChannels.streamError),
  streamReconnect: channel(diagnosticsChannels.streamReconnect),
  workloadApiFetch: channel(diagnosticsChannels.workloadApiFetch),
  x509Update: channel(diagnosticsChannels.x509Update),
  bundleUpdate: channel(diagnosticsChannels.bundleUpdate),
  jwtCache: channel(diagnosticsChannels.jwtCache),
  tlsAuthorize: channel(diagnosticsChannels.tlsAuthorize),
  federationFetch: channel(diagnosticsChannels.federationFetch),
};

/** @internal The message type of each channel. */
export interface ChannelMessages {
  streamConnect: StreamConnectMessage;
  streamMessage: StreamMessageMessage;
  streamError: StreamErrorMessage;
  streamReconnect: StreamReconnectMessage;
  workloadApiFetch: WorkloadApiFetchMessage;
  x509Update: X509UpdateMessage;
  bundleUpdate: BundleUpdateMessage;
  jwtCache: JwtCacheMessage;
  tlsAuthorize: TlsAuthorizeMessage;
  federationFetch: FederationFetchMessage;
}

/**
 * @internal Publishes a typed message. Call it behind `channels[key].hasSubscribers`, so that
 * nothing is built when nobody listens:
 * `if (channels.x509Update.hasSubscribers) publish('x509Update', { … })`.
 */
export function publish<K extends keyof ChannelMessages>(key: K, message: ChannelMessages[K]): void {
  channels[key].publish(message);
}

/**
 * `NODE_DEBUG=spiffe`: every message of every channel goes to stderr through `util.debuglog`
 * (`SPIFFE <pid>: spiffe-kit:x509:update {…}`). Decided once, when spiffe-kit is loaded; without
 * it nothing subscribes and publishing stays free.
 */
const debug = debuglog('spiffe');
if (debug.enabled) {
  for (const name of Object.values(diagnosticsChannels)) subscribe(name, (message) => debug('%s %j', name, message));
}
