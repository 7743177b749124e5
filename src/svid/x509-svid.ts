import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { DerError, type ParsedCertificate, parseCertificate, splitDerCertificates } from '../internal/der.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { X509SvidError } from './x509-errors.js';
import { importEcPrivateKey } from './ec-key.js';
import { checkLeaf, checkSigningCertificate } from './x509-rules.js';

/**
 * Longest SVID chain accepted from the Workload API.
 *
 * @example
 * ```ts
 * try {
 *   X509Svid.parseRaw(certificates, privateKey);
 * } catch (err) {
 *   if (err instanceof X509SvidError && err.code === 'ERR_X509SVID_CHAIN_TOO_LONG') console.error(`more than ${MAX_SVID_CHAIN_LENGTH} certificates`);
 * }
 * ```
 */
export const MAX_SVID_CHAIN_LENGTH = 16;

/**
 * Options of {@link X509Svid.parseRaw} and {@link X509Svid.parse}.
 *
 * @example
 * ```ts
 * X509Svid.parseRaw(certs, key, { hint: 'internal', expectedId: 'spiffe://example.org/web' });
 * ```
 */
export interface X509SvidParseOptions {
  /** The operator-given label of this SVID (the Workload API `hint`). */
  hint?: string;
  /** When given (the Workload API `spiffe_id`), must equal the leaf's URI SAN. */
  expectedId?: SpiffeId | string;
}

function pemBlocks(pem: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, 'g');
  const out: Buffer[] = [];
  for (const m of pem.matchAll(re)) out.push(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
  return out;
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function keyMismatch(id: SpiffeId): X509SvidError {
  return new X509SvidError('ERR_X509SVID_KEY_MISMATCH', `The private key does not match the public key of the leaf certificate of ${id}`);
}

/** The general path for any key type OpenSSL reads (RSA, Ed25519, unusual EC encodings). */
function importAndMatch(keyDer: Buffer, leaf: ParsedCertificate, id: SpiffeId): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' });
  } catch {
    // The cause is deliberately dropped: it may quote key material.
    throw new X509SvidError('ERR_X509SVID_PRIVATE_KEY', `The private key of ${id} is not an unencrypted PKCS#8 DER key`);
  }
  let matches = false;
  try {
    matches = createPublicKey(key).equals(createPublicKey({ key: leaf.subjectPublicKeyInfo, format: 'der', type: 'spki' }));
  } catch {
    matches = false;
  }
  if (!matches) throw keyMismatch(id);
  return key;
}

/**
 * A workload's own X.509-SVID: its certificate chain (leaf first) and private key, as delivered by
 * the Workload API. Parsing applies every own-SVID rule of the X.509-SVID standard: the leaf rules,
 * every later certificate a CA with keyCertSign, and the private key matching the leaf.
 *
 * The private key is a `KeyObject` that never shows in `util.inspect`, `JSON.stringify` or errors.
 *
 * @example
 * ```ts
 * import { X509Svid } from 'spiffe-kit';
 * const svid = X509Svid.parse(certChainPem, keyPem);
 * console.log(svid.id.toString(), svid.expiresAt);
 * const { certificates, privateKey } = svid.marshal(); // PEM strings
 * ```
 */
export class X509Svid {
  /** The SPIFFE ID from the leaf's URI SAN. */
  readonly id: SpiffeId;
  /** The chain as DER, leaf first. */
  readonly certificatesDer: readonly Buffer[];
  /** When the leaf expires. */
  readonly expiresAt: Date;
  /** When the leaf became valid. */
  readonly notBefore: Date;
  /** The operator-given label of this SVID, if any. */
  readonly hint: string | undefined;
  readonly #privateKey: KeyObject;
  #certificates: readonly X509Certificate[] | undefined;

  private constructor(id: SpiffeId, ders: Buffer[], leaf: ParsedCertificate, key: KeyObject, hint: string | undefined) {
    this.id = id;
    this.certificatesDer = Object.freeze(ders);
    this.expiresAt = leaf.notAfter;
    this.notBefore = leaf.notBefore;
    this.hint = hint === '' ? undefined : hint;
    this.#privateKey = key;
  }

