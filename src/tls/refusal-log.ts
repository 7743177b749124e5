/**
 * Every refused TLS peer is logged, through the logger of the source the helper was given (an
 * `X509Source`'s `logger` option) unless the helper was given its own: a refusal is never silent
 * on the side that refuses.
 *
 * @module
 */
import { type Logger, log, silentLogger } from '../workloadapi/logger.js';
import { authorizeObserved, publishRefused } from './authorize-events.js';
import { AuthorizationError } from './errors.js';

/** @internal The logger a source carries (`X509Source.logger`), else the silent one. */
export function loggerOf(source: unknown): Logger {
  try {
    const logger = (source as { logger?: unknown } | null | undefined)?.logger;
    return logger !== null && typeof logger === 'object' ? (logger as Logger) : silentLogger;
  } catch {
    return silentLogger;
  }
}

/** @internal Where the refused peer is: the socket's remote end, or (client side) the host dialled. */
export interface RefusedPeer {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** Client side: the host name or address that was dialled. */
  readonly host?: string | undefined;
}

/**
 * @internal Logs one refusal at `warn`: `side` is who refused (`server`: a client was refused;
 * `client`: the server was). Fields: `code`, `peerId` and `rule` when the ID was verified,
 * `remoteAddress` / `remotePort` (or `host`), `error`. Never key material.
 */
export function logRefusal(logger: Logger, side: 'server' | 'client', error: unknown, peer: RefusedPeer = {}): void {
  if (authorizeObserved()) publishRefused(side, error, peer);
  if (logger === silentLogger) return;
  const err = error instanceof Error ? error : new Error(String(error));
  const fields: Record<string, unknown> = { side, code: (err as { code?: unknown }).code ?? 'ERR_UNKNOWN' };
  if (err instanceof AuthorizationError) {
    fields.peerId = err.peerId.toString();
    fields.rule = err.rule;
  }
  if (peer.remoteAddress !== undefined) fields.remoteAddress = peer.remoteAddress;
  if (peer.remotePort !== undefined) fields.remotePort = peer.remotePort;
  if (peer.host !== undefined) fields.host = peer.host;
  fields.error = err.message;
  const where = peer.remoteAddress !== undefined ? ` ${peer.remoteAddress}${peer.remotePort === undefined ? '' : `:${peer.remotePort}`}` : peer.host !== undefined ? ` ${peer.host}` : '';
  log(logger, 'warn', `mTLS: refused the ${side === 'server' ? 'client' : 'server'}${where}: ${err.message}`, fields);
}
