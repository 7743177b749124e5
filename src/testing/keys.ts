/**
 * Keys for the test certificate authority and JWT issuer, the {@link TestingError} they throw,
 * and the lazy loaders of the libraries that create certificates and tokens (so importing
 * `spiffe-kit/testing` stays cheap).
 *
 * @module
 */
import { type KeyObject, generateKeyPair as nodeGenerateKeyPair, generateKeyPairSync, sign as nodeSign, webcrypto } from 'node:crypto';
import { inspect } from 'node:util';
import { SpiffeError } from '../errors.js';
import { importPeer } from '../internal/optional-peer.js';

/**
 * Codes of {@link TestingError}.
 *
 * @example
 * ```ts
 * import type { TestingErrorCode } from 'spiffe-kit/testing';
 * const code: TestingErrorCode = 'ERR_TESTING_UNKNOWN_KID';
 * ```
 */
export type TestingErrorCode =
  | 'ERR_TESTING_INVALID_OPTION'
  | 'ERR_TESTING_UNSUPPORTED_KEY'
  | 'ERR_TESTING_NO_PRIVATE_KEY'
  | 'ERR_TESTING_UNKNOWN_KID'
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
 * import type { KeyType } from 'spiffe-kit/testing';
 * const keyType: KeyType = 'ec-p384';
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
    // EC and Ed25519 keys take ~0.1 ms: generating them inline beats a thread-pool round trip.
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

type PeculiarX509 = typeof import('@peculiar/x509');
let x509Module: Promise<PeculiarX509> | undefined;
let joseModule: Promise<typeof import('jose')> | undefined;

/**
 * @internal Loads `@peculiar/x509` once, making sure it has a WebCrypto provider; a
 * {@link MissingPeerDependencyError} when it is not installed (a failed load is retried next time).
 */
export function loadX509(): Promise<PeculiarX509> {
  x509Module ??= importPeer('@peculiar/x509', 'spiffe-kit/testing (the test CA and mintCertificate)', () => import('@peculiar/x509')).then((m) => {
    if (!m.cryptoProvider.has(m.CryptoProvider.DEFAULT)) m.cryptoProvider.set(webcrypto);
    return m;
  });
  x509Module.catch(() => {
    x509Module = undefined;
  });
  return x509Module;
}

/** @internal Loads `jose` once. */
export function loadJose(): Promise<typeof import('jose')> {
  joseModule ??= import('jose');
  return joseModule;
}

/**
 * @internal A private key dressed as a WebCrypto `CryptoKey` for `@peculiar/x509`, which reads
 * only its `algorithm` and hands it back to the provider's `subtle.sign`. Signing it with
 * node:crypto directly skips the WebCrypto key import and thread-pool round trip per certificate.
 */
class NodeSigningKey {
  readonly type = 'private';
  readonly extractable = false;
  readonly usages: readonly string[] = ['sign'];
  readonly algorithm: { readonly name: string; readonly namedCurve?: string; readonly hash?: { readonly name: string } };
  readonly #key: KeyObject;
  readonly #hash: string | null;

  constructor(key: KeyObject, algorithm: NodeSigningKey['algorithm'], hash: string | null) {
    this.#key = key;
    this.algorithm = algorithm;
    this.#hash = hash === null ? null : hash.replace('-', '').toLowerCase(); // 'SHA-256' → 'sha256'
  }

  sign(data: Uint8Array): Buffer {
    // WebCrypto's ECDSA signatures are r||s; @peculiar/x509 re-encodes them as DER.
    return this.algorithm.name === 'ECDSA'
      ? nodeSign(this.#hash, data, { key: this.#key, dsaEncoding: 'ieee-p1363' })
      : nodeSign(this.#hash, data, this.#key);
  }

  [inspect.custom](): string {
    return `NodeSigningKey(${this.algorithm.name})`;
  }

  toJSON(): object {
    return { algorithm: this.algorithm };
  }
}

function bindAll<T extends object>(target: T, overrides: Partial<Record<PropertyKey, unknown>>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

const subtle = bindAll(webcrypto.subtle, {
  sign: async (algorithm: unknown, key: unknown, data: ArrayBuffer | ArrayBufferView) => {
    if (key instanceof NodeSigningKey) {
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      const signature = key.sign(bytes);
      return signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength);
    }
    return webcrypto.subtle.sign(algorithm as webcrypto.AlgorithmIdentifier, key as webcrypto.CryptoKey, data);
  },
});

/** @internal The crypto provider handed to `@peculiar/x509`: WebCrypto, with node:crypto signing for our keys. */
export const webCryptoProvider: webcrypto.Crypto = bindAll(webcrypto, { subtle });

/** @internal A private key ready for certificate signing, and the algorithm to sign with. */
export interface CertificateSigner {
  readonly key: NodeSigningKey;
  readonly algorithm: { readonly name: string; readonly hash?: string };
}

function unsupported(key: KeyObject): TestingError {
  const details = key.asymmetricKeyDetails?.namedCurve ?? '';
  return new TestingError(
    'ERR_TESTING_UNSUPPORTED_KEY',
    `Cannot sign certificates with a ${key.asymmetricKeyType ?? key.type} ${details} key; use an EC (P-256, P-384, P-521), RSA or Ed25519 private key`,
  );
}

const CURVES: Readonly<Record<string, readonly [string, SignatureHash]>> = {
  prime256v1: ['P-256', 'SHA-256'],
  secp384r1: ['P-384', 'SHA-384'],
  secp521r1: ['P-521', 'SHA-512'],
};

/**
 * @internal Prepares a node:crypto private key for certificate signing. The hash defaults to the
 * one matching the key: SHA-256 for P-256 and RSA (PKCS#1 v1.5), SHA-384 for P-384, SHA-512 for
 * P-521; Ed25519 has none.
 */
export function certificateSigner(privateKey: KeyObject, hash?: SignatureHash): CertificateSigner {
  if (privateKey.type !== 'private') {
    throw new TestingError('ERR_TESTING_NO_PRIVATE_KEY', `A private key is needed to sign, got a ${privateKey.type} key`);
  }
  switch (privateKey.asymmetricKeyType) {
    case 'ec': {
      const curve = CURVES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!curve) throw unsupported(privateKey);
      const h = hash ?? curve[1];
      return { key: new NodeSigningKey(privateKey, { name: 'ECDSA', namedCurve: curve[0] }, h), algorithm: { name: 'ECDSA', hash: h } };
    }
    case 'rsa': {
      // `@peculiar/x509` takes the hash from the key's algorithm.
      const h = hash ?? 'SHA-256';
      return { key: new NodeSigningKey(privateKey, { name: 'RSASSA-PKCS1-v1_5', hash: { name: h } }, h), algorithm: { name: 'RSASSA-PKCS1-v1_5' } };
    }
    case 'ed25519':
      return { key: new NodeSigningKey(privateKey, { name: 'Ed25519' }, null), algorithm: { name: 'Ed25519' } };
    default:
      throw unsupported(privateKey);
  }
}
