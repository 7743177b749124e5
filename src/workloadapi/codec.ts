/**
 * A hand-written codec of the protobuf wire format for the messages of `proto/workload.proto`
 * (the SPIFFE Workload API) and the `google.protobuf.Struct` it uses, so that the test Workload
 * API does not load `@grpc/proto-loader` and protobufjs at run time (≈50 ms of start-up,
 * measured); its reader and writer (`src/internal/protobuf-wire.ts`) also serve the registrar's
 * Entry API codec. The client no
 * longer uses it: it decodes with the generated messages of `src/gen/` (see `./methods.ts`), and
 * `test/gen-codec.test.ts` checks the two against each other. One module on purpose: Node loads each ES module separately, and the same
 * code as six modules cost ≈3 ms more on `import 'spiffe-kit'`.
 *
 * Decoded objects have the shape `@grpc/proto-loader` gives with the options of
 * `PROTO_LOADER_OPTIONS` (`keepCase`, `defaults`, `oneofs`, `enums: String`): proto field names,
 * every field present (`''`, an empty `Buffer`, `[]`, `{}`, or `null` for an absent message),
 * bytes as `Buffer` views of the input, maps as plain objects, `google.protobuf.Value` with its
 * camelCase member and `kind`. Encoders accept what proto-loader's serializers accept and write
 * the same bytes as protobufjs (for well-formed strings). Deliberate differences, all on input
 * protobufjs mishandles: a map entry without its value decodes to an empty `Buffer` / an empty
 * `Value` (protobufjs gives `[]` / throws); a `Value` with several members keeps the last (a
 * oneof); a known field with another wire type is skipped as unknown (as Go does); a value of the
 * wrong type for the encoder is an error rather than dropped; truncated strings are an error.
 *
 * Every read is bounds-checked against the end of the message being read, every step consumes
 * at least one byte, and nesting is bounded by {@link MAX_NESTING_DEPTH}: malformed bytes give a
 * {@link ProtobufWireError}, never an out-of-range read, a hang or a stack overflow.
 *
 * @module
 */
import { bytesInput, mapInput, MAX_NESTING_DEPTH, messageInput, type MessageInput, optionalMessage, ProtobufWireError, repeatedInput, WireReader, WireWriter } from '../internal/protobuf-wire.js';

// ==== google.protobuf.Struct / Value / ListValue =====================================================
// `google.protobuf.Struct`, `Value` and `ListValue` (google/protobuf/struct.proto), read and
// written in the shape `@grpc/proto-loader` gives them with `oneofs: true`, `enums: String`,
// `defaults: true`: camelCase member names (protobufjs' bundled common types), the member that is
// set plus `kind` naming it, `nullValue` as `'NULL_VALUE'`.

/**
 * A decoded `google.protobuf.Value`: `{}` when no member is set, otherwise the member and `kind`.
 * `nullValue` is `'NULL_VALUE'`, or the number when the agent sent another enum value.
 *
 * @example
 * ```ts
 * const v: ValueObject = { numberValue: 1700000000, kind: 'numberValue' };
 * ```
 */
export type ValueObject =
  | { nullValue?: never; kind?: never }
  | { nullValue: 'NULL_VALUE' | number; kind: 'nullValue' }
  | { numberValue: number; kind: 'numberValue' }
  | { stringValue: string; kind: 'stringValue' }
  | { boolValue: boolean; kind: 'boolValue' }
  | { structValue: StructObject; kind: 'structValue' }
  | { listValue: ListValueObject; kind: 'listValue' };

/**
 * A decoded `google.protobuf.Struct`.
 *
 * @example
 * ```ts
 * const s: StructObject = { fields: { sub: { stringValue: 'spiffe://example.org/web', kind: 'stringValue' } } };
 * ```
 */
export interface StructObject {
  fields: Record<string, ValueObject>;
}

