import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { publish } from '../diagnostics/channels.js';

/**
 * What changed between two deliveries of bundles: trust domains that appeared, disappeared
 * (redacted: unloaded), or whose authorities changed.
 *
 * @example
 * ```ts
 * source.on('bundles', ({ added, removed, updated }) => console.log(added.map(String), removed.map(String), updated.map(String)));
 * ```
 */
export interface BundleChanges {
  readonly added: readonly TrustDomain[];
  readonly removed: readonly TrustDomain[];
  readonly updated: readonly TrustDomain[];
}

interface BundleLike<B> {
  readonly trustDomain: TrustDomain;
  equals(other: B): boolean;
}
interface SetLike<B extends BundleLike<B>> {
  bundles(): readonly B[];
  get(td: TrustDomain): B | undefined;
}

/** @internal The changes from `before` to `after`, or undefined when nothing changed. */
export function diffBundleSets<B extends BundleLike<B>>(before: SetLike<B> | undefined, after: SetLike<B>): BundleChanges | undefined {
  const added: TrustDomain[] = [];
  const removed: TrustDomain[] = [];
  const updated: TrustDomain[] = [];
  for (const bundle of after.bundles()) {
    const old = before?.get(bundle.trustDomain);
    if (old === undefined) added.push(bundle.trustDomain);
    else if (!old.equals(bundle)) updated.push(bundle.trustDomain);
  }
  for (const bundle of before?.bundles() ?? []) {
    if (after.get(bundle.trustDomain) === undefined) removed.push(bundle.trustDomain);
  }
  return added.length + removed.length + updated.length === 0 ? undefined : { added, removed, updated };
}

/** @internal Publishes `changes` on `spiffe-kit:bundle:update` (call it behind `channels.bundleUpdate.hasSubscribers`). */
export function publishBundleChanges(address: string, kind: 'x509' | 'jwt', changes: BundleChanges, count: number): void {
  const names = (tds: readonly TrustDomain[]): string[] => tds.map((td) => td.name);
  publish('bundleUpdate', { address, kind, added: names(changes.added), removed: names(changes.removed), updated: names(changes.updated), count });
}
