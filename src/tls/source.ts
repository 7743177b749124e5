/**
 * The tiny source interfaces the TLS helpers need, and how PEM material is taken from them.
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

const pemByBundle = new WeakMap<readonly Buffer[], string>();

function bundlePem(bundle: X509Bundle): string {
  const key = bundle.x509AuthoritiesDer;
  let pem = pemByBundle.get(key);
  if (pem === undefined) {
    pem = bundle.toPem();
    pemByBundle.set(key, pem);
  }
  return pem;
}

/** @internal The PEM of every trusted authority, one string per bundle. */
export function trustedAuthoritiesPem(source: TrustSource): string[] {
  let list: readonly X509Bundle[];
  if (typeof (source as { bundles?: unknown }).bundles === 'function') {
    list = (source as { bundles(): readonly X509Bundle[] }).bundles();
  } else if (typeof (source as { bundles?: unknown }).bundles === 'object') {
    list = (source as { bundles: { bundles(): readonly X509Bundle[] } }).bundles.bundles();
  } else if (typeof (source as { x509Bundles?: unknown }).x509Bundles === 'object') {
    list = (source as { x509Bundles: { bundles(): readonly X509Bundle[] } }).x509Bundles.bundles();
  } else {
    list = [source as unknown as X509Bundle];
  }
  return list.filter((b) => b.x509AuthoritiesDer.length > 0).map(bundlePem);
}

const pemBySvid = new WeakMap<X509Svid, { cert: string; key: string }>();

/** @internal The SVID as PEM cert chain + PKCS#8 key, cached per SVID object. */
export function svidPem(svid: X509Svid): { cert: string; key: string } {
  let pem = pemBySvid.get(svid);
  if (pem === undefined) {
    const m = svid.marshal();
    pem = { cert: m.certificates, key: m.privateKey };
    pemBySvid.set(svid, pem);
  }
  return pem;
}
