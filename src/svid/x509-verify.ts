import { X509Certificate } from 'node:crypto';
import { Lru } from '../internal/lru.js';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509BundleSource } from '../bundle/source.js';
import { DerError, type ParsedCertificate, parseCertificate, splitDerCertificates } from '../internal/der.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { X509SvidError } from './x509-errors.js';
import {
  checkCriticalExtensions,
  checkLeaf,
  checkSigningCertificate,
  checkValidity,
  describeCertificate,
} from './x509-rules.js';
import { isSignedBy, isSupportedSignatureAlgorithm } from './x509-signature.js';

/**
 * A certificate as a caller may hold it: DER bytes, a Node `X509Certificate`, or a TLS peer object with `raw`.
 *
 * @example
 * ```ts
 * const chain: CertificateInput[] = [socket.getPeerX509Certificate()!];
 * ```
 */
export type CertificateInput = Uint8Array | X509Certificate | { readonly raw: Uint8Array };

/**
 * Options of {@link verifyX509Svid}.
 *
 * @example
 * ```ts
 * verifyX509Svid(chain, bundles, { now: new Date('2026-01-01T00:00:00Z') });
 * ```
 */
export interface VerifyX509SvidOptions {
  /** The time at which validity is checked (default: now). */
  now?: Date;
}

/**
 * The outcome of a successful {@link verifyX509Svid}.
 *
 * @example
 * ```ts
 * const { id, chain }: VerifiedX509Svid = verifyX509Svid(peerChain, bundles);
 * ```
 */
export interface VerifiedX509Svid {
  /** The peer's SPIFFE ID, from the leaf's URI SAN. */
  readonly id: SpiffeId;
  /** The verified path as DER: the leaf, the intermediates used, and the trust anchor last. */
  readonly chain: readonly Buffer[];
}

/**
 * Longest chain accepted from a peer.
 *
 * @example
 * ```ts
 * if (chain.length > MAX_PEER_CHAIN_LENGTH) reject();
 * ```
 */
export const MAX_PEER_CHAIN_LENGTH = 16;

/** Parsed anchors per bundle authority list (the bundle keeps that array until it changes). */
const anchorsByList = new WeakMap<readonly Buffer[], readonly ParsedCertificate[]>();
/** Parsed anchors by content, so a re-delivered but identical bundle costs no parsing. */
const anchorsByDer = new Lru<string, ParsedCertificate | null>(1024);

function parseAnchor(der: Buffer): ParsedCertificate | null {
  const key = der.toString('base64');
  let parsed = anchorsByDer.get(key);
  if (parsed === undefined) {
    try {
      parsed = parseCertificate(der);
    } catch {
      parsed = null;
    }
    anchorsByDer.set(key, parsed);
  }
  return parsed;
}

function toDer(input: CertificateInput, index: number): Buffer {
  if (input instanceof X509Certificate) return input.raw;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (typeof input === 'object' && input !== null && (input as { raw?: unknown }).raw instanceof Uint8Array) {
    const raw = (input as { raw: Uint8Array }).raw;
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  throw new X509SvidError(
    'ERR_X509SVID_BAD_INPUT',
    `Chain element #${index} is not a certificate (expected DER bytes, an X509Certificate, or an object with raw DER)`,
    { certificateIndex: index },
  );
}

function parseChain(chain: readonly CertificateInput[] | Uint8Array): ParsedCertificate[] {
  let ders: Buffer[];
  if (chain instanceof Uint8Array) {
    try {
      ders = splitDerCertificates(chain, { maxCertificates: MAX_PEER_CHAIN_LENGTH + 1 });
    } catch (err) {
      throw new X509SvidError('ERR_X509SVID_MALFORMED_CERTIFICATE', `The certificate chain is not valid DER: ${(err as Error).message}`, {
        cause: err,
      });
    }
  } else if (Array.isArray(chain)) {
    ders = chain.map(toDer);
  } else {
    throw new X509SvidError('ERR_X509SVID_BAD_INPUT', 'The chain must be an array of certificates or concatenated DER bytes');
  }
  if (ders.length === 0) throw new X509SvidError('ERR_X509SVID_EMPTY_CHAIN', 'The peer presented no certificate');
  if (ders.length > MAX_PEER_CHAIN_LENGTH) {
    throw new X509SvidError(
      'ERR_X509SVID_CHAIN_TOO_LONG',
      `The peer presented ${ders.length} certificates; at most ${MAX_PEER_CHAIN_LENGTH} are accepted`,
    );
  }
  return ders.map((der, index) => {
    try {
      return parseCertificate(der);
    } catch (err) {
      const why = err instanceof DerError ? err.message : String(err);
      throw new X509SvidError('ERR_X509SVID_MALFORMED_CERTIFICATE', `Certificate #${index} of the chain cannot be parsed: ${why}`, {
        certificateIndex: index,
        cause: err,
      });
    }
  });
}

function issuedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  if (child.issuer.equals(parent.subject)) return true;
  const akid = child.extensions.authorityKeyId;
  return akid !== undefined && akid === parent.extensions.subjectKeyId;
}

