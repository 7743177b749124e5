/**
 * gRPC over `node:http2`: one HTTP/2 connection per channel, opened on first use and re-opened
 * after the server closes it; plaintext on a unix socket or TCP, or TLS on TCP with options made
 * by a function at every new connection (so a rotated SVID is presented by the next connection).
 * Used by the Workload API client (`workloadapi/client.ts`) and the registrar's SPIRE Server Entry
 * API client (`registrar/entry-api.ts`); it knows neither.
 *
 * Both need only a small part of gRPC: unary and server-streaming calls, no compression, no load
 * balancing, no name resolution beyond what `net.connect` does. Loading `@grpc/grpc-js` alone
 * would cost more than the cold-start budget of the first `X509Source.create()` in a process,
 * while `node:http2` is part of Node (figures: BENCHMARKS.md, "cold start"). What is implemented
 * here is the "gRPC over HTTP/2" wire protocol (grpc/grpc `doc/PROTOCOL-HTTP2.md`):
 *
 * - request: `POST /<service>/<rpc>` with `content-type: application/grpc`, `te: trailers`,
 *   `:scheme` `http` (plaintext) or `https` (TLS, ALPN `h2`), optional `grpc-timeout`, and extra
 *   headers (the Workload API's security header);
 * - messages: a 5-byte prefix (compressed flag, big-endian length) and the protobuf bytes;
 * - status: `grpc-status` / `grpc-message` (percent-encoded) in the trailers, or in the headers of
 *   a trailers-only response; an HTTP status other than 200 is mapped as the protocol says;
 * - a stream reset, a lost connection, a failed TLS handshake or a GOAWAY before the status are
 *   `UNAVAILABLE` (or the code the reset maps to), so that callers retry; the error behind it is
 *   the status's `cause`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from 'node:http2';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { GrpcStatus } from './status.js';

/**
 * Where a {@link GrpcChannel} connects: a unix socket (plaintext), or TCP, plaintext or, with
 * `tls`, TLS. `tls` is called for every new connection; the channel adds `host`, `port`,
 * `ALPNProtocols: ['h2']` and (for a host name) `servername`, and drops any `session` (a resumed
 * session would skip the certificate checks of `checkServerIdentity`). A Workload API
 * `EndpointAddress` is a `GrpcEndpoint`.
 */
export type GrpcEndpoint =
  | { readonly scheme: 'unix'; readonly path: string }
  | { readonly scheme: 'tcp'; readonly host: string; readonly port: number; readonly tls?: (() => ConnectionOptions) | undefined };

/**
 * How a call ended: a gRPC status code and its details.
 */
export interface CallStatus {
  readonly code: number;
  readonly details: string;
  /** For a status of ours (no connection, connection lost): the underlying error (`ENOENT`, `ECONNREFUSED`, …). */
  readonly cause?: Error | undefined;
}

/**
 * What a started call reports: each decoded response message, then its status, once, after the
 * last message. Nothing is reported after {@link ChannelCall.cancel}.
 */
export interface CallListener<T> {
  message(message: T): void;
  status(status: CallStatus): void;
}

/**
 * A started call: `cancel()` resets its stream, and its listener hears nothing more.
 */
export interface ChannelCall {
  cancel(): void;
}

/**
 * One RPC as the channel needs it: its path and how its messages are written and read.
 */
export interface ChannelMethod<Req, Res> {
  readonly path: string;
  requestSerialize(request: Req): Uint8Array;
  responseDeserialize(bytes: Buffer): Res;
}

/**
 * Options of {@link GrpcChannel}.
 */
export interface GrpcChannelOptions {
  /** Largest message accepted; a larger one ends the call with `RESOURCE_EXHAUSTED`. */
  readonly maxMessageBytes: number;
  /** Headers (gRPC metadata) sent with every call. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Who is at the other end, for messages (`the connection to <peer> was lost …`); default `the server`. */
  readonly peer?: string | undefined;
}

/**
 * Per-call options of {@link GrpcChannel.call}.
 */
export interface ChannelCallOptions {
  /** Sent as `grpc-timeout` so that the server gives up too; the caller keeps its own timer. */
  readonly timeoutMs?: number | undefined;
}

