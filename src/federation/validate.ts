/**
 * What a fetched SPIFFE bundle must satisfy beyond parsing, before it is trusted for a trust domain.
 *
 * @module
 */
import { BundleError } from '../bundle/errors.js';
import { SpiffeBundle } from '../bundle/spiffe-bundle.js';
import { readCertificateExtensions } from '../internal/der.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import { FederationError } from './errors.js';

/** Options of {@link readFederatedBundle}. */
export interface ReadBundleOptions {
  /** At most this many keys in the document (default: the bundle parser's limit). */
  readonly maxAuthorities?: number | undefined;
  /** Accept a bundle without any authority (default `false`: it would silently remove all trust). */
  readonly allowEmpty?: boolean | undefined;
}

const SPIFFE_URI = /^spiffe:\/\/([^/?#]*)/i;

/**
 * @internal Parses a bundle endpoint's body as the SPIFFE bundle of `trustDomain` and checks it:
 * at least one authority (unless allowed), and no X.509 authority whose SPIFFE ID URI SAN (SPIRE
 * CAs carry `spiffe://<trust domain>`) names another trust domain — a document of the wrong
 * trust domain, which the JWK Set format itself cannot reveal.
 */
export function readFederatedBundle(trustDomain: TrustDomain, body: Uint8Array, url: string, options: ReadBundleOptions = {}): SpiffeBundle {
  const td = trustDomain.name;
  let bundle: SpiffeBundle;
  try {
    bundle = SpiffeBundle.parse(trustDomain, body, { maxAuthorities: options.maxAuthorities });
  } catch (err) {
    const why = err instanceof BundleError ? `${err.message} (${err.code})` : String(err);
    throw new FederationError('ERR_FEDERATION_INVALID_BUNDLE', `The bundle endpoint ${url} did not serve a valid SPIFFE bundle for "${td}": ${why}`, {
      url,
      trustDomain: td,
      cause: err,
    });
  }
  const ders = bundle.x509AuthoritiesDer;
  for (let i = 0; i < ders.length; i++) {
    let uris: readonly string[];
    try {
      uris = readCertificateExtensions(ders[i] as Buffer).uriSans;
    } catch {
      continue; // the parser accepted the certificate; extensions it cannot read name no trust domain
    }
    for (const uri of uris) {
      const named = SPIFFE_URI.exec(uri)?.[1]?.toLowerCase();
      if (named !== undefined && named !== td) {
        throw new FederationError(
          'ERR_FEDERATION_TRUST_DOMAIN_MISMATCH',
          `The bundle endpoint ${url} served a bundle for "${td}" whose X.509 authority #${i} belongs to trust domain "${named.slice(0, 255)}"`,
          { url, trustDomain: td },
        );
      }
    }
  }
  if (!options.allowEmpty && bundle.empty()) {
    throw new FederationError('ERR_FEDERATION_EMPTY_BUNDLE', `The bundle endpoint ${url} served a bundle for "${td}" without any X.509 or JWT authority`, {
      url,
      trustDomain: td,
    });
  }
  return bundle;
}