  /**
   * The chain, leaf first, as Node `X509Certificate`s (built on first read: parsing with
   * node:crypto costs more than the SPIFFE checks themselves, and most users only need the DER).
   */
  get certificates(): readonly X509Certificate[] {
    this.#certificates ??= Object.freeze(this.certificatesDer.map((d) => new X509Certificate(d)));
    return this.#certificates;
  }

  /** The private key (PKCS#8-capable `KeyObject`). */
  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  /**
   * Parses an SVID from DER: `certsDer` is the concatenated chain (leaf first), `keyDer` an
   * unencrypted PKCS#8 private key — the Workload API's `x509_svid` and `x509_svid_key` fields.
   *
   * @param certsDer - the chain as DER, leaf first (one buffer of concatenated certificates or one per certificate).
   * @param keyDer - the private key as PKCS#8 DER.
   * @param options - `hint`, `expectedId` (fail unless the leaf holds this SPIFFE ID).
   * @throws {@link X509SvidError} naming the broken rule.
   * @example
   * ```ts
   * const svid = X509Svid.parseRaw(msg.x509_svid, msg.x509_svid_key, { hint: msg.hint });
   * ```
   */
  static parseRaw(certsDer: Uint8Array | readonly Uint8Array[], keyDer: Uint8Array, options: X509SvidParseOptions = {}): X509Svid {
    let ders: Buffer[];
    try {
      if (certsDer instanceof Uint8Array) ders = splitDerCertificates(certsDer, { maxCertificates: MAX_SVID_CHAIN_LENGTH });
      else if (Array.isArray(certsDer)) ders = certsDer.map((c) => Buffer.from(c));
      else throw new TypeError('not bytes');
    } catch (err) {
      if (err instanceof DerError) {
        throw new X509SvidError('ERR_X509SVID_MALFORMED_CERTIFICATE', `The SVID certificate chain is not valid DER: ${err.message}`, {
          cause: err,
        });
      }
      throw new X509SvidError('ERR_X509SVID_BAD_INPUT', 'The SVID certificates must be DER bytes or an array of DER certificates');
    }
    if (ders.length === 0) throw new X509SvidError('ERR_X509SVID_EMPTY_CHAIN', 'The SVID has no certificate');
    if (ders.length > MAX_SVID_CHAIN_LENGTH) {
      throw new X509SvidError('ERR_X509SVID_CHAIN_TOO_LONG', `The SVID has ${ders.length} certificates; at most ${MAX_SVID_CHAIN_LENGTH} are accepted`);
    }
    const parsed = ders.map((der, index) => {
      try {
        return parseCertificate(der);
      } catch (err) {
        throw new X509SvidError(
          'ERR_X509SVID_MALFORMED_CERTIFICATE',
          `Certificate #${index} of the SVID cannot be parsed: ${(err as Error).message}`,
          { certificateIndex: index, cause: err },
        );
      }
    });
    const leaf = parsed[0] as ParsedCertificate;
    const id = checkLeaf(leaf);
    for (let i = 1; i < parsed.length; i++) checkSigningCertificate(parsed[i] as ParsedCertificate, i);
    if (options.expectedId !== undefined && !id.equals(options.expectedId)) {
      throw new X509SvidError(
        'ERR_X509SVID_ID_MISMATCH',
        `The SVID is announced as ${String(options.expectedId)} but its leaf certificate holds ${id}`,
      );
    }
    if (!(keyDer instanceof Uint8Array) || keyDer.length === 0) {
      throw new X509SvidError('ERR_X509SVID_PRIVATE_KEY', `The private key of ${id} is missing`);
    }
    const keyBytes = Buffer.from(keyDer);
    const fast = importEcPrivateKey(keyBytes, leaf.subjectPublicKeyInfo);
    if (fast.kind === 'mismatch') throw keyMismatch(id);
    if (fast.kind === 'invalid') {
      throw new X509SvidError('ERR_X509SVID_PRIVATE_KEY', `The private key of ${id} is not a valid EC private key (its scalar is out of range)`);
    }
    const key = fast.kind === 'ok' ? fast.key : importAndMatch(keyBytes, leaf, id);
    return new X509Svid(id, ders, leaf, key, options.hint);
  }

