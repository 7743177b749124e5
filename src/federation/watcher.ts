/**
 * A live set of federated bundles, each kept fresh from its trust domain's bundle endpoint: the
 * Node counterpart of go-spiffe's `federation.WatchBundle` and of SPIRE server's bundle client
 * (pkg/server/bundle/client): poll at the bundle's `spiffe_refresh_hint` (5 minutes without one,
 * as SPIRE), keep the last good bundle through outages, retry with backoff, and re-authenticate an
 * `https_spiffe` endpoint of the federated trust domain with the bundle it served last (so the
 * endpoint's CA can rotate, each bundle vouching for the next).
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { SpiffeBundle } from '../bundle/spiffe-bundle.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { SpiffeBundleSource } from '../bundle/spiffe-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import { X509BundleSet } from '../bundle/x509-bundle-set.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { channels, publish } from '../diagnostics/channels.js';
import { FederationError } from './errors.js';
import { type BundleEndpointProfile, fetchBundle } from './fetch.js';

/**
 * One federation relationship: whose bundle, from where, authenticated how (SPIRE's
 * `federates_with` block).
 *
 * @example
 * ```ts
 * const federated = await FederatedBundleSource.create([
 *   {
 *     trustDomain: 'partner.example',
 *     url: 'https://spire.partner.example:8443',
 *     profile: 'https_spiffe',
 *     endpointId: 'spiffe://partner.example/spire/server',
 *     initialBundle: SpiffeBundle.parse('partner.example', bootstrapJson),
 *   },
 * ]);
 * ```
 */
export interface FederatedTrustDomain {
  readonly trustDomain: TrustDomain | string;
  readonly url: string | URL;
  readonly profile: BundleEndpointProfile;
  /** `https_spiffe`: the SPIFFE ID the endpoint presents. */
  readonly endpointId?: SpiffeId | string | undefined;
  /**
   * The bundle obtained out of band (SPIRE's `spire-server bundle set`): served until the first
   * fetch succeeds and, for an `https_spiffe` endpoint of `trustDomain` itself, the trust of the
   * first fetch. Later fetches trust the bundle fetched last.
   */
  readonly initialBundle?: SpiffeBundle | undefined;
  /**
   * `https_spiffe` with an endpoint of ANOTHER trust domain (for example a shared bundle server of
   * your own trust domain): the bundles that authenticate it, such as an `X509Source`.
   */
  readonly bundleSource?: X509BundleSource | undefined;
  /** `https_web`: CAs to trust instead of Node's root store. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
}

/**
 * Options of {@link FederatedBundleSource.create}.
 *
 * @example
 * ```ts
 * const federated = await FederatedBundleSource.create([partner], { defaultRefreshMs: 60_000, timeoutMs: 10_000 });
 * ```
 */
export interface FederatedBundleSourceOptions {
  /** Refresh period when a bundle has no `spiffe_refresh_hint`, in ms. Default 300,000 (SPIRE's). */
  readonly defaultRefreshMs?: number | undefined;
  /** Shortest refresh period, whatever the hint says, in ms. Default 10,000. */
  readonly minRefreshMs?: number | undefined;
  /** Longest refresh period, whatever the hint says, in ms. Default 3,600,000. */
  readonly maxRefreshMs?: number | undefined;
  /** Each period is shortened by a random fraction up to this, so that peers spread out. Default 0.1. */
  readonly jitter?: number | undefined;
  /** First retry after a failed fetch, in ms; doubles per failure. Default 1,000. */
  readonly initialBackoffMs?: number | undefined;
  /** Longest retry delay, in ms (never beyond the refresh period). Default 60,000. */
  readonly maxBackoffMs?: number | undefined;
  /** Bound on each fetch, in ms (see {@link FetchBundleOptions.timeoutMs}). */
  readonly fetchTimeoutMs?: number | undefined;
  /** Largest body of each fetch (see {@link FetchBundleOptions.maxBytes}). */
  readonly maxBytes?: number | undefined;
  /** How long `create()` waits for every trust domain's first bundle, in ms. Default 30,000. */
  readonly timeoutMs?: number | undefined;
  /** Aborts `create()`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The state of a {@link FederatedBundleSource}: `connecting` (some trust domain has no bundle
 * yet), `ready` (every bundle fetched, the last fetches succeeded), `stale` (every trust domain has
 * a bundle, some last fetch failed), `closed`.
 *
 * @example
 * ```ts
 * source.on('state', (state: FederatedBundleState) => console.log(state));
 * ```
 */
export type FederatedBundleState = 'connecting' | 'ready' | 'stale' | 'closed';

/**
 * A new bundle adopted for a trust domain (the `update` event).
 *
 * @example
 * ```ts
 * source.on('update', ({ trustDomain, bundle }: FederatedBundleUpdate) => console.log(trustDomain.name, bundle.sequenceNumber));
 * ```
 */
export interface FederatedBundleUpdate {
  readonly trustDomain: TrustDomain;
  readonly bundle: SpiffeBundle;
  /** The bundle it replaces (`undefined` for the first one). */
  readonly previous: SpiffeBundle | undefined;
}

/**
 * The health of one federation relationship.
 *
 * @example
 * ```ts
 * for (const d of source.health().trustDomains) if (d.lastError) console.warn(d.trustDomain, d.lastError.code);
 * ```
 */
export interface FederatedTrustDomainHealth {
  readonly trustDomain: string;
  readonly url: string;
  readonly hasBundle: boolean;
  readonly sequenceNumber: bigint | undefined;
  readonly lastSuccessAt: Date | undefined;
  /** Failed fetches since the last success. */
  readonly failures: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: Date } | undefined;
  readonly nextRefreshAt: Date | undefined;
}

/**
 * The health of a {@link FederatedBundleSource}.
 *
 * @example
 * ```ts
 * const { state, trustDomains }: FederatedBundleSourceHealth = source.health();
 * ```
 */
export interface FederatedBundleSourceHealth {
  readonly state: FederatedBundleState;
  readonly ready: boolean;
  readonly trustDomains: readonly FederatedTrustDomainHealth[];
}

interface Domain {
  readonly td: TrustDomain;
  readonly url: string;
  readonly config: FederatedTrustDomain;
  readonly endpointId: SpiffeId | undefined;
  bundle: SpiffeBundle | undefined;
  attempted: boolean;
  failures: number;
  lastSuccessAt: Date | undefined;
  lastError: FederationError | undefined;
  lastErrorAt: Date | undefined;
  nextAt: Date | undefined;
  timer: NodeJS.Timeout | undefined;
  inflight: AbortController | undefined;
}

function positive(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', `FederatedBundleSource: "${name}" must be a ${allowZero ? 'non-negative' : 'positive'} number of ms`);
  }
  return value;
}

