/**
 * Writing credential files the safe way: each file goes to a temporary name in the same
 * directory (created exclusively, with its final mode), is flushed to disk, and only then
 * renamed over the old one, so a reader never sees a half-written or world-readable key.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * One file to write.
 *
 * @example
 * ```ts
 * const key: FileToWrite = { path: '/run/certs/svid_key.pem', contents: pem, mode: 0o600 };
 * ```
 */
export interface FileToWrite {
  readonly path: string;
  readonly contents: string;
  /** File mode (default 0o644); 0o600 for private keys. */
  readonly mode?: number | undefined;
}

/**
 * Writes every file to a temporary sibling first, then renames them all into place one after
 * the other (so a set of files, like a certificate and its key, changes together as closely as
 * the file system allows). Directories that do not exist are created with mode 0o700. On
 * failure, the temporary files are removed and the old files stay as they were.
 *
 * @example
 * ```ts
 * await writeFilesAtomically([
 *   { path: 'certs/svid.pem', contents: svid.certificatesPem },
 *   { path: 'certs/svid_key.pem', contents: svid.marshal().privateKey, mode: 0o600 },
 * ]);
 * ```
 */
export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const staged: Array<{ temp: string; path: string }> = [];
  try {
    for (const file of files) {
      const dir = dirname(file.path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = join(dir, `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      const mode = file.mode ?? 0o644;
      // 'wx': fail rather than follow a symlink or reuse a file someone planted at the temp name.
      const handle = await open(temp, 'wx', mode);
      staged.push({ temp, path: file.path });
      try {
        await handle.writeFile(file.contents, 'utf8');
        // The umask may have removed bits; never added any. Set the exact mode.
        await handle.chmod(mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    while (staged.length > 0) {
      const next = staged[0] as { temp: string; path: string };
      await rename(next.temp, next.path);
      staged.shift();
    }
  } finally {
    for (const { temp } of staged) await unlink(temp).catch(() => undefined);
  }
}
