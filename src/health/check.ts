import type { SourceHealth, SourceState } from '../workloadapi/source-state.js';

const KNOWN_STATES: ReadonlySet<string> = new Set<SourceState>(['connecting', 'ready', 'stale', 'closed']);

/**
 * Anything that reports {@link SourceHealth}: every spiffe-kit source.
 *
 * @example
 * ```ts
 * const { ready, problems } = checkHealth([x509Source, jwtSource]); // every spiffe-kit source is one
 * ```
 */
export interface HealthReporter {
  health(): SourceHealth;
}

/**
 * Options of {@link checkHealth} and {@link healthHandler}.
 *
 * @example
 * ```ts
 * checkHealth([source], { minSvidTtlSeconds: 60 });
 * ```
 */
export interface HealthCheckOptions {
  /** Fail readiness when an SVID expires in fewer seconds than this (default 0). */
  minSvidTtlSeconds?: number;
}

/**
 * The verdict over one or more sources.
 *
 * @example
 * ```ts
 * const { live, ready, problems } = checkHealth([source]);
 * ```
 */
export interface HealthReport {
  /** Every source is open and none serves an expired SVID (liveness). */
  readonly live: boolean;
  /** Every source is ready with an SVID valid for at least `minSvidTtlSeconds` (readiness). */
  readonly ready: boolean;
  /** Why a check failed, one line per problem. */
  readonly problems: readonly string[];
  /**
   * What does not fail a check but deserves a look, one line each: a source that is `stale`
   * (agent unreachable, identity withdrawn) while still serving its last good state.
   */
  readonly warnings: readonly string[];
  /** The snapshots the verdict was made from. */
  readonly sources: readonly SourceHealth[];
}

/**
 * Judges the health of sources, failing closed: a source whose `health()` throws counts as
 * neither live nor ready.
 *
 * @param sources - the sources the service depends on (`X509Source`, `JwtSource`, `BundleSource`).
 * @param options - `minSvidTtlSeconds` (not ready while an SVID expires sooner).
 * @example
 * ```ts
 * const report = checkHealth([x509Source, jwtSource], { minSvidTtlSeconds: 60 });
 * if (!report.ready) console.warn(report.problems.join('; '));
 * ```
 */
export function checkHealth(sources: readonly HealthReporter[], options: HealthCheckOptions = {}): HealthReport {
  const minTtl = options.minSvidTtlSeconds ?? 0;
  const problems: string[] = [];
  const warnings: string[] = [];
  const snapshots: SourceHealth[] = [];
  let live = sources.length > 0;
  let ready = sources.length > 0;
  if (sources.length === 0) problems.push('no source to check');
  sources.forEach((source, i) => {
    let h: SourceHealth;
    try {
      h = source.health();
    } catch (err) {
      live = false;
      ready = false;
      problems.push(`source #${i}: health() failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    // Fails closed on a reporter that answers something odd (a Promise, `ready: 'yes'`): only a
    // known state counts, and only `ready === true` is ready.
    if (h === null || typeof h !== 'object' || !KNOWN_STATES.has((h as { state?: unknown }).state as string)) {
      live = false;
      ready = false;
      problems.push(`source #${i}: health() returned no health snapshot`);
      return;
    }
    snapshots.push(h);
    const name = typeof h.spiffeId === 'string' ? h.spiffeId : `source #${i}`;
    const ttl = h.svidExpiresInSeconds;
    if (ttl !== undefined && (typeof ttl !== 'number' || Number.isNaN(ttl))) {
      live = false;
      ready = false;
      problems.push(`${name}: health() returned an unreadable SVID lifetime`);
      return;
    }
    if (h.state === 'closed') {
      live = false;
      problems.push(`${name}: closed`);
    }
    if (h.svidExpiresInSeconds !== undefined && h.svidExpiresInSeconds <= 0) {
      live = false;
      problems.push(`${name}: SVID expired`);
    }
    if (h.ready !== true) {
      ready = false;
      problems.push(`${name}: not ready (state ${h.state}${h.lastError ? `, last error ${h.lastError.code}: ${h.lastError.message}` : ''})`);
    } else if (h.svidExpiresInSeconds !== undefined && h.svidExpiresInSeconds < minTtl) {
      ready = false;
      problems.push(`${name}: SVID expires in ${h.svidExpiresInSeconds} s (< ${minTtl} s)`);
    } else if (h.state === 'stale') {
      warnings.push(`${name}: stale, serving its last state${h.lastError ? ` (last error ${h.lastError.code}: ${h.lastError.message})` : ''}`);
    }
  });
  return { live, ready, problems, warnings, sources: snapshots };
}
