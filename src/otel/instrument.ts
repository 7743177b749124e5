/**
 * OpenTelemetry metrics from spiffe-kit's diagnostics channels (see `src/diagnostics/channels.ts`):
 * `instrumentSpiffeKit()` subscribes to them and records counters and histograms, and reads the
 * time to expiry of the sources it is given when a reader collects. Names follow the OpenTelemetry
 * semantic-convention style (dotted lower case, UCUM units: `s`, `{rotation}`, …).
 *
 * @module
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type Attributes, type MeterProvider, metrics, type ObservableResult, SpanKind, SpanStatusCode, trace, type TracerProvider } from '@opentelemetry/api';
import {
  diagnosticsChannels,
  type FederationFetchMessage,
  type JwtCacheMessage,
  type StreamErrorMessage,
  type StreamReconnectMessage,
  type TlsAuthorizeMessage,
  type WorkloadApiFetchMessage,
  type X509UpdateMessage,
} from '../diagnostics/channels.js';

/**
 * What `instrumentSpiffeKit` reads from a source when a metric reader collects: an `X509Source`,
 * `JwtSource` or `BundleSource` (their `health()`), or anything shaped alike.
 *
 * @example
 * ```ts
 * const stop = instrumentSpiffeKit({ sources: [x509Source, jwtSource, bundleSource] }); // every spiffe-kit source is one
 * ```
 */
export interface InstrumentedSource {
  health(): {
    readonly spiffeId?: string | undefined;
    readonly svidExpiresInSeconds?: number | undefined;
    readonly bundleCount?: number | undefined;
    readonly address?: string | undefined;
    readonly state?: string | undefined;
  };
}

/**
 * Options of {@link instrumentSpiffeKit}.
 *
 * @example
 * ```ts
 * const stop = instrumentSpiffeKit({ meterProvider, sources: [x509Source] });
 * ```
 */
