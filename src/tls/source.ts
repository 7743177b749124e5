/**
 * The tiny source interfaces the TLS helpers need (their PEM forms are in `source-pem.ts`).
 *
 * @module
 */
import type { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509BundleSource } from '../bundle/x509-bundle.js';
import type { X509Svid } from '../svid/x509-svid.js';

/**
 * Gives the current X.509-SVID (an `X509Source` is one).
 *
 * @example
 * ```ts
 * const options = tlsServerOptions(x509Source); // or any { getX509Svid() }, e.g. { getX509Svid: () => svid }
 * ```
 */
export interface X509SvidSource {
  getX509Svid(): X509Svid;
}

/**
 * A bundle source that can also list all its bundles, so that their authorities can be handed to
 * OpenSSL as `ca`: an `X509Source` (through `bundles`), a `BundleSource` (through `x509Bundles`),
 * an `X509BundleSet` or an `X509Bundle`.
 *
 * @example
 * ```ts
 * const server = https.createServer(mtlsServerOptions(x509Source), handler); // or a BundleSource, an X509BundleSet, an X509Bundle
 * attachSpiffeAuth(server, x509Source, authorizeMemberOf('example.org'));
 * ```
 */
export type TrustSource = X509BundleSource &
  (
    | { readonly bundles: { bundles(): readonly X509Bundle[] } }
    | { readonly x509Bundles: { bundles(): readonly X509Bundle[] } }
    | { bundles(): readonly X509Bundle[] }
    | { readonly x509AuthoritiesDer: readonly Buffer[]; toPem(): string }
  );

/**
 * What the mTLS helpers need: the own SVID and the trust bundles (an `X509Source`).
 *
 * @example
 * ```ts
 * const options = mtlsClientOptions(await X509Source.create(), authorizeMemberOf('example.org')); // an X509Source is one
 * ```
 */
export type X509TlsSource = X509SvidSource & TrustSource;
