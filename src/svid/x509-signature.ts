import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { ParsedCertificate } from '../internal/der.js';
import { Lru } from '../internal/lru.js';
import { readPssParams } from '../internal/pss-params.js';

/**
 * Certificate signature checks for path validation, done on the DER directly with
 * `crypto.verify` (building a Node `X509Certificate` per certificate is costly; see the `parseRaw`
 * table in BENCHMARKS.md). Two caches keep the hot path cheap and stay exact: issuer keys by their
 * SPKI bytes, and verdicts by the full certificate bytes plus the issuer's SPKI bytes (a verdict
 * depends on nothing else).
 */

/** Signature algorithm OID → digest for `crypto.verify` (`null` = the key type decides). */
const DIGESTS: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.10045.4.3.2', 'sha256'], // ecdsa-with-SHA256
  ['1.2.840.10045.4.3.3', 'sha384'], // ecdsa-with-SHA384
  ['1.2.840.10045.4.3.4', 'sha512'], // ecdsa-with-SHA512
  ['1.2.840.113549.1.1.11', 'sha256'], // sha256WithRSAEncryption
  ['1.2.840.113549.1.1.12', 'sha384'], // sha384WithRSAEncryption
  ['1.2.840.113549.1.1.13', 'sha512'], // sha512WithRSAEncryption
  ['1.3.101.112', null], // Ed25519
]);
/**
 * RSASSA-PSS carries its parameters in the certificate; only the forms Go's crypto/x509 accepts
 * pass (see `readPssParams`: SHA-256/384/512, MGF1 with the same hash, salt = hash length).
 */
const RSA_PSS = '1.2.840.113549.1.1.10';

/** Expected key type per signature algorithm, so an RSA key never "verifies" an ECDSA signature. */
function keyTypeFits(oid: string, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (oid.startsWith('1.2.840.10045.4.3.')) return type === 'ec';
  if (oid === RSA_PSS) return type === 'rsa' || type === 'rsa-pss';
  if (oid.startsWith('1.2.840.113549.1.1.')) return type === 'rsa';
  if (oid === '1.3.101.112') return type === 'ed25519';
  return false;
}

/** Whether spiffe-kit can check signatures made with this algorithm OID. */
export function isSupportedSignatureAlgorithm(oid: string): boolean {
  return DIGESTS.has(oid) || oid === RSA_PSS;
}

/**
 * Why the signature algorithm of `cert` is refused although its OID is supported (RSASSA-PSS
 * parameters with SHA-1 or any other form Go refuses), or `undefined` when it is acceptable.
 */
export function weakSignatureAlgorithmReason(cert: ParsedCertificate): string | undefined {
  if (cert.signatureAlgorithm !== RSA_PSS) return undefined;
  const params = readPssParams(cert.signatureAlgorithmParams);
  return typeof params === 'string' ? `RSASSA-PSS ${params}` : undefined;
}

let signatureChecks = 0;

/**
 * What one signature check with `issuer`'s key costs against the verification budget, in
 * P-256 checks: P-384 counts 5, P-521 15, RSA up to 4096 bits 2, larger RSA 4, anything else
 * (Ed25519, RSA-2048) 1, after the costs measured with OpenSSL 3 (BENCHMARKS.md, "Hostile peer
 * chains"). A key that cannot be read costs 1.
 */
export function signatureCheckCost(issuer: ParsedCertificate): number {
  let key: KeyObject;
  try {
    key = publicKeyOf(issuer);
  } catch {
    return 1;
  }
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp521r1' ? 15 : curve === 'secp384r1' ? 5 : 1;
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits <= 2048 ? 1 : bits <= 4096 ? 2 : 4;
  }
  return 1;
}

/**
 * @internal How many times {@link isSignedBy} was called in this process (cached verdicts
 * included): path building is bounded by the number of these, and tests read it to show it.
 */
export function signatureCheckCount(): number {
  return signatureChecks;
}

const keyCache = new Lru<string, KeyObject>(512);
const verdictCache = new Lru<string, boolean>(4096);

/** The public key of a certificate, imported once per distinct SPKI. */
export function publicKeyOf(cert: ParsedCertificate): KeyObject {
  const spki = cert.subjectPublicKeyInfo;
  const cacheKey = spki.toString('base64');
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    keyCache.set(cacheKey, key);
  }
  return key;
}

/**
 * Whether `issuer`'s key signed `cert`. Never throws: an unusable key or malformed signature is
 * simply "not signed by this issuer".
 */
export function isSignedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  signatureChecks++;
  const cacheKey = `${issuer.subjectPublicKeyInfo.toString('base64')}|${cert.raw.toString('base64')}`;
  const cached = verdictCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    const key = publicKeyOf(issuer);
    const oid = cert.signatureAlgorithm;
    if (keyTypeFits(oid, key)) {
      if (oid === RSA_PSS) {
        const params = readPssParams(cert.signatureAlgorithmParams);
        if (typeof params !== 'string') {
          const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength };
          ok = verify(params.hash, cert.tbs, options, cert.signature);
        }
      } else {
        const digest = DIGESTS.get(oid);
        if (digest !== undefined) ok = verify(digest, cert.tbs, key, cert.signature);
      }
    }
  } catch {
    ok = false;
  }
  verdictCache.set(cacheKey, ok);
  return ok;
}

/** @internal For benchmarks: forget cached verdicts (and keys, when `keys` is true). */
export function clearSignatureCaches(keys = false): void {
  verdictCache.clear();
  if (keys) keyCache.clear();
}
