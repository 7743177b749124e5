/**
 * Keys for the test certificate authority and JWT issuer, the {@link TestingError} they throw,
 * and the lazy loaders of the libraries that create certificates and tokens (so importing
 * `spiffe-kit/testing` stays cheap).
 *
 * @module
 */
import { type KeyObject, generateKeyPair as nodeGenerateKeyPair, generateKeyPairSync } from 'node:crypto';
import { SpiffeError } from '../errors.js';

/**
 * Codes of {@link TestingError}.
 *
 * @example
 * ```ts
 * import { TestingError } from 'spiffe-kit/testing';
 * try {
 *   issuer.setActiveJwtKey('no-such-kid');
 * } catch (err) {
 *   if (!(err instanceof TestingError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_TESTING_UNKNOWN_KID':
 *       console.error(`add the key first: ${err.message}`);
 *       break;
 *     default:
 *       throw err; // a test that misuses the helpers should fail loudly
 *   }
 * }
 * ```
 */
export type TestingErrorCode =
  /** An option or argument is invalid (a bad date, name, OID, key type, `failWith` status, unknown identity). */
  | 'ERR_TESTING_INVALID_OPTION'
  /** A certificate cannot be signed with this kind of key (not EC P-256/P-384/P-521, RSA or Ed25519). */
  | 'ERR_TESTING_UNSUPPORTED_KEY'
  /** A private key is needed and none was given (a public key, or a certificate minted for a public key only). */
  | 'ERR_TESTING_NO_PRIVATE_KEY'
  /** No JWT key has this `kid`. */
  | 'ERR_TESTING_UNKNOWN_KID'
  /** The JWT issuer has no key (that can sign the asked algorithm). */
  | 'ERR_TESTING_NO_JWT_KEY';

/**
 * A misuse of the test CA or JWT issuer: an invalid option, a key type it cannot sign with, a
 * private key that was never given, an unknown `kid`.
 *
 * @example
 * ```ts
 * import { TestCa, TestingError } from 'spiffe-kit/testing';
 * const ca = await TestCa.create({ trustDomain: 'example.org' });
 * try {
 *   await ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'x', kid: 'no-such-kid' });
 * } catch (err) {
 *   if (err instanceof TestingError) console.log(err.code); // 'ERR_TESTING_UNKNOWN_KID'
 * }
 * ```
 */
export class TestingError extends SpiffeError {
  declare readonly code: TestingErrorCode;

  constructor(code: TestingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Key algorithms the test CA can create: ECDSA P-256 (the SPIRE default, and the default here),
 * ECDSA P-384, RSA 2048 and Ed25519.
 *
 * @example
 * ```ts
 * import { generateTestKey, TestCa } from 'spiffe-kit/testing';
 * const ca = await TestCa.create({ trustDomain: 'example.org', keyType: 'ec-p384', svidKeyType: 'rsa-2048' });
 * const { privateKey } = await generateTestKey('ed25519');

 * ```
 */
export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'ed25519';

/**
 * Every {@link KeyType}, in a stable order (handy for `it.each`).
 *
 * @example
 * ```ts
 * import { KEY_TYPES, generateTestKey } from 'spiffe-kit/testing';
 * for (const type of KEY_TYPES) await generateTestKey(type);
 * ```
 */
export const KEY_TYPES: readonly KeyType[] = Object.freeze(['ec-p256', 'ec-p384', 'rsa-2048', 'ed25519']);

/**
 * A key pair as node:crypto `KeyObject`s. `util.inspect` and `JSON.stringify` of a `KeyObject`
 * show no key material.
 *
 * @example
 * ```ts
 * import { generateTestKey } from 'spiffe-kit/testing';
 * const { privateKey, publicKey } = await generateTestKey('ed25519');
 * ```
 */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * Generates a fresh key pair of the given type (default `ec-p256`). RSA keys take tens of
 * milliseconds; the others well under one.
 *
 * @example
 * ```ts
 * import { generateTestKey } from 'spiffe-kit/testing';
 * const key = await generateTestKey('rsa-2048');
 * key.privateKey.asymmetricKeyDetails?.modulusLength; // 2048
 * ```
 */
export async function generateTestKey(type: KeyType = 'ec-p256'): Promise<TestKeyPair> {
  switch (type) {
    // EC and Ed25519 keys are cheap to generate: inline beats a thread-pool round trip (BENCHMARKS.md
    // has no section of its own on key generation; it is part of `bench/testing-start.mjs`).

    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'rsa-2048':
      return new Promise((resolve, reject) =>
        nodeGenerateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ privateKey, publicKey }))),
      );
    default:
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `Unknown key type ${JSON.stringify(type)}; expected one of ${KEY_TYPES.join(', ')}`);
  }
}

/**
 * The {@link KeyType} of a key (private or public), or `undefined` when it is none of them
 * (an RSA key of another size, a P-521 key, …).
 *
 * @example
 * ```ts
 * import { generateTestKey, keyTypeOf } from 'spiffe-kit/testing';
 * keyTypeOf((await generateTestKey('ec-p384')).publicKey); // 'ec-p384'
 * ```
 */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'prime256v1' ? 'ec-p256' : curve === 'secp384r1' ? 'ec-p384' : undefined;
    }
    case 'rsa':
      return key.asymmetricKeyDetails?.modulusLength === 2048 ? 'rsa-2048' : undefined;
    case 'ed25519':
      return 'ed25519';
    default:
      return undefined;
  }
}

/**
 * Hashes for certificate signatures (EC and RSA issuers; Ed25519 has its own).
 *
 * @example
 * ```ts
 * import { mintCertificate } from 'spiffe-kit/testing';
 * await mintCertificate({ key: 'ec-p256', signatureHash: 'SHA-384' });
 * ```
 */
export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

let joseModule: Promise<typeof import('jose')> | undefined;

/** @internal Loads `jose` once. */
export function loadJose(): Promise<typeof import('jose')> {
  joseModule ??= import('jose');
  return joseModule;
}
