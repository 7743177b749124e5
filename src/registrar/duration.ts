/**
 * TTLs of registration entries: seconds as a number, or a duration string of spiffe-kit's one
 * grammar (`src/internal/duration.ts`: Go's `time.ParseDuration` units, plus `d` and bare seconds,
 * e.g. `"1h"`, `"90s"`, `"1h30m"`, `"3600"`), in whole seconds, bounded by what SPIRE stores (a
 * non-negative int32 of seconds).
 *
 * @module
 */
import { DurationError, parseDuration } from '../internal/duration.js';

/**
 * The largest TTL SPIRE stores, in seconds (int32).
 *
 * @example
 * ```ts
 * import { defineEntries, MAX_TTL_SECONDS } from 'spiffe-kit/registrar';
 * // A TTL computed elsewhere, capped to what SPIRE stores before it is declared.
 * const x509SvidTtl = Math.min(requestedSeconds, MAX_TTL_SECONDS);
 * defineEntries({ entries: [{ spiffeId: 'spiffe://example.org/batch', parentId: 'spiffe://example.org/node', selectors: ['unix:uid:1000'], x509SvidTtl }] });

 * ```
 */
export const MAX_TTL_SECONDS = 0x7fffffff;

/**
 * Parses a TTL into whole seconds, or returns a reason why it is not one.
 */
export function parseTtl(value: unknown): { seconds: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { error: `must be a whole number of seconds, got ${value}` };
    if (value < 0) return { error: `must not be negative, got ${value}` };
    if (value > MAX_TTL_SECONDS) return { error: `${value} seconds is over SPIRE's limit of ${MAX_TTL_SECONDS} (int32)` };
    return { seconds: value };
  }
  if (typeof value !== 'string') return { error: `must be seconds (a number) or a duration such as "1h", got ${value === null ? 'null' : typeof value}` };
  try {
    return { seconds: parseDuration(value, { unit: 's', max: MAX_TTL_SECONDS, days: true, whole: true }) };
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    if (err.code === 'ERR_DURATION_RANGE') return { error: `${err.message}, SPIRE's limit (int32)` };
    if (err.code === 'ERR_DURATION_UNIT' || err.code === 'ERR_DURATION_PRECISION') return { error: err.message };
    return { error: `${err.message} (use seconds, or a duration such as "1h30m")` };
  }
}
