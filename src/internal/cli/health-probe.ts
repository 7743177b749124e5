/**
 * The check behind `spiffe health`: one-shot Workload API calls (no long-lived source, no
 * stream left open), judged against the probe's requirements, with a verdict that says why.
 *
 * @module
 */
import { SpiffeError } from '../../errors.js';
import type { TrustDomain } from '../../spiffeid/trust-domain.js';
import type { X509Svid } from '../../svid/x509-svid.js';
import type { EndpointAddress } from '../../workloadapi/address.js';
import { WorkloadApiClient } from '../../workloadapi/client.js';
import { WorkloadApiError } from '../../workloadapi/errors.js';
import type { X509Context } from '../../workloadapi/x509-context.js';
import { formatSeconds } from './options.js';
import { describeMismatch, selectSvid, type SvidSelector } from './select.js';
import { pause } from './pause.js';

/**
 * Why a probe passed or failed; stable strings, shown in the human line and in `--json`:
 *
 * - `ok`: healthy.
 * - `agent-unreachable`: nothing answers on the socket, or the agent said Unavailable.
 * - `not-registered`: the agent answered PermissionDenied: no registration entry matches this
 *   workload (yet).
 * - `timeout`: the agent did not answer within `--timeout`.
 * - `wrong-identity`: the agent issued SVIDs, but none with the `--id` / `--hint` asked for.
 * - `expiring`: the X.509-SVID expires sooner than `--min-ttl`.
 * - `expired`: the X.509-SVID (or JWT-SVID) served has already expired.
 * - `missing-bundle`: no X.509 bundle for a trust domain named by `--bundle`.
 * - `malformed-response`: the agent's answer breaks the Workload API (bad certificate, key
 *   mismatch, over a resource limit).
 * - `agent-error`: any other failure of the agent (Unimplemented, InvalidArgument, Internal, …).
 * - `aborted`: the probe was interrupted (SIGINT/SIGTERM).
 */
export type HealthProbeReason =
  | 'ok'
  | 'agent-unreachable'
  | 'not-registered'
  | 'timeout'
  | 'wrong-identity'
  | 'expiring'
  | 'expired'
  | 'missing-bundle'
  | 'malformed-response'
  | 'agent-error'
  | 'aborted';

/** What a probe requires, and how long it may take. */
export interface HealthProbeOptions {
  /** The Workload API address (parsed or as text). */
  readonly address: EndpointAddress | string;
  /** The whole probe's budget, retries included, in ms. */
  readonly timeoutMs: number;
  /** Require an X.509-SVID with this ID and/or hint (default: the default SVID). */
  readonly selector?: SvidSelector | undefined;
  /** Fail (`expiring`) when the selected X.509-SVID expires in less than this many ms. */
  readonly minTtlMs?: number | undefined;
  /** Require an X.509 bundle for each of these trust domains. */
  readonly bundles?: readonly TrustDomain[] | undefined;
  /** Also fetch a JWT-SVID for the selected identity with this audience. */
  readonly jwtAudience?: readonly string[] | undefined;
  /** Retry failures until `timeoutMs` runs out instead of failing at the first (startup probes). */
  readonly wait?: boolean | undefined;
  /** Pause between attempts with `wait`, in ms (default 250). */
  readonly retryIntervalMs?: number | undefined;
  /** Stops the probe (`aborted`). */
  readonly signal?: AbortSignal | undefined;
}

/** The X.509-SVID a probe looked at (no key material). */
export interface HealthProbeSvid {
  readonly spiffeId: string;
  readonly hint?: string;
  readonly expiresAt: string;
  readonly expiresInSeconds: number;
  /** `notBefore` of the leaf. */
  readonly issuedAt?: string;
  /**
   * From `notBefore` to `notAfter`, in seconds. SPIRE agents renew an X.509-SVID once half of it
   * has passed: `expiresInSeconds < lifetimeSeconds / 2` means the renewal is late.
   */
  readonly lifetimeSeconds?: number;
}

/** The JWT-SVID a probe fetched (never the token). */
export interface HealthProbeJwtSvid {
  readonly spiffeId: string;
  readonly audience: readonly string[];
  readonly expiresAt: string;
  readonly expiresInSeconds: number;
}

/** The library error behind a failed probe, by its stable code. */
export interface HealthProbeError {
  readonly code: string;
  readonly rpc?: string;
  readonly grpcStatus?: string;
}

/**
 * The verdict of {@link probeHealth}; also the `--json` output of `spiffe health`. Holds no key
 * material and no token.
 */
