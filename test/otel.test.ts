// spiffe-kit/otel with the real OpenTelemetry SDK: a MeterProvider with an in-memory exporter and
// a periodic reader (flushed with forceFlush, no timing), fed by real events: the test Workload
// API (rotation, agent down and back, fault injection), JwtSource fetches, mTLS refusals on loopback.
import { once } from 'node:events';
import tls from 'node:tls';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeId, createTlsServer, diagnosticsChannels, JwtSource, mtlsClientOptions, X509Source } from '../src/index.js';
import { instrumentSpiffeKit, metricNames } from '../src/otel/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import diagnostics_channel from 'node:diagnostics_channel';
import { listenOnLoopback } from './helpers/loopback.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

function meter(): { provider: MeterProvider; collect(): Promise<MetricData[]> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: every export in these tests is an explicit forceFlush.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  cleanup.push(() => provider.shutdown());
  return {
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    },
  };
}

function metric(all: MetricData[], name: string): MetricData | undefined {
  return all.find((m) => m.descriptor.name === name);
}

function points(all: MetricData[], name: string): DataPoint<number>[] {
  return (metric(all, name)?.dataPoints ?? []) as DataPoint<number>[];
}

function sum(all: MetricData[], name: string, attrs: Record<string, unknown> = {}): number {
  return points(all, name)
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + p.value, 0);
}

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`not seen in time: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('instrumentSpiffeKit', () => {
  it('observes time to expiry and bundle count of the sources, and counts rotations', async () => {
    const { provider, collect } = meter();
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }] });
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const stop = instrumentSpiffeKit({ meterProvider: provider, sources: [source] });
    cleanup.push(stop);

    let all = await collect();
    const expiry = metric(all, metricNames.svidTimeToExpiry);
    expect(expiry?.descriptor.unit).toBe('s');
    const [point] = points(all, metricNames.svidTimeToExpiry);
    expect(point?.attributes).toEqual({ 'spiffe.id': 'spiffe://example.org/web', 'spiffe.workloadapi.address': api.address });
    const expected = (source.getX509Svid().expiresAt.getTime() - Date.now()) / 1000;
    expect(Math.abs((point?.value ?? 0) - expected)).toBeLessThan(5);
    expect(points(all, metricNames.bundleCount).map((p) => p.value)).toEqual([1]);
    expect(sum(all, metricNames.svidRotations)).toBe(0);

    const rotated = once(source as never, 'svid');
    await api.rotate();
    await rotated;
    all = await collect();
    expect(metric(all, metricNames.svidRotations)?.descriptor.unit).toBe('{rotation}');
    expect(sum(all, metricNames.svidRotations, { 'spiffe.id': 'spiffe://example.org/web' })).toBe(1);

    // A closed source is not observed (a fresh provider: a cumulative reader keeps reporting the last value it saw).
    await source.close();
    const fresh = meter();
    cleanup.push(instrumentSpiffeKit({ meterProvider: fresh.provider, sources: [source] }));
    all = await fresh.collect();
    expect(points(all, metricNames.svidTimeToExpiry)).toEqual([]);
  });

  it('counts stream errors by error.code and reconnects (agent down and back, injected failure)', async () => {
    const { provider, collect } = meter();
    cleanup.push(instrumentSpiffeKit({ meterProvider: provider }));
    const api = await agent();
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000, backoff: () => ({ next: () => 20, reset: () => {} }) });
    cleanup.push(() => source.close());
    await api.stop();
    await until(() => source.state === 'stale', 'stale');
    await api.restart();
    await until(() => source.state === 'ready', 'ready again');
    api.failWith('PERMISSION_DENIED', undefined, { times: 1 });
    await until(() => source.health().lastError?.code === 'ERR_NOT_REGISTERED', 'the injected failure');

    const all = await collect();
    expect(sum(all, metricNames.streamErrors, { 'rpc.method': 'FetchX509SVID', 'error.code': 'ERR_AGENT_UNREACHABLE' })).toBeGreaterThanOrEqual(1);
    expect(sum(all, metricNames.streamErrors, { 'error.code': 'ERR_NOT_REGISTERED' })).toBe(1);
    expect(sum(all, metricNames.streamReconnects, { 'rpc.method': 'FetchX509SVID', 'spiffe.reconnect.cause': 'error' })).toBeGreaterThanOrEqual(2);
    expect(metric(all, metricNames.streamReconnects)?.descriptor.unit).toBe('{reconnect}');
  });

  it('counts JWT cache hits and misses and records the fetch duration histogram in seconds', async () => {
    const { provider, collect } = meter();
    cleanup.push(instrumentSpiffeKit({ meterProvider: provider }));
    const api = await agent();
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'a' });
    await source.fetchJwtSvid({ audience: 'a' });
    api.failWith('UNAVAILABLE', undefined, { rpc: 'fetchJwtSvid', times: 1 });
    await source.fetchJwtSvid({ audience: 'b' }).catch(() => undefined);

    const all = await collect();
    expect(sum(all, metricNames.jwtCacheHits)).toBe(2);
    expect(sum(all, metricNames.jwtCacheMisses)).toBe(2);
    const histogram = metric(all, metricNames.fetchDuration);
    expect(histogram?.descriptor.unit).toBe('s');
    const dps = (histogram?.dataPoints ?? []) as DataPoint<Histogram>[];
    const ok = dps.find((p) => p.attributes['rpc.method'] === 'FetchJWTSVID' && p.attributes['error.code'] === undefined);
    const failed = dps.find((p) => p.attributes['error.code'] === 'ERR_AGENT_UNREACHABLE');
    expect(ok?.value.count).toBe(1);
    expect(failed?.value.count).toBe(1);
    // Seconds, not milliseconds: a local call takes well under 10 s.
    expect(ok?.value.sum).toBeGreaterThan(0);
    expect(ok?.value.sum).toBeLessThan(10);
    expect(ok?.value.buckets.boundaries[0]).toBe(0.0005);
  });

  it('counts TLS refusals by error.code and side; allowed handshakes are not refusals', async () => {
    const { provider, collect } = meter();
    cleanup.push(instrumentSpiffeKit({ meterProvider: provider }));
    const api = await agent({ identities: [{ id: 'spiffe://example.org/server' }, { id: 'spiffe://example.org/client' }] });
    const server = await X509Source.create({ address: api.address, picker: { id: 'spiffe://example.org/server' }, timeoutMs: 5000 });
    const client = await X509Source.create({ address: api.address, picker: { id: 'spiffe://example.org/client' }, timeoutMs: 5000 });
    cleanup.push(() => server.close(), () => client.close());
    const port = await listenOnLoopback(
      createTlsServer(server, authorizeId('spiffe://example.org/client'), (s) => s.end('ok')),
      cleanup,
    );
    const connect = (authorized: string) =>
      new Promise<void>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port, ...mtlsClientOptions(client, authorizeId(authorized)) });
        s.on('data', () => undefined);
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
    await connect('spiffe://example.org/server');
    await connect('spiffe://example.org/someone-else');
    await connect('spiffe://example.org/someone-else');
    const all = await collect();
    expect(sum(all, metricNames.tlsRefusals, { 'spiffe.tls.side': 'client', 'error.code': 'ERR_TLS_UNAUTHORIZED' })).toBe(2);
    expect(sum(all, metricNames.tlsRefusals, { 'spiffe.tls.side': 'server' })).toBe(0);
  });

  it('records federation fetches published on their channel', async () => {
    const { provider, collect } = meter();
    cleanup.push(instrumentSpiffeKit({ meterProvider: provider }));
    const channel = diagnostics_channel.channel(diagnosticsChannels.federationFetch);
    channel.publish({ trustDomain: 'partner.example', endpointUrl: 'https://b/', profile: 'https_web', durationMs: 40, code: undefined, changed: true, sequenceNumber: 1, refreshHintSeconds: 300 });
    channel.publish({ trustDomain: 'partner.example', endpointUrl: 'https://b/', profile: 'https_web', durationMs: 5, code: 'ERR_FEDERATION_HTTP', changed: false, sequenceNumber: undefined, refreshHintSeconds: undefined });
    const all = await collect();
    const dps = (metric(all, metricNames.federationFetchDuration)?.dataPoints ?? []) as DataPoint<Histogram>[];
    expect(dps.find((p) => p.attributes['error.code'] === undefined)?.value.sum).toBeCloseTo(0.04);
    expect(dps.find((p) => p.attributes['error.code'] === 'ERR_FEDERATION_HTTP')?.value.count).toBe(1);
  });

  it('stops recording once disposed (idempotent), and leaves the channels without subscribers', async () => {
    const { provider, collect } = meter();
    const api = await agent();
    const source = await X509Source.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const stop = instrumentSpiffeKit({ meterProvider: provider, sources: [source] });
    expect(diagnostics_channel.hasSubscribers(diagnosticsChannels.x509Update)).toBe(true);
    stop();
    stop();
    for (const name of Object.values(diagnosticsChannels)) expect(diagnostics_channel.hasSubscribers(name)).toBe(false);
    const rotated = once(source as never, 'svid');
    await api.rotate();
    await rotated;
    const all = await collect();
    expect(sum(all, metricNames.svidRotations)).toBe(0);
    expect(points(all, metricNames.svidTimeToExpiry)).toEqual([]);
  });

  it('records a client span per one-shot Workload API call when given a tracerProvider (ok and failed); none without', async () => {
    const { provider } = meter();
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    cleanup.push(() => tracerProvider.shutdown());
    const api = await agent();
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());

    const stopWithout = instrumentSpiffeKit({ meterProvider: provider });
    await source.fetchJwtSvid({ audience: 'no-span' });
    stopWithout();
    cleanup.push(instrumentSpiffeKit({ meterProvider: provider, tracerProvider }));
    const before = Date.now();
    await source.fetchJwtSvid({ audience: 'a' });
    api.failWith('UNAVAILABLE', undefined, { rpc: 'fetchJwtSvid', times: 1 });
    await source.fetchJwtSvid({ audience: 'b' }).catch(() => undefined);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['SpiffeWorkloadAPI/FetchJWTSVID', 'SpiffeWorkloadAPI/FetchJWTSVID']);
    const [ok, failed] = spans;
    expect(ok?.kind).toBe(SpanKind.CLIENT);
    expect(ok?.attributes).toEqual({ 'rpc.system': 'grpc', 'rpc.service': 'SpiffeWorkloadAPI', 'rpc.method': 'FetchJWTSVID', 'server.address': api.address });
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    const startMs = (ok?.startTime[0] ?? 0) * 1000 + (ok?.startTime[1] ?? 0) / 1e6;
    expect(startMs).toBeGreaterThanOrEqual(before - 5);
    expect(ok?.duration[0]).toBe(0); // well under a second, and not negative
    expect(ok?.duration[1]).toBeGreaterThan(0);
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ERR_AGENT_UNREACHABLE' });
    expect(failed?.attributes['error.type']).toBe('ERR_AGENT_UNREACHABLE');
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/eyJ/);
  });

  it('uses the global MeterProvider when none is given, and skips a source whose health() throws', async () => {
    const { provider, collect } = meter();
    const { metrics } = await import('@opentelemetry/api');
    metrics.setGlobalMeterProvider(provider);
    cleanup.push(() => metrics.disable());
    const broken = {
      health(): never {
        throw new Error('broken');
      },
    };
    const fixed = { health: () => ({ spiffeId: 'spiffe://example.org/x', svidExpiresInSeconds: 42, bundleCount: 3, address: 'unix:///x', state: 'ready' }) };
    cleanup.push(instrumentSpiffeKit({ sources: [broken, fixed] }));
    const all = await collect();
    expect(points(all, metricNames.svidTimeToExpiry).map((p) => [p.value, p.attributes['spiffe.id']])).toEqual([[42, 'spiffe://example.org/x']]);
    expect(points(all, metricNames.bundleCount).map((p) => p.value)).toEqual([3]);
  });
});
