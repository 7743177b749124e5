/**
 * A strict DER TLV walker for the small structures read outside `der.ts` (name constraints,
 * RSASSA-PSS parameters): low tag numbers only, definite minimal lengths of at most 4 octets,
 * every length checked against its enclosing element. Failures are {@link TlvError}s carrying the
 * offset, which the caller turns into its own error.
 *
 * @module
 */

/** @internal A malformed TLV at `offset` (relative to the buffer that was walked). */
export class TlvError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'TlvError';
    this.offset = offset;
  }
}

/** @internal One element: its tag octet, the start of its header, contents and end. */
export interface Tlv {
  readonly tag: number;
  readonly hdr: number;
  readonly start: number;
  readonly end: number;
}

/** @internal Reads the element at `pos`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, pos: number, limit: number, what: string): Tlv {
  if (pos >= limit) throw new TlvError(`${what} is missing`, pos);
  let p = pos;
  const tag = buf[p++] as number;
  if ((tag & 0x1f) === 0x1f) throw new TlvError(`${what}: high tag numbers are not expected here`, pos);
  if (p >= limit) throw new TlvError(`${what}: truncated length`, pos);
  let len = buf[p++] as number;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new TlvError(`${what}: indefinite length is not allowed in DER`, pos);
    if (n > 4 || n > limit - p) throw new TlvError(`${what}: bad length`, pos);
    if (buf[p] === 0) throw new TlvError(`${what}: non-minimal length encoding`, pos);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
    if (len < 0x80) throw new TlvError(`${what}: non-minimal length encoding`, pos);
  }
  if (len > limit - p) throw new TlvError(`${what}: length ${len} runs past its enclosing element`, pos);
  return { tag, hdr: pos, start: p, end: p + len };
}

/** @internal {@link readTlv} that also requires the tag octet. */
export function expectTlv(buf: Uint8Array, pos: number, limit: number, tag: number, what: string): Tlv {
  const t = readTlv(buf, pos, limit, what);
  if (t.tag !== tag) throw new TlvError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`, pos);
  return t;
}
