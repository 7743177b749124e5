/**
 * Errors of the mTLS layer: peer verification and authorization failures.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';

/**
 * Codes of {@link TlsError}: why an mTLS helper refused a peer (the error a refused handshake is
 * destroyed with, passed to `onRejected` and logged at `warn`), or why a helper refused its
 * arguments (thrown at construction).
 *
 * @example
 * ```ts
 * import { attachSpiffeAuth, authorizeMemberOf, TlsError } from 'spiffe-kit';
 * attachSpiffeAuth(server, source, authorizeMemberOf('example.org'), {
 *   onRejected: (err) => {
 *     if (!(err instanceof TlsError)) return;
 *     switch (err.code) {
 *       case 'ERR_TLS_UNAUTHORIZED': metrics.refused.inc(); break; // a trusted peer, not allowed here
 *       case 'ERR_TLS_PEER_VERIFICATION': console.warn('untrusted peer:', err.cause); break;
 *       default: console.warn(err.message);
 *     }
 *   },
 * });
 * ```
 */
export type TlsErrorCode =
  /** The peer's SPIFFE ID was verified but the authorizer refused it. */
  | 'ERR_TLS_UNAUTHORIZED'
  /** The peer presented no certificate. */
  | 'ERR_TLS_NO_PEER_CERTIFICATE'
  /** The peer's chain is not a valid X.509-SVID of a trusted trust domain (the cause says why). */
  | 'ERR_TLS_PEER_VERIFICATION'
  /** A resumed TLS session carries no verified identity. */
  | 'ERR_TLS_SESSION_RESUMED'
  /** A server built from `mtlsServerOptions` without `attachSpiffeAuth` (it refuses every handshake). */
  | 'ERR_TLS_SERVER_NOT_ATTACHED'
  /** Something that is not a function was passed where an {@link Authorizer} is required (thrown at construction). */
  | 'ERR_TLS_BAD_AUTHORIZER';

/**
 * A failure to authenticate or authorize a TLS peer.
 *
 * @example
 * ```ts
 * import { TlsError } from 'spiffe-kit';
 * socket.on('error', (err) => { if (err instanceof TlsError) console.log(err.code); });
 * ```
 */
export class TlsError extends SpiffeError {
  declare readonly code: TlsErrorCode;

  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Thrown by an {@link Authorizer} that refuses a verified peer, and by spiffe-kit when an
 * authorizer did not allow one (it returned something other than `true`, or threw something else:
 * see `reason` and `cause`). Carries the peer's ID and the rule it failed.
 *
 * @example
 * ```ts
 * import { AuthorizationError, authorizeId, SpiffeId } from 'spiffe-kit';
 * try {
 *   authorizeId('spiffe://example.org/db')(SpiffeId.parse('spiffe://example.org/web'), []);
 * } catch (err) {
 *   if (err instanceof AuthorizationError) console.log(err.peerId.toString(), err.rule);
 * }
 * ```
 */
export class AuthorizationError extends TlsError {
  /** The verified SPIFFE ID of the refused peer. */
  readonly peerId: SpiffeId;
  /** A description of the rule the peer failed, e.g. `id is spiffe://example.org/db`. */
  readonly rule: string;

  /**
   * @param rule - what the peer was expected to be (the message says `expected <rule>`).
   * @param options - `reason` replaces `expected <rule>` in the message; `cause` is the error the authorizer threw.
   */
  constructor(peerId: SpiffeId, rule: string, options?: { readonly reason?: string | undefined; readonly cause?: unknown }) {
    super('ERR_TLS_UNAUTHORIZED', `Peer ${peerId.toString()} is not authorized: ${options?.reason ?? `expected ${rule}`}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.peerId = peerId;
    this.rule = rule;
  }
}
