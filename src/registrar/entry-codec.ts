/**
 * A hand-written codec of the SPIRE Server Entry API messages the registrar uses
 * (`proto/spire/api/server/entry/v1/entry.proto`, `proto/spire/api/types/entry.proto`), on the
 * bounds-checked wire reader and writer of `src/internal/protobuf-wire.ts`. No protobufjs at run time.
 *
 * Messages are plain objects with camelCase fields; SPIFFE IDs are `spiffe://` strings (the wire
 * form `{trust_domain, path}` is split and joined here); int64 values are numbers.
 *
 * @module
 */
import { WireReader, WireWriter } from '../internal/protobuf-wire.js';
import type { Selector } from './types.js';

/**
 * A registration entry as the SPIRE server holds it (`spire.api.types.Entry`).
 *
 * @example
 * ```ts
 * const e: ServerEntry = { ...emptyServerEntry(), id: 'spiffe-kit.ab12', spiffeId: 'spiffe://example.org/web' };
 * ```
 */
export interface ServerEntry {
  id: string;
  spiffeId: string;
  parentId: string;
  selectors: Selector[];
  x509SvidTtl: number;
  federatesWith: string[];
  admin: boolean;
  downstream: boolean;
  expiresAt: number;
  dnsNames: string[];
  revisionNumber: number;
  storeSvid: boolean;
  jwtSvidTtl: number;
  hint: string;
  createdAt: number;
}

/**
 * A per-item status of a batch RPC (a gRPC status code: 0 OK, 3 INVALID_ARGUMENT, 5 NOT_FOUND,
 * 6 ALREADY_EXISTS, 13 INTERNAL).
 *
 * @example
 * ```ts
 * const ok: EntryStatus = { code: 0, message: 'OK' };
 * ```
 */
export interface EntryStatus {
  code: number;
  message: string;
}

/**
 * The Entry fields a request or a response carries (`spire.api.types.EntryMask`); the names
 * are those of {@link ServerEntry}.
 *
 * @example
 * ```ts
 * const mask: EntryMask = { hint: true, x509SvidTtl: true };
 * ```
 */
export type EntryMask = Partial<Record<EntryMaskField, boolean>>;

/**
 * The names of the fields of an {@link EntryMask}.
 *
 * @example
 * ```ts
 * const f: EntryMaskField = 'dnsNames';
 * ```
 */
export type EntryMaskField = Exclude<keyof ServerEntry, 'id'>;

const MASK_FIELDS: readonly (readonly [EntryMaskField, number])[] = [
  ['spiffeId', 2],
  ['parentId', 3],
  ['selectors', 4],
  ['x509SvidTtl', 5],
  ['federatesWith', 6],
  ['admin', 7],
  ['downstream', 8],
  ['expiresAt', 9],
  ['dnsNames', 10],
  ['revisionNumber', 11],
  ['storeSvid', 12],
  ['jwtSvidTtl', 13],
  ['hint', 14],
  ['createdAt', 15],
];

/**
 * `ListEntriesRequest` (filters are not used by the registrar and not encoded).
 *
 * @example
 * ```ts
 * const req: ListEntriesRequest = { pageSize: 500, pageToken: '' };
 * ```
 */
export interface ListEntriesRequest {
  outputMask?: EntryMask | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
}

/**
 * `ListEntriesResponse`.
 *
 * @example
 * ```ts
 * const res: ListEntriesResponse = { entries: [], nextPageToken: '' };
 * ```
 */
export interface ListEntriesResponse {
  entries: ServerEntry[];
  nextPageToken: string;
}

/**
 * `BatchCreateEntryRequest` / `BatchUpdateEntryRequest` (`inputMask` for updates only).
 *
 * @example
 * ```ts
 * const req: BatchEntriesRequest = { entries: [entry], inputMask: { hint: true } };
 * ```
 */
export interface BatchEntriesRequest {
  entries: ServerEntry[];
  inputMask?: EntryMask | undefined;
  outputMask?: EntryMask | undefined;
}

/**
 * `BatchCreateEntryResponse` / `BatchUpdateEntryResponse`: one result per entry, in order.
 *
 * @example
 * ```ts
 * for (const r of res.results) if (r.status.code !== 0) console.log(r.status.message);
 * ```
 */
export interface BatchEntriesResponse {
  results: { status: EntryStatus; entry: ServerEntry | null }[];
}

/**
 * `BatchDeleteEntryRequest`.
 *
 * @example
 * ```ts
 * const req: BatchDeleteRequest = { ids: ['spiffe-kit.ab12'] };
 * ```
 */
export interface BatchDeleteRequest {
  ids: string[];
}

/**
 * `BatchDeleteEntryResponse`: one result per ID, in order.
 *
 * @example
 * ```ts
 * const gone = res.results.filter((r) => r.status.code === 0).map((r) => r.id);
 * ```
 */
