/**
 * The wire-format checks spiffe-kit adds to the decoders ts-proto generates into `src/gen/`
 * (`scripts/gen.mjs` patches the generated code to call them). The generated decoders read with
 * `@bufbuild/protobuf/wire`'s `BinaryReader`, which checks every read against the end of the
 * whole buffer only, and reads tags with `uint32()`; on hostile bytes that means:
 *
 * - a tag of field number 0 or wire type 4 (end-group) silently ends the message being read,
 *   and the rest of its bytes are then read as fields of the enclosing message;
 * - a tag varint over 32 bits is truncated to its low 32 bits (it can alias a known field);
 * - wire types 6 and 7 are refused only when skipped;
 * - the last field of an embedded message may run past the embedded message's length into the
 *   bytes that follow it (its fields are then read twice, differently).
 *
 * Go's `google.golang.org/protobuf/encoding/protowire` (`ConsumeTag`, `ConsumeField`) refuses
 * each of these, and so did spiffe-kit's earlier hand-written codec; {@link readTag} and
 * {@link endOfMessage} restore those refusals. Lengths get the same 32-bit check as tags
 * ({@link lengthChecked}, {@link skipField}): `uint32()` would also keep the low 32 bits of a
 * longer length. A known field with another wire type is skipped as an unknown field (as Go and
 * the generated code do). {@link decodeWire} turns every failure of a generated decoder into a
 * {@link ProtoWireFormatError} with a code.
 *
 * Left lenient on purpose (nothing is read from these bytes): the varint of a skipped unknown field
 * may be longer than 10 bytes or hold more than 64 bits (`BinaryReader.skip` only looks for the
 * last byte), and the fields inside a skipped group are skipped by `skip` alone (their lengths
 * unchecked); Go refuses these. Invalid UTF-8 in a string field becomes U+FFFD, as with the hand
 * codec (Go refuses it in proto3). Nesting is bounded by ts-proto's recursion limit of 100
 * messages per reader, and groups inside skipped fields by `skip`'s own limit of 100.
 *
 * @module
 */
import type { BinaryReader } from '@bufbuild/protobuf/wire';
import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link ProtoWireFormatError}: `ERR_PROTOBUF_TRUNCATED` (the bytes end inside a field,
 * or a field runs past its message), `ERR_PROTOBUF_TOO_DEEP` (messages nested past the recursion
 * limit), `ERR_PROTOBUF_MALFORMED` (anything else the wire format forbids).
 */
export type ProtoWireFormatErrorCode = 'ERR_PROTOBUF_MALFORMED' | 'ERR_PROTOBUF_TRUNCATED' | 'ERR_PROTOBUF_TOO_DEEP';

/** Bytes that break the protobuf wire format in one of the ways the module comment lists. */
export class ProtoWireFormatError extends SpiffeError {
  declare readonly code: ProtoWireFormatErrorCode;

