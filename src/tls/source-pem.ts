/**
 * The PEM material OpenSSL takes, read from the TLS sources (`source.ts`): the trusted
 * authorities, one string per bundle, and the own SVID, each cached per bundle / SVID object so a
 * handshake does not re-encode them.
 *
 * @module
 */
import type { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509Svid } from '../svid/x509-svid.js';
import type { TrustSource } from './source.js';

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
