/**
 * The logger spiffe-kit writes to: `console`, winston, log4js and most loggers take the message
 * first (`warn(message, fields)`); pino and bunyan take the fields first (`warn(fields, message)`)
 * and drop the fields when called the other way round. {@link log} calls each in its own order:
 * pino loggers are recognised by pino's own brand, any other fields-first logger is wrapped with
 * {@link objectFirstLogger}.
 *
 * @module
 */

/**
 * A minimal logger interface: pass `console`, a winston or pino logger, or your own. Every method
 * is optional. Methods are called as `method(message, fields)` (the `fields` argument only when
 * there are fields), except on pino loggers, which are called as `method(fields, message)`. For
 * another logger that takes the fields first (bunyan, your own), wrap it with
 * {@link objectFirstLogger}. spiffe-kit never logs key material.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * await X509Source.create({ logger: console });
 * await X509Source.create({ logger: pino() });           // fields-first: recognised
 * await X509Source.create({ logger: winston.createLogger({ transports: [new winston.transports.Console()] }) });
 * ```
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A logger whose methods take the fields first and the message second, as pino's and bunyan's do.
 *
 * @example
 * ```ts
 * const fieldsFirst = { warn: (fields: Record<string, unknown>, message: string) => audit.write({ ...fields, message }) };
 * await X509Source.create({ logger: objectFirstLogger(fieldsFirst) });
 * ```
 */
export interface ObjectFirstLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
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

/** Set on every pino logger (and its children) since pino 5: lib/symbols.js `serializersSym`. */
const PINO_BRAND = Symbol.for('pino.serializers');
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Wraps a logger that takes `(fields, message)` (bunyan, a logger of your own) so that it can be
 * passed as `logger`. Not needed for pino, which is recognised; harmless on it.
 *
 * @example
 * ```ts
 * import bunyan from 'bunyan';
 * const source = await X509Source.create({ logger: objectFirstLogger(bunyan.createLogger({ name: 'web' })) });
 * ```
 */
export function objectFirstLogger(logger: ObjectFirstLogger): Logger {
  const wrapped: Record<string, unknown> = {};
  for (const level of LEVELS) {
    if (typeof logger[level] === 'function') {
      wrapped[level] = (message: string, fields?: Record<string, unknown>) => (logger[level] as NonNullable<ObjectFirstLogger['debug']>).call(logger, fields ?? {}, message);
    }
  }
  return Object.freeze(wrapped) as Logger;
}

function takesFieldsFirst(logger: object): boolean {
  return PINO_BRAND in logger;
}

/** Calls one logger method in the logger's own argument order, shielding the caller from a logger that throws. */
export function log(logger: Logger, level: keyof Logger, message: string, fields?: Record<string, unknown>): void {
  try {
    const fn = logger[level] as ((...args: unknown[]) => void) | undefined;
    if (typeof fn !== 'function') return;
    if (fields === undefined) fn.call(logger, message);
    else if (takesFieldsFirst(logger)) fn.call(logger, fields, message);
    else fn.call(logger, message, fields);
  } catch {
    // A broken logger must not break a source.
  }
}
