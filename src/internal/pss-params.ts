/**
 * RSASSA-PSS-params (RFC 4055 §3.1) of a certificate signature, read strictly and reduced to the
 * three forms Go's crypto/x509 accepts (x509.go, getSignatureAlgorithmFromAI): SHA-256, SHA-384 or
 * SHA-512 as the message hash, MGF1 with that same hash, a salt as long as the hash, and the
 * default trailer field. Everything else, SHA-1 (the DEFAULT of every field) included, is refused.
 *
 * @module
 */
import { expectTlv, readTlv, TlvError } from './tlv.js';

/** @internal The accepted PSS forms: the digest name for `crypto.verify` and the salt length. */
export interface PssParams {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly saltLength: number;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const INTEGER = 0x02;

/** Hash OID contents (hex) → digest name and its length in octets. */
const HASHES: ReadonlyMap<string, readonly [PssParams['hash'], number]> = new Map([
  ['608648016503040201', ['sha256', 32]],
  ['608648016503040202', ['sha384', 48]],
  ['608648016503040203', ['sha512', 64]],
]);
const SHA1 = '2b0e03021a';
const MGF1 = '2a864886f70d010108';

/** Reads an AlgorithmIdentifier whose parameters must be absent or NULL; returns the OID contents as hex. */
function hashAlgorithm(buf: Uint8Array, pos: number, limit: number, what: string): string {
  const seq = expectTlv(buf, pos, limit, SEQUENCE, what);
  if (seq.end !== limit) throw new TlvError(`${what} has trailing data`, seq.end);
  const oid = expectTlv(buf, seq.start, seq.end, OID, `${what} algorithm`);
  if (oid.end !== seq.end) {
    const params = readTlv(buf, oid.end, seq.end, `${what} parameters`);
    if (params.tag !== 0x05 || params.end !== params.start || params.end !== seq.end) {
      throw new TlvError(`${what} parameters must be absent or NULL`, oid.end);
    }
  }
  return Buffer.from(buf.subarray(oid.start, oid.end)).toString('hex');
}

function smallInteger(buf: Uint8Array, pos: number, limit: number, what: string): number {
  const t = expectTlv(buf, pos, limit, INTEGER, what);
  if (t.end !== limit) throw new TlvError(`${what} has trailing data`, t.end);
  const n = t.end - t.start;
  if (n === 0 || n > 2) throw new TlvError(`${what} is not a small INTEGER`, pos);
  const a = buf[t.start] as number;
  if (a & 0x80) throw new TlvError(`${what} is negative`, pos);
  if (n === 2 && a === 0 && ((buf[t.start + 1] as number) & 0x80) === 0) throw new TlvError(`${what}: non-minimal INTEGER`, pos);
  return n === 1 ? a : a * 256 + (buf[t.start + 1] as number);
}

/**
 * @internal Reads the parameters TLV of an RSASSA-PSS AlgorithmIdentifier. Returns the accepted
 * form, or a sentence saying why it is refused (malformed or weak).
 */
export function readPssParams(params: Uint8Array | undefined): PssParams | string {
  if (params === undefined) return 'RSASSA-PSS without parameters means SHA-1, which is refused';
  try {
    const seq = expectTlv(params, 0, params.length, SEQUENCE, 'RSASSA-PSS-params');
    if (seq.end !== params.length) throw new TlvError('RSASSA-PSS-params has trailing data', seq.end);
    // Go's pssParameters: hashAlgorithm [0], maskGenAlgorithm [1] and saltLength [2] are required
    // (their DEFAULTs are SHA-1 and 20, refused anyway); trailerField [3] is optional and must be 1.
    const h = expectTlv(params, seq.start, seq.end, 0xa0, 'RSASSA-PSS-params.hashAlgorithm');
    const hash = hashAlgorithm(params, h.start, h.end, 'hashAlgorithm');
    const m = expectTlv(params, h.end, seq.end, 0xa1, 'RSASSA-PSS-params.maskGenAlgorithm');
    const mgf = expectTlv(params, m.start, m.end, SEQUENCE, 'maskGenAlgorithm');
    if (mgf.end !== m.end) throw new TlvError('maskGenAlgorithm has trailing data', mgf.end);
    const mgfOid = expectTlv(params, mgf.start, mgf.end, OID, 'maskGenAlgorithm algorithm');
    const mgfName = Buffer.from(params.subarray(mgfOid.start, mgfOid.end)).toString('hex');
    if (mgfName !== MGF1) return 'its mask generation function is not MGF1';
    const mgfHash = hashAlgorithm(params, mgfOid.end, mgf.end, 'MGF1 hash');
    const s = expectTlv(params, m.end, seq.end, 0xa2, 'RSASSA-PSS-params.saltLength');
    const salt = smallInteger(params, s.start, s.end, 'saltLength');
    if (s.end !== seq.end) {
      const t = expectTlv(params, s.end, seq.end, 0xa3, 'RSASSA-PSS-params.trailerField');
      if (t.end !== seq.end) throw new TlvError('RSASSA-PSS-params has trailing data', t.end);
      // DER omits a DEFAULT value; Go's encoding/asn1 accepts an explicit 1 too.
      if (smallInteger(params, t.start, t.end, 'trailerField') !== 1) return 'its trailerField is not 1';
    }
    if (hash === SHA1 || mgfHash === SHA1) return 'it uses SHA-1 (as the message hash or in MGF1), which is refused';
    const known = HASHES.get(hash);
    if (known === undefined) return 'its hash is not SHA-256, SHA-384 or SHA-512';
    if (mgfHash !== hash) return 'its MGF1 hash differs from its message hash';
    if (salt !== known[1]) return `its salt length ${salt} differs from the hash length ${known[1]}`;
    return { hash: known[0], saltLength: salt };
  } catch (err) {
    if (err instanceof TlvError) return `its parameters are malformed: ${err.message}`;
    throw err;
  }
}
