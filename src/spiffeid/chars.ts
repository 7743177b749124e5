/** Byte classes of the SPIFFE ID grammar, as lookup tables indexed by char code (< 128). */

const TD = new Uint8Array(128);
const PATH = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const lowerOrDigit = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
  const upper = ch >= 'A' && ch <= 'Z';
  const punct = ch === '.' || ch === '-' || ch === '_';
  TD[c] = lowerOrDigit || punct ? 1 : 0;
  PATH[c] = lowerOrDigit || upper || punct ? 1 : 0;
}

/** Whether char code `c` may appear in a trust domain name: `[a-z0-9._-]`. */
export function isTrustDomainChar(c: number): boolean {
  return c < 128 && TD[c] === 1;
}

/** Whether char code `c` may appear in a path segment: `[a-zA-Z0-9._-]`. */
export function isPathChar(c: number): boolean {
  return c < 128 && PATH[c] === 1;
}

/** Renders one character for an error message, making invisible ones visible. */
export function describeChar(s: string, i: number): string {
  const c = s.charCodeAt(i);
  if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
  if (c > 0x7e) return `non-ASCII character ${JSON.stringify(s.charAt(i))}`;
  return `'${s.charAt(i)}'`;
}
