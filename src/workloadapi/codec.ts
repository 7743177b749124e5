/**
 * A hand-written codec of the protobuf wire format for the messages of `proto/workload.proto`
 * (the SPIFFE Workload API) and the `google.protobuf.Struct` it uses, so that the test Workload
 * API does not load `@grpc/proto-loader` and protobufjs at run time (≈50 ms of start-up,
 * measured); its reader and writer also serve the registrar's Entry API codec. The client no
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
import { SpiffeError } from '../errors.js';

// ==== Errors =========================================================================================
// The error of the protobuf wire codec: bytes that are not a well-formed message (truncated,
// malformed, nested too deeply), or a value that cannot be encoded as the message asked for.

/**
 * Codes of {@link ProtobufWireError}:
 *
 * - `ERR_PROTOBUF_TRUNCATED`: the bytes end inside a field (a varint, a fixed-size value or a
 *   length-delimited field runs past the end of the message that holds it);
 * - `ERR_PROTOBUF_MALFORMED`: a varint longer than 10 bytes or over 64 bits, a tag over 32 bits,
 *   field number 0, wire type 6 or 7, an end-group without its start or with another field number;
 * - `ERR_PROTOBUF_TOO_DEEP`: messages (or groups) nested deeper than {@link MAX_NESTING_DEPTH};
 * - `ERR_PROTOBUF_INVALID_VALUE`: the encoder was given a value of the wrong shape (a non-array
 *   for a repeated field, a non-object for a message, something that is not bytes for a bytes field).
 *
 * @example
 * ```ts
 * const code: ProtobufWireErrorCode = 'ERR_PROTOBUF_TRUNCATED';
 * ```
 */
export type ProtobufWireErrorCode = 'ERR_PROTOBUF_TRUNCATED' | 'ERR_PROTOBUF_MALFORMED' | 'ERR_PROTOBUF_TOO_DEEP' | 'ERR_PROTOBUF_INVALID_VALUE';

/**
 * Deepest message nesting the codec reads or writes: the top-level message is depth 0, and a
 * message at depth 101 is refused. The same limit as protoc's `CodedInputStream` and protobufjs;
 * it bounds the recursion on `google.protobuf.Struct` / `Value` / `ListValue` and on groups.
 *
 * @example
 * ```ts
 * if (depth > MAX_NESTING_DEPTH) throw new ProtobufWireError('ERR_PROTOBUF_TOO_DEEP', 'nested too deeply');
 * ```
 */
export const MAX_NESTING_DEPTH = 100;

/**
 * Bytes that are not a well-formed protobuf message, or a value the encoder cannot write. The
 * message says what was wrong and, when decoding, at which byte offset ({@link ProtobufWireError.offset}).
 *
 * @example
 * ```ts
 * import { X509_SVID_RESPONSE } from './codec.js';
 * try {
 *   X509_SVID_RESPONSE.decode(Buffer.from([0x0a, 0x05, 0x01])); // field 1 announces 5 bytes, 1 follows
 * } catch (err) {
 *   if (err instanceof ProtobufWireError) console.log(err.code, err.offset); // 'ERR_PROTOBUF_TRUNCATED' 1
 * }
 * ```
 */
export class ProtobufWireError extends SpiffeError {
  declare readonly code: ProtobufWireErrorCode;
  /** Byte offset of the problem in the decoded bytes, when decoding. */
  readonly offset: number | undefined;

  constructor(code: ProtobufWireErrorCode, message: string, offset?: number) {
    super(code, offset === undefined ? message : `${message} (at byte offset ${offset})`);
    this.offset = offset;
  }
}

// ==== Encoder input (protobufjs fromObject leniency) =================================================
// Checks and conversions of the values given to the encoders, with the leniency of
// protobufjs' `fromObject` (which `@grpc/proto-loader` serializers apply): strings and numbers
// are converted, `null` / `undefined` mean "absent", bytes may be a `Uint8Array`, a base64 string
// or an array of byte values. Anything else is a {@link ProtobufWireError} `ERR_PROTOBUF_INVALID_VALUE`.

