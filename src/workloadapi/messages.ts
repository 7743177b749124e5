/**
 * The Workload API messages as the client returns them before any SPIFFE parsing: plain objects
 * with the proto's field names, bytes as `Buffer`, every field present (empty when the agent
 * left it out), `google.protobuf.Struct` turned into plain JSON. The decoders here only check
 * shapes and types; SPIFFE rules (non-empty SVID lists, valid certificates, trust domain keys)
 * belong to the layer that builds SVIDs and bundles.
 *
 * Private key bytes (`x509_svid_key`) are a non-enumerable property: they are readable as usual
 * but do not show in `util.inspect`, `console.log`, `JSON.stringify` or object spread.
 *
 * @module
 */
import { malformedResponse } from './errors.js';

/**
 * A JSON value (what `JSON.parse` returns).
 *
 * @example
 * ```ts
 * const claims: Record<string, JsonValue> = { sub: 'spiffe://example.org/web', aud: ['api'], exp: 1735689600 };
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One X.509-SVID of an `X509SVIDResponse`.
 *
 * @example
 * ```ts
 * const first: RawX509Svid = (await client.fetchX509SvidRaw()).svids[0]!;
 * X509Svid.parseRaw(first.x509_svid, first.x509_svid_key);
 * ```
 */
export interface RawX509Svid {
  /** The SPIFFE ID the agent announces (to be checked against the certificate). */
  spiffe_id: string;
  /** Concatenated DER certificates, leaf first. */
  x509_svid: Buffer;
  /** The PKCS#8 DER private key (non-enumerable: never printed or serialised by accident). */
  x509_svid_key: Buffer;
  /** Concatenated DER CA certificates of the SVID's trust domain. */
  bundle: Buffer;
  /** Operator label; empty when none. */
  hint: string;
}

/**
 * A message of the `FetchX509SVID` stream.
 *
 * @example
 * ```ts
 * const msg: RawX509SvidResponse = await client.fetchX509SvidRaw();
 * console.log(msg.svids.map((s) => s.spiffe_id), Object.keys(msg.federated_bundles));
 * ```
 */
export interface RawX509SvidResponse {
  /** The SVIDs; the first is the default identity. */
  svids: RawX509Svid[];
  /** DER CRLs. */
  crl: Buffer[];
  /** Foreign trust domain (`spiffe://td`) → concatenated DER CA certificates. */
  federated_bundles: Record<string, Buffer>;
}

/**
 * A message of the `FetchX509Bundles` stream.
 *
 * @example
 * ```ts
 * const msg: RawX509BundlesResponse = await client.fetchX509BundlesRaw();
 * for (const [td, der] of Object.entries(msg.bundles)) X509Bundle.fromDer(TrustDomain.parse(td), der);
 * ```
 */
export interface RawX509BundlesResponse {
  /** DER CRLs. */
  crl: Buffer[];
  /** Trust domain (`spiffe://td`) → concatenated DER CA certificates. */
  bundles: Record<string, Buffer>;
}

/**
 * One JWT-SVID of a `JWTSVIDResponse`.
 *
 * @example
 * ```ts
 * const { svids } = await client.fetchJwtSvidRaw({ audience: ['api'] });
 * const token: string = svids[0]!.svid;
 * ```
 */
export interface RawJwtSvid {
  /** The SPIFFE ID the agent announces. */
  spiffe_id: string;
  /** The token (JWS compact serialization). */
  svid: string;
  /** Operator label; empty when none. */
  hint: string;
}

/**
 * The answer of `FetchJWTSVID`.
 *
 * @example
 * ```ts
 * const res: RawJwtSvidResponse = await client.fetchJwtSvidRaw({ audience: ['api'] });
 * ```
 */
export interface RawJwtSvidResponse {
  svids: RawJwtSvid[];
}

/**
 * A message of the `FetchJWTBundles` stream.
 *
 * @example
 * ```ts
 * const msg: RawJwtBundlesResponse = await client.fetchJwtBundlesRaw();
 * const jwks = JSON.parse(msg.bundles['spiffe://example.org']!.toString('utf8'));
 * ```
 */
