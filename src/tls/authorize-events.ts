/**
 * The `spiffe-kit:tls:authorize` messages of the mTLS helpers: one per decision about a peer.
 * Built only when the channel has subscribers (callers check `channels.tlsAuthorize.hasSubscribers`).
 *
 * @module
 */
import { channels, publish } from '../diagnostics/channels.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { AuthorizationError } from './errors.js';
import type { RefusedPeer } from './refusal-log.js';

/** @internal Whether anyone listens for authorization decisions (one property read). */
export function authorizeObserved(): boolean {
  return channels.tlsAuthorize.hasSubscribers;
}

/** @internal Publishes an allowed peer. */
export function publishAllowed(side: 'server' | 'client', peerId: SpiffeId, peer: RefusedPeer = {}): void {
  publish('tlsAuthorize', {
    side,
    allowed: true,
    peerId: peerId.toString(),
    code: undefined,
    rule: undefined,
    reason: undefined,
    remoteAddress: peer.remoteAddress,
    remotePort: peer.remotePort,
    host: peer.host,
  });
}

/** @internal Publishes a refused peer: the code, the peer's ID and the rule when its SVID was verified, the message. */
export function publishRefused(side: 'server' | 'client', error: unknown, peer: RefusedPeer = {}): void {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  const authz = err instanceof AuthorizationError ? err : undefined;
  publish('tlsAuthorize', {
    side,
    allowed: false,
    peerId: authz?.peerId.toString(),
    code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
    rule: authz?.rule,
    reason: err.message,
    remoteAddress: peer.remoteAddress,
    remotePort: peer.remotePort,
    host: peer.host,
  });
}