function configure(config: FederatedTrustDomain): Domain {
  const bad = (why: string) => new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', `FederatedBundleSource: ${why}`);
  if (typeof config !== 'object' || config === null) throw bad('each trust domain needs { trustDomain, url, profile }');
  let td: TrustDomain;
  try {
    td = TrustDomain.from(config.trustDomain);
  } catch (err) {
    throw bad(`"trustDomain" is not a trust domain: ${(err as Error).message}`);
  }
  let endpointId: SpiffeId | undefined;
  if (config.profile === 'https_spiffe') {
    if (config.endpointId === undefined) throw bad(`"${td.name}": the https_spiffe profile needs "endpointId"`);
    try {
      endpointId = SpiffeId.from(config.endpointId);
    } catch (err) {
      throw bad(`"${td.name}": "endpointId" is not a SPIFFE ID: ${(err as Error).message}`);
    }
    if (endpointId.trustDomain.name === td.name ? config.initialBundle === undefined && config.bundleSource === undefined : config.bundleSource === undefined) {
      throw bad(
        endpointId.trustDomain.name === td.name
          ? `"${td.name}": an https_spiffe endpoint of the federated trust domain is authenticated with its bundle: pass "initialBundle" (obtained out of band)`
          : `"${td.name}": the endpoint ${endpointId.toString()} belongs to "${endpointId.trustDomain.name}": pass "bundleSource" with that trust domain's bundle`,
      );
    }
  } else if (config.profile !== 'https_web') {
    throw bad(`"${td.name}": unknown profile ${JSON.stringify(config.profile)} (https_web or https_spiffe)`);
  }
  if (config.initialBundle !== undefined && config.initialBundle.trustDomain.name !== td.name) {
    throw bad(`"${td.name}": "initialBundle" is the bundle of "${config.initialBundle.trustDomain.name}"`);
  }
  return {
    td,
    url: String(config.url),
    config,
    endpointId,
    bundle: config.initialBundle,
    attempted: false,
    failures: 0,
    lastSuccessAt: undefined,
    lastError: undefined,
    lastErrorAt: undefined,
    nextAt: undefined,
    timer: undefined,
    inflight: undefined,
  };
}

