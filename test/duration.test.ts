/**
 * The one duration grammar (src/internal/duration.ts) that the `spiffe` flags and the registrar's
 * TTLs share: Go's time.ParseDuration cases (go/src/time/time_test.go parseDurationTests and
 * parseDurationErrorTests, the inputs and values), then hostile inputs, each refused with its code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpiffeError } from '../src/errors.js';
import { DurationError, type DurationErrorCode, formatGoDuration, MAX_DURATION_TEXT, parseDuration, parseDurationNs } from '../src/internal/duration.js';
import { parseDuration as parseDurationFlag } from '../src/internal/cli/options.js';
import { CliUsageError } from '../src/internal/cli/io.js';
import { parseTtl } from '../src/registrar/duration.js';

const S = 1_000_000_000n;
const MS = 1_000_000n;
const US = 1_000n;
const M = 60n * S;
const H = 60n * M;

/** Go's parseDurationTests without the signed ones (spiffe-kit takes no sign). */
const GO_ACCEPTS: ReadonlyArray<readonly [string, bigint]> = [
  ['0', 0n],
  ['5s', 5n * S],
  ['30s', 30n * S],
  ['1478s', 1478n * S],
  ['5.0s', 5n * S],
  ['5.6s', 5n * S + 600n * MS],
  ['5.s', 5n * S],
  ['.5s', 500n * MS],
  ['1.0s', S],
  ['1.00s', S],
  ['1.004s', S + 4n * MS],
  ['1.0040s', S + 4n * MS],
  ['100.00100s', 100n * S + MS],
  ['10ns', 10n],
  ['11us', 11n * US],
  ['12\u00b5s', 12n * US],
  ['12\u03bcs', 12n * US],
  ['13ms', 13n * MS],
  ['14s', 14n * S],
  ['15m', 15n * M],
  ['16h', 16n * H],
  ['3h30m', 3n * H + 30n * M],
  ['10.5s4m', 4n * M + 10n * S + 500n * MS],
  ['1h2m3s4ms5us6ns', H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n],
  ['39h9m14.425s', 39n * H + 9n * M + 14n * S + 425n * MS],
  ['52763797000ns', 52763797000n],
  ['0.3333333333333333333h', 20n * M],
  ['9007199254740993ns', 2n ** 53n + 1n],
  ['9223372036854775807ns', 2n ** 63n - 1n],
  ['9223372036854775.807us', 2n ** 63n - 1n],
  ['9223372036s854ms775us807ns', 2n ** 63n - 1n],
  ['0.100000000000000000000h', 6n * M],
  ['0.830103483285477580700h', 49n * M + 48n * S + 372539827n],
];

function codeOf(f: () => unknown): DurationErrorCode | 'no error' {
  try {
    f();
    return 'no error';
  } catch (err) {
    expect(err).toBeInstanceOf(DurationError);
    expect(err).toBeInstanceOf(SpiffeError);
    return (err as DurationError).code;
  }
}

describe('the duration grammar, against Go time.ParseDuration', () => {
  it.each(GO_ACCEPTS)('%s is %d ns, as in Go', (text, ns) => {
    expect(parseDurationNs(text)).toBe(ns);
  });

  it.each<[string, DurationErrorCode]>([
    // Go's parseDurationErrorTests (the unsigned ones; bare "3" is seconds here, see below)
    ['', 'ERR_DURATION_EMPTY'],
    ['s', 'ERR_DURATION_SYNTAX'],
    ['.', 'ERR_DURATION_SYNTAX'],
    ['.s', 'ERR_DURATION_SYNTAX'],
    ['+.s', 'ERR_DURATION_SYNTAX'],
    ['1d', 'ERR_DURATION_UNIT'],
    ['\x85\x85', 'ERR_DURATION_SYNTAX'],
    ['\uFFFD', 'ERR_DURATION_SYNTAX'],
    ['\uFFFD hello \uFFFD world', 'ERR_DURATION_SYNTAX'],
    ['-', 'ERR_DURATION_NEGATIVE'],
    ['-.', 'ERR_DURATION_NEGATIVE'],
  ])('%j is refused with %s', (text, code) => {
    expect(codeOf(() => parseDurationNs(text))).toBe(code);
  });

  it('extends Go only with bare seconds and, where asked, d', () => {
    expect(parseDurationNs('3')).toBe(3n * S);
    expect(parseDurationNs('0.25')).toBe(250n * MS);
    expect(parseDurationNs('.5')).toBe(500n * MS);
    expect(parseDurationNs('1d2h', true)).toBe(26n * H);
    expect(codeOf(() => parseDurationNs('1d2h'))).toBe('ERR_DURATION_UNIT');
    expect(codeOf(() => parseDurationNs('1days', true))).toBe('ERR_DURATION_UNIT');
  });
});

