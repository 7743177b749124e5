/**
 * `WorkloadApiClient`: the transport to the SPIFFE Workload API (the SPIRE agent's socket).
 *
 * @module
 */
import type { X509BundleSet } from '../bundle/x509-bundle-set.js';
import type { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { JwtSvid } from '../svid/jwt-svid.js';
import type { X509Svid } from '../svid/x509-svid.js';
import { describeEndpointAddress, type EndpointAddress, resolveEndpointAddress } from './address.js';
import { type Backoff, exponentialBackoff } from './backoff.js';
import { type OneShotOptions, runOneShot } from './call.js';
import { type CallListener, type ChannelCall, GrpcChannel } from '../internal/grpc/channel.js';
import { GrpcStatus } from '../internal/grpc/status.js';
import { fromGrpcStatus, type GrpcStatusLike, WorkloadApiError } from './errors.js';
import { parseJwtBundlesResponse, parseJwtSvidResponse, parseValidatedJwtSvid } from './jwt-responses.js';
import { checkLimits, type ResolvedLimits, resolveLimits, type WorkloadApiLimits } from './limits.js';
import { type Logger, silentLogger } from './logger.js';
import type { RawJwtBundlesResponse, RawJwtSvidResponse, RawValidateJwtSvidResponse, RawX509BundlesResponse, RawX509SvidResponse } from './messages.js';
import { FETCH_JWT_BUNDLES, FETCH_JWT_SVID, FETCH_X509_BUNDLES, FETCH_X509_SVID, VALIDATE_JWT_SVID, type WorkloadApiMethod, type WorkloadApiRpc } from './methods.js';
import { StreamWatcher, type Watch, type WatchHandler } from './watcher.js';
import { parseX509BundlesResponse, parseX509SvidResponse, type X509Context } from './x509-context.js';

/**
 * The gRPC metadata key every Workload API call carries, with the value `true`.
 */
export const SECURITY_HEADER = 'workload.spiffe.io';

/**
 * Default deadline of one-shot calls, in ms.
 *
 * @example
 * ```ts
 * new WorkloadApiClient({ timeoutMs: DEFAULT_TIMEOUT_MS * 3 });
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Default cap on one received gRPC message, in bytes (16 MiB).
 *
 * @example
 * ```ts
 * new WorkloadApiClient({ maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES * 2 });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Options of {@link WorkloadApiClient}.
 *
 * @example
 * ```ts
 * import { WorkloadApiClient } from 'spiffe-kit';
 * const client = new WorkloadApiClient({ address: 'unix:///run/spire/agent.sock', timeoutMs: 5_000, logger: console });
 * ```
 */
export interface WorkloadApiClientOptions {
  /** `unix:///path` or `tcp://IP:PORT`; default: `SPIFFE_ENDPOINT_SOCKET`. */
  address?: string | undefined;
  /** Default deadline of one-shot calls, in ms (default 10,000). */
  timeoutMs?: number | undefined;
  /** Largest gRPC message accepted, in bytes (default 16 MiB); larger ones are `ERR_RESOURCE_LIMIT`. */
  maxMessageBytes?: number | undefined;
  /** Caps on what one message may hold (default 100 SVIDs, 200 bundles, 4 MiB per bundle). */
  limits?: WorkloadApiLimits | undefined;
  /** A new retry policy per watched stream (default: exponential 100 ms → 5 s, full jitter). */
  backoff?: (() => Backoff) | undefined;
  /** Where diagnostics go (default: nowhere). Key material is never logged. */
  logger?: Logger | undefined;
}

/**
 * Per-call options of one-shot calls.
 *
 * @example
 * ```ts
 * await client.fetchX509SvidRaw({ signal: AbortSignal.timeout(2_000) });
 * ```
 */
export interface CallOptions {
  /** Cancels the call (`ERR_ABORTED`). */
  signal?: AbortSignal | undefined;
  /** Deadline in ms (default: the client's `timeoutMs`); `ERR_TIMEOUT` when it passes. */
  timeoutMs?: number | undefined;
}

/**
 * Options of the `watch*` methods.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * client.watchX509BundlesRaw(handler, { signal: controller.signal });
 * controller.abort(); // same as watch.close()
 * ```
 */
export interface WatchOptions {
  /** Closes the watch when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * What to ask `FetchJWTSVID` for.
 *
 * @example
 * ```ts
 * const svid = await client.fetchJwtSvid({ audience: ['sts.amazonaws.com'], spiffeId: 'spiffe://example.org/web' });

 * ```
 */
export interface JwtSvidParams {
  /** The audience(s) of the token; at least one, none empty. */
  audience: string | readonly string[];
  /** Only this identity (default: every identity the workload has). */
  spiffeId?: string | undefined;
  /** (Typed `fetchJwtSvid` only.) Pick the SVID with this hint. */
  hint?: string | undefined;
}

/**
 * A client of the SPIFFE Workload API over one lazily created gRPC channel (plaintext, unix
 * socket or TCP), shared by every call and watch. Every call carries the `workload.spiffe.io:
 * true` security header, every wait has a deadline and takes an `AbortSignal`, and every
 * failure is a {@link WorkloadApiError} with a stable code.
 *
 * The `*Raw` methods return the decoded proto messages (see {@link RawX509SvidResponse} and
 * friends) checked against the resource limits; the typed methods (`fetchX509Context`,
 * `watchX509Context`, `fetchJwtSvid`, …) build SVIDs and bundles from them.
 *
 * Watches keep their stream open across failures: backoff with full jitter on errors (reset by
 * every message), reconnect at once after a clean end of stream, stop on InvalidArgument /
 * Unimplemented (reported as fatal), and stop silently on `close()` or abort.
 *
 * @example
 * ```ts
 * import { WorkloadApiClient } from 'spiffe-kit';
 * const client = new WorkloadApiClient(); // SPIFFE_ENDPOINT_SOCKET
 * const msg = await client.fetchX509SvidRaw({ timeoutMs: 5_000 });
 * const watch = client.watchX509ContextRaw({
 *   onUpdate: (m) => console.log('SVIDs', m.svids.map((s) => s.spiffe_id)),
 *   onError: (err, fatal) => console.warn(err.code, fatal),
 * });
 * // later
 * client.close(); // closes the watch too
 * ```
 */
export class WorkloadApiClient {
  /** The parsed Workload API address. */
  readonly address: EndpointAddress;
  /** The limits in force. */
  readonly limits: ResolvedLimits;
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #maxMessageBytes: number;
  readonly #backoff: () => Backoff;
  readonly #logger: Logger;
  readonly #watches = new Set<Watch>();
  readonly #inflight = new Set<(err: WorkloadApiError) => void>();
  #channel: GrpcChannel | undefined;
  #closed = false;

  /**
   * @throws {@link EndpointAddressError} when the address (or `SPIFFE_ENDPOINT_SOCKET`) is missing or invalid.
   * @throws {@link WorkloadApiError} `ERR_BAD_REQUEST` on an invalid option.
   */
  constructor(options: WorkloadApiClientOptions = {}) {
    this.address = resolveEndpointAddress(options.address);
    this.#where = describeEndpointAddress(this.address);
    this.#timeoutMs = checkTimeout(options.timeoutMs, 'timeoutMs') ?? DEFAULT_TIMEOUT_MS;
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1 || max > 0x7fffffff) {
      throw new WorkloadApiError('ERR_BAD_REQUEST', `maxMessageBytes must be an integer from 1 to 2^31-1, got ${String(max)}`);
    }
    this.#maxMessageBytes = max;
    this.limits = resolveLimits(options.limits);
    this.#backoff = options.backoff ?? (() => exponentialBackoff());
    this.#logger = options.logger ?? silentLogger;
  }

  /** Whether {@link WorkloadApiClient.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of open watches (for diagnostics). */
  get watchCount(): number {
    return this.#watches.size;
  }

  // ---- one-shot calls: raw ----------------------------------------------------------------------

  /**
   * Opens `FetchX509SVID`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { svids, federated_bundles } = await client.fetchX509SvidRaw();
   * ```
   */
  fetchX509SvidRaw(options: CallOptions = {}): Promise<RawX509SvidResponse> {
    return this.#firstMessage(FETCH_X509_SVID, 'the first X509SVIDResponse', options);
  }

  /**
   * Opens `FetchX509Bundles`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { bundles } = await client.fetchX509BundlesRaw();
   * ```
   */
  fetchX509BundlesRaw(options: CallOptions = {}): Promise<RawX509BundlesResponse> {
    return this.#firstMessage(FETCH_X509_BUNDLES, 'the first X509BundlesResponse', options);
  }

  /**
   * Opens `FetchJWTBundles`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { bundles } = await client.fetchJwtBundlesRaw();
   * ```
   */
  fetchJwtBundlesRaw(options: CallOptions = {}): Promise<RawJwtBundlesResponse> {
    return this.#firstMessage(FETCH_JWT_BUNDLES, 'the first JWTBundlesResponse', options);
  }

  /**
   * Calls `FetchJWTSVID`. An empty audience (or an empty string in it) is `ERR_BAD_REQUEST`,
   * before anything is sent.
   *
   * @example
   * ```ts
   * const { svids } = await client.fetchJwtSvidRaw({ audience: ['sts.example.com'] });
   * ```
   */
  async fetchJwtSvidRaw(params: JwtSvidParams, options: CallOptions = {}): Promise<RawJwtSvidResponse> {
    const audience = normalizeAudience(params?.audience);
    const spiffeId = params.spiffeId ?? '';
    if (typeof spiffeId !== 'string') throw new WorkloadApiError('ERR_BAD_REQUEST', 'spiffeId must be a string');
    const res = await this.#unary(FETCH_JWT_SVID, `a JWT-SVID for audience ${JSON.stringify(audience)}`, { audience, spiffe_id: spiffeId }, options);
    this.#enforceLimits('FetchJWTSVID', res);
    return res;
  }

  /**
   * Calls `ValidateJWTSVID`: the agent checks the token for one audience. The claims come back
   * as plain JSON.
   *
   * @example
   * ```ts
   * const { spiffe_id, claims } = await client.validateJwtSvidRaw(token, 'my-api');
   * ```
   */
  validateJwtSvidRaw(token: string, audience: string, options: CallOptions = {}): Promise<RawValidateJwtSvidResponse> {
    if (typeof token !== 'string' || token === '') return Promise.reject(new WorkloadApiError('ERR_BAD_REQUEST', 'validateJwtSvid needs a non-empty token'));
    if (typeof audience !== 'string' || audience === '') return Promise.reject(new WorkloadApiError('ERR_BAD_REQUEST', 'validateJwtSvid needs a non-empty audience (one string)'));
    return this.#unary(VALIDATE_JWT_SVID, `the validation of a JWT-SVID for audience ${JSON.stringify(audience)}`, { audience, svid: token }, options).catch(
      (err: unknown) => {
        // The agent answers InvalidArgument for a token it finds invalid: a verdict, not a misuse.
        if (err instanceof WorkloadApiError && err.code === 'ERR_PROTOCOL_MISUSE') {
          throw new WorkloadApiError(
            'ERR_TOKEN_REJECTED',
            `The Workload API at ${this.#where} rejected the JWT-SVID for audience ${JSON.stringify(audience)}: ${err.details ?? err.message}`,
            { rpc: err.rpc, address: err.address, grpcCode: err.grpcCode, details: err.details, cause: err },
          );
        }
        throw err;
      },
    );
  }

  // ---- one-shot calls: typed --------------------------------------------------------------------

  /**
   * Fetches the current X.509 context: every SVID and the X.509 bundles.
   *
   * @example
   * ```ts
   * const { svids, bundles } = await client.fetchX509Context();
   * ```
   */
  async fetchX509Context(options: CallOptions = {}): Promise<X509Context> {
    return parseX509SvidResponse(await this.fetchX509SvidRaw(options));
  }

  /**
   * Fetches the default X.509-SVID (the first the agent lists).
   *
   * @example
   * ```ts
   * const svid = await client.fetchX509Svid({ timeoutMs: 5_000 });
   * ```
   */
  async fetchX509Svid(options: CallOptions = {}): Promise<X509Svid> {
    return (await this.fetchX509Context(options)).svids[0] as X509Svid;
  }

  /**
   * Fetches every X.509-SVID the workload is entitled to.
   *
   * @example
   * ```ts
   * for (const svid of await client.fetchX509Svids()) console.log(svid.id.toString(), svid.hint);
   * ```
   */
  async fetchX509Svids(options: CallOptions = {}): Promise<readonly X509Svid[]> {
    return (await this.fetchX509Context(options)).svids;
  }

  /**
   * Fetches the X.509 bundles (own trust domain and federated ones).
   *
   * @example
   * ```ts
   * const bundles = await client.fetchX509Bundles();
   * ```
   */
  async fetchX509Bundles(options: CallOptions = {}): Promise<X509BundleSet> {
    return parseX509BundlesResponse(await this.fetchX509BundlesRaw(options));
  }

  /**
   * Fetches the JWT bundles (a JWK Set per trust domain).
   *
   * @example
   * ```ts
   * const bundles = await client.fetchJwtBundles();
   * ```
   */
  async fetchJwtBundles(options: CallOptions = {}): Promise<JwtBundleSet> {
    return parseJwtBundlesResponse(await this.fetchJwtBundlesRaw(options));
  }

  /**
   * Fetches JWT-SVIDs for an audience: every identity of the workload, or only `spiffeId`.
   *
   * @example
   * ```ts
   * const svids = await client.fetchJwtSvids({ audience: ['sts.amazonaws.com'] });
   * ```
   */
  async fetchJwtSvids(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid[]> {
    const audience = normalizeAudience(params?.audience);
    return parseJwtSvidResponse(await this.fetchJwtSvidRaw({ ...params, audience }, options), audience);
  }

  /**
   * Fetches one JWT-SVID for an audience: the one with `hint` if given, else the first.
   *
   * @example
   * ```ts
   * const jwt = await client.fetchJwtSvid({ audience: 'https://api.example.org' });
   * await fetch(url, { headers: { authorization: `Bearer ${jwt.token}` } });
   * ```
   */
  async fetchJwtSvid(params: JwtSvidParams, options: CallOptions = {}): Promise<JwtSvid> {
    const svids = await this.fetchJwtSvids(params, options);
    if (params.hint === undefined) return svids[0] as JwtSvid;
    const match = svids.find((s) => s.hint === params.hint);
    if (match === undefined) {
      throw new WorkloadApiError('ERR_NO_SVID', `the Workload API at ${this.#where} returned no JWT-SVID with hint ${JSON.stringify(params.hint)}`, {
        rpc: 'FetchJWTSVID',
        address: this.address.target,
      });
    }
    return match;
  }

  /**
   * Has the agent validate a JWT-SVID for one audience (ValidateJWTSVID) and returns it read.
   *
   * @example
   * ```ts
   * const svid = await client.validateJwtSvid(token, 'my-api');
   * console.log(svid.id.toString());
   * ```
   */
  async validateJwtSvid(token: string, audience: string, options: CallOptions = {}): Promise<JwtSvid> {
    return parseValidatedJwtSvid(token, audience, await this.validateJwtSvidRaw(token, audience, options));
  }

  // ---- watches ----------------------------------------------------------------------------------

  /**
   * Watches `FetchX509SVID` until closed: every message (the complete X.509 state) goes to
   * `onUpdate`, failures to `onError`. Messages over the resource limits are reported and skipped.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchX509ContextRaw({ onUpdate: (msg) => use(msg), onError: (err, fatal) => warn(err, fatal) });
   * watch.close();
   * ```
   */
  watchX509ContextRaw(handler: WatchHandler<RawX509SvidResponse>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_X509_SVID, (m) => m, handler, options);
  }

  /**
   * Watches `FetchX509Bundles` until closed.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchX509BundlesRaw({ onUpdate: (msg) => console.log(Object.keys(msg.bundles)) });
   * ```
   */
  watchX509BundlesRaw(handler: WatchHandler<RawX509BundlesResponse>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_X509_BUNDLES, (m) => m, handler, options);
  }

  /**
   * Watches `FetchJWTBundles` until closed.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchJwtBundlesRaw({ onUpdate: (msg) => console.log(Object.keys(msg.bundles)) });
   * ```
   */
  watchJwtBundlesRaw(handler: WatchHandler<RawJwtBundlesResponse>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_JWT_BUNDLES, (m) => m, handler, options);
  }

  /**
   * Watches the X.509 context (SVIDs and bundles, parsed); a message that breaks the Workload API
   * is reported as `ERR_MALFORMED_RESPONSE` and skipped.
   *
   * @example
   * ```ts
   * const watch = client.watchX509Context({ onUpdate: (ctx) => console.log(ctx.svids[0]?.id.toString()) });
   * ```
   */
  watchX509Context(handler: WatchHandler<X509Context>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_X509_SVID, parseX509SvidResponse, handler, options);
  }

  /**
   * Watches the X.509 bundles (parsed).
   *
   * @example
   * ```ts
   * const watch = client.watchX509Bundles({ onUpdate: (set) => console.log(set.size) });
   * ```
   */
  watchX509Bundles(handler: WatchHandler<X509BundleSet>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_X509_BUNDLES, parseX509BundlesResponse, handler, options);
  }

  /**
   * Watches the JWT bundles (parsed).
   *
   * @example
   * ```ts
   * const watch = client.watchJwtBundles({ onUpdate: (set) => console.log(set.size) });
   * ```
   */
  watchJwtBundles(handler: WatchHandler<JwtBundleSet>, options: WatchOptions = {}): Watch {
    return this.#watch(FETCH_JWT_BUNDLES, parseJwtBundlesResponse, handler, options);
  }

  // ---- closing ----------------------------------------------------------------------------------

  /**
   * Stops every watch (silently), fails pending calls with `ERR_CLOSED`, and closes the channel.
   * Idempotent.
   *
   * @example
   * ```ts
   * client.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#watches]) w.close();
    this.#watches.clear();
    const err = this.#closedError();
    for (const fail of [...this.#inflight]) fail(err);
    this.#inflight.clear();
    this.#channel?.close();
    this.#channel = undefined;
  }

  /**
   * Closes the client (`await using client = new WorkloadApiClient()`).
   *
   * @example
   * ```ts
   * await client[Symbol.asyncDispose]();
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ---- internals --------------------------------------------------------------------------------

  #closedError(): WorkloadApiError {
    return new WorkloadApiError('ERR_CLOSED', `the Workload API client for ${this.#where} is closed`, { address: this.address.target });
  }

  /** Starts a call on the channel (created on first use) with the security header. */
  #open<Req, Res>(method: WorkloadApiMethod<Req, Res>, request: Req, listener: CallListener<Res>, timeoutMs?: number): ChannelCall {
    if (this.#closed) throw this.#closedError();
    this.#channel ??= new GrpcChannel(this.address, { maxMessageBytes: this.#maxMessageBytes, headers: { [SECURITY_HEADER]: 'true' }, peer: 'the Workload API' });
    return this.#channel.call(method, request, listener, { timeoutMs });
  }

  #mapStatus(rpc: WorkloadApiRpc, status: GrpcStatusLike): WorkloadApiError {
    return fromGrpcStatus(status, { rpc, address: this.address.target, where: this.#where });
  }

  #oneShot(rpc: WorkloadApiRpc, waitingFor: string, options: CallOptions): OneShotOptions {
    if (this.#closed) throw this.#closedError();
    return {
      rpc,
      target: this.address.target,
      address: this.address.address,
      where: this.#where,
      waitingFor,
      timeoutMs: checkTimeout(options.timeoutMs, 'timeoutMs') ?? this.#timeoutMs,
      signal: options.signal,
      inflight: this.#inflight,
    };
  }

  #enforceLimits(rpc: WorkloadApiRpc, msg: Parameters<typeof checkLimits>[0]): void {
    const violation = checkLimits(msg, this.limits);
    if (violation !== undefined) {
      throw new WorkloadApiError('ERR_RESOURCE_LIMIT', `the ${rpc} response from ${this.#where} is over a resource limit: ${violation.reason}`, {
        rpc,
        address: this.address.address,
        limit: violation.limit,
        reason: violation.reason,
      });
    }
  }

  #checked<T extends Parameters<typeof checkLimits>[0]>(rpc: WorkloadApiRpc, msg: T): T {
    this.#enforceLimits(rpc, msg);
    return msg;
  }

  async #firstMessage<T extends Parameters<typeof checkLimits>[0]>(method: WorkloadApiMethod<Record<string, never>, T>, waitingFor: string, options: CallOptions): Promise<T> {
    const { rpc } = method;
    const o = this.#oneShot(rpc, waitingFor, options);
    const message = await runOneShot<T>(o, (settle) =>
      this.#open(method, {}, {
        message: (m) => settle.ok(m),
        status: (s) => {
          if (s.code !== GrpcStatus.OK) settle.fail(this.#mapStatus(rpc, s));
          else {
            settle.fail(
              new WorkloadApiError('ERR_AGENT_ERROR', `the agent at ${this.#where} ended the ${rpc} stream without sending a message`, { rpc, address: this.address.target, grpcCode: 0 }),
            );
          }
        },
      }),
    );
    return this.#checked(rpc, message);
  }

  async #unary<Req, Res>(method: WorkloadApiMethod<Req, Res>, waitingFor: string, request: Req, options: CallOptions): Promise<Res> {
    const { rpc } = method;
    const o = this.#oneShot(rpc, waitingFor, options);
    return runOneShot<Res>(o, (settle) => {
      let response: { value: Res } | undefined;
      let extra = false;
      return this.#open(
        method,
        request,
        {
          message: (m) => {
            if (response === undefined) response = { value: m };
            else extra = true;
          },
          status: (s) => {
            if (s.code !== GrpcStatus.OK) settle.fail(this.#mapStatus(rpc, s));
            else if (response === undefined || extra) {
              const what = response === undefined ? 'no response message' : 'more than one response message';
              settle.fail(
                new WorkloadApiError('ERR_MALFORMED_RESPONSE', `malformed ${rpc} response from ${this.#where}: the agent sent ${what} for a unary call`, {
                  rpc,
                  address: this.address.target,
                  grpcCode: 0,
                  reason: what,
                }),
              );
            } else settle.ok(response.value);
          },
        },
        o.timeoutMs,
      );
    });
  }

  /** Watches a stream; each message is checked against the limits, then turned into a `T` by `map`. */
  #watch<M extends Parameters<typeof checkLimits>[0], T>(method: WorkloadApiMethod<Record<string, never>, M>, map: (m: M) => T, handler: WatchHandler<T>, options: WatchOptions): Watch {
    if (this.#closed) throw this.#closedError();
    const { rpc } = method;
    const { signal } = options;
    const onAbort = (): void => watcher.close();
    const watcher: StreamWatcher<T, M> = new StreamWatcher<T, M>(
      {
        what: `the ${rpc} stream from ${this.#where}`,
        rpc,
        address: this.address.address,
        open: (listener) => this.#open(method, {}, listener),
        decode: (m) => map(this.#checked(rpc, m)),
        mapStatus: (s) => this.#mapStatus(rpc, s),
        backoff: this.#backoff(),
        logger: this.#logger,
      },
      handler,
      () => {
        this.#watches.delete(watcher);
        signal?.removeEventListener('abort', onAbort);
      },
    );
    this.#watches.add(watcher);
    if (signal?.aborted) {
      watcher.close();
      return watcher;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    watcher.start();
    return watcher;
  }
}

function checkTimeout(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 0x7fffffff) {
    throw new WorkloadApiError('ERR_BAD_REQUEST', `${name} must be a finite number of milliseconds > 0, got ${String(value)}`);
  }
  return value;
}

function normalizeAudience(audience: string | readonly string[] | undefined): string[] {
  const list = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? [...(audience as readonly unknown[])] : [];
  if (list.length === 0 || list.some((a) => typeof a !== 'string' || a === '')) {
    throw new WorkloadApiError('ERR_BAD_REQUEST', 'a JWT-SVID needs at least one audience, and no audience may be empty');
  }
  return list as string[];
}