/**
 * A decoded `google.protobuf.ListValue`.
 *
 * @example
 * ```ts
 * const l: ListValueObject = { values: [{ boolValue: true, kind: 'boolValue' }] };
 * ```
 */
export interface ListValueObject {
  values: ValueObject[];
}

/**
 * Sets `target[key]`, as an own property even for `__proto__`.
 *
 * @example
 * ```ts
 * setEntry(out, '__proto__', value); // an own key, the prototype untouched
 * ```
 */
export function setEntry<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Reads the fields of a `Struct` (the reader's limit is the end of the message).
 *
 * @example
 * ```ts
 * case 0x12: claims = r.message(depth + 1, readStruct); break;
 * ```
 */
export function readStruct(r: WireReader, depth: number): StructObject {
  const fields: Record<string, ValueObject> = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) {
      const [key, value] = r.message(depth, readFieldsEntry);
      setEntry(fields, key, value);
    } else r.skip(tag, depth);
  }
  return { fields };
}

/** A `fields` map entry: key (1), Value (2); at the depth of the Struct (as protobufjs counts). */
function readFieldsEntry(r: WireReader, depth: number): [string, ValueObject] {
  let key = '';
  let value: ValueObject | undefined;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) value = r.message(depth + 1, readValue);
    else r.skip(tag, depth);
  }
  return [key, value ?? {}];
}

/**
 * Reads the fields of a `Value`. When several members are on the wire the last one wins (a oneof).
 *
 * @example
 * ```ts
 * const v = r.message(depth + 1, readValue);
 * ```
 */
export function readValue(r: WireReader, depth: number): ValueObject {
  let value: ValueObject = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: {
        const n = r.int32();
        value = { nullValue: n === 0 ? 'NULL_VALUE' : n, kind: 'nullValue' };
        break;
      }
      case 0x11:
        value = { numberValue: r.double(), kind: 'numberValue' };
        break;
      case 0x1a:
        value = { stringValue: r.string(), kind: 'stringValue' };
        break;
      case 0x20:
        value = { boolValue: r.bool(), kind: 'boolValue' };
        break;
      case 0x2a:
        value = { structValue: r.message(depth + 1, readStruct), kind: 'structValue' };
        break;
      case 0x32:
        value = { listValue: r.message(depth + 1, readListValue), kind: 'listValue' };
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return value;
}

/**
 * Reads the fields of a `ListValue`.
 *
 * @example
 * ```ts
 * const list = r.message(depth + 1, readListValue);
 * ```
 */
export function readListValue(r: WireReader, depth: number): ListValueObject {
  const values: ValueObject[] = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) values.push(r.message(depth + 1, readValue));
    else r.skip(tag, depth);
  }
  return { values };
}

function tooDeep(where: string, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) throw new ProtobufWireError('ERR_PROTOBUF_TOO_DEEP', `${where}: messages are nested deeper than ${MAX_NESTING_DEPTH} levels`);
}

/**
 * Writes the fields of a `Struct` given as `{ fields: { key: Value } }`; `depth` is its nesting depth.
 *
 * @example
 * ```ts
 * const at = w.tag(2, 2).fork();
 * writeStruct(w, { fields: { exp: { numberValue: 1700000000 } } }, 1, 'claims');
 * w.ldelim(at);
 * ```
 */
export function writeStruct(w: WireWriter, struct: MessageInput, depth: number, where: string): void {
  tooDeep(where, depth);
  const fields = mapInput(struct['fields'], `${where}.fields`);
  if (fields === undefined) return;
  for (const key of Object.keys(fields)) {
    const here = `${where}.fields[${JSON.stringify(key.slice(0, 100))}]`;
    const value = messageInput(fields[key], here);
    const entry = w.tag(1, 2).fork();
    w.tag(1, 2).string(key);
    const at = w.tag(2, 2).fork();
    writeValue(w, value, depth + 1, here);
    w.ldelim(at).ldelim(entry);
  }
}

