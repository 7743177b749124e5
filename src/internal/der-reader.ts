/**
 * The DER primitives of the certificate reader: {@link DerError}, the TLV header reader and the
 * checks of primitive values (INTEGER, BOOLEAN, BIT STRING, OBJECT IDENTIFIER, IA5 text), shared by
 * `der.ts` and the per-concept checks (`der-name.ts`, `der-key.ts`, `der-extensions.ts`).
 *
 * @module
 */
import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link DerError}: `ERR_DER_MALFORMED` for bytes that are not valid DER / X.509,
 * `ERR_DER_UNSUPPORTED` for valid encodings beyond this reader's limits (lengths over 4 octets,
 * tag numbers over 3 octets, OID arcs over 64 octets, versions above 3, integers above 2^31 - 1,
 * `maxCertificates`).
 */
export type DerErrorCode = 'ERR_DER_MALFORMED' | 'ERR_DER_UNSUPPORTED';

/**
 * Bytes that should hold a DER certificate (or concatenated certificates) are not well-formed
 * DER / X.509, or use a form this reader does not support. The message says what was wrong and
 * at which byte offset; {@link DerError.offset} holds that offset (relative to the start of the
 * buffer that was passed in).
 */
export class DerError extends SpiffeError {
  declare readonly code: DerErrorCode;
  /** Byte offset of the problem in the input, when known. */
  readonly offset: number | undefined;

  constructor(code: DerErrorCode, message: string, offset?: number, options?: { cause?: unknown }) {
    super(code, offset === undefined ? message : `${message} (at byte offset ${offset})`, options);
    this.offset = offset;
  }
}


export const BOOLEAN = 0x01;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
export const OCTET_STRING = 0x04;
export const NULL = 0x05;
export const OID = 0x06;
export const UTC_TIME = 0x17;
export const GENERALIZED_TIME = 0x18;
export const SEQUENCE = 0x30;
export const SET = 0x31;

export function malformed(message: string, offset: number): DerError {
  return new DerError('ERR_DER_MALFORMED', message, offset);
}

export function tagName(tag: number): string {
  switch (tag) {
    case BOOLEAN:
      return 'BOOLEAN';
    case INTEGER:
      return 'INTEGER';
    case BIT_STRING:
      return 'BIT STRING';
    case OCTET_STRING:
      return 'OCTET STRING';
    case NULL:
      return 'NULL';
    case OID:
      return 'OBJECT IDENTIFIER';
    case UTC_TIME:
      return 'UTCTime';
    case GENERALIZED_TIME:
      return 'GeneralizedTime';
    case SEQUENCE:
      return 'SEQUENCE';
    case SET:
      return 'SET';
    default:
      if (tag > 0xff) return `high tag number ${Math.floor(tag / 256)}`;
      return `tag 0x${tag.toString(16).padStart(2, '0')}`;
  }
}

/**
 * Reads TLV headers. After {@link Reader.next}, `tag`, `hdr` (start of the TLV), `start` (start
 * of the contents) and `end` (end of the contents, exclusive) describe the element read. One
 * instance per parse; no allocation per element.
 */
