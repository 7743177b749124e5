/**
 * JSON Web Key (RFC 7517) helpers shared by the JWT and SPIFFE bundle readers: decoding the input,
 * importing public keys, exporting them again.
 *
 * @module
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { BundleError, type BundleErrorContext, quote } from './errors.js';

/** A JSON Web Key as read from a bundle: an object with at least `kty`. */
export type JwkObject = Record<string, unknown>;

/** Key types spiffe-kit can import; keys of any other `kty` are skipped (SPIFFE bundle spec). */
export const KNOWN_KTY: ReadonlySet<string> = new Set(['EC', 'RSA', 'OKP']);

/** JWK members that only private or symmetric keys have. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns bundle input (JSON text, UTF-8 bytes, or an already parsed value) into a value plus the
 * JSON text when there was one.
 */
export function readJsonInput(input: unknown, what: string, trustDomain: string): { value: unknown; text: string | undefined } {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    try {
      text = utf8.decode(input);
    } catch (cause) {
      throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}" is not valid UTF-8`, { trustDomain, cause });
    }
  } else if (typeof input === 'object' && input !== null) {
    return { value: input, text: undefined };
  } else {
    throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `${what} of trust domain "${trustDomain}" must be JSON text, UTF-8 bytes or an object`, {
      trustDomain,
    });
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (cause) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}" is not valid JSON: ${(cause as Error).message}`, {
      trustDomain,
      cause,
    });
  }
}

/** Returns the `keys` array of a JWK Set, or throws `ERR_BUNDLE_MALFORMED`. */
export function jwkSetKeys(value: unknown, what: string, trustDomain: string, maxKeys: number): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}" is not a JWK Set (expected a JSON object)`, { trustDomain });
  }
  const keys = (value as { keys?: unknown }).keys;
  if (keys === undefined) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}" has no "keys" member`, { trustDomain });
  }
  if (!Array.isArray(keys)) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}": "keys" is not an array`, { trustDomain });
  }
  if (keys.length > maxKeys) {
    throw new BundleError('ERR_BUNDLE_TOO_LARGE', `${what} of trust domain "${trustDomain}" holds ${keys.length} keys; at most ${maxKeys} are accepted`, {
      trustDomain,
    });
  }
  return keys;
}

/**
 * Checks that entry `index` of `keys` is a JSON object, and returns it.
 */
export function jwkAt(keys: unknown[], index: number, what: string, trustDomain: string): JwkObject {
  const jwk = keys[index];
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}": key #${index} is not a JSON object`, {
      trustDomain,
      keyIndex: index,
    });
  }
  return jwk as JwkObject;
}

/**
 * Whether the JWK's `kty` is one spiffe-kit imports (`false`: skip the key, as the SPIFFE bundle
 * spec says for unknown key types). A missing or non-string `kty` is malformed (RFC 7517 requires it).
 */
export function hasKnownKty(jwk: JwkObject, index: number, what: string, trustDomain: string): boolean {
  const kty = jwk.kty;
  if (typeof kty !== 'string') {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `${what} of trust domain "${trustDomain}": key #${index} has no "kty" member`, {
      trustDomain,
      keyIndex: index,
    });
  }
  return KNOWN_KTY.has(kty);
}

/**
 * Imports the public key of a JWK of a known `kty`. Private or symmetric key material is refused
 * (never echoed); members other than the public key parameters are ignored.
 */
export function importPublicJwk(jwk: JwkObject, what: string, context: BundleErrorContext & { trustDomain: string; keyIndex: number }): KeyObject {
  const where = `${what} of trust domain "${context.trustDomain}": key #${context.keyIndex}${context.kid === undefined ? '' : ` (kid ${quote(context.kid)})`}`;
  for (const member of PRIVATE_MEMBERS) {
    if (jwk[member] !== undefined) {
      throw new BundleError('ERR_BUNDLE_INVALID_KEY', `${where} holds private key material ("${member}"); a bundle must only hold public keys`, context);
    }
  }
  const kty = jwk.kty as string;
  const publicJwk: Record<string, unknown> =
    kty === 'EC' ? { kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : kty === 'RSA' ? { kty, n: jwk.n, e: jwk.e } : { kty, crv: jwk.crv, x: jwk.x };
  for (const [name, value] of Object.entries(publicJwk)) {
    if (typeof value !== 'string') {
      throw new BundleError('ERR_BUNDLE_INVALID_KEY', `${where}: ${kty} key member "${name}" is missing or not a string`, context);
    }
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node JsonWebKey type is narrower than the members checked above
    return createPublicKey({ key: publicJwk as any, format: 'jwk' });
  } catch (cause) {
    throw new BundleError('ERR_BUNDLE_INVALID_KEY', `${where} cannot be imported as a ${kty} public key: ${(cause as Error).message}`, {
      ...context,
      cause,
    });
  }
}

/**
 * Normalises a key given as a JWT authority: public keys as they are, private keys reduced to
 * their public half; secret keys are refused.
 */
export function toPublicKey(key: KeyObject, what: string, context: BundleErrorContext): KeyObject {
  if (typeof key !== 'object' || key === null || typeof (key as { type?: unknown }).type !== 'string') {
    throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `${what} must be a KeyObject`, context);
  }
  if (key.type === 'public') return key;
  if (key.type === 'private') return createPublicKey(key);
  throw new BundleError('ERR_BUNDLE_INVALID_ARGUMENT', `${what} is a secret key; JWT authorities are public keys`, context);
}

/** Exports a public key as a JWK (kty and key parameters only). */
export function publicKeyToJwk(key: KeyObject): Record<string, string> {
  return key.export({ format: 'jwk' }) as Record<string, string>;
}

/**
 * Reads entry `index` of a JWK Set as a JWT authority: `kid` must be a non-empty string, the key
 * a public key of a known type.
 */
export function importJwtAuthority(jwk: JwkObject, index: number, what: string, trustDomain: string): [kid: string, key: KeyObject] {
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new BundleError(
      'ERR_BUNDLE_MISSING_KID',
      `${what} of trust domain "${trustDomain}": key #${index} has ${kid === undefined ? 'no "kid"' : 'an empty or non-string "kid"'}; SPIFFE requires a key ID on every JWT authority`,
      { trustDomain, keyIndex: index },
    );
  }
  return [kid, importPublicJwk(jwk, what, { trustDomain, keyIndex: index, kid })];
}

/** Adds a JWT authority read from a JWK Set, refusing a second, different key under the same `kid`. */
export function addParsedJwtAuthority(
  into: Map<string, KeyObject>,
  kid: string,
  key: KeyObject,
  index: number,
  what: string,
  trustDomain: string,
): void {
  const existing = into.get(kid);
  if (existing === undefined) {
    into.set(kid, key);
  } else if (!existing.equals(key)) {
    throw new BundleError(
      'ERR_BUNDLE_DUPLICATE_KID',
      `${what} of trust domain "${trustDomain}": key #${index} reuses kid ${quote(kid)} for a different key; key IDs must be unique`,
      { trustDomain, keyIndex: index, kid },
    );
  }
}
