import type { KeyObject } from 'node:crypto';

/**
 * The one key-strength floor of spiffe-kit, applied to every key that vouches for an identity:
 * JWT authorities, the trust anchors and intermediates of a peer's X.509 path, and the peer's
 * leaf. Go's crypto/rsa refuses RSA keys under 1024 bits since Go 1.24; spiffe-kit's floor is
 * 2048 bits, the NIST SP 800-131A minimum, as it has been for JWT keys.
 */

/**
 * Smallest RSA modulus accepted, in bits.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from 'node:crypto';
 * import { MIN_RSA_MODULUS_BITS } from 'spiffe-kit';
 * const { privateKey } = generateKeyPairSync('rsa', { modulusLength: MIN_RSA_MODULUS_BITS }); // the smallest key a peer accepts
 * ```
 */
export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * Largest RSA modulus accepted in a peer's chain, in bits: Go's crypto/tls refuses larger keys in
 * peer certificates since CVE-2023-29409, as their signature checks are slow.
 *
 * @example
 * ```ts
 * import { MAX_RSA_MODULUS_BITS } from 'spiffe-kit';
 * const bits = caCert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
 * if (bits > MAX_RSA_MODULUS_BITS) console.warn('peers will refuse chains under this CA (ERR_X509SVID_WEAK_KEY)');
 * ```
 */
export const MAX_RSA_MODULUS_BITS = 8192;

/** EC curves accepted (the ones Go's crypto/x509 verifies signatures with, less P-224). */
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * @internal Why a public key is too weak to vouch for an identity, or `undefined` when it is
 * strong enough. Key types this rule does not know pass (the signature check refuses them).
 */
export function weakKeyReason(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= MIN_RSA_MODULUS_BITS ? undefined : `its RSA modulus has ${bits} bits; at least ${MIN_RSA_MODULUS_BITS} are required`;
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve !== undefined && EC_CURVES.has(curve) ? undefined : `its EC curve ${curve ?? '(unnamed)'} is not P-256, P-384 or P-521`;
  }
  return undefined;
}

/** @internal Why an RSA key is too large to check cheaply in a peer's chain, or `undefined`. */
export function oversizedKeyReason(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'rsa-pss') return undefined;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits <= MAX_RSA_MODULUS_BITS ? undefined : `its RSA modulus has ${bits} bits; at most ${MAX_RSA_MODULUS_BITS} are accepted in a peer's chain`;
}