export interface BatchDeleteResponse {
  results: { status: EntryStatus; id: string }[];
}

/**
 * An encoder and a decoder of one Entry API message.
 *
 * @example
 * ```ts
 * const bytes = LIST_ENTRIES_REQUEST.encode({ pageSize: 100 });
 * ```
 */
export interface EntryMessageCodec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

/**
 * An entry with every field at its proto3 default.
 *
 * @example
 * ```ts
 * const e = { ...emptyServerEntry(), spiffeId: 'spiffe://example.org/web' };
 * ```
 */
export function emptyServerEntry(): ServerEntry {
  return {
    id: '',
    spiffeId: '',
    parentId: '',
    selectors: [],
    x509SvidTtl: 0,
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    dnsNames: [],
    revisionNumber: 0,
    storeSvid: false,
    jwtSvidTtl: 0,
    hint: '',
    createdAt: 0,
  };
}

// ---- readers ----------------------------------------------------------------------------------

function readInt64(r: WireReader): number {
  const low = r.varint();
  const high = r.high | 0; // signed
  return high * 0x1_0000_0000 + low;
}

function readSpiffeId(r: WireReader, depth: number): string {
  let td = '';
  let path = '';
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) td = r.string();
    else if (tag === 0x12) path = r.string();
    else r.skip(tag, depth);
  }
  return td === '' && path === '' ? '' : `spiffe://${td}${path}`;
}

function readSelector(r: WireReader, depth: number): Selector {
  let type = '';
  let value = '';
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) type = r.string();
    else if (tag === 0x12) value = r.string();
    else r.skip(tag, depth);
  }
  return { type, value };
}

function readStatus(r: WireReader, depth: number): EntryStatus {
  const out: EntryStatus = { code: 0, message: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x08) out.code = r.int32();
    else if (tag === 0x12) out.message = r.string();
    else r.skip(tag, depth);
  }
  return out;
}

function readEntry(r: WireReader, depth: number): ServerEntry {
  const e = emptyServerEntry();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: e.id = r.string(); break;
      case 0x12: e.spiffeId = r.message(depth + 1, readSpiffeId); break;
      case 0x1a: e.parentId = r.message(depth + 1, readSpiffeId); break;
      case 0x22: e.selectors.push(r.message(depth + 1, readSelector)); break;
      case 0x28: e.x509SvidTtl = r.int32(); break;
      case 0x32: e.federatesWith.push(r.string()); break;
      case 0x38: e.admin = r.bool(); break;
      case 0x40: e.downstream = r.bool(); break;
      case 0x48: e.expiresAt = readInt64(r); break;
      case 0x52: e.dnsNames.push(r.string()); break;
      case 0x58: e.revisionNumber = readInt64(r); break;
      case 0x60: e.storeSvid = r.bool(); break;
      case 0x68: e.jwtSvidTtl = r.int32(); break;
      case 0x72: e.hint = r.string(); break;
      case 0x78: e.createdAt = readInt64(r); break;
      default: r.skip(tag, depth);
    }
  }
  return e;
}

function readMask(r: WireReader, depth: number): EntryMask {
  const mask: EntryMask = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    const field = MASK_FIELDS.find(([, n]) => tag === n << 3);
    if (field !== undefined) mask[field[0]] = r.bool();
    else r.skip(tag, depth);
  }
  return mask;
}

// ---- writers ----------------------------------------------------------------------------------

function writeInt64(w: WireWriter, field: number, value: number): void {
  if (value === 0 || !Number.isFinite(value)) return;
  // Negative values: the writer's int32 writes the 64-bit two's complement. Positive values
  // (Unix seconds, revision numbers) fit in 32 bits until 2106; larger ones are refused.
  if (value > 0xffff_ffff) throw new RangeError(`int64 field ${field}: ${value} is over 2^32 - 1`);
  if (value < 0) w.tag(field, 0).int32(value);
  else w.tag(field, 0).uint32(value);
}

function writeSpiffeId(w: WireWriter, field: number, id: string): void {
  if (id === '') return;
  const rest = id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id;
  const slash = rest.indexOf('/');
  const td = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const at = w.tag(field, 2).fork();
  if (td !== '') w.tag(1, 2).string(td);
  if (path !== '') w.tag(2, 2).string(path);
  w.ldelim(at);
}

