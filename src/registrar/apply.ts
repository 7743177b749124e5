/**
 * Applying a {@link Plan}: creates, then updates, then deletes, in batches, with the per-item
 * status of every entry. ALREADY_EXISTS on a create whose existing similar entry is owned (the
 * same `<prefix><32 hex>` rule as the plan, {@link isOwnedEntryId}) is success (a concurrent or
 * earlier run made it; it is updated if its fields differ). ALREADY_EXISTS without an entry is
 * SPIRE refusing a second entry with the same ID (pkg/server/datastore/sqlstore/sqlstore.go maps
 * the unique-constraint violation to AlreadyExists and createEntry in
 * pkg/server/api/entry/v1/service.go returns no entry then): the ID is held by an entry with
 * other values, edited since the plan was made, so it is a failure and the next plan updates it
 * back. NOT_FOUND on a delete is success (already gone). Running
 * the same plan twice, or planning and applying again, changes nothing the second time.
 *
 * @module
 */
import type { DeleteResults, EntryResults } from './entry-api.js';
import { type EntryMask, type EntryStatus, type ServerEntry, spiffeIdString } from './server-entry.js';
import { isOwnedEntryId } from './owner.js';
import { diffEntry, type Plan, type PlannedUpdate, toServerEntry, updateMask } from './plan.js';

/**
 * gRPC status codes SPIRE uses as per-item statuses.
 *
 * @example
 * ```ts
 * if (status.code === ItemStatus.ALREADY_EXISTS) console.log('exists');
 * ```
 */
export const ItemStatus = Object.freeze({ OK: 0, INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, INTERNAL: 13 } as const);

/**
 * What happened to one item: `created`, `exists` (ALREADY_EXISTS, owned), `updated`, `deleted`,
 * `gone` (NOT_FOUND on delete), or `failed`.
 *
 * @example
 * ```ts
 * const result = await apply(client, p);
 * console.log(`${result.counts.created} created, ${result.counts.failed} failed`);
 * for (const item of result.items) if (item.outcome === 'gone') console.log(`${item.id} was already deleted`);
 * ```
 */
export type ItemOutcomeKind = 'created' | 'exists' | 'updated' | 'deleted' | 'gone' | 'failed';

/**
 * The outcome of one create, update or delete.
 *
 * @example
 * ```ts
 * for (const o of result.items) console.log(o.action, o.id, o.outcome, o.status.message);
 * ```
 */
export interface ItemOutcome {
  readonly action: 'create' | 'update' | 'delete';
  /** The entry ID (for a create, the ID asked for; `entry.id` is what the server holds). */
  readonly id: string;
  readonly spiffeId: string;
  readonly outcome: ItemOutcomeKind;
  readonly status: EntryStatus;
  /** The entry the server returned; `undefined` when it returned none. */
  readonly entry: ServerEntry | undefined;
}

/**
 * The outcome of {@link apply}.
 *
 * @example
 * ```ts
 * const r = await apply(client, p);
 * if (!r.ok) for (const f of r.failures) console.error(f.spiffeId, f.status.message);
 * ```
 */
export interface ApplyResult {
  /** True when no item failed. */
  readonly ok: boolean;
  readonly items: readonly ItemOutcome[];
  readonly failures: readonly ItemOutcome[];
  readonly counts: Readonly<Record<ItemOutcomeKind, number>>;
}

/**
 * Options of {@link apply}.
 *
 * @example
 * ```ts
 * await apply(client, p, { batchSize: 20 });
 * ```
 */
export interface ApplyOptions {
  /** Entries per RPC (default 50). */
  readonly batchSize?: number | undefined;
}

/**
 * What {@link apply} needs of a client (an {@link EntryApiClient} has it).
 *
 * @example
 * ```ts
 * import { apply, EntryApiClient, plan } from 'spiffe-kit/registrar';
 * const client = new EntryApiClient({ address: 'unix:///tmp/spire-server/private/api.sock' }); // an EntryWriter
 * const result = await apply(client, await plan(client, registration));

 * ```
 */
