/**
 * The Workload API messages as the client returns them before any SPIFFE parsing: the types
 * generated from `proto/workload.proto` into `src/gen/` (proto field names, bytes as `Buffer`,
 * every scalar present with its proto3 default, map fields as `Map`, `google.protobuf.Struct` as
 * plain JSON). The wire shape is the decoder's business; SPIFFE rules (non-empty SVID lists,
 * valid certificates, trust domain keys) belong to the layer that builds SVIDs and bundles.
 *
 * @module
 */
import type { JWTBundlesResponse, JWTSVID, JWTSVIDResponse, ValidateJWTSVIDResponse, X509BundlesResponse, X509SVID, X509SVIDResponse } from '../gen/workload.js';

/**
 * A JSON value (what `JSON.parse` returns).
 *
 * @example
 * ```ts
 * const { claims } = await client.validateJwtSvidRaw(token, 'api');
 * const aud = claims['aud']; // JsonValue | undefined
 * if (Array.isArray(aud)) console.log(aud.length, 'audiences');
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One X.509-SVID of an `X509SVIDResponse`: `spiffe_id`, `x509_svid` (concatenated DER
 * certificates, leaf first), `x509_svid_key` (PKCS#8 DER; non-enumerable, so never printed or
 * serialised by accident), `bundle` (DER CA certificates of its trust domain), `hint`.
 *
 * @example
 * ```ts
 * const first: RawX509Svid = (await client.fetchX509SvidRaw()).svids[0]!;
 * X509Svid.parseRaw(first.x509_svid, first.x509_svid_key);
 * ```
 */
export type RawX509Svid = X509SVID;

/**
 * A message of the `FetchX509SVID` stream: `svids` (the first is the default identity), `crl`,
 * `federated_bundles` (a `Map` from `spiffe://td` to concatenated DER CA certificates).
 *
 * @example
 * ```ts
 * const msg: RawX509SvidResponse = await client.fetchX509SvidRaw();
 * console.log(msg.svids.map((s) => s.spiffe_id), [...msg.federated_bundles.keys()]);
 * ```
 */
export type RawX509SvidResponse = X509SVIDResponse;

/**
 * A message of the `FetchX509Bundles` stream: `crl` and `bundles` (a `Map` from `spiffe://td`
 * to concatenated DER CA certificates).
 *
 * @example
 * ```ts
 * const msg: RawX509BundlesResponse = await client.fetchX509BundlesRaw();
 * for (const [td, der] of msg.bundles) X509Bundle.fromDer(TrustDomain.parse(td), der);
 * ```
 */
export type RawX509BundlesResponse = X509BundlesResponse;

/**
 * One JWT-SVID of a `JWTSVIDResponse`: `spiffe_id`, `svid` (the token), `hint`.
 *
 * @example
 * ```ts
 * const { svids } = await client.fetchJwtSvidRaw({ audience: ['api'] });
 * const token: string = svids[0]!.svid;
 * ```
 */
export type RawJwtSvid = JWTSVID;

/**
 * The answer of `FetchJWTSVID`.
 *
 * @example
 * ```ts
 * const res: RawJwtSvidResponse = await client.fetchJwtSvidRaw({ audience: ['api'] });
 * ```
 */
export type RawJwtSvidResponse = JWTSVIDResponse;

/**
 * A message of the `FetchJWTBundles` stream: `bundles`, a `Map` from `spiffe://td` to the UTF-8
 * JSON of a JWK Set.
 *
 * @example
 * ```ts
 * const msg: RawJwtBundlesResponse = await client.fetchJwtBundlesRaw();
 * const jwks = JSON.parse(msg.bundles.get('spiffe://example.org')!.toString('utf8'));
 * ```
 */
export type RawJwtBundlesResponse = JWTBundlesResponse;

/**
 * The answer of `ValidateJWTSVID`, with `claims` as plain JSON (numbers arrive as doubles; `{}`
 * when the agent sent none). Every claim is an own property, `"__proto__"` included.
 *
 * @example
 * ```ts
 * const res: RawValidateJwtSvidResponse = await client.validateJwtSvidRaw(token, 'api');
 * console.log(res.spiffe_id, res.claims['exp']);
 * ```
 */
export type RawValidateJwtSvidResponse = Omit<ValidateJWTSVIDResponse, 'claims'> & { claims: Record<string, JsonValue> };
