import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../src/workloadapi/backoff.js';
import { WorkloadApiError } from '../src/workloadapi/errors.js';

const almostOne = () => 0.999_999;

describe('exponentialBackoff', () => {
  it('grows the ceiling from 100 ms to 5 s by default', () => {
    const b = exponentialBackoff({ random: almostOne });
    const delays = Array.from({ length: 9 }, () => b.next());
    expect(delays).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999, 4999]);
  });

  it('applies full jitter: the delay is random × ceiling', () => {
    const b = exponentialBackoff({ random: () => 0.5 });
    expect([b.next(), b.next(), b.next()]).toEqual([50, 100, 200]);
    const zero = exponentialBackoff({ random: () => 0 });
    expect([zero.next(), zero.next()]).toEqual([0, 0]);
  });

  it('starts over after reset()', () => {
    const b = exponentialBackoff({ random: almostOne });
    b.next();
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(99);
  });

  it('honours initialMs, maxMs and factor', () => {
    const b = exponentialBackoff({ initialMs: 10, maxMs: 50, factor: 3, random: almostOne });
    expect(Array.from({ length: 4 }, () => b.next())).toEqual([9, 29, 49, 49]);
  });

  it('never exceeds the cap, however many attempts', () => {
    const b = exponentialBackoff({ random: almostOne });
    for (let i = 0; i < 10_000; i++) expect(b.next()).toBeLessThan(5_000);
  });

  it('stays in range with a misbehaving random source', () => {
    const values = [1, 2, -1, Number.NaN];
    const b = exponentialBackoff({ random: () => values.shift() ?? 0 });
    const delays = [b.next(), b.next(), b.next(), b.next()];
    expect(delays).toEqual([99, 199, 0, 0]);
  });

  it('uses Math.random by default, within [0, ceiling)', () => {
    const b = exponentialBackoff();
    for (let i = 0; i < 100; i++) {
      b.reset();
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(100);
    }
  });

  it('rejects invalid options', () => {
    for (const options of [{ initialMs: 0 }, { initialMs: -5 }, { maxMs: Number.POSITIVE_INFINITY }, { initialMs: 100, maxMs: 50 }, { factor: 0.5 }, { factor: Number.NaN }]) {
      expect(() => exponentialBackoff(options)).toThrow(WorkloadApiError);
      expect(() => exponentialBackoff(options)).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
    }
  });
});
