/**
 * A real grpc-js server on a unix socket implementing the four SPIRE Server Entry API RPCs the
 * registrar calls, with SPIRE's per-item semantics: ALREADY_EXISTS (with the existing entry) for
 * a similar entry (same spiffe_id + parent_id + selector set), NOT_FOUND for unknown IDs on
 * update and delete, INVALID_ARGUMENT for entries SPIRE refuses, paging with page tokens.
 * Failures can be injected per SPIFFE ID or entry ID. With `tls` it listens on loopback TCP with
 * those (mTLS) credentials instead, and records each caller's certificate.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect as tlsConnect } from 'node:tls';
import {
  BatchCreateEntryRequest,
  BatchCreateEntryResponse,
  BatchDeleteEntryRequest,
  BatchDeleteEntryResponse,
  BatchUpdateEntryRequest,
  BatchUpdateEntryResponse,
  ListEntriesRequest,
  ListEntriesResponse,
} from '../../src/gen/spire/api/server/entry/v1/entry.js';
import { emptyServerEntry, type EntryMaskField, type EntryStatus, type ServerEntry, spiffeIdMessage, spiffeIdString } from '../../src/registrar/server-entry.js';

const ENTRY_ID = /^[A-Za-z0-9._-]{1,255}$/;

interface MessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function method<Req, Res>(name: string, req: MessageFns<Req>, res: MessageFns<Res>): grpc.MethodDefinition<Req, Res> {
  return {
    path: `/spire.api.server.entry.v1.Entry/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Req) => toBuffer(req.encode(v).finish()),
    requestDeserialize: (b: Buffer) => req.decode(b),
    // A raw Buffer (set by a test with `respondRaw`) goes out as it is: hostile responses.
    responseSerialize: (v: Res) => (Buffer.isBuffer(v) ? v : toBuffer(res.encode(v).finish())),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

const SERVICE = {
  ListEntries: method('ListEntries', ListEntriesRequest, ListEntriesResponse),
  BatchCreateEntry: method('BatchCreateEntry', BatchCreateEntryRequest, BatchCreateEntryResponse),
  BatchUpdateEntry: method('BatchUpdateEntry', BatchUpdateEntryRequest, BatchUpdateEntryResponse),
  BatchDeleteEntry: method('BatchDeleteEntry', BatchDeleteEntryRequest, BatchDeleteEntryResponse),
} satisfies grpc.ServiceDefinition;

const ALL_FIELDS: readonly EntryMaskField[] = ['spiffe_id', 'parent_id', 'selectors', 'x509_svid_ttl', 'federates_with', 'admin', 'downstream', 'expires_at', 'dns_names', 'store_svid', 'jwt_svid_ttl', 'hint'];

function similarKey(e: ServerEntry): string {
  const sels = e.selectors.map((s) => `${s.type}:${s.value}`).sort();
  return JSON.stringify([spiffeIdString(e.spiffe_id), spiffeIdString(e.parent_id), [...new Set(sels)]]);
}

/** The fields of a seeded entry, with the SPIFFE IDs as strings. */
export type SeedEntry = Partial<Omit<ServerEntry, 'spiffe_id' | 'parent_id'>> & { readonly spiffeId: string; readonly parentId: string; readonly selectors: ServerEntry['selectors'] };

const OK: EntryStatus = { code: 0, message: 'OK' };

/** What the fake records about each call, for assertions. */
export interface FakeCall {
  readonly rpc: string;
  readonly items: number;
  /** Over TLS: the serial number of the client's certificate. */
  readonly peerSerial?: string | undefined;
}

