/**
 * SubjectPublicKeyInfo checks (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480, RFC 8410): the public key of
 * every certificate is checked as Go's crypto/x509 checks it when parsing (parser.go
 * `parsePublicKey`), so that a key Go refuses is refused here too, whether or not spiffe-kit later
 * uses it. Keys of algorithms Go does not know are left alone, as Go leaves them.
 *
 * @module
 */
import { checkInteger, INTEGER, malformed, NULL, OID, type Reader, SEQUENCE, trailing } from './der-reader.js';

const RSA = '1.2.840.113549.1.1.1';
const DSA = '1.2.840.10040.4.1';
const EC = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const X25519 = '1.3.101.110';

/** A short-Weierstrass NIST curve y² = x³ - 3x + b over GF(p). */
interface Curve {
  /** The contents octets of its OID. */
  readonly oid: Buffer;
  readonly name: string;
  /** Coordinate size in bytes. */
  readonly size: number;
  readonly p: bigint;
  readonly b: bigint;
}

function curve(oidHex: string, name: string, size: number, p: bigint, b: string): Curve {
  return { oid: Buffer.from(oidHex, 'hex'), name, size, p, b: BigInt(`0x${b}`) };
}

const two = (e: number): bigint => 1n << BigInt(e);

/**
 * The named curves Go's crypto/x509 accepts (x509.go `namedCurveFromOID`), by the hex of their OID
 * contents. Parameters from SEC 2 / FIPS 186-4 (D.1.2).
 */
const CURVES: readonly Curve[] = [
  // 1.3.132.0.33 secp224r1
  curve('2b81040021', 'P-224', 28, two(224) - two(96) + 1n, 'b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4'),
  // 1.2.840.10045.3.1.7 prime256v1
  curve(
    '2a8648ce3d030107',
    'P-256',
    32,
    two(256) - two(224) + two(192) + two(96) - 1n,
    '5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b',
  ),
  // 1.3.132.0.34 secp384r1
  curve(
    '2b81040022',
    'P-384',
    48,
    two(384) - two(128) - two(96) + two(32) - 1n,
    'b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef',
  ),
  // 1.3.132.0.35 secp521r1
  curve(
    '2b81040023',
    'P-521',
    66,
    two(521) - 1n,
    '0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00',
  ),
];

/**
 * Points already found on their curve, by their bytes (the length tells the curve apart): the same keys come back on every
 * handshake (the peer's leaf, its intermediates), and the check costs BigInt arithmetic.
 */
const checkedPoints = new Set<string>();
const MAX_CHECKED_POINTS = 2048;

/** Checks an uncompressed point 04 || X || Y at [start, end) on `c`: coordinates below p, on the curve. */
function checkPoint(buf: Buffer, start: number, end: number, c: Curve): void {
  if (end - start !== 1 + 2 * c.size || buf[start] !== 0x04) {
    throw malformed(`SubjectPublicKeyInfo: an ${c.name} public key must be an uncompressed point of ${1 + 2 * c.size} octets`, start);
  }
  const key = buf.toString('latin1', start, end);
  if (checkedPoints.has(key)) return;
  onCurve(buf, start, end, c);
  if (checkedPoints.size >= MAX_CHECKED_POINTS) checkedPoints.clear();
  checkedPoints.add(key);
}

function onCurve(buf: Buffer, start: number, end: number, c: Curve): void {
  const x = BigInt(`0x${buf.toString('hex', start + 1, start + 1 + c.size)}`);
  const y = BigInt(`0x${buf.toString('hex', start + 1 + c.size, end)}`);
  const p = c.p;
  if (x >= p || y >= p) throw malformed(`SubjectPublicKeyInfo: ${c.name} point coordinate out of range`, start);
  const rhs = (((((x * x) % p) * x) % p) - 3n * x + c.b) % p;
  if ((((y * y - rhs) % p) + p) % p !== 0n) throw malformed(`SubjectPublicKeyInfo: the ${c.name} public key is not on the curve`, start);
}

/** A positive INTEGER at `pos` (DER-minimal); returns its end. */
function positiveInteger(r: Reader, pos: number, limit: number, what: string): number {
  const end = r.expect(pos, limit, INTEGER, what);
  checkInteger(r.buf, r.start, end, what);
  const first = r.buf[r.start] as number;
  if (first & 0x80 || (end - r.start === 1 && first === 0)) throw malformed(`${what} is not a positive number`, r.start);
  return end;
}