/**
 * A message given to an encoder: a plain object of fields.
 *
 * @example
 * ```ts
 * const m: MessageInput = { spiffe_id: 'spiffe://example.org/web' };
 * ```
 */
export type MessageInput = Readonly<Record<string, unknown>>;

function invalid(where: string, expected: string, value: unknown): ProtobufWireError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return new ProtobufWireError('ERR_PROTOBUF_INVALID_VALUE', `${where}: expected ${expected}, got ${got}`);
}

/**
 * `value` as a message (a non-array object), or a `ERR_PROTOBUF_INVALID_VALUE` error.
 *
 * @example
 * ```ts
 * const m = messageInput(value, 'X509SVIDResponse');
 * ```
 */
export function messageInput(value: unknown, where: string): MessageInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(where, 'an object', value);
  return value as MessageInput;
}

/**
 * Like {@link messageInput}, with `null` and `undefined` read as absent.
 *
 * @example
 * ```ts
 * const claims = optionalMessage(m['claims'], 'ValidateJWTSVIDResponse.claims');
 * ```
 */
export function optionalMessage(value: unknown, where: string): MessageInput | undefined {
  return value === undefined || value === null ? undefined : messageInput(value, where);
}

/**
 * A repeated field: an array, or `undefined` when absent.
 *
 * @example
 * ```ts
 * for (const s of repeatedInput(m['svids'], 'X509SVIDResponse.svids') ?? []) writeSvid(w, s);
 * ```
 */
export function repeatedInput(value: unknown, where: string): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid(where, 'an array', value);
  return value;
}

/**
 * A map field: a plain object, or `undefined` when absent.
 *
 * @example
 * ```ts
 * const bundles = mapInput(m['bundles'], 'JWTBundlesResponse.bundles');
 * ```
 */
export function mapInput(value: unknown, where: string): MessageInput | undefined {
  return optionalMessage(value, where);
}

/**
 * A bytes field: a `Uint8Array` as is, a string read as base64, an array of byte values copied.
 *
 * @example
 * ```ts
 * w.tag(2, 2).bytes(bytesInput(svid['x509_svid'], 'X509SVID.x509_svid'));
 * ```
 */
export function bytesInput(value: unknown, where: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (Array.isArray(value)) return Buffer.from(value as number[]);
  throw invalid(where, 'bytes (a Uint8Array, a base64 string or an array of bytes)', value);
}

// ==== Reader =========================================================================================
// A bounds-checked reader of the protobuf wire format
// (https://protobuf.dev/programming-guides/encoding/): tags, varints, fixed-size values,
// length-delimited fields, and skipping of unknown fields of every wire type (groups included).
// Every read checks against {@link WireReader.limit} (the end of the message being read), so a
// truncated or lying length never reads past the bytes given; every step consumes at least one
// byte, so no input loops forever; nesting is bounded by {@link MAX_NESTING_DEPTH}.

/**
 * Wire types (the low 3 bits of a tag).
 *
 * @example
 * ```ts
 * const tag = (1 << 3) | WireType.LengthDelimited; // field 1, bytes / string / message: 0x0a
 * ```
 */
