import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply, formatApplyResult } from '../src/registrar/apply.js';
import { applyCommand, planCommand } from '../src/registrar/cli-apply.js';
import { checkDeclaredIdentities } from '../src/registrar/self-check.js';
import { EntryApiClient, EntryApiError, entryApiTarget } from '../src/registrar/entry-api.js';
import { BatchDeleteEntryResponse, BatchUpdateEntryRequest, ListEntriesResponse } from '../src/gen/spire/api/server/entry/v1/entry.js';
import { emptyEntryMask, emptyServerEntry, type ServerEntry, spiffeIdMessage, spiffeIdString } from '../src/registrar/server-entry.js';
import { ownedEntryId } from '../src/registrar/owner.js';
import { formatPlan, plan, planToJson, updateMask } from '../src/registrar/plan.js';
import type { RegistrationEntry } from '../src/registrar/types.js';
import type { X509TlsSource } from '../src/tls/source.js';
import { FakeEntryServer } from './helpers/fake-entry-server.js';
import { until } from './helpers/scratch.js';

const TD = 'example.org';
const PARENT = `spiffe://${TD}/test-agent`;

function reg(path: string, extra: Partial<RegistrationEntry> = {}): RegistrationEntry {
  return {
    name: path.replace(/\//g, '-'),
    spiffeId: `spiffe://${TD}/${path}`,
    spiffeIdTemplate: undefined,
    parentId: PARENT,
    selectors: [{ type: 'unix', value: 'uid:1000' }],
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    dnsNames: [],
    federatesWith: [],
    hint: '',
    admin: false,
    downstream: false,
    podSelector: undefined,
    namespaceSelector: undefined,
    ...extra,
  };
}

describe('Entry API messages (generated) against proto-loader', () => {
  const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));
  const def = protoLoader.loadSync('spire/api/server/entry/v1/entry.proto', { keepCase: true, longs: Number, defaults: true, includeDirs: [protoDir] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { spire: { api: { server: { entry: { v1: { Entry: { service: grpc.ServiceDefinition } } } } } } };
  const service = pkg.spire.api.server.entry.v1.Entry.service;

  const sample: ServerEntry = {
    ...emptyServerEntry(),
    id: 'spiffe-kit.abc',
    spiffe_id: spiffeIdMessage('spiffe://example.org/svc/a'),
    parent_id: spiffeIdMessage('spiffe://example.org/test-agent'),
    selectors: [{ type: 'unix', value: 'uid:1000' }, { type: 'unix', value: 'gid:0' }],
    x509_svid_ttl: 30,
    jwt_svid_ttl: 60,
    federates_with: ['td2.org'],
    dns_names: ['a.example.org'],
    admin: true,
    downstream: true,
    hint: 'internal',
    expires_at: 1_900_000_000,
    revision_number: 3,
    created_at: 1_700_000_000,
  };

  it('ListEntriesResponse: our bytes decode with proto-loader, and its bytes decode back to the same message', () => {
    const bytes = ListEntriesResponse.encode({ entries: [sample], next_page_token: 'p2' }).finish();
    const viaLoader = service['ListEntries']!.responseDeserialize(Buffer.from(bytes)) as { entries: Record<string, unknown>[]; next_page_token: string };
    expect(viaLoader.next_page_token).toBe('p2');
    expect(viaLoader.entries[0]).toMatchObject({
      id: 'spiffe-kit.abc',
      spiffe_id: { trust_domain: 'example.org', path: '/svc/a' },
      parent_id: { trust_domain: 'example.org', path: '/test-agent' },
      selectors: [{ type: 'unix', value: 'uid:1000' }, { type: 'unix', value: 'gid:0' }],
      x509_svid_ttl: 30,
      jwt_svid_ttl: 60,
      federates_with: ['td2.org'],
      dns_names: ['a.example.org'],
      admin: true,
      downstream: true,
      hint: 'internal',
      expires_at: 1_900_000_000,
      revision_number: 3,
      created_at: 1_700_000_000,
    });
    const oracleBytes = service['ListEntries']!.responseSerialize(viaLoader);
    expect(ListEntriesResponse.decode(oracleBytes)).toStrictEqual({ entries: [sample], next_page_token: 'p2' });
  });

  it('BatchUpdateEntryRequest: the input mask lands on field 2 with the Entry field numbers; no output mask is absent', () => {
    const bytes = BatchUpdateEntryRequest.encode({ entries: [sample], input_mask: updateMask([{ field: 'hint', from: '', to: 'x' }, { field: 'x509SvidTtl', from: 0, to: 1 }]), output_mask: undefined }).finish();
    const viaLoader = service['BatchUpdateEntry']!.requestDeserialize(Buffer.from(bytes)) as { input_mask: Record<string, boolean>; output_mask: unknown };
    expect(viaLoader.input_mask).toMatchObject({ hint: true, x509_svid_ttl: true, spiffe_id: false });
    expect(viaLoader.output_mask).toBeNull();
    expect(BatchUpdateEntryRequest.decode(bytes).input_mask).toStrictEqual({ ...emptyEntryMask(), hint: true, x509_svid_ttl: true });
    expect(BatchUpdateEntryRequest.decode(bytes).output_mask).toBeUndefined();
  });

  it('negative int64 values round-trip', () => {
    const bytes = ListEntriesResponse.encode({ entries: [{ ...sample, expires_at: -5 }], next_page_token: '' }).finish();
    expect(ListEntriesResponse.decode(bytes).entries[0]?.expires_at).toBe(-5);
  });
});

describe('EntryApiClient against a fake Entry API on a unix socket', () => {
  let fake: FakeEntryServer;
  let client: EntryApiClient;

  beforeEach(async () => {
    fake = await FakeEntryServer.start();
    client = new EntryApiClient({ address: fake.address, pageSize: 3, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    client.close();
    await fake.stop();
  });

  it('targets: unix URIs and paths are unix, host:port is TCP and needs an X509 source', () => {
    expect(entryApiTarget('unix:///tmp/a.sock')).toEqual({ target: 'unix:/tmp/a.sock', unix: true });
    expect(entryApiTarget('/tmp/a.sock')).toEqual({ target: 'unix:/tmp/a.sock', unix: true });
    expect(entryApiTarget('127.0.0.1:8081')).toEqual({ target: '127.0.0.1:8081', unix: false });
    expect(() => new EntryApiClient({ address: '127.0.0.1:8081' })).toThrow(expect.objectContaining({ code: 'ERR_ENTRY_API_ADDRESS' }));
    expect(() => entryApiTarget(' ')).toThrow(EntryApiError);
  });

  it('listEntries follows page tokens', async () => {
    for (let i = 0; i < 8; i++) fake.seed({ id: `e${i}`, spiffeId: `spiffe://${TD}/s${i}`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1' }] });
    const all = await client.listEntries();
    expect(all.map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']);
    expect(fake.calls.filter((c) => c.rpc === 'ListEntries')).toHaveLength(3);
  });

  it('a missing socket is ERR_ENTRY_API_UNAVAILABLE naming the socket', async () => {
    const c = new EntryApiClient({ address: `unix://${fake.socket}.missing`, timeoutMs: 2_000 });
    try {
      const err = await c.listEntries().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EntryApiError);
      expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', rpc: 'ListEntries' });
      expect((err as Error).message).toContain(`${fake.socket}.missing`);
    } finally {
      c.close();
    }
  });

  it('PERMISSION_DENIED from the server is ERR_ENTRY_API_PERMISSION_DENIED', async () => {
    fake.failRpc = { rpc: 'ListEntries', code: grpc.status.PERMISSION_DENIED, details: 'caller is not an admin' };
    await expect(client.listEntries()).rejects.toMatchObject({ code: 'ERR_ENTRY_API_PERMISSION_DENIED', grpcCode: grpc.status.PERMISSION_DENIED });
  });

  it('the status mapping: UNAUTHENTICATED is PERMISSION_DENIED, UNAVAILABLE is UNAVAILABLE, anything else CALL_FAILED; grpcCode and its name, the server message', async () => {
    const cases: Array<[grpc.status, string]> = [
      [grpc.status.UNAUTHENTICATED, 'ERR_ENTRY_API_PERMISSION_DENIED'],
      [grpc.status.UNAVAILABLE, 'ERR_ENTRY_API_UNAVAILABLE'],
      [grpc.status.DEADLINE_EXCEEDED, 'ERR_ENTRY_API_UNAVAILABLE'],
      [grpc.status.INVALID_ARGUMENT, 'ERR_ENTRY_API_CALL_FAILED'],
      [grpc.status.INTERNAL, 'ERR_ENTRY_API_CALL_FAILED'],
    ];
    for (const [code, want] of cases) {
      fake.failRpc = { rpc: 'BatchDeleteEntry', code, details: `injected ${code}` };
      const err = await client.batchDelete(['x']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EntryApiError);
      expect(err).toMatchObject({ code: want, grpcCode: code, grpcStatus: grpc.status[code], rpc: 'BatchDeleteEntry', address: fake.address });
      expect((err as Error).message).toContain(`injected ${code}`);
    }
  });

  it('TCP addresses must be host:port (IPv6 in brackets); a bad one is ERR_ENTRY_API_ADDRESS before any connection', async () => {
    // Never read here: the SVID and bundles are read when a connection opens.
    const source: X509TlsSource = {
      getX509Svid: () => {
        throw new Error('read too early');
      },
      getX509BundleForTrustDomain: () => undefined,
      bundles: () => [],
    };
    for (const address of ['spire-server', 'spire-server:', '127.0.0.1:0', '127.0.0.1:65536', '::1:8081', 'spire server:8081', 'dns:///spire-server:8081']) {
      expect(() => new EntryApiClient({ address, x509Source: source, trustDomain: TD }), address).toThrow(expect.objectContaining({ code: 'ERR_ENTRY_API_ADDRESS', address }));
    }
    for (const address of ['spire-server:8081', '127.0.0.1:8081', '[::1]:8081']) new EntryApiClient({ address, x509Source: source, trustDomain: TD }).close();
    // A source that cannot give an SVID when a connection opens: the call fails, typed, with the why.
    const c = new EntryApiClient({ address: '127.0.0.1:8081', x509Source: source, trustDomain: TD });
    try {
      await expect(c.listEntries()).rejects.toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', cause: expect.objectContaining({ message: 'read too early' }) });
    } finally {
      c.close();
    }
  });

  it('a server that never answers: the deadline ends the call as ERR_ENTRY_API_UNAVAILABLE with DEADLINE_EXCEEDED', async () => {
    fake.hangRpc = 'ListEntries';
    const c = new EntryApiClient({ address: fake.address, timeoutMs: 300 });
    try {
      const err = await c.listEntries().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', grpcCode: grpc.status.DEADLINE_EXCEEDED, rpc: 'ListEntries' });
      // The deadline was sent to the server too.
      expect(fake.calls).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it('close() rejects calls in flight and refuses later ones with ERR_ENTRY_API_CLOSED; idempotent', async () => {
    fake.hangRpc = 'ListEntries';
    const c = new EntryApiClient({ address: fake.address });
    const pending = c.listEntries().catch((e: unknown) => e);
    await until('the call reached the server', () => fake.calls.length === 1);
    c.close();
    c.close();
    expect(await pending).toMatchObject({ code: 'ERR_ENTRY_API_CLOSED', address: fake.address });
    const later = await c.batchDelete(['x']).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(EntryApiError);
    expect(later).toMatchObject({ code: 'ERR_ENTRY_API_CLOSED', rpc: 'BatchDeleteEntry', message: expect.stringContaining('closed') });
    expect(fake.calls).toHaveLength(1);
  });

  it('a malformed response (truncated, field 0, a tag over 32 bits, a length past its message) is an EntryApiError, and the client keeps working', async () => {
    const good = Buffer.from(ListEntriesResponse.encode({ entries: [{ ...emptyServerEntry(), id: 'a', spiffe_id: spiffeIdMessage(`spiffe://${TD}/a`) }], next_page_token: '' }).finish());
    const hostile = [good.subarray(0, good.length - 3), Buffer.from([0x00, 0x00]), Buffer.from([0x92, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x41]), Buffer.concat([Buffer.from([0x0a, 0x04, 0x12, 0x05, 0x0a, 0x01]), Buffer.from('tail')])];
    for (const bytes of hostile) {
      fake.respondRaw = { rpc: 'ListEntries', bytes };
      const err = await client.listEntries().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EntryApiError);
      expect(err).toMatchObject({ code: 'ERR_ENTRY_API_CALL_FAILED', rpc: 'ListEntries', grpcCode: grpc.status.INTERNAL, message: expect.stringContaining('parsing error') });
    }
    fake.respondRaw = { rpc: 'ListEntries', bytes: good };
    expect((await client.listEntries()).map((e) => [e.id, spiffeIdString(e.spiffe_id)])).toEqual([['a', `spiffe://${TD}/a`]]);
  });

  it('a batch result without a status is a failure, not OK', async () => {
    fake.respondRaw = { rpc: 'BatchDeleteEntry', bytes: Buffer.from(BatchDeleteEntryResponse.encode({ results: [{ status: undefined, id: 'x' }] }).finish()) };
    const results = await client.batchDelete(['x']);
    expect(results).toEqual([{ status: undefined, id: 'x' }]);
    const p = { ownerPrefix: 'spiffe-kit.', prune: true, creates: [], updates: [], deletes: [{ id: 'x', current: emptyServerEntry() }], unchanged: [], conflicts: [], orphans: [], skipped: [] };
    const r = await apply(client, p);
    expect(r.items.map((i) => [i.outcome, i.status.code, i.status.message])).toEqual([['failed', 13, 'the server sent a result without a status']]);
  });
});

describe('plan and apply against the fake Entry API', () => {
  let fake: FakeEntryServer;
  let client: EntryApiClient;
  const OWNER = 'spiffe-kit.';

  beforeEach(async () => {
    fake = await FakeEntryServer.start();
    client = new EntryApiClient({ address: fake.address, pageSize: 2 });
  });
  afterEach(async () => {
    client.close();
    await fake.stop();
  });

  it('creates with stable owned IDs, then has nothing to do', async () => {
    const entries = [reg('svc/a'), reg('svc/b', { x509SvidTtl: 60, hint: 'h' })];
    const p1 = await plan(client, entries, { ownerPrefix: OWNER });
    expect(p1.creates.map((c) => c.id)).toEqual(entries.map((e) => ownedEntryId(OWNER, e)));
    expect(p1.creates.every((c) => /^spiffe-kit\.[0-9a-f]{32}$/.test(c.id))).toBe(true);
    expect(formatPlan(p1)).toMatch(/^\+ spiffe:\/\/example\.org\/svc\/a .*\n\+ spiffe:\/\/example\.org\/svc\/b .*\nPlan: 2 to create, 0 to update, 0 to delete, 0 unchanged\.\n$/);
    const r1 = await apply(client, p1);
    expect(r1.ok).toBe(true);
    expect(r1.counts.created).toBe(2);
    expect([...fake.entries.keys()].sort()).toEqual(p1.creates.map((c) => c.id).sort());

    const p2 = await plan(client, entries, { ownerPrefix: OWNER });
    expect(p2.creates.length + p2.updates.length + p2.deletes.length).toBe(0);
    expect(p2.unchanged).toHaveLength(2);
    const before = fake.calls.length;
    const r2 = await apply(client, p2);
    expect(r2.items).toHaveLength(0);
    expect(fake.calls.length).toBe(before);
  });

  it('selector order does not matter for matching', async () => {
    const sels = [{ type: 'unix', value: 'uid:1000' }, { type: 'unix', value: 'gid:5' }];
    await apply(client, await plan(client, [reg('svc/a', { selectors: sels })], { ownerPrefix: OWNER }));
    const p = await plan(client, [reg('svc/a', { selectors: [...sels].reverse() })], { ownerPrefix: OWNER });
    expect(p.unchanged).toHaveLength(1);
  });

  it('an edited declaration updates in place with a mask of the changed fields', async () => {
    await apply(client, await plan(client, [reg('svc/a')], { ownerPrefix: OWNER }));
    const [id] = [...fake.entries.keys()];
    const edited = reg('svc/a', { x509SvidTtl: 120, hint: 'new', dnsNames: ['a.example.org'], federatesWith: ['td2.org'], admin: true });
    const p = await plan(client, [edited], { ownerPrefix: OWNER });
    expect(p.updates).toHaveLength(1);
    expect(p.updates[0]?.id).toBe(id);
    expect(p.updates[0]?.changes.map((c) => c.field).sort()).toEqual(['admin', 'dnsNames', 'federatesWith', 'hint', 'x509SvidTtl']);
    expect(formatPlan(p)).toContain('    hint: "" -> "new"');
    const r = await apply(client, p);
    expect(r.counts.updated).toBe(1);
    expect(fake.entries.get(id!)).toMatchObject({ id, x509_svid_ttl: 120, hint: 'new', dns_names: ['a.example.org'], federates_with: ['td2.org'], admin: true, revision_number: 1 });
    expect((await plan(client, [edited], { ownerPrefix: OWNER })).unchanged).toHaveLength(1);
  });

  it('a declared TTL of 0 (server default) reverts an explicit TTL', async () => {
    fake.seed({ id: `${OWNER}${'a'.repeat(32)}`, spiffeId: `spiffe://${TD}/svc/a`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }], x509_svid_ttl: 3600, jwt_svid_ttl: 300 });
    const p = await plan(client, [reg('svc/a')], { ownerPrefix: OWNER });
    expect(p.updates[0]?.changes).toEqual([{ field: 'x509SvidTtl', from: 3600, to: 0 }, { field: 'jwtSvidTtl', from: 300, to: 0 }]);
    await apply(client, p);
    expect(fake.entries.get(`${OWNER}${'a'.repeat(32)}`)).toMatchObject({ x509_svid_ttl: 0, jwt_svid_ttl: 0 });
  });

  it("takes a whole Registration and uses its ownerPrefix unless the options override it", async () => {
    const registration = { trustDomain: TD, ownerPrefix: 'orders.', entries: [reg('svc/r')] };
    const p = await plan(client, registration);
    expect(p.ownerPrefix).toBe('orders.');
    expect(p.creates[0]?.id).toMatch(/^orders\.[0-9a-f]{32}$/);
    expect((await plan(client, registration, { ownerPrefix: OWNER })).creates[0]?.id.startsWith(OWNER)).toBe(true);
  });

  it('owns only IDs of the exact <prefix><32 hex> form: a longer prefix of another tool is foreign', async () => {
    const nested = fake.seed({ id: `${OWNER}team.${'b'.repeat(32)}`, spiffeId: `spiffe://${TD}/svc/n`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:7' }] });
    const odd = fake.seed({ id: `${OWNER}not-a-hash`, spiffeId: `spiffe://${TD}/svc/o`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:8' }] });
    const p = await plan(client, [], { ownerPrefix: OWNER, prune: true });
    expect(p.deletes).toEqual([]);
    await apply(client, p);
    expect(fake.entries.get(nested.id)).toEqual(nested);
    expect(fake.entries.get(odd.id)).toEqual(odd);
  });

  it('a similar entry owned by others is a conflict, never modified; others are never deleted', async () => {
    const theirs = fake.seed({ id: 'hand-made', spiffeId: `spiffe://${TD}/svc/a`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }], hint: 'theirs' });
    const unrelated = fake.seed({ id: 'other-tool.1', spiffeId: `spiffe://${TD}/svc/z`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:2' }] });
    const p = await plan(client, [reg('svc/a', { hint: 'mine' })], { ownerPrefix: OWNER, prune: true });
    expect(p.conflicts).toHaveLength(1);
    expect(p.creates.length + p.updates.length + p.deletes.length).toBe(0);
    expect(formatPlan(p)).toContain('! spiffe://example.org/svc/a');
    expect(planToJson(p)).toMatchObject({ conflicts: [{ existingId: 'hand-made' }] });
    await apply(client, p);
    expect(fake.entries.get('hand-made')).toEqual(theirs);
    expect(fake.entries.get('other-tool.1')).toEqual(unrelated);
  });

  it('prune deletes only owned, undeclared entries; without prune they are orphans', async () => {
    await apply(client, await plan(client, [reg('svc/a'), reg('svc/b')], { ownerPrefix: OWNER }));
    fake.seed({ id: 'foreign', spiffeId: `spiffe://${TD}/svc/c`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1' }] });
    const keep = await plan(client, [reg('svc/a')], { ownerPrefix: OWNER });
    expect(keep.deletes).toHaveLength(0);
    expect(keep.orphans.map((o) => spiffeIdString(o.current.spiffe_id))).toEqual([`spiffe://${TD}/svc/b`]);
    expect(formatPlan(keep)).toContain('--prune deletes it');
    const pruned = await plan(client, [reg('svc/a')], { ownerPrefix: OWNER, prune: true });
    expect(pruned.deletes.map((d) => spiffeIdString(d.current.spiffe_id))).toEqual([`spiffe://${TD}/svc/b`]);
    const r = await apply(client, pruned);
    expect(r.counts.deleted).toBe(1);
    expect([...fake.entries.values()].map((e) => spiffeIdString(e.spiffe_id)).sort()).toEqual([`spiffe://${TD}/svc/a`, `spiffe://${TD}/svc/c`]);
    // The same delete again: NOT_FOUND is fine.
    const again = await apply(client, pruned);
    expect(again.ok).toBe(true);
    expect(again.counts.gone).toBe(1);
  });

  it('a different owner prefix sees our entries as foreign', async () => {
    await apply(client, await plan(client, [reg('svc/a')], { ownerPrefix: OWNER }));
    const p = await plan(client, [reg('svc/b')], { ownerPrefix: 'team-b.', prune: true });
    expect(p.deletes).toHaveLength(0);
    expect(p.creates[0]?.id.startsWith('team-b.')).toBe(true);
    await expect(plan(client, [], { ownerPrefix: 'bad prefix' })).rejects.toThrow(RangeError);
  });

  it('batches by batchSize, reports per-item failures, ALREADY_EXISTS for an owned entry is success', async () => {
    const entries = Array.from({ length: 7 }, (_, i) => reg(`svc/n${i}`));
    const p = await plan(client, entries, { ownerPrefix: OWNER });
    // A concurrent run created n0 already; n3 is refused by the server.
    fake.seed({ id: p.creates[0]!.id, spiffeId: entries[0]!.spiffeId!, parentId: PARENT, selectors: entries[0]!.selectors.slice() });
    fake.failures.set(entries[3]!.spiffeId!, { code: 3, message: 'failed to convert entry: bad' });
    const r = await apply(client, p, { batchSize: 3 });
    expect(fake.calls.filter((c) => c.rpc === 'BatchCreateEntry').map((c) => c.items)).toEqual([3, 3, 1]);
    expect(r.ok).toBe(false);
    expect(r.counts).toMatchObject({ created: 5, exists: 1, failed: 1 });
    expect(r.failures[0]).toMatchObject({ action: 'create', spiffeId: entries[3]!.spiffeId, status: { code: 3 } });
    expect(formatApplyResult(r)).toContain('1 failed');
    // Run again: only the failed one is left.
    fake.failures.clear();
    const p2 = await plan(client, entries, { ownerPrefix: OWNER });
    expect(p2.creates.map((c) => c.entry.spiffeId)).toEqual([entries[3]!.spiffeId]);
    expect((await apply(client, p2)).ok).toBe(true);
  });

  it('ALREADY_EXISTS with an owned entry that differs: it is updated in the same apply', async () => {
    const p = await plan(client, [reg('svc/a', { hint: 'declared' })], { ownerPrefix: OWNER });
    fake.seed({ id: p.creates[0]!.id, spiffeId: `spiffe://${TD}/svc/a`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }], hint: 'stale' });
    const r = await apply(client, p);
    expect(r.ok).toBe(true);
    expect(r.items.map((i) => [i.action, i.outcome])).toEqual([['create', 'exists'], ['update', 'updated']]);
    expect(fake.entries.get(p.creates[0]!.id)?.hint).toBe('declared');
  });

  it('ALREADY_EXISTS with an entry not owned (a race with another tool) is a failure', async () => {
    const p = await plan(client, [reg('svc/a')], { ownerPrefix: OWNER });
    fake.seed({ id: 'someone-else', spiffeId: `spiffe://${TD}/svc/a`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }] });
    const r = await apply(client, p);
    expect(r.ok).toBe(false);
    expect(r.failures[0]?.status.message).toContain('someone-else');
  });

  it('an update of an entry deleted meanwhile is a NOT_FOUND failure', async () => {
    await apply(client, await plan(client, [reg('svc/a')], { ownerPrefix: OWNER }));
    const p = await plan(client, [reg('svc/a', { hint: 'x' })], { ownerPrefix: OWNER });
    fake.entries.clear();
    const r = await apply(client, p);
    expect(r.failures).toMatchObject([{ action: 'update', outcome: 'failed', status: { code: 5 } }]);
  });

  it('drift: an owned entry whose selectors were edited on the server is updated back, never pruned', async () => {
    const declared = [reg('svc/a', { selectors: [{ type: 'unix', value: 'uid:1000' }, { type: 'unix', value: 'gid:5' }] }), reg('svc/b')];
    await apply(client, await plan(client, declared, { ownerPrefix: OWNER }));
    const id = ownedEntryId(OWNER, declared[0]!);
    // An operator edits the entry on the server (spire-server entry update -entryID … -selector …).
    fake.entries.set(id, { ...fake.entries.get(id)!, selectors: [{ type: 'unix', value: 'uid:0' }] });
    for (const prune of [false, true]) {
      const p = await plan(client, declared, { ownerPrefix: OWNER, prune });
      expect(p.creates).toEqual([]);
      expect(p.deletes).toEqual([]);
      expect(p.orphans).toEqual([]);
      expect(p.updates.map((u) => [u.id, u.changes])).toEqual([[id, [{ field: 'selectors', from: ['unix:uid:0'], to: ['unix:gid:5', 'unix:uid:1000'] }]]]);
      expect(formatPlan(p)).toContain('    selectors: ["unix:uid:0"] -> ["unix:gid:5","unix:uid:1000"]');
    }
    const r = await apply(client, await plan(client, declared, { ownerPrefix: OWNER, prune: true }));
    expect(r.ok).toBe(true);
    expect(r.counts).toMatchObject({ updated: 1, deleted: 0, created: 0 });
    expect(fake.entries.get(id)?.selectors).toEqual(declared[0]!.selectors);
    expect((await plan(client, declared, { ownerPrefix: OWNER, prune: true })).unchanged).toHaveLength(2);
  });

  it('drift in every field (SPIFFE ID, parent, selectors, TTLs, DNS names, federation, hint, flags, storeSvid, expiry) is updated back with a full mask', async () => {
    const entry = reg('svc/a', { x509SvidTtl: 600, dnsNames: ['a.example.org'], hint: 'h' });
    await apply(client, await plan(client, [entry], { ownerPrefix: OWNER }));
    const id = ownedEntryId(OWNER, entry);
    fake.entries.set(id, { ...fake.entries.get(id)!, spiffe_id: spiffeIdMessage(`spiffe://${TD}/svc/evil`), parent_id: spiffeIdMessage(`spiffe://${TD}/other-agent`), selectors: [{ type: 'unix', value: 'uid:0' }], x509_svid_ttl: 1, jwt_svid_ttl: 2, dns_names: ['evil.example.org'], federates_with: ['evil.org'], hint: 'x', admin: true, downstream: true, store_svid: true, expires_at: 1_700_000_000 });
    const p = await plan(client, [entry], { ownerPrefix: OWNER, prune: true });
    expect(p.deletes).toEqual([]);
    expect(p.updates[0]?.changes.map((c) => c.field)).toEqual(['spiffeId', 'parentId', 'selectors', 'x509SvidTtl', 'jwtSvidTtl', 'dnsNames', 'federatesWith', 'hint', 'admin', 'downstream', 'storeSvid', 'expiresAt']);
    expect((await apply(client, p)).ok).toBe(true);
    expect(fake.entries.get(id)).toMatchObject({ spiffe_id: spiffeIdMessage(entry.spiffeId!), parent_id: spiffeIdMessage(PARENT), selectors: entry.selectors, x509_svid_ttl: 600, jwt_svid_ttl: 0, dns_names: ['a.example.org'], federates_with: [], hint: 'h', admin: false, downstream: false, store_svid: false, expires_at: 0 });
    expect((await plan(client, [entry], { ownerPrefix: OWNER })).unchanged).toHaveLength(1);
  });

  it('a stale plan: the create of an ID held by an edited entry is a failure (not "exists"), and the same plan does not prune it', async () => {
    const entry = reg('svc/a');
    const id = ownedEntryId(OWNER, entry);
    // Planned before the entry existed; meanwhile an entry with that ID but other selectors appeared.
    const p = await plan(client, [entry], { ownerPrefix: OWNER });
    fake.seed({ id, spiffeId: entry.spiffeId!, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:0' }] });
    const hand = { ...p, deletes: [{ id, current: fake.entries.get(id)! }] };
    const r = await apply(client, hand);
    expect(r.ok).toBe(false);
    expect(r.items.map((i) => [i.action, i.outcome])).toEqual([['create', 'failed'], ['delete', 'failed']]);
    expect(r.failures[0]?.status.message).toContain(`entry ID ${id} is held by an entry with other values`);
    expect(r.failures[1]?.status.message).toContain('the same plan creates or updates this entry');
    expect(fake.entries.has(id)).toBe(true);
    // Planning again finds it by its ID and updates it back.
    const p2 = await plan(client, [entry], { ownerPrefix: OWNER, prune: true });
    expect(p2.updates.map((u) => u.id)).toEqual([id]);
    expect((await apply(client, p2)).ok).toBe(true);
    expect(fake.entries.get(id)?.selectors).toEqual(entry.selectors);
  });

  it('ALREADY_EXISTS naming a similar entry under a longer prefix of another tool is a failure (the plan ownership rule, not a bare prefix)', async () => {
    const p = await plan(client, [reg('svc/a')], { ownerPrefix: OWNER });
    const other = fake.seed({ id: `${OWNER}team.${'c'.repeat(32)}`, spiffeId: `spiffe://${TD}/svc/a`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }] });
    const r = await apply(client, { ...p, prune: true });
    expect(r.ok).toBe(false);
    expect(r.items.map((i) => [i.action, i.outcome])).toEqual([['create', 'failed']]);
    expect(r.failures[0]?.status.message).toContain(`entry ${other.id} is not owned by this tool`);
    expect(fake.entries.get(other.id)).toEqual(other);
  });

  it('an owned entry edited into a copy of another declared entry: that one keeps it, the other is an id-taken conflict, nothing is deleted', async () => {
    const a = reg('svc/a');
    const b = reg('svc/b', { selectors: [{ type: 'unix', value: 'uid:2000' }] });
    await apply(client, await plan(client, [a], { ownerPrefix: OWNER }));
    const idA = ownedEntryId(OWNER, a);
    fake.entries.set(idA, { ...fake.entries.get(idA)!, spiffe_id: spiffeIdMessage(b.spiffeId!), selectors: b.selectors.slice() });
    const p = await plan(client, [a, b], { ownerPrefix: OWNER, prune: true });
    expect(p.unchanged.map((u) => [u.id, u.entry.name])).toEqual([[idA, b.name]]);
    expect(p.conflicts.map((c) => [c.entry.name, c.reason, c.current.id])).toEqual([[a.name, 'id-taken', idA]]);
    expect(p.creates).toEqual([]);
    expect(p.deletes).toEqual([]);
    expect(formatPlan(p)).toContain(`its entry ID ${idA} holds another declared entry`);
    expect(planToJson(p)).toMatchObject({ conflicts: [{ reason: 'id-taken', existingId: idA }] });
  });

  it('an owned entry at its own ID wins over an edited duplicate: the duplicate is pruned, never the right one', async () => {
    const a = reg('svc/a');
    const b = reg('svc/b', { selectors: [{ type: 'unix', value: 'uid:2000' }] });
    await apply(client, await plan(client, [a, b], { ownerPrefix: OWNER }));
    const idA = ownedEntryId(OWNER, a);
    const idB = ownedEntryId(OWNER, b);
    // A edited into a copy of B, and A no longer declared.
    fake.entries.set(idA, { ...fake.entries.get(idA)!, spiffe_id: spiffeIdMessage(b.spiffeId!), selectors: b.selectors.slice() });
    const p = await plan(client, [b], { ownerPrefix: OWNER, prune: true });
    expect(p.unchanged.map((u) => u.id)).toEqual([idB]);
    expect(p.deletes.map((d) => d.id)).toEqual([idA]);
  });

  it('template entries are skipped', async () => {
    const p = await plan(client, [reg('svc/a', { spiffeId: undefined, spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/x', parentId: undefined, name: 'tpl' })], { ownerPrefix: OWNER });
    expect(p.skipped.map((s) => s.name)).toEqual(['tpl']);
    expect(p.creates).toHaveLength(0);
  });
});

describe('spiffe registrar plan | apply (cli-apply)', () => {
  let fake: FakeEntryServer;
  let out: string[];
  let err: string[];
  const io = () => ({ stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), env: { SPIRE_SERVER_SOCKET: fake.socket } });
  const load = (entries: RegistrationEntry[]) => async () => entries;

  beforeEach(async () => {
    fake = await FakeEntryServer.start();
    out = [];
    err = [];
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('plan prints the diff and exits 0; --json gives the JSON form', async () => {
    expect(await planCommand([], io(), load([reg('svc/a')]))).toBe(0);
    expect(out.join('')).toMatch(/^\+ spiffe:\/\/example\.org\/svc\/a .*\nPlan: 1 to create/);
    out = [];
    expect(await planCommand(['--json', '--server-socket', fake.address, '--owner-prefix', 'team.'], io(), load([reg('svc/a')]))).toBe(0);
    const json = JSON.parse(out.join('')) as { ownerPrefix: string; creates: { id: string }[] };
    expect(json.ownerPrefix).toBe('team.');
    expect(json.creates[0]?.id.startsWith('team.')).toBe(true);
    expect(fake.entries.size).toBe(0);
  });

  it('apply without --yes prints the plan, changes nothing and exits 1; with --yes applies; again: nothing to do', async () => {
    expect(await applyCommand([], io(), load([reg('svc/a')]))).toBe(1);
    expect(err.join('')).toContain('--yes');
    expect(fake.entries.size).toBe(0);
    out = [];
    expect(await applyCommand(['--yes'], io(), load([reg('svc/a')]))).toBe(0);
    expect(out.join('')).toContain('Applied: 1 created');
    expect(fake.entries.size).toBe(1);
    out = [];
    expect(await applyCommand([], io(), load([reg('svc/a')]))).toBe(0);
    expect(out.join('')).toContain('Nothing to do.');
  });

  it('apply --prune --yes --json reports items; failed items and conflicts exit 1', async () => {
    await applyCommand(['--yes'], io(), load([reg('svc/a'), reg('svc/b')]));
    fake.seed({ id: 'theirs', spiffeId: `spiffe://${TD}/svc/c`, parentId: PARENT, selectors: [{ type: 'unix', value: 'uid:1000' }] });
    out = [];
    expect(await applyCommand(['--prune', '--yes', '--json'], io(), load([reg('svc/a')]))).toBe(0);
    const json = JSON.parse(out.join('')) as { applied: boolean; result: { counts: { deleted: number } } };
    expect(json.applied).toBe(true);
    expect(json.result.counts.deleted).toBe(1);
    expect(await applyCommand(['--yes'], io(), load([reg('svc/a'), reg('svc/c')]))).toBe(1);
    expect(err.join('')).toContain('theirs');
    expect(await planCommand([], io(), load([reg('svc/c')]))).toBe(1);
    fake.failures.set(`spiffe://${TD}/svc/d`, { code: 13, message: 'datastore error' });
    err = [];
    expect(await applyCommand(['--yes'], io(), load([reg('svc/d')]))).toBe(1);
    expect(out.join('')).toContain('datastore error');
  });

  it('usage errors: unknown flag, no socket, bad prefix or batch size, --yes on plan', async () => {
    const noEnv = { stdout: () => undefined, stderr: () => undefined, env: {} };
    await expect(planCommand(['--nope'], io(), load([]))).rejects.toThrow(/nope/);
    await expect(planCommand([], noEnv, load([]))).rejects.toThrow(/SPIRE_SERVER_SOCKET/);
    await expect(planCommand(['--owner-prefix', 'a b'], io(), load([]))).rejects.toThrow(/owner-prefix/);
    await expect(applyCommand(['--batch-size', '0'], io(), load([]))).rejects.toThrow(/batch-size/);
    await expect(planCommand(['--yes'], io(), load([]))).rejects.toThrow(/--yes is for apply/);
    await expect(planCommand(['--server-address', '127.0.0.1:1', '--server-socket', '/x'], io(), load([]))).rejects.toThrow(/not both/);
    await expect(planCommand(['--admin-id', `spiffe://${TD}/admin`], io(), load([]))).rejects.toThrow(/go with --server-address/);
    await expect(planCommand(['--server-address', '127.0.0.1:1'], noEnv, load([]))).rejects.toThrow(/--socket/);
    await expect(planCommand([], io(), load([]))).resolves.toBe(0);
  });

  it('an unreachable server is an EntryApiError naming the socket', async () => {
    await expect(planCommand(['--server-socket', `${fake.socket}.gone`], io(), load([reg('svc/a')]))).rejects.toMatchObject({ code: 'ERR_ENTRY_API_UNAVAILABLE', message: expect.stringContaining(`${fake.socket}.gone`) });
  });
});

describe('checkDeclaredIdentities', () => {
  const svid = (id: string, hint?: string) => ({ id: { toString: () => id }, hint });

  it('all present (a declared empty hint matches any hint)', () => {
    const r = checkDeclaredIdentities({ getX509Svids: () => [svid(`spiffe://${TD}/svc/a`, 'x'), svid(`spiffe://${TD}/svc/b`, 'b')] }, [reg('svc/a'), reg('svc/b', { hint: 'b' })]);
    expect(r.ok).toBe(true);
    expect(r.message).toBe('All 2 declared identities are served by the Workload API.');
  });

  it('missing IDs and wrong hints are named; undeclared IDs are listed', () => {
    const r = checkDeclaredIdentities({ getX509Svids: () => [svid(`spiffe://${TD}/svc/a`, 'old'), svid(`spiffe://${TD}/svc/z`)] }, [reg('svc/a', { hint: 'new' }), reg('svc/b')]);
    expect(r.ok).toBe(false);
    expect(r.missing.map((m) => m.spiffeId)).toEqual([`spiffe://${TD}/svc/a`, `spiffe://${TD}/svc/b`]);
    expect(r.undeclared).toEqual([`spiffe://${TD}/svc/z`]);
    expect(r.message).toContain('2 of 2 declared identities are missing');
    expect(r.message).toContain('served with hint "old" instead');
    expect(r.message).toContain('svc/b: not served');
  });

  it('nothing served', () => {
    const r = checkDeclaredIdentities({ getX509Svids: () => [] }, [reg('svc/a')]);
    expect(r.message).toContain('serves no X509-SVID');
  });
});
