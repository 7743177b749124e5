import type { X509Bundle } from '../bundle/x509-bundle.js';
import { X509BundleSet } from '../bundle/x509-bundle-set.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import type { X509Svid } from '../svid/x509-svid.js';
import { channels, publish } from '../diagnostics/channels.js';
import { diffBundleSets, publishBundleChanges, type BundleChanges } from './bundle-diff.js';
import { WorkloadApiError } from './errors.js';
import { log } from './logger.js';
import { type SourceOptions, SourceBase } from './source-base.js';
import type { SourceHealth } from './source-state.js';
import type { X509Context } from './x509-context.js';

/**
 * Chooses which X.509-SVID a source serves when the workload has several: by hint, by SPIFFE ID,
 * or with a function over the SVIDs in the agent's order. Default: the first (the agent's default).
 * A function must return one of the SVIDs it is given, or `undefined`; anything else (or a throw)
 * picks none, as if the agent listed no matching SVID.
 *
 * @example
 * ```ts
 * await X509Source.create({ picker: { hint: 'internal' } });
 * await X509Source.create({ picker: { id: 'spiffe://example.org/web' } });
 * await X509Source.create({ picker: (svids) => svids.find((s) => s.id.path.startsWith('/ns/prod/')) });
 * ```
 */
export type X509SvidPicker =
  | { readonly hint: string }
  | { readonly id: SpiffeId | string }
  | ((svids: readonly X509Svid[]) => X509Svid | undefined);

/**
 * What a source does when the agent withdraws the identity it serves (the SVID disappears from
 * the stream, or the agent answers PermissionDenied):
 * - `'keep-until-expiry'` (default): go `stale` at once, emit `redacted`, keep serving the last SVID
 *   until it expires, then stop serving it;
 * - `'drop'`: stop serving it at once.
 *
 * @example
 * ```ts
 * await X509Source.create({ redaction: 'drop' });
 * ```
 */
export type RedactionPolicy = 'keep-until-expiry' | 'drop';

/**
 * Options of {@link X509Source.create}.
 *
 * @example
 * ```ts
 * const source = await X509Source.create({ picker: { hint: 'internal' }, redaction: 'drop', timeoutMs: 10_000 });
 * ```
 */
export interface X509SourceOptions extends SourceOptions {
  /** Which SVID to serve (default: the first). */
  picker?: X509SvidPicker;
  /** What to do when the served identity is withdrawn (default `'keep-until-expiry'`). */
  redaction?: RedactionPolicy;
}

/**
 * Payload of the `svid` event.
 *
 * @example
 * ```ts
 * source.on('svid', ({ previous, current }: SvidChange) => console.log(previous?.expiresAt, '->', current.expiresAt));
 * ```
 */
export interface SvidChange {
  /** The SVID served before, if any. */
  readonly previous: X509Svid | undefined;
  /** The SVID served now. */
  readonly current: X509Svid;
}

function makePicker(picker: X509SvidPicker | undefined): (svids: readonly X509Svid[]) => X509Svid | undefined {
  if (picker === undefined) return (svids) => svids[0];
  if (typeof picker === 'function') return picker;
  if ('hint' in picker) return (svids) => svids.find((s) => s.hint === picker.hint);
  const id = SpiffeId.from(picker.id);
  return (svids) => svids.find((s) => s.id.equals(id));
}

function describePicker(picker: X509SvidPicker | undefined): string {
  if (picker === undefined) return 'an X.509-SVID';
  if (typeof picker === 'function') return 'an X.509-SVID accepted by the picker';
  if ('hint' in picker) return `an X.509-SVID with hint ${JSON.stringify(picker.hint)}`;
  return `the X.509-SVID of ${String(picker.id)}`;
}

/**
 * A live X.509 identity from the Workload API: the workload's current X.509-SVID and the X.509
 * bundles it trusts, kept fresh as the agent rotates them. Pass it wherever an X.509 bundle source
 * is expected (peer verification, mTLS helpers).
 *
 * Events: `svid` ({@link SvidChange}) when the served SVID rotates; `bundles`
 * ({@link BundleChanges}) when trust domains are added, removed or updated; `update` with the full
 * {@link X509Context} on every change; `redacted` when the agent withdraws the identity; `state`
 * (state, previous); `error` (a {@link WorkloadApiError}; emitted only if someone listens); `close`.
 * Unchanged re-deliveries emit nothing.
 *
 * @example
 * ```ts
 * import { X509Source } from 'spiffe-kit';
 * await using source = await X509Source.create(); // SPIFFE_ENDPOINT_SOCKET
 * console.log(source.getX509Svid().id.toString());
 * source.on('svid', ({ current }) => console.log('rotated, expires', current.expiresAt));
 * ```
 */
