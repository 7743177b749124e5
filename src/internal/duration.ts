/**
 * The one duration grammar of spiffe-kit: the `spiffe` command's flag values (`--timeout 5s`) and
 * the registrar's TTLs (`x509SvidTtl: 1h`) are read by {@link parseDuration}, and Kubernetes
 * duration fields are written by {@link formatGoDuration}.
 *
 * The reference is Go's `time.ParseDuration` (go/src/time/format.go), which SPIRE and
 * spire-controller-manager (`metav1.Duration`) read durations with: one or more elements, each a
 * decimal number (`5`, `1.5`, `.5`, `5.`) followed by a unit (`ns`, `us`, `µs` U+00B5, `μs` U+03BC,
 * `ms`, `s`, `m`, `h`), with the unit read up to the next digit or `.` as Go does (so `1h 30m` has
 * the unknown unit `"h "`, and `1.5.5s` is missing a unit after `1.5`). Digits are ASCII `0`–`9`
 * only, as in Go. The differences, all on the refusing side except the first two:
 *
 * - a bare decimal number is seconds (`30`, `0.5`): SPIRE's own CLI flags (`-x509SVIDTTL 3600`)
 *   take seconds; Go accepts only a bare `0`;
 * - the unit `d` (24 h) where the caller allows it (registrar TTLs), which Go does not have;
 * - no sign: a `-` is {@link DurationError} `ERR_DURATION_NEGATIVE`, a `+` a syntax error;
 * - every caller gives its bound (`max`), far below Go's 2^63−1 ns; the integer parts are summed
 *   as big integers, so a huge number is `ERR_DURATION_RANGE`, never an overflow or `Infinity`
 *   (fractions are computed as Go does, see {@link parseDurationNs});
 * - at most {@link MAX_DURATION_TEXT} characters.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';

/**
 * Why a text is not a duration.
 */
export type DurationErrorCode =
  /** The text is empty. */
  | 'ERR_DURATION_EMPTY'
  /** Not the grammar: no digits where a number must be, a sign `+`, too long. */
  | 'ERR_DURATION_SYNTAX'
  /** A number without a unit after it (`1h30`, `1.5.5s`), or a unit that is not one (`1x`, `1d` where days are not allowed). */
  | 'ERR_DURATION_UNIT'
  /** A leading `-`. */
  | 'ERR_DURATION_NEGATIVE'
  /** Longer than the caller's bound. */
  | 'ERR_DURATION_RANGE'
  /** Not a whole number of the caller's unit where it needs one (`1.5s` as a TTL in seconds). */
  | 'ERR_DURATION_PRECISION';

/**
 * A text that is not a duration of the grammar (see the module notes), or one out of the caller's
 * bounds. The message quotes the text (cut at 40 characters) and says what is wrong.
 */
export class DurationError extends SpiffeError {
  declare readonly code: DurationErrorCode;

  constructor(code: DurationErrorCode, message: string) {
    super(code, message);
  }
}

/** Longest text read; Go's longest meaningful duration, `2562047h47m16.854775807s`, has 24 characters. */
export const MAX_DURATION_TEXT = 100;

const NS_PER: Readonly<Record<'ms' | 's', bigint>> = { ms: 1_000_000n, s: 1_000_000_000n };

/** go/src/time/format.go `unitMap`, in nanoseconds; `d` is spiffe-kit's. */
const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
const DAY_NS = 86_400_000_000_000n;
const BARE = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const INT64_MAX = 0x7fff_ffff_ffff_ffffn;

/**
 * What a caller accepts.
 */
