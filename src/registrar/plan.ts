/**
 * Planning: what to create, update and delete on a SPIRE server so that it holds the declared
 * entries. Only entries whose ID is the owner prefix followed by 32 hex digits are ever updated
 * or deleted (the ownership model of spire-controller-manager). A declared entry is matched with
 * an owned server entry first by its ID (the hash of its declaration, {@link ownedEntryId}) and
 * the same (spiffe_id, parent_id, sorted selectors) key, then by that key alone (as SPIRE matches
 * "similar" entries), then by its ID alone: an owned entry edited on the server (its selectors,
 * SPIFFE ID or parent changed) is found by its ID and updated back to the declaration, in every
 * field, instead of being left as it is (and later pruned). A similar entry owned by someone
 * else is reported as a conflict and left alone. Prune never deletes an entry that the plan
 * creates or updates.
 *
 * @module
 */
import { emptyEntryMask, emptyServerEntry, type EntryMask, type EntryMaskField, type ServerEntry, spiffeIdMessage, spiffeIdString } from './server-entry.js';
import { DEFAULT_OWNER_PREFIX, entryKey, isOwnedEntryId, OWNER_PREFIX_PATTERN, ownedEntryId } from './owner.js';
import { selectorStrings } from './selectors.js';
import type { Registration, RegistrationEntry, Selector } from './types.js';

/**
 * The fields compared to decide an update, by {@link RegistrationEntry} name.
 *
 * @example
 * ```ts
 * const p = await plan(client, registration);
 * const retitled = p.updates.filter((u) => u.changes.some((c) => c.field === 'hint'));
 * ```
 */
export type PlanField = 'spiffeId' | 'parentId' | 'selectors' | 'x509SvidTtl' | 'jwtSvidTtl' | 'dnsNames' | 'federatesWith' | 'hint' | 'admin' | 'downstream' | 'storeSvid' | 'expiresAt';

/**
 * Every field of an entry that the declaration fixes: a server entry that differs in any of
 * them is brought back. `storeSvid` and `expiresAt` are not declarable; they are declared as
 * false / 0 (never expires), so an operator setting them on an owned entry is drift too.
 */
const FIELDS: readonly PlanField[] = ['spiffeId', 'parentId', 'selectors', 'x509SvidTtl', 'jwtSvidTtl', 'dnsNames', 'federatesWith', 'hint', 'admin', 'downstream', 'storeSvid', 'expiresAt'];

/** The {@link ServerEntry} field (and {@link EntryMask} field) of each plan field. */
const SERVER_FIELD = {
  spiffeId: 'spiffe_id',
  parentId: 'parent_id',
  selectors: 'selectors',
  x509SvidTtl: 'x509_svid_ttl',
  jwtSvidTtl: 'jwt_svid_ttl',
  dnsNames: 'dns_names',
  federatesWith: 'federates_with',
  hint: 'hint',
  admin: 'admin',
  downstream: 'downstream',
  storeSvid: 'store_svid',
  expiresAt: 'expires_at',
} as const satisfies Record<PlanField, EntryMaskField>;

/**
 * One field that differs between the server and the declaration.
 *
 * @example
 * ```ts
 * const p = await plan(client, registration);
 * for (const u of p.updates) for (const c of u.changes) console.log(`${u.id} ${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
 * ```
 */
export interface FieldChange {
  readonly field: PlanField;
  readonly from: unknown;
  readonly to: unknown;
}

/**
 * An entry to create, with the ID it gets.
 *
 * @example
 * ```ts
 * for (const c of p.creates) console.log(c.id, c.entry.spiffeId);
 * ```
 */
export interface PlannedCreate {
  readonly id: string;
  readonly entry: RegistrationEntry;
}

/**
 * An owned entry whose fields differ from its declaration.
 *
 * @example
 * ```ts
 * for (const u of p.updates) console.log(u.id, u.changes.map((c) => c.field));
 * ```
 */
