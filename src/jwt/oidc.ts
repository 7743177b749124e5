/**
 * OIDC interop: a trust domain's JWT bundle as the JWKS document an OIDC relying party (AWS STS,
 * Vault's JWT auth, Kubernetes, …) consumes.
 *
 * @module
 */
import type { JwtBundle } from '../bundle/jwt-bundle.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';

/**
 * One key of an {@link OidcJwks}: the public JWK plus `kid`, `use: 'sig'` and `alg` when the key
 * type says it (ES256 / ES384 / ES512 for EC P-256 / P-384 / P-521, RS256 for RSA, as SPIRE signs).
 *
 * @example
 * ```ts
 * for (const key of toOidcJwks(jwtBundle).keys) console.log(key.kid, key.alg, key.use); // e.g. 'k1' 'ES256' 'sig'
 * ```
 */
export interface OidcJwk {
  readonly kty: string;
  readonly kid: string;
  readonly use: 'sig';
  readonly alg?: string;
  readonly [member: string]: string | undefined;
}

/**
 * A standard JWKS document (`{ keys: [...] }`), to serve as an OIDC `jwks_uri`.
 *
 * @example
 * ```ts
 * res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks));
 * ```
 */
export interface OidcJwks {
  readonly keys: OidcJwk[];
}

const EC_ALGS: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/**
 * A JWT bundle as a standard JWKS document: every key with `kid`, `kty`, `use: 'sig'` and `alg`
 * when known.
 *
 * @example
 * ```ts
 * const jwks = toOidcJwks(jwtSource.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))!);
 * ```
 */
export function toOidcJwks(bundle: JwtBundle): OidcJwks {
  const keys: OidcJwk[] = [];
  for (const jwk of bundle.toJwks().keys) {
    const { use: _use, alg: _alg, ...rest } = jwk;
    const alg = jwk.kty === 'EC' ? EC_ALGS[jwk.crv ?? ''] : jwk.kty === 'RSA' ? 'RS256' : undefined;
    keys.push({ ...rest, use: 'sig', ...(alg === undefined ? {} : { alg }) } as OidcJwk);
  }
  return { keys };
}

/**
 * The JWKS document of `trustDomain`'s JWT bundle from `source` (a {@link JwtSource},
 * {@link BundleSource}, bundle set…), or `undefined` when the source has no bundle for it. This is
 * what an OIDC discovery document's `jwks_uri` serves, and what Vault's JWT auth
 * (`jwt_validation_pubkeys` / `jwks_url`) and AWS IAM OIDC providers consume.
 *
 * @param source - holds the JWT bundles (usually a `JwtSource`).
 * @param trustDomain - the trust domain whose keys to publish.
 * @example
 * ```ts
 * import { jwksForTrustDomain } from 'spiffe-kit';
 * http.createServer((req, res) => {
 *   const jwks = jwksForTrustDomain(jwtSource, 'example.org');
 *   if (!jwks) return res.writeHead(404).end();
 *   res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
 * });
 * ```
 */
export function jwksForTrustDomain(source: JwtBundleSource, trustDomain: TrustDomain | string): OidcJwks | undefined {
  const bundle = source.getJwtBundleForTrustDomain(TrustDomain.from(trustDomain));
  return bundle === undefined ? undefined : toOidcJwks(bundle);
}
