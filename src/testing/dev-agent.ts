/**
 * A development Workload API, the code behind `spiffe dev-agent` (and `npm run dev-agent` in a
 * clone): a {@link TestWorkloadApi} that prints `export SPIFFE_ENDPOINT_SOCKET=...`, rotates the
 * X.509-SVIDs periodically, can play an unregistered workload's agent or a failing one, and stops
 * cleanly (removing its socket). Not for production: it hands its SVIDs to anyone who can reach
 * the socket.
 *
 * @module
 */
import { type GrpcStatusCode, resolveStatus } from './workload-api-faults.js';
import { TestWorkloadApi } from './workload-api.js';

/**
 * What the dev agent serves, and how.
 */
export interface DevAgentOptions {
  /** Unix socket path. Default: `agent.sock` in a new temporary directory. */
  readonly socketPath?: string | undefined;
  /** Listen on `tcp://127.0.0.1` instead (port `port`, default any free one). */
  readonly tcp?: boolean | undefined;
  readonly port?: number | undefined;
  /** Default `example.org`. */
  readonly trustDomain?: string | undefined;
  /** The X.509-SVIDs to issue (to every caller), first = default. Default `spiffe://<td>/workload`. */
  readonly ids?: readonly string[] | undefined;
  /** Sign the SVIDs with an intermediate CA. */
  readonly intermediate?: boolean | undefined;
  /** Re-issue the X.509-SVIDs this often, in ms. Default 1,800,000 (half of their one-hour lifetime); 0 never. */
  readonly rotateEveryMs?: number | undefined;
  /** Issue no identity: every call answers PermissionDenied "no identity issued", as SPIRE does for a workload with no registration entry. */
  readonly noIdentity?: boolean | undefined;
  /** Answer every call with this gRPC status (name or number), e.g. `UNAVAILABLE`. */
  readonly failWith?: GrpcStatusCode | undefined;
  /** The status details of `failWith` (default: SPIRE's wording where it has one). */
  readonly failMessage?: string | undefined;
}

/**
 * Where the dev agent writes: its `export` line goes to `stdout`, what it does to `stderr`.
 * `signal` stops it.
 */
export interface DevAgentIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborting it shuts the agent down. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A running dev agent.
 */
export interface DevAgent {
  readonly api: TestWorkloadApi;
  /** Stops rotation and closes the server (removing its socket). Idempotent. */
  shutdown(): Promise<void>;
  /** Settles when the agent has shut down. */
  readonly closed: Promise<void>;
}

/** Default of {@link DevAgentOptions.rotateEveryMs}: half of the SVIDs' one-hour lifetime. */
const DEFAULT_ROTATE_EVERY_MS = 1_800_000;

/**
 * Starts the dev agent: prints `export SPIFFE_ENDPOINT_SOCKET=...` on `stdout`, says what it serves
 * on `stderr`, rotates, and shuts down when `io.signal` fires.
 *
 * @throws `TestingError` `ERR_TESTING_INVALID_OPTION` for an ID outside the trust domain or a
 * bad status; `TestWorkloadApiError` when it cannot listen.
 */
export async function startDevAgent(options: DevAgentOptions, io: DevAgentIo): Promise<DevAgent> {
  const rotateEveryMs = options.rotateEveryMs ?? DEFAULT_ROTATE_EVERY_MS;
  // Checked before anything listens.
  const failure = options.failWith === undefined ? undefined : resolveStatus(options.failWith, options.failMessage);
  const ids = options.ids ?? [];
  const api = await TestWorkloadApi.start({
    ...(options.trustDomain === undefined ? {} : { trustDomain: options.trustDomain }),
    intermediate: options.intermediate === true,
    ...(options.tcp ? { tcp: true, ...(options.port === undefined ? {} : { port: options.port }) } : { socketPath: options.socketPath }),
    ...(options.noIdentity ? { identities: [] } : ids.length > 0 ? { identities: ids.map((id) => ({ id })) } : {}),
  });
  if (failure !== undefined) api.failWith(failure.code, failure.details);

  const say = (text: string): void => io.stderr(`spiffe dev-agent: ${text}\n`);
  io.stdout(`export SPIFFE_ENDPOINT_SOCKET=${api.address}\n`);
  const serving = options.noIdentity
    ? 'no identity: every call answers PermissionDenied "no identity issued" (a workload not registered yet)'
    : api.svids().map((s) => s.id.toString()).join(', ');
  say(`serving ${serving} (trust domain ${api.trustDomain.name}) on ${api.address}`);
  if (failure !== undefined) say(`answering every call with gRPC status ${failure.code} (${failure.details})`);
  if (rotateEveryMs > 0 && !options.noIdentity) say(`rotating the X.509-SVIDs every ${formatMs(rotateEveryMs)}`);

  const timer =
    rotateEveryMs > 0 && !options.noIdentity
      ? setInterval(() => {
          // Renew the CA too when its root would expire before the next rotation but one.
          const renewCa = api.ca.root.notAfter.getTime() - Date.now() < 2 * rotateEveryMs;
          (renewCa ? api.rotateCa() : api.rotate()).then(
            () => say(`rotated ${renewCa ? 'the CA and ' : ''}the X.509-SVIDs`),
            (err: unknown) => say(`rotation failed: ${(err as Error).message}`),
          );
        }, rotateEveryMs)
      : undefined;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      if (timer !== undefined) clearInterval(timer);
      io.signal?.removeEventListener('abort', onAbort);
      await api.close();
      say(`stopped${api.socketPath === undefined ? '' : `; removed ${api.socketPath}`}`);
    })().finally(resolveClosed);
    return shuttingDown;
  };
  const onAbort = (): void => {
    say('shutting down');
    shutdown().catch((err: unknown) => say(`shutdown failed: ${(err as Error).message}`));
  };
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  return { api, shutdown, closed };
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