const USER_AGENT = 'spiffe-kit (node http2)';
/** Per-stream receive window: a large X509SVIDResponse arrives in few round trips. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

let http2Module: typeof import('node:http2') | undefined;
function http2(): typeof import('node:http2') {
  http2Module ??= createRequire(import.meta.url)('node:http2') as typeof import('node:http2');
  return http2Module;
}

let tlsModule: typeof import('node:tls') | undefined;
function tls(): typeof import('node:tls') {
  tlsModule ??= createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
  return tlsModule;
}

/**
 * A gRPC client channel over `node:http2` to one endpoint. Calls share one HTTP/2 connection,
 * opened on first use; when the server closes it, sends GOAWAY or the connection fails, the calls
 * on it end with `UNAVAILABLE` and the next call opens a new one (with fresh TLS options). The
 * connection keeps the process alive only while calls are open.
 */
export class GrpcChannel {
  readonly #endpoint: GrpcEndpoint;
  readonly #authority: string;
  readonly #scheme: 'http' | 'https';
  readonly #maxMessageBytes: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #peer: string;
  readonly #open = new Map<ClientHttp2Session, number>();
  #session: ClientHttp2Session | undefined;
  #closed = false;

  constructor(endpoint: GrpcEndpoint, options: GrpcChannelOptions) {
    this.#endpoint = endpoint;
    this.#authority = endpoint.scheme === 'unix' ? 'localhost' : endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
    this.#scheme = endpoint.scheme === 'tcp' && endpoint.tls !== undefined ? 'https' : 'http';
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#headers = options.headers ?? {};
    this.#peer = options.peer ?? 'the server';
  }

  /**
   * Starts a call with one request message. For a unary RPC the listener hears one message and
   * then the status; for a server stream, every message until the status.
   *
   * @throws {Error} when the channel is closed.
   */
  call<Req, Res>(method: ChannelMethod<Req, Res>, request: Req, listener: CallListener<Res>, options: ChannelCallOptions = {}): ChannelCall {
    if (this.#closed) throw new Error('the gRPC channel is closed');
    const body = method.requestSerialize(request);
    let session: ClientHttp2Session;
    try {
      session = this.#currentSession();
    } catch (err) {
      // No connection could be started (the TLS options could not be made, a bad address).
      return failLater(listener, err);
    }
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':scheme': this.#scheme,
      ':path': method.path,
      ':authority': this.#authority,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': USER_AGENT,
      ...this.#headers,
    };
    if (options.timeoutMs !== undefined) headers['grpc-timeout'] = grpcTimeout(options.timeoutMs);
    this.#retain(session);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (err) {
      // The session went away between the check and the request (destroyed, GOAWAY received).
      this.#release(session);
      return failLater(listener, err);
    }
    const call = new StreamCall<Res>(session, stream, method.responseDeserialize, listener, this.#maxMessageBytes, this.#peer, () => this.#release(session));
    stream.end(frame(body));
    return call;
  }

  /**
   * Closes the connection; open calls end silently (their callers cancel them first). Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.#open.keys()) session.destroy();
    this.#session?.destroy();
    this.#open.clear();
    this.#session = undefined;
  }

  #currentSession(): ClientHttp2Session {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2().connect(`${this.#scheme}://${this.#authority}`, {
      createConnection: () => this.#connect(),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
    });
    const forget = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    // Failures reach the calls through their streams; the session's own error must not throw.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', () => {
      forget();
      this.#open.delete(session);
    });
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(SESSION_WINDOW);
      } catch {
        // Only a larger window; the default works too.
      }
    });
    this.#session = session;
    return session;
  }

  /** The socket of a new connection; TLS options are made now, for this connection only. */
  #connect(): Socket {
    const endpoint = this.#endpoint;
    if (endpoint.scheme === 'unix') return netConnect({ path: endpoint.path });
    if (endpoint.tls === undefined) return netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    const options: ConnectionOptions = { ...endpoint.tls(), host: endpoint.host, port: endpoint.port, ALPNProtocols: ['h2'] };
    delete options.session;
    if (options.servername === undefined && isIP(endpoint.host) === 0) options.servername = endpoint.host;
    // gRPC needs HTTP/2 negotiated by ALPN (doc/PROTOCOL-HTTP2.md): checked in checkServerIdentity,
    // after the caller's own check, so that a refusal fails the handshake the way a bad
    // certificate does. (Destroying the socket in a 'secureConnect' listener instead crashes Node
    // 20: http2 then sets up a session on the destroyed socket.) Node calls it only with
    // `rejectUnauthorized` (the default) on a verified chain.
    const check = options.checkServerIdentity ?? tls().checkServerIdentity;
    const peer = this.#peer;
    const authority = this.#authority;
    options.checkServerIdentity = (hostname, cert) => {
      const refused = check(hostname, cert);
      if (refused !== undefined) return refused;
      // Called during the handshake, after `socket` below is set.
      const alpn = socket.alpnProtocol;
      return alpn === 'h2' ? undefined : new Error(`${peer} at ${authority} did not negotiate HTTP/2 (ALPN ${typeof alpn === 'string' ? JSON.stringify(alpn) : 'none'})`);
    };
    const socket: TLSSocket = tls().connect(options);
    socket.setNoDelay(true);
    return socket;
  }

  /** A session keeps the process alive while it has open calls. */
  #retain(session: ClientHttp2Session): void {
    const n = this.#open.get(session) ?? 0;
    this.#open.set(session, n + 1);
    if (n === 0) session.ref();
  }

  #release(session: ClientHttp2Session): void {
    const n = (this.#open.get(session) ?? 1) - 1;
    if (n > 0) {
      this.#open.set(session, n);
      return;
    }
    this.#open.delete(session);
    if (!session.destroyed) session.unref();
  }
}

