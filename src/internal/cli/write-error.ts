import { SpiffeError } from '../../errors.js';

/**
 * Codes of {@link FileWriteError}:
 *
 * - `ERR_WRITE_STAGE`: a file could not be prepared (its directory created, its temporary file
 *   written and flushed). Nothing was replaced: every previous file is as it was.
 * - `ERR_WRITE_REPLACE`: a file could not be replaced (or its previous version kept aside). The
 *   files already replaced were put back: every previous file is as it was.
 * - `ERR_WRITE_ROLLBACK`: a file could not be replaced, and putting back one already replaced
 *   failed too: the files may not match. {@link FileWriteError.backups} says where the previous
 *   versions were left.
 */
export type FileWriteErrorCode = 'ERR_WRITE_STAGE' | 'ERR_WRITE_REPLACE' | 'ERR_WRITE_ROLLBACK';

/**
 * A set of files could not be written all together. `path` is the file that failed; unless the
 * code is `ERR_WRITE_ROLLBACK`, every file of the set is back to its previous version (`kept`).
 */
export class FileWriteError extends SpiffeError {
  declare readonly code: FileWriteErrorCode;
  /** The file whose write, backup or replacement failed. */
  readonly path: string;
  /** Whether every file of the set is at its previous version (or still absent). */
  readonly kept: boolean;
  /** Files replaced then put back (rolled back). */
  readonly restored: readonly string[];
  /** With `ERR_WRITE_ROLLBACK`: file → where its previous version was left. */
  readonly backups: Readonly<Record<string, string>>;

  constructor(
    code: FileWriteErrorCode,
    message: string,
    context: { path: string; restored?: readonly string[]; backups?: Readonly<Record<string, string>>; cause?: unknown },
  ) {
    super(code, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.path = context.path;
    this.kept = code !== 'ERR_WRITE_ROLLBACK';
    this.restored = context.restored ?? [];
    this.backups = context.backups ?? {};
  }
}
