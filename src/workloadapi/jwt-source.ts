import type { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { JwtSvid, type JwtSvidOptions } from '../svid/jwt-svid.js';
import { JwtSvidError, type JwtSvidErrorCode } from '../svid/jwt-errors.js';
import { channels } from '../diagnostics/channels.js';
import { type BundleChanges, diffBundleSets, publishBundleChanges } from './bundle-diff.js';
import type { CallOptions } from './client.js';
import { WorkloadApiError } from './errors.js';
import { type JwtSvidCacheOptions, JwtSvidCache, type JwtSvidRequest } from './jwt-cache.js';
import { log } from './logger.js';
import { type SourceOptions, SourceBase } from './source-base.js';
import type { SourceHealth } from './source-state.js';

/**
 * Options of {@link JwtSource.create}.
 *
 * @example
 * ```ts
 * const jwtSource = await JwtSource.create({ cache: { maxEntries: 100, refreshAhead: true } });
 * const uncached = await JwtSource.create({ cache: false }); // every fetchJwtSvid asks the agent
 * ```
 */
export interface JwtSourceOptions extends SourceOptions {
  /**
   * The JWT-SVID cache of {@link JwtSource.fetchJwtSvid} (on by default): `false` turns it off
   * (every fetch asks the agent), an object tunes it.
   */
  cache?: boolean | JwtSvidCacheOptions | undefined;
}

/**
 * Options of {@link JwtSource.validateJwtSvid}.
 *
 * @example
 * ```ts
 * const svid = await jwtSource.validateJwtSvid(token, 'my-api', { remote: true, timeoutMs: 2_000 });
 * ```
 */
export interface ValidateJwtSvidOptions extends CallOptions, JwtSvidOptions {
  /** Have the agent validate the token (ValidateJWTSVID) instead of checking it locally. Default `false`. */
  readonly remote?: boolean | undefined;
}

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
  readonly #cache: JwtSvidCache | undefined;

  private constructor(options: JwtSourceOptions) {
    super(options);
    const cache = options.cache ?? true;
    this.#cache =
      cache === false
        ? undefined
        : new JwtSvidCache(
            (subject, audience) => this.client.fetchJwtSvids({ audience, spiffeId: subject }),
            cache === true ? {} : cache,
            (err) => log(this.logger, 'warn', 'background JWT-SVID refresh failed', { error: String(err) }),
          );
  }

  /**
   * Connects and resolves once the first JWT bundles arrive; rejects on timeout (default 30 s),
   * abort or a fatal error.
   *
   * @param options - `address` (default: `SPIFFE_ENDPOINT_SOCKET`), `timeoutMs`, `signal`, `cache`, `logger`, `client`.
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
    if (changes !== undefined && channels.bundleUpdate.hasSubscribers) publishBundleChanges(this.address, 'jwt', changes, set.size);
    if (changes !== undefined) this.emitSafely('bundles', changes);
    if (changes !== undefined || first) {
      this.emitSafely('update', set);
      this.pushUpdate(set);
    }
  }

  #onError(err: WorkloadApiError, fatal: boolean): void {
    this.recordError(err);
    // The agent says the workload has no identity left: no cached token may outlive that.
    if (err.code === 'ERR_NOT_REGISTERED') this.#cache?.clear();
    if (err.code !== 'ERR_MALFORMED_RESPONSE' && err.code !== 'ERR_RESOURCE_LIMIT') {
      this.setConnected(false);
      if (this.state === 'ready') this.setState('stale');
    }
    this.emitError(err);
    if (fatal) this.failReady(err);
  }

  /**
   * A JWT-SVID for `audience` (plus `extraAudiences`), of `subject` (default: the workload's
   * default identity) or with `hint`. Served from the cache while the token is younger than half
   * its lifetime; concurrent callers for one key share one agent call; a failure is not cached.
   * With `cache: false`, every call asks the agent.
   *
   * A caller's `signal` / `timeoutMs` bound that caller's wait; the shared agent call itself runs
   * with the source's deadline (`callTimeoutMs`, default 10 s).
   *
   * @param params - `audience` (required), `extraAudiences`, `subject`, `hint`.
   * @param options - `timeoutMs`, `signal` for this call.
   * @throws {@link WorkloadApiError} `ERR_BAD_REQUEST` (no or empty audience), `ERR_NOT_REGISTERED`
   * (the identity was removed: its cached tokens are evicted), `ERR_NO_SVID` (no SVID with `hint`), …
   * @example
   * ```ts
   * const { token } = await jwtSource.fetchJwtSvid({ audience: 'sts.amazonaws.com' });
   * const svid = await jwtSource.fetchJwtSvid({ audience: ['vault', 'backup'], subject: 'spiffe://example.org/batch' });
   * ```
   */
  async fetchJwtSvid(params: JwtSvidRequest, options: CallOptions = {}): Promise<JwtSvid> {
    this.assertOpen();
    const cache = this.#cache;
    if (cache === undefined) return this.client.fetchJwtSvid(uncachedParams(params), options);
    const hit = cache.peek(params);
    if (hit !== undefined) return hit;
    return (await cache.fetch(params, false, (p) => this.#wait(p, options)))[0] as JwtSvid;
  }

  /**
   * JWT-SVIDs for `audience` for every identity of the workload (or only `subject`), cached like
   * {@link JwtSource.fetchJwtSvid}.
   *
   * @param params - `audience` (required), `extraAudiences`, `subject`.
   * @param options - `timeoutMs`, `signal` for this call.
   * @example
   * ```ts
   * const all = await jwtSource.fetchJwtSvids({ audience: 'my-api' });
   * ```
   */
  async fetchJwtSvids(params: JwtSvidRequest, options: CallOptions = {}): Promise<JwtSvid[]> {
    this.assertOpen();
    const cache = this.#cache;
    if (cache === undefined) return this.client.fetchJwtSvids(uncachedParams(params), options);
    return (await cache.fetch(params, true, (p) => this.#wait(p, options))).slice();
  }

  /**
   * Forgets every cached JWT-SVID (e.g. after learning out of band that an identity was removed).
   *
   * @example
   * ```ts
   * x509Source.on('svid', () => jwtSource.clearCache());
   * ```
   */
  clearCache(): void {
    this.#cache?.clear();
  }

  /** Number of keys in the JWT-SVID cache (0 when it is off). */
  get cacheSize(): number {
    return this.#cache?.size ?? 0;
  }

  /**
   * Validates a JWT-SVID presented by a peer, for `audience`, and returns it read.
   *
   * - Local (default): {@link JwtSvid.parseAndValidate} against this source's JWT bundles. No
   *   round trip; accepts several audiences; needs the bundle of the token's trust domain
   *   (federated ones included).
   * - `remote: true`: the agent's ValidateJWTSVID decides (one RPC per token, one audience). The
   *   token is first read locally (structure, claims, expiry, audience) so that the same
   *   {@link JwtSvidError} codes come out; what the agent rejects after that becomes
   *   `ERR_JWT_NO_BUNDLE`, `ERR_JWT_UNKNOWN_KID` or `ERR_JWT_SIGNATURE` (cause: the agent's error).
   *   Agent failures (unreachable, timeout) stay {@link WorkloadApiError}s.
   *
   * @param token - the JWT-SVID as sent by the caller.
   * @param audience - the audience(s) this service accepts (one only with `remote`).
   * @param options - `remote: true` to let the agent validate; `timeoutMs`, `signal`, `now`, `leewaySeconds`.
   * @throws {@link JwtSvidError} when the token is not acceptable.
   * @example
   * ```ts
   * const caller = await jwtSource.validateJwtSvid(token, 'my-api');
   * const same = await jwtSource.validateJwtSvid(token, 'my-api', { remote: true });
   * ```
   */
  async validateJwtSvid(token: string, audience: string | readonly string[], options: ValidateJwtSvidOptions = {}): Promise<JwtSvid> {
    this.assertOpen();
    const { remote, signal, timeoutMs, ...jwtOptions } = options;
    if (remote !== true) return JwtSvid.parseAndValidate(token, this, audience, jwtOptions);
    const list = typeof audience === 'string' ? [audience] : audience;
    if (Array.isArray(list) && list.length > 1) {
      throw new JwtSvidError('ERR_JWT_INVALID_ARGUMENT', `Remote validation takes exactly one audience (ValidateJWTSVID), got ${list.length}`, { expectedAudience: list });
    }
    const read = JwtSvid.parseInsecure(token, audience, jwtOptions);
    const callOptions: CallOptions = { ...(signal === undefined ? {} : { signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    try {
      return await this.client.validateJwtSvid(token, list[0] as string, callOptions);
    } catch (err) {
      if (err instanceof WorkloadApiError && err.code === 'ERR_TOKEN_REJECTED') {
        const subject = read.id.toString();
        const detail = err.details ?? err.message;
        throw new JwtSvidError(remoteCode(detail), `The Workload API rejected the JWT-SVID of ${subject}: ${detail}`, {
          subject,
          trustDomain: read.id.trustDomain.name,
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Waits for a shared call, honouring this caller's signal and timeout only. */
  #wait(shared: Promise<JwtSvid[]>, options: CallOptions): Promise<JwtSvid[]> {
    const { signal, timeoutMs } = options;
    if (signal === undefined && timeoutMs === undefined) return shared;
    return new Promise<JwtSvid[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new WorkloadApiError('ERR_ABORTED', `Aborted while waiting for a JWT-SVID from the Workload API at ${this.address}`, { address: this.address, cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new WorkloadApiError('ERR_TIMEOUT', `Timed out after ${timeoutMs} ms waiting for a JWT-SVID from the Workload API at ${this.address}`, { address: this.address }));
        }, timeoutMs);
      }
      shared.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e as Error);
        },
      );
    });
  }

  override async close(): Promise<void> {
    this.#cache?.close();
    await super.close();
  }

  /**
   * The JWT bundle of `trustDomain`, if the workload trusts it.
   *
   * @example
   * ```ts
   * const keys = jwtSource.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))?.jwtAuthorities;
   * ```
   */
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
      // Like an X509Source: while stale it still validates with its last bundles (and serves cached tokens).
      ready: !this.closed && this.#bundles !== undefined && this.state !== 'connecting',
      svidExpiresInSeconds: undefined,
      spiffeId: undefined,
      bundleCount: this.#bundles?.size ?? 0,
    });
  }
}

export type { BundleChanges };

/** The client's params for an uncached request. */
function uncachedParams(params: JwtSvidRequest): { audience: string[]; spiffeId?: string; hint?: string } {
  if (params === null || typeof params !== 'object') throw new WorkloadApiError('ERR_BAD_REQUEST', 'the JWT-SVID request must be an object with an audience');
  const audience = typeof params.audience === 'string' ? [params.audience] : [...(params.audience ?? [])];
  if (params.extraAudiences !== undefined) audience.push(...params.extraAudiences);
  const subject = params.subject ?? params.spiffeId;
  return {
    audience: [...new Set(audience)],
    ...(subject === undefined ? {} : { spiffeId: String(subject) }),
    ...(params.hint === undefined ? {} : { hint: params.hint }),
  };
}

/** The validation rule an agent's rejection message points at. */
function remoteCode(detail: string): JwtSvidErrorCode {
  if (/no keys found for trust domain|no bundle/i.test(detail)) return 'ERR_JWT_NO_BUNDLE';
  if (/no key found|no JWT authority|key id|kid|public key .* not found/i.test(detail)) return 'ERR_JWT_UNKNOWN_KID';
  if (/expired/i.test(detail)) return 'ERR_JWT_EXPIRED';
  if (/audience/i.test(detail)) return 'ERR_JWT_AUDIENCE';
  return 'ERR_JWT_SIGNATURE';
}
