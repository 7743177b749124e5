// Real reasons for a file write to fail, that hold even as root (where chmod stops nothing).
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onCleanup } from './scratch.js';

/**
 * Makes the file at `path` impossible to replace, link or remove, keeping it in place: the
 * immutable attribute (`chattr +i`; needs CAP_LINUX_IMMUTABLE and a file system that has it, as
 * ext4, xfs, btrfs, tmpfs). Returns the function that lifts it (also run at cleanup), or
 * `undefined` where the attribute cannot be set.
 */
export function makeImmutable(path: string): (() => void) | undefined {
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  let lifted = false;
  const lift = (): void => {
    if (lifted) return;
    lifted = true;
    execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  };
  onCleanup(lift);
  return lift;
}

/** Puts a non-empty directory where the file `path` was: renaming a file over it fails (EISDIR). */
export async function blockWithDirectory(path: string): Promise<() => Promise<void>> {
  await rm(path, { force: true });
  await mkdir(path);
  await writeFile(join(path, 'occupied'), 'x');
  return () => rm(path, { recursive: true, force: true });
}

/**
 * Makes `path` unreplaceable: immutable where possible (the previous file stays readable), else a
 * non-empty directory in its place. Resolves with how, and the function that undoes it.
 */
export async function unreplaceable(path: string): Promise<{ how: 'immutable' | 'directory'; undo: () => Promise<void> }> {
  const lift = makeImmutable(path);
  if (lift !== undefined) return { how: 'immutable', undo: async () => lift() };
  return { how: 'directory', undo: await blockWithDirectory(path) };
}
