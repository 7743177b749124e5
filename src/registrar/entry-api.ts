/**
 * A client of the SPIRE Server Entry API (`spire.api.server.entry.v1.Entry`): over the server's
 * admin unix socket (plaintext; whoever can open the socket has full access), or over TCP with
 * mTLS using an admin X509-SVID from an `X509Source`, the server authorized as
 * `spiffe://<trust domain>/spire/server`.
 *
 * `@grpc/grpc-js` is loaded on first use; the messages are the generated ones of
 * `src/gen/spire/api/server/entry/v1/entry.ts` (see `./server-entry.ts`).
 *
 * @module
 */
import type * as grpc from '@grpc/grpc-js';
import { requirePeer } from '../internal/optional-peer.js';
import { SpiffeError } from '../errors.js';
import { authorizeId } from '../tls/authorizer.js';
import { grpcChannelCredentials } from '../grpc/credentials.js';
import type { X509TlsSource } from '../tls/source.js';
import { bytesView } from '../internal/proto-wire.js';
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
 * - `ERR_ENTRY_API_ADDRESS`: the server address is not usable (empty, or TCP without an X509 source);
 * - `ERR_ENTRY_API_UNAVAILABLE`: the server could not be reached (socket missing, refused, deadline);
 * - `ERR_ENTRY_API_PERMISSION_DENIED`: the server refused the caller (not admin, or no access to the socket);
 * - `ERR_ENTRY_API_CALL_FAILED`: any other failure of the RPC itself;
 * - `ERR_ENTRY_API_RESPONSE`: the response does not match the request (wrong number of results).
 *
 * @example
 * ```ts
 * const code: EntryApiErrorCode = 'ERR_ENTRY_API_UNAVAILABLE';
 * ```
 */
export type EntryApiErrorCode = 'ERR_ENTRY_API_ADDRESS' | 'ERR_ENTRY_API_UNAVAILABLE' | 'ERR_ENTRY_API_PERMISSION_DENIED' | 'ERR_ENTRY_API_CALL_FAILED' | 'ERR_ENTRY_API_RESPONSE';

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

  constructor(code: EntryApiErrorCode, message: string, details: { address: string; rpc?: string; grpcCode?: number; cause?: unknown }) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.address = details.address;
    this.rpc = details.rpc;
    this.grpcCode = details.grpcCode;
  }
}

/**
 * Options of {@link EntryApiClient}.
 *
 * @example
 * ```ts
 * const opts: EntryApiClientOptions = { address: 'unix:///tmp/spire-server/private/api.sock' };
 * ```
 */