  /**
   * Parses an SVID from PEM: one or more `CERTIFICATE` blocks (leaf first) and a `PRIVATE KEY`
   * (PKCS#8) block.
   *
   * @param certPem - the chain as PEM, leaf first.
   * @param keyPem - the private key as PKCS#8 PEM.
   * @param options - `hint`, `expectedId` (fail unless the leaf holds this SPIFFE ID).
   * @example
   * ```ts
   * const svid = X509Svid.parse(fs.readFileSync('svid.pem', 'utf8'), fs.readFileSync('svid_key.pem', 'utf8'));
   * ```
   */
  static parse(certPem: string | Uint8Array, keyPem: string | Uint8Array, options: X509SvidParseOptions = {}): X509Svid {
    const certText = typeof certPem === 'string' ? certPem : Buffer.from(certPem).toString('utf8');
    const keyText = typeof keyPem === 'string' ? keyPem : Buffer.from(keyPem).toString('utf8');
    const certs = pemBlocks(certText, 'CERTIFICATE');
    if (certs.length === 0) throw new X509SvidError('ERR_X509SVID_EMPTY_CHAIN', 'No CERTIFICATE block found in the PEM input');
    const keys = pemBlocks(keyText, 'PRIVATE KEY');
    if (keys.length !== 1) {
      throw new X509SvidError(
        'ERR_X509SVID_PRIVATE_KEY',
        `Expected exactly one "PRIVATE KEY" (PKCS#8) PEM block, found ${keys.length}`,
      );
    }
    return X509Svid.parseRaw(certs, keys[0] as Buffer, options);
  }

  /** The leaf certificate. */
  get leaf(): X509Certificate {
    return this.certificates[0] as X509Certificate;
  }

  /** The chain as PEM (leaf first). */
  get certificatesPem(): string {
    return this.certificatesDer.map((d) => toPem('CERTIFICATE', d)).join('');
  }

  /**
   * Encodes the SVID as PEM: the chain (leaf first) and the PKCS#8 private key. The result holds
   * the private key in clear: write it with mode 0600.
   *
   * @example
   * ```ts
   * const { certificates, privateKey } = svid.marshal();
   * ```
   */
  marshal(): { certificates: string; privateKey: string } {
    return {
      certificates: this.certificatesPem,
      privateKey: this.#privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
  }

  /**
   * Seconds until the leaf expires at `now` (negative once expired).
   *
   * @example
   * ```ts
   * if (svid.secondsUntilExpiry() < 300) console.warn('SVID expires in under 5 minutes');
   * ```
   */
  secondsUntilExpiry(now: Date = new Date()): number {
    return Math.floor((this.expiresAt.getTime() - now.getTime()) / 1000);
  }

  /**
   * Whether this SVID has the same chain and key as `other`.
   *
   * @example
   * ```ts
   * const changed = !previous.equals(current);
   * ```
   */
  equals(other: X509Svid): boolean {
    if (other === this) return true;
    if (other.certificatesDer.length !== this.certificatesDer.length || other.hint !== this.hint) return false;
    for (let i = 0; i < this.certificatesDer.length; i++) {
      if (!(this.certificatesDer[i] as Buffer).equals(other.certificatesDer[i] as Buffer)) return false;
    }
    return this.#privateKey.equals(other.#privateKey);
  }

  /** A JSON view without the private key. */
  toJSON(): { id: string; hint: string | undefined; expiresAt: string; certificates: string } {
    return { id: this.id.toString(), hint: this.hint, expiresAt: this.expiresAt.toISOString(), certificates: this.certificatesPem };
  }

  [inspect.custom](): string {
    const hint = this.hint === undefined ? '' : `, hint: ${JSON.stringify(this.hint)}`;
    return `X509Svid { id: ${this.id}${hint}, expiresAt: ${this.expiresAt.toISOString()}, certificates: ${this.certificatesDer.length}, privateKey: [redacted] }`;
  }
}
