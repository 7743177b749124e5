/**
 * Canonical base64url (RFC 4648 §5, unpadded as RFC 7515 §2 requires for JWS). Decoders such as
 * `Buffer.from(s, 'base64url')`, `atob` and `Uint8Array.fromBase64` (loose mode) ignore the spare
 * low bits of the last character, so `…A` and `…B` may decode to the same bytes: one token, many
 * spellings. Only the spelling an encoder produces (spare bits zero, no `=`) is canonical. This is
 * Go's `base64.RawURLEncoding.Strict()` rule (encoding/base64/base64.go, `decodeQuantum`).
 *
 * @module
 */

/** The base64url alphabet, unpadded (possibly empty). */
export const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The 6-bit value of a base64url character (the caller has checked the alphabet). */
function sextet(c: number): number {
  if (c >= 0x61) return c - 0x61 + 26; // a-z (and `_` is 0x5f, below)
  if (c >= 0x41) return c === 0x5f ? 63 : c - 0x41; // A-Z, _
  if (c >= 0x30) return c - 0x30 + 52; // 0-9
  return 62; // -
}

/**
 * Why `text` (already known to be in the base64url alphabet, no `=`) is not the canonical
 * spelling of its bytes, or `undefined` when it is: a length of 4n + 1 characters cannot encode
 * whole bytes, and in a last group of 2 or 3 characters the bits beyond the last byte (4 or 2)
 * must be zero.
 */
export function nonCanonicalBase64url(text: string): string | undefined {
  const rest = text.length & 3;
  if (rest === 0) return undefined;
  if (rest === 1) return 'has an impossible base64url length (4n + 1 characters)';
  const spare = rest === 2 ? 0x0f : 0x03;
  return (sextet(text.charCodeAt(text.length - 1)) & spare) === 0 ? undefined : 'has non-zero trailing bits (not the canonical base64url spelling of its bytes)';
}
