/**
 * Writing credential files the safe way, as one set: a reader finds either every previous file or
 * every new one, never a new chain beside an old key, even when a write fails half-way.
 *
 * 1. Stage: each file goes to a temporary sibling (same directory, created exclusively, with its
 *    final mode), is written and flushed to disk. A failure here removes the temporary files;
 *    nothing was replaced.
 * 2. Replace, one file at a time: the previous version is kept aside (a hard link, or a copy where
 *    links are refused), then the temporary file is renamed over it. The file name never goes
 *    missing (rename replaces atomically), and no reader sees a half-written file.
 * 3. On a failure in 2, the files already replaced are put back from their kept versions (or
 *    removed, when there was none), so the set is all-old again; the write fails with a
 *    {@link FileWriteError} naming the file. On success the kept versions are removed.
 *
 * What remains: a reader that opens two files of the set at the instant between two renames can
 * still pair a new file with an old one (one file holding chain and key, `--key-name` equal to
 * `--cert-name`, closes that); a process killed between two renames leaves the set mixed, with the
 * previous versions beside it (`.NAME.*.old`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileWriteError } from './write-error.js';

/** One file to write. */
export interface FileToWrite {
  readonly path: string;
  readonly contents: string;
  /** File mode (default 0o644); 0o600 for private keys. */
  readonly mode?: number | undefined;
}

interface Staged {
  readonly path: string;
  readonly temp: string;
  /** Where the previous version was kept aside, once it was (undefined: there was none). */
  backup?: string | undefined;
  replaced: boolean;
}

/** `.NAME.<random>.SUFFIX` beside `path`. */
function sibling(path: string, suffix: 'tmp' | 'old'): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/** A system error in short, without the paths Node puts in its message: `EISDIR: illegal operation on a directory`. */
function why(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && message.startsWith(`${code}:`) ? (message.split(',')[0] as string) : message;
}

function list(paths: readonly string[]): string {
  return paths.map((p) => basename(p)).join(', ');
}

async function stage(file: FileToWrite, staged: Staged[]): Promise<void> {
  const dir = dirname(file.path);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new FileWriteError('ERR_WRITE_STAGE', `Cannot create the directory ${dir} of ${file.path}: ${why(cause)}; nothing was replaced`, { path: file.path, cause });
  }
  const temp = sibling(file.path, 'tmp');
  const mode = file.mode ?? 0o644;
  try {
    // 'wx': fail rather than follow a symlink or reuse a file someone planted at the temp name.
    const handle = await open(temp, 'wx', mode);
    staged.push({ path: file.path, temp, replaced: false });
    try {
      await handle.writeFile(file.contents, 'utf8');
      // The umask may have removed bits; never added any. Set the exact mode.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new FileWriteError('ERR_WRITE_STAGE', `Cannot write ${file.path}: ${why(cause)}; nothing was replaced`, { path: file.path, cause });
  }
}

/**
 * Keeps the current version of `path` aside and returns where, or `undefined` when there is no
 * file to keep (none, or a directory, which the rename will refuse to replace).
 */
async function keepAside(path: string): Promise<string | undefined> {
  const backup = sibling(path, 'old');
  try {
    await link(path, backup); // the same inode: same contents, same mode, no copy
    return backup;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    // Hard links refused (an immutable file, a file system without them, a bind-mounted file): copy.
    const stats = await lstat(path);
    if (stats.isDirectory()) return undefined;
    await copyFile(path, backup, constants.COPYFILE_EXCL); // keeps the mode
    return backup;
  }
}

/** Flushes the directory entries (the renames) to disk, where the platform allows it. */
async function syncDirs(paths: readonly string[]): Promise<void> {
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Not every platform can open or fsync a directory; the renames are done either way.
    }
  }
}

/**
 * Writes `files` as one set (see the module notes): all are staged to temporary siblings first,
 * then renamed into place one after the other, each previous version kept aside until every
 * rename has succeeded. Directories that do not exist are created with mode 0o700.
 *
 * @throws {@link FileWriteError} `ERR_WRITE_STAGE` or `ERR_WRITE_REPLACE` (the previous files are
 *   all in place), `ERR_WRITE_ROLLBACK` (putting one back failed too; see its `backups`).
 */
export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const staged: Staged[] = [];
  let failure: FileWriteError | undefined;
  try {
    for (const file of files) await stage(file, staged);
  } catch (err) {
    failure = err as FileWriteError;
  }

  if (failure === undefined) {
    for (const s of staged) {
      try {
        s.backup = await keepAside(s.path);
      } catch (cause) {
        failure = new FileWriteError('ERR_WRITE_REPLACE', `Cannot keep the previous version of ${s.path} aside: ${why(cause)}`, { path: s.path, cause });
        break;
      }
      try {
        await rename(s.temp, s.path);
        s.replaced = true;
      } catch (cause) {
        failure = new FileWriteError('ERR_WRITE_REPLACE', `Cannot replace ${s.path}: ${why(cause)}`, { path: s.path, cause });
        break;
      }
    }
  }

  if (failure === undefined) {
    await syncDirs(staged.map((s) => s.path));
    for (const s of staged) if (s.backup !== undefined) await unlink(s.backup).catch(() => undefined);
    return;
  }

  // Put back what was replaced, last first; then remove what is left of this attempt.
  const restored: string[] = [];
  const backups: Record<string, string> = {};
  let rollbackWhy = '';
  for (const s of [...staged].reverse()) {
    if (s.replaced) {
      try {
        if (s.backup === undefined) await unlink(s.path); // it did not exist before
        else await rename(s.backup, s.path);
        restored.push(s.path);
      } catch (cause) {
        if (s.backup !== undefined) backups[s.path] = s.backup;
        rollbackWhy ||= `${s.path} could not be put back (${why(cause)})`;
      }
    } else {
      await unlink(s.temp).catch(() => undefined);
      if (s.backup !== undefined) await unlink(s.backup).catch(() => undefined); // its file was not touched
    }
  }
  if (restored.length > 0) await syncDirs(restored);
  restored.reverse();

  const { path, message, cause } = failure;
  if (rollbackWhy !== '') {
    const left = Object.entries(backups).map(([p, b]) => `${basename(p)} in ${basename(b)}`);
    throw new FileWriteError(
      'ERR_WRITE_ROLLBACK',
      `${message}; then ${rollbackWhy}: the files may not match${left.length > 0 ? ` (previous versions left: ${left.join(', ')})` : ''}`,
      { path, restored, backups, cause },
    );
  }
  if (failure.code === 'ERR_WRITE_STAGE') throw failure;
  const all = list(files.map((f) => f.path));
  throw new FileWriteError(
    'ERR_WRITE_REPLACE',
    `${message}; ${files.length === 1 ? 'the previous file was' : 'the previous files were'} kept (${all}${restored.length > 0 ? `; ${list(restored)} put back` : ''})`,
    { path, restored, cause },
  );
}
