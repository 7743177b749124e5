/**
 * What a refused mTLS client is told. Node cannot send a TLS alert once the handshake is done
 * (the SPIFFE check runs after it: Node has no hook during it), so a refused client would only see
 * its connection reset. Where the protocol has a way to say "refused" without reading the request,
 * the server helpers use it, then close:
 *
 * - HTTP/1.1 (an https server, or ALPN `http/1.1`): `403 Forbidden` with `Connection: close` and a
 *   `spiffe-refusal: <code>` header, written at once; the request is never parsed.
 * - HTTP/2 (ALPN `h2`): the server preface (an empty SETTINGS frame) and a GOAWAY frame with last
 *   stream ID 0 (no stream was processed), error code INADEQUATE_SECURITY (0xc, RFC 9113 §7) and the
 *   code as debug data; no frame of the client is read.
 * - Anything else (a `tls` server's own protocol): a clean TLS close (close_notify), no data.
 *
 * The answer carries only the error code, never the rule or the IDs the server accepts. What the
 * client sends meanwhile is read and discarded (so that closing does not reset the connection
 * before the client read the answer), up to 64 KiB or 5 s.
 *
 * @module
 */
import type { TLSSocket } from 'node:tls';

/** Bytes of a refused client that are read and dropped before the socket is destroyed. */
const DRAIN_BYTES = 64 * 1024;
/** How long a refused client has to read the answer and close, in ms. */
const DRAIN_MS = 5_000;

/** HTTP/2 INADEQUATE_SECURITY (RFC 9113 §7). */
const H2_INADEQUATE_SECURITY = 0x0c;

/** @internal The response head and body a refused HTTP/1.1 client gets. */
export function http1Refusal(code: string): string {
  const body = `Forbidden: this server did not authorize the client's X.509-SVID (${code})\n`;
  return (
    'HTTP/1.1 403 Forbidden\r\n' +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `spiffe-refusal: ${code}\r\n` +
    'connection: close\r\n' +
    '\r\n' +
    body
  );
}

/** @internal An empty SETTINGS frame then GOAWAY(last stream 0, INADEQUATE_SECURITY, debug data `code`). */
export function http2Refusal(code: string): Buffer {
  const debug = Buffer.from(code, 'latin1');
  const settings = Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]);
  const goaway = Buffer.alloc(9 + 8 + debug.length);
  goaway.writeUIntBE(8 + debug.length, 0, 3); // length
  goaway[3] = 0x07; // type GOAWAY
  goaway[4] = 0; // flags
  goaway.writeUInt32BE(0, 5); // stream 0
  goaway.writeUInt32BE(0, 9); // last stream ID: none processed
  goaway.writeUInt32BE(H2_INADEQUATE_SECURITY, 13);
  debug.copy(goaway, 17);
  return Buffer.concat([settings, goaway]);
}

/**
 * @internal Answers a refused client as the module notes say, then closes its socket. `http1`:
 * the server speaks HTTP/1.1 when no ALPN protocol was agreed (an https server).
 */
export function refuseClient(socket: TLSSocket, code: string, http1: boolean): void {
  socket.on('error', () => {}); // a client that resets after the answer must not crash the server
  if (socket.destroyed) return;
  const alpn = socket.alpnProtocol;
  let drained = 0;
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) socket.destroy();
  });
  try {
    if (alpn === 'h2') socket.end(http2Refusal(code));
    else if (alpn === 'http/1.1' || (http1 && !alpn)) socket.end(http1Refusal(code));
    else socket.end();
  } catch {
    socket.destroy();
  }
}
