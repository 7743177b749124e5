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
 * Beyond DER, every certificate is refused where Go's crypto/x509 (`x509.ParseCertificate`,
 * parser.go) refuses it, so that spiffe-kit never accepts a certificate go-spiffe and SPIRE would
 * not: names (`der-name.ts`), public keys (`der-key.ts`), the extensions Go parses
 * (`der-extensions.ts`, and the readers below), URI SANs (`uri-san.ts`), negative serials and
 * signature algorithm parameters. Where this reader is stricter than Go (trailing bytes Go
 * skips, the RFC 5280 time forms), `test/x509-go-oracle.test.ts` lists why.
 *
 * @module
 */
import {
  BIT_STRING,
  BOOLEAN,
  checkBitString,
  checkIa5,
  checkInteger,
  DerError,
  decodeOid,
  GENERALIZED_TIME,
  INTEGER,
  malformed,
  NULL,
  OCTET_STRING,
  OID,
  Reader,
  readBoolean,
  readSmallUint,
  SEQUENCE,
  tagName,
  trailing,
  UTC_TIME,
} from './der-reader.js';
import { checkExtensionValue, MAPS_ANY_POLICY, REQUIRES_EXPLICIT_POLICY } from './der-extensions.js';
import { checkPublicKey } from './der-key.js';
import { checkName } from './der-name.js';
import { uriSanProblem } from './uri-san.js';
import { type NameConstraints, readNameConstraints } from './name-constraints.js';
import { TlvError } from './tlv.js';

export { DerError, type DerErrorCode } from './der-reader.js';

const EXT_SUBJECT_KEY_ID = '2.5.29.14';
const EXT_KEY_USAGE = '2.5.29.15';
const EXT_SUBJECT_ALT_NAME = '2.5.29.17';
const EXT_BASIC_CONSTRAINTS = '2.5.29.19';
const EXT_AUTHORITY_KEY_ID = '2.5.29.35';
const EXT_EXT_KEY_USAGE = '2.5.29.37';
const EXT_NAME_CONSTRAINTS = '2.5.29.30';

/** Key usage bits of a certificate (RFC 5280 §4.2.1.3) and whether the extension is critical. */
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

/** The basicConstraints extension (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  readonly ca: boolean;
  /** pathLenConstraint, or undefined when absent. */
  readonly pathLen: number | undefined;
  readonly critical: boolean;
}

/** The extensions of a certificate that spiffe-kit reads, plus the OIDs of all of them. */
export interface CertificateExtensions {
  /** uniformResourceIdentifier SAN entries, in certificate order. */
  readonly uriSans: string[];
  /** dNSName SAN entries, in certificate order. */
  readonly dnsSans: string[];
  /** Number of SAN entries of any other type (email, IP, directoryName, otherName, ...). */
  readonly otherSanCount: number;
  /**
   * Number of rfc822Name and iPAddress SAN entries. With the URI and DNS ones, these are the names
   * Go's crypto/x509 reads: a critical subjectAltName with none of them is an unhandled critical
   * extension there (parser.go `processExtensions`).
   */
  readonly emailOrIpSanCount: number;
  /** policyConstraints has requireExplicitPolicy (which needs RFC 5280 §6.1 policy processing). */
  readonly requireExplicitPolicy: boolean;
  /** policyMappings maps from or to anyPolicy (RFC 5280 §4.2.1.5 forbids it; Go refuses the path). */
  readonly mapsAnyPolicy: boolean;
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

/** The fields of an X.509 certificate that spiffe-kit needs, read straight from its DER. */
export interface ParsedCertificate {
  /** Exactly the certificate's bytes. */
  readonly raw: Buffer;
  /** The whole TBSCertificate TLV: the bytes the signature covers. */
  readonly tbs: Buffer;
  /** 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /**
   * Serial number as uppercase hex without leading zero octets, exactly as Node's
   * `X509Certificate.serialNumber` prints it (`'0'` for zero; negative serials are refused).
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

/**
 * Decodes the contents octets of a DER OBJECT IDENTIFIER (without tag and length) to dotted form.
 * Handles multi-byte and arbitrarily large arcs; rejects empty, truncated and overlong encodings.
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

/** Options of {@link splitDerCertificates}. */
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
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return parse(asBuffer(der, 'Certificate'));
  } catch (err) {
    throw wrap(err);
  }
}

/** Reads only the extensions of a DER certificate (a convenience over {@link parseCertificate}). */
export function readCertificateExtensions(der: Uint8Array): CertificateExtensions {
  return parseCertificate(der).extensions;
}