export interface RawJwtBundlesResponse {
  /** Trust domain (`spiffe://td`) → UTF-8 JSON of a JWK Set. */
  bundles: Record<string, Buffer>;
}

/**
 * The answer of `ValidateJWTSVID`, with `claims` as plain JSON (numbers arrive as doubles).
 *
 * @example
 * ```ts
 * const res: RawValidateJwtSvidResponse = await client.validateJwtSvidRaw(token, 'api');
 * console.log(res.spiffe_id, res.claims['exp']);
 * ```
 */
export interface RawValidateJwtSvidResponse {
  spiffe_id: string;
  claims: Record<string, JsonValue>;
}

/**
 * Largest nesting accepted in a `google.protobuf.Struct` (a hostile agent could send more).
 *
 * @example
 * ```ts
 * if (depth > MAX_STRUCT_DEPTH) throw malformedResponse('claims nested too deeply');
 * ```
 */
export const MAX_STRUCT_DEPTH = 64;

type Obj = Record<string, unknown>;

function object(value: unknown, where: string): Obj {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw malformedResponse(`${where} is not a message`);
  return value as Obj;
}

function bytes(value: unknown, where: string): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw malformedResponse(`${where} is not bytes`);
}

function string(value: unknown, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw malformedResponse(`${where} is not a string`);
  return value;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformedResponse(`${where} is not a repeated field`);
  return value;
}

/** Sets an own property even for keys such as `__proto__`. */
function put<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function bytesMap(value: unknown, where: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [key, v] of Object.entries(object(value, where))) put(out, key, bytes(v, `${where}[${JSON.stringify(key.slice(0, 100))}]`));
  return out;
}

function x509Svid(value: unknown, i: number): RawX509Svid {
  const where = `svids[${i}]`;
  const m = object(value, where);
  const svid = {
    spiffe_id: string(m['spiffe_id'], `${where}.spiffe_id`),
    x509_svid: bytes(m['x509_svid'], `${where}.x509_svid`),
    bundle: bytes(m['bundle'], `${where}.bundle`),
    hint: string(m['hint'], `${where}.hint`),
  } as RawX509Svid;
  Object.defineProperty(svid, 'x509_svid_key', { value: bytes(m['x509_svid_key'], `${where}.x509_svid_key`), enumerable: false, writable: true, configurable: true });
  return svid;
}

/**
 * Normalises a decoded `X509SVIDResponse`; throws `ERR_MALFORMED_RESPONSE` on a wrong shape.
 *
 * @example
 * ```ts
 * const msg = toRawX509SvidResponse(decoded);
 * ```
 */
export function toRawX509SvidResponse(value: unknown): RawX509SvidResponse {
  const m = object(value, 'X509SVIDResponse');
  return {
    svids: list(m['svids'], 'svids').map(x509Svid),
    crl: list(m['crl'], 'crl').map((c, i) => bytes(c, `crl[${i}]`)),
    federated_bundles: bytesMap(m['federated_bundles'], 'federated_bundles'),
  };
}

/**
 * Normalises a decoded `X509BundlesResponse`; throws `ERR_MALFORMED_RESPONSE` on a wrong shape.
 *
 * @example
 * ```ts
 * const msg = toRawX509BundlesResponse(decoded);
 * ```
 */
export function toRawX509BundlesResponse(value: unknown): RawX509BundlesResponse {
  const m = object(value, 'X509BundlesResponse');
  return {
    crl: list(m['crl'], 'crl').map((c, i) => bytes(c, `crl[${i}]`)),
    bundles: bytesMap(m['bundles'], 'bundles'),
  };
}

/**
 * Normalises a decoded `JWTBundlesResponse`; throws `ERR_MALFORMED_RESPONSE` on a wrong shape.
 *
 * @example
 * ```ts
 * const msg = toRawJwtBundlesResponse(decoded);
 * ```
 */
export function toRawJwtBundlesResponse(value: unknown): RawJwtBundlesResponse {
  const m = object(value, 'JWTBundlesResponse');
  return { bundles: bytesMap(m['bundles'], 'bundles') };
}