export interface EntryWriter {
  batchCreate(entries: ServerEntry[]): Promise<EntryResults>;
  batchUpdate(entries: ServerEntry[], inputMask?: EntryMask): Promise<EntryResults>;
  batchDelete(ids: string[]): Promise<DeleteResults>;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function maskKey(mask: EntryMask): string {
  return Object.entries(mask)
    .filter(([, set]) => set)
    .map(([field]) => field)
    .sort()
    .join(',');
}

/**
 * The status of a batch result. SPIRE sets one on every result (pkg/server/api/entry/v1/service.go);
 * a result without one is not read as OK (the proto3 default code 0) but as a failure.
 */
function statusOf(r: { readonly status?: EntryStatus | undefined }): EntryStatus {
  return r.status ?? { code: ItemStatus.INTERNAL, message: 'the server sent a result without a status' };
}

const NO_RESULT = { status: { code: ItemStatus.INTERNAL, message: 'no result' }, entry: undefined } as const;

/**
 * Runs a plan against the server. RPC-level failures (server unreachable, permission denied)
 * throw an {@link EntryApiError}; per-item failures are in {@link ApplyResult.failures}.
 *
 * @param client - writes entries (an `EntryApiClient`).
 * @param p - the plan from `plan()`.
 * @param options - `batchSize` (entries per batch RPC, default 50).
 * @example
 * ```ts
 * const p = await plan(client, entries, { ownerPrefix: 'spiffe-kit.' });
 * const r = await apply(client, p, { batchSize: 50 });
 * console.log(r.counts);
 * ```
 */
export async function apply(client: EntryWriter, p: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 50));
  const items: ItemOutcome[] = [];
  const late: PlannedUpdate[] = [];

  for (const batch of chunks(p.creates, batchSize)) {
    const results = await client.batchCreate(batch.map((c) => toServerEntry(c.entry, c.id)));
    batch.forEach((c, i) => {
      const r = results[i] ?? NO_RESULT;
      const got = statusOf(r);
      let outcome: ItemOutcomeKind = 'failed';
      let status = got;
      if (got.code === ItemStatus.OK) outcome = 'created';
      else if (got.code === ItemStatus.ALREADY_EXISTS && r.entry !== undefined && isOwnedEntryId(p.ownerPrefix, r.entry.id)) outcome = 'exists';
      else if (got.code === ItemStatus.ALREADY_EXISTS && r.entry !== undefined) {
        status = { code: got.code, message: `${got.message}: entry ${r.entry.id} is not owned by this tool (prefix ${p.ownerPrefix})` };
      } else if (got.code === ItemStatus.ALREADY_EXISTS) {
        status = { code: got.code, message: `${got.message}: entry ID ${c.id} is held by an entry with other values (edited since the plan was made?); plan again to update it back` };
      }
      // SPIRE refuses an entry federating with a trust domain whose bundle it lacks
      // (sqlstore.go: "unable to find federated bundle"): say what to do.
      if (outcome === 'failed' && c.entry.federatesWith.length > 0 && status.message.includes('federated bundle')) {
        status = { code: status.code, message: `${status.message} (SPIRE needs the bundle of ${c.entry.federatesWith.join(', ')} before this entry can be created: a ClusterFederatedTrustDomain or federation relationship, or spire-server bundle set)` };
      }
      items.push({ action: 'create', id: c.id, spiffeId: c.entry.spiffeId ?? '', outcome, status, entry: r.entry });
      // An owned entry made meanwhile (another run) with other values: bring it to the declaration.
      if (outcome === 'exists' && r.entry !== undefined) {
        const changes = diffEntry(r.entry, c.entry);
        if (changes.length > 0) late.push({ id: r.entry.id, entry: c.entry, current: r.entry, changes });
      }
    });
  }

  // Updates are grouped by their input mask: one mask per RPC.
  const byMask = new Map<string, PlannedUpdate[]>();
  for (const u of [...p.updates, ...late]) {
    const key = maskKey(updateMask(u.changes));
    byMask.set(key, [...(byMask.get(key) ?? []), u]);
  }
  for (const group of byMask.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const mask = updateMask(first.changes);
    for (const batch of chunks(group, batchSize)) {
      const results = await client.batchUpdate(batch.map((u) => toServerEntry(u.entry, u.id)), mask);
      batch.forEach((u, i) => {
        const r = results[i] ?? NO_RESULT;
        const status = statusOf(r);
        items.push({ action: 'update', id: u.id, spiffeId: u.entry.spiffeId ?? '', outcome: status.code === ItemStatus.OK ? 'updated' : 'failed', status, entry: r.entry });
      });
    }
  }

  // Never delete what this apply creates or updates (a hand-made plan could list both).
  const kept = new Set([...p.creates.map((c) => c.id), ...p.updates.map((u) => u.id), ...late.map((u) => u.id)]);
  for (const d of p.deletes.filter((x) => kept.has(x.id))) {
    items.push({ action: 'delete', id: d.id, spiffeId: spiffeIdString(d.current.spiffe_id), outcome: 'failed', status: { code: ItemStatus.INVALID_ARGUMENT, message: 'not deleted: the same plan creates or updates this entry' }, entry: undefined });
  }
  for (const batch of chunks(p.deletes.filter((x) => !kept.has(x.id)), batchSize)) {
    const results = await client.batchDelete(batch.map((d) => d.id));
    batch.forEach((d, i) => {
      const status = statusOf(results[i] ?? NO_RESULT);
      const outcome: ItemOutcomeKind = status.code === ItemStatus.OK ? 'deleted' : status.code === ItemStatus.NOT_FOUND ? 'gone' : 'failed';
      items.push({ action: 'delete', id: d.id, spiffeId: spiffeIdString(d.current.spiffe_id), outcome, status, entry: undefined });
    });
  }

  const counts: Record<ItemOutcomeKind, number> = { created: 0, exists: 0, updated: 0, deleted: 0, gone: 0, failed: 0 };
  for (const it of items) counts[it.outcome] += 1;
  const failures = items.filter((it) => it.outcome === 'failed');
  return { ok: failures.length === 0, items, failures, counts };
}

/**
 * A readable report of an apply: one line per item, then the counts.
 *
 * @example
 * ```ts
 * process.stdout.write(formatApplyResult(await apply(client, p)));
 * ```
 */
export function formatApplyResult(r: ApplyResult): string {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines = r.items.map((it) => `${it.outcome === 'failed' ? '✗' : sign[it.action]} ${it.action} ${it.spiffeId} [${it.id}]: ${it.outcome}${it.outcome === 'failed' || it.outcome === 'exists' || it.outcome === 'gone' ? ` (${it.status.code} ${it.status.message})` : ''}`);
  const c = r.counts;
  lines.push(`Applied: ${c.created} created, ${c.exists} already existed, ${c.updated} updated, ${c.deleted} deleted, ${c.gone} already gone, ${c.failed} failed.`);
  return `${lines.join('\n')}\n`;
}