interface Search {
  readonly presented: readonly ParsedCertificate[];
  readonly anchors: readonly ParsedCertificate[];
  readonly now: number;
  readonly trustDomain: string;
  firstError: X509SvidError | undefined;
}

function note(search: Search, err: X509SvidError): void {
  search.firstError ??= err;
}

/**
 * Depth-first path building from `current` (at chain index `index`) towards an anchor of the
 * bundle. `used` lists the presented intermediates already on the path (leaf side first).
 * Returns the anchor and the intermediates, or undefined.
 */
function build(search: Search, current: ParsedCertificate, index: number, used: number[]): ParsedCertificate[] | undefined {
  if (!isSupportedSignatureAlgorithm(current.signatureAlgorithm)) {
    note(
      search,
      new X509SvidError(
        'ERR_X509SVID_UNSUPPORTED_ALGORITHM',
        `${describeCertificate(current, index)} is signed with an unsupported algorithm (OID ${current.signatureAlgorithm})`,
        { certificateIndex: index },
      ),
    );
    return undefined;
  }
  for (const anchor of search.anchors) {
    if (!issuedBy(current, anchor)) continue;
    if (!isSignedBy(current, anchor)) {
      note(
        search,
        new X509SvidError(
          'ERR_X509SVID_SIGNATURE',
          `The signature of ${describeCertificate(current, index)} does not verify with the matching authority of trust domain "${search.trustDomain}"`,
          { certificateIndex: index },
        ),
      );
      continue;
    }
    try {
      const role = `the authority of trust domain "${search.trustDomain}" (serial ${anchor.serialNumber})`;
      checkSigningCertificate(anchor, -1, role);
      checkValidity(anchor, -1, search.now, role);
      checkPathLength(anchor, used.length, role);
    } catch (err) {
      note(search, err as X509SvidError);
      continue;
    }
    return [anchor];
  }
  for (let i = 1; i < search.presented.length; i++) {
    if (used.includes(i)) continue;
    const candidate = search.presented[i] as ParsedCertificate;
    if (!issuedBy(current, candidate)) continue;
    if (!isSignedBy(current, candidate)) {
      note(
        search,
        new X509SvidError(
          'ERR_X509SVID_SIGNATURE',
          `The signature of ${describeCertificate(current, index)} does not verify with the key of ${describeCertificate(candidate, i)}`,
          { certificateIndex: index },
        ),
      );
      continue;
    }
    try {
      checkSigningCertificate(candidate, i);
      checkValidity(candidate, i, search.now);
      checkCriticalExtensions(candidate, i);
      checkPathLength(candidate, used.length, describeCertificate(candidate, i));
    } catch (err) {
      note(search, err as X509SvidError);
      continue;
    }
    const rest = build(search, candidate, i, [...used, i]);
    if (rest !== undefined) return [candidate, ...rest];
  }
  return undefined;
}

