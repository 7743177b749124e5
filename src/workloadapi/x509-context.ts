import { X509Bundle } from '../bundle/x509-bundle.js';
import { X509BundleSet } from '../bundle/x509-bundle-set.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { X509Svid } from '../svid/x509-svid.js';
import { malformedResponse } from './errors.js';
import type { RawX509BundlesResponse, RawX509SvidResponse } from './messages.js';

/**
 * Everything the X.509 side of the Workload API gives a workload at one moment: its SVIDs (the
 * first is the default identity) and the X.509 bundles it trusts (its own trust domain and
 * federated ones).
 *
 * @example
 * ```ts
 * const ctx = await client.fetchX509Context();
 * console.log(ctx.svids[0]?.id.toString(), ctx.bundles.size);
 * ```
 */
export interface X509Context {
  /** The SVIDs, in the agent's order, with duplicate non-empty hints removed (first kept). */
  readonly svids: readonly X509Svid[];
  /** The X.509 bundles, keyed by trust domain. */
  readonly bundles: X509BundleSet;
}

/** Keeps the first SVID of each non-empty hint; SVIDs without a hint are all kept. */
export function dedupeByHint<T extends { readonly hint?: string | undefined }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const hint = item.hint ?? '';
    if (hint !== '') {
      if (seen.has(hint)) continue;
      seen.add(hint);
    }
    out.push(item);
  }
  return out;
}

/** Parses the trust domain of a bundle map key (`spiffe://td`, as the standard says; a bare name is tolerated). */
export function bundleKeyTrustDomain(key: string, field: string): TrustDomain {
  try {
    return TrustDomain.parse(key);
  } catch (err) {
    throw malformedResponse(`${field} has a key that is not a trust domain: ${JSON.stringify(key.slice(0, 100))}`, err);
  }
}

/**
 * Turns an `X509SVIDResponse` into an {@link X509Context}, applying every rule of the Workload
 * API: at least one SVID, each with a SPIFFE ID, certificates and key that are valid and agree,
 * hint de-duplication, bundles parsed per trust domain. Throws `ERR_MALFORMED_RESPONSE` on any
 * violation: the caller discards the whole message and keeps its previous state.
 */
export function parseX509SvidResponse(msg: RawX509SvidResponse): X509Context {
  const rawSvids = msg.svids;
  if (rawSvids.length === 0) throw malformedResponse('the X509SVIDResponse holds no SVID');
  const svids: X509Svid[] = [];
  const bundles = new X509BundleSet();
  rawSvids.forEach((raw, i) => {
    const where = `SVID #${i}`;
    if (!raw.spiffe_id) throw malformedResponse(`${where} has an empty spiffe_id`);
    if (raw.x509_svid.length === 0) throw malformedResponse(`${where} (${raw.spiffe_id}) has no certificates`);
    if (raw.x509_svid_key.length === 0) throw malformedResponse(`${where} (${raw.spiffe_id}) has no private key`);
    let svid: X509Svid;
    try {
      svid = X509Svid.parseRaw(raw.x509_svid, raw.x509_svid_key, { hint: raw.hint, expectedId: raw.spiffe_id });
    } catch (err) {
      throw malformedResponse(`${where} (${raw.spiffe_id}) is invalid: ${(err as Error).message}`, err);
    }
    svids.push(svid);
    const td = svid.id.trustDomain;
    if (!bundles.has(td)) {
      try {
        // Empty bytes are an empty bundle (every authority revoked), not an error.
        bundles.add(raw.bundle.length > 0 ? X509Bundle.fromDer(td, raw.bundle) : new X509Bundle(td));
      } catch (err) {
        throw malformedResponse(`the bundle of ${td.name} sent with ${where} is invalid: ${(err as Error).message}`, err);
      }
    }
  });
  for (const [key, der] of msg.federated_bundles) {
    const td = bundleKeyTrustDomain(key, 'federated_bundles');
    if (bundles.has(td)) continue;
    try {
      bundles.add(X509Bundle.fromDer(td, der));
    } catch (err) {
      throw malformedResponse(`the federated bundle of ${td.name} is invalid: ${(err as Error).message}`, err);
    }
  }
  return { svids: dedupeByHint(svids), bundles };
}

/** Turns an `X509BundlesResponse` into a bundle set; throws `ERR_MALFORMED_RESPONSE`. */
export function parseX509BundlesResponse(msg: Pick<RawX509BundlesResponse, 'bundles'>): X509BundleSet {
  const set = new X509BundleSet();
  for (const [key, der] of msg.bundles) {
    const td = bundleKeyTrustDomain(key, 'bundles');
    try {
      set.add(X509Bundle.fromDer(td, der));
    } catch (err) {
      throw malformedResponse(`the X.509 bundle of ${td.name} is invalid: ${(err as Error).message}`, err);
    }
  }
  return set;
}
