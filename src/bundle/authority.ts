/**
 * X.509 trust anchors as bundles hold them: the DER, checked once, and an `X509Certificate`
 * created only when someone asks for it (Node's parser costs far more than the DER reader; see
 * the `parseRaw` table in BENCHMARKS.md, "1,000 SVIDs + 1,000 federated bundles").
 *
 * @module
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { parseCertificate, splitDerCertificates } from '../internal/der.js';
import { BundleError } from './errors.js';

/**
 * Default cap on the number of authorities read from one bundle (DER, PEM or JWK Set), so that a
 * hostile or broken input cannot make the reader allocate without bound.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BUNDLE_AUTHORITIES, X509Bundle } from 'spiffe-kit';
 * const bundle = X509Bundle.fromDer('example.org', der, { maxAuthorities: 2 * DEFAULT_MAX_BUNDLE_AUTHORITIES });
 * ```
 */
export const DEFAULT_MAX_BUNDLE_AUTHORITIES = 4096;

/** One trust anchor: its DER, and the `X509Certificate` made from it on first use. */
export class Authority {
  readonly der: Buffer;
  /** `der` as a latin1 string: the identity of the authority in a bundle. */
  readonly key: string;
  #cert: X509Certificate | undefined;

  constructor(der: Buffer, cert?: X509Certificate) {
    this.der = der;
    this.key = der.toString('latin1');
    this.#cert = cert;
  }

  get cert(): X509Certificate {
    this.#cert ??= new X509Certificate(this.der);
    return this.#cert;
  }

  /** The certificate's public key. */
  publicKey(): KeyObject {
    return this.#cert !== undefined ? this.#cert.publicKey : certificatePublicKey(this.der);
  }
}

/** Context of the error messages of {@link checkedAuthority} and {@link splitChecked}. */
export interface AuthorityWhere {
  /** e.g. `X.509 bundle of trust domain "example.org": certificate #2`. */
  readonly describe: string;
  readonly trustDomain: string;
  readonly keyIndex?: number | undefined;
  readonly certificateIndex?: number | undefined;
}

/**
 * Checks that `der` is one certificate. The fast DER reader decides first; a certificate beyond
 * its limits (`ERR_DER_UNSUPPORTED`) is still accepted when Node's parser takes it. One it finds
 * malformed is refused: those are the certificates Go's crypto/x509 refuses too.
 */
export function checkedAuthority(der: Buffer, where: AuthorityWhere): Authority {
  try {
    parseCertificate(der);
    return new Authority(der);
  } catch (derError) {
    let cert: X509Certificate | undefined;
    if ((derError as { code?: unknown }).code === 'ERR_DER_UNSUPPORTED') {
      try {
        cert = new X509Certificate(der);
      } catch {
        // reported below with the DER reader's more precise message
      }
    }
    if (cert !== undefined && cert.raw.length === der.length) return new Authority(der, cert);
    throw new BundleError('ERR_BUNDLE_INVALID_CERTIFICATE', `${where.describe} is not a valid DER certificate (${(derError as Error).message})`, {
      trustDomain: where.trustDomain,
      keyIndex: where.keyIndex,
      certificateIndex: where.certificateIndex,
      cause: derError,
    });
  }
}

/**
 * Splits concatenated DER certificates, mapping the DER reader's errors to bundle errors. `what`
 * names the input in messages (e.g. `X.509 bundle of trust domain "example.org"`).
 */
export function splitChecked(der: Uint8Array, what: string, where: Omit<AuthorityWhere, 'describe'>, max: number): Buffer[] {
  try {
    return splitDerCertificates(der, { maxCertificates: max });
  } catch (err) {
    const context = { trustDomain: where.trustDomain, keyIndex: where.keyIndex, certificateIndex: where.certificateIndex, cause: err };
    if ((err as { code?: string }).code === 'ERR_DER_UNSUPPORTED' && (err as Error).message.startsWith('More than')) {
      throw new BundleError('ERR_BUNDLE_TOO_LARGE', `${what} holds more than ${max} certificates`, context);
    }
    throw new BundleError('ERR_BUNDLE_INVALID_CERTIFICATE', `${what} is not a sequence of DER certificates: ${(err as Error).message}`, context);
  }
}

/**
 * Reads exactly one certificate from `der` (copied), as a checked authority.
 */
export function singleAuthority(der: Uint8Array, where: AuthorityWhere): Authority {
  const parts = splitChecked(Buffer.from(der), where.describe, where, 2);
  if (parts.length !== 1) {
    throw new BundleError(
      'ERR_BUNDLE_INVALID_CERTIFICATE',
      `${where.describe} holds ${parts.length === 0 ? 'no certificate' : 'more than one certificate'}; exactly one is expected`,
      { trustDomain: where.trustDomain, keyIndex: where.keyIndex, certificateIndex: where.certificateIndex },
    );
  }
  return checkedAuthority(parts[0]!, where);
}

/** The public key of a DER certificate. */
export function certificatePublicKey(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: parseCertificate(der).subjectPublicKeyInfo, format: 'der', type: 'spki' });
  } catch {
    return new X509Certificate(der).publicKey;
  }
}
