/**
 * A DER writer for the test certificates of {@link mintCertificate}: X.509 v3 certificates
 * (RFC 5280 §4.1) built and signed with node:crypto, and the few reads of an issuer certificate the
 * minting needs (its subject, its subjectKeyIdentifier). Test code: it writes what it is told,
 * including what a CA must never issue.
 *
 * @module
 */
import { type KeyObject, sign } from 'node:crypto';
import { type SignatureHash, TestingError } from './keys.js';

/** A DER tag-length-value. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n <= 0xff) header = [tag, 0x81, n];
  else if (n <= 0xffff) header = [tag, 0x82, n >> 8, n & 0xff];
  else if (n <= 0xffffff) header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  else header = [tag, 0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), content]);
}

export const sequence = (...items: readonly Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
/** A SET OF, its elements sorted by their encodings as DER requires (X.690 §11.6). */
const setOf = (...items: readonly Buffer[]): Buffer => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare)));
export const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

/** A non-negative INTEGER from big-endian magnitude bytes (a leading zero is added when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const bytes = Buffer.from(magnitude.subarray(i));
  return tlv(0x02, bytes.length === 0 ? Buffer.from([0]) : (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Expected a non-negative integer, got ${String(value)}`);
  const hex = value.toString(16);
  return unsignedInteger(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'));
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  if (!/^[0-2]\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(dotted)) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Not an object identifier: ${JSON.stringify(dotted)}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const first = arcs[0]! * 40n + arcs[1]!;
  const out: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A BIT STRING of named bits (bit 0 first), DER: trailing zero bits dropped (X.690 §11.2.2). */
export function namedBits(flags: number): Buffer {
  let highest = -1;
  for (let bit = 0; bit < 32; bit++) if ((flags >>> bit) & 1) highest = bit;
  if (highest < 0) return tlv(0x03, Buffer.from([0]));
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (let bit = 0; bit <= highest; bit++) if ((flags >>> bit) & 1) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = date.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  if (year < 0 || year > 9999) throw new TestingError('ERR_TESTING_INVALID_OPTION', `A certificate date must be in years 0000-9999, got ${iso}`);
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

// Attribute types of distinguished names, by the short names RFC 4514 and OpenSSL print; the value
// string types follow RFC 5280 (PrintableString for countryName, IA5String for
// domainComponent and emailAddress, UTF8String otherwise).
const NAME_ATTRIBUTES: Readonly<Record<string, readonly [string, number]>> = {
  CN: ['2.5.4.3', 0x0c],
  SN: ['2.5.4.4', 0x0c],
  SERIALNUMBER: ['2.5.4.5', 0x13],
  C: ['2.5.4.6', 0x13],
  L: ['2.5.4.7', 0x0c],
  ST: ['2.5.4.8', 0x0c],
  STREET: ['2.5.4.9', 0x0c],
  O: ['2.5.4.10', 0x0c],
  OU: ['2.5.4.11', 0x0c],
  T: ['2.5.4.12', 0x0c],
  TITLE: ['2.5.4.12', 0x0c],
  GN: ['2.5.4.42', 0x0c],
  DC: ['0.9.2342.19200300.100.1.25', 0x16],
  UID: ['0.9.2342.19200300.100.1.1', 0x0c],
  E: ['1.2.840.113549.1.9.1', 0x16],
  EMAILADDRESS: ['1.2.840.113549.1.9.1', 0x16],
};

/** Splits on `separator` outside backslash escapes and double quotes. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1]!;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** An attribute value as written: quotes removed, `\,` and `\XX` (hex) escapes resolved (RFC 4514 §2.4). */
function attributeValue(raw: string): Buffer {
  let text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(text[i + 1]!, 'utf8'));
        i++;
      }
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes);
}

/**
 * A distinguished name from its string form, `'CN=web, O=Example, C=US'`, its RDNs written in the
 * order given (as Node's `X509Certificate.subject` prints them); `+` joins attributes of one RDN
 * (a SET, so DER orders them by encoding); `''` is the empty name. Attribute types are the usual short names or dotted OIDs.
 */
export function distinguishedName(text: string): Buffer {
  if (text.trim() === '') return sequence();
  const rdns = splitUnescaped(text, ',').map((rdn) =>
    setOf(
      ...splitUnescaped(rdn, '+').map((attribute) => {
        const eq = attribute.indexOf('=');
        if (eq <= 0) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Cannot read the name ${JSON.stringify(text)}: ${JSON.stringify(attribute.trim())} is not TYPE=value`);
        const type = attribute.slice(0, eq).trim();
        const known = NAME_ATTRIBUTES[type.toUpperCase()];
        const [id, tag] = known ?? (/^[0-2](\.[0-9]+)+$/.test(type) ? [type, 0x0c] : [undefined, 0]);
        if (id === undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Unknown attribute type ${JSON.stringify(type)} in the name ${JSON.stringify(text)}`);
        return sequence(oid(id), tlv(tag, attributeValue(attribute.slice(eq + 1))));
      }),
    ),
  );
  return sequence(...rdns);
}