export class Reader {
  readonly buf: Buffer;
  tag = 0;
  hdr = 0;
  start = 0;
  end = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Reads the header of the element at `pos`, which must end at or before `limit`. Returns its end. */
  next(pos: number, limit: number, what: string): number {
    const buf = this.buf;
    if (pos >= limit) throw malformed(`${what} is missing: its enclosing element ends at ${limit}`, pos);
    let p = pos;
    const first = buf[p++] as number;
    let tag = first;
    if ((first & 0x1f) === 0x1f) {
      // High tag number form (X.690 §8.1.2.4): base-128, minimal, at least 31.
      let n = 0;
      let count = 0;
      let b: number;
      do {
        if (p >= limit) throw malformed(`${what}: truncated tag`, pos);
        b = buf[p++] as number;
        if (count === 0 && b === 0x80) throw malformed(`${what}: tag number has a leading zero octet`, pos);
        if (++count > 3) throw new DerError('ERR_DER_UNSUPPORTED', `${what}: tag number too large`, pos);
        n = n * 128 + (b & 0x7f);
      } while (b & 0x80);
      if (n < 31) throw malformed(`${what}: tag number ${n} must use the low tag number form`, pos);
      tag = n * 256 + first;
    }
    if (p >= limit) throw malformed(`${what}: truncated length`, pos);
    let len = buf[p++] as number;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw malformed(`${what}: indefinite length is not allowed in DER`, pos);
      if (n > 4) throw new DerError('ERR_DER_UNSUPPORTED', `${what}: length of ${n} octets is not supported`, pos);
      if (n > limit - p) throw malformed(`${what}: truncated length`, pos);
      if (buf[p] === 0) throw malformed(`${what}: non-minimal length encoding`, pos);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
      if (len < 0x80) throw malformed(`${what}: non-minimal length encoding`, pos);
    }
    if (len > limit - p) {
      throw malformed(`${what}: length ${len} runs past the end of its enclosing element at ${limit}`, pos);
    }
    this.tag = tag;
    this.hdr = pos;
    this.start = p;
    this.end = p + len;
    return this.end;
  }

  /** {@link Reader.next} that also requires the tag. */
  expect(pos: number, limit: number, tag: number, what: string): number {
    const end = this.next(pos, limit, what);
    if (this.tag !== tag) throw malformed(`${what}: expected ${tagName(tag)}, found ${tagName(this.tag)}`, pos);
    return end;
  }
}

export function trailing(what: string, offset: number): DerError {
  return malformed(`${what} has unexpected trailing data`, offset);
}

/** Checks the INTEGER contents at [start, end) for DER minimality. */
export function checkInteger(buf: Buffer, start: number, end: number, what: string): void {
  if (start >= end) throw malformed(`${what}: empty INTEGER`, start);
  if (end - start > 1) {
    const a = buf[start] as number;
    const b = buf[start + 1] as number;
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) {
      throw malformed(`${what}: non-minimal INTEGER encoding`, start);
    }
  }
}

/** A non-negative INTEGER that fits in 31 bits. */
export function readSmallUint(buf: Buffer, start: number, end: number, what: string): number {
  checkInteger(buf, start, end, what);
  if ((buf[start] as number) & 0x80) throw malformed(`${what}: negative INTEGER`, start);
  let p = start;
  if (buf[p] === 0) p++;
  if (end - p > 4 || (end - p === 4 && (buf[p] as number) >= 0x80)) {
    throw new DerError('ERR_DER_UNSUPPORTED', `${what}: INTEGER too large`, start);
  }
  let v = 0;
  for (; p < end; p++) v = v * 256 + (buf[p] as number);
  return v;
}

export function readBoolean(buf: Buffer, start: number, end: number, what: string): boolean {
  if (end - start !== 1) throw malformed(`${what}: BOOLEAN must have one octet`, start);
  const v = buf[start];
  if (v === 0xff) return true;
  if (v === 0x00) return false;
  throw malformed(`${what}: BOOLEAN must be 0x00 or 0xFF in DER`, start);
}

/** Validates BIT STRING contents at [start, end); returns the number of unused bits. */
export function checkBitString(buf: Buffer, start: number, end: number, what: string): number {
  if (start >= end) throw malformed(`${what}: BIT STRING has no unused-bits octet`, start);
  const unused = buf[start] as number;
  if (unused > 7) throw malformed(`${what}: BIT STRING unused-bits octet ${unused} is above 7`, start);
  if (unused !== 0) {
    if (end - start === 1) throw malformed(`${what}: empty BIT STRING with unused bits`, start);
    if (((buf[end - 1] as number) & ((1 << unused) - 1)) !== 0) {
      throw malformed(`${what}: BIT STRING padding bits are not zero`, end - 1);
    }
  }
  return unused;
}

