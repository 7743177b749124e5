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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type DiagnosticsChannelName } from 'spiffe-kit';
 * const trace = (name: DiagnosticsChannelName) => subscribe(name, (m) => console.debug(name, m));
 * for (const name of Object.values(diagnosticsChannels)) trace(name);
 * ```
 */
export type DiagnosticsChannelName = (typeof diagnosticsChannels)[keyof typeof diagnosticsChannels];

/**
 * `spiffe-kit:workloadapi:stream:connect`: the stream delivered its first message after being
 * opened (`reconnect`: not for the first time).
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type StreamConnectMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.streamConnect, (message) => {
 *   const m = message as StreamConnectMessage;
 *   if (m.reconnect) console.info(`${m.rpc} to ${m.address} is back`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type StreamMessageMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.streamMessage, (message) => {
 *   const m = message as StreamMessageMessage;
 *   if (!m.accepted) console.warn(`${m.rpc}: a message from ${m.address} was discarded`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type StreamErrorMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.streamError, (message) => {
 *   const m = message as StreamErrorMessage;
 *   console.warn(`${m.rpc} failed: ${m.code}`, m.fatal ? '(giving up)' : `(retry in ${m.retryInMs} ms)`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type StreamReconnectMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.streamReconnect, (message) => {
 *   const m = message as StreamReconnectMessage;
 *   console.info(`${m.rpc} reopens in ${m.delayMs} ms after ${m.cause === 'end' ? 'the stream ended' : m.code}`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type WorkloadApiFetchMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.workloadApiFetch, (message) => {
 *   const m = message as WorkloadApiFetchMessage;
 *   histogram.record(m.durationMs, { rpc: m.rpc, ok: m.code === undefined });
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type X509UpdateMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.x509Update, (message) => {
 *   const m = message as X509UpdateMessage;
 *   if (m.rotated) console.info(`${m.spiffeId} rotated, now valid until ${m.expiresAt.toISOString()}`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type BundleUpdateMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.bundleUpdate, (message) => {
 *   const m = message as BundleUpdateMessage;
 *   console.info(`${m.kind} bundles: +${m.added.length} -${m.removed.length} ~${m.updated.length}, ${m.count} held`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type JwtCacheMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.jwtCache, (message) => {
 *   const m = message as JwtCacheMessage;
 *   if (m.event === 'fetch' && m.code !== undefined) console.warn(`JWT-SVID for ${m.audience.join(',')} failed: ${m.code}`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type TlsAuthorizeMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.tlsAuthorize, (message) => {
 *   const m = message as TlsAuthorizeMessage;
 *   if (!m.allowed) console.warn(`${m.side} refused ${m.peerId ?? 'a peer'} from ${m.remoteAddress}: ${m.code} (${m.rule})`);
 * });
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
 * import { subscribe } from 'node:diagnostics_channel';
 * import { diagnosticsChannels, type FederationFetchMessage } from 'spiffe-kit';
 * subscribe(diagnosticsChannels.federationFetch, (message) => {
 *   const m = message as FederationFetchMessage;
 *   if (m.changed) console.info(`${m.trustDomain}: bundle #${m.sequenceNumber} from ${m.endpointUrl}`);
 * });
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
