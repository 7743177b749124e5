/**
 * TTLs of registration entries: seconds as a number, or a Go-style duration string (`"1h"`,
 * `"90s"`, `"1h30m"`), bounded by what SPIRE stores (a non-negative int32 of seconds).
 *
 * @module
 */

/**
 * The largest TTL SPIRE stores, in seconds (int32).
 *
 * @example
 * ```ts
 * console.log(MAX_TTL_SECONDS); // 2147483647
 * ```
 */
export const MAX_TTL_SECONDS = 0x7fffffff;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const DURATION = /^(?:(\d{1,10})(d|h|m|s))+$/;
const PART = /(\d{1,10})(d|h|m|s)/g;

/**
 * Parses a TTL into whole seconds, or returns a reason why it is not one.
 *
 * @example
 * ```ts
 * parseTtl('1h30m'); // { seconds: 5400 }
 * parseTtl(-1);      // { error: 'must not be negative' }
 * ```
 */
export function parseTtl(value: unknown): { seconds: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { error: `must be a whole number of seconds, got ${value}` };
    if (value < 0) return { error: `must not be negative, got ${value}` };
    if (value > MAX_TTL_SECONDS) return { error: `${value} seconds is over SPIRE's limit of ${MAX_TTL_SECONDS} (int32)` };
    return { seconds: value };
  }
  if (typeof value !== 'string') return { error: `must be seconds (a number) or a duration such as "1h", got ${value === null ? 'null' : typeof value}` };
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return parseTtl(Number(text));
  if (!DURATION.test(text)) return { error: `${JSON.stringify(value.slice(0, 40))} is not a duration (use seconds or units d, h, m, s as in "1h30m")` };
  let seconds = 0;
  for (const m of text.matchAll(PART)) seconds += Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
  return parseTtl(seconds);
}

/**
 * Formats seconds as a Go `time.Duration` string (`3600` → `"1h0m0s"`), the form Kubernetes
 * `metav1.Duration` fields print.
 *
 * @example
 * ```ts
 * goDuration(90); // '1m30s'
 * ```
 */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