export const WireType = Object.freeze({
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const);

/**
 * Reads protobuf fields from a buffer. Decoders loop `while (r.pos < r.limit)` over
 * {@link WireReader.tag}, read the fields they know and {@link WireReader.skip} the others.
 * Byte fields are views of the input (no copy), as protobufjs returns them.
 *
 * @example
 * ```ts
 * const r = new WireReader(bytes);
 * while (r.pos < r.limit) {
 *   const tag = r.tag();
 *   if (tag === 0x0a) name = r.string();
 *   else r.skip(tag, 0);
 * }
 * ```
 */
export class WireReader {
  /** The input, as a `Buffer` view. */
  readonly buf: Buffer;
  /** The next byte to read. */
  pos = 0;
  /** The end of the message being read (exclusive); never beyond `buf.length`. */
  limit: number;
  /** The high 32 bits of the last varint read by {@link WireReader.varint}. */
  #high = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.limit = this.buf.length;
  }

  /**
   * Reads a varint of up to 10 bytes (64 bits); returns its low 32 bits, unsigned. The high 32
   * bits are in {@link WireReader.high} until the next varint.
   *
   * @example
   * ```ts
   * const low = r.varint();
   * const isZero = low === 0 && r.high === 0;
   * ```
   */
  varint(): number {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    if (pos < limit) {
      const first = buf[pos] as number;
      if (first < 0x80) {
        this.pos = pos + 1;
        this.#high = 0;
        return first;
      }
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= limit) throw new ProtobufWireError('ERR_PROTOBUF_TRUNCATED', 'the bytes end inside a varint', pos);
      const b = buf[pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        if (i === 9 && b > 1) throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', 'a varint is over 64 bits', pos - 1);
        this.pos = pos;
        this.#high = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', 'a varint is longer than 10 bytes', pos - 1);
  }

  /**
   * The high 32 bits of the last varint read.
   *
   * @example
   * ```ts
   * r.varint();
   * if (r.high !== 0) throw new Error('over 32 bits');
   * ```
   */
  get high(): number {
    return this.#high;
  }

  /**
   * Reads a tag (`field << 3 | wireType`) and checks it: at most 32 bits, field number ≥ 1, wire
   * type 0–5. Compare it whole against the expected tag: a known field with another wire type
   * then falls to {@link WireReader.skip} as unknown, as Go's protobuf does.
   *
   * @example
   * ```ts
   * const tag = r.tag(); // 0x0a: field 1, length-delimited
   * ```
   */
  tag(): number {
    const at = this.pos;
    const tag = this.varint();
    if (this.#high !== 0) throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', 'a tag is over 32 bits', at);
    if (tag >>> 3 === 0) throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', 'field number 0', at);
    if ((tag & 7) > 5) throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', `invalid wire type ${tag & 7}`, at);
    return tag;
  }

  /**
   * Reads the length prefix of a length-delimited field and checks that that many bytes remain
   * before {@link WireReader.limit}.
   *
   * @example
   * ```ts
   * const end = r.length() + r.pos;
   * ```
   */
  length(): number {
    const at = this.pos;
    const len = this.varint();
    if (this.#high !== 0 || len > this.limit - this.pos) {
      throw new ProtobufWireError('ERR_PROTOBUF_TRUNCATED', `a length-delimited field announces ${this.#high !== 0 ? 'over 4 GiB' : `${len} bytes`} but ${this.limit - this.pos} remain`, at);
    }
    return len;
  }

  /**
   * Reads a length-delimited field as a `Buffer` view of the input.
   *
   * @example
   * ```ts
   * const der: Buffer = r.bytes();
   * ```
   */
  bytes(): Buffer {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  /**
   * Reads a length-delimited field as UTF-8 text (invalid sequences become U+FFFD, as in
   * protobufjs on Node).
   *
   * @example
   * ```ts
   * const id: string = r.string();
   * ```
   */
  string(): string {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return len === 0 ? '' : this.buf.toString('utf8', start, start + len);
  }

  /**
   * Reads an `int32` varint (the low 32 bits, signed).
   *
   * @example
   * ```ts
   * const n: number = r.int32();
   * ```
   */
  int32(): number {
    return this.varint() | 0;
  }

  /**
   * Reads a `bool` varint (any non-zero value of the 64 bits is true).
   *
   * @example
   * ```ts
   * const b: boolean = r.bool();
   * ```
   */
  bool(): boolean {
    return this.varint() !== 0 || this.#high !== 0;
  }

  /**
   * Reads a `double` (8 bytes, little-endian).
   *
   * @example
   * ```ts
   * const x: number = r.double();
   * ```
   */
  double(): number {
    const pos = this.pos;
    if (this.limit - pos < 8) throw new ProtobufWireError('ERR_PROTOBUF_TRUNCATED', 'the bytes end inside a 64-bit value', pos);
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  /**
   * Runs `read` over the embedded message that starts here (its length prefix first), with
   * {@link WireReader.limit} set to its end; `depth` is the nesting depth of that message.
   *
   * @throws {@link ProtobufWireError} `ERR_PROTOBUF_TOO_DEEP` past {@link MAX_NESTING_DEPTH}.
   * @example
   * ```ts
   * case 0x12: claims = r.message(depth + 1, readStruct); break;
   * ```
   */
  message<T>(depth: number, read: (r: WireReader, depth: number) => T): T {
    if (depth > MAX_NESTING_DEPTH) throw new ProtobufWireError('ERR_PROTOBUF_TOO_DEEP', `messages are nested deeper than ${MAX_NESTING_DEPTH} levels`, this.pos);
    const len = this.length();
    const outer = this.limit;
    const end = this.pos + len;
    this.limit = end;
    const value = read(this, depth);
    this.limit = outer;
    this.pos = end;
    return value;
  }

  /**
   * Skips the value of a field of any wire type, given its tag (as {@link WireReader.tag}
   * returned it); `depth` is the nesting depth of the message that holds the field.
   *
   * @throws {@link ProtobufWireError} when the value is truncated or malformed, or groups nest too deeply.
   * @example
   * ```ts
   * default: r.skip(tag, depth);
   * ```
   */
  skip(tag: number, depth: number): void {
    const at = this.pos;
    switch (tag & 7) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.#advance(8, at);
        return;
      case WireType.LengthDelimited: {
        const len = this.length(); // read before `this.pos` (a compound assignment reads it first)
        this.pos += len;
        return;
      }
      case WireType.Fixed32:
        this.#advance(4, at);
        return;
      case WireType.StartGroup: {
        if (depth + 1 > MAX_NESTING_DEPTH) throw new ProtobufWireError('ERR_PROTOBUF_TOO_DEEP', `groups are nested deeper than ${MAX_NESTING_DEPTH} levels`, at);
        const field = tag >>> 3;
        for (;;) {
          if (this.pos >= this.limit) throw new ProtobufWireError('ERR_PROTOBUF_TRUNCATED', `the bytes end inside group ${field}`, this.pos);
          const inner = this.tag();
          if ((inner & 7) === WireType.EndGroup) {
            if (inner >>> 3 !== field) throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', `group ${field} ends with the end-group of field ${inner >>> 3}`, this.pos);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        // EndGroup outside its group (the tag check already refused 6 and 7).
        throw new ProtobufWireError('ERR_PROTOBUF_MALFORMED', `an end-group of field ${tag >>> 3} without its start`, at);
    }
  }

  #advance(n: number, at: number): void {
    if (this.limit - this.pos < n) throw new ProtobufWireError('ERR_PROTOBUF_TRUNCATED', `the bytes end inside a ${n * 8}-bit value`, at);
    this.pos += n;
  }
}

// ==== Writer =========================================================================================
// A writer of the protobuf wire format into one growing buffer. Embedded messages reserve one
// byte for their length, and move their content when the length needs more (once per message,
// so large messages are not copied per nesting level more than once).

const INITIAL_SIZE = 256;

/**
 * Writes protobuf fields. {@link WireWriter.finish} returns the bytes written.
 *
 * @example
 * ```ts
 * const w = new WireWriter();
 * w.tag(1, 2).string('spiffe://example.org/web');
 * const at = w.fork();
 * w.tag(1, 2).bytes(der);
 * w.ldelim(at);
 * const bytes: Buffer = w.finish();
 * ```
 */
export class WireWriter {
  #buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  #pos = 0;

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /**
   * Writes a tag.
   *
   * @example
   * ```ts
   * w.tag(2, 1).double(1.5); // field 2, fixed 64-bit
   * ```
   */
  tag(field: number, wireType: number): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  /**
   * Writes an unsigned 32-bit varint.
   *
   * @example
   * ```ts
   * w.uint32(300); // 0xac 0x02
   * ```
   */
  uint32(value: number): this {
    this.#reserve(5);
    const buf = this.#buf;
    let pos = this.#pos;
    let v = value >>> 0;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.#pos = pos;
    return this;
  }

  /**
   * Writes an `int32` varint as protobuf does: negative values take 10 bytes (sign-extended to 64
   * bits), others their unsigned 32-bit form.
   *
   * @example
   * ```ts
   * w.tag(1, 0).int32(-1); // 0x08 0xff ×9 0x01
   * ```
   */
  int32(value: number): this {
    if (!(value < 0)) return this.uint32(value);
    let big = Number.isFinite(value) ? BigInt.asUintN(64, BigInt(Math.trunc(value))) : 0n;
    this.#reserve(10);
    const buf = this.#buf;
    while (big > 0x7fn) {
      buf[this.#pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    buf[this.#pos++] = Number(big);
    return this;
  }

  /**
   * Writes a `bool` varint (0 or 1).
   *
   * @example
   * ```ts
   * w.tag(4, 0).bool(true);
   * ```
   */
  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  /**
   * Writes a `double` (8 bytes, little-endian).
   *
   * @example
   * ```ts
   * w.tag(2, 1).double(1700000000);
   * ```
   */
  double(value: number): this {
    this.#reserve(8);
    this.#buf.writeDoubleLE(value, this.#pos);
    this.#pos += 8;
    return this;
  }

  /**
   * Writes a length-delimited field's length and bytes.
   *
   * @example
   * ```ts
   * w.tag(2, 2).bytes(certChainDer);
   * ```
   */
  bytes(value: Uint8Array): this {
    const len = value.byteLength;
    this.uint32(len);
    this.#reserve(len);
    this.#buf.set(value, this.#pos);
    this.#pos += len;
    return this;
  }

  /**
   * Writes a length-delimited field's length and UTF-8 text.
   *
   * @example
   * ```ts
   * w.tag(1, 2).string('spiffe://example.org/web');
   * ```
   */
  string(value: string): this {
    const len = Buffer.byteLength(value, 'utf8');
    this.uint32(len);
    this.#reserve(len);
    if (len > 0) this.#buf.write(value, this.#pos, len, 'utf8');
    this.#pos += len;
    return this;
  }

  /**
   * Starts an embedded message (after its tag): reserves its length prefix and returns the
   * position to give {@link WireWriter.ldelim} once its fields are written.
   *
   * @example
   * ```ts
   * const at = w.tag(1, 2).fork();
   * writeSvid(w, svid);
   * w.ldelim(at);
   * ```
   */
  fork(): number {
    this.#reserve(1);
    const at = this.#pos;
    this.#pos = at + 1;
    return at;
  }

  /**
   * Ends the embedded message started by {@link WireWriter.fork} at `at`: writes its length.
   *
   * @example
   * ```ts
   * w.ldelim(at);
   * ```
   */
  ldelim(at: number): this {
    const start = at + 1;
    const len = this.#pos - start;
    let size = 1;
    for (let v = len >>> 7; v > 0; v >>>= 7) size++;
    if (size > 1) {
      this.#reserve(size - 1);
      this.#buf.copyWithin(start + size - 1, start, this.#pos);
      this.#pos += size - 1;
    }
    const buf = this.#buf;
    let pos = at;
    let v = len;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
    return this;
  }

  /**
   * The bytes written so far (a view of the writer's buffer).
   *
   * @example
   * ```ts
   * const message: Buffer = w.finish();
   * ```
   */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }
}

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
