/**
 * The SPIRE Server Entry API messages as the registrar uses them: the generated types of
 * `src/gen/spire/api/` (ts-proto output of SPIRE's `spire/api/types/entry.proto`, field names as in
 * the proto, int64 values as numbers), named for the registrar, and the conversions between
 * SPIRE's `SPIFFEID` message (`{ trust_domain, path }`) and `spiffe://` strings.
 *
 * An absent message field (an entry's `spiffe_id`, a batch result's `status` or `entry`, a mask)
 * is `undefined`, as the generated decoders leave it; nothing here turns it into `null`.
 *
 * @module
 */
import type { Entry, EntryMask as GeneratedEntryMask } from '../gen/spire/api/types/entry.js';
import type { SPIFFEID } from '../gen/spire/api/types/spiffeid.js';
import type { Status } from '../gen/spire/api/types/status.js';

/**
 * A registration entry as the SPIRE server holds it: the generated `spire.api.types.Entry`
 * (`spiffe_id` and `parent_id` are `{ trust_domain, path }` messages; see {@link spiffeIdString}).
 *
 * @example
 * ```ts
 * import { spiffeIdString } from 'spiffe-kit/registrar';
 * for (const entry of await client.listEntries()) {
 *   console.log(entry.id, spiffeIdString(entry.spiffe_id), entry.selectors.map((s) => `${s.type}:${s.value}`));
 * }
 * ```
 */
export type ServerEntry = Entry;

/**
 * The Entry fields a request or a response carries: the generated `spire.api.types.EntryMask`,
 * one boolean per {@link ServerEntry} field (same names).
 *
 * @example
 * ```ts
 * import { emptyEntryMask } from 'spiffe-kit/registrar';
 * // Change only the hint and the X.509-SVID TTL of an entry the server holds.
 * await client.batchUpdate([{ ...entry, hint: 'internal', x509_svid_ttl: 3600 }], { ...emptyEntryMask(), hint: true, x509_svid_ttl: true });
 * ```
 */
export type EntryMask = GeneratedEntryMask;

/**
 * The names of the fields of an {@link EntryMask} (and of the {@link ServerEntry} fields they select).
 *
 * @example
 * ```ts
 * import { emptyEntryMask } from 'spiffe-kit/registrar';
 * const mask = emptyEntryMask();
 * for (const field of ['dns_names', 'hint'] as const) mask[field] = true; // EntryMaskField names
 * const entries = await client.listEntries({ outputMask: mask });
 * ```
 */
export type EntryMaskField = keyof EntryMask;

/**
 * A per-item status of a batch RPC, the generated `spire.api.types.Status` (a gRPC status code:
 * 0 OK, 3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS, 13 INTERNAL).
 *
 * @example
 * ```ts
 * const [result] = await client.batchDelete(['spiffe-kit.ab12']);
 * if (result?.status?.code === 5) console.log('already gone'); // NOT_FOUND
 * else if (result?.status?.code !== 0) console.error(result?.status?.message);

 * ```
 */
export type EntryStatus = Status;

/**
 * An entry with every field at its proto3 default (message fields `undefined`).
 *
 * @example
 * ```ts
 * const e: ServerEntry = { ...emptyServerEntry(), spiffe_id: spiffeIdMessage('spiffe://example.org/web') };
 * ```
 */
export function emptyServerEntry(): ServerEntry {
  return {
    id: '',
    spiffe_id: undefined,
    parent_id: undefined,
    selectors: [],
    x509_svid_ttl: 0,
    federates_with: [],
    admin: false,
    downstream: false,
    expires_at: 0,
    dns_names: [],
    revision_number: 0,
    store_svid: false,
    jwt_svid_ttl: 0,
    hint: '',
    created_at: 0,
    additional_attributes: undefined,
  };
}

/**
 * A mask with no field set.
 *
 * @example
 * ```ts
 * const mask: EntryMask = { ...emptyEntryMask(), hint: true };
 * ```
 */
export function emptyEntryMask(): EntryMask {
  return {
    spiffe_id: false,
    parent_id: false,
    selectors: false,
    x509_svid_ttl: false,
    federates_with: false,
    admin: false,
    downstream: false,
    expires_at: false,
    dns_names: false,
    revision_number: false,
    store_svid: false,
    jwt_svid_ttl: false,
    hint: false,
    created_at: false,
    additional_attributes: false,
  };
}

/**
 * A SPIRE `SPIFFEID` message as a `spiffe://` string: `''` when absent or empty. SPIRE writes the
 * trust domain name and the path (with its leading slash) apart (`ProtoFromID` in SPIRE v1.15.3
 * pkg/server/api/id.go); this joins them back. Not validated: this reads what the server sent.
 *
 * @example
 * ```ts
 * spiffeIdString({ trust_domain: 'example.org', path: '/web' }); // 'spiffe://example.org/web'
 * ```
 */
export function spiffeIdString(id: SPIFFEID | undefined): string {
  if (id === undefined || (id.trust_domain === '' && id.path === '')) return '';
  return `spiffe://${id.trust_domain}${id.path}`;
}

/**
 * A `spiffe://` string as SPIRE's `SPIFFEID` message (trust domain, and the path with its leading
 * slash); `undefined` for `''`. Not validated: the registrar validates declarations before this.
 *
 * @example
 * ```ts
 * spiffeIdMessage('spiffe://example.org/web'); // { trust_domain: 'example.org', path: '/web' }
 * ```
 */
export function spiffeIdMessage(id: string): SPIFFEID | undefined {
  if (id === '') return undefined;
  const rest = id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id;
  const slash = rest.indexOf('/');
  return slash < 0 ? { trust_domain: rest, path: '' } : { trust_domain: rest.slice(0, slash), path: rest.slice(slash) };
}