/**
 * Writes the fields of a `Value`: each member present (`nullValue`, `numberValue`, `stringValue`,
 * `boolValue`, `structValue`, `listValue`), as protobufjs' `fromObject` reads them (`kind` is ignored).
 *
 * @example
 * ```ts
 * writeValue(w, { stringValue: 'api' }, 2, 'claims.fields.aud');
 * ```
 */
export function writeValue(w: WireWriter, value: MessageInput, depth: number, where: string): void {
  tooDeep(where, depth);
  const nullValue = value['nullValue'];
  if (nullValue === 'NULL_VALUE') w.tag(1, 0).uint32(0);
  else if (typeof nullValue === 'number') w.tag(1, 0).int32(nullValue);
  if (value['numberValue'] !== undefined && value['numberValue'] !== null) w.tag(2, 1).double(Number(value['numberValue']));
  if (value['stringValue'] !== undefined && value['stringValue'] !== null) w.tag(3, 2).string(String(value['stringValue']));
  if (value['boolValue'] !== undefined && value['boolValue'] !== null) w.tag(4, 0).bool(Boolean(value['boolValue']));
  const struct = optionalMessage(value['structValue'], `${where}.structValue`);
  if (struct !== undefined) {
    const at = w.tag(5, 2).fork();
    writeStruct(w, struct, depth + 1, `${where}.structValue`);
    w.ldelim(at);
  }
  const list = optionalMessage(value['listValue'], `${where}.listValue`);
  if (list !== undefined) {
    const at = w.tag(6, 2).fork();
    writeListValue(w, list, depth + 1, `${where}.listValue`);
    w.ldelim(at);
  }
}

/**
 * Writes the fields of a `ListValue` given as `{ values: Value[] }`.
 *
 * @example
 * ```ts
 * writeListValue(w, { values: [{ stringValue: 'api' }] }, 3, 'claims.fields.aud.listValue');
 * ```
 */
export function writeListValue(w: WireWriter, list: MessageInput, depth: number, where: string): void {
  tooDeep(where, depth);
  const values = repeatedInput(list['values'], `${where}.values`) ?? [];
  for (let i = 0; i < values.length; i++) {
    const value = messageInput(values[i], `${where}.values[${i}]`);
    const at = w.tag(1, 2).fork();
    writeValue(w, value, depth + 1, `${where}.values[${i}]`);
    w.ldelim(at);
  }
}

// ==== The Workload API messages ======================================================================
// One {@link MessageCodec} per message; the shapes are described at the top of the module.

/**
 * An encoder and a decoder of one message type.
 *
 * @example
 * ```ts
 * const codec: MessageCodec<X509SvidResponseObject> = X509_SVID_RESPONSE;
 * const back = codec.decode(codec.encode({ svids: [] })); // { svids: [], crl: [], federated_bundles: {} }
 * ```
 */
export interface MessageCodec<T> {
  /** The proto message name. */
  readonly name: string;
  /** Encodes a message given as proto-loader takes it; throws {@link ProtobufWireError} `ERR_PROTOBUF_INVALID_VALUE`. */
  encode(value: unknown): Buffer;
  /** Decodes a message; throws {@link ProtobufWireError} on malformed bytes. */
  decode(bytes: Uint8Array): T;
}

/**
 * A decoded `X509SVID`.
 *
 * @example
 * ```ts
 * const svid: X509SvidObject = X509_SVID_RESPONSE.decode(bytes).svids[0]!;
 * ```
 */
export interface X509SvidObject {
  spiffe_id: string;
  x509_svid: Buffer;
  x509_svid_key: Buffer;
  bundle: Buffer;
  hint: string;
}

/**
 * A decoded `X509SVIDResponse`.
 *
 * @example
 * ```ts
 * const { svids, crl, federated_bundles }: X509SvidResponseObject = X509_SVID_RESPONSE.decode(bytes);
 * ```
 */
