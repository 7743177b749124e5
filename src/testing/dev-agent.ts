#!/usr/bin/env node
/**
 * A development Workload API: `node dist/testing/dev-agent.js [--socket PATH | --tcp]
 * [--trust-domain TD] [--id ID ...] [--intermediate] [--rotate-every SECONDS]`. It starts a
 * {@link TestWorkloadApi}, prints `export SPIFFE_ENDPOINT_SOCKET=...` on stdout (so
 * `eval "$(node dist/testing/dev-agent.js &)"`-style scripts can pick it up), rotates the
 * X.509-SVIDs periodically, and shuts down cleanly on SIGINT or SIGTERM. Not for production:
 * it hands its SVIDs to anyone who can reach the socket.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TestingError } from './keys.js';
import { TestWorkloadApi } from './workload-api.js';

/**
 * The parsed command line of the dev agent.
 *
 * @example
 * ```ts
 * const options: DevAgentOptions = { trustDomain: 'example.org', ids: ['spiffe://example.org/web'], rotateEverySeconds: 30 };
 * ```
 */
export interface DevAgentOptions {
  readonly socketPath?: string | undefined;
  readonly tcp?: boolean | undefined;
  readonly trustDomain: string;
  readonly ids: readonly string[];
  readonly intermediate: boolean;
  /** Re-issue the X.509-SVIDs this often. Default 1800 (half of their one-hour lifetime); 0 disables. */
  readonly rotateEverySeconds: number;
  readonly help: boolean;
}

const USAGE = `Usage: dev-agent [--socket PATH | --tcp] [--trust-domain TD] [--id SPIFFE_ID ...] [--intermediate] [--rotate-every SECONDS]

Runs an in-process SPIFFE Workload API for development (spiffe-kit/testing). Prints
"export SPIFFE_ENDPOINT_SOCKET=..." and serves until SIGINT or SIGTERM.

  --socket PATH          unix socket path (default: a fresh temporary directory)
  --tcp                  listen on tcp://127.0.0.1:<free port> instead
  --trust-domain TD      default example.org
  --id SPIFFE_ID         an identity to issue (repeatable; default spiffe://<TD>/workload)
  --intermediate         sign SVIDs with an intermediate CA
  --rotate-every SECONDS re-issue the X.509-SVIDs (default 1800; 0 = never)
`;

/**
 * Parses the dev agent's arguments.
 *
 * @throws {@link TestingError} `ERR_TESTING_INVALID_OPTION` for unknown or invalid arguments.
 * @example
 * ```ts
 * parseDevAgentArgs(['--trust-domain', 'dev.test', '--id', 'spiffe://dev.test/api', '--rotate-every', '60']);
 * ```
 */
export function parseDevAgentArgs(argv: readonly string[]): DevAgentOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `${(err as Error).message}\n\n${USAGE}`);
  }
  const rotateEverySeconds = values['rotate-every'] === undefined ? 1800 : Number(values['rotate-every']);
  if (!Number.isFinite(rotateEverySeconds) || rotateEverySeconds < 0) {
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `--rotate-every must be a number of seconds >= 0, got ${values['rotate-every']}`);
  }
  if (values.tcp && values.socket !== undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'Give either --socket or --tcp, not both');
  return {
    socketPath: values.socket,
    tcp: values.tcp,
    trustDomain: values['trust-domain'] ?? 'example.org',
    ids: values.id ?? [],
    intermediate: values.intermediate ?? false,
    rotateEverySeconds,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      socket: { type: 'string' },
      tcp: { type: 'boolean' },
      'trust-domain': { type: 'string' },
      id: { type: 'string', multiple: true },
      intermediate: { type: 'boolean' },
      'rotate-every': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/**
 * A running dev agent.
 *
 * @example
 * ```ts
 * const agent = await runDevAgent(['--tcp'], { handleSignals: false });
 * await agent.shutdown();
 * ```
 */
export interface DevAgent {
  readonly api: TestWorkloadApi;
  /** Stops rotation and closes the server. Idempotent. */
  shutdown(): Promise<void>;
  /** Settles when the agent has shut down. */
  readonly closed: Promise<void>;
}

/**
 * Starts the dev agent: prints the `export` line on `stdout`, logs to `stderr`, rotates, and
 * (with `handleSignals`, the default) shuts down on SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * const agent = await runDevAgent(['--socket', '/tmp/agent.sock', '--rotate-every', '10']);
 * ```
 */
export async function runDevAgent(
  argv: readonly string[],
  io: { readonly stdout?: NodeJS.WritableStream; readonly stderr?: NodeJS.WritableStream; readonly handleSignals?: boolean } = {},
): Promise<DevAgent> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const options = parseDevAgentArgs(argv);
  const api = await TestWorkloadApi.start({
    trustDomain: options.trustDomain,
    intermediate: options.intermediate,
    ...(options.tcp ? { tcp: true } : { socketPath: options.socketPath }),
    ...(options.ids.length > 0 ? { identities: options.ids.map((id) => ({ id })) } : {}),
  });
  stdout.write(`export SPIFFE_ENDPOINT_SOCKET=${api.address}\n`);
  stderr.write(`dev-agent: serving ${api.svids().map((s) => s.id.toString()).join(', ')} (trust domain ${api.trustDomain.name}) on ${api.address}\n`);

  const timer =
    options.rotateEverySeconds > 0
      ? setInterval(() => {
          // Renew the CA too when its root would expire before the next rotation but one.
          const renewCa = api.ca.root.notAfter.getTime() - Date.now() < 2 * options.rotateEverySeconds * 1000;
          (renewCa ? api.rotateCa() : api.rotate()).then(
            () => stderr.write(`dev-agent: rotated ${renewCa ? 'the CA and ' : ''}X.509-SVIDs\n`),
            (err: unknown) => stderr.write(`dev-agent: rotation failed: ${(err as Error).message}\n`),
          );
        }, options.rotateEverySeconds * 1000)
      : undefined;
  timer?.unref();

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      if (timer) clearInterval(timer);
      if (io.handleSignals !== false) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      await api.close();
    })().finally(resolveClosed);
    return shuttingDown;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stderr.write(`dev-agent: ${signal}, shutting down\n`);
    shutdown().catch((err: unknown) => stderr.write(`dev-agent: shutdown failed: ${(err as Error).message}\n`));
  };
  if (io.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { api, shutdown, closed };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const argv = process.argv.slice(2);
  let help = false;
  try {
    help = parseDevAgentArgs(argv).help;
  } catch (err) {
    process.stderr.write(`dev-agent: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (help) process.stdout.write(USAGE);
  else
    runDevAgent(argv).catch((err: unknown) => {
      process.stderr.write(`dev-agent: ${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}
