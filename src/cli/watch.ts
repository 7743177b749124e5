/**
 * `spiffe x509 --write DIR --watch`: keeps the PEM files of `--write` fresh on an
 * {@link X509Source}, the way spiffe-helper does, and tells the program that reads them (a
 * command, `--on-update`, or a signal, `--signal-pid`).
 *
 * @module
 */
import { resolve } from 'node:path';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509Svid } from '../svid/x509-svid.js';
import { X509Source } from '../workloadapi/x509-source.js';
import { classifyFailure } from '../internal/cli/health-probe.js';
import { EXEC_GRACE_MS, ExecSupervisor } from './exec.js';
import { HOOK_GRACE_MS, HookRunner } from './hook.js';
import { type CliIo, ExitCode } from '../internal/cli/io.js';
import { type SvidSelector, selectSvid } from '../internal/cli/select.js';
import { type FileToWrite, writeFilesAtomically } from '../internal/cli/write-files.js';

/** Absolute paths of the three files of `spiffe x509 --write`. */
export interface X509FilePaths {
  readonly certificates: string;
  readonly key: string;
  readonly bundle: string;
}

/**
 * The files of `spiffe x509 --write` for `svid`: the chain (0644), the PKCS#8 key (0600) and the
 * bundles, concatenated (0644). When the chain and the key have the same path, one file holds the
 * chain then the key (0600), so that a reader never sees a chain with another SVID's key.
 */
export function x509PemFiles(paths: X509FilePaths, svid: X509Svid, bundles: readonly X509Bundle[]): FileToWrite[] {
  const bundle = { path: paths.bundle, contents: bundles.map((b) => b.toPem()).join(''), mode: 0o644 };
  if (paths.certificates === paths.key) return [{ path: paths.key, contents: `${svid.certificatesPem}${svid.marshal().privateKey}`, mode: 0o600 }, bundle];
  return [{ path: paths.certificates, contents: svid.certificatesPem, mode: 0o644 }, { path: paths.key, contents: svid.marshal().privateKey, mode: 0o600 }, bundle];
}

/** File names in the `--write` directory (`--cert-name`, `--key-name`, `--bundle-name`). */
export interface X509FileNames {
  readonly certificates: string;
  readonly key: string;
  readonly bundle: string;
}

/** The default file names, as spiffe-helper names them. */
export const DEFAULT_X509_FILE_NAMES: X509FileNames = Object.freeze({ certificates: 'svid.pem', key: 'svid_key.pem', bundle: 'bundle.pem' });

/** Resolves the paths of the files in `dir`. */
export function x509FilePaths(dir: string, names: X509FileNames = DEFAULT_X509_FILE_NAMES): X509FilePaths {
  return { certificates: resolve(dir, names.certificates), key: resolve(dir, names.key), bundle: resolve(dir, names.bundle) };
}

/** What {@link watchX509Files} needs. */
export interface WatchX509Options {
  /** Workload API address. */
  readonly address: string;
  /** How long to wait for the first SVID, in ms. */
  readonly timeoutMs: number;
  /** Which SVID to write (`--id`, `--hint`). */
  readonly selector: SvidSelector;
  /** Absolute directory of the files. */
  readonly dir: string;
  /** The file names (default {@link DEFAULT_X509_FILE_NAMES}). */
  readonly names?: X509FileNames | undefined;
  /** Add the federated bundles to bundle.pem. */
  readonly federated: boolean;
  /** Print one JSON object per line instead of text. */
  readonly json: boolean;
  /** `--on-update`: run with `/bin/sh -c` after each write. */
  readonly onUpdate?: string | undefined;
  /** `--signal-pid`: signal this process after each write. */
  readonly signalPid?: number | undefined;
  /** `--signal` (default `SIGHUP`). */
  readonly signal?: NodeJS.Signals | undefined;
  /** `--exec`: start this program after the first write and manage it (see `./exec.ts`). */
  readonly exec?: string | undefined;
  /** Delay before retrying a failed write, in ms (default 5000). */
  readonly retryMs?: number | undefined;
}

/**
 * Runs the watch mode until `io.signal` aborts; resolves with the exit code: 0 after a clean
 * stop, 1 when the first SVID cannot be obtained (or written).
 */