export interface PlannedUpdate {
  readonly id: string;
  readonly entry: RegistrationEntry;
  readonly current: ServerEntry;
  readonly changes: readonly FieldChange[];
}

/**
 * An owned entry that is no longer declared (deleted only with `prune`).
 *
 * @example
 * ```ts
 * for (const d of p.deletes) console.log(d.id, spiffeIdString(d.current.spiffe_id));
 * ```
 */
export interface PlannedDelete {
  readonly id: string;
  readonly current: ServerEntry;
}

/**
 * A declared entry the server already holds as declared.
 *
 * @example
 * ```ts
 * console.log(`${p.unchanged.length} unchanged`);
 * ```
 */
export interface PlannedUnchanged {
  readonly id: string;
  readonly entry: RegistrationEntry;
}

/**
 * A declared entry that cannot be created: either the server holds a similar entry that this
 * tool does not own (`similar`: it is never modified, and SPIRE would refuse the create), or the
 * entry's ID is held by an owned entry that another declaration already matches (`id-taken`:
 * an operator edited that entry into a copy of another declared entry).
 *
 * @example
 * ```ts
 * for (const c of p.conflicts) console.log(`${c.entry.spiffeId} is held by entry ${c.current.id} (${c.reason})`);
 * ```
 */
export interface PlannedConflict {
  readonly entry: RegistrationEntry;
  readonly current: ServerEntry;
  readonly reason: 'similar' | 'id-taken';
}

/**
 * The outcome of {@link plan}.
 *
 * @example
 * ```ts
 * const p = await plan(client, entries, { ownerPrefix: 'spiffe-kit.' });
 * if (p.creates.length + p.updates.length + p.deletes.length === 0) console.log('nothing to do');
 * ```
 */
export interface Plan {
  readonly ownerPrefix: string;
  readonly prune: boolean;
  readonly creates: readonly PlannedCreate[];
  readonly updates: readonly PlannedUpdate[];
  readonly deletes: readonly PlannedDelete[];
  readonly unchanged: readonly PlannedUnchanged[];
  readonly conflicts: readonly PlannedConflict[];
  /** Owned entries no longer declared, kept because `prune` is off. */
  readonly orphans: readonly PlannedDelete[];
  /** Declared entries the Entry API cannot hold (template entries, for ClusterSPIFFEID only). */
  readonly skipped: readonly RegistrationEntry[];
}

/**
 * Options of {@link plan}.
 *
 * @example
 * ```ts
 * import { plan } from 'spiffe-kit/registrar';
 * const p = await plan(client, registration, { ownerPrefix: 'payments.', prune: true });
 * ```
 */
export interface PlanOptions {
  /** Prefix of the IDs of owned entries (`[A-Za-z0-9._-]`, default {@link DEFAULT_OWNER_PREFIX}). */
  readonly ownerPrefix?: string | undefined;
  /** Delete owned entries that are no longer declared (default false). */
  readonly prune?: boolean | undefined;
}

/**
 * What {@link plan} needs of a client: the entries the server holds.
 *
 * @example
 * ```ts
 * import { plan } from 'spiffe-kit/registrar';
 * // An EntryApiClient is one; so is a stand-in for a dry run against a saved listing.
 * const saved = { listEntries: async () => JSON.parse(await readFile('entries.json', 'utf8')) };
 * const p = await plan(saved, registration);

 * ```
 */
export interface EntryLister {
  listEntries(): Promise<ServerEntry[]>;
}

const sortedSelectors = selectorStrings;

function normalizeTd(td: string): string {
  return td.startsWith('spiffe://') ? td.slice('spiffe://'.length).replace(/\/+$/, '') : td;
}

function sortedUnique(list: readonly string[], map: (s: string) => string = (s) => s): string[] {
  return [...new Set(list.map(map))].sort();
}

