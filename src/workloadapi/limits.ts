/**
 * Resource limits applied to what the agent sends, against a buggy or hostile agent (spec §7).
 *
 * @module
 */
import { WorkloadApiError } from './errors.js';

/**
 * Caps on one Workload API message. A message over a cap is reported as `ERR_RESOURCE_LIMIT` and
 * discarded; a watched stream goes on. The size of a whole gRPC message is capped separately by
 * the client's `maxMessageBytes`.
 *
 * @example
 * ```ts
 * const client = new WorkloadApiClient({ limits: { maxSvids: 10, maxBundles: 50 } });
 * ```
 */
export interface WorkloadApiLimits {
  /** Most SVIDs (X.509 or JWT) in one response (default 100). */
  maxSvids?: number | undefined;
  /** Most bundles (own + federated, or one bundles map) in one response (default 200). */
  maxBundles?: number | undefined;
  /** Largest single bundle, in bytes (default 4 MiB). */
  maxBundleBytes?: number | undefined;
}

/** The limits in force once defaults are applied. */
export interface ResolvedLimits {
  readonly maxSvids: number;
  readonly maxBundles: number;
  readonly maxBundleBytes: number;
}

/**
 * The defaults of {@link WorkloadApiLimits} (rust-spiffe's values).
 *
 * @example
 * ```ts
 * const client = new WorkloadApiClient({ limits: { maxBundleBytes: 2 * DEFAULT_LIMITS.maxBundleBytes } });
 * ```
 */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({ maxSvids: 100, maxBundles: 200, maxBundleBytes: 4 * 1024 * 1024 });

/** Applies the defaults and checks each limit is a positive integer (else `ERR_BAD_REQUEST`). */
export function resolveLimits(limits: WorkloadApiLimits | undefined): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const name of ['maxSvids', 'maxBundles', 'maxBundleBytes'] as const) {
    const v = limits?.[name];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw new WorkloadApiError('ERR_BAD_REQUEST', `limits.${name} must be a positive integer, got ${String(v)}`);
    out[name] = v;
  }
  return Object.freeze(out);
}

/** A broken limit, as {@link checkLimits} reports it. */
export interface LimitViolation {
  readonly limit: 'maxSvids' | 'maxBundles' | 'maxBundleBytes';
  readonly reason: string;
}

function checkBundleMap(field: string, map: ReadonlyMap<string, Uint8Array> | undefined, limits: ResolvedLimits, ownBundles = 0): LimitViolation | undefined {
  if (map === undefined) return undefined;
  const count = map.size + ownBundles;
  if (count > limits.maxBundles) return { limit: 'maxBundles', reason: `${count} bundles (${field}); the limit is ${limits.maxBundles}` };
  for (const [key, bytes] of map) {
    const size = bytes.length;
    if (size > limits.maxBundleBytes) {
      return { limit: 'maxBundleBytes', reason: `the bundle ${JSON.stringify(key.slice(0, 100))} in ${field} is ${size} bytes; the limit is ${limits.maxBundleBytes}` };
    }
  }
  return undefined;
}

/**
 * Checks a raw message against the limits: SVID count, bundle count (an X509SVIDResponse counts
 * the SVIDs' own trust domains as well as `federated_bundles`), size of every bundle.
 * Returns the first violation, or `undefined`.
 */
export function checkLimits(
  msg: {
    readonly svids?: readonly { readonly bundle?: Uint8Array; readonly spiffe_id?: string }[];
    readonly bundles?: ReadonlyMap<string, Uint8Array>;
    readonly federated_bundles?: ReadonlyMap<string, Uint8Array>;
  },
  limits: ResolvedLimits,
): LimitViolation | undefined {
  const svids = msg.svids ?? [];
  if (svids.length > limits.maxSvids) return { limit: 'maxSvids', reason: `${svids.length} SVIDs; the limit is ${limits.maxSvids}` };
  for (const [i, svid] of svids.entries()) {
    const size = svid.bundle?.length ?? 0;
    if (size > limits.maxBundleBytes) return { limit: 'maxBundleBytes', reason: `the bundle of SVID #${i} is ${size} bytes; the limit is ${limits.maxBundleBytes}` };
  }
  const ownDomains = new Set(svids.map((s) => trustDomainOf(s.spiffe_id ?? '')));
  const federated = msg.federated_bundles;
  const extraOwn = federated === undefined ? 0 : [...ownDomains].filter((td) => td !== '' && !federated.has(td)).length;
  return checkBundleMap('bundles', msg.bundles, limits) ?? checkBundleMap('federated_bundles', federated, limits, extraOwn);
}

/** `spiffe://td/path` → `spiffe://td` (the form of bundle map keys); '' when not an ID. */
function trustDomainOf(id: string): string {
  if (!id.startsWith('spiffe://')) return '';
  const slash = id.indexOf('/', 'spiffe://'.length);
  return slash === -1 ? id : id.slice(0, slash);
}