describe('hostile durations are refused with a typed error', () => {
  const ms = (text: string): number => parseDuration(text, { unit: 'ms', max: 0x7fffffff });
  const ttl = (text: string): number => parseDuration(text, { unit: 's', max: 0x7fffffff, days: true, whole: true });

  it.each<[string, DurationErrorCode]>([
    ['1.5.5s', 'ERR_DURATION_UNIT'],
    ['1h30', 'ERR_DURATION_UNIT'],
    ['1h 30m', 'ERR_DURATION_UNIT'],
    [' 1h', 'ERR_DURATION_SYNTAX'],
    ['1h\n', 'ERR_DURATION_UNIT'],
    ['1e3', 'ERR_DURATION_UNIT'],
    ['0x10s', 'ERR_DURATION_UNIT'],
    ['Infinity', 'ERR_DURATION_SYNTAX'],
    ['NaN', 'ERR_DURATION_SYNTAX'],
    ['-5s', 'ERR_DURATION_NEGATIVE'],
    ['-0', 'ERR_DURATION_NEGATIVE'],
    ['+5s', 'ERR_DURATION_SYNTAX'],
    // Unicode digits are not digits (Arabic-Indic, fullwidth, superscript)
    ['\u0661\u0660s', 'ERR_DURATION_SYNTAX'],
    ['1\u0660s', 'ERR_DURATION_UNIT'],
    ['\uff15s', 'ERR_DURATION_SYNTAX'],
    ['5\u00b2s', 'ERR_DURATION_UNIT'],
    // overflow of Go's int64 and of the caller's bound
    ['9223372036854775808ns', 'ERR_DURATION_RANGE'],
    ['3000000h', 'ERR_DURATION_RANGE'],
    [`${'9'.repeat(99)}s`, 'ERR_DURATION_RANGE'],
    [`${'9'.repeat(MAX_DURATION_TEXT)}s`, 'ERR_DURATION_SYNTAX'],
    ['1000h', 'ERR_DURATION_RANGE'],
    ['2147483.648s', 'ERR_DURATION_RANGE'],
  ])('%j → %s', (text, code) => {
    expect(codeOf(() => ms(text))).toBe(code);
  });

  it('bounds the result by the caller: ms rounds to the nearest, whole seconds refuse a fraction', () => {
    expect(ms('2147483.647s')).toBe(0x7fffffff);
    expect(ms('1.4ms')).toBe(1);
    expect(ms('1.5ms')).toBe(2);
    expect(ms('0.0004')).toBe(0);
    expect(ttl('1.5h')).toBe(5400);
    expect(ttl('90000ms')).toBe(90);
    expect(codeOf(() => ttl('1500ms'))).toBe('ERR_DURATION_PRECISION');
    expect(codeOf(() => ttl('1.5'))).toBe('ERR_DURATION_PRECISION');
    expect(ttl('2147483647')).toBe(0x7fffffff);
    expect(codeOf(() => ttl('2147483648'))).toBe('ERR_DURATION_RANGE');
    expect(codeOf(() => ttl('24856d'))).toBe('ERR_DURATION_RANGE');
  });

  it('quotes at most 40 characters of the text in its message', () => {
    const text = `${'1h'.repeat(30)}x`;
    let message = '';
    try {
      ms(text);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('1h1h1h');
    expect(message).not.toContain(text);
    expect(message.length).toBeLessThan(140);
  });

  it('never throws anything but a DurationError, and never returns more than the bound (property)', () => {
    const alphabet = fc.constantFrom(...'0123456789.hmsundµμ -+x\u0660'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')), (text) => {
        try {
          const v = ms(text);
          expect(Number.isSafeInteger(v) && v >= 0 && v <= 0x7fffffff).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(DurationError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('both users of the grammar', () => {
  it('the CLI turns a DurationError into a usage error naming the flag, with the DurationError as cause', () => {
    let caught: unknown;
    try {
      parseDurationFlag('1.5.5s', '--timeout');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CliUsageError);
    expect((caught as Error).message).toMatch(/^--timeout "1\.5\.5s" is missing a unit after "1\.5"/);
    expect((caught as Error).cause).toBeInstanceOf(DurationError);
    expect(parseDurationFlag('1.5h', '--timeout')).toBe(5_400_000);
    expect(parseDurationFlag('250us', '--timeout')).toBe(0);
  });

  it('the registrar reports the reason as the issue text', () => {
    expect(parseTtl('1h30m')).toEqual({ seconds: 5400 });
    expect(parseTtl('1.5h')).toEqual({ seconds: 5400 });
    expect(parseTtl('1500ms')).toEqual({ error: '"1500ms" is not a whole number of seconds' });
    expect(parseTtl('99999999999s')).toEqual({ error: `"99999999999s" is too long: over 2147483647 seconds, SPIRE's limit (int32)` });
    expect(parseTtl('1x')).toEqual({ error: '"1x" has an unknown unit "x" (units: ns, us, ms, s, m, h, d)' });
    expect(parseTtl('-5s')).toEqual({ error: '"-5s" is negative (use seconds, or a duration such as "1h30m")' });
  });

  it('formats whole seconds as Go time.Duration.String', () => {
    expect([0, 1, 59, 60, 61, 3599, 3600, 5400, 86400, 0x7fffffff].map(formatGoDuration)).toEqual(['0s', '1s', '59s', '1m0s', '1m1s', '59m59s', '1h0m0s', '1h30m0s', '24h0m0s', '596523h14m7s']);
  });
});