function writeEntry(w: WireWriter, field: number, e: ServerEntry): void {
  const at = w.tag(field, 2).fork();
  if (e.id !== '') w.tag(1, 2).string(e.id);
  writeSpiffeId(w, 2, e.spiffeId);
  writeSpiffeId(w, 3, e.parentId);
  for (const s of e.selectors) {
    const sat = w.tag(4, 2).fork();
    if (s.type !== '') w.tag(1, 2).string(s.type);
    if (s.value !== '') w.tag(2, 2).string(s.value);
    w.ldelim(sat);
  }
  if (e.x509SvidTtl !== 0) w.tag(5, 0).int32(e.x509SvidTtl);
  for (const td of e.federatesWith) w.tag(6, 2).string(td);
  if (e.admin) w.tag(7, 0).bool(true);
  if (e.downstream) w.tag(8, 0).bool(true);
  writeInt64(w, 9, e.expiresAt);
  for (const d of e.dnsNames) w.tag(10, 2).string(d);
  writeInt64(w, 11, e.revisionNumber);
  if (e.storeSvid) w.tag(12, 0).bool(true);
  if (e.jwtSvidTtl !== 0) w.tag(13, 0).int32(e.jwtSvidTtl);
  if (e.hint !== '') w.tag(14, 2).string(e.hint);
  writeInt64(w, 15, e.createdAt);
  w.ldelim(at);
}

function writeMask(w: WireWriter, field: number, mask: EntryMask | undefined): void {
  if (mask === undefined) return;
  const at = w.tag(field, 2).fork();
  for (const [name, n] of MASK_FIELDS) if (mask[name] === true) w.tag(n, 0).bool(true);
  w.ldelim(at);
}

function writeStatus(w: WireWriter, field: number, s: EntryStatus): void {
  const at = w.tag(field, 2).fork();
  if (s.code !== 0) w.tag(1, 0).int32(s.code);
  if (s.message !== '') w.tag(2, 2).string(s.message);
  w.ldelim(at);
}

function codec<T>(name: string, write: (w: WireWriter, value: T) => void, read: (r: WireReader, depth: number) => T): EntryMessageCodec<T> {
  return Object.freeze({
    name,
    encode(value: T): Buffer {
      const w = new WireWriter();
      write(w, value);
      return w.finish();
    },
    decode(bytes: Uint8Array): T {
      return read(new WireReader(bytes), 0);
    },
  });
}

// ---- the messages -----------------------------------------------------------------------------

/**
 * `ListEntriesRequest`.
 *
 * @example
 * ```ts
 * LIST_ENTRIES_REQUEST.encode({ pageSize: 500, pageToken: token });
 * ```
 */
export const LIST_ENTRIES_REQUEST: EntryMessageCodec<ListEntriesRequest> = codec(
  'ListEntriesRequest',
  (w, m) => {
    writeMask(w, 2, m.outputMask);
    if (m.pageSize !== undefined && m.pageSize !== 0) w.tag(3, 0).int32(m.pageSize);
    if (m.pageToken !== undefined && m.pageToken !== '') w.tag(4, 2).string(m.pageToken);
  },
  (r, depth) => {
    const out: ListEntriesRequest = { pageSize: 0, pageToken: '' };
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 0x12) out.outputMask = r.message(depth + 1, readMask);
      else if (tag === 0x18) out.pageSize = r.int32();
      else if (tag === 0x22) out.pageToken = r.string();
      else r.skip(tag, depth);
    }
    return out;
  },
);

/**
 * `ListEntriesResponse`.
 *
 * @example
 * ```ts
 * const { entries, nextPageToken } = LIST_ENTRIES_RESPONSE.decode(bytes);
 * ```
 */
export const LIST_ENTRIES_RESPONSE: EntryMessageCodec<ListEntriesResponse> = codec(
  'ListEntriesResponse',
  (w, m) => {
    for (const e of m.entries) writeEntry(w, 1, e);
    if (m.nextPageToken !== '') w.tag(2, 2).string(m.nextPageToken);
  },
  (r, depth) => {
    const out: ListEntriesResponse = { entries: [], nextPageToken: '' };
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 0x0a) out.entries.push(r.message(depth + 1, readEntry));
      else if (tag === 0x12) out.nextPageToken = r.string();
      else r.skip(tag, depth);
    }
    return out;
  },
);

function batchRequest(name: string, update: boolean): EntryMessageCodec<BatchEntriesRequest> {
  return codec(
    name,
    (w, m) => {
      for (const e of m.entries) writeEntry(w, 1, e);
      if (update) writeMask(w, 2, m.inputMask);
      writeMask(w, update ? 3 : 2, m.outputMask);
    },
    (r, depth) => {
      const out: BatchEntriesRequest = { entries: [] };
      while (r.pos < r.limit) {
        const tag = r.tag();
        if (tag === 0x0a) out.entries.push(r.message(depth + 1, readEntry));
        else if (update && tag === 0x12) out.inputMask = r.message(depth + 1, readMask);
        else if (tag === (update ? 0x1a : 0x12)) out.outputMask = r.message(depth + 1, readMask);
        else r.skip(tag, depth);
      }
      return out;
    },
  );
}

