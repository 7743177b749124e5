/**
 * The client-side SPIFFE check of a TLS server: a `checkServerIdentity` for `tls.connect`,
 * `https` and `http2` that verifies the server's X.509-SVID and runs the authorizer.
 *
 * @module
 */
import type { PeerCertificate } from 'node:tls';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { assertAuthorizer, type Authorizer } from './authorizer.js';
import { authorizeObserved, publishAllowed } from './authorize-events.js';
import { loggerOf, logRefusal } from './refusal-log.js';
import type { TrustSource } from './source.js';
import { peerCertificateChain, verifyPeerChain } from './verify-peer.js';

/**
 * The `checkServerIdentity` the client helpers install: verifies the server's chain against the
 * bundle of its own trust domain, then the authorizer (only `true` allows). Returns the error
 * (Node then fails the handshake) and logs it at `warn` through the logger of `bundles` (an
 * `X509Source`'s `logger` option); `onVerified` receives the ID on success.
 *
 * @throws {@link TlsError} `ERR_TLS_BAD_AUTHORIZER` when `authorizer` is not a function.
 *
 * @example
 * ```ts
 * tls.connect({ ...opts, checkServerIdentity: spiffeCheckServerIdentity(source, authorizeAny()) });
 * ```
 */
export function spiffeCheckServerIdentity(
  bundles: TrustSource,
  authorizer: Authorizer,
  onVerified?: (id: SpiffeId) => void,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  assertAuthorizer(authorizer, 'spiffeCheckServerIdentity');
  const logger = loggerOf(bundles);
  return (hostname, cert) => {
    try {
      const id = verifyPeerChain(peerCertificateChain(cert), bundles, authorizer);
      if (authorizeObserved()) publishAllowed('client', id, { host: typeof hostname === 'string' ? hostname : undefined });
      onVerified?.(id);
      return undefined;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      logRefusal(logger, 'client', error, { host: typeof hostname === 'string' ? hostname : undefined });
      return error;
    }
  };
}