/** One call's stream: frames in, messages out, one status at the end. */
class StreamCall<T> implements ChannelCall {
  readonly #stream: ClientHttp2Stream;
  readonly #session: ClientHttp2Session;
  readonly #decode: (bytes: Buffer) => T;
  readonly #listener: CallListener<T>;
  readonly #max: number;
  readonly #peer: string;
  readonly #onDone: () => void;
  #done = false;
  #status: CallStatus | undefined;
  #error: Error | undefined;
  #httpStatus: number | undefined;
  // Receive buffer: chunks not yet consumed, their length, and the length of the message being
  // read (-1 while reading a prefix).
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need = -1;

  constructor(session: ClientHttp2Session, stream: ClientHttp2Stream, decode: (bytes: Buffer) => T, listener: CallListener<T>, max: number, peer: string, onDone: () => void) {
    this.#session = session;
    this.#stream = stream;
    this.#decode = decode;
    this.#listener = listener;
    this.#max = max;
    this.#peer = peer;
    this.#onDone = onDone;
    stream.on('response', (headers) => this.#onResponse(headers));
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('trailers', (trailers) => this.#onTrailers(trailers));
    stream.on('error', (err: Error) => {
      this.#error ??= err;
    });
    stream.on('close', () => this.#onClose());
  }

  cancel(): void {
    if (this.#done) return;
    this.#finishSilently();
  }

  #onResponse(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    if (this.#done) return;
    this.#httpStatus = Number(headers[':status']);
    // A trailers-only response carries the status in the headers.
    if (headers['grpc-status'] !== undefined) {
      this.#status = readStatus(headers);
      return;
    }
    if (this.#httpStatus !== 200) {
      this.#fail(httpStatusToGrpc(this.#httpStatus), `Received HTTP status code ${this.#httpStatus}`);
      return;
    }
    const type = headers['content-type'];
    if (typeof type !== 'string' || !/^application\/grpc([+;]|$)/.test(type)) {
      this.#fail(GrpcStatus.UNKNOWN, `the server answered with content-type ${JSON.stringify(type ?? '')}, not application/grpc`);
    }
  }

  #onTrailers(trailers: IncomingHttpHeaders): void {
    if (this.#done) return;
    this.#status = readStatus(trailers);
  }

  #onData(chunk: Buffer): void {
    if (this.#done) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#done) {
      if (this.#need < 0) {
        if (this.#buffered < 5) return;
        const prefix = this.#take(5);
        const flag = prefix[0] as number;
        const length = prefix.readUInt32BE(1);
        if (flag !== 0) {
          this.#fail(
            GrpcStatus.INTERNAL,
            flag === 1 ? 'the server sent a compressed message, but none was asked for' : `invalid message prefix (flag ${flag})`,
          );
          return;
        }
        if (length > this.#max) {
          this.#fail(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.#max})`);
          return;
        }
        this.#need = length;
      }
      if (this.#buffered < this.#need) return;
      const bytes = this.#take(this.#need);
      this.#need = -1;
      let message: T;
      try {
        message = this.#decode(bytes);
      } catch (err) {
        this.#fail(GrpcStatus.INTERNAL, `Response message parsing error: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.#listener.message(message);
    }
  }

  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.#chunks[0] as Buffer;
        const used = Math.min(c.length, n - at);
        c.copy(out, at, 0, used);
        at += used;
        if (used === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(used);
      }
    }
    this.#buffered -= n;
    return out;
  }

  #onClose(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onDone();
    this.#listener.status(this.#finalStatus());
  }

  #finalStatus(): CallStatus {
    if (this.#status !== undefined) {
      if (this.#status.code === GrpcStatus.OK && this.#buffered > 0) {
        return { code: GrpcStatus.INTERNAL, details: `Response message parsing error: the stream ended inside a message (${this.#buffered} bytes left over)` };
      }
      return this.#status;
    }
    const rst = this.#stream.rstCode;
    const { constants } = http2();
    const err = this.#error as (Error & { code?: unknown; cause?: unknown }) | undefined;
    if (err !== undefined) {
      // The server reset the stream: its code says what happened. Anything else (no connection,
      // connection lost, GOAWAY, a pending stream cancelled by a failed connect) is UNAVAILABLE.
      if (err.code === 'ERR_HTTP2_STREAM_ERROR' && rst !== undefined && rst !== constants.NGHTTP2_NO_ERROR) return rstStatus(rst, err.message);
      const cause = err.cause instanceof Error ? err.cause : err;
      return { code: GrpcStatus.UNAVAILABLE, details: cause.message, cause };
    }
    // A lost connection closes its streams with CANCEL and no error.
    if (this.#session.destroyed) return { code: GrpcStatus.UNAVAILABLE, details: `the connection to ${this.#peer} was lost before the call ended` };
    if (rst !== undefined && rst !== constants.NGHTTP2_NO_ERROR) return rstStatus(rst, `Received RST_STREAM with code ${rst}`);
    if (this.#httpStatus === undefined) return { code: GrpcStatus.UNAVAILABLE, details: 'the connection closed before the server answered' };
    return { code: GrpcStatus.UNKNOWN, details: 'the server ended the call without a gRPC status' };
  }

  /** Ends the call with a status of ours and resets the stream. */
  #fail(code: number, details: string): void {
    this.#finishSilently();
    this.#listener.status({ code, details });
  }

  #finishSilently(): void {
    this.#done = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.#onDone();
    const stream = this.#stream;
    if (!stream.destroyed && !stream.closed) stream.close(http2().constants.NGHTTP2_CANCEL);
  }
}

