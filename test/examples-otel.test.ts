// examples/otel-prometheus.mjs runs as a user runs it (node, the built package, its own Workload
// API), scrapes its own Prometheus endpoint once and prints what Prometheus would see.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envWithoutEndpoint, runExample } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('OpenTelemetry example', { timeout: 30_000 }, () => {
  it('otel-prometheus.mjs --once exposes the spiffe-kit metrics in the Prometheus format', async () => {
    const { code, out } = await runExample(['examples/otel-prometheus.mjs', '--once'], { cwd: ROOT, env: envWithoutEndpoint() });
    expect(code, out).toBe(0);
    for (const type of [
      'spiffe_svid_time_to_expiry gauge',
      'spiffe_bundle_count gauge',
      'spiffe_svid_rotations_total counter',
      'spiffe_workloadapi_stream_reconnects_total counter',
      'spiffe_workloadapi_fetch_duration histogram',
      'spiffe_tls_authorization_refusals_total counter',
      'spiffe_jwt_cache_hits_total counter',
      'spiffe_jwt_cache_misses_total counter',
    ]) {
      expect(out, type).toContain(`# TYPE ${type}`);
    }
    const value = (pattern: RegExp): number => Number(pattern.exec(out)?.[1]);
    expect(value(/^spiffe_svid_time_to_expiry\{spiffe_id="spiffe:\/\/example\.org\/ns\/shop\/sa\/orders",[^}]*\} (\d+)$/m)).toBeGreaterThan(3500);
    expect(value(/^spiffe_svid_rotations_total\{[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^spiffe_tls_authorization_refusals_total\{error_code="ERR_TLS_UNAUTHORIZED",spiffe_tls_side="client",[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^spiffe_jwt_cache_hits_total\{[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^spiffe_jwt_cache_misses_total\{[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^spiffe_workloadapi_stream_reconnects_total\{rpc_method="FetchX509SVID",spiffe_reconnect_cause="end",[^}]*\} (\d+)$/m)).toBe(1);
    expect(value(/^spiffe_workloadapi_fetch_duration_count\{rpc_method="FetchJWTSVID",[^}]*\} (\d+)$/m)).toBe(1);
    expect(out).not.toMatch(/PRIVATE KEY|eyJ/);
  });
});
