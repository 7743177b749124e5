import type { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { JwtBundleSource } from '../bundle/source.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import type { JwtSvid } from '../svid/jwt-svid.js';
import { type BundleChanges, diffBundleSets } from './bundle-diff.js';
import type { CallOptions, JwtSvidParams } from './client.js';
import type { WorkloadApiError } from './errors.js';
import { type SourceOptions, SourceBase } from './source-base.js';
import type { SourceHealth } from './source-state.js';

/** Options of {@link JwtSource.create}. */
export type JwtSourceOptions = SourceOptions;

/**
 * A live JWT side of the Workload API: the JWT bundles the workload trusts (kept fresh from the
 * agent's stream) and JWT-SVIDs fetched on demand for any audience. Pass it wherever a JWT bundle
 * source is expected, e.g. `JwtSvid.parseAndValidate(token, jwtSource, 'my-api')`.
 *
 * Events: `bundles` ({@link BundleChanges}), `update` (the {@link JwtBundleSet}), `state`, `error`
 * (only if someone listens), `close`.
 *
 * @example
 * ```ts
 * import { JwtSource, JwtSvid } from 'spiffe-kit';
 * const jwtSource = await JwtSource.create();
 * const svid = await jwtSource.fetchJwtSvid({ audience: 'https://vault.example.org' });
 * const caller = await JwtSvid.parseAndValidate(incomingToken, jwtSource, 'my-api');
 * ```
 */
export class JwtSource extends SourceBase<JwtBundleSet> implements JwtBundleSource {
  #bundles: JwtBundleSet | undefined;

  private constructor(options: JwtSourceOptions) {
    super(options);
  }

  /**
   * Connects and resolves once the first JWT bundles arrive; rejects on timeout (default 30 s),
   * abort or a fatal error.
   *
   * @example
   * ```ts
   * const jwtSource = await JwtSource.create({ timeoutMs: 10_000 });
   * ```
   */
  static async create(options: JwtSourceOptions = {}): Promise<JwtSource> {
    const source = new JwtSource(options);
    source.watches.push(
      source.client.watchJwtBundles({
        onUpdate: (set) => source.#onBundles(set),
        onError: (err, fatal) => source.#onError(err, fatal),
      }),
    );
    await source.waitForReady(options, 'the JWT bundles');
    return source;
  }

  #onBundles(set: JwtBundleSet): void {
    const changes = diffBundleSets(this.#bundles, set);
    const first = this.#bundles === undefined;
    this.#bundles = set;
    this.recordUpdate();
    this.setState('ready');
    if (changes !== undefined) this.emitSafely('bundles', changes);
    if (changes !== undefined || first) {
      this.emitSafely('update', set);
      this.pushUpdate(set);
    }
  }

  #onError(err: WorkloadApiError, fatal: boolean): void {
    this.recordError(err);
    if (err.code !== 'ERR_MALFORMED_RESPONSE' && err.code !== 'ERR_RESOURCE_LIMIT') {
      this.setConnected(false);
      if (this.state === 'ready') this.setState('stale');
    }
    this.emitError(err);
    if (fatal) this.failReady(err);
  }

  /**
   * Fetches a JWT-SVID for `audience` from the agent.
   *
   * @example
   * ```ts
   * const { token } = await jwtSource.fetchJwtSvid({ audience: ['sts.amazonaws.com'] });
   * ```
   */
  async fetchJwtSvid(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid> {
    this.assertOpen();
    return this.client.fetchJwtSvid(params, options);
  }

  /**
   * Fetches a JWT-SVID for `audience` for every identity of the workload.
   *
   * @example
   * ```ts
   * const all = await jwtSource.fetchJwtSvids({ audience: 'my-api' });
   * ```
   */
  async fetchJwtSvids(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid[]> {
    this.assertOpen();
    return this.client.fetchJwtSvids(params, options);
  }

  /** The JWT bundle of `trustDomain`, if the workload trusts it. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    if (this.closed) return undefined;
    return this.#bundles?.get(trustDomain);
  }

  /** All JWT bundles currently held. */
  get bundles(): JwtBundleSet {
    return this.#bundles ?? new JwtBundleSet();
  }

  protected currentUpdate(): JwtBundleSet | undefined {
    return this.#bundles;
  }

  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * console.log(jwtSource.health().bundleCount);
   * ```
   */
  health(): SourceHealth {
    return this.healthSnapshot({
      ready: !this.closed && this.#bundles !== undefined && this.state === 'ready',
      svidExpiresInSeconds: undefined,
      spiffeId: undefined,
      bundleCount: this.#bundles?.size ?? 0,
    });
  }
}

export type { BundleChanges };