export interface HealthProbeResult {
  readonly healthy: boolean;
  readonly reason: HealthProbeReason;
  /** One line saying what was found, or what is wrong. */
  readonly message: string;
  /** The Workload API address as given. */
  readonly address: string;
  /** When the probe finished (ISO 8601): the time the figures below were true. */
  readonly checkedAt: string;
  /** Time the probe took, in ms. */
  readonly elapsedMs: number;
  /** Calls made (more than 1 only with `wait`). */
  readonly attempts: number;
  /** The selected X.509-SVID, when one was received. */
  readonly svid?: HealthProbeSvid;
  /** The SPIFFE IDs of every X.509-SVID received. */
  readonly svids?: readonly string[];
  /** The trust domains of the X.509 bundles received. */
  readonly bundles?: readonly string[];
  /** How many X.509-SVIDs and X.509 bundles were received (when the agent answered). */
  readonly svidCount?: number;
  readonly bundleCount?: number;
  /** The JWT-SVID, when one was asked for and received. */
  readonly jwtSvid?: HealthProbeJwtSvid;
  /** The error behind the failure, when there was one. */
  readonly error?: HealthProbeError;
}

type Verdict = Omit<HealthProbeResult, 'address' | 'checkedAt' | 'elapsedMs' | 'attempts' | 'svidCount' | 'bundleCount'>;

/** Reasons that end a `wait` at once. */
const FINAL: ReadonlySet<HealthProbeReason> = new Set(['aborted', 'ok']);

/**
 * Checks the workload's identity once (or, with `wait`, until it is healthy or the time runs
 * out): fetches the X.509 context with a one-shot `FetchX509SVID`, selects the SVID, checks its
 * expiry against `minTtlMs`, the bundles, and optionally fetches a JWT-SVID. Never throws for
 * a failure of the agent: the result says why.
 */
export async function probeHealth(options: HealthProbeOptions): Promise<HealthProbeResult> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const address = typeof options.address === 'string' ? options.address : options.address.address;
  const interval = options.retryIntervalMs ?? 250;
  let attempts = 0;
  let verdict: Verdict;
  for (;;) {
    attempts++;
    verdict = await attempt(address, options, deadline);
    if (!options.wait || FINAL.has(verdict.reason) || options.signal?.aborted) break;
    const remaining = deadline - performance.now();
    if (remaining <= interval) break;
    if (!(await pause(interval, options.signal))) {
      verdict = { ...verdict, reason: 'aborted', message: `interrupted while waiting to retry; last failure: ${verdict.message}` };
      break;
    }
  }
  if (attempts > 1 && !verdict.healthy && verdict.reason !== 'aborted') {
    verdict = { ...verdict, message: `${verdict.message} (still failing after ${attempts} attempts)` };
  }
  const { healthy, reason, message, svid, svids, bundles, jwtSvid, error } = verdict;
  // Fixed key order: the verdict first, then what was seen (this is the `--json` output).
  return {
    healthy,
    reason,
    message,
    address,
    checkedAt: new Date().toISOString(),
    elapsedMs: Math.round(performance.now() - started),
    attempts,
    ...(svid === undefined ? {} : { svid }),
    ...(svids === undefined ? {} : { svids }),
    ...(bundles === undefined ? {} : { bundles }),
    ...(svids === undefined ? {} : { svidCount: svids.length }),
    ...(bundles === undefined ? {} : { bundleCount: bundles.length }),
    ...(jwtSvid === undefined ? {} : { jwtSvid }),
    ...(error === undefined ? {} : { error }),
  };
}

async function attempt(address: string, options: HealthProbeOptions, deadline: number): Promise<Verdict> {
  const { signal } = options;
  let client: WorkloadApiClient | undefined;
  try {
    client = new WorkloadApiClient({ address, timeoutMs: options.timeoutMs });
    const ctx = await client.fetchX509Context({ timeoutMs: remainingMs(deadline), signal });
    const judged = judgeX509(ctx, options);
    if (!judged.healthy || options.jwtAudience === undefined || options.jwtAudience.length === 0) return judged;
    const svid = selectSvid(ctx.svids, options.selector ?? {}) as X509Svid;
    let jwt;
    try {
      jwt = await client.fetchJwtSvid({ audience: options.jwtAudience, spiffeId: svid.id.toString(), hint: options.selector?.hint }, { timeoutMs: remainingMs(deadline), signal });
    } catch (err) {
      const failed = failure(err);
      return { ...judged, ...failed, message: `JWT-SVID for audience ${options.jwtAudience.join(', ')}: ${failed.message}` };
    }
    const jwtSvid: HealthProbeJwtSvid = {
      spiffeId: jwt.id.toString(),
      audience: jwt.audience,
      expiresAt: jwt.expiresAt.toISOString(),
      expiresInSeconds: Math.floor((jwt.expiresAt.getTime() - Date.now()) / 1000),
    };
    if (jwtSvid.expiresInSeconds <= 0) {
      return { ...judged, healthy: false, reason: 'expired', message: `the JWT-SVID of ${jwtSvid.spiffeId} for audience ${jwtSvid.audience.join(', ')} has expired`, jwtSvid };
    }
    return { ...judged, message: `${judged.message}; JWT-SVID for ${jwtSvid.audience.join(', ')} valid for ${formatSeconds(jwtSvid.expiresInSeconds)}`, jwtSvid };
  } catch (err) {
    return failure(err);
  } finally {
    client?.close();
  }
}