export async function watchX509Files(options: WatchX509Options, io: CliIo): Promise<number> {
  const paths = x509FilePaths(options.dir, options.names);
  const log = (text: string): void => io.stderr(`spiffe x509: ${text}\n`);
  const { selector } = options;
  const selecting = selector.id !== undefined || selector.hint !== undefined;

  let source: X509Source;
  try {
    source = await X509Source.create({
      address: options.address,
      timeoutMs: options.timeoutMs,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(selecting ? { picker: (svids: readonly X509Svid[]) => selectSvid(svids, selector) } : {}),
    });
  } catch (err) {
    if (io.signal?.aborted === true) return ExitCode.ok;
    const { reason, message } = classifyFailure(err);
    log(`${reason}: ${message}`);
    return ExitCode.failed;
  }

  const written = new Map<string, string>(); // path -> contents on disk
  let dirty = true;
  let writing: Promise<boolean> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let firstDone = false;
  const fileEnv = { SPIFFE_SVID_PATH: paths.certificates, SPIFFE_KEY_PATH: paths.key, SPIFFE_BUNDLE_PATH: paths.bundle };
  const hook = new HookRunner(options, fileEnv, io.env, log, io.stderr);
  const program = options.exec === undefined ? undefined : new ExecSupervisor(options.exec, fileEnv, io.env, io, log);

  /** Writes what changed; resolves false when a write failed. */
  const writeOnce = async (): Promise<boolean> => {
    while (dirty && !stopping) {
      dirty = false;
      let svid: X509Svid;
      try {
        svid = source.getX509Svid();
      } catch {
        return true; // withdrawn (drop) or expired: keep the files as they are
      }
      const own = source.bundles.get(svid.id.trustDomain);
      const bundles = options.federated ? source.bundles.bundles() : own === undefined ? [] : [own];
      const files = x509PemFiles(paths, svid, bundles);
      // A new chain always goes out with its key, so the pair on disk matches.
      const svidChanged = files.some((f) => f.path !== paths.bundle && written.get(f.path) !== f.contents);
      const changed = files.filter((f) => (f.path === paths.bundle ? written.get(f.path) !== f.contents : svidChanged));
      if (changed.length === 0) continue;
      try {
        await writeFilesAtomically(changed);
      } catch (err) {
        // Forget what is on disk, so that the retry writes the whole set again.
        for (const f of changed) written.delete(f.path);
        const retry = firstDone ? `; retrying in ${(options.retryMs ?? 5_000) / 1000} s` : '';
        log(`cannot write to ${options.dir}: ${err instanceof Error ? err.message : String(err)}${retry}`);
        return false;
      }
      for (const f of changed) written.set(f.path, f.contents);
      report(svid, changed.map((f) => f.path));
      scheduleExpiryWarning(svid);
      hook.trigger();
      // An unexpected SIGHUP ends most programs: the --exec program is signalled only when asked to.
      if (options.signal !== undefined) program?.signal(options.signal);
    }
    return true;
  };

  const report = (svid: X509Svid, files: readonly string[]): void => {
    const serial = svid.leaf.serialNumber;
    const at = new Date().toISOString();
    if (options.json) {
      io.stdout(`${JSON.stringify({ event: 'written', at, files, spiffeId: svid.id.toString(), serialNumber: serial, expiresAt: svid.expiresAt.toISOString() })}\n`);
    } else {
      io.stdout(`${at} wrote ${files.join(', ')} (${svid.id.toString()}, serial ${serial}, expires ${svid.expiresAt.toISOString()})\n`);
    }
  };

  const scheduleExpiryWarning = (svid: X509Svid): void => {
    if (expiryTimer !== undefined) clearTimeout(expiryTimer);
    const delay = Math.min(Math.max(svid.expiresAt.getTime() - Date.now(), 0) + 1000, 0x7fffffff);
    expiryTimer = setTimeout(() => {
      expiryTimer = undefined;
      log(`the X.509-SVID in ${options.dir} expired at ${svid.expiresAt.toISOString()} and was not renewed; the files are left in place`);
    }, delay);
    expiryTimer.unref();
  };

  const kick = (): void => {
    dirty = true;
    if (writing !== undefined || stopping) return;
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    writing = writeOnce().then((ok) => {
      writing = undefined;
      if (!ok && !stopping) {
        dirty = true;
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          kick();
        }, options.retryMs ?? 5_000);
      } else if (dirty) {
        kick();
      }
      return ok;
    });
  };

  source.on('update', () => kick());
  source.on('error', () => undefined); // reported through `state`
  source.on('redacted', ({ reason }) => {
    let until = '';
    try {
      until = ` until it expires at ${source.getX509Svid().expiresAt.toISOString()}`;
    } catch {
      // already expired
    }
    log(`identity withdrawn (${reason}); keeping the files${until}`);
  });
  source.on('state', (state, previous) => {
    if (state === 'stale' && previous === 'ready') {
      const last = source.health().lastError;
      log(`lost the Workload API${last === undefined ? '' : ` (${last.message})`}; keeping the last files until it is back`);
    } else if (state === 'ready' && previous === 'stale') {
      log('Workload API back');
    }
  });

  // The first write: failing it is fatal, as in one-shot mode.
  dirty = true;
  writing = writeOnce();
  const firstOk = await writing;
  writing = undefined;
  if (!firstOk) {
    stopping = true;
    await source.close();
    if (expiryTimer !== undefined) clearTimeout(expiryTimer);
    await hook.stop(HOOK_GRACE_MS);
    return ExitCode.failed;
  }
  firstDone = true;
  if (dirty) kick();
  // The program starts once its files exist; it is signalled after later writes only.
  program?.start();

  // Until SIGINT/SIGTERM, or until the --exec program ends.
  const programEnded = await new Promise<boolean>((done) => {
    void program?.exited.then(() => done(true));
    if (io.signal === undefined) return; // runs until the process ends
    if (io.signal.aborted) done(false);
    else io.signal.addEventListener('abort', () => done(false), { once: true });
  });

  stopping = true;
  const status = program === undefined ? ExitCode.ok : programEnded ? await program.exited : await program.stop(EXEC_GRACE_MS);
  await source.close();
  if (retryTimer !== undefined) clearTimeout(retryTimer);
  if (expiryTimer !== undefined) clearTimeout(expiryTimer);
  await writing;
  await hook.stop(HOOK_GRACE_MS);
  log('stopped');
  return status;
}