/** Reads an AlgorithmIdentifier at `pos` into `out` (params -1 when absent or NULL); returns its end. */
function readAlgorithm(r: Reader, pos: number, limit: number, what: string, out: AlgOut): number {
  const buf = r.buf;
  const end = r.expect(pos, limit, SEQUENCE, what);
  r.expect(r.start, end, OID, `${what}.algorithm`);
  out.oid = decodeOid(buf, r.start, r.end, 0, true);
  out.paramsStart = -1;
  out.paramsEnd = -1;
  out.rawParamsStart = -1;
  let p = r.end;
  if (p < end) {
    r.next(p, end, `${what}.parameters`);
    if (r.tag > 0xff) throw malformed(`${what}.parameters: high tag numbers are refused (as by Go's crypto/x509)`, p);
    out.rawParamsStart = p;
    out.rawParamsEnd = r.end;
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
  /** The parameters TLV, -1 when absent or NULL. */
  paramsStart: number;
  paramsEnd: number;
  /** The parameters TLV, NULL included; -1 when absent. */
  rawParamsStart: number;
  rawParamsEnd: number;
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

/** A non-negative serial as uppercase hex without leading zero octets. */
function serialHex(buf: Buffer, start: number, end: number): string {
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
  // RFC 5280 §4.1.2.2: a positive integer. Go's crypto/x509 (parser.go) refuses negative serials
  // since Go 1.23 (unless GODEBUG x509negativeserial=1): so does this reader. Zero is accepted, as by Go.
  if ((buf[r.start] as number) & 0x80) throw malformed('TBSCertificate.serialNumber: negative serial number', r.start);
  const serialNumber = serialHex(buf, r.start, r.end);
  p = r.end;

  const alg: AlgOut = { oid: '', paramsStart: -1, paramsEnd: -1, rawParamsStart: -1, rawParamsEnd: -1 };
  const innerAlgPos = p;
  p = readAlgorithm(r, p, tbsEnd, 'TBSCertificate.signature', alg);
  const innerAlgEnd = p;
  // RFC 5758 §3.2 (ecdsa-with-SHA*) and RFC 8410 §3 (Ed25519): the parameters MUST be absent; Go
  // takes an Ed25519 signature with parameters as an unknown algorithm.
  if (alg.rawParamsStart >= 0 && (alg.oid.startsWith('1.2.840.10045.4.3.') || alg.oid === '1.3.101.112')) {
    throw malformed(`TBSCertificate.signature: ${alg.oid} must have no parameters`, alg.rawParamsStart);
  }

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
  checkPublicKey(r, publicKeyAlgorithm, alg.rawParamsStart, alg.rawParamsEnd, r.start, keyEnd);
  const subjectPublicKeyInfo = buf.subarray(spkiPos, spkiEnd);
  p = spkiEnd;

  let extensions: CertificateExtensions | undefined;
  let stage = 0;
  while (p < tbsEnd) {
    const fieldEnd = r.next(p, tbsEnd, 'TBSCertificate optional field');
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
    p = fieldEnd; // not r.end: the extension readers move the reader
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
    emailOrIpSanCount: 0,
    requireExplicitPolicy: false,
    mapsAnyPolicy: false,
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
    const oid = decodeOid(buf, r.start, oidEnd, 0, true);
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
    const policy = checkExtensionValue(r, oid, vStart, extEnd, critical, p);
    if (policy & REQUIRES_EXPLICIT_POLICY) ext.requireExplicitPolicy = true;
    if (policy & MAPS_ANY_POLICY) ext.mapsAnyPolicy = true;

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
      case 0x86: {
        checkIa5(buf, r.start, r.end, 'subjectAltName uniformResourceIdentifier');
        const uri = buf.toString('latin1', r.start, r.end);
        const problem = uriSanProblem(uri);
        if (problem !== undefined) throw malformed(`subjectAltName uniformResourceIdentifier ${JSON.stringify(uri)} has ${problem} (Go's url.Parse refuses it)`, r.start);
        ext.uriSans.push(uri);
        break;
      }
      case 0x82:
        checkIa5(buf, r.start, r.end, 'subjectAltName dNSName');
        ext.dnsSans.push(buf.toString('latin1', r.start, r.end));
        break;
      case 0x81: // rfc822Name
        checkIa5(buf, r.start, r.end, 'subjectAltName rfc822Name');
        ext.otherSanCount++;
        ext.emailOrIpSanCount++;
        break;
      case 0x87: // iPAddress: 4 or 16 octets (RFC 5280 §4.2.1.6)
        if (r.end - r.start !== 4 && r.end - r.start !== 16) {
          throw malformed(`subjectAltName iPAddress of ${r.end - r.start} octets (4 or 16 expected)`, r.hdr);
        }
        ext.otherSanCount++;
        ext.emailOrIpSanCount++;
        break;
      case 0xa0: // otherName
      case 0xa3: // x400Address
      case 0xa4: // directoryName
      case 0xa5: // ediPartyName
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
    out.push(decodeOid(r.buf, r.start, p, 0, true));
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