function readEntryResult(r: WireReader, depth: number): BatchEntriesResponse['results'][number] {
  const out: BatchEntriesResponse['results'][number] = { status: { code: 0, message: '' }, entry: null };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.status = r.message(depth + 1, readStatus);
    else if (tag === 0x12) out.entry = r.message(depth + 1, readEntry);
    else r.skip(tag, depth);
  }
  return out;
}

const batchResponse = (name: string): EntryMessageCodec<BatchEntriesResponse> =>
  codec(
    name,
    (w, m) => {
      for (const res of m.results) {
        const at = w.tag(1, 2).fork();
        writeStatus(w, 1, res.status);
        if (res.entry !== null) writeEntry(w, 2, res.entry);
        w.ldelim(at);
      }
    },
    (r, depth) => {
      const out: BatchEntriesResponse = { results: [] };
      while (r.pos < r.limit) {
        const tag = r.tag();
        if (tag === 0x0a) out.results.push(r.message(depth + 1, readEntryResult));
        else r.skip(tag, depth);
      }
      return out;
    },
  );

/**
 * `BatchCreateEntryRequest` (`entries = 1`, `output_mask = 2`).
 *
 * @example
 * ```ts
 * BATCH_CREATE_ENTRY_REQUEST.encode({ entries: [entry] });
 * ```
 */
export const BATCH_CREATE_ENTRY_REQUEST: EntryMessageCodec<BatchEntriesRequest> = batchRequest('BatchCreateEntryRequest', false);

/**
 * `BatchCreateEntryResponse`.
 *
 * @example
 * ```ts
 * const { results } = BATCH_CREATE_ENTRY_RESPONSE.decode(bytes);
 * ```
 */
export const BATCH_CREATE_ENTRY_RESPONSE: EntryMessageCodec<BatchEntriesResponse> = batchResponse('BatchCreateEntryResponse');

/**
 * `BatchUpdateEntryRequest` (`entries = 1`, `input_mask = 2`, `output_mask = 3`).
 *
 * @example
 * ```ts
 * BATCH_UPDATE_ENTRY_REQUEST.encode({ entries: [entry], inputMask: { hint: true } });
 * ```
 */
export const BATCH_UPDATE_ENTRY_REQUEST: EntryMessageCodec<BatchEntriesRequest> = batchRequest('BatchUpdateEntryRequest', true);

/**
 * `BatchUpdateEntryResponse`.
 *
 * @example
 * ```ts
 * const { results } = BATCH_UPDATE_ENTRY_RESPONSE.decode(bytes);
 * ```
 */
export const BATCH_UPDATE_ENTRY_RESPONSE: EntryMessageCodec<BatchEntriesResponse> = batchResponse('BatchUpdateEntryResponse');

/**
 * `BatchDeleteEntryRequest`.
 *
 * @example
 * ```ts
 * BATCH_DELETE_ENTRY_REQUEST.encode({ ids: ['spiffe-kit.ab12'] });
 * ```
 */
export const BATCH_DELETE_ENTRY_REQUEST: EntryMessageCodec<BatchDeleteRequest> = codec(
  'BatchDeleteEntryRequest',
  (w, m) => {
    for (const id of m.ids) w.tag(1, 2).string(id);
  },
  (r, depth) => {
    const out: BatchDeleteRequest = { ids: [] };
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 0x0a) out.ids.push(r.string());
      else r.skip(tag, depth);
    }
    return out;
  },
);

function readDeleteResult(r: WireReader, depth: number): BatchDeleteResponse['results'][number] {
  const out: BatchDeleteResponse['results'][number] = { status: { code: 0, message: '' }, id: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.status = r.message(depth + 1, readStatus);
    else if (tag === 0x12) out.id = r.string();
    else r.skip(tag, depth);
  }
  return out;
}

/**
 * `BatchDeleteEntryResponse`.
 *
 * @example
 * ```ts
 * const { results } = BATCH_DELETE_ENTRY_RESPONSE.decode(bytes);
 * ```
 */
export const BATCH_DELETE_ENTRY_RESPONSE: EntryMessageCodec<BatchDeleteResponse> = codec(
  'BatchDeleteEntryResponse',
  (w, m) => {
    for (const res of m.results) {
      const at = w.tag(1, 2).fork();
      writeStatus(w, 1, res.status);
      if (res.id !== '') w.tag(2, 2).string(res.id);
      w.ldelim(at);
    }
  },
  (r, depth) => {
    const out: BatchDeleteResponse = { results: [] };
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 0x0a) out.results.push(r.message(depth + 1, readDeleteResult));
      else r.skip(tag, depth);
    }
    return out;
  },
);
