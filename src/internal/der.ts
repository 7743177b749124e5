/**
 * A minimal DER reader for X.509 certificates (RFC 5280 over ITU-T X.690 DER).
 *
 * Node's `X509Certificate` reads only the first of concatenated certificates, exposes no keyUsage
 * bits, pathLen or criticality, and costs a public-key import per certificate; the peer
 * verification hot path walks the DER itself with this module instead.
 *
 * The reader is schema-driven and non-recursive: it descends only into the structures it knows,
 * to a fixed depth, checks every length against the end of its enclosing element, and skips
 * everything else by length. Every failure is a {@link DerError}; nothing else is thrown. All
 * returned buffers are zero-copy views into the input.
 *
 * DER strictness, applied consistently: indefinite lengths, lengths of more than 4 length octets,
 * non-minimal lengths, non-minimal INTEGERs, BOOLEANs other than 0x00 / 0xFF, non-zero padding bits
 * in BIT STRINGs, overlong OID arcs and non-minimal high tag numbers are rejected.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';
import { type NameConstraints, readNameConstraints } from './name-constraints.js';
import { TlvError } from './tlv.js';

/**
 * Codes of {@link DerError}: `ERR_DER_MALFORMED` for bytes that are not valid DER / X.509,
 * `ERR_DER_UNSUPPORTED` for valid encodings beyond this reader's limits (lengths over 4 octets,
 * tag numbers over 3 octets, OID arcs over 64 octets, versions above 3, integers above 2^31 - 1,
 * `maxCertificates`).
 *
 * @example
 * ```ts
 * const code: DerErrorCode = 'ERR_DER_MALFORMED';
 * ```
 */
export type DerErrorCode = 'ERR_DER_MALFORMED' | 'ERR_DER_UNSUPPORTED';

/**
 * Bytes that should hold a DER certificate (or concatenated certificates) are not well-formed
 * DER / X.509, or use a form this reader does not support. The message says what was wrong and
 * at which byte offset; {@link DerError.offset} holds that offset (relative to the start of the
 * buffer that was passed in).
 *
 * @example
 * ```ts
 * import { DerError, parseCertificate } from './der.js';
 * try {
 *   parseCertificate(new Uint8Array([0x30, 0x05, 0x02]));
 * } catch (err) {
 *   if (err instanceof DerError) console.log(err.code, err.offset); // 'ERR_DER_MALFORMED' 0
 * }
 * ```
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

/**
 * Key usage bits of a certificate (RFC 5280 §4.2.1.3) and whether the extension is critical.
 *
 * @example
 * ```ts
 * const ku = parseCertificate(der).extensions.keyUsage;
 * const okLeaf = ku !== undefined && ku.critical && ku.digitalSignature && !ku.keyCertSign;
 * ```
 */
