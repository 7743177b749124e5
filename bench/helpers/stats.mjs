// Small statistics and reporting helpers shared by the plain-node benchmarks (bench/*.mjs).
// They run against the built package (dist/), so run `npm run build` first.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Exits with a clear message when dist/ is missing. */
export function requireBuild() {
  if (!existsSync(new URL('../../dist/index.js', import.meta.url)) || !existsSync(new URL('../../dist/bundled/index.js', import.meta.url))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
}

/** Sorted copy. */
function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/** Percentile with linear interpolation (p in [0, 100]). */
export function percentile(values, p) {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

/** min / median / p95 / max / mean of a sample. */
export function summarize(values) {
  const s = sorted(values);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, min: s[0], median: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1], mean };
}

/** Least-squares fit y = slope * x + intercept, with R². */
export function linearFit(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** `12.34` with a fixed number of decimals. */
export function fmt(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** One line of `label: min/median/p95/max` in ms. */
export function line(label, s, unit = 'ms') {
  return `${label.padEnd(62)} n=${String(s.n).padStart(4)}  min ${fmt(s.min)}  median ${fmt(s.median)}  p95 ${fmt(s.p95)}  max ${fmt(s.max)} ${unit}`;
}

/** PASS / FAIL against an upper bound. */
export function verdict(value, budget) {
  return value <= budget ? 'PASS' : 'FAIL';
}

/** Prints the machine line every script starts with. */
export async function printMachine() {
  const os = await import('node:os');
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  console.log(`node ${process.version}, ${os.cpus().length} CPU(s) (${cpu}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