/**
 * Normalises a decoded `JWTSVIDResponse`; throws `ERR_MALFORMED_RESPONSE` on a wrong shape.
 *
 * @example
 * ```ts
 * const res = toRawJwtSvidResponse(decoded);
 * ```
 */
export function toRawJwtSvidResponse(value: unknown): RawJwtSvidResponse {
  const m = object(value, 'JWTSVIDResponse');
  return {
    svids: list(m['svids'], 'svids').map((s, i) => {
      const where = `svids[${i}]`;
      const o = object(s, where);
      return { spiffe_id: string(o['spiffe_id'], `${where}.spiffe_id`), svid: string(o['svid'], `${where}.svid`), hint: string(o['hint'], `${where}.hint`) };
    }),
  };
}

/**
 * Normalises a decoded `ValidateJWTSVIDResponse`, turning `claims` into plain JSON; throws
 * `ERR_MALFORMED_RESPONSE` on a wrong shape.
 *
 * @example
 * ```ts
 * const res = toRawValidateJwtSvidResponse(decoded);
 * res.claims['aud']; // ['api']
 * ```
 */
export function toRawValidateJwtSvidResponse(value: unknown): RawValidateJwtSvidResponse {
  const m = object(value, 'ValidateJWTSVIDResponse');
  return { spiffe_id: string(m['spiffe_id'], 'spiffe_id'), claims: structToJson(m['claims'], 'claims', 0) };
}

/**
 * Turns a decoded `google.protobuf.Struct` into a plain JSON object (an absent struct is `{}`).
 * Throws `ERR_MALFORMED_RESPONSE` on a wrong shape or nesting deeper than {@link MAX_STRUCT_DEPTH}.
 *
 * @example
 * ```ts
 * structToJson({ fields: { exp: { kind: 'numberValue', numberValue: 1700000000 } } }); // { exp: 1700000000 }
 * ```
 */
export function structToJson(value: unknown, where = 'struct', depth = 0): Record<string, JsonValue> {
  if (depth > MAX_STRUCT_DEPTH) throw malformedResponse(`${where} is nested deeper than ${MAX_STRUCT_DEPTH} levels`);
  const m = object(value, where);
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of Object.entries(object(m['fields'], `${where}.fields`))) {
    put(out, key, valueToJson(v, `${where}.${key.slice(0, 100)}`, depth + 1));
  }
  return out;
}

/** `google.protobuf.Value` members, in both spellings (proto-loader's common types use camelCase). */
const VALUE_KINDS = {
  nullValue: 'null',
  null_value: 'null',
  numberValue: 'number',
  number_value: 'number',
  stringValue: 'string',
  string_value: 'string',
  boolValue: 'bool',
  bool_value: 'bool',
  structValue: 'struct',
  struct_value: 'struct',
  listValue: 'list',
  list_value: 'list',
} as const;

type ValueKind = keyof typeof VALUE_KINDS;

function valueKind(m: Obj): ValueKind | undefined {
  const kind = m['kind'];
  if (typeof kind === 'string' && Object.hasOwn(VALUE_KINDS, kind)) return kind as ValueKind;
  for (const k of Object.keys(VALUE_KINDS) as ValueKind[]) {
    if (m[k] !== undefined && m[k] !== null) return k;
  }
  return undefined;
}

function valueToJson(value: unknown, where: string, depth: number): JsonValue {
  if (depth > MAX_STRUCT_DEPTH) throw malformedResponse(`${where} is nested deeper than ${MAX_STRUCT_DEPTH} levels`);
  const m = object(value, where);
  const kind = valueKind(m);
  if (kind === undefined) return null; // A Value with no member set reads as null.
  const v = m[kind];
  switch (VALUE_KINDS[kind]) {
    case 'null':
      return null;
    case 'number':
      if (typeof v !== 'number') throw malformedResponse(`${where} is not a number`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw malformedResponse(`${where} is not a string`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw malformedResponse(`${where} is not a boolean`);
      return v;
    case 'struct':
      return structToJson(v, where, depth + 1);
    case 'list':
      return list(object(v, where)['values'], where).map((item, i) => valueToJson(item, `${where}[${i}]`, depth + 1));
  }
}