// --- reading an issuer certificate -------------------------------------------------------------

interface Element {
  readonly tag: number;
  /** Offsets of the whole element and of its contents in the buffer. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function element(der: Buffer, offset: number): Element {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'The issuer certificate is not DER: truncated');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'The issuer certificate is not DER: bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'The issuer certificate is not DER: truncated');
  return { tag, start: offset, contentStart, end };
}

function children(der: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const e = element(der, at);
    out.push(e);
    at = e.end;
  }
  return out;
}

const OID_SUBJECT_KEY_IDENTIFIER = oid('2.5.29.14');

/** The subject Name (DER, as written) and the subjectKeyIdentifier (if any) of a certificate. */
export function readIssuer(der: Buffer): { readonly subject: Buffer; readonly keyId: Buffer | undefined } {
  const certificate = element(der, 0);
  const tbs = children(der, certificate)[0];
  if (tbs === undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'The issuer certificate is not DER: no tbsCertificate');
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then [1] [2] [3]
  const subject = fields[offset + 4];
  if (subject === undefined) throw new TestingError('ERR_TESTING_INVALID_OPTION', 'The issuer certificate is not DER: no subject');
  let keyId: Buffer | undefined;
  const extensions = fields.find((f) => f.tag === 0xa3);
  const list = extensions === undefined ? undefined : children(der, extensions)[0];
  for (const ext of list === undefined ? [] : children(der, list)) {
    const parts = children(der, ext);
    const id = parts[0];
    if (id === undefined || !der.subarray(id.start, id.end).equals(OID_SUBJECT_KEY_IDENTIFIER)) continue;
    const value = parts[parts.length - 1]!; // extnValue OCTET STRING holding KeyIdentifier ::= OCTET STRING
    const inner = element(der, value.contentStart);
    keyId = Buffer.from(der.subarray(inner.contentStart, inner.end));
  }
  return { subject: Buffer.from(der.subarray(subject.start, subject.end)), keyId };
}

// --- signing -----------------------------------------------------------------------------------

const ECDSA_OIDS: Readonly<Record<SignatureHash, string>> = { 'SHA-256': '1.2.840.10045.4.3.2', 'SHA-384': '1.2.840.10045.4.3.3', 'SHA-512': '1.2.840.10045.4.3.4' };
const RSA_OIDS: Readonly<Record<SignatureHash, string>> = { 'SHA-256': '1.2.840.113549.1.1.11', 'SHA-384': '1.2.840.113549.1.1.12', 'SHA-512': '1.2.840.113549.1.1.13' };
const CURVE_HASHES: Readonly<Record<string, SignatureHash>> = { prime256v1: 'SHA-256', secp384r1: 'SHA-384', secp521r1: 'SHA-512' };
const NULL = Buffer.from([0x05, 0x00]);

/** How a key signs certificates: the AlgorithmIdentifier, and the signing. */
export interface CertificateSigner {
  readonly algorithm: Buffer;
  sign(tbs: Buffer): Buffer;
}

function unsupported(key: KeyObject): TestingError {
  const details = key.asymmetricKeyDetails?.namedCurve ?? '';
  return new TestingError(
    'ERR_TESTING_UNSUPPORTED_KEY',
    `Cannot sign certificates with a ${key.asymmetricKeyType ?? key.type} ${details} key; use an EC (P-256, P-384, P-521), RSA or Ed25519 private key`,
  );
}

/**
 * A node:crypto private key ready to sign certificates: ECDSA (RFC 5758, DER signature), RSA
 * PKCS#1 v1.5 (RFC 4055) or Ed25519 (RFC 8410). The hash defaults to the key's: SHA-256 for P-256
 * and RSA, SHA-384 for P-384, SHA-512 for P-521; Ed25519 has none.
 */
export function certificateSigner(privateKey: KeyObject, hash?: SignatureHash): CertificateSigner {
  if (privateKey.type !== 'private') {
    throw new TestingError('ERR_TESTING_NO_PRIVATE_KEY', `A private key is needed to sign, got a ${privateKey.type} key`);
  }
  const nodeHash = (h: SignatureHash) => h.replace('-', '').toLowerCase(); // 'SHA-256' → 'sha256'
  switch (privateKey.asymmetricKeyType) {
    case 'ec': {
      const curveHash = CURVE_HASHES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''];
      if (curveHash === undefined) throw unsupported(privateKey);
      const h = hash ?? curveHash;
      return { algorithm: sequence(oid(ECDSA_OIDS[h])), sign: (tbs) => sign(nodeHash(h), tbs, { key: privateKey, dsaEncoding: 'der' }) };
    }
    case 'rsa': {
      const h = hash ?? 'SHA-256';
      return { algorithm: sequence(oid(RSA_OIDS[h]), NULL), sign: (tbs) => sign(nodeHash(h), tbs, privateKey) };
    }
    case 'ed25519':
      return { algorithm: sequence(oid('1.3.101.112')), sign: (tbs) => sign(null, tbs, privateKey) };
    default:
      throw unsupported(privateKey);
  }
}
