/**
 * Peer verification on Node's TLS stack. Node (OpenSSL) checks the peer's chain against one flat
 * `ca` list, which with federation would accept trust domain B's CA signing an ID of trust
 * domain A. So every helper here re-verifies the presented chain with {@link verifyX509Svid},
 * which only uses the bundle of the peer's own trust domain, and then runs the authorizer.
 *
 * @module
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import { parseCertificate } from '../internal/der.js';
import { Lru } from '../internal/lru.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { X509SvidError } from '../svid/x509-errors.js';
import { MAX_PEER_CHAIN_LENGTH, verifyX509Svid } from '../svid/x509-verify.js';
import { assertAuthorizer, type Authorizer, runAuthorizer } from './authorizer.js';
import { TlsError } from './errors.js';

/**
 * The chain a TLS peer presented, leaf first, as DER (from `getPeerCertificate(true)`).
 */
export function peerCertificateChain(leaf: PeerCertificate | Record<string, never> | undefined | null): Buffer[] {
  const out: Buffer[] = [];
  let current = leaf as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined | null;
  while (current && current.raw !== undefined && out.length <= MAX_PEER_CHAIN_LENGTH) {
    out.push(current.raw);
    const next: PeerCertificate | undefined = current.issuerCertificate;
    // Node links a self-issued certificate to itself.
    if (next === undefined || next === current || next.raw === undefined || next.raw.equals(current.raw)) break;
    current = next;
  }
  return out;
}

/** A successful verification, reusable while the bundle and every certificate of the path are unchanged and valid. */
interface Verdict {
  readonly id: SpiffeId;
  readonly chain: readonly Buffer[];
  /** The authorities of the peer's trust domain the path was built against (identity compared). */
  readonly authorities: readonly Buffer[];
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * Verdicts by leaf certificate bytes. A leaf's signature binds it to its issuer's key, so a leaf
 * that once verified against a bundle keeps verifying against the same bundle, whatever chain
 * accompanies it, until a certificate of the verified path expires. A hit costs a map lookup
 * instead of extracting the whole chain from OpenSSL and verifying it (most of the server's cost
 * per handshake; BENCHMARKS.md, "mTLS").
 * Only successes are cached; the authorizer runs on every handshake.
 */
const verdicts = new Lru<string, Verdict>(1024);

function cached(leaf: Buffer, bundles: X509BundleSource, now: number): Verdict | undefined {
  const hit = verdicts.get(leaf.toString('latin1'));
  if (hit === undefined) return undefined;
  if (now < hit.notBefore || now > hit.notAfter || bundles.getX509BundleForTrustDomain(hit.id.trustDomain)?.x509AuthoritiesDer !== hit.authorities) {
    return undefined;
  }
  return hit;
}

function verifyAndRemember(chain: readonly Buffer[], bundles: X509BundleSource, now: number): Verdict {
  let verified;
  try {
    verified = verifyX509Svid(chain, bundles, { now: new Date(now) });
  } catch (err) {
    const why = err instanceof X509SvidError ? err.message : String(err);
    throw new TlsError('ERR_TLS_PEER_VERIFICATION', `The peer's X.509-SVID is not valid: ${why}`, { cause: err });
  }
  let notBefore = Number.NEGATIVE_INFINITY;
  let notAfter = Number.POSITIVE_INFINITY;
  for (const der of verified.chain) {
    const c = parseCertificate(der);
    notBefore = Math.max(notBefore, c.notBefore.getTime());
    notAfter = Math.min(notAfter, c.notAfter.getTime());
  }
  const authorities = bundles.getX509BundleForTrustDomain(verified.id.trustDomain)?.x509AuthoritiesDer;
  const verdict: Verdict = { id: verified.id, chain: verified.chain, authorities: authorities ?? [], notBefore, notAfter };
  if (authorities !== undefined) verdicts.set((chain[0] as Buffer).toString('latin1'), verdict);
  return verdict;
}

/** Only an explicit `true` from the authorizer allows the peer (see {@link runAuthorizer}). */
function authorize(verdict: Verdict, authorizer: Authorizer): SpiffeId {
  runAuthorizer(authorizer, verdict.id, verdict.chain);
  return verdict.id;
}

/**
 * Verifies a presented chain as an X.509-SVID against `bundles` and runs `authorizer`, which
 * allows the peer only by returning `true`.
 * Throws a {@link TlsError} (`ERR_TLS_NO_PEER_CERTIFICATE`, `ERR_TLS_PEER_VERIFICATION` with the
 * {@link X509SvidError} as cause, `ERR_TLS_BAD_AUTHORIZER` when `authorizer` is not a function) or
 * an `AuthorizationError` (the authorizer threw one, returned `false`, or returned anything
 * else than `true`; what it threw is the `cause`).
 * Successful verifications are remembered by leaf (see the module notes), so a returning peer
 * costs a lookup and the authorizer. For the peer of a `TLSSocket`, use {@link verifyTlsPeer};
 * this is for a chain that comes from elsewhere (a proxy that forwards the client's chain, another
 * transport).
 *
 * @param chain - the presented certificates as DER, leaf first.
 * @example
 * ```ts
 * const chain = [leafDer, intermediateDer]; // DER, leaf first
 * const id = verifyPeerChain(chain, source, authorizeMemberOf('example.org'));
 * ```
 */
export function verifyPeerChain(chain: readonly Buffer[], bundles: X509BundleSource, authorizer: Authorizer): SpiffeId {
  assertAuthorizer(authorizer, 'verifyPeerChain');
  const leaf = chain[0];
  if (leaf === undefined) throw new TlsError('ERR_TLS_NO_PEER_CERTIFICATE', 'The peer presented no certificate');
  const now = Date.now();
  return authorize(cached(leaf, bundles, now) ?? verifyAndRemember(chain, bundles, now), authorizer);
}

/**
 * Verifies and authorizes the peer of an established TLS socket. The leaf is read cheaply
 * (`getPeerCertificate(false)`); the whole chain (`getPeerCertificate(true)`, far costlier) is
 * extracted only when that leaf has no valid verdict yet. Throws as {@link verifyPeerChain}. A resumed session without a peer
 * certificate is refused. (`getPeerX509Certificate()` is not used: on a server, Node hands its
 * issuer chain out only once, and a later `getPeerCertificate(true)` then sees the leaf alone.)
 *
 * @example
 * ```ts
 * server.on('secureConnection', (socket) => {
 *   try { verifyTlsPeer(socket, source, authorizeMemberOf('example.org')); } catch { socket.destroy(); }
 * });
 * ```
 */
export function verifyTlsPeer(socket: TLSSocket, bundles: X509BundleSource, authorizer: Authorizer): SpiffeId {
  assertAuthorizer(authorizer, 'verifyTlsPeer');
  const leaf = (socket.getPeerCertificate(false) as Partial<PeerCertificate> | null)?.raw;
  if (leaf === undefined) {
    if (socket.isSessionReused()) {
      throw new TlsError('ERR_TLS_SESSION_RESUMED', 'The TLS session was resumed and carries no peer certificate to verify');
    }
    throw new TlsError('ERR_TLS_NO_PEER_CERTIFICATE', 'The peer presented no certificate');
  }
  const now = Date.now();
  const hit = cached(leaf, bundles, now);
  if (hit !== undefined) return authorize(hit, authorizer);
  const chain = peerCertificateChain(socket.getPeerCertificate(true));
  if (chain.length === 0 || !(chain[0] as Buffer).equals(leaf)) chain.unshift(leaf);
  return authorize(verifyAndRemember(chain, bundles, now), authorizer);
}
