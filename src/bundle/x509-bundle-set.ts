import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { BundleSet } from './bundle-set.js';
import type { X509BundleSource } from './x509-bundle.js';
import { X509Bundle } from './x509-bundle.js';

/**
 * X.509 bundles of several trust domains (one per trust domain): the own trust domain plus
 * federated ones, as the Workload API delivers them. A set is an {@link X509BundleSource}.
 *
 * @example
 * ```ts
 * import { X509Bundle, X509BundleSet, verifyX509Svid } from 'spiffe-kit';
 * const set = new X509BundleSet([
 *   X509Bundle.fromDer('example.org', ownDer),
 *   X509Bundle.fromDer('partner.example', partnerDer),
 * ]);
 * verifyX509Svid(peerChain, set); // uses only the bundle of the peer's trust domain
 * ```
 */
export class X509BundleSet extends BundleSet<X509Bundle> implements X509BundleSource {
  protected get kind(): string {
    return 'X509BundleSet';
  }

  protected accepts(value: unknown): value is X509Bundle {
    return value instanceof X509Bundle;
  }

  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getX509BundleForTrustDomain(id.trustDomain);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return this.lookup(trustDomain);
  }
}