function serverValue(current: ServerEntry, field: PlanField): unknown {
  switch (field) {
    case 'spiffeId':
      return spiffeIdString(current.spiffe_id);
    case 'parentId':
      return spiffeIdString(current.parent_id);
    case 'selectors':
      return sortedSelectors(current.selectors);
    case 'dnsNames':
      return sortedUnique(current.dns_names, (d) => d.toLowerCase());
    case 'federatesWith':
      return sortedUnique(current.federates_with, normalizeTd);
    default:
      return current[SERVER_FIELD[field]];
  }
}

/**
 * The matching-key view of a server entry (SPIFFE IDs as strings), for {@link entryKey} and the
 * plan's output.
 */
function keyView(e: ServerEntry): { spiffeId: string; parentId: string; selectors: readonly Selector[] } {
  return { spiffeId: spiffeIdString(e.spiffe_id), parentId: spiffeIdString(e.parent_id), selectors: e.selectors };
}

function declaredValue(entry: RegistrationEntry, field: PlanField): unknown {
  switch (field) {
    case 'spiffeId':
      return entry.spiffeId ?? '';
    case 'parentId':
      return entry.parentId ?? '';
    case 'selectors':
      return sortedSelectors(entry.selectors);
    case 'storeSvid':
      return false;
    case 'expiresAt':
      return 0;
    case 'dnsNames':
      return sortedUnique(entry.dnsNames, (d) => d.toLowerCase());
    case 'federatesWith':
      return sortedUnique(entry.federatesWith, normalizeTd);
    default:
      return entry[field];
  }
}

/**
 * The fields of `current` that differ from `entry`, over the whole entry (SPIFFE ID, parent ID,
 * selector set and every other field). A TTL of 0 means "server default" and SPIRE stores it as
 * 0, so declaring 0 again after a TTL reverts the entry to the default.
 */
export function diffEntry(current: ServerEntry, entry: RegistrationEntry): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of FIELDS) {
    const to = declaredValue(entry, field);
    const from = serverValue(current, field);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to });
  }
  return changes;
}

/**
 * `entry` as the Entry API takes it, with the given ID.
 */
export function toServerEntry(entry: RegistrationEntry, id: string): ServerEntry {
  return {
    ...emptyServerEntry(),
    id,
    spiffe_id: spiffeIdMessage(entry.spiffeId ?? ''),
    parent_id: spiffeIdMessage(entry.parentId ?? ''),
    selectors: entry.selectors.map((s) => ({ type: s.type, value: s.value })),
    x509_svid_ttl: entry.x509SvidTtl,
    jwt_svid_ttl: entry.jwtSvidTtl,
    dns_names: [...entry.dnsNames],
    federates_with: [...entry.federatesWith],
    hint: entry.hint,
    admin: entry.admin,
    downstream: entry.downstream,
  };
}

/**
 * The input mask of an update: the fields that change set, every other field false.
 */
export function updateMask(changes: readonly FieldChange[]): EntryMask {
  const mask = emptyEntryMask();
  for (const c of changes) mask[SERVER_FIELD[c.field]] = true;
  return mask;
}

function isRegistration(x: Registration | readonly RegistrationEntry[]): x is Registration {
  return !Array.isArray(x);
}

/**
 * Compares the declared entries with what the server holds. Only entries this tool made under
 * the owner prefix (`<prefix><32 hex>`) are updated or deleted; deletes are planned only with
 * `prune`. Pass a whole `Registration` (from `loadManifest` or `defineEntries`) and its
 * `ownerPrefix` is used unless `options.ownerPrefix` overrides it; with a bare entry list the
 * prefix defaults to `spiffe-kit.`.
 *
 * @param client - lists the server's entries (an `EntryApiClient`).
 * @param input - the declared entries (a `Registration` or its entries).
 * @param options - `ownerPrefix` (default: the registration's), `prune` (also plan to delete owned entries no longer declared).
 * @throws RangeError when the owner prefix is not 1–200 characters of `[A-Za-z0-9._-]`.
 * @example
 * ```ts
 * const p = await plan(client, await loadManifest('spiffe-entries.yaml'), { prune: true });
 * console.log(formatPlan(p));
 * ```
 */
