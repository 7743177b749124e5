/**
 * A client of the SPIRE Server Entry API (`spire.api.server.entry.v1.Entry`): over the server's
 * admin unix socket (plaintext; whoever can open the socket has full access), or over TCP with
 * mTLS using an admin X509-SVID from an `X509Source`, the server authorized as
 * `spiffe://<trust domain>/spire/server`.
 *
 * The transport is spiffe-kit's own gRPC over `node:http2` (`internal/grpc/channel.ts`, shared with
 * the Workload API client); no `@grpc/grpc-js`. Over TCP every new connection reads the source's
 * current SVID and bundles (`tls/client-connect.ts`), so a rotated admin SVID is presented by the
 * next connection; the server's SVID is verified and authorized by spiffe-kit's TLS checks
 * (`spiffeCheckServerIdentity`: only an authorizer's `true` allows). The messages are the generated ones of
 * `src/gen/spire/api/server/entry/v1/entry.ts` (see `./server-entry.ts`).
 *
 * @module
 */
import { SpiffeError } from '../errors.js';
import { type CallStatus, type ChannelCall, GrpcChannel, type GrpcEndpoint } from '../internal/grpc/channel.js';
import { GrpcStatus, grpcStatusName } from '../internal/grpc/status.js';
import { authorizeId } from '../tls/authorizer.js';
import { clientSecureContext, mtlsClientConnectOptions } from '../tls/client-connect.js';
import type { X509TlsSource } from '../tls/source.js';
import {
  BatchCreateEntryRequest,
  BatchCreateEntryResponse,
  BatchDeleteEntryRequest,
  BatchDeleteEntryResponse,
  BatchUpdateEntryRequest,
  BatchUpdateEntryResponse,
  ListEntriesRequest,
  ListEntriesResponse,
} from '../gen/spire/api/server/entry/v1/entry.js';
import type { EntryMask, ServerEntry } from './server-entry.js';

/**
 * Codes of {@link EntryApiError}:
 *
 * - `ERR_ENTRY_API_ADDRESS`: the server address is not usable (empty, not `host:port`, or TCP without an X509 source);
 * - `ERR_ENTRY_API_UNAVAILABLE`: the server could not be reached (socket missing, refused, deadline,
 *   or the TLS handshake failed: the `cause` says why, e.g. a `TlsError` when the server's SPIFFE ID
 *   is not the one expected);
 * - `ERR_ENTRY_API_PERMISSION_DENIED`: the server refused the caller (not admin, or no access to the socket);
 * - `ERR_ENTRY_API_CALL_FAILED`: any other failure of the RPC itself;
 * - `ERR_ENTRY_API_RESPONSE`: the response does not match the request (wrong number of results);
 * - `ERR_ENTRY_API_CLOSED`: the client was closed (before or during the call).
 *
 * @example
 * ```ts
 * import { EntryApiClient, EntryApiError } from 'spiffe-kit/registrar';
 * const client = new EntryApiClient({ address: 'unix:///tmp/spire-server/private/api.sock' });
 * try {
 *   await client.listEntries();
 * } catch (err) {
 *   if (!(err instanceof EntryApiError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_ENTRY_API_UNAVAILABLE':
 *       console.error(`is the SPIRE server running? ${err.message}`, err.cause);
 *       break;
 *     case 'ERR_ENTRY_API_PERMISSION_DENIED':
 *       console.error('use the admin socket, or an admin SPIFFE ID over TCP');
 *       break;
 *     default:
 *       throw err;
 *   }
 * } finally {
 *   client.close();
 * }
 * ```
 */
export type EntryApiErrorCode =
  | 'ERR_ENTRY_API_ADDRESS'
  | 'ERR_ENTRY_API_UNAVAILABLE'
  | 'ERR_ENTRY_API_PERMISSION_DENIED'
  | 'ERR_ENTRY_API_CALL_FAILED'
  | 'ERR_ENTRY_API_RESPONSE'
  | 'ERR_ENTRY_API_CLOSED';

/**
 * A failure to talk to the SPIRE Server Entry API. The message names the server address and the
 * RPC; {@link EntryApiError.grpcCode} is the gRPC status code when the call failed.
 *
 * @example
 * ```ts
 * try {
 *   await client.listEntries();
 * } catch (err) {
 *   if (err instanceof EntryApiError && err.code === 'ERR_ENTRY_API_UNAVAILABLE') console.error(err.message);
 * }
 * ```
 */