export interface InstrumentSpiffeKitOptions {
  /** Where the meter comes from. Default: the global provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider | undefined;
  /** Sources whose SVID expiry and bundle count are observed (`spiffe.svid.time_to_expiry`, `spiffe.bundle.count`). */
  readonly sources?: readonly InstrumentedSource[] | undefined;
  /**
   * Also record a span per one-shot Workload API call (`SpiffeWorkloadAPI/FetchJWTSVID`, …; kind
   * client; status error with the error code on failure). Default `false`, or `true` when
   * `tracerProvider` is given.
   */
  readonly spans?: boolean | undefined;
  /** Where the tracer comes from. Default: the global provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider | undefined;
}

/**
 * The metric names {@link instrumentSpiffeKit} records.
 *
 * @example
 * ```ts
 * const { resourceMetrics } = await reader.collect(); // an @opentelemetry/sdk-metrics MetricReader
 * const rotations = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === metricNames.svidRotations);
 * ```
 */
export const metricNames = {
  svidTimeToExpiry: 'spiffe.svid.time_to_expiry',
  bundleCount: 'spiffe.bundle.count',
  svidRotations: 'spiffe.svid.rotations',
  streamReconnects: 'spiffe.workloadapi.stream.reconnects',
  streamErrors: 'spiffe.workloadapi.stream.errors',
  fetchDuration: 'spiffe.workloadapi.fetch.duration',
  tlsRefusals: 'spiffe.tls.authorization.refusals',
  jwtCacheHits: 'spiffe.jwt.cache.hits',
  jwtCacheMisses: 'spiffe.jwt.cache.misses',
  federationFetchDuration: 'spiffe.federation.fetch.duration',
} as const;

/** Bucket boundaries in seconds for calls to a local agent (sub-millisecond to 10 s deadlines). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Records spiffe-kit's metrics with OpenTelemetry until the returned function is called:
 *
 * | metric | instrument | unit | attributes |
 * |---|---|---|---|
 * | `spiffe.svid.time_to_expiry` | observable gauge (over `sources`) | `s` | `spiffe.id`, `spiffe.workloadapi.address` |
 * | `spiffe.bundle.count` | observable gauge (over `sources`) | `{bundle}` | `spiffe.workloadapi.address` |
 * | `spiffe.svid.rotations` | counter | `{rotation}` | `spiffe.id` |
 * | `spiffe.workloadapi.stream.reconnects` | counter | `{reconnect}` | `rpc.method`, `spiffe.reconnect.cause`, `error.code` |
 * | `spiffe.workloadapi.stream.errors` | counter | `{error}` | `rpc.method`, `error.code` |
 * | `spiffe.workloadapi.fetch.duration` | histogram | `s` | `rpc.method`, `error.code` (failures) |
 * | `spiffe.tls.authorization.refusals` | counter | `{refusal}` | `error.code`, `spiffe.tls.side` |
 * | `spiffe.jwt.cache.hits` / `spiffe.jwt.cache.misses` | counter | `{lookup}` | — |
 * | `spiffe.federation.fetch.duration` | histogram | `s` | `spiffe.trust_domain`, `error.code` (failures) |
 *
 * With `spans` (or a `tracerProvider`), each one-shot Workload API call also becomes a span named
 * `SpiffeWorkloadAPI/<method>` (`rpc.system` `grpc`, `rpc.service`, `rpc.method`,
 * `server.address`), timed from the call's start to its answer; the span is recorded when the call
 * ends, under the context active at that moment.
 *
 * The disposer unsubscribes from the channels and removes the gauges' callbacks. Idempotent.
 *
 * @example
 * ```ts
 * import { MeterProvider } from '@opentelemetry/sdk-metrics';
 * import { X509Source } from 'spiffe-kit';
 * import { instrumentSpiffeKit } from 'spiffe-kit/otel';
 * const source = await X509Source.create();
 * const stop = instrumentSpiffeKit({ meterProvider: new MeterProvider({ readers: [reader] }), sources: [source] });
 * // … later
 * stop();
 * ```
 */
export function instrumentSpiffeKit(options: InstrumentSpiffeKitOptions = {}): () => void {
  const provider = options.meterProvider ?? metrics.getMeterProvider();
  const meter = provider.getMeter('spiffe-kit');
  const sources = [...(options.sources ?? [])];

  const timeToExpiry = meter.createObservableGauge(metricNames.svidTimeToExpiry, {
    unit: 's',
    description: 'Seconds until the X.509-SVID a source serves expires (negative once expired).',
  });
  const bundleCount = meter.createObservableGauge(metricNames.bundleCount, { unit: '{bundle}', description: 'Trust bundles a source holds.' });
  const rotations = meter.createCounter(metricNames.svidRotations, { unit: '{rotation}', description: 'X.509-SVIDs replaced by a newer one.' });
  const reconnects = meter.createCounter(metricNames.streamReconnects, { unit: '{reconnect}', description: 'Workload API streams opened again after a failure or an end.' });
  const streamErrors = meter.createCounter(metricNames.streamErrors, { unit: '{error}', description: 'Workload API stream failures and discarded messages.' });
  const fetchDuration = meter.createHistogram(metricNames.fetchDuration, {
    unit: 's',
    description: 'Duration of one-shot Workload API calls.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const refusals = meter.createCounter(metricNames.tlsRefusals, { unit: '{refusal}', description: 'TLS peers refused by the mTLS helpers.' });
  const hits = meter.createCounter(metricNames.jwtCacheHits, { unit: '{lookup}', description: 'JWT-SVIDs served from the cache of a JwtSource.' });
  const misses = meter.createCounter(metricNames.jwtCacheMisses, { unit: '{lookup}', description: 'JWT-SVID requests that waited for the agent.' });
  const federationDuration = meter.createHistogram(metricNames.federationFetchDuration, {
    unit: 's',
    description: 'Duration of fetches from SPIFFE bundle endpoints.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });

  const recordSpan = options.spans === true || (options.spans === undefined && options.tracerProvider !== undefined) ? spanRecorder(options.tracerProvider ?? trace.getTracerProvider()) : undefined;

  const observeExpiry = (result: ObservableResult): void => {
    for (const h of healthOf(sources)) {
      if (h.svidExpiresInSeconds === undefined) continue;
      result.observe(h.svidExpiresInSeconds, withAddress({ 'spiffe.id': h.spiffeId ?? '' }, h.address));
    }
  };
  const observeBundles = (result: ObservableResult): void => {
    for (const h of healthOf(sources)) {
      if (h.bundleCount !== undefined) result.observe(h.bundleCount, withAddress({}, h.address));
    }
  };
  timeToExpiry.addCallback(observeExpiry);
  bundleCount.addCallback(observeBundles);

  const handlers: Array<[string, (message: unknown) => void]> = [
    [
      diagnosticsChannels.x509Update,
      (m) => {
        const msg = m as X509UpdateMessage;
        if (msg.rotated) rotations.add(1, { 'spiffe.id': msg.spiffeId });
      },
    ],
    [
      diagnosticsChannels.streamReconnect,
      (m) => {
        const msg = m as StreamReconnectMessage;
        const attributes: Attributes = { 'rpc.method': msg.rpc, 'spiffe.reconnect.cause': msg.cause };
        if (msg.code !== undefined) attributes['error.code'] = msg.code;
        reconnects.add(1, attributes);
      },
    ],
    [
      diagnosticsChannels.streamError,
      (m) => {
        const msg = m as StreamErrorMessage;
        streamErrors.add(1, { 'rpc.method': msg.rpc, 'error.code': msg.code });
      },
    ],
    [
      diagnosticsChannels.workloadApiFetch,
      (m) => {
        const msg = m as WorkloadApiFetchMessage;
        const attributes: Attributes = { 'rpc.method': msg.rpc };
        if (msg.code !== undefined) attributes['error.code'] = msg.code;
        fetchDuration.record(msg.durationMs / 1000, attributes);
        recordSpan?.(msg);
      },
    ],
    [
      diagnosticsChannels.tlsAuthorize,
      (m) => {
        const msg = m as TlsAuthorizeMessage;
        if (!msg.allowed) refusals.add(1, { 'error.code': msg.code ?? 'ERR_UNKNOWN', 'spiffe.tls.side': msg.side });
      },
    ],
    [
      diagnosticsChannels.jwtCache,
      (m) => {
        const msg = m as JwtCacheMessage;
        if (msg.event === 'hit') hits.add(1);
        else if (msg.event === 'miss') misses.add(1);
      },
    ],
    [
      diagnosticsChannels.federationFetch,
      (m) => {
        const msg = m as FederationFetchMessage;
        const attributes: Attributes = { 'spiffe.trust_domain': msg.trustDomain };
        if (msg.code !== undefined) attributes['error.code'] = msg.code;
        federationDuration.record(msg.durationMs / 1000, attributes);
      },
    ],
  ];
  for (const [name, fn] of handlers) subscribe(name, fn);

  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const [name, fn] of handlers) unsubscribe(name, fn);
    timeToExpiry.removeCallback(observeExpiry);
    bundleCount.removeCallback(observeBundles);
  };
}

/** The health snapshots of the sources that still answer (a closed or throwing source is skipped). */
function healthOf(sources: readonly InstrumentedSource[]): ReturnType<InstrumentedSource['health']>[] {
  const out: ReturnType<InstrumentedSource['health']>[] = [];
  for (const source of sources) {
    try {
      const h = source.health();
      if (h.state !== 'closed') out.push(h);
    } catch {
      // a source that cannot report is left out of this collection
    }
  }
  return out;
}

function withAddress(attributes: Attributes, address: string | undefined): Attributes {
  if (address !== undefined) attributes['spiffe.workloadapi.address'] = address;
  return attributes;
}

/** Records a finished one-shot call as a client span (OpenTelemetry RPC semantic conventions). */
function spanRecorder(provider: TracerProvider): (msg: WorkloadApiFetchMessage) => void {
  const tracer = provider.getTracer('spiffe-kit');
  return (msg) => {
    const end = Date.now();
    const attributes: Attributes = { 'rpc.system': 'grpc', 'rpc.service': 'SpiffeWorkloadAPI', 'rpc.method': msg.rpc };
    if (msg.address !== '') attributes['server.address'] = msg.address;
    const span = tracer.startSpan(`SpiffeWorkloadAPI/${msg.rpc}`, { kind: SpanKind.CLIENT, startTime: end - msg.durationMs, attributes });
    if (msg.code !== undefined) {
      span.setAttribute('error.type', msg.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: msg.code });
    }
    span.end(end);
  };
}
