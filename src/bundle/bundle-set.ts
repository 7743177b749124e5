import { inspect } from 'node:util';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { BundleError } from './errors.js';

/**
 * The common part of {@link X509BundleSet}, {@link JwtBundleSet} and {@link SpiffeBundleSet}:
 * bundles keyed by trust domain, at most one per trust domain. Iteration and
 * {@link BundleSet.bundles} go in trust domain name order.
 *
 * @example
 * ```ts
 * const set = new X509BundleSet([bundleA, bundleB]);
 * set.size;                 // 2
 * set.has('a.example');     // true
 * for (const bundle of set) console.log(bundle.trustDomain.name);
 * ```
 */
export abstract class BundleSet<B extends { readonly trustDomain: TrustDomain }> implements Iterable<B> {
  readonly #bundles = new Map<string, B>();
  #sorted: readonly B[] | undefined;

  constructor(bundles?: Iterable<B>) {
    if (bundles !== undefined) for (const bundle of bundles) this.add(bundle);
  }

  /** The class name used in messages. */
  protected abstract get kind(): string;
  /** Whether `value` is a bundle this set holds. */
  protected abstract accepts(value: unknown): value is B;

  /**
   * Adds `bundle`, replacing the bundle of the same trust domain if there is one.
   *
   * @example
   * ```ts
   * set.add(X509Bundle.fromDer('partner.example', der));
   * ```
   */
  add(bundle: B): this {
    if (!this.accepts(bundle)) {
      throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `Only ${this.kind.replace(/Set$/, '')} objects can be added to a ${this.kind}`);
    }
    this.#bundles.set(bundle.trustDomain.name, bundle);
    this.#sorted = undefined;
    return this;
  }

  /**
   * Removes the bundle of `trustDomain`; returns whether there was one.
   *
   * @example
   * ```ts
   * set.remove('partner.example');
   * ```
   */
  remove(trustDomain: TrustDomain | string): boolean {
    const removed = this.#bundles.delete(nameOf(trustDomain));
    if (removed) this.#sorted = undefined;
    return removed;
  }

  /**
   * Whether there is a bundle for `trustDomain`.
   *
   * @example
   * ```ts
   * set.has(TrustDomain.parse('example.org'));
   * ```
   */
  has(trustDomain: TrustDomain | string): boolean {
    return this.#bundles.has(nameOf(trustDomain));
  }

  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.get('spiffe://example.org')?.empty();
   * ```
   */
  get(trustDomain: TrustDomain | string): B | undefined {
    return this.#bundles.get(nameOf(trustDomain));
  }

  /**
   * Removes every bundle.
   *
   * @example
   * ```ts
   * set.clear();
   * ```
   */
  clear(): void {
    this.#bundles.clear();
    this.#sorted = undefined;
  }

  /** Number of trust domains with a bundle. */
  get size(): number {
    return this.#bundles.size;
  }

  /**
   * The bundles, sorted by trust domain name (a frozen array, reused until the set changes).
   *
   * @example
   * ```ts
   * set.bundles().map((b) => b.trustDomain.name);
   * ```
   */
  bundles(): readonly B[] {
    this.#sorted ??= Object.freeze([...this.#bundles.values()].sort((a, b) => (a.trustDomain.name < b.trustDomain.name ? -1 : 1)));
    return this.#sorted;
  }

  /**
   * The trust domains that have a bundle, sorted by name.
   *
   * @example
   * ```ts
   * set.trustDomains().map(String); // ['a.example', 'b.example']
   * ```
   */
  trustDomains(): TrustDomain[] {
    return this.bundles().map((b) => b.trustDomain);
  }

  [Symbol.iterator](): Iterator<B> {
    return this.bundles()[Symbol.iterator]();
  }

  /** Looks up by an already parsed trust domain, for the source interfaces. */
  protected lookup(trustDomain: TrustDomain): B | undefined {
    return this.#bundles.get(trustDomain.name);
  }

  /** `<Kind>(a.example, b.example)`. */
  toString(): string {
    return `${this.kind}(${[...this.bundles()].map((b) => b.trustDomain.name).join(', ')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function nameOf(trustDomain: TrustDomain | string): string {
  return trustDomain instanceof TrustDomain ? trustDomain.name : TrustDomain.parse(trustDomain).name;
}