export class EntryApiError extends SpiffeError {
  declare readonly code: EntryApiErrorCode;
  /** The server address (`unix:///…` or `host:port`). */
  readonly address: string;
  /** The RPC, when a call failed. */
  readonly rpc: string | undefined;
  /** The gRPC status code, when a call failed. */
  readonly grpcCode: number | undefined;
  /** The gRPC status name (`UNAVAILABLE`, `PERMISSION_DENIED`, …), when `grpcCode` is set. */
  readonly grpcStatus: string | undefined;

  constructor(code: EntryApiErrorCode, message: string, details: { address: string; rpc?: string; grpcCode?: number; cause?: unknown }) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.address = details.address;
    this.rpc = details.rpc;
    this.grpcCode = details.grpcCode;
    this.grpcStatus = details.grpcCode === undefined ? undefined : grpcStatusName(details.grpcCode);
  }
}

/**
 * Options of {@link EntryApiClient}.
 *
 * @example
 * ```ts
 * import { X509Source } from 'spiffe-kit';
 * import { EntryApiClient } from 'spiffe-kit/registrar';
 * const local = new EntryApiClient({ address: 'unix:///tmp/spire-server/private/api.sock' });
 * const remote = new EntryApiClient({ address: 'spire-server:8081', x509Source: await X509Source.create(), timeoutMs: 10_000 });
 * ```
 */
export interface EntryApiClientOptions {
  /**
   * `unix:///path/api.sock` (or an absolute path) for the admin socket, or `host:port`
   * (`[::1]:8081` for IPv6) for TCP with mTLS (then `x509Source` is required).
   */
  readonly address: string;
  /** The source of the admin X509-SVID and the bundle, for TCP; read again for every new connection. */
  readonly x509Source?: X509TlsSource | undefined;
  /** The server's trust domain (default: that of the source's SVID), for TCP. */
  readonly trustDomain?: string | undefined;
  /** Deadline of each RPC in milliseconds (default 30 000). */
  readonly timeoutMs?: number | undefined;
  /** Page size of {@link EntryApiClient.listEntries} (default 500). */
  readonly pageSize?: number | undefined;
}

/**
 * Per-item results of a batch create or update, in the order of the request.
 *
 * @example
 * ```ts
 * const results: EntryResults = await client.batchCreate([entry]);
 * for (const r of results) if (r.status?.code !== 0) console.error(r.status?.message);

 * ```
 */
export type EntryResults = BatchCreateEntryResponse['results'];

/**
 * Per-item results of a batch delete, in the order of the request.
 *
 * @example
 * ```ts
 * const results: DeleteResults = await client.batchDelete(['spiffe-kit.ab12']);
 * ```
 */
export type DeleteResults = BatchDeleteEntryResponse['results'];

const SERVICE = '/spire.api.server.entry.v1.Entry';
/** The largest response accepted (grpc-js's default receive limit, which the client had before). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * `address` as a gRPC target: absolute paths and `unix:` URIs become `unix:<path>`; anything else
 * is TCP (`host:port`).
 */
export function entryApiTarget(address: string): { target: string; unix: boolean } {
  const a = address.trim();
  if (a === '') throw new EntryApiError('ERR_ENTRY_API_ADDRESS', 'the SPIRE server address is empty', { address });
  if (a.startsWith('unix://')) return { target: `unix:${a.slice('unix://'.length)}`, unix: true };
  if (a.startsWith('unix:')) return { target: a, unix: true };
  if (a.startsWith('/')) return { target: `unix:${a}`, unix: true };
  return { target: a, unix: false };
}

