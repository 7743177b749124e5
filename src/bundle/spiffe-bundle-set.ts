import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { BundleSet } from './bundle-set.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { JwtBundleSource } from './jwt-bundle.js';
import type { SpiffeBundleSource } from './spiffe-bundle.js';
import type { X509BundleSource } from './x509-bundle.js';
import { SpiffeBundle } from './spiffe-bundle.js';
import type { X509Bundle } from './x509-bundle.js';

/**
 * SPIFFE bundles of several trust domains (one per trust domain), e.g. everything fetched from
 * federation endpoints. A set is a source of X.509, JWT and SPIFFE bundles.
 *
 * @example
 * ```ts
 * import { SpiffeBundle, SpiffeBundleSet } from 'spiffe-kit';
 * const set = new SpiffeBundleSet([SpiffeBundle.parse('partner.example', body)]);
 * verifyX509Svid(peerChain, set);
 * await JwtSvid.parseAndValidate(token, set, 'my-api');
 * ```
 */
export class SpiffeBundleSet extends BundleSet<SpiffeBundle> implements X509BundleSource, JwtBundleSource, SpiffeBundleSource {
  protected get kind(): string {
    return 'SpiffeBundleSet';
  }

  protected accepts(value: unknown): value is SpiffeBundle {
    return value instanceof SpiffeBundle;
  }

  /**
   * The X.509 view of the bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getX509BundleForTrustDomain(id.trustDomain)?.x509Authorities;
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return this.lookup(trustDomain)?.x509Bundle();
  }

  /**
   * The JWT view of the bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getJwtBundleForTrustDomain(id.trustDomain)?.findJwtAuthority(kid);
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return this.lookup(trustDomain)?.jwtBundle();
  }

  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getSpiffeBundleForTrustDomain(td)?.sequenceNumber;
   * ```
   */
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle | undefined {
    return this.lookup(trustDomain);
  }
}