/**
 * Federated trust bundles, fetched from the bundle endpoints of partner trust domains and kept
 * fresh. A bundle source of every kind ({@link X509BundleSource}, {@link JwtBundleSource},
 * {@link SpiffeBundleSource}): pass it to `verifyX509Svid`, `JwtSvid.parseAndValidate` or, through
 * its `x509Bundles`, anywhere a trust source is listed.
 *
 * - Polls each endpoint at the bundle's `spiffe_refresh_hint`, within `minRefreshMs` and
 *   `maxRefreshMs`, shortened by up to `jitter`; 5 minutes without a hint.
 * - Adopts a fetched bundle only when it is valid (see {@link fetchBundle}) and its
 *   `spiffe_sequence` is not lower than the one held (`ERR_FEDERATION_SEQUENCE_REGRESSED`).
 * - Keeps the last good bundle when an endpoint fails, retrying with exponential backoff.
 * - `https_spiffe` endpoints of the federated trust domain are authenticated with the bundle held
 *   for it (the initial one, then each fetched one), so CA rotations chain.
 * - Never throws from its timers; failures are `error` events (only when someone listens) and
 *   {@link FederatedBundleSource.health}.
 *
 * Events: `update` ({@link FederatedBundleUpdate}), `state` ({@link FederatedBundleState}),
 * `error` ({@link FederationError}, with `trustDomain`), `close`.
 *
 * @example
 * ```ts
 * import { FederatedBundleSource, SpiffeBundle, verifyX509Svid } from 'spiffe-kit';
 * const federated = await FederatedBundleSource.create([
 *   {
 *     trustDomain: 'partner.example',
 *     url: 'https://spire.partner.example:8443',
 *     profile: 'https_spiffe',
 *     endpointId: 'spiffe://partner.example/spire/server',
 *     initialBundle: SpiffeBundle.parse('partner.example', bootstrapJson),
 *   },
 * ]);
 * const { id } = verifyX509Svid(partnerChain, federated); // only partner.example's bundle is used
 * await federated.close();
 * ```
 */
export class FederatedBundleSource extends EventEmitter implements X509BundleSource, JwtBundleSource, SpiffeBundleSource {
  readonly #domains = new Map<string, Domain>();
  readonly #options: FederatedBundleSourceOptions;
  readonly #refresh: { readonly def: number; readonly min: number; readonly max: number; readonly jitter: number };
  readonly #backoff: { readonly initial: number; readonly max: number };
  #state: FederatedBundleState = 'connecting';
  #x509Set: X509BundleSet | undefined;
  /** Called after every fetch attempt (create() waits with it). */
  readonly #onAttempt = new Set<() => void>();
  #jwtSet: JwtBundleSet | undefined;

  private constructor(domains: readonly FederatedTrustDomain[], options: FederatedBundleSourceOptions) {
    super({ captureRejections: false });
    this.#options = options;
    const min = positive(options.minRefreshMs, 10_000, 'minRefreshMs', true);
    const max = Math.max(min, positive(options.maxRefreshMs, 3_600_000, 'maxRefreshMs'));
    const jitter = options.jitter ?? 0.1;
    if (!(jitter >= 0 && jitter < 1)) throw new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', 'FederatedBundleSource: "jitter" must be in [0, 1)');
    this.#refresh = { def: positive(options.defaultRefreshMs, 300_000, 'defaultRefreshMs'), min, max, jitter };
    this.#backoff = { initial: positive(options.initialBackoffMs, 1_000, 'initialBackoffMs'), max: positive(options.maxBackoffMs, 60_000, 'maxBackoffMs') };
    if (!Array.isArray(domains)) throw new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', 'FederatedBundleSource: pass an array of trust domains to federate with');
    for (const config of domains) {
      const domain = configure(config);
      if (this.#domains.has(domain.td.name)) {
        throw new FederationError('ERR_FEDERATION_INVALID_ARGUMENT', `FederatedBundleSource: trust domain "${domain.td.name}" is configured twice`);
      }
      this.#domains.set(domain.td.name, domain);
    }
  }

