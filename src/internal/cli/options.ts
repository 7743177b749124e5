/**
 * What the `spiffe` subcommands share: flag parsing that turns every mistake into a
 * {@link CliUsageError}, durations (`5s`, `1h30m`), the Workload API address (`--socket` or
 * `SPIFFE_ENDPOINT_SOCKET`) and the identity selectors (`--id`, `--hint`).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SpiffeId } from '../../spiffeid/spiffe-id.js';
import { TrustDomain } from '../../spiffeid/trust-domain.js';
import { EndpointAddressError } from '../../workloadapi/errors.js';
import { type EndpointAddress, resolveEndpointAddress } from '../../workloadapi/address.js';
import { DurationError, parseDuration as parseDurationText } from '../duration.js';
import { CliUsageError, type CliIo } from './io.js';

/**
 * The option table of a subcommand, in `node:util` `parseArgs` form.
 */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `args` strictly (unknown flags, missing values and positional arguments are usage
 * errors). `synopsis` is appended to the error so the user sees how to call the command.
 *
 * @throws {@link CliUsageError} on any mistake.
 */
export function parseFlags(args: readonly string[], options: OptionTable, synopsis: string): Record<string, string | boolean | Array<string | boolean> | undefined> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(`${message}\n${synopsis}`);
  }
}

/**
 * Largest duration accepted, in ms (what `setTimeout` can wait, about 24.8 days).
 */
export const MAX_DURATION_MS = 0x7fffffff;

/**
 * Parses a duration flag with spiffe-kit's one duration grammar (`src/internal/duration.ts`: Go's
 * `time.ParseDuration`, as `500ms`, `5s`, `2m`, `1h30m`, `1.5h`, or a bare number of seconds such
 * as `30`, `0.5`). Returns milliseconds, rounded to the nearest: `1m30s` is 90000, `30` is 30000.
 *
 * @throws {@link CliUsageError} naming `flag` when the text is not a duration, is negative, or is
 * longer than about 24 days (the {@link DurationError} is its `cause`).
 */
export function parseDuration(text: string, flag: string): number {
  try {
    return parseDurationText(text, { unit: 'ms', max: MAX_DURATION_MS });
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    throw new CliUsageError(`${flag} ${err.message} (use e.g. 500ms, 5s, 2m, 1h30m, or a number of seconds)`, { cause: err });
  }
}

/**
 * Writes a number of seconds the way people read it: `45s`, `59m59s` (3599), `2h0m`, `3d4h`. Takes
 * the absolute value: callers say "expired … ago" themselves.
 */
export function formatSeconds(seconds: number): string {
  const s = Math.abs(Math.trunc(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/**
 * Resolves the Workload API address from `--socket`, else from `SPIFFE_ENDPOINT_SOCKET` in the
 * command's environment, with the library's endpoint parser. A missing or invalid address is a
 * usage error: the probe is misconfigured, which says nothing about the workload's identity.
 *
 * @throws {@link CliUsageError} with the parser's explanation (and its suggestion, if any).
 */
export function resolveAddress(socket: string | undefined, io: Pick<CliIo, 'env'>): EndpointAddress {
  try {
    return resolveEndpointAddress(socket, io.env);
  } catch (err) {
    if (err instanceof EndpointAddressError) {
      const where = err.code === 'ERR_ENDPOINT_ADDRESS_MISSING' ? '' : socket === undefined ? ' (from SPIFFE_ENDPOINT_SOCKET)' : ' (from --socket)';
      const fix = err.code === 'ERR_ENDPOINT_ADDRESS_MISSING' ? '; pass --socket unix:///path/to/agent.sock' : '';
      throw new CliUsageError(`${err.message}${where}${fix}${err.suggestion === undefined ? '' : `; did you mean ${err.suggestion}?`}`);
    }
    throw err;
  }
}

/**
 * Parses `--id`.
 *
 * @throws {@link CliUsageError} when it is not a SPIFFE ID.
 */
export function parseIdFlag(text: string | undefined): SpiffeId | undefined {
  if (text === undefined) return undefined;
  try {
    return SpiffeId.parse(text);
  } catch (err) {
    throw new CliUsageError(`--id ${JSON.stringify(text)} is not a SPIFFE ID: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Parses a trust domain flag (`example.org` or `spiffe://example.org`).
 *
 * @throws {@link CliUsageError} when it is not a trust domain.
 */
export function parseTrustDomainFlag(text: string, flag: string): TrustDomain {
  try {
    return TrustDomain.parse(text);
  } catch (err) {
    throw new CliUsageError(`${flag} ${JSON.stringify(text)} is not a trust domain: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Reads a string flag that `parseArgs` typed as string; `undefined` when absent.
 */
export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Reads a repeatable string flag (`--audience a --audience b` is `['a', 'b']`); `[]` when absent.
 */
export function stringsFlag(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/**
 * Checks a value that must not be empty (`--audience ''`).
 *
 * @throws {@link CliUsageError} when it is empty.
 */
export function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new CliUsageError(`${flag} must not be empty`);
  return value;
}
