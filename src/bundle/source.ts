import type { TrustDomain } from '../spiffeid/trust-domain.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { SpiffeBundle } from './spiffe-bundle.js';
import type { X509Bundle } from './x509-bundle.js';

/**
 * Anything that can hand out the X.509 bundle of a trust domain: a single {@link X509Bundle},
 * an {@link X509BundleSet}, or a live source from the Workload API.
 *
 * @example
 * ```ts
 * const bundle = source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'));
 * ```
 */
export interface X509BundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined;
}

/**
 * Anything that can hand out the JWT bundle of a trust domain: a single {@link JwtBundle}, a
 * {@link JwtBundleSet}, or a live source from the Workload API.
 *
 * @example
 * ```ts
 * const bundle = source.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'));
 * ```
 */
export interface JwtBundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined;
}

/**
 * Anything that can hand out the SPIFFE bundle (X.509 and JWT authorities together) of a trust
 * domain: a single {@link SpiffeBundle} or a {@link SpiffeBundleSet}.
 *
 * @example
 * ```ts
 * const bundle = source.getSpiffeBundleForTrustDomain(TrustDomain.parse('partner.example'));
 * ```
 */
export interface SpiffeBundleSource {
  /** The bundle of `trustDomain`, or `undefined` when there is none. */
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle | undefined;
}