export interface X509SvidResponseObject {
  svids: X509SvidObject[];
  crl: Buffer[];
  federated_bundles: Record<string, Buffer>;
}

/**
 * A decoded `X509BundlesResponse`.
 *
 * @example
 * ```ts
 * const { bundles }: X509BundlesResponseObject = X509_BUNDLES_RESPONSE.decode(bytes);
 * ```
 */
export interface X509BundlesResponseObject {
  crl: Buffer[];
  bundles: Record<string, Buffer>;
}

/**
 * A decoded `JWTSVIDRequest`.
 *
 * @example
 * ```ts
 * const req: JwtSvidRequestObject = JWT_SVID_REQUEST.decode(bytes); // { audience: ['api'], spiffe_id: '' }
 * ```
 */
export interface JwtSvidRequestObject {
  audience: string[];
  spiffe_id: string;
}

/**
 * A decoded `JWTSVID`.
 *
 * @example
 * ```ts
 * const token: string = (JWT_SVID_RESPONSE.decode(bytes).svids[0] as JwtSvidObject).svid;
 * ```
 */
export interface JwtSvidObject {
  spiffe_id: string;
  svid: string;
  hint: string;
}

/**
 * A decoded `JWTSVIDResponse`.
 *
 * @example
 * ```ts
 * const { svids }: JwtSvidResponseObject = JWT_SVID_RESPONSE.decode(bytes);
 * ```
 */
export interface JwtSvidResponseObject {
  svids: JwtSvidObject[];
}

/**
 * A decoded `JWTBundlesResponse`.
 *
 * @example
 * ```ts
 * const { bundles }: JwtBundlesResponseObject = JWT_BUNDLES_RESPONSE.decode(bytes);
 * ```
 */
export interface JwtBundlesResponseObject {
  bundles: Record<string, Buffer>;
}

/**
 * A decoded `ValidateJWTSVIDRequest`.
 *
 * @example
 * ```ts
 * const req: ValidateJwtSvidRequestObject = VALIDATE_JWT_SVID_REQUEST.decode(bytes); // { audience: 'api', svid: 'a.b.c' }
 * ```
 */
export interface ValidateJwtSvidRequestObject {
  audience: string;
  svid: string;
}

/**
 * A decoded `ValidateJWTSVIDResponse`; `claims` is `null` when absent.
 *
 * @example
 * ```ts
 * const { spiffe_id, claims }: ValidateJwtSvidResponseObject = VALIDATE_JWT_SVID_RESPONSE.decode(bytes);
 * ```
 */
export interface ValidateJwtSvidResponseObject {
  spiffe_id: string;
  claims: StructObject | null;
}

type Read<T> = (r: WireReader, depth: number) => T;
type Write = (w: WireWriter, m: MessageInput, depth: number, where: string) => void;

function codec<T>(name: string, write: Write, read: Read<T>): MessageCodec<T> {
  return Object.freeze({
    name,
    encode(value: unknown): Buffer {
      const w = new WireWriter();
      write(w, messageInput(value, name), 0, name);
      return w.finish();
    },
    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array)) throw new ProtobufWireError('ERR_PROTOBUF_INVALID_VALUE', `${name}: expected bytes to decode`);
      return read(new WireReader(bytes), 0);
    },
  });
}

// ---- shared field helpers ---------------------------------------------------------------------

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function writeString(w: WireWriter, field: number, value: unknown): void {
  if (present(value)) w.tag(field, 2).string(String(value));
}

function writeBytes(w: WireWriter, field: number, value: unknown, where: string): void {
  if (present(value)) w.tag(field, 2).bytes(bytesInput(value, where));
}

function writeRepeatedBytes(w: WireWriter, field: number, value: unknown, where: string): void {
  const list = repeatedInput(value, where);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) w.tag(field, 2).bytes(bytesInput(list[i], `${where}[${i}]`));
}

