// Per-test resources that clean themselves up: a scratch directory, a test Workload API, and a
// polling wait. Register `runCleanup` in afterEach.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkloadApi } from '../../src/testing/index.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];

/** Runs and forgets every registered cleanup, last first. */
export async function runCleanup(): Promise<void> {
  while (cleanup.length > 0) await cleanup.pop()?.();
}

/** Registers `fn` to run at the next {@link runCleanup}. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanup.push(fn);
}

/** A new empty directory, removed at cleanup. */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A test Workload API (trust domain example.org unless given), closed at cleanup. */
export async function testAgent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start({ trustDomain: 'example.org', ...options });
  onCleanup(() => api.close());
  return api;
}

/** Polls `predicate` every 25 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
