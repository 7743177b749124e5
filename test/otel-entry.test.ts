// `spiffe-kit/otel` is its own entry point: the built package's main entry (and every chunk it can
// load, dynamic imports included) never names @opentelemetry, and the otel entry works from the
// built package (the exports map, the bundle) with the real SDK.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLED = `${ROOT}dist/bundled/`;

/** The bundled files `entry` can load: static and dynamic imports of `./…` chunks, transitively. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    const text = readFileSync(BUNDLED + file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s*)["']\.\/([^"']+)["']/g)) queue.push(m[1] as string);
  }
  return seen;
}

it('the main, testing and registrar entry points never reference @opentelemetry', () => {
  for (const entry of ['index.js', 'testing.js', 'registrar.js', 'cli.js']) {
    const files = reachable(entry);
    expect(files.size).toBeGreaterThan(1);
    for (const [file, text] of files) expect(text.includes('@opentelemetry'), `${entry} -> ${file}`).toBe(false);
  }
  expect(readFileSync(`${BUNDLED}otel.js`, 'utf8')).toContain('@opentelemetry/api');
});

it('spiffe-kit/otel works from the built package', () => {
  const code = `
    import { instrumentSpiffeKit, metricNames } from 'spiffe-kit/otel';
    import { X509Source } from 'spiffe-kit';
    import { TestWorkloadApi } from 'spiffe-kit/testing';
    import { MeterProvider, InMemoryMetricExporter, PeriodicExportingMetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
    const source = await X509Source.create({ address: api.address, timeoutMs: 10_000 });
    const stop = instrumentSpiffeKit({ meterProvider: provider, sources: [source] });
    await api.rotate();
    await new Promise((r) => source.once('svid', r));
    await reader.forceFlush();
    const names = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)));
    stop();
    await source.close();
    await api.close();
    await provider.shutdown();
    process.stdout.write(JSON.stringify({ expiry: names.includes(metricNames.svidTimeToExpiry), rotations: names.includes('spiffe.svid.rotations') }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ expiry: true, rotations: true });
});
