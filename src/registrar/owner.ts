/**
 * Ownership of server entries, as spire-controller-manager does it: the registrar gives the
 * entries it creates an ID made of a prefix and a hash of the entry's matching key, and only ever
 * updates or deletes entries whose ID starts with that prefix.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { selectorStrings } from './selectors.js';
import type { Selector } from './types.js';

/**
 * The default prefix of the IDs of the entries the registrar owns.
 *
 * @example
 * ```ts
 * plan(client, registration.entries, { ownerPrefix: DEFAULT_OWNER_PREFIX });
 * ```
 */
export const DEFAULT_OWNER_PREFIX = 'spiffe-kit.';

/**
 * What an owner prefix may contain: SPIRE accepts custom entry IDs of at most 255 characters of
 * `[A-Za-z0-9._-]` (v1.15.3 pkg/server/datastore/sqlstore/sqlstore.go validateRegistrationEntry,
 * validEntryIDChars); the prefix leaves room for the 32 hex digits of the hash.
 */
export const OWNER_PREFIX_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * The matching key of an entry: SPIFFE ID, parent ID and the sorted selector set (what SPIRE
 * calls a "similar" entry).
 */
export function entryKey(e: { readonly spiffeId: string | undefined; readonly parentId: string | undefined; readonly selectors: readonly Selector[] }): string {
  return JSON.stringify([e.spiffeId ?? '', e.parentId ?? '', selectorStrings(e.selectors)]);
}

/**
 * The ID an owned entry gets: the prefix and a stable hash (SHA-256, 32 hex digits) of its
 * matching key, so the same declaration always maps to the same ID.
 *
 * @example
 * ```ts
 * ownedEntryId('spiffe-kit.', entry); // 'spiffe-kit.3f1c…'
 * ```
 */
export function ownedEntryId(ownerPrefix: string, entry: { readonly spiffeId: string | undefined; readonly parentId: string | undefined; readonly selectors: readonly Selector[] }): string {
  return `${ownerPrefix}${createHash('sha256').update(entryKey(entry)).digest('hex').slice(0, 32)}`;
}

/**
 * Whether `id` is an entry ID this tool made under `ownerPrefix`: the prefix followed by exactly
 * the 32 hex digits of {@link ownedEntryId}. A plain prefix test would let `spiffe-kit.` claim the
 * entries of another tool whose prefix is `spiffe-kit.team.`.
 *
 * @example
 * ```ts
 * isOwnedEntryId('orders.', ownedEntryId('orders.', entry)); // true
 * isOwnedEntryId('orders.', 'orders.team.0123456789abcdef0123456789abcdef'); // false
 * ```
 */
export function isOwnedEntryId(ownerPrefix: string, id: string): boolean {
  return id.length === ownerPrefix.length + 32 && id.startsWith(ownerPrefix) && /^[0-9a-f]{32}$/.test(id.slice(ownerPrefix.length));
}