function writeBytesMap(w: WireWriter, field: number, value: unknown, where: string): void {
  const map = mapInput(value, where);
  if (map === undefined) return;
  for (const key of Object.keys(map)) {
    const bytes = bytesInput(map[key], `${where}[${JSON.stringify(key.slice(0, 100))}]`);
    const at = w.tag(field, 2).fork();
    w.tag(1, 2).string(key).tag(2, 2).bytes(bytes);
    w.ldelim(at);
  }
}

function writeMessages(w: WireWriter, field: number, value: unknown, depth: number, where: string, write: Write): void {
  const list = repeatedInput(value, where);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const here = `${where}[${i}]`;
    const m = messageInput(list[i], here);
    const at = w.tag(field, 2).fork();
    write(w, m, depth + 1, here);
    w.ldelim(at);
  }
}

/** A `map<string, bytes>` entry: key (1), value (2); an absent value is an empty `Buffer`. */
function readBytesEntry(r: WireReader, depth: number): [string, Buffer] {
  let key = '';
  let value: Buffer | undefined;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) value = r.bytes();
    else r.skip(tag, depth);
  }
  return [key, value ?? Buffer.alloc(0)];
}

function readEntryInto(r: WireReader, depth: number, map: Record<string, Buffer>): void {
  const [key, value] = r.message(depth, readBytesEntry);
  setEntry(map, key, value);
}

/** A message without fields: every field skipped. */
function readEmpty(r: WireReader, depth: number): Record<string, never> {
  while (r.pos < r.limit) r.skip(r.tag(), depth);
  return {};
}

function writeEmpty(): void {}

// ---- X.509 ------------------------------------------------------------------------------------

function readX509Svid(r: WireReader, depth: number): X509SvidObject {
  let spiffeId = '';
  let svid: Buffer | undefined;
  let key: Buffer | undefined;
  let bundle: Buffer | undefined;
  let hint = '';
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        spiffeId = r.string();
        break;
      case 0x12:
        svid = r.bytes();
        break;
      case 0x1a:
        key = r.bytes();
        break;
      case 0x22:
        bundle = r.bytes();
        break;
      case 0x2a:
        hint = r.string();
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return { spiffe_id: spiffeId, x509_svid: svid ?? Buffer.alloc(0), x509_svid_key: key ?? Buffer.alloc(0), bundle: bundle ?? Buffer.alloc(0), hint };
}

function writeX509Svid(w: WireWriter, m: MessageInput, _depth: number, where: string): void {
  writeString(w, 1, m['spiffe_id']);
  writeBytes(w, 2, m['x509_svid'], `${where}.x509_svid`);
  writeBytes(w, 3, m['x509_svid_key'], `${where}.x509_svid_key`);
  writeBytes(w, 4, m['bundle'], `${where}.bundle`);
  writeString(w, 5, m['hint']);
}

