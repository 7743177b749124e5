/**
 * `spiffe jwt --write FILE [--watch]`: keeps a JWT-SVID in a file for programs that read their
 * token from one: the AWS SDKs (`AWS_WEB_IDENTITY_TOKEN_FILE`), Vault agent's JWT auto-auth, GCP's
 * file-sourced credentials, a sidecar. The token is renewed at half its lifetime, as the
 * Workload API clients do, and the reader is told (`--on-update`, `--signal-pid`).
 *
 * @module
 */
import type { JwtSvid } from '../svid/jwt-svid.js';
import { WorkloadApiClient } from '../workloadapi/client.js';
import { classifyFailure } from '../internal/cli/health-probe.js';
import { EXEC_GRACE_MS, ExecSupervisor } from './exec.js';
import { HOOK_GRACE_MS, HookRunner, type UpdateHooks } from './hook.js';
import { type CliIo, ExitCode } from '../internal/cli/io.js';
import { FileWriteError } from '../internal/cli/write-error.js';
import { writeFilesAtomically } from '../internal/cli/write-files.js';

/** What {@link writeJwtFile} needs. */
export interface JwtFileOptions extends UpdateHooks {
  /** Workload API address. */
  readonly address: string;
  /** Deadline of each fetch, in ms. */
  readonly timeoutMs: number;
  /** The audience(s) of the token. */
  readonly audience: readonly string[];
  /** `--id`: a token for this identity. */
  readonly spiffeId?: string | undefined;
  /** `--hint`: the JWT-SVID with this hint. */
  readonly hint?: string | undefined;
  /** Absolute path of the token file. */
  readonly file: string;
  /** Keep running and renew the token (`--watch`). */
  readonly watch: boolean;
  /** One JSON object per line instead of text. */
  readonly json: boolean;
  /** `--exec`: start this program after the first write and manage it (see `./exec.ts`). */
  readonly exec?: string | undefined;
  /** First retry delay after a failed renewal, in ms (default 1000; doubles up to 30 s). */
  readonly retryMs?: number | undefined;
}

/** A failure as logged: a write failure is no agent failure. */
function describe(err: unknown): { reason: string; message: string } {
  return err instanceof FileWriteError ? { reason: 'write-failed', message: err.message } : classifyFailure(err);
}

/** The longest wait between renewal attempts, in ms. */
const MAX_RETRY_MS = 30_000;

/**
 * When a token should be renewed: at half its lifetime (from `iat`, else from when it was
 * fetched), and at least a second from now.
 */
export function renewalTime(svid: Pick<JwtSvid, 'issuedAt' | 'expiresAt'>, fetchedAt: number): number {
  const start = svid.issuedAt?.getTime() ?? fetchedAt;
  const end = svid.expiresAt.getTime();
  return Math.max(start + (end - start) / 2, fetchedAt + 1_000);
}

/**
 * Writes a JWT-SVID to `options.file` (mode 0600, the token alone, no newline; temporary file then
 * rename), then with `watch` renews it at half its lifetime until `io.signal` aborts. A failed
 * renewal keeps the file and retries with backoff (1 s doubling to 30 s); the token is never
 * printed. Resolves with the exit code: 0 after a write (or a clean stop), 1 when the first token
 * cannot be fetched or written.
 */
export async function writeJwtFile(options: JwtFileOptions, io: CliIo): Promise<number> {
  const log = (text: string): void => io.stderr(`spiffe jwt: ${text}\n`);
  const client = new WorkloadApiClient({ address: options.address, timeoutMs: options.timeoutMs });
  const hook = new HookRunner(options, { SPIFFE_JWT_SVID_PATH: options.file }, io.env, log, io.stderr);
  const program = options.exec === undefined ? undefined : new ExecSupervisor(options.exec, { SPIFFE_JWT_SVID_PATH: options.file }, io.env, io, log);
  // The renewal loop stops on SIGINT/SIGTERM or when the --exec program ends.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted === true) stop.abort();
  void program?.exited.then(() => stop.abort());
  const fetch = (): Promise<JwtSvid> =>
    client.fetchJwtSvid({ audience: options.audience, spiffeId: options.spiffeId, hint: options.hint }, { timeoutMs: options.timeoutMs, signal: io.signal });
  let onDisk: JwtSvid | undefined;

  const write = async (svid: JwtSvid): Promise<void> => {
    if (onDisk?.token === svid.token) return;
    await writeFilesAtomically([{ path: options.file, contents: svid.token, mode: 0o600 }]);
    onDisk = svid;
    const at = new Date().toISOString();
    const expiresAt = svid.expiresAt.toISOString();
    if (options.json) {
      io.stdout(`${JSON.stringify({ event: 'written', at, file: options.file, spiffeId: svid.id.toString(), audience: svid.audience, expiresAt })}\n`);
    } else {
      io.stdout(`${at} wrote ${options.file} (${svid.id.toString()}, audience ${svid.audience.join(',')}, expires ${expiresAt})\n`);
    }
    hook.trigger();
    // A token file is re-read by its reader; the program is signalled only when asked to.
    if (options.signal !== undefined) program?.signal(options.signal);
  };

  try {
    try {
      await write(await fetch());
    } catch (err) {
      if (io.signal?.aborted === true) return ExitCode.ok;
      const { reason, message } = describe(err);
      log(`${reason}: ${message}`);
      return ExitCode.failed;
    }
    if (!options.watch) return ExitCode.ok;

    program?.start();
    let retry = options.retryMs ?? 1_000;
    let expiryReported = false;
    let next = renewalTime(onDisk as JwtSvid, Date.now());
    while (!stop.signal.aborted) {
      if (!(await sleepUntil(next, stop.signal))) break;
      try {
        await write(await fetch());
        retry = options.retryMs ?? 1_000;
        expiryReported = false;
        next = renewalTime(onDisk as JwtSvid, Date.now());
      } catch (err) {
        if (stop.signal.aborted) break;
        const { reason, message } = describe(err);
        const expiresAt = (onDisk as JwtSvid).expiresAt.getTime();
        const expired = expiresAt <= Date.now();
        log(`${reason}: ${message}; keeping ${options.file}${expired ? '' : ` (valid until ${new Date(expiresAt).toISOString()})`}; retrying in ${retry / 1000} s`);
        if (expired && !expiryReported) {
          expiryReported = true;
          log(`the token in ${options.file} expired at ${new Date(expiresAt).toISOString()} and was not renewed`);
        }
        next = Date.now() + retry;
        retry = Math.min(retry * 2, MAX_RETRY_MS);
      }
    }
    const status = program === undefined ? ExitCode.ok : program.running ? await program.stop(EXEC_GRACE_MS) : await program.exited;
    log('stopped');
    return status;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    client.close();
    await hook.stop(HOOK_GRACE_MS);
  }
}

/** Resolves true at `at` (ms since the epoch), false as soon as `signal` aborts. */
function sleepUntil(at: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.min(Math.max(at - Date.now(), 0), 0x7fffffff),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