export async function plan(client: EntryLister, input: Registration | readonly RegistrationEntry[], options: PlanOptions = {}): Promise<Plan> {
  const entries: readonly RegistrationEntry[] = isRegistration(input) ? input.entries : input;
  const ownerPrefix = options.ownerPrefix ?? (isRegistration(input) ? input.ownerPrefix : DEFAULT_OWNER_PREFIX);
  if (!OWNER_PREFIX_PATTERN.test(ownerPrefix)) throw new RangeError(`owner prefix ${JSON.stringify(ownerPrefix)} must be 1-200 characters of [A-Za-z0-9._-]`);
  const prune = options.prune ?? false;
  const server = await client.listEntries();

  const ownedById = new Map<string, ServerEntry>();
  const ownedByKey = new Map<string, ServerEntry[]>();
  const foreign = new Map<string, ServerEntry>();
  for (const e of server) {
    const key = entryKey(keyView(e));
    if (!isOwnedEntryId(ownerPrefix, e.id)) {
      foreign.set(key, e);
      continue;
    }
    ownedById.set(e.id, e);
    ownedByKey.set(key, [...(ownedByKey.get(key) ?? []), e]);
  }

  const creates: PlannedCreate[] = [];
  const updates: PlannedUpdate[] = [];
  const unchanged: PlannedUnchanged[] = [];
  const conflicts: PlannedConflict[] = [];
  const skipped: RegistrationEntry[] = [];
  const claimed = new Set<string>();
  const matched = (entry: RegistrationEntry, current: ServerEntry): void => {
    claimed.add(current.id);
    const changes = diffEntry(current, entry);
    if (changes.length === 0) unchanged.push({ id: current.id, entry });
    else updates.push({ id: current.id, entry, current, changes });
  };

  // The declared entries, once each (the same entry declared twice counts once).
  const pending: { entry: RegistrationEntry; key: string; id: string }[] = [];
  const declared = new Set<string>();
  for (const entry of entries) {
    if (entry.spiffeId === undefined || entry.parentId === undefined) {
      skipped.push(entry);
      continue;
    }
    const key = entryKey(entry);
    if (declared.has(key)) continue;
    declared.add(key);
    pending.push({ entry, key, id: ownedEntryId(ownerPrefix, entry) });
  }
  // 1. Its own ID, holding the same key: the usual case.
  const byKey: typeof pending = [];
  for (const d of pending) {
    const mine = ownedById.get(d.id);
    if (mine !== undefined && entryKey(keyView(mine)) === d.key) matched(d.entry, mine);
    else byKey.push(d);
  }
  // 2. An owned entry with the same key under another ID (e.g. made under an older hash).
  const byId: typeof pending = [];
  for (const d of byKey) {
    const mine = ownedByKey.get(d.key)?.find((e) => !claimed.has(e.id));
    if (mine !== undefined) matched(d.entry, mine);
    else byId.push(d);
  }
  // 3. A similar foreign entry: a conflict. Else its own ID edited on the server: drift, updated
  //    back. Else nothing: created.
  for (const d of byId) {
    const theirs = foreign.get(d.key);
    const drifted = ownedById.get(d.id);
    if (theirs !== undefined) conflicts.push({ entry: d.entry, current: theirs, reason: 'similar' });
    else if (drifted !== undefined && claimed.has(drifted.id)) conflicts.push({ entry: d.entry, current: drifted, reason: 'id-taken' });
    else if (drifted !== undefined) matched(d.entry, drifted);
    else creates.push({ id: d.id, entry: d.entry });
  }

  // Never delete what this plan creates or updates (or an entry whose ID a conflict needs).
  const kept = new Set<string>([...claimed, ...creates.map((c) => c.id)]);
  const stale: PlannedDelete[] = [];
  for (const e of ownedById.values()) if (!kept.has(e.id)) stale.push({ id: e.id, current: e });
  return { ownerPrefix, prune, creates, updates, deletes: prune ? stale : [], unchanged, conflicts, orphans: prune ? [] : stale, skipped };
}

