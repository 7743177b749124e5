/**
 * Distinguished names (RFC 5280 §4.1.2.4): the structure of a Name and the attribute value strings,
 * checked as Go's crypto/x509 checks them (parser.go `parseName` / `parseASN1String`), so that a
 * certificate Go refuses for its issuer or subject is refused here too. Values are not decoded:
 * chaining compares the raw Name bytes.
 *
 * @module
 */
import { checkIa5, checkOidArcs, malformed, OID, type Reader, SEQUENCE, SET, tagName, trailing } from './der-reader.js';

const UTF8_STRING = 0x0c;
const NUMERIC_STRING = 0x12;
const PRINTABLE_STRING = 0x13;
const T61_STRING = 0x14;
const IA5_STRING = 0x16;
const BMP_STRING = 0x1e;

/**
 * Bytes allowed in a PrintableString (X.680 §41.4), plus `*` and `&`, which Go accepts because real
 * certificates carry them.
 */
const PRINTABLE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  PRINTABLE[c] = /[A-Za-z0-9 '()+,\-./:=?*&]/.test(ch) ? 1 : 0;
}

/**
 * Whether [start, end) is well-formed UTF-8 in the sense of Go's `utf8.Valid`: shortest forms only,
 * no surrogates, nothing above U+10FFFF.
 */
function isUtf8(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return false;
    if (end - i <= need) return false;
    const b1 = buf[i + 1] as number;
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const c = buf[i + k] as number;
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/**
 * Checks one attribute value: its tag must be one of the string types Go reads, and its contents
 * must fit that type. T61String is taken as Latin-1 (any byte), as Go and BoringSSL do.
 */
function checkAttributeValue(buf: Buffer, tag: number, start: number, end: number, what: string): void {
  switch (tag) {
    case UTF8_STRING:
      if (!isUtf8(buf, start, end)) throw malformed(`${what}: UTF8String is not valid UTF-8`, start);
      return;
    case PRINTABLE_STRING:
      for (let i = start; i < end; i++) {
        if (PRINTABLE[buf[i] as number] === 0) throw malformed(`${what}: invalid PrintableString character 0x${(buf[i] as number).toString(16)}`, i);
      }
      return;
    case IA5_STRING:
      checkIa5(buf, start, end, what);
      return;
    case NUMERIC_STRING:
      for (let i = start; i < end; i++) {
        const c = buf[i] as number;
        if (!(c === 0x20 || (c >= 0x30 && c <= 0x39))) throw malformed(`${what}: invalid NumericString character 0x${c.toString(16)}`, i);
      }
      return;
    case T61_STRING:
      return;
    case BMP_STRING: {
      // UCS-2: an even length; a trailing U+0000 terminator is tolerated (as by Go); no surrogates
      // and no permanent noncharacters (U+FFFE, U+FFFF, U+FDD0..U+FDEF).
      if ((end - start) % 2 !== 0) throw malformed(`${what}: BMPString of odd length`, start);
      let e = end;
      if (e - start >= 2 && buf[e - 1] === 0 && buf[e - 2] === 0) e -= 2;
      for (let i = start; i < e; i += 2) {
        const u = ((buf[i] as number) << 8) | (buf[i + 1] as number);
        if (u === 0xfffe || u === 0xffff || (u >= 0xfdd0 && u <= 0xfdef) || (u >= 0xd800 && u <= 0xdfff)) {
          throw malformed(`${what}: invalid BMPString code point U+${u.toString(16).toUpperCase()}`, i);
        }
      }
      return;
    }
    default:
      throw malformed(`${what}: ${tagName(tag)} is not a supported string type (UTF8String, PrintableString, IA5String, NumericString, T61String, BMPString)`, start);
  }
}

/**
 * Validates a Name at `pos`: SEQUENCE OF SET OF SEQUENCE { OID, value } with the attribute types
 * within Go's OID limits and every value a well-formed string of a type Go reads. Returns its end.
 */
export function checkName(r: Reader, pos: number, limit: number, what: string): number {
  const buf = r.buf;
  const end = r.expect(pos, limit, SEQUENCE, what);
  let p = r.start;
  while (p < end) {
    const setEnd = r.expect(p, end, SET, `${what} RDN`);
    let q = r.start; // an empty RDN breaks SIZE (1..MAX) but Go and OpenSSL accept it: so do we
    while (q < setEnd) {
      const atvEnd = r.expect(q, setEnd, SEQUENCE, `${what} attribute`);
      const typeEnd = r.expect(r.start, atvEnd, OID, `${what} attribute type`);
      checkOidArcs(buf, r.start, typeEnd, `${what} attribute type`);
      const valueEnd = r.next(typeEnd, atvEnd, `${what} attribute value`);
      if (valueEnd !== atvEnd) throw trailing(`${what} attribute`, valueEnd);
      checkAttributeValue(buf, r.tag, r.start, valueEnd, `${what} attribute value`);
      q = atvEnd;
    }
    p = setEnd;
  }
  return end;
}
