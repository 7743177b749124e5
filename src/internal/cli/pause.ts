/**
 * The CLI's retry wait, shared by `spiffe health --wait` and the one-shot commands' `--wait`.
 *
 * @internal
 * @module
 */

/** @internal Sleeps `ms`; resolves `false` when `signal` fires first (and `true` otherwise). */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