export interface EntryApiClientOptions {
  /**
   * `unix:///path/api.sock` (or an absolute path) for the admin socket, or `host:port` for TCP
   * with mTLS (then `x509Source` is required).
   */
  readonly address: string;
  /** The source of the admin X509-SVID and the bundle, for TCP. */
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
 * const results: EntryResults = (await client.batchCreate([entry])).results;
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

let grpcModule: typeof grpc | undefined;
function loadGrpc(): typeof grpc {
  // An optional peer dependency: missing, it is a MissingPeerDependencyError naming the install line.
  grpcModule ??= requirePeer<typeof grpc>('@grpc/grpc-js', 'spiffe-kit/registrar (EntryApiClient, spiffe registrar plan/apply)');
  return grpcModule;
}

/**
 * `address` as a grpc-js target: absolute paths and `unix:` URIs become `unix:<path>`.
 *
 * @example
 * ```ts
 * entryApiTarget('/run/spire/server/api.sock'); // { target: 'unix:/run/spire/server/api.sock', unix: true }
 * ```
 */
export function entryApiTarget(address: string): { target: string; unix: boolean } {
  const a = address.trim();
  if (a === '') throw new EntryApiError('ERR_ENTRY_API_ADDRESS', 'the SPIRE server address is empty', { address });
  if (a.startsWith('unix://')) return { target: `unix:${a.slice('unix://'.length)}`, unix: true };
  if (a.startsWith('unix:')) return { target: a, unix: true };
  if (a.startsWith('/')) return { target: `unix:${a}`, unix: true };
  return { target: a, unix: false };
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
  readonly #client: grpc.Client;
  readonly #timeoutMs: number;
  readonly #pageSize: number;

  constructor(options: EntryApiClientOptions) {
    this.address = options.address;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#pageSize = options.pageSize ?? 500;
    const { target, unix } = entryApiTarget(options.address);
    const g = loadGrpc();
    let creds: grpc.ChannelCredentials;
    if (unix) creds = g.credentials.createInsecure();
    else {
      const source = options.x509Source;
      if (source === undefined) {
        throw new EntryApiError('ERR_ENTRY_API_ADDRESS', `the SPIRE server at ${options.address} is TCP: an x509Source with an admin SVID is needed (or use the admin unix socket)`, { address: options.address });
      }
      const td = options.trustDomain ?? source.getX509Svid().id.trustDomain.toString();
      creds = grpcChannelCredentials(source, authorizeId(`spiffe://${td}/spire/server`));
    }
    this.#client = new g.Client(target, creds);
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
      const res = await this.#call('ListEntries', ListEntriesRequest, ListEntriesResponse, { filter: undefined, output_mask: options.outputMask, page_size: this.#pageSize, page_token: pageToken });
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
    const res = await this.#call('BatchCreateEntry', BatchCreateEntryRequest, BatchCreateEntryResponse, { entries, output_mask: undefined });
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
    const res = await this.#call('BatchUpdateEntry', BatchUpdateEntryRequest, BatchUpdateEntryResponse, { entries, input_mask: inputMask, output_mask: undefined });
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
    const res = await this.#call('BatchDeleteEntry', BatchDeleteEntryRequest, BatchDeleteEntryResponse, { ids });
    this.#checkCount('BatchDeleteEntry', res.results.length, ids.length);
    return res.results;
  }

  /**
   * Closes the channel.
   *
   * @example
   * ```ts
   * client.close();
   * ```
   */
  close(): void {
    this.#client.close();
  }

  #checkCount(rpc: string, got: number, want: number): void {
    if (got !== want) {
      throw new EntryApiError('ERR_ENTRY_API_RESPONSE', `${rpc} on ${this.address} returned ${got} results for ${want} items`, { address: this.address, rpc });
    }
  }

  #call<Req, Res>(rpc: string, req: { encode(message: Req): { finish(): Uint8Array } }, res: { decode(bytes: Uint8Array): Res }, value: Req): Promise<Res> {
    const g = loadGrpc();
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        `${SERVICE}/${rpc}`,
        (v: Req) => bytesView(req.encode(v).finish()),
        (b: Buffer) => res.decode(b),
        value,
        new g.Metadata(),
        { deadline: Date.now() + this.#timeoutMs },
        (err: grpc.ServiceError | null, out?: Res) => {
          if (err === null && out !== undefined) resolve(out);
          else reject(this.#error(rpc, err));
        },
      );
    });
  }

  #error(rpc: string, err: grpc.ServiceError | null): EntryApiError {
    const g = loadGrpc();
    const code = err?.code;
    const details = err?.details ?? err?.message ?? 'no response';
    const where = `${rpc} on the SPIRE server at ${this.address}`;
    const opts = { address: this.address, rpc, ...(code === undefined ? {} : { grpcCode: code }), cause: err };
    if (code === g.status.UNAVAILABLE || code === g.status.DEADLINE_EXCEEDED) {
      return new EntryApiError('ERR_ENTRY_API_UNAVAILABLE', `${where} failed: the server is not reachable (${details})`, opts);
    }
    if (code === g.status.PERMISSION_DENIED || code === g.status.UNAUTHENTICATED) {
      return new EntryApiError('ERR_ENTRY_API_PERMISSION_DENIED', `${where} was refused: ${details} (an admin SVID or access to the admin socket is needed)`, opts);
    }
    return new EntryApiError('ERR_ENTRY_API_CALL_FAILED', `${where} failed: ${details}`, opts);
  }
}