/** `below` = number of intermediates between this CA and the leaf. */
function checkPathLength(ca: ParsedCertificate, below: number, who: string): void {
  const pathLen = ca.extensions.basicConstraints?.pathLen;
  if (pathLen !== undefined && below > pathLen) {
    throw new X509SvidError(
      'ERR_X509SVID_PATH_LENGTH',
      `${who} allows at most ${pathLen} intermediate(s) below it (pathLenConstraint) but the path has ${below}`,
    );
  }
}

function anchorsOf(bundle: X509Bundle): readonly ParsedCertificate[] {
  const list = bundle.x509AuthoritiesDer;
  let anchors = anchorsByList.get(list);
  if (anchors === undefined) {
    anchors = list.map(parseAnchor).filter((a): a is ParsedCertificate => a !== null);
    anchorsByList.set(list, anchors);
  }
  return anchors;
}

/**
 * Verifies a peer's X.509-SVID chain and returns its SPIFFE ID.
 *
 * Applies, in order: a non-empty chain; the leaf rules of the X.509-SVID standard (exactly one URI
 * SAN holding a SPIFFE ID with a path, not a CA, keyUsage critical with digitalSignature and
 * without keyCertSign / cRLSign); a bundle for the leaf's trust domain; then RFC 5280 path
 * building to an authority of **that bundle only**, through intermediates taken from the chain,
 * checking validity at `now`, CA flags, keyCertSign, pathLenConstraint, signatures, and rejecting
 * unknown critical extensions. Each failure throws an {@link X509SvidError} with its own code.
 *
 * @param chain - the peer's certificates, leaf first (DER buffers, `X509Certificate`s, TLS peer
 *   objects with `raw`, or one buffer of concatenated DER).
 * @param bundles - where trust anchors come from, looked up by the leaf's trust domain.
 * @param options - `now` (the time to verify at, default: now).
 * @example
 * ```ts
 * import { verifyX509Svid, X509Bundle } from 'spiffe-kit';
 * const bundle = X509Bundle.fromPem('example.org', caPem);
 * const { id } = verifyX509Svid([leafDer, intermediateDer], bundle);
 * console.log(id.toString()); // 'spiffe://example.org/web'
 * ```
 */
export function verifyX509Svid(
  chain: readonly CertificateInput[] | Uint8Array,
  bundles: X509BundleSource,
  options: VerifyX509SvidOptions = {},
): VerifiedX509Svid {
  const presented = parseChain(chain);
  const leaf = presented[0] as ParsedCertificate;
  const id = checkLeaf(leaf);
  const bundle = bundles.getX509BundleForTrustDomain(id.trustDomain);
  if (bundle === undefined) {
    throw new X509SvidError(
      'ERR_X509SVID_NO_BUNDLE',
      `No X.509 bundle for trust domain "${id.trustDomain.name}" of ${id}; the peer cannot be authenticated`,
    );
  }
  const now = (options.now ?? new Date()).getTime();
  if (Number.isNaN(now)) throw new X509SvidError('ERR_X509SVID_BAD_INPUT', 'options.now is not a valid date');
  checkValidity(leaf, 0, now, `The leaf ${id}`);
  checkCriticalExtensions(leaf, 0, `The leaf ${id}`);
  const search: Search = { presented, anchors: anchorsOf(bundle), now, trustDomain: id.trustDomain.name, firstError: undefined };
  const path = build(search, leaf, 0, []);
  if (path === undefined) {
    throw (
      search.firstError ??
      new X509SvidError(
        'ERR_X509SVID_UNKNOWN_AUTHORITY',
        `The chain of ${id} does not lead to any authority in the bundle of trust domain "${id.trustDomain.name}"`,
        { certificateIndex: presented.length - 1 },
      )
    );
  }
  return { id, chain: [leaf.raw, ...path.map((c) => c.raw)] };
}