export class FakeEntryServer {
  readonly socket: string;
  readonly address: string;
  /** Entries by ID. */
  readonly entries = new Map<string, ServerEntry>();
  /** Every RPC received. */
  readonly calls: FakeCall[] = [];
  /** Per-item failures to inject: key is a SPIFFE ID (create/update) or an entry ID (update/delete). */
  readonly failures = new Map<string, EntryStatus>();
  /** Fail every call of this RPC with a gRPC status. */
  failRpc: { rpc: string; code: grpc.status; details: string } | undefined;
  /** Answer every call of this RPC with these bytes instead of a message (hostile responses). */
  respondRaw: { rpc: string; bytes: Buffer } | undefined;
  /** The largest page ListEntries returns, whatever the client asks. */
  maxPageSize = 1000;
  /** Never answer calls of this RPC (until stop). */
  hangRpc: string | undefined;
  /** Over TLS: the loopback port. */
  port = 0;
  readonly #server: grpc.Server;
  readonly #dir: string;
  readonly #hung: Array<() => void> = [];

  private constructor(server: grpc.Server, dir: string) {
    this.#server = server;
    this.#dir = dir;
    this.socket = join(dir, 'api.sock');
    this.address = `unix://${this.socket}`;
  }

  /** With `tls`, on `127.0.0.1:<port>` with those credentials (then `address` is `127.0.0.1:<port>`). */
  static async start(options: { readonly tls?: grpc.ServerCredentials } = {}): Promise<FakeEntryServer> {
    const dir = mkdtempSync(join(tmpdir(), 'fake-spire-'));
    const server = new grpc.Server();
    const fake = new FakeEntryServer(server, dir);
    server.addService(SERVICE, {
      ListEntries: fake.#unary('ListEntries', (req: ListEntriesRequest) => fake.#list(req)),
      BatchCreateEntry: fake.#unary('BatchCreateEntry', (req: BatchCreateEntryRequest) => fake.#create(req)),
      BatchUpdateEntry: fake.#unary('BatchUpdateEntry', (req: BatchUpdateEntryRequest) => fake.#update(req)),
      BatchDeleteEntry: fake.#unary('BatchDeleteEntry', (req: BatchDeleteEntryRequest) => fake.#delete(req)),
    });
    if (options.tls !== undefined) {
      fake.port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', options.tls as grpc.ServerCredentials, (err, port) => (err === null ? resolve(port) : reject(err))));
      (fake as { address: string }).address = `127.0.0.1:${fake.port}`;
      await untilHandshakes(fake.port);
      return fake;
    }
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${fake.socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err === null ? resolve() : reject(err))));
    return fake;
  }

  /** Adds an entry directly (as another tool would have created it). */
  seed(entry: SeedEntry): ServerEntry {
    const { spiffeId, parentId, ...rest } = entry;
    const full: ServerEntry = { ...emptyServerEntry(), ...rest, spiffe_id: spiffeIdMessage(spiffeId), parent_id: spiffeIdMessage(parentId), id: entry.id ?? randomUUID() };
    this.entries.set(full.id, full);
    return full;
  }

  async stop(): Promise<void> {
    for (const release of this.#hung.splice(0)) release();
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #unary<Req, Res>(rpc: string, handle: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const req = call.request as Req & { entries?: unknown[]; ids?: unknown[] };
      const peerSerial = call.getAuthContext().sslPeerCertificate?.serialNumber;
      this.calls.push({ rpc, items: req.entries?.length ?? req.ids?.length ?? 0, ...(peerSerial === undefined ? {} : { peerSerial }) });
      if (this.hangRpc === rpc) {
        this.#hung.push(() => callback({ code: grpc.status.UNAVAILABLE, details: 'the fake server stopped', name: 'Error', message: 'stopped', metadata: new grpc.Metadata() }));
        return;
      }
      if (this.failRpc?.rpc === rpc) {
        callback({ code: this.failRpc.code, details: this.failRpc.details, name: 'Error', message: this.failRpc.details, metadata: new grpc.Metadata() });
        return;
      }
      if (this.respondRaw?.rpc === rpc) {
        callback(null, this.respondRaw.bytes as unknown as Res);
        return;
      }
      callback(null, handle(req));
    };
  }

  #list(req: ListEntriesRequest): ListEntriesResponse {
    const all = [...this.entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const size = Math.min(req.page_size > 0 ? req.page_size : all.length, this.maxPageSize);
    const start = req.page_token !== '' ? Number(req.page_token) : 0;
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? String(start + size) : '';
    return { entries: page.map((e) => structuredClone(e)), next_page_token: next };
  }

  #invalid(e: ServerEntry): string | undefined {
    if (e.spiffe_id === undefined || e.spiffe_id.trust_domain === '') return 'invalid spiffe ID: trust domain is missing';
    if (e.parent_id === undefined || e.parent_id.trust_domain === '') return 'invalid parent ID: trust domain is missing';
    if (e.selectors.length === 0) return 'selector list is empty';
    if (e.id !== '' && !ENTRY_ID.test(e.id)) return 'invalid entry ID';
    return undefined;
  }

  #create(req: BatchCreateEntryRequest): BatchCreateEntryResponse {
    return {
      results: req.entries.map((e) => {
        const injected = this.failures.get(spiffeIdString(e.spiffe_id));
        if (injected !== undefined) return { status: injected, entry: undefined };
        const bad = this.#invalid(e);
        if (bad !== undefined) return { status: { code: grpc.status.INVALID_ARGUMENT, message: `failed to convert entry: ${bad}` }, entry: undefined };
        const key = similarKey(e);
        const similar = [...this.entries.values()].find((x) => similarKey(x) === key);
        if (similar !== undefined) return { status: { code: grpc.status.ALREADY_EXISTS, message: 'similar entry already exists' }, entry: structuredClone(similar) };
        if (e.id !== '' && this.entries.has(e.id)) return { status: { code: grpc.status.ALREADY_EXISTS, message: 'entry with the same ID already exists' }, entry: undefined };
        const stored: ServerEntry = { ...structuredClone(e), id: e.id === '' ? randomUUID() : e.id, created_at: Math.floor(Date.now() / 1000), revision_number: 0 };
        this.entries.set(stored.id, stored);
        return { status: OK, entry: structuredClone(stored) };
      }),
    };
  }

  #update(req: BatchUpdateEntryRequest): BatchUpdateEntryResponse {
    const fields = req.input_mask === undefined ? ALL_FIELDS : ALL_FIELDS.filter((f) => req.input_mask?.[f] === true);
    return {
      results: req.entries.map((e) => {
        const injected = this.failures.get(e.id) ?? this.failures.get(spiffeIdString(e.spiffe_id));
        if (injected !== undefined) return { status: injected, entry: undefined };
        const current = this.entries.get(e.id);
        if (current === undefined) return { status: { code: grpc.status.NOT_FOUND, message: 'entry not found' }, entry: undefined };
        const next: ServerEntry = structuredClone(current);
        for (const f of fields) (next as unknown as Record<string, unknown>)[f] = structuredClone(e[f]);
        const bad = this.#invalid(next);
        if (bad !== undefined) return { status: { code: grpc.status.INVALID_ARGUMENT, message: `failed to convert entry: ${bad}` }, entry: undefined };
        next.revision_number = current.revision_number + 1;
        this.entries.set(next.id, next);
        return { status: OK, entry: structuredClone(next) };
      }),
    };
  }

  #delete(req: BatchDeleteEntryRequest): BatchDeleteEntryResponse {
    return {
      results: req.ids.map((id) => {
        const injected = this.failures.get(id);
        if (injected !== undefined) return { status: injected, id };
        if (!this.entries.delete(id)) return { status: { code: grpc.status.NOT_FOUND, message: 'entry not found' }, id };
        return { status: OK, id };
      }),
    };
  }
}

/**
 * grpc-js drops connections until its certificate provider has delivered the first certificates
 * (asynchronously, after bind): wait until a handshake gets through (the server's certificate
 * is not checked here, and the server then refuses this client for having none).
 */
async function untilHandshakes(port: number): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`the fake Entry API on port ${port} never completed a TLS handshake`);
}
