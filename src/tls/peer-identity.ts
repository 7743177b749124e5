/**
 * Where a verified peer identity is kept: on the TLS socket, readable from a socket, an HTTP
 * request, an HTTP/2 request or stream.
 *
 * @module
 */
import type { SpiffeId } from '../spiffeid/spiffe-id.js';

/** Read through http2's socket proxy too (the proxy forwards property reads to the socket). */
const PEER_ID = Symbol('spiffe-kit.peerSpiffeId');
const bySocket = new WeakMap<object, SpiffeId>();

/** @internal Records the verified ID of a TLS socket. */
export function setPeerSpiffeId(socket: object, id: SpiffeId): void {
  bySocket.set(socket, id);
  Object.defineProperty(socket, PEER_ID, { value: id, enumerable: false, configurable: true });
}

function lookup(candidate: unknown): SpiffeId | undefined {
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const direct = bySocket.get(candidate);
  if (direct !== undefined) return direct;
  try {
    const viaProxy = (candidate as Record<symbol, unknown>)[PEER_ID];
    return viaProxy === undefined ? undefined : (viaProxy as SpiffeId);
  } catch {
    return undefined;
  }
}

/**
 * Something that leads to a TLS socket: the socket, an `IncomingMessage`, an
 * `Http2ServerRequest`, an `Http2Stream`, an `Http2Session`, or a grpc-js server call.
 *
 * @example
 * ```ts
 * createHttpsServer(source, authorizeMemberOf('example.org'), (req, res) => res.end(peerSpiffeId(req)?.toString())); // IncomingMessage
 * http2Server.on('stream', (stream) => console.log(peerSpiffeId(stream)?.toString()));                            // Http2Stream
 * ```
 */
export type PeerCarrier = object;

/**
 * The SPIFFE ID of the peer, as verified and authorized by the spiffe-kit server helpers or client
 * agents, or `undefined` when the connection was not set up by them.
 *
 * @param from - a request (`IncomingMessage`, http2 request or stream), a TLS socket, an http2 session or a grpc-js call.
 * @example
 * ```ts
 * import { createHttpsServer, peerSpiffeId, authorizeMemberOf } from 'spiffe-kit';
 * const server = createHttpsServer(source, authorizeMemberOf('example.org'), (req, res) => {
 *   res.end(`hello ${peerSpiffeId(req)}`);
 * });
 * ```
 */
export function peerSpiffeId(from: PeerCarrier): SpiffeId | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [from];
  while (queue.length > 0) {
    const item = queue.shift();
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    seen.add(item);
    const id = lookup(item);
    if (id !== undefined) return id;
    const o = item as Record<'socket' | 'stream' | 'session' | 'call' | 'nextCall', unknown>;
    // grpc-js: handler call -> intercepting calls (`call`, `nextCall`) -> base call `stream` -> session.
    for (const key of ['socket', 'stream', 'session', 'call', 'nextCall'] as const) {
      try {
        const next = o[key];
        if (next !== undefined) queue.push(next);
      } catch {
        // http2 socket proxies throw once the session is gone
      }
    }
    if (seen.size > 16) break;
  }
  return undefined;
}
