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
  BATCH_CREATE_ENTRY_REQUEST,
  BATCH_CREATE_ENTRY_RESPONSE,
  BATCH_DELETE_ENTRY_REQUEST,
  BATCH_DELETE_ENTRY_RESPONSE,
  BATCH_UPDATE_ENTRY_REQUEST,
  BATCH_UPDATE_ENTRY_RESPONSE,
  type BatchDeleteRequest,
  type BatchDeleteResponse,
  type BatchEntriesRequest,
  type BatchEntriesResponse,
  type EntryMaskField,
  type EntryMessageCodec,
  type EntryStatus,
  LIST_ENTRIES_REQUEST,
  LIST_ENTRIES_RESPONSE,
  type ListEntriesRequest,
  type ListEntriesResponse,
  type ServerEntry,
} from '../../src/registrar/entry-codec.js';

const ENTRY_ID = /^[A-Za-z0-9._-]{1,255}$/;

function method<Req, Res>(name: string, req: EntryMessageCodec<Req>, res: EntryMessageCodec<Res>): grpc.MethodDefinition<Req, Res> {
  return {
    path: `/spire.api.server.entry.v1.Entry/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Req) => req.encode(v),
    requestDeserialize: (b: Buffer) => req.decode(b),
    responseSerialize: (v: Res) => res.encode(v),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

const SERVICE = {
  ListEntries: method('ListEntries', LIST_ENTRIES_REQUEST, LIST_ENTRIES_RESPONSE),
  BatchCreateEntry: method('BatchCreateEntry', BATCH_CREATE_ENTRY_REQUEST, BATCH_CREATE_ENTRY_RESPONSE),
  BatchUpdateEntry: method('BatchUpdateEntry', BATCH_UPDATE_ENTRY_REQUEST, BATCH_UPDATE_ENTRY_RESPONSE),
  BatchDeleteEntry: method('BatchDeleteEntry', BATCH_DELETE_ENTRY_REQUEST, BATCH_DELETE_ENTRY_RESPONSE),
} satisfies grpc.ServiceDefinition;

const ALL_FIELDS: readonly EntryMaskField[] = ['spiffeId', 'parentId', 'selectors', 'x509SvidTtl', 'federatesWith', 'admin', 'downstream', 'expiresAt', 'dnsNames', 'storeSvid', 'jwtSvidTtl', 'hint'];

function similarKey(e: ServerEntry): string {
  const sels = e.selectors.map((s) => `${s.type}:${s.value}`).sort();
  return JSON.stringify([e.spiffeId, e.parentId, [...new Set(sels)]]);
}

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
      BatchCreateEntry: fake.#unary('BatchCreateEntry', (req: BatchEntriesRequest) => fake.#create(req)),
      BatchUpdateEntry: fake.#unary('BatchUpdateEntry', (req: BatchEntriesRequest) => fake.#update(req)),
      BatchDeleteEntry: fake.#unary('BatchDeleteEntry', (req: BatchDeleteRequest) => fake.#delete(req)),
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
  seed(entry: Partial<ServerEntry> & Pick<ServerEntry, 'spiffeId' | 'parentId' | 'selectors'>): ServerEntry {
    const full: ServerEntry = { ...blank(), ...entry, id: entry.id ?? randomUUID() };
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
      callback(null, handle(req));
    };
  }

  #list(req: ListEntriesRequest): ListEntriesResponse {
    const all = [...this.entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const size = Math.min(req.pageSize !== undefined && req.pageSize > 0 ? req.pageSize : all.length, this.maxPageSize);
    const start = req.pageToken !== undefined && req.pageToken !== '' ? Number(req.pageToken) : 0;
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? String(start + size) : '';
    return { entries: page.map((e) => structuredClone(e)), nextPageToken: next };
  }

  #invalid(e: ServerEntry): string | undefined {
    if (e.spiffeId === '') return 'invalid spiffe ID: trust domain is missing';
    if (e.parentId === '') return 'invalid parent ID: trust domain is missing';
    if (e.selectors.length === 0) return 'selector list is empty';
    if (e.id !== '' && !ENTRY_ID.test(e.id)) return 'invalid entry ID';
    return undefined;
  }

  #create(req: BatchEntriesRequest): BatchEntriesResponse {
    return {
      results: req.entries.map((e) => {
        const injected = this.failures.get(e.spiffeId);
        if (injected !== undefined) return { status: injected, entry: null };
        const bad = this.#invalid(e);
        if (bad !== undefined) return { status: { code: grpc.status.INVALID_ARGUMENT, message: `failed to convert entry: ${bad}` }, entry: null };
        const key = similarKey(e);
        const similar = [...this.entries.values()].find((x) => similarKey(x) === key);
        if (similar !== undefined) return { status: { code: grpc.status.ALREADY_EXISTS, message: 'similar entry already exists' }, entry: structuredClone(similar) };
        if (e.id !== '' && this.entries.has(e.id)) return { status: { code: grpc.status.ALREADY_EXISTS, message: 'entry with the same ID already exists' }, entry: null };
        const stored: ServerEntry = { ...structuredClone(e), id: e.id === '' ? randomUUID() : e.id, createdAt: Math.floor(Date.now() / 1000), revisionNumber: 0 };
        this.entries.set(stored.id, stored);
        return { status: OK, entry: structuredClone(stored) };
      }),
    };
  }

  #update(req: BatchEntriesRequest): BatchEntriesResponse {
    const fields = req.inputMask === undefined ? ALL_FIELDS : ALL_FIELDS.filter((f) => req.inputMask?.[f] === true);
    return {
      results: req.entries.map((e) => {
        const injected = this.failures.get(e.id) ?? this.failures.get(e.spiffeId);
        if (injected !== undefined) return { status: injected, entry: null };
        const current = this.entries.get(e.id);
        if (current === undefined) return { status: { code: grpc.status.NOT_FOUND, message: 'entry not found' }, entry: null };
        const next: ServerEntry = structuredClone(current);
        for (const f of fields) (next as unknown as Record<string, unknown>)[f] = structuredClone(e[f]);
        const bad = this.#invalid(next);
        if (bad !== undefined) return { status: { code: grpc.status.INVALID_ARGUMENT, message: `failed to convert entry: ${bad}` }, entry: null };
        next.revisionNumber = current.revisionNumber + 1;
        this.entries.set(next.id, next);
        return { status: OK, entry: structuredClone(next) };
      }),
    };
  }

  #delete(req: BatchDeleteRequest): BatchDeleteResponse {
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

function blank(): ServerEntry {
  return { id: '', spiffeId: '', parentId: '', selectors: [], x509SvidTtl: 0, federatesWith: [], admin: false, downstream: false, expiresAt: 0, dnsNames: [], revisionNumber: 0, storeSvid: false, jwtSvidTtl: 0, hint: '', createdAt: 0 };
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
