/**
 * Peer verification on Node's TLS stack. Node (OpenSSL) checks the peer's chain against one flat
 * `ca` list, which with federation would accept trust domain B's CA signing an ID of trust
 * domain A. So every helper here re-verifies the presented chain with {@link verifyX509Svid},
 * which only uses the bundle of the peer's own trust domain, and then runs the authorizer.
 *
 * @module
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { X509BundleSource } from '../bundle/source.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { X509SvidError } from '../svid/x509-errors.js';
import { MAX_PEER_CHAIN_LENGTH, verifyX509Svid } from '../svid/x509-verify.js';
import type { Authorizer } from './authorizer.js';
import { AuthorizationError, TlsError } from './errors.js';

/**
 * The chain a TLS peer presented, leaf first, as DER (from `getPeerCertificate(true)`).
 *
 * @example
 * ```ts
 * const chain = peerCertificateChain(socket.getPeerCertificate(true));
 * ```
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

/**
 * Verifies a presented chain as an X.509-SVID against `bundles` and runs `authorizer`.
 * Throws a {@link TlsError} (`ERR_TLS_NO_PEER_CERTIFICATE`, `ERR_TLS_PEER_VERIFICATION` with the
 * {@link X509SvidError} as cause) or the authorizer's error ({@link AuthorizationError}).
 *
 * @example
 * ```ts
 * const id = verifyPeerChain(peerCertificateChain(socket.getPeerCertificate(true)), source, authorizeAny());
 * ```
 */
export function verifyPeerChain(chain: readonly Buffer[], bundles: X509BundleSource, authorizer: Authorizer): SpiffeId {
  if (chain.length === 0) throw new TlsError('ERR_TLS_NO_PEER_CERTIFICATE', 'The peer presented no certificate');
  let verified;
  try {
    verified = verifyX509Svid(chain, bundles);
  } catch (err) {
    const why = err instanceof X509SvidError ? err.message : String(err);
    throw new TlsError('ERR_TLS_PEER_VERIFICATION', `The peer's X.509-SVID is not valid: ${why}`, { cause: err });
  }
  try {
    authorizer(verified.id, verified.chain);
  } catch (err) {
    if (err instanceof Error) throw err;
    throw new AuthorizationError(verified.id, String(err));
  }
  return verified.id;
}

/**
 * Verifies and authorizes the peer of an established TLS socket. Refuses resumed sessions only if
 * the peer certificate is not available.
 *
 * @example
 * ```ts
 * server.on('secureConnection', (socket) => {
 *   try { verifyTlsPeer(socket, source, authorizeMemberOf('example.org')); } catch { socket.destroy(); }
 * });
 * ```
 */
export function verifyTlsPeer(socket: TLSSocket, bundles: X509BundleSource, authorizer: Authorizer): SpiffeId {
  const chain = peerCertificateChain(socket.getPeerCertificate(true));
  if (chain.length === 0 && socket.isSessionReused()) {
    throw new TlsError('ERR_TLS_SESSION_RESUMED', 'The TLS session was resumed and carries no peer certificate to verify');
  }
  return verifyPeerChain(chain, bundles, authorizer);
}
