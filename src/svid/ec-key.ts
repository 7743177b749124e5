/**
 * Fast import of an SVID's EC private key, with a real key/leaf match.
 *
 * `createPrivateKey({ format: 'der', type: 'pkcs8' })` goes through OpenSSL 3's generic decoder and
 * is several times slower than importing the same key as a JWK (the `parseRaw` table in
 * BENCHMARKS.md, "1,000 SVIDs + 1,000 federated bundles"). A JWK import does not check that the private
 * scalar belongs to the public point it is given, so the public point is computed here from the
 * scalar (an ECDH key derivation, which is a scalar multiplication) and compared with the leaf's
 * public key: the match is proven, not read from the key file's optional embedded copy.
 *
 * Anything this reader does not recognise returns `undefined`, and the caller falls back to the
 * general (slow, complete) path, which produces the precise error.
 *
 * @internal
 * @packageDocumentation
 */
import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function tlv(buf: Buffer, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos] as number;
  let len = buf[pos + 1] as number;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  if (end > limit) return undefined;
  return { tag, start, end };
}

const OID_EC_PUBLIC_KEY = '06072a8648ce3d0201';
/** DER of the named-curve OIDs, with the Node/OpenSSL and JWK names. */
const CURVES: ReadonlyMap<string, { readonly openssl: string; readonly jwk: string; readonly size: number }> = new Map([
  ['06082a8648ce3d030107', { openssl: 'prime256v1', jwk: 'P-256', size: 32 }],
  ['06052b81040022', { openssl: 'secp384r1', jwk: 'P-384', size: 48 }],
  ['06052b81040023', { openssl: 'secp521r1', jwk: 'P-521', size: 66 }],
]);

function hex(buf: Buffer, t: Tlv, headerStart: number): string {
  return buf.toString('hex', headerStart, t.end);
}

/** Reads `AlgorithmIdentifier { ecPublicKey, namedCurve }` and returns the curve's key. */
function readEcAlgorithm(buf: Buffer, pos: number, limit: number): { curve: string; next: number } | undefined {
  const alg = tlv(buf, pos, limit);
  if (alg === undefined || alg.tag !== 0x30) return undefined;
  const oid = tlv(buf, alg.start, alg.end);
  if (oid === undefined || oid.tag !== 0x06 || hex(buf, oid, alg.start) !== OID_EC_PUBLIC_KEY) return undefined;
  const curve = tlv(buf, oid.end, alg.end);
  if (curve === undefined || curve.tag !== 0x06 || curve.end !== alg.end) return undefined;
  return { curve: hex(buf, curve, oid.end), next: alg.end };
}

/** The uncompressed public point (`04 || X || Y`) and curve of an EC SubjectPublicKeyInfo. */
function readEcSpki(spki: Buffer): { curve: string; point: Buffer } | undefined {
  const outer = tlv(spki, 0, spki.length);
  if (outer === undefined || outer.tag !== 0x30 || outer.end !== spki.length) return undefined;
  const alg = readEcAlgorithm(spki, outer.start, outer.end);
  if (alg === undefined) return undefined;
  const bits = tlv(spki, alg.next, outer.end);
  if (bits === undefined || bits.tag !== 0x03 || bits.end !== outer.end || bits.end - bits.start < 2) return undefined;
  if (spki[bits.start] !== 0) return undefined;
  return { curve: alg.curve, point: spki.subarray(bits.start + 1, bits.end) };
}

/** The private scalar and curve of an unencrypted PKCS#8 `PrivateKeyInfo` holding an EC key. */
function readEcPkcs8(der: Buffer): { curve: string; d: Buffer } | undefined {
  const outer = tlv(der, 0, der.length);
  if (outer === undefined || outer.tag !== 0x30 || outer.end !== der.length) return undefined;
  const version = tlv(der, outer.start, outer.end);
  if (version === undefined || version.tag !== 0x02 || version.end - version.start !== 1 || der[version.start] !== 0) return undefined;
  const alg = readEcAlgorithm(der, version.end, outer.end);
  if (alg === undefined) return undefined;
  const octets = tlv(der, alg.next, outer.end);
  if (octets === undefined || octets.tag !== 0x04) return undefined;
  // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] params OPTIONAL, [1] publicKey OPTIONAL }
  const ec = tlv(der, octets.start, octets.end);
  if (ec === undefined || ec.tag !== 0x30 || ec.end !== octets.end) return undefined;
  const ecVersion = tlv(der, ec.start, ec.end);
  if (ecVersion === undefined || ecVersion.tag !== 0x02 || ecVersion.end - ecVersion.start !== 1 || der[ecVersion.start] !== 1) {
    return undefined;
  }
  const d = tlv(der, ecVersion.end, ec.end);
  if (d === undefined || d.tag !== 0x04 || d.end === d.start) return undefined;
  return { curve: alg.curve, d: der.subarray(d.start, d.end) };
}

/** Result of {@link importEcPrivateKey}. */
export type EcImport =
  | { readonly kind: 'ok'; readonly key: KeyObject }
  | { readonly kind: 'mismatch' }
  /** An EC key of a known curve whose private scalar is not valid (zero, or not below the group order). */
  | { readonly kind: 'invalid' }
  /** Not an EC key this reader handles: use the general path. */
  | { readonly kind: 'unsupported' };

/**
 * Imports a PKCS#8 EC private key and proves it belongs to the leaf's public key.
 *
 * @internal
 */
export function importEcPrivateKey(pkcs8: Buffer, leafSpki: Buffer): EcImport {
  const key = readEcPkcs8(pkcs8);
  if (key === undefined) return { kind: 'unsupported' };
  const curve = CURVES.get(key.curve);
  const leaf = readEcSpki(leafSpki);
  if (curve === undefined || leaf === undefined) return { kind: 'unsupported' };
  if (leaf.curve !== key.curve) return { kind: 'mismatch' };
  if (key.d.length > curve.size) return { kind: 'invalid' };
  let point: Buffer;
  try {
    const ecdh = createECDH(curve.openssl);
    ecdh.setPrivateKey(key.d); // rejects 0 and scalars >= the group order
    point = ecdh.getPublicKey(); // uncompressed: 04 || X || Y
  } catch {
    return { kind: 'invalid' };
  }
  if (!point.equals(leaf.point)) return { kind: 'mismatch' };
  const d = Buffer.alloc(curve.size);
  key.d.copy(d, curve.size - key.d.length);
  try {
    const imported = createPrivateKey({
      key: {
        kty: 'EC',
        crv: curve.jwk,
        d: d.toString('base64url'),
        x: point.subarray(1, 1 + curve.size).toString('base64url'),
        y: point.subarray(1 + curve.size).toString('base64url'),
      },
      format: 'jwk',
    });
    return { kind: 'ok', key: imported };
  } catch {
    return { kind: 'unsupported' };
  } finally {
    d.fill(0);
  }
}