export interface DurationOptions {
  /** The unit of the result and of `max`. */
  readonly unit: 'ms' | 's';
  /** The largest result, in `unit`. */
  readonly max: number;
  /** Accept `d` (24 hours). Default `false`, as Go. */
  readonly days?: boolean;
  /** Refuse a value that is not a whole number of `unit` (`ERR_DURATION_PRECISION`) instead of rounding it to the nearest. Default `false`. */
  readonly whole?: boolean;
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * The nanoseconds of one element `number` × `unitNs`, as go/src/time/format.go computes them: the
 * integer part exactly (`leadingInt`), the fraction from at most the digits that fit an int64
 * (`leadingFraction`) as `uint64(float64(f) * (float64(unit) / scale))` (JavaScript numbers are
 * the same IEEE doubles), so `0.3333333333333333333h` is 20m as in Go.
 */
function elementNs(number: string, unitNs: bigint): bigint {
  const dot = number.indexOf('.');
  const intDigits = dot < 0 ? number : number.slice(0, dot);
  let ns = (intDigits === '' ? 0n : BigInt(intDigits)) * unitNs;
  if (dot < 0) return ns;
  let f = 0n;
  let scale = 1;
  for (const c of number.slice(dot + 1)) {
    if (f > INT64_MAX / 10n) break;
    const y = f * 10n + BigInt(c.charCodeAt(0) - 48);
    if (y > INT64_MAX + 1n) break;
    f = y;
    scale *= 10;
  }
  if (f > 0n) ns += BigInt(Math.trunc(Number(f) * (Number(unitNs) / scale)));
  return ns;
}

/**
 * The nanoseconds of a duration of the grammar (`days`: accept `d`), as Go computes them (see
 * `elementNs`) but without Go's int64 bound: {@link parseDuration} applies the caller's.
 * `1h2m3s4ms5us6ns` is `3723004005006n`.
 *
 * @throws {@link DurationError} as {@link parseDuration}, except `ERR_DURATION_RANGE` and `ERR_DURATION_PRECISION`.
 */
export function parseDurationNs(text: string, days = false): bigint {
  if (text === '') throw new DurationError('ERR_DURATION_EMPTY', '"" is empty');
  if (text.length > MAX_DURATION_TEXT) throw new DurationError('ERR_DURATION_SYNTAX', `${show(text)} is not a duration: longer than ${MAX_DURATION_TEXT} characters`);
  if (text[0] === '-') throw new DurationError('ERR_DURATION_NEGATIVE', `${show(text)} is negative`);
  if (text[0] === '+') throw new DurationError('ERR_DURATION_SYNTAX', `${show(text)} is not a duration: no sign is taken`);
  if (BARE.test(text)) return elementNs(text, NS_PER.s);
  let total = 0n;
  let i = 0;
  while (i < text.length) {
    // go/src/time/format.go ParseDuration: the next character must be [0-9.]; then [0-9]*(\.[0-9]*)?
    const start = i;
    while (isDigit(text[i])) i++;
    let digits = i > start;
    if (text[i] === '.') {
      i++;
      const fracStart = i;
      while (isDigit(text[i])) i++;
      digits ||= i > fracStart;
    }
    if (!digits) throw new DurationError('ERR_DURATION_SYNTAX', `${show(text)} is not a duration: a number must come before each unit`);
    const number = text.slice(start, i);
    // The unit runs to the next digit or '.' (Go reads bytes; a JS string's UTF-16 units serve the same).
    const unitStart = i;
    while (i < text.length && text[i] !== '.' && !isDigit(text[i])) i++;
    const unit = text.slice(unitStart, i);
    if (unit === '') throw new DurationError('ERR_DURATION_UNIT', `${show(text)} is missing a unit after ${show(number)}`);
    const unitNs = unit === 'd' && days ? DAY_NS : UNIT_NS.get(unit);
    if (unitNs === undefined) {
      throw new DurationError('ERR_DURATION_UNIT', `${show(text)} has an unknown unit ${show(unit)} (units: ns, us, ms, s, m, h${days ? ', d' : ''})`);
    }
    total += elementNs(number, unitNs);
  }
  return total;
}

/**
 * Reads a duration of the grammar in the module notes, as a number of `options.unit`: rounded to
 * the nearest (half up), or, with `whole`, refused when it is not whole. `1m0.5s` in `ms` is
 * 60500; `1d2h` in `s` with `days` is 93600; a bare `30` is seconds (30000 in `ms`).
 *
 * @throws {@link DurationError} with the reason.
 */
export function parseDuration(text: string, options: DurationOptions): number {
  const ns = parseDurationNs(text, options.days === true);
  const per = NS_PER[options.unit];
  if (options.whole === true && ns % per !== 0n) {
    throw new DurationError('ERR_DURATION_PRECISION', `${show(text)} is not a whole number of ${options.unit === 's' ? 'seconds' : 'milliseconds'}`);
  }
  const value = (ns + per / 2n) / per;
  if (value > BigInt(options.max)) {
    throw new DurationError('ERR_DURATION_RANGE', `${show(text)} is too long: over ${options.max} ${options.unit === 's' ? 'seconds' : 'milliseconds'}`);
  }
  return Number(value);
}

/**
 * Writes whole seconds the way Go's `time.Duration.String` does (go/src/time/time.go), the form
 * Kubernetes `metav1.Duration` fields print: `0s`, `59s`, `1m30s`, `1h0m0s`, `24h0m0s` (5400 is
 * `1h30m0s`).
 */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