/**
 * Checks the key of a SubjectPublicKeyInfo. `algorithm` is the key algorithm OID; [paramsStart,
 * paramsEnd) the parameters TLV, NULL included (start -1 when absent); [keyStart, keyEnd) the BIT
 * STRING contents, unused-bits octet first.
 */
export function checkPublicKey(
  r: Reader,
  algorithm: string,
  paramsStart: number,
  paramsEnd: number,
  keyStart: number,
  keyEnd: number,
): void {
  const buf = r.buf;
  if (algorithm !== RSA && algorithm !== EC && algorithm !== ED25519 && algorithm !== X25519 && algorithm !== DSA) return;
  if (buf[keyStart] !== 0) throw malformed('SubjectPublicKeyInfo.subjectPublicKey: BIT STRING has unused bits', keyStart);
  const k = keyStart + 1;
  switch (algorithm) {
    case RSA: {
      // RFC 3279 §2.3.1: parameters NULL; RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
      if (paramsStart < 0 || buf[paramsStart] !== NULL || paramsEnd - paramsStart !== 2) {
        throw malformed('SubjectPublicKeyInfo: an RSA key must have NULL parameters', paramsStart < 0 ? keyStart : paramsStart);
      }
      const seqEnd = r.expect(k, keyEnd, SEQUENCE, 'RSAPublicKey');
      if (seqEnd !== keyEnd) throw trailing('RSAPublicKey', seqEnd);
      const nEnd = positiveInteger(r, r.start, seqEnd, 'RSAPublicKey.modulus');
      const eEnd = positiveInteger(r, nEnd, seqEnd, 'RSAPublicKey.publicExponent');
      // Go reads the exponent into an int: above 2^63 - 1 it refuses the key.
      if (eEnd - r.start > 8) throw malformed('RSAPublicKey.publicExponent is too large', r.start);
      if (eEnd !== seqEnd) throw trailing('RSAPublicKey', eEnd);
      return;
    }
    case EC: {
      // RFC 5480 §2.1.1: namedCurve only (no implicitCurve, no specifiedCurve).
      if (paramsStart < 0 || buf[paramsStart] !== OID) throw malformed('SubjectPublicKeyInfo: an EC key must name its curve (invalid ECDSA parameters)', paramsStart < 0 ? keyStart : paramsStart);
      r.expect(paramsStart, paramsEnd, OID, 'SubjectPublicKeyInfo.algorithm.parameters');
      const len = r.end - r.start;
      const c = CURVES.find((k) => k.oid.length === len && buf.compare(k.oid, 0, len, r.start, r.end) === 0);
      if (c === undefined) throw malformed('SubjectPublicKeyInfo: unsupported elliptic curve (P-224, P-256, P-384 and P-521 are accepted)', paramsStart);
      checkPoint(buf, k, keyEnd, c);
      return;
    }
    case ED25519:
    case X25519: {
      // RFC 8410 §3: parameters absent; the key is 32 octets.
      const name = algorithm === ED25519 ? 'Ed25519' : 'X25519';
      if (paramsStart >= 0) throw malformed(`SubjectPublicKeyInfo: an ${name} key must have no parameters`, keyStart);
      if (keyEnd - k !== 32) throw malformed(`SubjectPublicKeyInfo: an ${name} key must be 32 octets`, k);
      return;
    }
    default: {
      // DSA (RFC 3279 §2.3.2): Dss-Parms ::= SEQUENCE { p, q, g }; the key an INTEGER; all positive.
      if (paramsStart < 0 || buf[paramsStart] !== SEQUENCE) throw malformed('SubjectPublicKeyInfo: invalid DSA parameters', keyStart);
      const pEnd = r.expect(paramsStart, paramsEnd, SEQUENCE, 'Dss-Parms');
      let q = positiveInteger(r, r.start, pEnd, 'Dss-Parms.p');
      q = positiveInteger(r, q, pEnd, 'Dss-Parms.q');
      q = positiveInteger(r, q, pEnd, 'Dss-Parms.g');
      if (q !== pEnd) throw trailing('Dss-Parms', q);
      const yEnd = positiveInteger(r, k, keyEnd, 'DSAPublicKey');
      if (yEnd !== keyEnd) throw trailing('DSAPublicKey', yEnd);
      return;
    }
  }
}
