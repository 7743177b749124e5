import { X509Certificate } from 'node:crypto';
import { Lru } from '../internal/lru.js';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import { DerError, type ParsedCertificate, parseCertificate, splitDerCertificates } from '../internal/der.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { X509SvidError } from './x509-errors.js';
import { checkNameConstraints } from './x509-name-constraints.js';
import {
  checkCriticalExtensions,
  checkKeyStrength,
  checkLeaf,
  checkSigningCertificate,
  checkValidity,
  describeCertificate,
} from './x509-rules.js';
import { isSignedBy, isSupportedSignatureAlgorithm, signatureCheckCost, weakSignatureAlgorithmReason } from './x509-signature.js';

/**
 * A certificate as a caller may hold it: DER bytes, a Node `X509Certificate`, or a TLS peer object with `raw`.
 *
 * @example
 * ```ts
 * verifyX509Svid([socket.getPeerX509Certificate()!], bundles); // an X509Certificate
 * verifyX509Svid([leafDer, intermediateDer], bundles);          // DER bytes
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
const anchorsByList = new WeakMap<readonly Buffer[], BySubject>();
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

/**
 * Most signature checks one verification may make (cached verdicts included), counted in P-256
 * checks: a check with a P-384 key counts 5, P-521 15, RSA-4096 2, RSA-8192 4 (their relative
 * cost), others 1. Go's crypto/x509 (verify.go, maxChainSignatureChecks) stops after the same
 * number of checks, each counted once. A real hierarchy needs one check per certificate of its
 * path, plus one per same-named authority tried on the way.
 *
 * @example
 * ```ts
 * import { MAX_SIGNATURE_CHECKS, verifyX509Svid, X509SvidError } from 'spiffe-kit';
 * try {
 *   verifyX509Svid(peerChain, bundles);
 * } catch (err) {
 *   if (err instanceof X509SvidError && err.code === 'ERR_X509SVID_PATH_BUDGET') console.warn(`no path within ${MAX_SIGNATURE_CHECKS} signature checks`);
 * }
 * ```
 */
export const MAX_SIGNATURE_CHECKS = 100;

/**
 * Most issuer candidates (trust anchors and presented intermediates whose subject is the
 * certificate's issuer name) tried for one certificate of a path; the rest are ignored.
 *
 * @example
 * ```ts
 * import { MAX_ISSUER_CANDIDATES } from 'spiffe-kit';
 * const sameName = bundle.x509Authorities.filter((ca) => ca.subject === issuerName);
 * if (sameName.length > MAX_ISSUER_CANDIDATES) console.warn(`only ${MAX_ISSUER_CANDIDATES} of them are tried for one certificate`);
 * ```
 */
export const MAX_ISSUER_CANDIDATES = 32;

/** Certificates by subject name (raw DER bytes as a latin1 string), in input order. */
type BySubject = ReadonlyMap<string, readonly Candidate[]>;

interface Candidate {
  readonly cert: ParsedCertificate;
  /** Chain index, or -1 for a trust anchor. */
  readonly index: number;
}

function indexBySubject(candidates: readonly Candidate[]): BySubject {
  const map = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = c.cert.subject.toString('latin1');
    const list = map.get(key);
    if (list === undefined) map.set(key, [c]);
    else list.push(c);
  }
  return map;
}

/**
 * The potential parents of `child` among `pool`: only those whose subject is byte-for-byte the
 * child's issuer (RFC 5280 name chaining; Go's CertPool.findPotentialParents). AKID/SKID only
 * orders them, as in Go: a matching key identifier first, then those where either side has none,
 * then mismatching ones. At most `limit` are returned (a bundle may hold thousands of same-named
 * authorities: this is one linear pass, never a sort).
 */
function potentialParents(child: ParsedCertificate, pool: BySubject, limit: number): readonly Candidate[] {
  const named = pool.get(child.issuer.toString('latin1'));
  if (named === undefined || named.length === 0) return [];
  const akid = child.extensions.authorityKeyId;
  if (akid === undefined) return named.length <= limit ? named : named.slice(0, limit);
  const out: Candidate[] = [];
  for (const rank of [0, 1, 2]) {
    for (const c of named) {
      const skid = c.cert.extensions.subjectKeyId;
      if ((skid === undefined ? 1 : skid === akid ? 0 : 2) !== rank) continue;
      out.push(c);
      if (out.length === limit) return out;
    }
  }
  return out;
}

/**
 * Whether `candidate` would repeat a certificate of the path: the same subject and the same
 * public key (Go's alreadyInChain; spiffe-kit does not tell copies apart by their SANs). Such a
 * certificate can never be needed, and skipping it is what keeps loops of self-issued or
 * cross-signed certificates from multiplying paths.
 */
function alreadyInPath(candidate: ParsedCertificate, path: readonly ParsedCertificate[]): boolean {
  return path.some((c) => c.subject.equals(candidate.subject) && c.subjectPublicKeyInfo.equals(candidate.subjectPublicKeyInfo));
}