export class X509Source extends SourceBase<X509Context> implements X509BundleSource {
  #context: X509Context | undefined;
  #svid: X509Svid | undefined;
  #redactedAt: Date | undefined;
  readonly #pick: (svids: readonly X509Svid[]) => X509Svid | undefined;
  readonly #redaction: RedactionPolicy;
  readonly #what: string;

  private constructor(options: X509SourceOptions) {
    super(options);
    this.#pick = makePicker(options.picker);
    this.#redaction = options.redaction ?? 'keep-until-expiry';
    this.#what = describePicker(options.picker);
  }

  /**
   * Connects to the Workload API and resolves once the first X.509-SVID arrives; rejects on
   * timeout (default 30 s), abort, or a fatal error, with a message naming the socket and what
   * was missing.
   *
   * @param options - `address` (default: `SPIFFE_ENDPOINT_SOCKET`), `timeoutMs` (for the first SVID), `signal`, `picker`, `redaction`, `logger`, `client`.
   * @example
   * ```ts
   * const source = await X509Source.create({ address: 'unix:///run/spire/agent.sock', picker: { hint: 'internal' } });
   * ```
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const source = new X509Source(options);
    source.watches.push(
      source.client.watchX509Context({
        onUpdate: (ctx) => source.#onContext(ctx),
        onError: (err, fatal) => source.#onError(err, fatal),
      }),
    );
    await source.waitForReady(options, source.#what);
    return source;
  }

  /**
   * The picker's choice, failing closed: only one of the SVIDs the agent just offered counts. A
   * picker that throws, or returns anything else (`true`, a Promise, an SVID of its own), picks
   * none, which withdraws the identity as a missing SVID would.
   */
  #picked(svids: readonly X509Svid[]): X509Svid | undefined {
    let picked: unknown;
    try {
      picked = this.#pick(svids);
    } catch (err) {
      log(this.logger, 'warn', 'the X.509-SVID picker threw; no SVID is picked', { error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
    if (picked === undefined) return undefined;
    if (svids.includes(picked as X509Svid)) return picked as X509Svid;
    log(this.logger, 'warn', 'the X.509-SVID picker returned something other than one of the SVIDs it was given (or undefined); no SVID is picked', {
      returned: picked === null ? 'null' : typeof picked,
    });
    return undefined;
  }

  #onContext(ctx: X509Context): void {
    const picked = this.#picked(ctx.svids);
    const previousBundles = this.#context?.bundles;
    this.#context = ctx;
    this.recordUpdate();
    const bundleChanges = diffBundleSets(previousBundles, ctx.bundles);
    let changed = bundleChanges !== undefined;
    if (picked === undefined) {
      if (this.#svid === undefined) {
        // Not ready yet, and the agent did answer: say so, for health and for create()'s rejection.
        const served = ctx.svids.map((s) => (s.hint === undefined ? s.id.toString() : `${s.id} (hint ${JSON.stringify(s.hint)})`)).join(', ');
        this.recordError(new WorkloadApiError('ERR_NO_SVID', `the agent at ${this.address} serves ${served || 'no X.509-SVID'}, but not ${this.#what}`, { address: this.address }));
      }
      this.#redact(`the agent no longer lists ${this.#what}`);
    } else {
      this.#redactedAt = undefined;
      const previous = this.#svid;
      if (previous === undefined || !previous.equals(picked)) {
        this.#svid = picked;
        changed = true;
        log(this.logger, 'info', `X.509-SVID ${previous === undefined ? 'received' : 'rotated'}`, {
          id: picked.id.toString(),
          expiresAt: picked.expiresAt.toISOString(),
        });
        if (channels.x509Update.hasSubscribers) publish('x509Update', { address: this.address, spiffeId: picked.id.toString(), expiresAt: picked.expiresAt, previousExpiresAt: previous?.expiresAt, rotated: previous !== undefined });
        this.emitSafely('svid', { previous, current: picked } satisfies SvidChange);
      }
      this.setState('ready');
    }
    if (bundleChanges !== undefined && channels.bundleUpdate.hasSubscribers) publishBundleChanges(this.address, 'x509', bundleChanges, ctx.bundles.size);
    if (bundleChanges !== undefined) this.emitSafely('bundles', bundleChanges);
    if (changed) {
      this.emitSafely('update', ctx);
      this.pushUpdate(ctx);
    }
  }

  #redact(reason: string): void {
    if (this.#svid === undefined) return;
    if (this.#redactedAt === undefined) {
      this.#redactedAt = new Date();
      log(this.logger, 'warn', `identity withdrawn: ${reason}`, { policy: this.#redaction });
      if (this.#redaction === 'drop') this.#svid = undefined;
      this.setState('stale');
      this.emitSafely('redacted', { reason, policy: this.#redaction });
    }
  }

  #onError(err: WorkloadApiError, fatal: boolean): void {
    this.recordError(err);
    if (err.code === 'ERR_MALFORMED_RESPONSE' || err.code === 'ERR_RESOURCE_LIMIT') {
      // The message was discarded; the stream is fine and the last good state stays.
      this.emitError(err);
      return;
    }
    this.setConnected(false);
    if (err.code === 'ERR_NOT_REGISTERED') this.#redact(err.message);
    else if (this.state === 'ready') this.setState('stale');
    this.emitError(err);
    if (fatal) this.failReady(err);
  }

  /**
   * The X.509-SVID currently served.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED`, `ERR_NO_SVID` (withdrawn under the `drop`
   * policy), or `ERR_SVID_EXPIRED` (not renewed before it expired).
   * @example
   * ```ts
   * const { id, certificates, privateKey } = source.getX509Svid();
   * ```
   */
  getX509Svid(): X509Svid {
    this.assertOpen();
    const svid = this.#svid;
    if (svid === undefined) {
      throw new WorkloadApiError('ERR_NO_SVID', `No X.509-SVID to serve: ${this.#redactedAt ? 'the agent withdrew it' : 'none received yet'} (${this.address})`, {
        address: this.address,
      });
    }
    if (Date.now() > svid.expiresAt.getTime()) {
      throw new WorkloadApiError('ERR_SVID_EXPIRED', `The X.509-SVID of ${svid.id} expired at ${svid.expiresAt.toISOString()} and was not renewed (${this.address})`, {
        address: this.address,
      });
    }
    return svid;
  }

  /**
   * Every X.509-SVID of the last update (after hint de-duplication).
   *
   * @example
   * ```ts
   * for (const svid of source.getX509Svids()) console.log(svid.id.toString(), svid.hint);
   * ```
   */
  getX509Svids(): readonly X509Svid[] {
    this.assertOpen();
    return this.#context?.svids ?? [];
  }

  /**
   * The X.509 bundle of `trustDomain`, if the workload trusts it.
   *
   * @example
   * ```ts
   * const roots = x509Source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'))?.x509Authorities;
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle | undefined {
    if (this.closed) return undefined;
    return this.#context?.bundles.get(trustDomain);
  }

  /** All X.509 bundles currently held. */
  get bundles(): X509BundleSet {
    return this.#context?.bundles ?? new X509BundleSet();
  }

  protected currentUpdate(): X509Context | undefined {
    return this.#context;
  }

  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * const { ready, svidExpiresInSeconds } = source.health();
   * ```
   */
  health(): SourceHealth {
    const svid = this.#svid;
    const expiresIn = svid === undefined ? undefined : Math.floor((svid.expiresAt.getTime() - Date.now()) / 1000);
    const ready = !this.closed && svid !== undefined && expiresIn !== undefined && expiresIn > 0 && this.state !== 'connecting';
    return this.healthSnapshot({
      ready,
      svidExpiresInSeconds: expiresIn,
      spiffeId: svid?.id.toString(),
      bundleCount: this.#context?.bundles.size ?? 0,
    });
  }

  /**
   * Typed event subscription.
   *
   * @example
   * ```ts
   * x509Source.on('svid', ({ current }) => console.log('rotated to', current.expiresAt));
   * ```
   */
  override on(event: 'svid', listener: (change: SvidChange) => void): this;
  override on(event: 'bundles', listener: (changes: BundleChanges) => void): this;
  override on(event: 'update', listener: (context: X509Context) => void): this;
  override on(event: 'redacted', listener: (info: { reason: string; policy: RedactionPolicy }) => void): this;
  override on(event: 'state', listener: (state: SourceHealth['state'], previous: SourceHealth['state']) => void): this;
  override on(event: 'error', listener: (error: WorkloadApiError) => void): this;
  override on(event: 'close', listener: () => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}
