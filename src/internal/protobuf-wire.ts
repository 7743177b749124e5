/**
 * The protobuf wire format, read and written by hand: the bounds-checked {@link WireReader} and
 * the {@link WireWriter}, their error {@link ProtobufWireError}, and the input checks of the
 * encoders (protobufjs `fromObject` leniency). Shared by the hand-written Workload API codec
 * (`src/workloadapi/codec.ts`, which the test Workload API serves with) and the registrar's Entry
 * API codec (`src/registrar/entry-codec.ts`), so neither imports the other's layer.
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
