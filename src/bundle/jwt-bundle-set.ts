import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { BundleSet } from './bundle-set.js';
import { JwtBundle } from './jwt-bundle.js';
import type { JwtBundleSource } from './jwt-bundle.js';

/**
 * JWT bundles of several trust domains (one per trust domain). A set is a {@link JwtBundleSource}:
 * JWT-SVID validation picks the bundle of the token subject's trust domain.
 *
 * @example
 * ```ts
 * import { JwtBundle, JwtBundleSet, JwtSvid } from 'spiffe-kit';
 * const set = new JwtBundleSet([JwtBundle.fromJwks('example.org', jwks)]);
 * const svid = await JwtSvid.parseAndValidate(token, set, 'my-api');
 * ```
 */
export class JwtBundleSet extends BundleSet<JwtBundle> implements JwtBundleSource {
  protected get kind(): string {
    return 'JwtBundleSet';
  }

  protected accepts(value: unknown): value is JwtBundle {
    return value instanceof JwtBundle;
  }

  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getJwtBundleForTrustDomain(svid.id.trustDomain);
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return this.lookup(trustDomain);
  }
}
