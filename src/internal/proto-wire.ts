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
 * {@link endOfMessage} restore those refusals. A known field with another wire type is skipped as
 * an unknown field (as Go and the generated code do).
 *
 * Left lenient on purpose (nothing is read from these bytes): the varint of a skipped unknown field
 * may be longer than 10 bytes or hold more than 64 bits (`BinaryReader.skip` only looks for the
 * last byte); Go refuses both. Invalid UTF-8 in a string field becomes U+FFFD, as with the hand
 * codec (Go refuses it in proto3). Nesting is bounded by ts-proto's recursion limit of 100
 * messages per reader, and groups inside skipped fields by `skip`'s own limit of 100.
 *
 * @module
 */
import type { BinaryReader } from '@bufbuild/protobuf/wire';

/** Bytes that break the protobuf wire format in one of the ways the module comment lists. */
export class ProtoWireFormatError extends Error {
  override readonly name = 'ProtoWireFormatError';
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
    throw new ProtoWireFormatError(`a tag over 32 bits at byte offset ${start}`);
  }
  const wireType = tag & 7;
  if (tag >>> 3 === 0) throw new ProtoWireFormatError(`a tag with field number 0 at byte offset ${start}`);
  if (wireType === 4) throw new ProtoWireFormatError(`an end-group tag without its start group at byte offset ${start}`);
  if (wireType > 5) throw new ProtoWireFormatError(`wire type ${wireType} (no such wire type) at byte offset ${start}`);
  return tag;
}

/** Refuses a message whose last field ran past its end (`end`, from its length prefix). */
export function endOfMessage(reader: BinaryReader, end: number): void {
  if (reader.pos !== end) throw new ProtoWireFormatError(`a field runs ${reader.pos - end} bytes past the end of its message at byte offset ${end}`);
}

/** `bytes` (a subarray of the message being decoded) as a `Buffer` over the same memory, not a copy. */
export function bytesView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