function readX509SvidResponse(r: WireReader, depth: number): X509SvidResponseObject {
  const out: X509SvidResponseObject = { svids: [], crl: [], federated_bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        out.svids.push(r.message(depth + 1, readX509Svid));
        break;
      case 0x12:
        out.crl.push(r.bytes());
        break;
      case 0x1a:
        readEntryInto(r, depth, out.federated_bundles);
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return out;
}

function writeX509SvidResponse(w: WireWriter, m: MessageInput, depth: number, where: string): void {
  writeMessages(w, 1, m['svids'], depth, `${where}.svids`, writeX509Svid);
  writeRepeatedBytes(w, 2, m['crl'], `${where}.crl`);
  writeBytesMap(w, 3, m['federated_bundles'], `${where}.federated_bundles`);
}

function readX509BundlesResponse(r: WireReader, depth: number): X509BundlesResponseObject {
  const out: X509BundlesResponseObject = { crl: [], bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.crl.push(r.bytes());
    else if (tag === 0x12) readEntryInto(r, depth, out.bundles);
    else r.skip(tag, depth);
  }
  return out;
}

function writeX509BundlesResponse(w: WireWriter, m: MessageInput, _depth: number, where: string): void {
  writeRepeatedBytes(w, 1, m['crl'], `${where}.crl`);
  writeBytesMap(w, 2, m['bundles'], `${where}.bundles`);
}

// ---- JWT --------------------------------------------------------------------------------------

function readJwtSvidRequest(r: WireReader, depth: number): JwtSvidRequestObject {
  const out: JwtSvidRequestObject = { audience: [], spiffe_id: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.audience.push(r.string());
    else if (tag === 0x12) out.spiffe_id = r.string();
    else r.skip(tag, depth);
  }
  return out;
}

function writeJwtSvidRequest(w: WireWriter, m: MessageInput, _depth: number, where: string): void {
  for (const a of repeatedInput(m['audience'], `${where}.audience`) ?? []) w.tag(1, 2).string(String(a));
  writeString(w, 2, m['spiffe_id']);
}

function readJwtSvid(r: WireReader, depth: number): JwtSvidObject {
  const out: JwtSvidObject = { spiffe_id: '', svid: '', hint: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.spiffe_id = r.string();
    else if (tag === 0x12) out.svid = r.string();
    else if (tag === 0x1a) out.hint = r.string();
    else r.skip(tag, depth);
  }
  return out;
}

function writeJwtSvid(w: WireWriter, m: MessageInput): void {
  writeString(w, 1, m['spiffe_id']);
  writeString(w, 2, m['svid']);
  writeString(w, 3, m['hint']);
}

function readJwtSvidResponse(r: WireReader, depth: number): JwtSvidResponseObject {
  const out: JwtSvidResponseObject = { svids: [] };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.svids.push(r.message(depth + 1, readJwtSvid));
    else r.skip(tag, depth);
  }
  return out;
}

function writeJwtSvidResponse(w: WireWriter, m: MessageInput, depth: number, where: string): void {
  writeMessages(w, 1, m['svids'], depth, `${where}.svids`, writeJwtSvid);
}

function readJwtBundlesResponse(r: WireReader, depth: number): JwtBundlesResponseObject {
  const out: JwtBundlesResponseObject = { bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) readEntryInto(r, depth, out.bundles);
    else r.skip(tag, depth);
  }
  return out;
}

function writeJwtBundlesResponse(w: WireWriter, m: MessageInput, _depth: number, where: string): void {
  writeBytesMap(w, 1, m['bundles'], `${where}.bundles`);
}

function readValidateJwtSvidRequest(r: WireReader, depth: number): ValidateJwtSvidRequestObject {
  const out: ValidateJwtSvidRequestObject = { audience: '', svid: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.audience = r.string();
    else if (tag === 0x12) out.svid = r.string();
    else r.skip(tag, depth);
  }
  return out;
}

function writeValidateJwtSvidRequest(w: WireWriter, m: MessageInput): void {
  writeString(w, 1, m['audience']);
  writeString(w, 2, m['svid']);
}

function readValidateJwtSvidResponse(r: WireReader, depth: number): ValidateJwtSvidResponseObject {
  const out: ValidateJwtSvidResponseObject = { spiffe_id: '', claims: null };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 0x0a) out.spiffe_id = r.string();
    else if (tag === 0x12) out.claims = r.message(depth + 1, readStruct);
    else r.skip(tag, depth);
  }
  return out;
}

function writeValidateJwtSvidResponse(w: WireWriter, m: MessageInput, depth: number, where: string): void {
  writeString(w, 1, m['spiffe_id']);
  const claims = optionalMessage(m['claims'], `${where}.claims`);
  if (claims !== undefined) {
    const at = w.tag(2, 2).fork();
    writeStruct(w, claims, depth + 1, `${where}.claims`);
    w.ldelim(at);
  }
}

// ---- the codecs -------------------------------------------------------------------------------

