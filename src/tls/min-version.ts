/**
 * The oldest TLS version spiffe-kit's clients and servers accept.
 *
 * @module
 */

/** @internal TLS 1.2, as go-spiffe's tlsconfig (crypto/tls's default minimum for clients and servers). */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;
