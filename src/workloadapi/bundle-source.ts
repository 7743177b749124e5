import type { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import { X509BundleSet } from '../bundle/x509-bundle-set.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { channels } from '../diagnostics/channels.js';
import { diffBundleSets, publishBundleChanges } from './bundle-diff.js';
import type { WorkloadApiError } from './errors.js';
import { type SourceOptions, SourceBase } from './source-base.js';
import type { SourceHealth } from './source-state.js';

/**
 * Options of {@link BundleSource.create} (the options every source takes).
 *
 * @example
 * ```ts
 * const source = await BundleSource.create({ address: 'unix:///run/spire/agent.sock', timeoutMs: 10_000 });
 * ```
 */
export type BundleSourceOptions = SourceOptions;

/**
 * What a {@link BundleSource} holds at one moment.
 *
 * @example
 * ```ts
 * for await (const { x509, jwt } of bundleSource.updates()) console.log(x509.size, jwt.size);
 * ```
 */
export interface Bundles {
  readonly x509: X509BundleSet;
  readonly jwt: JwtBundleSet;
}

/**
 * Live trust bundles from the Workload API, X.509 and JWT, without the workload's own SVIDs: for
 * a process that only verifies peers or tokens. Implements both bundle source interfaces.
 *
 * Events: `x509-bundles` and `jwt-bundles` ({@link BundleChanges}), `update` ({@link Bundles}),
 * `state`, `error` (only if someone listens), `close`.
 *
 * @example
 * ```ts
 * import { BundleSource, verifyX509Svid } from 'spiffe-kit';
 * const bundles = await BundleSource.create();
 * const { id } = verifyX509Svid(peerChain, bundles);
 * ```
 */
export class BundleSource extends SourceBase<Bundles> implements X509BundleSource, JwtBundleSource {
  #x509: X509BundleSet | undefined;
  #jwt: JwtBundleSet | undefined;

  private constructor(options: BundleSourceOptions) {
    super(options);
  }

  /**
   * Connects and resolves once both the X.509 and the JWT bundles have arrived.
   *
   * @param options - `address` (default: `SPIFFE_ENDPOINT_SOCKET`), `timeoutMs`, `signal`, `logger`, `client`.
   * @example
   * ```ts
   * const bundles = await BundleSource.create({ address: 'unix:///run/spire/agent.sock' });
   * ```
   */
  static async create(options: BundleSourceOptions = {}): Promise<BundleSource> {
    const source = new BundleSource(options);
    const onError = (err: WorkloadApiError, fatal: boolean) => source.onStreamError(err, fatal);
    source.watches.push(
      source.client.watchX509Bundles({ onUpdate: (set) => source.#onX509(set), onError }),
      source.client.watchJwtBundles({ onUpdate: (set) => source.#onJwt(set), onError }),
    );
    await source.waitForReady(options, 'the X.509 and JWT bundles');
    return source;
  }

  #onX509(set: X509BundleSet): void {
    const changes = diffBundleSets(this.#x509, set);
    const first = this.#x509 === undefined;
    this.#x509 = set;
    this.#updated(first || changes !== undefined);
    if (changes !== undefined && channels.bundleUpdate.hasSubscribers) publishBundleChanges(this.address, 'x509', changes, set.size);
    if (changes !== undefined) this.emitSafely('x509-bundles', changes);
  }

  #onJwt(set: JwtBundleSet): void {
    const changes = diffBundleSets(this.#jwt, set);
    const first = this.#jwt === undefined;
    this.#jwt = set;
    this.#updated(first || changes !== undefined);
    if (changes !== undefined && channels.bundleUpdate.hasSubscribers) publishBundleChanges(this.address, 'jwt', changes, set.size);
    if (changes !== undefined) this.emitSafely('jwt-bundles', changes);
  }

  #updated(changed: boolean): void {
    this.recordUpdate();
    if (this.#x509 === undefined || this.#jwt === undefined) return;
    this.setState('ready');
    if (changed) {
      const update = this.currentUpdate() as Bundles;
      this.emitSafely('update', update);
      this.pushUpdate(update);
    }
  }

  /**
   * The X.509 bundle of `trustDomain`, if trusted.
   *
   * @example
   * ```ts
   * const bundle = bundleSource.getX509BundleForTrustDomain(TrustDomain.parse('example.org'));
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return this.closed ? undefined : this.#x509?.get(trustDomain);
  }

  /**
   * The JWT bundle of `trustDomain`, if trusted.
   *
   * @example
   * ```ts
   * const bundle = bundleSource.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'));
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return this.closed ? undefined : this.#jwt?.get(trustDomain);
  }

  /** The X.509 bundles currently held. */
  get x509Bundles(): X509BundleSet {
    return this.#x509 ?? new X509BundleSet();
  }

  /** The JWT bundles currently held. */
  get jwtBundles(): JwtBundleSet {
    return this.#jwt ?? new JwtBundleSet();
  }

  protected currentUpdate(): Bundles | undefined {
    if (this.#x509 === undefined || this.#jwt === undefined) return undefined;
    return { x509: this.#x509, jwt: this.#jwt };
  }

  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * console.log(bundles.health().bundleCount);
   * ```
   */
  health(): SourceHealth {
    return this.healthSnapshot({
      // Like an X509Source: while stale it still serves its last bundles.
      ready: !this.closed && this.#x509 !== undefined && this.#jwt !== undefined && this.state !== 'connecting',
      svidExpiresInSeconds: undefined,
      spiffeId: undefined,
      bundleCount: (this.#x509?.size ?? 0) + (this.#jwt?.size ?? 0),
    });
  }
}