/**
 * `X509SVIDRequest` (no fields).
 *
 * @example
 * ```ts
 * X509_SVID_REQUEST.encode({}); // an empty Buffer
 * ```
 */
export const X509_SVID_REQUEST: MessageCodec<Record<string, never>> = codec('X509SVIDRequest', writeEmpty, readEmpty);

/**
 * `X509SVIDResponse` (the `FetchX509SVID` stream).
 *
 * @example
 * ```ts
 * const msg = X509_SVID_RESPONSE.decode(bytes);
 * ```
 */
export const X509_SVID_RESPONSE: MessageCodec<X509SvidResponseObject> = codec('X509SVIDResponse', writeX509SvidResponse, readX509SvidResponse);

/**
 * `X509BundlesRequest` (no fields).
 *
 * @example
 * ```ts
 * X509_BUNDLES_REQUEST.encode({});
 * ```
 */
export const X509_BUNDLES_REQUEST: MessageCodec<Record<string, never>> = codec('X509BundlesRequest', writeEmpty, readEmpty);

/**
 * `X509BundlesResponse` (the `FetchX509Bundles` stream).
 *
 * @example
 * ```ts
 * const { bundles } = X509_BUNDLES_RESPONSE.decode(bytes);
 * ```
 */
export const X509_BUNDLES_RESPONSE: MessageCodec<X509BundlesResponseObject> = codec('X509BundlesResponse', writeX509BundlesResponse, readX509BundlesResponse);

/**
 * `JWTSVIDRequest`.
 *
 * @example
 * ```ts
 * JWT_SVID_REQUEST.encode({ audience: ['api'] });
 * ```
 */
export const JWT_SVID_REQUEST: MessageCodec<JwtSvidRequestObject> = codec('JWTSVIDRequest', writeJwtSvidRequest, readJwtSvidRequest);

/**
 * `JWTSVIDResponse`.
 *
 * @example
 * ```ts
 * const { svids } = JWT_SVID_RESPONSE.decode(bytes);
 * ```
 */
export const JWT_SVID_RESPONSE: MessageCodec<JwtSvidResponseObject> = codec('JWTSVIDResponse', writeJwtSvidResponse, readJwtSvidResponse);

/**
 * `JWTBundlesRequest` (no fields).
 *
 * @example
 * ```ts
 * JWT_BUNDLES_REQUEST.encode({});
 * ```
 */
export const JWT_BUNDLES_REQUEST: MessageCodec<Record<string, never>> = codec('JWTBundlesRequest', writeEmpty, readEmpty);

/**
 * `JWTBundlesResponse` (the `FetchJWTBundles` stream).
 *
 * @example
 * ```ts
 * const { bundles } = JWT_BUNDLES_RESPONSE.decode(bytes);
 * ```
 */
export const JWT_BUNDLES_RESPONSE: MessageCodec<JwtBundlesResponseObject> = codec('JWTBundlesResponse', writeJwtBundlesResponse, readJwtBundlesResponse);

/**
 * `ValidateJWTSVIDRequest`.
 *
 * @example
 * ```ts
 * VALIDATE_JWT_SVID_REQUEST.encode({ audience: 'api', svid: token });
 * ```
 */
export const VALIDATE_JWT_SVID_REQUEST: MessageCodec<ValidateJwtSvidRequestObject> = codec('ValidateJWTSVIDRequest', writeValidateJwtSvidRequest, readValidateJwtSvidRequest);

/**
 * `ValidateJWTSVIDResponse`, `claims` as a decoded `google.protobuf.Struct`.
 *
 * @example
 * ```ts
 * const { spiffe_id, claims } = VALIDATE_JWT_SVID_RESPONSE.decode(bytes);
 * ```
 */
export const VALIDATE_JWT_SVID_RESPONSE: MessageCodec<ValidateJwtSvidResponseObject> = codec('ValidateJWTSVIDResponse', writeValidateJwtSvidResponse, readValidateJwtSvidResponse);