/** Judges the X.509 context against the requirements (no I/O). */
function judgeX509(ctx: X509Context, options: HealthProbeOptions): Verdict {
  const svids = ctx.svids.map((s) => s.id.toString());
  const bundles = ctx.bundles.trustDomains().map((td) => td.name);
  const selector = options.selector ?? {};
  const svid = selectSvid(ctx.svids, selector);
  if (svid === undefined) {
    return { healthy: false, reason: 'wrong-identity', message: describeMismatch(ctx.svids, selector), svids, bundles };
  }
  const expiresInMs = svid.expiresAt.getTime() - Date.now();
  const summary: HealthProbeSvid = {
    spiffeId: svid.id.toString(),
    ...(svid.hint === undefined ? {} : { hint: svid.hint }),
    expiresAt: svid.expiresAt.toISOString(),
    expiresInSeconds: Math.floor(expiresInMs / 1000),
    issuedAt: svid.notBefore.toISOString(),
    lifetimeSeconds: Math.round((svid.expiresAt.getTime() - svid.notBefore.getTime()) / 1000),
  };
  const base = { svid: summary, svids, bundles };
  const name = summary.spiffeId;
  if (expiresInMs <= 0) {
    return { ...base, healthy: false, reason: 'expired', message: `the X.509-SVID of ${name} expired ${formatSeconds(summary.expiresInSeconds)} ago (at ${summary.expiresAt})` };
  }
  const minTtlMs = options.minTtlMs ?? 0;
  if (expiresInMs < minTtlMs) {
    return {
      ...base,
      healthy: false,
      reason: 'expiring',
      message: `the X.509-SVID of ${name} expires in ${formatSeconds(summary.expiresInSeconds)}, less than --min-ttl ${formatSeconds(minTtlMs / 1000)} (is the agent renewing it?)`,
    };
  }
  const missing = (options.bundles ?? []).filter((td) => !ctx.bundles.has(td)).map((td) => td.name);
  if (missing.length > 0) {
    return { ...base, healthy: false, reason: 'missing-bundle', message: `no X.509 bundle for ${missing.join(', ')} (the agent sent ${bundles.join(', ') || 'none'})` };
  }
  const hint = svid.hint === undefined ? '' : ` (hint ${JSON.stringify(svid.hint)})`;
  return { ...base, healthy: true, reason: 'ok', message: `${name}${hint}: X.509-SVID valid for ${formatSeconds(summary.expiresInSeconds)}; bundles: ${bundles.join(', ')}` };
}

/** Classifies a failed Workload API call by the error's stable code (see {@link HealthProbeReason}). */
export function classifyFailure(err: unknown): { reason: HealthProbeReason; message: string; error?: HealthProbeError } {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof SpiffeError)) return { reason: 'agent-error', message };
  const error: HealthProbeError =
    err instanceof WorkloadApiError
      ? { code: err.code, ...(err.rpc === undefined ? {} : { rpc: err.rpc }), ...(err.grpcStatus === undefined ? {} : { grpcStatus: err.grpcStatus }) }
      : { code: err.code };
  return { reason: reasonOf(err.code), message, error };
}

function failure(err: unknown): Verdict {
  return { healthy: false, ...classifyFailure(err) };
}

function reasonOf(code: string): HealthProbeReason {
  switch (code) {
    case 'ERR_AGENT_UNREACHABLE':
      return 'agent-unreachable';
    case 'ERR_NOT_REGISTERED':
      return 'not-registered';
    case 'ERR_TIMEOUT':
      return 'timeout';
    case 'ERR_ABORTED':
      return 'aborted';
    case 'ERR_NO_SVID':
      return 'wrong-identity';
    case 'ERR_SVID_EXPIRED':
      return 'expired';
    case 'ERR_MALFORMED_RESPONSE':
    case 'ERR_RESOURCE_LIMIT':
      return 'malformed-response';
    default:
      return 'agent-error';
  }
}

function remainingMs(deadline: number): number {
  return Math.max(1, Math.ceil(deadline - performance.now()));
}

