/**
 * `TestWorkloadApi`: an in-process SPIFFE Workload API server (gRPC over a unix socket or TCP)
 * backed by a {@link TestCa}, behaving as the SPIRE agent does, with controls to rotate, redact,
 * federate, fail and misbehave on demand.
 *
 * @module
 */
import { lstat, mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { type IssuedX509Svid, TestCa } from './ca.js';
import type { JwtKeyOptions } from './jwt-issuer.js';
import { TestingError } from './keys.js';
import { TestWorkloadApiError } from './workload-api-error.js';
import {
  type CallStatus,
  FailureRules,
  type FailWithOptions,
  type GrpcStatusCode,
  GRPC_STATUS,
  type MalformedKind,
  malformedMessage,
  OVERSIZED_BUNDLE_BYTES,
  type PushMalformedOptions,
  resolveStatus,
} from './workload-api-faults.js';
import { NO_IDENTITY, workloadApiHandlers } from './workload-api-handlers.js';
import {
  type LoadedWorkloadApi,
  loadWorkloadApi,
  PROTO_METHOD_NAMES,
  WORKLOAD_API_METHODS,
  WORKLOAD_API_STREAM_METHODS,
  type WorkloadApiMethod,
  type WorkloadApiStreamMessages,
  type WorkloadApiStreamMethod,
} from './workload-api-proto.js';
import { type TestIdentity, WorkloadState } from './workload-api-state.js';
import { StreamRegistry, type WaitForStreamsOptions } from './workload-api-streams.js';

/**
 * Options of {@link TestWorkloadApi.start}.
 *
 * @example
 * ```ts
 * import { TestWorkloadApi } from 'spiffe-kit/testing';
 * const api = await TestWorkloadApi.start({
 *   trustDomain: 'example.org',
 *   identities: [{ id: 'spiffe://example.org/web', hint: 'web' }, { id: 'spiffe://example.org/db' }],
 *   federatedBundles: { 'partner.test': partnerCa },
 * });

 * ```
 */
export interface TestWorkloadApiOptions {
  /** Default `example.org` (or the trust domain of `ca`). */
  readonly trustDomain?: TrustDomain | string | undefined;
  /** Use this CA instead of creating one. */
  readonly ca?: TestCa | undefined;
  /** Give the created CA an intermediate (SVID chains are then leaf + intermediate). */
  readonly intermediate?: boolean | undefined;
  /** Unix socket path. Default: `agent.sock` in a fresh temporary directory (removed by `close()`). */
  readonly socketPath?: string | undefined;
  /** Listen on TCP `127.0.0.1` (port `port`, default any free one) instead of a unix socket. */
  readonly tcp?: boolean | undefined;
  /** TCP port when `tcp` is set. Default 0 (any free port). */
  readonly port?: number | undefined;
  /** The identities, first = default. Default one: `spiffe://<td>/workload`. `[]` starts with none. */
  readonly identities?: readonly TestIdentity[] | undefined;
  /** Federated trust domains (bare name or `spiffe://` ID): a CA (X.509 + JWT bundle) or X.509 bundle DER. */
  readonly federatedBundles?: Readonly<Record<string, TestCa | Buffer>> | undefined;
  /** Lifetime of JWT-SVIDs from `FetchJWTSVID`. Default 300. */
  readonly jwtTtlSeconds?: number | undefined;
  /** Demand the `workload.spiffe.io: true` header, as SPIRE does. Default `true`. */
  readonly requireHeader?: boolean | undefined;
}

/**
 * Calls received per method (every call counts, including refused ones).
 *
 * @example
 * ```ts
 * expect(api.calls.fetchJwtSvid).toBe(1); // the second fetch was served from the cache
 * ```
 */
export type WorkloadApiCallCounts = Record<WorkloadApiMethod, number>;

const STOPPED: CallStatus = { code: GRPC_STATUS.UNAVAILABLE, details: 'workload API server stopped' };

/**
 * An in-process Workload API for tests and demos: the SPIRE agent's behaviour (security header,
 * full-state streams, `no identity issued`, JWT-SVID minting and validation) on a real gRPC
 * server, with a {@link TestCa} behind it and controls for rotation, redaction, federation,
 * injected failures and malformed messages. Every push reaches open streams at once.
 *
 * @example
 * ```ts
 * import { TestWorkloadApi } from 'spiffe-kit/testing';
 * import { X509Source } from 'spiffe-kit';
 *
 * await using api = await TestWorkloadApi.start({ trustDomain: 'example.org' });
 * const source = await X509Source.create({ address: api.address });
 * await api.rotate();                       // the source sees a new SVID
 * await api.removeIdentity(api.svid()!.id); // streams end with PermissionDenied
 * api.failWith('UNAVAILABLE');              // the agent is "down"
 * ```
 */
export class TestWorkloadApi {
  /** The trust domain of the server's CA. */
  readonly trustDomain: TrustDomain;
  /** The unix socket path, or `undefined` when listening on TCP. */
  readonly socketPath: string | undefined;
  /** Calls received per method, live (see {@link TestWorkloadApi.resetCalls}). */
  readonly calls: Readonly<WorkloadApiCallCounts>;

  readonly #api: LoadedWorkloadApi;
  readonly #tcp: boolean;
  readonly #tempDir: string | undefined;
  readonly #jwtTtlSeconds: number;
  readonly #requireHeader: boolean;
  readonly #calls: WorkloadApiCallCounts = { fetchX509Svid: 0, fetchX509Bundles: 0, fetchJwtSvid: 0, fetchJwtBundles: 0, validateJwtSvid: 0 };
  readonly #state: WorkloadState;
  readonly #streams: StreamRegistry;
  readonly #failures = new FailureRules();
  #port: number;
  #server: Server | undefined;
  #listening: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(api: LoadedWorkloadApi, ca: TestCa, options: TestWorkloadApiOptions, socketPath: string | undefined, tempDir: string | undefined) {
    this.#api = api;
    this.#state = new WorkloadState(ca);
    this.#streams = new StreamRegistry((rpc, message) => api.service[PROTO_METHOD_NAMES[rpc]]!.responseSerialize(message));
    this.trustDomain = ca.trustDomain;
    this.socketPath = socketPath;
    this.#tcp = options.tcp === true;
    this.#port = options.port ?? 0;
    this.#tempDir = tempDir;
    this.#jwtTtlSeconds = options.jwtTtlSeconds ?? 300;
    this.#requireHeader = options.requireHeader !== false;
    this.calls = this.#calls;
  }

  /**
   * Creates the CA (unless given), issues the identities' X.509-SVIDs and listens. The first start
   * in a process loads `@grpc/grpc-js` (an optional peer dependency: a
   * {@link MissingPeerDependencyError} `ERR_MISSING_PEER_DEPENDENCY` when it is not installed).
   *
   * @param options - `trustDomain`, `identities`, `socketPath` or `tcp`/`port`, `ca`, `federatedBundles`, `jwtTtlSeconds`, `requireHeader`.
   * @throws {@link TestingError} for invalid options; {@link TestWorkloadApiError}
   * `ERR_TESTING_LISTEN_FAILED` when the socket or port cannot be bound.
   * @example
   * ```ts
   * const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
   * process.env.SPIFFE_ENDPOINT_SOCKET = api.address;
   * ```
   */
  static async start(options: TestWorkloadApiOptions = {}): Promise<TestWorkloadApi> {
    if (options.tcp && options.socketPath !== undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'Give either `socketPath` or `tcp`, not both');
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TestingError('ERR_TESTING_INVALID_OPTION', `port must be an integer 0-65535, got ${port}`);
    const jwtTtl = options.jwtTtlSeconds ?? 300;
    if (!Number.isFinite(jwtTtl) || jwtTtl <= 0) throw new TestingError('ERR_TESTING_INVALID_OPTION', `jwtTtlSeconds must be positive, got ${jwtTtl}`);
    const trustDomain = options.ca?.trustDomain ?? TrustDomain.from(options.trustDomain ?? 'example.org');
    if (options.ca && options.trustDomain !== undefined && !options.ca.trustDomain.equals(TrustDomain.from(options.trustDomain))) {
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `trustDomain ${String(options.trustDomain)} differs from the given CA's ${options.ca.trustDomain.name}`);
    }
    const [api, ca] = await Promise.all([loadWorkloadApi(), options.ca ?? TestCa.create({ trustDomain, intermediate: options.intermediate === true })]);

    let tempDir: string | undefined;
    let socketPath: string | undefined;
    if (!options.tcp) {
      if (options.socketPath === undefined) {
        tempDir = await mkdtemp(join(tmpdir(), 'spiffe-kit-'));
        socketPath = join(tempDir, 'agent.sock');
      } else {
        socketPath = resolve(options.socketPath);
      }
    }
    const server = new TestWorkloadApi(api, ca, options, socketPath, tempDir);
    try {
      for (const [td, bundle] of Object.entries(options.federatedBundles ?? {})) server.#state.federated.set(server.#state.federatedName(td), bundle);
      const identities = options.identities ?? [{ id: SpiffeId.fromSegments(trustDomain, 'workload') }];
      for (const identity of identities) await server.#state.addIdentity(identity);
      await server.#listen();
    } catch (err) {
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
    return server;
  }

  /** The Workload API address for `SPIFFE_ENDPOINT_SOCKET`: `unix:///abs/path` or `tcp://127.0.0.1:<port>`. */
  get address(): string {
    return this.#tcp ? `tcp://127.0.0.1:${this.#port}` : `unix://${this.socketPath}`;
  }

  /** The gRPC target a raw `@grpc/grpc-js` client connects to (`unix:///abs/path` or `127.0.0.1:<port>`). */
  get target(): string {
    return this.#tcp ? `127.0.0.1:${this.#port}` : `unix://${this.socketPath}`;
  }

  /** The TCP port, or `undefined` on a unix socket. */
  get port(): number | undefined {
    return this.#tcp ? this.#port : undefined;
  }

  /** The current CA (replaced by {@link TestWorkloadApi.rotateCa}). */
  get ca(): TestCa {
    return this.#state.ca;
  }

  /** Whether the server is listening. */
  get running(): boolean {
    return this.#server !== undefined;
  }

  /** The number of open streams, all methods together. */
  get activeStreams(): number {
    return this.#streams.count();
  }

  /**
   * The number of open streams of one method.
   *
   * @example
   * ```ts
   * expect(api.activeStreamsOf('fetchJwtBundles')).toBe(1);
   * ```
   */
  activeStreamsOf(rpc: WorkloadApiStreamMethod): number {
    return this.#streams.count(rpc);
  }

  /**
   * Resolves once at least `count` streams (of `rpc`, or of any method) are open: the moment a
   * client is subscribed and a push will reach it.
   *
   * @throws {@link TestWorkloadApiError} `ERR_TESTING_TIMEOUT` after `timeoutMs` (default 5000).
   * @example
   * ```ts
   * const source = X509Source.create({ address: api.address });
   * await api.waitForStreams(1, { rpc: 'fetchX509Svid' });
   * ```
   */
  waitForStreams(count = 1, options: WaitForStreamsOptions = {}): Promise<void> {
    return this.#streams.wait(count, options, this.address);
  }

  /**
   * The current X.509-SVIDs, in response order (the first is the default).
   *
   * @example
   * ```ts
   * const [web] = api.svids();
   * ```
   */
  svids(): IssuedX509Svid[] {
    return [...this.#state.identities.values()].map((s) => s.svid);
  }

  /**
   * The current X.509-SVID of `id` (default: the first identity), or `undefined`.
   *
   * @example
   * ```ts
   * const before = api.svid()!;
   * await api.rotate();
   * expect(api.svid()!.leaf.serialNumber).not.toBe(before.leaf.serialNumber);
   * ```
   */
  svid(id?: SpiffeId | string): IssuedX509Svid | undefined {
    if (id === undefined) return this.#state.identities.values().next().value?.svid;
    return this.#state.identities.get(SpiffeId.from(id).toString())?.svid;
  }

  /**
   * The federated trust domain names.
   *
   * @example
   * ```ts
   * expect(api.federatedTrustDomains()).toEqual(['partner.test']);
   * ```
   */
  federatedTrustDomains(): string[] {
    return [...this.#state.federated.keys()];
  }

  /**
   * Zeroes {@link TestWorkloadApi.calls}.
   *
   * @example
   * ```ts
   * api.resetCalls();
   * ```
   */
  resetCalls(): void {
    for (const m of WORKLOAD_API_METHODS) this.#calls[m] = 0;
  }

  // -------------------------------------------------------------------------------------------
  // State changes (serialized; each pushes to open streams before it resolves)

  /**
   * Re-issues the X.509-SVIDs (all, or the one of `id`) and pushes the new set on every open
   * `FetchX509SVID` stream. Resolves with the new SVIDs.
   *
   * @throws {@link TestingError} `ERR_TESTING_INVALID_OPTION` for an unknown `id`.
   * @example
   * ```ts
   * const [fresh] = await api.rotate('spiffe://example.org/web');
   * ```
   */
  rotate(id?: SpiffeId | string): Promise<IssuedX509Svid[]> {
    return this.#serial(async () => {
      const svids = await this.#state.reissue(id === undefined ? undefined : [this.#state.identity(id)]);
      this.#push(['fetchX509Svid']);
      return svids;
    });
  }

  /**
   * Replaces the CA with a new root (and intermediate, if any) for the same trust domain,
   * re-issues every X.509-SVID and pushes the X.509-SVID and X.509 bundle streams. The JWT
   * issuer is kept (rotate JWT keys with {@link TestWorkloadApi.addJwtKey}). With
   * `keepPrevious`, the old roots stay in the bundle (an overlap as during a real rotation).
   *
   * @example
   * ```ts
   * const oldRoot = api.ca.rootDer;
   * const ca = await api.rotateCa({ keepPrevious: true }); // bundle = [new root, old root]
   * ```
   */
  rotateCa(options: { readonly keepPrevious?: boolean | undefined } = {}): Promise<TestCa> {
    return this.#serial(async () => {
      const ca = await this.#state.rotateCa(options.keepPrevious === true);
      this.#push(WORKLOAD_API_STREAM_METHODS);
      return ca;
    });
  }

  /**
   * Adds an identity (appended: it is not the default unless it is the only one), issues its
   * X.509-SVID and pushes the new set.
   *
   * @throws {@link TestingError} `ERR_TESTING_INVALID_OPTION` for a duplicate ID or one outside the trust domain.
   * @example
   * ```ts
   * await api.addIdentity({ id: 'spiffe://example.org/batch', hint: 'batch' });
   * ```
   */
  addIdentity(identity: TestIdentity): Promise<IssuedX509Svid> {
    return this.#serial(async () => {
      const svid = await this.#state.addIdentity(identity);
      this.#push(WORKLOAD_API_STREAM_METHODS);
      return svid;
    });
  }

  /**
   * Removes an identity (a redaction) and pushes the remaining set; when none remain, every open
   * stream ends with PermissionDenied "no identity issued", as SPIRE does, and new calls get the
   * same answer until an identity is added. Resolves with whether the identity existed.
   *
   * @example
   * ```ts
   * await api.removeIdentity('spiffe://example.org/web');
   * ```
   */
  removeIdentity(id: SpiffeId | string): Promise<boolean> {
    return this.#serial(async () => {
      if (!this.#state.identities.delete(SpiffeId.from(id).toString())) return false;
      if (this.#state.identities.size === 0) this.#streams.end(undefined, NO_IDENTITY);
      else this.#push(WORKLOAD_API_STREAM_METHODS);
      return true;
    });
  }

  /**
   * Adds or replaces a federated bundle and pushes the X.509-SVID, X.509 bundles and JWT bundles
   * streams. A {@link TestCa} contributes its X.509 root and its JWT keys; a Buffer is X.509
   * bundle DER only.
   *
   * @throws {@link TestingError} for the server's own trust domain; `SpiffeIdError` (from `spiffe-kit`) for an invalid name.
   * @example
   * ```ts
   * const partner = await TestCa.create({ trustDomain: 'partner.test' });
   * await api.setFederatedBundle('partner.test', partner);
   * ```
   */
  setFederatedBundle(trustDomain: TrustDomain | string, bundle: TestCa | Buffer): Promise<void> {
    return this.#serial(async () => {
      this.#state.federated.set(this.#state.federatedName(trustDomain), bundle);
      this.#push(WORKLOAD_API_STREAM_METHODS);
    });
  }

  /**
   * Removes a federated bundle (a redaction of that trust domain) and pushes the streams.
   *
   * @example
   * ```ts
   * await api.removeFederatedBundle('partner.test');
   * ```
   */
  removeFederatedBundle(trustDomain: TrustDomain | string): Promise<boolean> {
    return this.#serial(async () => {
      const existed = this.#state.federated.delete(TrustDomain.from(trustDomain).name);
      if (existed) this.#push(WORKLOAD_API_STREAM_METHODS);
      return existed;
    });
  }

  /**
   * Adds a JWT signing key (active by default: new JWT-SVIDs use it) and pushes the JWT bundles.
   * Resolves with its `kid`.
   *
   * @example
   * ```ts
   * const kid = await api.addJwtKey({ alg: 'RS256' });
   * ```
   */
  addJwtKey(options: JwtKeyOptions = {}): Promise<string> {
    return this.#serial(async () => {
      const kid = await this.#state.ca.jwt.addJwtKey(options);
      this.#push(['fetchJwtBundles']);
      return kid;
    });
  }

  /**
   * Removes a JWT signing key (default: the oldest) and pushes the JWT bundles; tokens signed
   * with it no longer validate. Resolves with whether a key was removed.
   *
   * @example
   * ```ts
   * const newKid = await api.addJwtKey();
   * await api.removeJwtKey(); // retires the first key
   * ```
   */
  removeJwtKey(kid?: string): Promise<boolean> {
    return this.#serial(async () => {
      const jwt = this.#state.ca.jwt;
      const target = kid ?? jwt.keys[0]?.kid;
      const removed = target !== undefined && jwt.removeJwtKey(target);
      if (removed) this.#push(['fetchJwtBundles']);
      return removed;
    });
  }

  /**
   * Pushes the current state to open streams whose last message differs from it (after changing
   * `api.ca.jwt` or a federated CA directly), or to every open stream with `force` (an unchanged
   * re-delivery, which clients should skip). Returns the number of messages sent.
   *
   * @example
   * ```ts
   * await api.ca.jwt.addJwtKey();
   * api.refresh();                             // pushes the JWT bundles
   * api.refresh({ rpc: 'fetchX509Svid', force: true }); // same SVIDs again
   * ```
   */
  refresh(options: { readonly rpc?: WorkloadApiStreamMethod | undefined; readonly force?: boolean | undefined } = {}): number {
    return this.#push(options.rpc === undefined ? WORKLOAD_API_STREAM_METHODS : [options.rpc], options.force === true);
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  /**
   * Answers new calls (of `rpc`, or all) with a gRPC status, and ends the open streams with it.
   * `message` defaults to SPIRE's wording for PermissionDenied ("no identity issued") and
   * InvalidArgument ("security header missing from request"). The newest failure wins; it lasts
   * for `times` calls (default: until {@link TestWorkloadApi.clearFailure}).
   *
   * @throws {@link TestingError} for OK or an unknown status.
   * @example
   * ```ts
   * api.failWith('PERMISSION_DENIED');                         // not registered
   * api.failWith('UNAVAILABLE', undefined, { times: 3 });      // three failed (re)connects
   * api.failWith(status.UNIMPLEMENTED, 'no JWT', { rpc: 'fetchJwtSvid' });
   * ```
   */
  failWith(code: GrpcStatusCode, message?: string, options: FailWithOptions = {}): void {
    const status = resolveStatus(code, message);
    const { rpc } = options;
    this.#failures.add(status, rpc, options.times ?? Number.POSITIVE_INFINITY);
    if (options.endStreams !== false && rpc !== 'fetchJwtSvid' && rpc !== 'validateJwtSvid') this.#streams.end(rpc, status);
  }

  /**
   * Removes injected failures (of `rpc`, or all): new calls are answered normally again.
   *
   * @example
   * ```ts
   * api.clearFailure();
   * ```
   */
  clearFailure(rpc?: WorkloadApiMethod): void {
    this.#failures.clear(rpc);
  }

  /**
   * Ends open streams (of `rpc`, or all) cleanly with status OK, a "clean end of stream" that
   * clients must answer by reconnecting at once. Returns the number of streams ended.
   *
   * @example
   * ```ts
   * api.endStreams();
   * await api.waitForStreams(1); // the client is back
   * ```
   */
  endStreams(rpc?: WorkloadApiStreamMethod): number {
    return this.#streams.end(rpc, undefined);
  }

  /**
   * Sends `message` as is on every open stream of `rpc` (the server state is unchanged; the
   * next push or {@link TestWorkloadApi.refresh} sends the real state again). Returns the number
   * of streams written to. The message is the generated message type the client decodes into,
   * every field optional (a missing one is sent as its proto3 default); map fields are `Map`s.
   *
   * @throws {@link TestingError} `ERR_TESTING_INVALID_OPTION` for a field of the wrong kind (a
   * plain object for a map, a string for bytes) or a field the message does not have.
   * @example
   * ```ts
   * api.pushRaw('fetchX509Svid', { svids: [] });
   * api.pushRaw('fetchX509Bundles', { bundles: new Map([['spiffe://example.org', Buffer.from('junk')]]) });
   * ```
   */
  pushRaw<M extends WorkloadApiStreamMethod>(rpc: M, message: WorkloadApiStreamMessages[M]): number {
    return this.#streams.pushRaw(rpc, message);
  }

  /**
   * Pushes a malformed message of a common kind (see {@link MalformedKind}) built from the
   * current state. Returns the number of streams written to.
   *
   * @throws {@link TestingError} for a kind that does not apply to `rpc`.
   * @example
   * ```ts
   * api.pushMalformed('key-mismatch');                                  // on FetchX509SVID
   * api.pushMalformed('oversized-bundle', { rpc: 'fetchJwtBundles' });  // 4 MiB + 1 JWK Set
   * ```
   */
  pushMalformed(kind: MalformedKind, options: PushMalformedOptions = {}): number {
    const rpc = options.rpc ?? (kind === 'oversized-bundle' ? 'fetchX509Bundles' : 'fetchX509Svid');
    const state = this.#state;
    const context = {
      ownKey: state.trustDomain.idString(),
      rootDer: state.ca.rootDer,
      good: { fetchX509Svid: () => state.x509SvidMessage(), fetchX509Bundles: () => state.x509BundlesMessage(), fetchJwtBundles: () => state.jwtBundlesMessage() },
    };
    return this.#streams.pushRaw(rpc, malformedMessage(kind, rpc, context, options.bytes ?? OVERSIZED_BUNDLE_BYTES));
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Stops listening: open streams end with Unavailable, connections close. The CA, identities
   * and federation stay; {@link TestWorkloadApi.restart} listens again.
   *
   * @example
   * ```ts
   * await api.stop();    // the agent is down
   * await api.restart(); // and back, on the same socket
   * ```
   */
  async stop(): Promise<void> {
    await this.#listening?.catch(() => undefined);
    const server = this.#server;
    if (server !== undefined) {
      this.#server = undefined;
      this.#streams.end(undefined, STOPPED);
      this.#stopping = new Promise<void>((done) => {
        // Graceful first (statuses are flushed); connections that linger are cut after a second.
        const timer = setTimeout(() => {
          server.forceShutdown();
          done();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      });
    }
    await this.#stopping;
  }

  /**
   * Listens again after {@link TestWorkloadApi.stop}, on the same socket path, or the same TCP
   * port when it is still free (else a new one: read {@link TestWorkloadApi.address} again).
   * Does nothing when running.
   *
   * @throws {@link TestWorkloadApiError} `ERR_TESTING_SERVER_CLOSED` after `close()`.
   * @example
   * ```ts
   * await api.restart();
   * ```
   */
  async restart(): Promise<void> {
    if (this.#closing) throw new TestWorkloadApiError('ERR_TESTING_SERVER_CLOSED', `The test Workload API at ${this.address} is closed`);
    this.#listening ??= this.#listen().finally(() => {
      this.#listening = undefined;
    });
    await this.#listening;
  }

  /**
   * Stops the server and removes the temporary directory (or the socket file). Idempotent.
   *
   * @example
   * ```ts
   * afterAll(() => api.close());
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.stop();
      this.#streams.close(new TestWorkloadApiError('ERR_TESTING_SERVER_CLOSED', `The test Workload API at ${this.address} is closed`));
      if (this.#tempDir !== undefined) await rm(this.#tempDir, { recursive: true, force: true });
      else if (this.socketPath !== undefined) await unlink(this.socketPath).catch(() => undefined);
    })();
    return this.#closing;
  }

  /** `await using api = await TestWorkloadApi.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Public facts only. */
  toJSON(): object {
    return { address: this.address, trustDomain: this.trustDomain.name, running: this.running, identities: [...this.#state.identities.keys()], federated: this.federatedTrustDomains() };
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Pushes the current state of `rpcs` to open streams that do not hold it yet (all with `force`). */
  #push(rpcs: readonly WorkloadApiStreamMethod[], force = false): number {
    let n = 0;
    for (const rpc of rpcs) n += this.#streams.push(rpc, () => this.#state.message(rpc), force);
    return n;
  }

  async #listen(): Promise<void> {
    if (this.#server !== undefined) return;
    await this.#stopping;
    const { grpc, service } = this.#api;
    const server = new grpc.Server();
    server.addService(
      service,
      workloadApiHandlers({
        state: this.#state,
        streams: this.#streams,
        failures: this.#failures,
        calls: this.#calls,
        requireHeader: this.#requireHeader,
        jwtTtlSeconds: this.#jwtTtlSeconds,
      }),
    );
    const credentials = grpc.ServerCredentials.createInsecure();
    const bind = (target: string) =>
      new Promise<number>((done, fail) => server.bindAsync(target, credentials, (err, port) => (err ? fail(err) : done(port))));
    try {
      if (this.socketPath !== undefined) {
        await mkdir(dirname(this.socketPath), { recursive: true });
        await removeStaleSocket(this.socketPath);
        await bind(`unix://${this.socketPath}`);
      } else {
        try {
          this.#port = await bind(`127.0.0.1:${this.#port}`);
        } catch (err) {
          if (this.#port === 0) throw err;
          this.#port = await bind('127.0.0.1:0');
        }
      }
    } catch (err) {
      server.forceShutdown();
      throw new TestWorkloadApiError('ERR_TESTING_LISTEN_FAILED', `The test Workload API could not listen on ${this.address}: ${(err as Error).message}`, { cause: err });
    }
    this.#server = server;
  }
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
