/**
 * spiffe-kit/otel: OpenTelemetry metrics for spiffe-kit (SVID expiry and rotations, Workload API
 * stream reconnects and errors, fetch durations, TLS refusals, JWT cache hits). Needs the optional
 * peer dependency `@opentelemetry/api`; the main `spiffe-kit` entry never loads it.
 *
 * @example
 * ```ts
 * import { X509Source } from 'spiffe-kit';
 * import { instrumentSpiffeKit } from 'spiffe-kit/otel';
 * const source = await X509Source.create();
 * const stop = instrumentSpiffeKit({ sources: [source] }); // the global MeterProvider
 * ```
 * @categoryDescription Observability
 * OpenTelemetry metrics for sources, Workload API streams, TLS refusals and the JWT cache.
 * @module spiffe-kit/otel
 */
export { type InstrumentedSource, type InstrumentSpiffeKitOptions, instrumentSpiffeKit, metricNames } from './instrument.js';