/** `host:port` or `[v6]:port` → host and port, or an `ERR_ENTRY_API_ADDRESS`. */
function tcpHostPort(target: string, address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(target);
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || !(port >= 1 && port <= 65_535)) {
    throw new EntryApiError('ERR_ENTRY_API_ADDRESS', `the SPIRE server address ${JSON.stringify(address)} is neither a unix socket (unix:///path, /path) nor host:port (port 1-65535; [::1]:8081 for IPv6)`, { address });
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * A client of the SPIRE Server Entry API. Call {@link EntryApiClient.close} when done.
 *
 * @example
 * ```ts
 * const client = new EntryApiClient({ address: 'unix:///tmp/spire-server/private/api.sock' });
 * try {
 *   const entries = await client.listEntries();
 *   console.log(entries.length);
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class EntryApiClient {
  /** The server address as given. */
  readonly address: string;
  readonly #channel: GrpcChannel;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  /** Calls in flight: `close()` rejects each with `ERR_ENTRY_API_CLOSED`. */
  readonly #inflight = new Set<(err: EntryApiError) => void>();
  #closed = false;

  constructor(options: EntryApiClientOptions) {
    this.address = options.address;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#pageSize = options.pageSize ?? 500;
    const { target, unix } = entryApiTarget(options.address);
    let endpoint: GrpcEndpoint;
    if (unix) endpoint = { scheme: 'unix', path: target.slice('unix:'.length) };
    else {
      const source = options.x509Source;
      if (source === undefined) {
        throw new EntryApiError('ERR_ENTRY_API_ADDRESS', `the SPIRE server at ${options.address} is TCP: an x509Source with an admin SVID is needed (or use the admin unix socket)`, { address: options.address });
      }
      const { host, port } = tcpHostPort(target, options.address);
      const td = options.trustDomain ?? source.getX509Svid().id.trustDomain.toString();
      const authorizer = authorizeId(`spiffe://${td}/spire/server`);
      // Made for each new connection: the current admin SVID and bundles, the server's SVID
      // verified and authorized in checkServerIdentity (a refusal fails the handshake).
      const tls = () => ({ ...mtlsClientConnectOptions(source, authorizer), secureContext: clientSecureContext(source, true) });
      endpoint = { scheme: 'tcp', host, port, tls };
    }
    this.#channel = new GrpcChannel(endpoint, { maxMessageBytes: MAX_MESSAGE_BYTES, peer: 'the SPIRE server' });
  }

  /**
   * Every entry the server holds, page by page.
   *
   * @example
   * ```ts
   * const owned = (await client.listEntries()).filter((e) => e.id.startsWith('spiffe-kit.'));
   * ```
   */
  async listEntries(options: { outputMask?: EntryMask } = {}): Promise<ServerEntry[]> {
    const all: ServerEntry[] = [];
    let pageToken = '';
    for (let page = 0; ; page++) {
      const res = await this.#call('ListEntries', (v) => ListEntriesRequest.encode(v).finish(), (b) => ListEntriesResponse.decode(b), { filter: undefined, output_mask: options.outputMask, page_size: this.#pageSize, page_token: pageToken });
      all.push(...res.entries);
      if (res.next_page_token === '' || res.next_page_token === pageToken) return all;
      if (page > 1_000_000) throw new EntryApiError('ERR_ENTRY_API_RESPONSE', `ListEntries on ${this.address} never ends`, { address: this.address, rpc: 'ListEntries' });
      pageToken = res.next_page_token;
    }
  }

  /**
   * Creates entries; one result per entry (status code 0, or 6 ALREADY_EXISTS with the existing entry, …).
   *
   * @example
   * ```ts
   * const [r] = await client.batchCreate([{ ...emptyServerEntry(), spiffe_id: spiffeIdMessage(id), parent_id: spiffeIdMessage(parent), selectors }]);
   * ```
   */
  async batchCreate(entries: ServerEntry[]): Promise<EntryResults> {
    const res = await this.#call('BatchCreateEntry', (v) => BatchCreateEntryRequest.encode(v).finish(), (b) => BatchCreateEntryResponse.decode(b), { entries, output_mask: undefined });
    this.#checkCount('BatchCreateEntry', res.results.length, entries.length);
    return res.results;
  }

  /**
   * Updates entries (by ID) in the fields of `inputMask`; one result per entry.
   *
   * @example
   * ```ts
   * await client.batchUpdate([{ ...current, hint: 'internal' }], { ...emptyEntryMask(), hint: true });
   * ```
   */
  async batchUpdate(entries: ServerEntry[], inputMask?: EntryMask): Promise<EntryResults> {
    const res = await this.#call('BatchUpdateEntry', (v) => BatchUpdateEntryRequest.encode(v).finish(), (b) => BatchUpdateEntryResponse.decode(b), { entries, input_mask: inputMask, output_mask: undefined });
    this.#checkCount('BatchUpdateEntry', res.results.length, entries.length);
    return res.results;
  }

  /**
   * Deletes entries by ID; one result per ID (code 5 NOT_FOUND when already gone).
   *
   * @example
   * ```ts
   * const results = await client.batchDelete(['spiffe-kit.ab12']);
   * ```
   */
  async batchDelete(ids: string[]): Promise<DeleteResults> {
    const res = await this.#call('BatchDeleteEntry', (v) => BatchDeleteEntryRequest.encode(v).finish(), (b) => BatchDeleteEntryResponse.decode(b), { ids });
    this.#checkCount('BatchDeleteEntry', res.results.length, ids.length);
    return res.results;
  }

  /**
   * Closes the connection; calls in flight reject with `ERR_ENTRY_API_CLOSED`, and so does every
   * later call. Idempotent.
   *
   * @example
   * ```ts
   * client.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = this.#closedError();
    for (const fail of [...this.#inflight]) fail(err);
    this.#channel.close();
  }

  #closedError(rpc?: string): EntryApiError {
    return new EntryApiError('ERR_ENTRY_API_CLOSED', `${rpc === undefined ? 'the' : `${rpc} on the`} Entry API client of the SPIRE server at ${this.address} is closed`, { address: this.address, ...(rpc === undefined ? {} : { rpc }) });
  }

  #checkCount(rpc: string, got: number, want: number): void {
    if (got !== want) {
      throw new EntryApiError('ERR_ENTRY_API_RESPONSE', `${rpc} on ${this.address} returned ${got} results for ${want} items`, { address: this.address, rpc });
    }
  }

  /**
   * One unary RPC: sends `value`, resolves with the one response message. The deadline goes to the
   * server as `grpc-timeout` and is kept by a timer here too (a server or connection that never
   * answers still ends the call).
   */
  #call<Req, Res>(rpc: string, encode: (value: Req) => Uint8Array, decode: (bytes: Buffer) => Res, value: Req): Promise<Res> {
    if (this.#closed) return Promise.reject(this.#closedError(rpc));
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      let call: ChannelCall | undefined;
      let response: { value: Res } | undefined;
      let extra = false;
      const settle = (err: EntryApiError | undefined, out?: Res): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inflight.delete(fail);
        call?.cancel();
        if (err === undefined) resolve(out as Res);
        else reject(err);
      };
      const fail = (err: EntryApiError): void => settle(err);
      const timer = setTimeout(() => {
        settle(this.#error(rpc, { code: GrpcStatus.DEADLINE_EXCEEDED, details: `no answer within the deadline of ${this.#timeoutMs} ms` }));
      }, this.#timeoutMs);
      this.#inflight.add(fail);
      try {
        call = this.#channel.call(
          { path: `${SERVICE}/${rpc}`, requestSerialize: encode, responseDeserialize: decode },
          value,
          {
            message: (m) => {
              if (response === undefined) response = { value: m };
              else extra = true;
            },
            status: (status) => {
              call = undefined; // ended: nothing to cancel
              if (status.code !== GrpcStatus.OK) settle(this.#error(rpc, status));
              else if (extra) settle(this.#error(rpc, { code: GrpcStatus.INTERNAL, details: 'the server sent more than one response message to a unary call' }));
              else if (response === undefined) settle(this.#error(rpc, { code: GrpcStatus.INTERNAL, details: 'the server ended the call without a response message' }));
              else settle(undefined, response.value);
            },
          },
          { timeoutMs: this.#timeoutMs },
        );
      } catch (err) {
        // The request could not be encoded: nothing was sent.
        settle(new EntryApiError('ERR_ENTRY_API_CALL_FAILED', `${rpc} on the SPIRE server at ${this.address} failed: the request could not be encoded (${err instanceof Error ? err.message : String(err)})`, { address: this.address, rpc, cause: err }));
      }
      if (settled) call?.cancel();
    });
  }

  #error(rpc: string, status: CallStatus): EntryApiError {
    const code = status.code;
    const details = status.details === '' ? grpcStatusName(code) : status.details;
    const where = `${rpc} on the SPIRE server at ${this.address}`;
    const opts = { address: this.address, rpc, grpcCode: code, ...(status.cause === undefined ? {} : { cause: status.cause }) };
    if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED) {
      return new EntryApiError('ERR_ENTRY_API_UNAVAILABLE', `${where} failed: the server is not reachable (${details})`, opts);
    }
    if (code === GrpcStatus.PERMISSION_DENIED || code === GrpcStatus.UNAUTHENTICATED) {
      return new EntryApiError('ERR_ENTRY_API_PERMISSION_DENIED', `${where} was refused: ${details} (an admin SVID or access to the admin socket is needed)`, opts);
    }
    return new EntryApiError('ERR_ENTRY_API_CALL_FAILED', `${where} failed: ${details}`, opts);
  }
}
