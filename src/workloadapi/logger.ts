/**
 * A minimal logger interface: pass `console`, a pino/winston logger, or your own. Every method is
 * optional. spiffe-kit never logs key material.
 *
 * @example
 * ```ts
 * const source = await X509Source.create({ logger: console });
 * ```
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The default logger: says nothing.
 *
 * @example
 * ```ts
 * await X509Source.create({ logger: silentLogger });
 * ```
 */
export const silentLogger: Logger = Object.freeze({});

/** Calls one logger method, shielding the caller from a logger that throws. */
export function log(logger: Logger, level: keyof Logger, message: string, fields?: Record<string, unknown>): void {
  try {
    const fn = logger[level];
    if (typeof fn === 'function') fn.call(logger, message, fields);
  } catch {
    // A broken logger must not break a source.
  }
}