interface Search {
  readonly intermediates: BySubject;
  readonly anchors: BySubject;
  readonly now: number;
  readonly trustDomain: string;
  /** Signature work so far, in P-256 checks (see {@link MAX_SIGNATURE_CHECKS}). */
  signatureWork: number;
  firstError: X509SvidError | undefined;
}

function note(search: Search, err: X509SvidError): void {
  search.firstError ??= err;
}

function budgetError(search: Search): X509SvidError {
  return new X509SvidError(
    'ERR_X509SVID_PATH_BUDGET',
    `The chain needs too much work to verify: more than ${MAX_SIGNATURE_CHECKS} signature checks (P-256 equivalents) while building a path to an authority of trust domain "${search.trustDomain}" (a chain crafted to multiply candidate paths?)`,
  );
}

/**
 * Depth-first path building from the last certificate of `path` (the leaf first) towards an
 * anchor of the bundle, trust anchors tried before presented intermediates, as Go does. Every
 * signature check counts against {@link MAX_SIGNATURE_CHECKS}; past it the whole verification
 * fails with `ERR_X509SVID_PATH_BUDGET`. Returns the certificates above the path up to the
 * anchor, or undefined.
 */
function build(search: Search, path: readonly ParsedCertificate[], index: number): ParsedCertificate[] | undefined {
  const current = path[path.length - 1] as ParsedCertificate;
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
  const weak = weakSignatureAlgorithmReason(current);
  if (weak !== undefined) {
    note(search, new X509SvidError('ERR_X509SVID_WEAK_ALGORITHM', `${describeCertificate(current, index)} is signed with ${weak}`, { certificateIndex: index }));
    return undefined;
  }
  // Enough candidates to try MAX_ISSUER_CANDIDATES after skipping those already on the path.
  const limit = MAX_ISSUER_CANDIDATES + path.length;
  const candidates = [...potentialParents(current, search.anchors, limit), ...potentialParents(current, search.intermediates, limit)];
  let tried = 0;
  for (const { cert: candidate, index: i } of candidates) {
    if (alreadyInPath(candidate, path)) continue;
    if (++tried > MAX_ISSUER_CANDIDATES) {
      note(
        search,
        new X509SvidError(
          'ERR_X509SVID_PATH_BUDGET',
          `${describeCertificate(current, index)} has more than ${MAX_ISSUER_CANDIDATES} candidate issuers; the others were not tried`,
          { certificateIndex: index },
        ),
      );
      break;
    }
    const anchor = i < 0;
    const who = anchor ? `the authority of trust domain "${search.trustDomain}" (serial ${candidate.serialNumber})` : describeCertificate(candidate, i);
    try {
      checkKeyStrength(candidate, i, who);
    } catch (err) {
      note(search, err as X509SvidError);
      continue;
    }
    search.signatureWork += signatureCheckCost(candidate);
    if (search.signatureWork > MAX_SIGNATURE_CHECKS) throw budgetError(search);
    if (!isSignedBy(current, candidate)) {
      const by = anchor ? `the matching authority of trust domain "${search.trustDomain}"` : `the key of ${who}`;
      note(
        search,
        new X509SvidError('ERR_X509SVID_SIGNATURE', `The signature of ${describeCertificate(current, index)} does not verify with ${by}`, {
          certificateIndex: index,
        }),
      );
      continue;
    }
    try {
      checkSigningCertificate(candidate, i, who);
      checkValidity(candidate, i, search.now, who);
      checkCriticalExtensions(candidate, i, who);
      checkPathLength(candidate, path.length - 1, who);
      checkNameConstraints(candidate, path, who, i);
    } catch (err) {
      note(search, err as X509SvidError);
      continue;
    }
    if (anchor) return [candidate];
    const rest = build(search, [...path, candidate], i);
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

function anchorsOf(bundle: X509Bundle): BySubject {
  const list = bundle.x509AuthoritiesDer;
  let anchors = anchorsByList.get(list);
  if (anchors === undefined) {
    const parsed = list.map(parseAnchor).filter((a): a is ParsedCertificate => a !== null);
    anchors = indexBySubject(parsed.map((cert) => ({ cert, index: -1 })));
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
 * checking validity at `now`, CA flags, keyCertSign, pathLenConstraint, signatures, name
 * constraints (of intermediates and anchors), the key floor (`MIN_RSA_MODULUS_BITS`) and
 * signature parameters, and rejecting unknown critical extensions. A parent must carry the
 * child's issuer name as its subject. The work is bounded: no certificate (nor subject + key)
 * twice in a path, at most {@link MAX_ISSUER_CANDIDATES} candidates per certificate and
 * {@link MAX_SIGNATURE_CHECKS} signature checks, else `ERR_X509SVID_PATH_BUDGET`. Each failure
 * throws an {@link X509SvidError} with its own code.
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
  checkKeyStrength(leaf, 0, `The leaf ${id}`, true);
  const search: Search = {
    intermediates: indexBySubject(presented.slice(1).map((cert, i) => ({ cert, index: i + 1 }))),
    anchors: anchorsOf(bundle),
    now,
    trustDomain: id.trustDomain.name,
    signatureWork: 0,
    firstError: undefined,
  };
  const path = build(search, [leaf], 0);
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