  constructor(code: ProtoWireFormatErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Decodes `bytes` with a generated decoder, every failure as a {@link ProtoWireFormatError}: the
 * generated code and `BinaryReader` throw plain `Error`s of their own for truncation
 * (`RangeError: premature EOF`), the recursion limit, bad varints and unclosed groups; `name` (the
 * message's proto name) prefixes the message.
 */
export function decodeWire<T>(fns: { decode(input: Uint8Array): T }, bytes: Uint8Array, name: string): T {
  if (!(bytes instanceof Uint8Array)) throw new ProtoWireFormatError('ERR_PROTOBUF_MALFORMED', `${name}: expected bytes to decode, got ${typeof bytes}`);
  try {
    return fns.decode(bytes);
  } catch (err) {
    if (err instanceof ProtoWireFormatError) throw new ProtoWireFormatError(err.code, `${name}: ${err.message}`, { cause: err });
    const message = err instanceof Error ? err.message : String(err);
    const code = /premature EOF/.test(message) ? 'ERR_PROTOBUF_TRUNCATED' : /recursion|call stack/i.test(message) ? 'ERR_PROTOBUF_TOO_DEEP' : 'ERR_PROTOBUF_MALFORMED';
    throw new ProtoWireFormatError(code, `${name}: ${message}`, { cause: err });
  }
}

/**
 * Reads a tag as `reader.uint32()` does, refusing a varint over 32 bits, field number 0 and wire
 * types 4 (end-group outside a group), 6 and 7.
 */
export function readTag(reader: BinaryReader): number {
  const start = reader.pos;
  const tag = reader.uint32();
  const read = reader.pos - start;
  // A 5-byte varint holds 32 bits only when its last byte is at most 0x0f.
  if (read > 5 || (read === 5 && ((reader as unknown as { buf: Uint8Array }).buf[reader.pos - 1] ?? 0) > 0x0f)) {
    throw new ProtoWireFormatError('ERR_PROTOBUF_MALFORMED', `a tag over 32 bits at byte offset ${start}`);
  }
  const wireType = tag & 7;
  if (tag >>> 3 === 0) throw new ProtoWireFormatError('ERR_PROTOBUF_MALFORMED', `a tag with field number 0 at byte offset ${start}`);
  if (wireType === 4) throw new ProtoWireFormatError('ERR_PROTOBUF_MALFORMED', `an end-group tag without its start group at byte offset ${start}`);
  if (wireType > 5) throw new ProtoWireFormatError('ERR_PROTOBUF_MALFORMED', `wire type ${wireType} (no such wire type) at byte offset ${start}`);
  return tag;
}

/**
 * Returns `reader` after checking that the varint at its position (a length: of bytes, a string,
 * an embedded message) holds at most 32 bits. `BinaryReader.uint32()` keeps the low 32 bits of a
 * longer one, so a length of 2^32 + 5 would read as 5 and the bytes after those 5 as the next
 * fields; Go's `protowire.ConsumeBytes` refuses it (longer than any message), and so does this.
 */
export function lengthChecked(reader: BinaryReader): BinaryReader {
  const buf = (reader as unknown as { buf: Uint8Array }).buf;
  const at = reader.pos;
  // Bytes 0-3 hold bits 0-27 and byte 4 bits 28-34: over 32 bits when byte 4 has bits 4-6 set or
  // a later byte (a varint has at most 10) has any value bits.
  if (((buf[at] ?? 0) & (buf[at + 1] ?? 0) & (buf[at + 2] ?? 0) & (buf[at + 3] ?? 0) & 0x80) !== 0 && ((buf[at + 4] ?? 0) & 0x70) !== 0) {
    throw new ProtoWireFormatError('ERR_PROTOBUF_TRUNCATED', `a length over 32 bits at byte offset ${at}`);
  }
  if (((buf[at] ?? 0) & (buf[at + 1] ?? 0) & (buf[at + 2] ?? 0) & (buf[at + 3] ?? 0) & (buf[at + 4] ?? 0) & 0x80) !== 0) {
    for (let i = at + 5; i < at + 10 && i < buf.length; i++) {
      const b = buf[i] as number;
      if ((b & 0x7f) !== 0) throw new ProtoWireFormatError('ERR_PROTOBUF_TRUNCATED', `a length over 32 bits at byte offset ${at}`);
      if ((b & 0x80) === 0) break;
    }
  }
  return reader;
}

/**
 * Skips the field of `tag` as `reader.skip` does, a group up to the end-group tag of its own field
 * number, a length first through {@link lengthChecked}.
 */
export function skipField(reader: BinaryReader, tag: number): void {
  if ((tag & 7) === 2) lengthChecked(reader);
  reader.skip(tag & 7, tag >>> 3);
}

/** Refuses a message whose last field ran past its end (`end`, from its length prefix). */
export function endOfMessage(reader: BinaryReader, end: number): void {
  if (reader.pos !== end) throw new ProtoWireFormatError('ERR_PROTOBUF_TRUNCATED', `a field runs ${reader.pos - end} bytes past the end of its message at byte offset ${end}`);
}

/** `bytes` (a subarray of the message being decoded) as a `Buffer` over the same memory, not a copy. */
export function bytesView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