/** Checks that [start, end) holds only IA5 (7-bit) characters. */
export function checkIa5(buf: Buffer, start: number, end: number, what: string): void {
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) > 0x7f) throw malformed(`${what}: not an IA5String (byte 0x${(buf[i] as number).toString(16)})`, i);
  }
}

const SMALL_EXT_OIDS: string[] = [];
for (let i = 0; i < 128; i++) SMALL_EXT_OIDS.push(`2.5.29.${i}`);

/**
 * Checks OID contents at [start, end) against the limits of Go's `cryptobyte`
 * `ReadASN1ObjectIdentifier` (golang.org/x/crypto/cryptobyte/asn1.go, used by crypto/x509 for
 * algorithm, attribute type, extension and extKeyUsage OIDs): not empty, not truncated, no arc with
 * a leading 0x80 octet, and every arc (the first one holding 40 * X + Y) at most 2^31 - 1.
 */
export function checkOidArcs(buf: Uint8Array, start: number, end: number, what: string): void {
  if (start >= end) throw malformed(`${what}: empty OBJECT IDENTIFIER`, start);
  let p = start;
  while (p < end) {
    const arcStart = p;
    if (buf[p] === 0x80) throw malformed(`${what}: overlong OBJECT IDENTIFIER arc`, p);
    let v = 0;
    let b: number;
    do {
      if (p >= end) throw malformed(`${what}: truncated OBJECT IDENTIFIER arc`, arcStart);
      b = buf[p++] as number;
      v = v * 128 + (b & 0x7f);
      if (v > 0x7fffffff) throw malformed(`${what}: OBJECT IDENTIFIER arc above 2^31 - 1 (Go's crypto/x509 refuses it)`, arcStart);
    } while (b & 0x80);
  }
}

/**
 * Decodes OID contents at [start, end) of `buf` to dotted form. `strict` applies the arc limit
 * of {@link checkOidArcs} (certificate OIDs that Go reads with its arc limits).
 */
export function decodeOid(buf: Uint8Array, start: number, end: number, base: number, strict = false): string {
  if (start >= end) throw malformed('empty OBJECT IDENTIFIER', base + start);
  // Fast path for 2.5.29.N (id-ce), the extension arc.
  if (end - start === 3 && buf[start] === 0x55 && buf[start + 1] === 0x1d) {
    const n = buf[start + 2] as number;
    if (n < 0x80) return SMALL_EXT_OIDS[n] as string;
  }
  if (((buf[end - 1] as number) & 0x80) !== 0) throw malformed('truncated OBJECT IDENTIFIER arc', base + end - 1);
  let out = '';
  let first = true;
  let p = start;
  while (p < end) {
    const arcStart = p;
    if (buf[p] === 0x80) throw malformed('overlong OBJECT IDENTIFIER arc', base + p);
    let v = 0;
    let big: bigint | undefined;
    let b: number;
    do {
      if (p - arcStart >= 64) throw new DerError('ERR_DER_UNSUPPORTED', 'OBJECT IDENTIFIER arc too large', base + arcStart);
      b = buf[p++] as number;
      if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
      else if (v < 2 ** 45) v = v * 128 + (b & 0x7f);
      else big = (BigInt(v) << 7n) | BigInt(b & 0x7f);
    } while (b & 0x80);
    if (strict && (big !== undefined || v > 0x7fffffff)) {
      throw malformed("OBJECT IDENTIFIER arc above 2^31 - 1 (Go's crypto/x509 refuses it)", base + arcStart);
    }
    if (first) {
      first = false;
      if (big !== undefined) out = `2.${big - 80n}`;
      else if (v < 40) out = `0.${v}`;
      else if (v < 80) out = `1.${v - 40}`;
      else out = `2.${v - 80}`;
    } else {
      out += big !== undefined ? `.${big}` : `.${v}`;
    }
  }
  return out;
}