/** A call that could not start: its listener hears `UNAVAILABLE` (with the error as cause) in a microtask, unless cancelled. */
function failLater(listener: CallListener<unknown>, err: unknown): ChannelCall {
  const details = err instanceof Error ? err.message : String(err);
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) listener.status({ code: GrpcStatus.UNAVAILABLE, details, ...(err instanceof Error ? { cause: err } : {}) });
  });
  return { cancel: () => void (cancelled = true) };
}

/** The 5-byte prefix and the message, in one buffer. */
function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** `grpc-timeout`: at most 8 digits and a unit. */
function grpcTimeout(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  if (n < 1e8) return `${n}m`;
  return `${Math.min(99_999_999, Math.ceil(n / 1000))}S`;
}

function readStatus(headers: IncomingHttpHeaders): CallStatus {
  const raw = headers['grpc-status'];
  const code = typeof raw === 'string' && /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
  const message = headers['grpc-message'];
  const details = typeof message === 'string' ? percentDecode(message) : '';
  if (!Number.isInteger(code) || code > 16) {
    return { code: GrpcStatus.UNKNOWN, details: `invalid grpc-status ${JSON.stringify(raw ?? '')}${details === '' ? '' : `: ${details}`}` };
  }
  return { code, details };
}

function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The HTTP → gRPC status mapping of the gRPC protocol, for responses that are not gRPC. */
function httpStatusToGrpc(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** RST_STREAM error codes as gRPC statuses (REFUSED_STREAM is safe to retry). */
function rstStatus(rst: number, details: string): CallStatus {
  const { constants } = http2();
  switch (rst) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return { code: GrpcStatus.UNAVAILABLE, details };
    case constants.NGHTTP2_CANCEL:
      return { code: GrpcStatus.CANCELLED, details };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: GrpcStatus.RESOURCE_EXHAUSTED, details };
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return { code: GrpcStatus.PERMISSION_DENIED, details };
    default:
      return { code: GrpcStatus.INTERNAL, details };
  }
}