function describeEntry(e: { spiffeId: string | undefined; parentId: string | undefined; selectors: readonly Selector[] }): string {
  return `${e.spiffeId ?? '?'} (parent ${e.parentId ?? '?'}; ${sortedSelectors(e.selectors).join(', ')})`;
}

/**
 * A readable diff of a plan: `+` creates, `~` updates (with each changed field), `-` deletes,
 * `!` conflicts, then a summary line.
 *
 * @example
 * ```ts
 * process.stdout.write(formatPlan(p));
 * // + spiffe://example.org/web (parent spiffe://example.org/agent; unix:uid:1000)  [spiffe-kit.3f1c…]
 * // Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged.
 * ```
 */
export function formatPlan(p: Plan): string {
  const lines: string[] = [];
  for (const c of p.creates) lines.push(`+ ${describeEntry(c.entry)}  [${c.id}]`);
  for (const u of p.updates) {
    lines.push(`~ ${describeEntry(u.entry)}  [${u.id}]`);
    for (const c of u.changes) lines.push(`    ${c.field}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`);
  }
  for (const d of p.deletes) lines.push(`- ${describeEntry(keyView(d.current))}  [${d.id}]`);
  for (const c of p.conflicts) {
    if (c.reason === 'similar') lines.push(`! ${describeEntry(c.entry)}: a similar entry ${c.current.id} exists and is not owned by this tool (prefix ${p.ownerPrefix}); left alone`);
    else lines.push(`! ${describeEntry(c.entry)}: its entry ID ${c.current.id} holds another declared entry (edited on the server into ${describeEntry(keyView(c.current))}); delete that entry and apply again`);
  }
  for (const o of p.orphans) lines.push(`  (owned entry ${o.id} for ${spiffeIdString(o.current.spiffe_id)} is no longer declared; --prune deletes it)`);
  for (const s of p.skipped) lines.push(`  (skipped ${s.name}: template entries are for ClusterSPIFFEID only)`);
  lines.push(`Plan: ${p.creates.length} to create, ${p.updates.length} to update, ${p.deletes.length} to delete, ${p.unchanged.length} unchanged${p.conflicts.length > 0 ? `, ${p.conflicts.length} in conflict` : ''}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The JSON form of a plan: IDs, SPIFFE IDs and changed fields, without the full server entries.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(planToJson(p), null, 2));
 * ```
 */
export function planToJson(p: Plan): Record<string, unknown> {
  const ref = (e: { spiffeId: string | undefined; parentId: string | undefined; selectors: readonly Selector[] }) => ({ spiffeId: e.spiffeId, parentId: e.parentId, selectors: sortedSelectors(e.selectors) });
  return {
    ownerPrefix: p.ownerPrefix,
    prune: p.prune,
    creates: p.creates.map((c) => ({ id: c.id, name: c.entry.name, ...ref(c.entry) })),
    updates: p.updates.map((u) => ({ id: u.id, name: u.entry.name, ...ref(u.entry), changes: u.changes })),
    deletes: p.deletes.map((d) => ({ id: d.id, ...ref(keyView(d.current)) })),
    unchanged: p.unchanged.map((u) => ({ id: u.id, name: u.entry.name, ...ref(u.entry) })),
    conflicts: p.conflicts.map((c) => ({ name: c.entry.name, ...ref(c.entry), existingId: c.current.id, reason: c.reason })),
    orphans: p.orphans.map((o) => ({ id: o.id, ...ref(keyView(o.current)) })),
    skipped: p.skipped.map((s) => s.name),
  };
}