export interface KeyUsage {
  readonly critical: boolean;
  readonly digitalSignature: boolean;
  readonly contentCommitment: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

/**
 * The basicConstraints extension (RFC 5280 §4.2.1.9).
 *
 * @example
 * ```ts
 * const bc = parseCertificate(caDer).extensions.basicConstraints;
 * if (bc?.ca && bc.pathLen !== undefined) console.log(`at most ${bc.pathLen} intermediates below`);
 * ```
 */
export interface BasicConstraints {
  readonly ca: boolean;
  /** pathLenConstraint, or undefined when absent. */
  readonly pathLen: number | undefined;
  readonly critical: boolean;
}

/**
 * The extensions of a certificate that spiffe-kit reads, plus the OIDs of all of them.
 *
 * @example
 * ```ts
 * const ext = readCertificateExtensions(der);
 * if (ext.uriSans.length !== 1) throw new Error('an X.509-SVID has exactly one URI SAN');
 * const unknownCritical = ext.criticalExtensions.filter((oid) => !KNOWN.has(oid));
 * ```
 */
export interface CertificateExtensions {
  /** uniformResourceIdentifier SAN entries, in certificate order. */
  readonly uriSans: string[];
  /** dNSName SAN entries, in certificate order. */
  readonly dnsSans: string[];
  /** Number of SAN entries of any other type (email, IP, directoryName, otherName, ...). */
  readonly otherSanCount: number;
  /** Criticality of subjectAltName; undefined when the certificate has no SAN extension. */
  readonly subjectAltNameCritical: boolean | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  /** extKeyUsage purpose OIDs (dotted), or undefined when the extension is absent. */
  readonly extKeyUsage: string[] | undefined;
  /** subjectKeyIdentifier as lowercase hex. */
  readonly subjectKeyId: string | undefined;
  /** keyIdentifier of authorityKeyIdentifier as lowercase hex. */
  readonly authorityKeyId: string | undefined;
  /** The nameConstraints extension (read by name-constraints.ts), or undefined when absent. */
  readonly nameConstraints: NameConstraints | undefined;
  /** OIDs of every extension marked critical, in certificate order. */
  readonly criticalExtensions: string[];
  /** OIDs of every extension, in certificate order. */
  readonly all: string[];
}

/**
 * The fields of an X.509 certificate that spiffe-kit needs, read straight from its DER.
 *
 * @example
 * ```ts
 * const cert: ParsedCertificate = parseCertificate(der);
 * const expired = Date.now() > cert.notAfter.getTime();
 * const selfIssued = cert.issuer.equals(cert.subject);
 * ```
 */
export interface ParsedCertificate {
  /** Exactly the certificate's bytes. */
  readonly raw: Buffer;
  /** The whole TBSCertificate TLV: the bytes the signature covers. */
  readonly tbs: Buffer;
  /** 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /**
   * Serial number as uppercase hex without leading zero octets, exactly as Node's
   * `X509Certificate.serialNumber` prints it (`'0'` for zero, `'-…'` for a non-conforming negative one).
   */
  readonly serialNumber: string;
  /** Signature algorithm OID (dotted) of the outer Certificate. */
  readonly signatureAlgorithm: string;
  /** Raw TLV of the signature algorithm's parameters, when present and not NULL. */
  readonly signatureAlgorithmParams: Buffer | undefined;
  /** The signature: the BIT STRING contents without the unused-bits octet. */
  readonly signature: Buffer;
  /** Raw issuer Name TLV, for byte-wise chaining. */
  readonly issuer: Buffer;
  /** Raw subject Name TLV, for byte-wise chaining. */
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The whole SubjectPublicKeyInfo TLV (`createPublicKey({ key, format: 'der', type: 'spki' })`). */
  readonly subjectPublicKeyInfo: Buffer;
  /** Public key algorithm OID (dotted). */
  readonly publicKeyAlgorithm: string;
  readonly extensions: CertificateExtensions;
}

const BOOLEAN = 0x01;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OID = 0x06;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const SEQUENCE = 0x30;
const SET = 0x31;

const EXT_SUBJECT_KEY_ID = '2.5.29.14';
const EXT_KEY_USAGE = '2.5.29.15';
const EXT_SUBJECT_ALT_NAME = '2.5.29.17';
const EXT_BASIC_CONSTRAINTS = '2.5.29.19';
const EXT_AUTHORITY_KEY_ID = '2.5.29.35';
const EXT_EXT_KEY_USAGE = '2.5.29.37';
const EXT_NAME_CONSTRAINTS = '2.5.29.30';

function malformed(message: string, offset: number): DerError {
  return new DerError('ERR_DER_MALFORMED', message, offset);
}

function tagName(tag: number): string {
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
class Reader {
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

function trailing(what: string, offset: number): DerError {
  return malformed(`${what} has unexpected trailing data`, offset);
}

/** Checks the INTEGER contents at [start, end) for DER minimality. */
function checkInteger(buf: Buffer, start: number, end: number, what: string): void {
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
function readSmallUint(buf: Buffer, start: number, end: number, what: string): number {
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

function readBoolean(buf: Buffer, start: number, end: number, what: string): boolean {
  if (end - start !== 1) throw malformed(`${what}: BOOLEAN must have one octet`, start);
  const v = buf[start];
  if (v === 0xff) return true;
  if (v === 0x00) return false;
  throw malformed(`${what}: BOOLEAN must be 0x00 or 0xFF in DER`, start);
}

/** Validates BIT STRING contents at [start, end); returns the number of unused bits. */
function checkBitString(buf: Buffer, start: number, end: number, what: string): number {
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
function checkIa5(buf: Buffer, start: number, end: number, what: string): void {
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) > 0x7f) throw malformed(`${what}: not an IA5String (byte 0x${(buf[i] as number).toString(16)})`, i);
  }
}

const SMALL_EXT_OIDS: string[] = [];
for (let i = 0; i < 128; i++) SMALL_EXT_OIDS.push(`2.5.29.${i}`);

/** Decodes OID contents at [start, end) of `buf` to dotted form. */
function decodeOid(buf: Uint8Array, start: number, end: number, base: number): string {
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

/**
 * Decodes the contents octets of a DER OBJECT IDENTIFIER (without tag and length) to dotted form.
 * Handles multi-byte and arbitrarily large arcs; rejects empty, truncated and overlong encodings.
 *
 * @example
 * ```ts
 * oidToString(new Uint8Array([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01])); // '1.2.840.10045.2.1'
 * ```
 */
export function oidToString(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new DerError('ERR_DER_MALFORMED', 'OID bytes must be a Uint8Array');
  try {
    return decodeOid(bytes, 0, bytes.length, 0);
  } catch (err) {
    throw wrap(err);
  }
}

function wrap(err: unknown): DerError {
  if (err instanceof DerError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new DerError('ERR_DER_MALFORMED', `Could not read DER: ${why}`, undefined, { cause: err });
}

function asBuffer(bytes: Uint8Array, what: string): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (!(bytes instanceof Uint8Array)) throw new DerError('ERR_DER_MALFORMED', `${what} must be a Uint8Array`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Options of {@link splitDerCertificates}.
 *
 * @example
 * ```ts
 * const certs = splitDerCertificates(bundleBytes, { maxCertificates: 1000 });
 * ```
 */
export interface SplitOptions {
  /**
   * Stop with an `ERR_DER_UNSUPPORTED` {@link DerError} once more than this many certificates are
   * found, before allocating views for them (4 MiB of `30 00` would otherwise be 2 million views).
   * Default: no limit.
   */
  readonly maxCertificates?: number;
}

/**
 * Splits concatenated DER certificates (as in the Workload API's `x509_svid` and bundle fields)
 * by walking the outer SEQUENCE lengths. The contents of each certificate are not checked (use
 * {@link parseCertificate}). Returns zero-copy views; empty input gives `[]`.
 *
 * @throws {DerError} on a truncated element, a non-SEQUENCE element, an indefinite length or
 * trailing bytes (`ERR_DER_MALFORMED`), or more than `maxCertificates` (`ERR_DER_UNSUPPORTED`).
 *
 * @example
 * ```ts
 * const certs = splitDerCertificates(response.x509Svid, { maxCertificates: 16 }); // Buffer[]
 * const leaf = parseCertificate(certs[0]!);
 * ```
 */
export function splitDerCertificates(buf: Uint8Array, options?: SplitOptions): Buffer[] {
  try {
    const b = asBuffer(buf, 'Concatenated certificates');
    const max = options?.maxCertificates ?? Number.POSITIVE_INFINITY;
    const r = new Reader(b);
    const out: Buffer[] = [];
    const len = b.length;
    let p = 0;
    while (p < len) {
      if (out.length >= max) {
        throw new DerError('ERR_DER_UNSUPPORTED', `More than ${max} concatenated certificates`, p);
      }
      const end = r.expect(p, len, SEQUENCE, `Certificate #${out.length + 1}`);
      out.push(b.subarray(p, end));
      p = end;
    }
    return out;
  } catch (err) {
    throw wrap(err);
  }
}

/**
 * Parses one DER X.509 certificate: the fields spiffe-kit needs for SVID validation and chain
 * building, with zero-copy views for the byte fields. The input must be exactly one certificate
 * (no trailing bytes). The signature is not verified here: pass `tbs` and `signature` to
 * `crypto.verify`.
 *
 * @throws {DerError} on anything that is not well-formed DER / X.509; never anything else.
 *
 * @example
 * ```ts
 * import { verify, createPublicKey } from 'node:crypto';
 * const cert = parseCertificate(der);
 * const ca = parseCertificate(caDer);
 * const key = createPublicKey({ key: ca.subjectPublicKeyInfo, format: 'der', type: 'spki' });
 * const ok = cert.issuer.equals(ca.subject) && verify('sha256', cert.tbs, key, cert.signature);
 * console.log(cert.extensions.uriSans, cert.extensions.keyUsage?.digitalSignature);
 * ```
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return parse(asBuffer(der, 'Certificate'));
  } catch (err) {
    throw wrap(err);
  }
}

/**
 * Reads only the extensions of a DER certificate (a convenience over {@link parseCertificate}).
 *
 * @example
 * ```ts
 * const { uriSans, basicConstraints } = readCertificateExtensions(der);
 * ```
 */
export function readCertificateExtensions(der: Uint8Array): CertificateExtensions {
  return parseCertificate(der).extensions;
}

/** Reads an AlgorithmIdentifier at `pos` into `out` (params -1 when absent or NULL); returns its end. */
function readAlgorithm(r: Reader, pos: number, limit: number, what: string, out: AlgOut): number {
  const buf = r.buf;
  const end = r.expect(pos, limit, SEQUENCE, what);
  r.expect(r.start, end, OID, `${what}.algorithm`);
  out.oid = decodeOid(buf, r.start, r.end, 0);
  out.paramsStart = -1;
  out.paramsEnd = -1;
  let p = r.end;
  if (p < end) {
    r.next(p, end, `${what}.parameters`);
    if (r.tag === NULL) {
      if (r.end !== r.start) throw malformed(`${what}.parameters: NULL with contents`, p);
    } else {
      out.paramsStart = p;
      out.paramsEnd = r.end;
    }
    p = r.end;
    if (p !== end) throw trailing(what, p);
  }
  return end;
}

interface AlgOut {
  oid: string;
  paramsStart: number;
  paramsEnd: number;
}

/** Shallowly validates a Name: SEQUENCE OF SET OF SEQUENCE { OID, value }; values are skipped by length. */
function checkName(r: Reader, pos: number, limit: number, what: string): number {
  const end = r.expect(pos, limit, SEQUENCE, what);
  let p = r.start;
  while (p < end) {
    const setEnd = r.expect(p, end, SET, `${what} RDN`);
    let q = r.start; // an empty RDN breaks SIZE (1..MAX) but Go and OpenSSL accept it: so do we
    while (q < setEnd) {
      const atvEnd = r.expect(q, setEnd, SEQUENCE, `${what} attribute`);
      const typeEnd = r.expect(r.start, atvEnd, OID, `${what} attribute type`);
      if (r.end === r.start) throw malformed(`${what}: empty attribute type OID`, r.hdr);
      const valueEnd = r.next(typeEnd, atvEnd, `${what} attribute value`);
      if (valueEnd !== atvEnd) throw trailing(`${what} attribute`, valueEnd);
      q = atvEnd;
    }
    p = setEnd;
  }
  return end;
}

function digit(buf: Buffer, i: number): number {
  const c = (buf[i] as number) - 0x30;
  if (c < 0 || c > 9) throw malformed(`time: expected a digit, found byte 0x${(buf[i] as number).toString(16)}`, i);
  return c;
}

function two(buf: Buffer, i: number): number {
  return digit(buf, i) * 10 + digit(buf, i + 1);
}

/** Reads a Time (UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ) at `pos`. */
function readTime(r: Reader, pos: number, limit: number, what: string): Date {
  const buf = r.buf;
  r.next(pos, limit, what);
  const s = r.start;
  const n = r.end - s;
  let year: number;
  let i: number;
  if (r.tag === UTC_TIME) {
    if (n !== 13 || buf[s + 12] !== 0x5a) throw malformed(`${what}: UTCTime must be YYMMDDHHMMSSZ`, pos);
    const yy = two(buf, s);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    i = s + 2;
  } else if (r.tag === GENERALIZED_TIME) {
    if (n !== 15 || buf[s + 14] !== 0x5a) throw malformed(`${what}: GeneralizedTime must be YYYYMMDDHHMMSSZ`, pos);
    year = two(buf, s) * 100 + two(buf, s + 2);
    i = s + 4;
  } else {
    throw malformed(`${what}: expected UTCTime or GeneralizedTime, found ${tagName(r.tag)}`, pos);
  }
  const month = two(buf, i);
  const day = two(buf, i + 2);
  const hour = two(buf, i + 4);
  const minute = two(buf, i + 6);
  const second = two(buf, i + 8);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw malformed(`${what}: date or time out of range`, pos);
  }
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) d.setUTCFullYear(year);
  return d;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const HEX = '0123456789ABCDEF';

function serialHex(buf: Buffer, start: number, end: number): string {
  if ((buf[start] as number) & 0x80) {
    // Negative (RFC 5280 forbids, some CAs did it): '-' and the magnitude, as OpenSSL prints it.
    let v = 0n;
    for (let i = start; i < end; i++) v = (v << 8n) | BigInt(buf[i] as number);
    v = (1n << BigInt((end - start) * 8)) - v;
    let h = v.toString(16).toUpperCase();
    if (h.length % 2) h = `0${h}`;
    return `-${h}`;
  }
  let p = start;
  while (p < end - 1 && buf[p] === 0) p++;
  if (buf[p] === 0) return '0'; // zero, printed as OpenSSL (and so Node) prints it
  let out = '';
  for (; p < end; p++) {
    const b = buf[p] as number;
    out += (HEX[b >> 4] as string) + (HEX[b & 15] as string);
  }
  return out;
}

function parse(buf: Buffer): ParsedCertificate {
  const r = new Reader(buf);
  const len = buf.length;
  const certEnd = r.expect(0, len, SEQUENCE, 'Certificate');
  if (certEnd !== len) throw trailing('Certificate', certEnd);

  // TBSCertificate
  const tbsPos = r.start;
  const tbsEnd = r.expect(tbsPos, certEnd, SEQUENCE, 'TBSCertificate');
  let p = r.start;
  let version: 1 | 2 | 3 = 1;
  r.next(p, tbsEnd, 'TBSCertificate.serialNumber');
  if (r.tag === 0xa0) {
    const vEnd = r.end;
    const intEnd = r.expect(r.start, vEnd, INTEGER, 'TBSCertificate.version');
    if (intEnd !== vEnd) throw trailing('TBSCertificate.version', intEnd);
    const v = readSmallUint(buf, r.start, intEnd, 'TBSCertificate.version');
    if (v > 2) throw new DerError('ERR_DER_UNSUPPORTED', `TBSCertificate.version: unknown version ${v + 1}`, p);
    version = (v + 1) as 1 | 2 | 3;
    p = vEnd;
    r.next(p, tbsEnd, 'TBSCertificate.serialNumber');
  }
  if (r.tag !== INTEGER) throw malformed(`TBSCertificate.serialNumber: expected INTEGER, found ${tagName(r.tag)}`, p);
  checkInteger(buf, r.start, r.end, 'TBSCertificate.serialNumber');
  const serialNumber = serialHex(buf, r.start, r.end);
  p = r.end;

  const alg: AlgOut = { oid: '', paramsStart: -1, paramsEnd: -1 };
  const innerAlgPos = p;
  p = readAlgorithm(r, p, tbsEnd, 'TBSCertificate.signature', alg);
  const innerAlgEnd = p;

  const issuerPos = p;
  p = checkName(r, p, tbsEnd, 'TBSCertificate.issuer');
  const issuer = buf.subarray(issuerPos, p);

  const validityEnd = r.expect(p, tbsEnd, SEQUENCE, 'TBSCertificate.validity');
  const notBefore = readTime(r, r.start, validityEnd, 'TBSCertificate.validity.notBefore');
  const notAfter = readTime(r, r.end, validityEnd, 'TBSCertificate.validity.notAfter');
  if (r.end !== validityEnd) throw trailing('TBSCertificate.validity', r.end);
  p = validityEnd;

  const subjectPos = p;
  p = checkName(r, p, tbsEnd, 'TBSCertificate.subject');
  const subject = buf.subarray(subjectPos, p);

  const spkiPos = p;
  const spkiEnd = r.expect(p, tbsEnd, SEQUENCE, 'TBSCertificate.subjectPublicKeyInfo');
  const keyAlgEnd = readAlgorithm(r, r.start, spkiEnd, 'SubjectPublicKeyInfo.algorithm', alg);
  const publicKeyAlgorithm = alg.oid;
  const keyEnd = r.expect(keyAlgEnd, spkiEnd, BIT_STRING, 'SubjectPublicKeyInfo.subjectPublicKey');
  checkBitString(buf, r.start, keyEnd, 'SubjectPublicKeyInfo.subjectPublicKey');
  if (keyEnd !== spkiEnd) throw trailing('SubjectPublicKeyInfo', keyEnd);
  const subjectPublicKeyInfo = buf.subarray(spkiPos, spkiEnd);
  p = spkiEnd;

  let extensions: CertificateExtensions | undefined;
  let stage = 0;
  while (p < tbsEnd) {
    r.next(p, tbsEnd, 'TBSCertificate optional field');
    const tag: number = r.tag; // not narrowed by the serialNumber check above
    if (tag === 0x81 && stage < 1 && version >= 2) {
      checkBitString(buf, r.start, r.end, 'TBSCertificate.issuerUniqueID');
      stage = 1;
    } else if (tag === 0x82 && stage < 2 && version >= 2) {
      checkBitString(buf, r.start, r.end, 'TBSCertificate.subjectUniqueID');
      stage = 2;
    } else if (tag === 0xa3 && stage < 3 && version === 3) {
      extensions = parseExtensions(r, r.start, r.end);
      stage = 3;
    } else {
      throw malformed(`TBSCertificate: unexpected ${tagName(tag)} for a version ${version} certificate`, p);
    }
    p = r.end;
  }

  // Outer signatureAlgorithm and signatureValue.
  const outerAlgPos = tbsEnd;
  p = readAlgorithm(r, tbsEnd, certEnd, 'Certificate.signatureAlgorithm', alg);
  if (p - outerAlgPos !== innerAlgEnd - innerAlgPos || buf.compare(buf, innerAlgPos, innerAlgEnd, outerAlgPos, p) !== 0) {
    throw malformed('Certificate.signatureAlgorithm differs from TBSCertificate.signature', outerAlgPos);
  }
  const sigEnd = r.expect(p, certEnd, BIT_STRING, 'Certificate.signatureValue');
  if (r.start === sigEnd) throw malformed('Certificate.signatureValue: BIT STRING has no unused-bits octet', p);
  if (buf[r.start] !== 0) throw malformed('Certificate.signatureValue: BIT STRING has unused bits', r.start);
  const signature = buf.subarray(r.start + 1, sigEnd);
  if (sigEnd !== certEnd) throw trailing('Certificate', sigEnd);

  return {
    raw: buf,
    tbs: buf.subarray(tbsPos, tbsEnd),
    version,
    serialNumber,
    signatureAlgorithm: alg.oid,
    signatureAlgorithmParams: alg.paramsStart < 0 ? undefined : buf.subarray(alg.paramsStart, alg.paramsEnd),
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo,
    publicKeyAlgorithm,
    extensions: extensions ?? emptyExtensions(),
  };
}

function emptyExtensions(): CertificateExtensions {
  return {
    uriSans: [],
    dnsSans: [],
    otherSanCount: 0,
    subjectAltNameCritical: undefined,
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    subjectKeyId: undefined,
    authorityKeyId: undefined,
    nameConstraints: undefined,
    criticalExtensions: [],
    all: [],
  };
}

/** Mutable twin of {@link CertificateExtensions}, filled while parsing. */
type ExtensionsBuilder = { -readonly [K in keyof CertificateExtensions]: CertificateExtensions[K] };

/** Parses the contents of the [3] EXPLICIT wrapper at [start, end). */
function parseExtensions(r: Reader, start: number, end: number): CertificateExtensions {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, 'Extensions');
  if (seqEnd !== end) throw trailing('TBSCertificate.extensions', seqEnd);
  const ext: ExtensionsBuilder = emptyExtensions();
  const all = ext.all;
  let seen: Set<string> | undefined;
  let p = r.start;
  while (p < seqEnd) {
    const extEnd = r.expect(p, seqEnd, SEQUENCE, 'Extension');
    const oidEnd = r.expect(r.start, extEnd, OID, 'Extension.extnID');
    const oid = decodeOid(buf, r.start, oidEnd, 0);
    let critical = false;
    r.next(oidEnd, extEnd, 'Extension.extnValue');
    if (r.tag === BOOLEAN) {
      critical = readBoolean(buf, r.start, r.end, 'Extension.critical');
      r.next(r.end, extEnd, 'Extension.extnValue');
    }
    if (r.tag !== OCTET_STRING) {
      throw malformed(`Extension ${oid}: expected OCTET STRING extnValue, found ${tagName(r.tag)}`, r.hdr);
    }
    if (r.end !== extEnd) throw trailing(`Extension ${oid}`, r.end);
    const vStart = r.start;

    if (seen === undefined && all.length >= 8) seen = new Set(all);
    if (seen !== undefined ? seen.has(oid) : all.includes(oid)) {
      throw malformed(`Duplicate extension ${oid}`, p);
    }
    seen?.add(oid);
    all.push(oid);
    if (critical) ext.criticalExtensions.push(oid);

    switch (oid) {
      case EXT_SUBJECT_ALT_NAME:
        ext.subjectAltNameCritical = critical;
        readSubjectAltName(r, vStart, extEnd, ext);
        break;
      case EXT_BASIC_CONSTRAINTS:
        ext.basicConstraints = readBasicConstraints(r, vStart, extEnd, critical);
        break;
      case EXT_KEY_USAGE:
        ext.keyUsage = readKeyUsage(r, vStart, extEnd, critical);
        break;
      case EXT_EXT_KEY_USAGE:
        ext.extKeyUsage = readExtKeyUsage(r, vStart, extEnd);
        break;
      case EXT_SUBJECT_KEY_ID: {
        const e = r.expect(vStart, extEnd, OCTET_STRING, 'subjectKeyIdentifier');
        if (e !== extEnd) throw trailing('subjectKeyIdentifier', e);
        ext.subjectKeyId = buf.toString('hex', r.start, e);
        break;
      }
      case EXT_AUTHORITY_KEY_ID:
        ext.authorityKeyId = readAuthorityKeyId(r, vStart, extEnd);
        break;
      case EXT_NAME_CONSTRAINTS:
        try {
          ext.nameConstraints = readNameConstraints(buf, vStart, extEnd, critical);
        } catch (err) {
          if (err instanceof TlvError) throw malformed(`nameConstraints: ${err.message}`, err.offset);
          throw err;
        }
        break;
      default:
        break;
    }
    p = extEnd;
  }
  return ext;
}

function readSubjectAltName(r: Reader, start: number, end: number, ext: ExtensionsBuilder): void {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, 'subjectAltName');
  if (seqEnd !== end) throw trailing('subjectAltName', seqEnd);
  let p = r.start;
  while (p < seqEnd) {
    r.next(p, seqEnd, 'subjectAltName GeneralName');
    switch (r.tag) {
      case 0x86:
        checkIa5(buf, r.start, r.end, 'subjectAltName uniformResourceIdentifier');
        ext.uriSans.push(buf.toString('latin1', r.start, r.end));
        break;
      case 0x82:
        checkIa5(buf, r.start, r.end, 'subjectAltName dNSName');
        ext.dnsSans.push(buf.toString('latin1', r.start, r.end));
        break;
      case 0xa0: // otherName
      case 0x81: // rfc822Name
      case 0xa3: // x400Address
      case 0xa4: // directoryName
      case 0xa5: // ediPartyName
      case 0x87: // iPAddress
      case 0x88: // registeredID
        ext.otherSanCount++;
        break;
      default:
        throw malformed(`subjectAltName: ${tagName(r.tag)} is not a GeneralName`, p);
    }
    p = r.end;
  }
}

function readBasicConstraints(r: Reader, start: number, end: number, critical: boolean): BasicConstraints {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, 'basicConstraints');
  if (seqEnd !== end) throw trailing('basicConstraints', seqEnd);
  let ca = false;
  let pathLen: number | undefined;
  let p = r.start;
  if (p < seqEnd) {
    r.next(p, seqEnd, 'basicConstraints.cA');
    if (r.tag === BOOLEAN) {
      ca = readBoolean(buf, r.start, r.end, 'basicConstraints.cA');
      p = r.end;
      if (p < seqEnd) r.next(p, seqEnd, 'basicConstraints.pathLenConstraint');
    }
    if (p < seqEnd) {
      if (r.tag !== INTEGER) throw malformed(`basicConstraints: unexpected ${tagName(r.tag)}`, p);
      pathLen = readSmallUint(buf, r.start, r.end, 'basicConstraints.pathLenConstraint');
      p = r.end;
    }
    if (p !== seqEnd) throw trailing('basicConstraints', p);
  }
  return { ca, pathLen, critical };
}

function readKeyUsage(r: Reader, start: number, end: number, critical: boolean): KeyUsage {
  const buf = r.buf;
  const e = r.expect(start, end, BIT_STRING, 'keyUsage');
  if (e !== end) throw trailing('keyUsage', e);
  checkBitString(buf, r.start, e, 'keyUsage');
  const n = e - r.start;
  const b0 = n > 1 ? (buf[r.start + 1] as number) : 0;
  const b1 = n > 2 ? (buf[r.start + 2] as number) : 0;
  return {
    critical,
    digitalSignature: (b0 & 0x80) !== 0,
    contentCommitment: (b0 & 0x40) !== 0,
    keyEncipherment: (b0 & 0x20) !== 0,
    dataEncipherment: (b0 & 0x10) !== 0,
    keyAgreement: (b0 & 0x08) !== 0,
    keyCertSign: (b0 & 0x04) !== 0,
    cRLSign: (b0 & 0x02) !== 0,
    encipherOnly: (b0 & 0x01) !== 0,
    decipherOnly: (b1 & 0x80) !== 0,
  };
}

function readExtKeyUsage(r: Reader, start: number, end: number): string[] {
  const seqEnd = r.expect(start, end, SEQUENCE, 'extKeyUsage');
  if (seqEnd !== end) throw trailing('extKeyUsage', seqEnd);
  const out: string[] = [];
  let p = r.start;
  while (p < seqEnd) {
    p = r.expect(p, seqEnd, OID, 'extKeyUsage KeyPurposeId');
    out.push(decodeOid(r.buf, r.start, p, 0));
  }
  return out;
}

function readAuthorityKeyId(r: Reader, start: number, end: number): string | undefined {
  const seqEnd = r.expect(start, end, SEQUENCE, 'authorityKeyIdentifier');
  if (seqEnd !== end) throw trailing('authorityKeyIdentifier', seqEnd);
  let keyId: string | undefined;
  let stage = 0;
  let p = r.start;
  while (p < seqEnd) {
    r.next(p, seqEnd, 'authorityKeyIdentifier field');
    if (r.tag === 0x80 && stage < 1) {
      keyId = r.buf.toString('hex', r.start, r.end);
      stage = 1;
    } else if (r.tag === 0xa1 && stage < 2) {
      stage = 2; // authorityCertIssuer: not needed
    } else if (r.tag === 0x82 && stage < 3) {
      checkInteger(r.buf, r.start, r.end, 'authorityKeyIdentifier.authorityCertSerialNumber');
      stage = 3;
    } else {
      throw malformed(`authorityKeyIdentifier: unexpected ${tagName(r.tag)}`, p);
    }
    p = r.end;
  }
  return keyId;
}