  /**
   * Starts watching every trust domain and resolves once each has a bundle and has been fetched
   * once (a trust domain with an `initialBundle` counts after its first attempt, even a failed one).
   *
   * @throws {@link FederationError} `ERR_FEDERATION_INVALID_ARGUMENT` for bad configuration;
   * `ERR_FEDERATION_TIMEOUT` (naming the last error) or `ERR_FEDERATION_ABORTED` while waiting.
   * @example
   * ```ts
   * const federated = await FederatedBundleSource.create([{ trustDomain: 'partner.example', url, profile: 'https_web' }]);
   * ```
   */
  static async create(domains: readonly FederatedTrustDomain[], options: FederatedBundleSourceOptions = {}): Promise<FederatedBundleSource> {
    const source = new FederatedBundleSource(domains, options);
    for (const d of source.#domains.values()) void source.#run(d);
    source.#updateState();
    try {
      await source.#waitForFirst(options);
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  #waitForFirst(options: FederatedBundleSourceOptions): Promise<void> {
    const done = () => [...this.#domains.values()].every((d) => d.bundle !== undefined && d.attempted);
    if (done()) return Promise.resolve();
    const timeoutMs = positive(options.timeoutMs, 30_000, 'timeoutMs');
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#onAttempt.delete(check);
        options.signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = () => {
        if (done()) finish();
      };
      const onAbort = () => finish(new FederationError('ERR_FEDERATION_ABORTED', 'FederatedBundleSource.create() was aborted', { cause: options.signal?.reason }));
      const timer = setTimeout(() => {
        const missing = [...this.#domains.values()].filter((d) => d.bundle === undefined || !d.attempted);
        const why = missing.map((d) => `"${d.td.name}": ${d.lastError?.message ?? 'no answer yet'}`).join('; ');
        finish(new FederationError('ERR_FEDERATION_TIMEOUT', `FederatedBundleSource: no bundle after ${timeoutMs} ms for ${why}`, { trustDomain: missing[0]?.td.name, url: missing[0]?.url }));
      }, timeoutMs);
      this.#onAttempt.add(check);
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The trust a fetch of `d` uses: for an endpoint of `d`'s own trust domain, the bundle held for it. */
  #trustFor(d: Domain): X509BundleSource | undefined {
    if (d.endpointId === undefined) return undefined;
    if (d.endpointId.trustDomain.name === d.td.name) return d.bundle ?? d.config.bundleSource;
    return d.config.bundleSource;
  }

  async #run(d: Domain): Promise<void> {
    d.timer = undefined;
    d.nextAt = undefined;
    if (this.closed) return;
    const controller = new AbortController();
    d.inflight = controller;
    const started = channels.federationFetch.hasSubscribers ? performance.now() : undefined;
    try {
      const bundle = await fetchBundle(d.url, {
        profile: d.config.profile,
        trustDomain: d.td,
        endpointId: d.endpointId,
        bundleSource: this.#trustFor(d),
        ca: d.config.ca,
        signal: controller.signal,
        timeoutMs: this.#options.fetchTimeoutMs,
        maxBytes: this.#options.maxBytes,
      });
      // A fetch replaced by refreshNow() or stopped by close() reports nothing.
      if (this.closed || d.inflight !== controller) return;
      const changed = this.#adopt(d, bundle);
      if (started !== undefined && channels.federationFetch.hasSubscribers) {
        const code = changed === undefined ? 'ERR_FEDERATION_SEQUENCE_REGRESSED' : undefined;
        this.#publishFetch(d, started, code, changed === true, bundle);
      }
    } catch (err) {
      if (this.closed || d.inflight !== controller) return;
      this.#fail(d, err);
      if (started !== undefined && channels.federationFetch.hasSubscribers) {
        this.#publishFetch(d, started, err instanceof FederationError ? err.code : 'ERR_FEDERATION_CONNECT', false, undefined);
      }
    } finally {
      if (d.inflight === controller) d.inflight = undefined;
    }
  }

  #publishFetch(d: Domain, started: number, code: string | undefined, changed: boolean, bundle: SpiffeBundle | undefined): void {
    publish('federationFetch', {
      trustDomain: d.td.name,
      endpointUrl: d.url,
      profile: d.config.profile,
      durationMs: performance.now() - started,
      code,
      changed,
      sequenceNumber: bundle?.sequenceNumber === undefined ? undefined : Number(bundle.sequenceNumber),
      refreshHintSeconds: bundle?.refreshHint,
    });
  }

  /** Adopts a fetched bundle; returns whether it changed, or undefined when it was refused (sequence went back). */
  #adopt(d: Domain, bundle: SpiffeBundle): boolean | undefined {
    const previous = d.bundle;
    const held = previous?.sequenceNumber;
    if (held !== undefined && bundle.sequenceNumber !== undefined && bundle.sequenceNumber < held) {
      this.#fail(
        d,
        new FederationError(
          'ERR_FEDERATION_SEQUENCE_REGRESSED',
          `The bundle endpoint ${d.url} served a bundle for "${d.td.name}" with spiffe_sequence ${bundle.sequenceNumber}, lower than the ${held} held; keeping the held bundle`,
          { url: d.url, trustDomain: d.td.name },
        ),
      );
      return undefined;
    }
    d.attempted = true;
    d.failures = 0;
    d.lastError = undefined;
    d.lastErrorAt = undefined;
    d.lastSuccessAt = new Date();
    const changed = previous === undefined || !previous.equals(bundle);
    if (changed) {
      d.bundle = bundle;
      this.#x509Set = undefined;
      this.#jwtSet = undefined;
    }
    const hint = bundle.refreshHint === undefined ? this.#refresh.def : bundle.refreshHint * 1000;
    // Jitter first, then the floor and ceiling: never more often than minRefreshMs.
    this.#schedule(d, Math.min(this.#refresh.max, Math.max(this.#refresh.min, hint * (1 - this.#refresh.jitter * Math.random()))));
    this.#updateState();
    if (changed) this.#emitSafely('update', { trustDomain: d.td, bundle, previous } satisfies FederatedBundleUpdate);
    for (const f of [...this.#onAttempt]) f();
    return changed;
  }

  #fail(d: Domain, err: unknown): void {
    const error =
      err instanceof FederationError
        ? err
        : new FederationError('ERR_FEDERATION_CONNECT', `Fetching the bundle of "${d.td.name}" from ${d.url} failed: ${String(err)}`, { url: d.url, trustDomain: d.td.name, cause: err });
    d.attempted = true;
    d.failures++;
    d.lastError = error;
    d.lastErrorAt = new Date();
    const period = d.bundle?.refreshHint === undefined ? this.#refresh.def : Math.max(this.#refresh.min, d.bundle.refreshHint * 1000);
    const delay = Math.min(this.#backoff.initial * 2 ** Math.min(d.failures - 1, 30), this.#backoff.max, period);
    this.#schedule(d, delay * (1 - this.#refresh.jitter * Math.random()));
    this.#updateState();
    if (this.listenerCount('error') > 0) this.#emitSafely('error', error);
    for (const f of [...this.#onAttempt]) f();
  }

  #schedule(d: Domain, ms: number): void {
    if (this.closed) return;
    if (d.timer !== undefined) clearTimeout(d.timer);
    d.nextAt = new Date(Date.now() + ms);
    d.timer = setTimeout(() => void this.#run(d), ms);
  }

  #updateState(): void {
    if (this.closed) return;
    const domains = [...this.#domains.values()];
    const next: FederatedBundleState = domains.some((d) => d.bundle === undefined) ? 'connecting' : domains.some((d) => d.failures > 0) ? 'stale' : 'ready';
    if (next === this.#state) return;
    const previous = this.#state;
    this.#state = next;
    this.#emitSafely('state', next, previous);
  }

  /** Emits to each listener, isolated: one that throws (or rejects) does not reach the timers or the others. */
  #emitSafely(event: string, ...args: unknown[]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        const result = (listener as (...a: unknown[]) => unknown).apply(this, args);
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  /**
   * Fetches now (every trust domain, or one), without waiting for the next scheduled refresh.
   * Resolves once the fetches are done; never rejects (failures are reported as usual).
   *
   * @example
   * ```ts
   * await federated.refreshNow('partner.example');
   * ```
   */
  async refreshNow(trustDomain?: TrustDomain | string): Promise<void> {
    this.#assertOpen();
    const name = trustDomain === undefined ? undefined : TrustDomain.from(trustDomain).name;
    const targets = [...this.#domains.values()].filter((d) => name === undefined || d.td.name === name);
    await Promise.all(
      targets.map((d) => {
        if (d.timer !== undefined) clearTimeout(d.timer);
        d.inflight?.abort();
        return this.#run(d);
      }),
    );
  }

  #assertOpen(): void {
    if (this.closed) throw new FederationError('ERR_FEDERATION_CLOSED', 'The FederatedBundleSource is closed');
  }

  /** The current state. */
  get state(): FederatedBundleState {
    return this.#state;
  }

  /** Whether {@link FederatedBundleSource.close} was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** The federated trust domains, in configuration order. */
  get trustDomains(): readonly TrustDomain[] {
    return [...this.#domains.values()].map((d) => d.td);
  }

  /**
   * The SPIFFE bundle held for `trustDomain` (`undefined` for a trust domain not configured or
   * without a bundle yet).
   *
   * @example
   * ```ts
   * federated.getSpiffeBundleForTrustDomain(TrustDomain.parse('partner.example'))?.sequenceNumber;
   * ```
   */
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle | undefined {
    if (this.closed) return undefined;
    return this.#domains.get(trustDomain.name)?.bundle;
  }

  /**
   * The X.509 authorities held for `trustDomain`.
   *
   * @example
   * ```ts
   * verifyX509Svid(chain, federated);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    return this.getSpiffeBundleForTrustDomain(trustDomain)?.x509Bundle();
  }

  /**
   * The JWT authorities held for `trustDomain`.
   *
   * @example
   * ```ts
   * await JwtSvid.parseAndValidate(token, federated, 'my-api');
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle | undefined {
    return this.getSpiffeBundleForTrustDomain(trustDomain)?.jwtBundle();
  }

  /**
   * The X.509 bundles held, as a set (a new set after each update): what the TLS helpers list as `ca`.
   *
   * @example
   * ```ts
   * federated.x509Bundles.bundles().length;
   * ```
   */
  get x509Bundles(): X509BundleSet {
    this.#x509Set ??= new X509BundleSet(this.#held().map((b) => b.x509Bundle()));
    return this.#x509Set;
  }

  /**
   * The JWT bundles held, as a set (a new set after each update).
   *
   * @example
   * ```ts
   * federated.jwtBundles.get('partner.example')?.size;
   * ```
   */
  get jwtBundles(): JwtBundleSet {
    this.#jwtSet ??= new JwtBundleSet(this.#held().map((b) => b.jwtBundle()));
    return this.#jwtSet;
  }

  #held(): SpiffeBundle[] {
    if (this.closed) return [];
    return [...this.#domains.values()].flatMap((d) => (d.bundle === undefined ? [] : [d.bundle]));
  }

  /**
   * A snapshot for health checks and logs.
   *
   * @example
   * ```ts
   * const { ready, trustDomains } = federated.health();
   * ```
   */
  health(): FederatedBundleSourceHealth {
    return {
      state: this.#state,
      ready: this.#state === 'ready' || this.#state === 'stale',
      trustDomains: [...this.#domains.values()].map((d) => ({
        trustDomain: d.td.name,
        url: d.url,
        hasBundle: d.bundle !== undefined,
        sequenceNumber: d.bundle?.sequenceNumber,
        lastSuccessAt: d.lastSuccessAt,
        failures: d.failures,
        lastError: d.lastError === undefined ? undefined : { code: d.lastError.code, message: d.lastError.message, at: d.lastErrorAt as Date },
        nextRefreshAt: d.nextAt,
      })),
    };
  }

  /**
   * Stops every timer and fetch in flight and removes the listeners (after a `close` event).
   * Idempotent. The bundles are no longer handed out.
   *
   * @example
   * ```ts
   * await federated.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const previous = this.#state;
    this.#state = 'closed';
    for (const d of this.#domains.values()) {
      if (d.timer !== undefined) clearTimeout(d.timer);
      d.timer = undefined;
      d.nextAt = undefined;
      d.inflight?.abort();
    }
    this.#emitSafely('state', 'closed', previous);
    this.#emitSafely('close');
    this.removeAllListeners();
  }

  /** Closes the source (`await using federated = await FederatedBundleSource.create(…)`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
