// The generated SPIRE Server Entry API messages (src/gen/spire/api/, ts-proto output patched by
// scripts/gen.mjs) against SPIRE's own Go types (github.com/spiffe/spire-api-sdk at the version
// SPIRE v1.15.3 requires, through the `entry-proto` command of test/registrar-oracle): the same
// bytes out of both encoders, each side reading the other's bytes back to the same message, and on
// hostile bytes a refusal wherever Go refuses (an Error, never a hang or a read outside the bytes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BatchCreateEntryRequest,
  BatchCreateEntryResponse,
  BatchDeleteEntryRequest,
  BatchDeleteEntryResponse,
  BatchUpdateEntryRequest,
  BatchUpdateEntryResponse,
  ListEntriesRequest,
  ListEntriesResponse,
} from '../src/gen/spire/api/server/entry/v1/entry.js';
import { SelectorMatch_MatchBehavior } from '../src/gen/spire/api/types/selector.js';
import { FederatesWithMatch_MatchBehavior } from '../src/gen/spire/api/types/federateswith.js';
import { ProtoWireFormatError } from '../src/internal/proto-wire.js';
import { emptyEntryMask, emptyServerEntry, type ServerEntry, spiffeIdMessage, spiffeIdString } from '../src/registrar/server-entry.js';
import { oracle } from './helpers/registrar-oracle.js';

interface Fns {
  encode(m: never): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}
const MESSAGES: Record<Name, Fns> = {
  ListEntriesRequest,
  ListEntriesResponse,
  BatchCreateEntryRequest,
  BatchCreateEntryResponse,
  BatchUpdateEntryRequest,
  BatchUpdateEntryResponse,
  BatchDeleteEntryRequest,
  BatchDeleteEntryResponse,
};
type Name = 'ListEntriesRequest' | 'ListEntriesResponse' | 'BatchCreateEntryRequest' | 'BatchCreateEntryResponse' | 'BatchUpdateEntryRequest' | 'BatchUpdateEntryResponse' | 'BatchDeleteEntryRequest' | 'BatchDeleteEntryResponse';

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (field: number, wt: number): Buffer => varint((field << 3) | wt);
const ld = (field: number, body: Buffer): Buffer => Buffer.concat([tag(field, 2), varint(body.length), body]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const encode = (name: Name, m: unknown): Buffer => Buffer.from(MESSAGES[name].encode(m as never).finish());
const decode = (name: Name, b: Uint8Array): unknown => MESSAGES[name].decode(b);

interface GoResult {
  readonly hex?: string;
  readonly json?: unknown;
  readonly error?: string;
}
/** Go's encoding of each message (from its JSON, proto field names). */
const goEncode = (cases: readonly { message: Name; value: unknown }[]): Promise<GoResult[]> => oracle<GoResult[]>('entry-proto', [], cases.map((c) => ({ message: c.message, json: c.value })));
/** Go's reading of each byte string (proto.Unmarshal, then proto.Marshal again). */
const goDecode = (cases: readonly { message: Name; bytes: Uint8Array }[]): Promise<GoResult[]> => oracle<GoResult[]>('entry-proto', [], cases.map((c) => ({ message: c.message, hex: hex(c.bytes) })));

const entry = (i: number, extra: Partial<ServerEntry> = {}): ServerEntry => ({
  ...emptyServerEntry(),
  id: `spiffe-kit.${String(i).padStart(32, '0')}`,
  spiffe_id: spiffeIdMessage(`spiffe://example.org/ns/shop/sa/w${i}`),
  parent_id: spiffeIdMessage('spiffe://example.org/spire/agent/k8s_psat/prod/node-1'),
  selectors: [
    { type: 'k8s', value: 'ns:shop' },
    { type: 'k8s', value: `sa:w${i}` },
  ],
  x509_svid_ttl: 3600,
  jwt_svid_ttl: 300,
  federates_with: ['partner.test', 'spiffe://other.test'],
  dns_names: [`w${i}.shop.svc`, 'é.example.org'],
  hint: 'internal',
  admin: i % 2 === 0,
  downstream: i % 3 === 0,
  store_svid: i % 5 === 0,
  expires_at: -5,
  revision_number: 2 ** 40 + i,
  created_at: 1_780_000_000 + i,
  ...extra,
});

const ok = { code: 0, message: 'OK' };
const GOLDEN: readonly { message: Name; value: unknown }[] = [
  { message: 'ListEntriesResponse', value: { entries: [entry(1), entry(2, { additional_attributes: { disable_x509_svid_prefetch: true, jwt_svid_include_jti: false } }), emptyServerEntry()], next_page_token: 'p2' } },
  { message: 'ListEntriesResponse', value: { entries: [], next_page_token: '' } },
  {
    message: 'ListEntriesRequest',
    value: {
      filter: {
        by_spiffe_id: spiffeIdMessage('spiffe://example.org/web'),
        by_parent_id: undefined,
        by_selectors: { selectors: [{ type: 'unix', value: 'uid:0' }], match: SelectorMatch_MatchBehavior.MATCH_SUPERSET },
        by_federates_with: { trust_domains: ['a.test'], match: FederatesWithMatch_MatchBehavior.MATCH_ANY },
        // A wrapper holding the default value is still present on the wire.
        by_hint: '',
        by_downstream: false,
      },
      output_mask: { ...emptyEntryMask(), hint: true, created_at: true, additional_attributes: true },
      page_size: 500,
      page_token: 'token',
    },
  },
  { message: 'ListEntriesRequest', value: { filter: undefined, output_mask: emptyEntryMask(), page_size: 0, page_token: '' } },
  { message: 'BatchCreateEntryRequest', value: { entries: [entry(3), { ...entry(4), id: '' }], output_mask: undefined } },
  { message: 'BatchCreateEntryResponse', value: { results: [{ status: ok, entry: entry(3) }, { status: { code: 6, message: 'similar entry already exists' }, entry: entry(5) }, { status: { code: 3, message: 'failed to convert entry: x' }, entry: undefined }] } },
  { message: 'BatchUpdateEntryRequest', value: { entries: [entry(6)], input_mask: { ...emptyEntryMask(), hint: true, x509_svid_ttl: true, spiffe_id: true }, output_mask: { ...emptyEntryMask(), revision_number: true } } },
  { message: 'BatchUpdateEntryResponse', value: { results: [{ status: ok, entry: entry(6) }, { status: { code: 5, message: 'entry not found' }, entry: undefined }] } },
  { message: 'BatchDeleteEntryRequest', value: { ids: ['spiffe-kit.a', '', 'spiffe-kit.b'] } },
  { message: 'BatchDeleteEntryResponse', value: { results: [{ status: ok, id: 'spiffe-kit.a' }, { status: { code: 5, message: 'entry not found' }, id: 'spiffe-kit.b' }] } },
];

describe('golden messages: the generated encoders write the bytes of SPIRE’s Go types', () => {
  it('all eight messages, with every field set, defaults, negative and > 2^32 int64, present empty wrappers', { timeout: 180_000 }, async () => {
    const go = await goEncode(GOLDEN);
    for (const [i, c] of GOLDEN.entries()) {
      expect([c.message, i, go[i]?.error]).toStrictEqual([c.message, i, undefined]);
      // (An empty message is zero bytes: the oracle leaves its empty hex out.)
      expect([c.message, i, hex(encode(c.message, c.value))]).toStrictEqual([c.message, i, go[i]?.hex ?? '']);
      // And Go's bytes read back to the very message.
      expect(decode(c.message, Buffer.from(go[i]?.hex ?? '', 'hex'))).toStrictEqual(c.value);
    }
    // Go reads ours back and writes the same bytes again.
    const back = await goDecode(GOLDEN.map((c) => ({ message: c.message, bytes: encode(c.message, c.value) })));
    expect(back.map((r) => r.hex ?? r.error)).toStrictEqual(go.map((r) => r.hex ?? r.error));
  });

  it('a present empty message and an absent one differ on the wire, and decode as {…defaults} and undefined', () => {
    const present = encode('BatchDeleteEntryResponse', { results: [{ status: { code: 0, message: '' }, id: 'a' }] });
    const absent = encode('BatchDeleteEntryResponse', { results: [{ status: undefined, id: 'a' }] });
    expect(hex(present)).toBe('0a050a00120161');
    expect(hex(absent)).toBe('0a03120161');
    expect(BatchDeleteEntryResponse.decode(present).results[0]?.status).toStrictEqual({ code: 0, message: '' });
    expect(BatchDeleteEntryResponse.decode(absent).results[0]?.status).toBeUndefined();
    expect(ListEntriesResponse.decode(encode('ListEntriesResponse', { entries: [emptyServerEntry()], next_page_token: '' })).entries[0]).toStrictEqual(emptyServerEntry());
  });

  it('SPIFFE IDs: the SPIFFEID message and the spiffe:// string convert both ways', () => {
    expect(spiffeIdMessage('spiffe://example.org/ns/a')).toStrictEqual({ trust_domain: 'example.org', path: '/ns/a' });
    expect(spiffeIdMessage('spiffe://example.org')).toStrictEqual({ trust_domain: 'example.org', path: '' });
    expect(spiffeIdMessage('')).toBeUndefined();
    expect(spiffeIdString({ trust_domain: 'example.org', path: '/ns/a' })).toBe('spiffe://example.org/ns/a');
    expect(spiffeIdString({ trust_domain: '', path: '' })).toBe('');
    expect(spiffeIdString(undefined)).toBe('');
  });
});

describe('the committed generated code carries every patch of scripts/gen.mjs', () => {
  const genDir = fileURLToPath(new URL('../src/gen/', import.meta.url));
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));

  it('each decoder reads tags with readTag, skips with skipField, checks lengths and its end; no copies of bytes, no object[key] =', () => {
    const all = files(genDir);
    expect(all.map((f) => f.slice(genDir.length)).sort()).toEqual(expect.arrayContaining(['spire/api/server/entry/v1/entry.ts', 'spire/api/types/entry.ts', 'spire/api/types/selector.ts', 'spire/api/types/spiffeid.ts', 'spire/api/types/status.ts', 'spire/api/types/federateswith.ts', 'google/protobuf/wrappers.ts', 'workload.ts']));
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      const decoders = text.split('const end = length === undefined ? reader.len : reader.pos + length;').length - 1;
      const name = f.slice(genDir.length);
      expect([name, decoders > 0]).toStrictEqual([name, true]);
      expect([name, text.split('const tag = readTag(reader);').length - 1]).toStrictEqual([name, decoders]);
      expect([name, text.split('skipField(reader, tag);\n      }\n      endOfMessage(reader, end);').length - 1]).toStrictEqual([name, decoders]);
      // Every length read is checked for 32 bits first (lengthChecked), no unchecked one is left.
      expect([name, /[^)]\.(bytes|string)\(\)/.test(text.replaceAll('lengthChecked(reader).bytes()', '').replaceAll('lengthChecked(reader).string()', '').replaceAll('writer.', ''))]).toStrictEqual([name, false]);
      expect([name, text.includes('reader.uint32();\n        switch'), text.includes('Buffer.from(reader.bytes())'), text.includes('object[key] =')]).toStrictEqual([name, false, false, false]);
    }
  });
});

describe('hostile input: refused wherever Go refuses, always an Error', () => {
  const good = encode('ListEntriesResponse', { entries: [entry(1)], next_page_token: 'p2' });

  it('every truncation: the generated decoder refuses exactly the cuts Go refuses', { timeout: 180_000 }, async () => {
    const cuts = Array.from({ length: good.length - 1 }, (_, n) => good.subarray(0, n + 1));
    const go = await goDecode(cuts.map((bytes) => ({ message: 'ListEntriesResponse', bytes })));
    const ours = cuts.map((bytes) => {
      try {
        ListEntriesResponse.decode(bytes);
        return 'decoded';
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        return 'refused';
      }
    });
    expect(ours).toStrictEqual(go.map((r) => (r.error === undefined ? 'decoded' : 'refused')));
    expect(ours.filter((o) => o === 'refused').length).toBeGreaterThan(cuts.length / 2);
    expect(() => ListEntriesResponse.decode(Buffer.from([0x0a, 0x05, 0x0a, 0x03, 0x41]))).toThrow(RangeError);
  });

  it('field 0, end-group, wire types 6 and 7, tags over 32 bits, unmatched groups, lengths past their message', { timeout: 180_000 }, async () => {
    const inEntry = (body: Buffer): Buffer => ld(1, body);
    const cases: [string, Name, Buffer, abstract new (...args: never[]) => Error][] = [
      ['field number 0', 'ListEntriesResponse', Buffer.from([0x00, 0x00]), ProtoWireFormatError],
      ['field number 0 inside an entry', 'ListEntriesResponse', inEntry(Buffer.from([0x00, 0x00])), ProtoWireFormatError],
      ['field number 0 inside a SPIFFEID', 'ListEntriesResponse', inEntry(ld(2, Buffer.from([0x00, 0x00]))), ProtoWireFormatError],
      ['end-group without start', 'ListEntriesResponse', Buffer.from([0x0c]), ProtoWireFormatError],
      ['end-group inside a selector', 'ListEntriesResponse', inEntry(ld(4, Buffer.from([0x0c, 0x0a, 0x01, 0x41]))), ProtoWireFormatError],
      ['end-group inside a batch result', 'BatchCreateEntryResponse', ld(1, Buffer.from([0x14])), ProtoWireFormatError],
      ['wire type 6', 'BatchDeleteEntryResponse', Buffer.from([0x0e]), ProtoWireFormatError],
      ['wire type 7', 'BatchDeleteEntryRequest', Buffer.from([0x0f]), ProtoWireFormatError],
      ['tag over 32 bits aliasing next_page_token', 'ListEntriesResponse', Buffer.concat([varint(2n ** 35n + 0x12n), varint(1), Buffer.from('x')]), ProtoWireFormatError],
      ['5-byte tag with high bits', 'ListEntriesResponse', Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00]), ProtoWireFormatError],
      ['group closed by another field', 'ListEntriesResponse', Buffer.from([0x4b, 0x54]), Error],
      ['unterminated group', 'ListEntriesResponse', Buffer.from([0x4b, 0x08, 0x01]), Error],
      // The SPIFFEID is 3 bytes long but its path announces 5: the bytes after it would be read as the path.
      ['nested length past its message', 'ListEntriesResponse', Buffer.concat([inEntry(Buffer.concat([ld(2, Buffer.from([0x12, 0x05, 0x2f])), Buffer.from('abcd')]))]), ProtoWireFormatError],
      ['a length prefix of 2^31', 'BatchDeleteEntryRequest', Buffer.concat([tag(1, 2), varint(2 ** 31), Buffer.from('x')]), Error],
      ['an 11-byte varint in revision_number', 'ListEntriesResponse', inEntry(Buffer.concat([tag(11, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])), Error],
      ['a truncated varint in x509_svid_ttl', 'ListEntriesResponse', Buffer.concat([tag(1, 2), varint(2), tag(5, 0), Buffer.from([0xff])]), Error],
    ];
    const go = await goDecode(cases.map(([, message, bytes]) => ({ message, bytes })));
    for (const [i, [what, message, bytes, type]] of cases.entries()) {
      expect([what, go[i]?.error === undefined ? 'Go decoded it' : 'Go refused']).toStrictEqual([what, 'Go refused']);
      expect(() => decode(message, bytes), what).toThrow(type);
    }
  });

  it('int64 beyond 2^53 (which Go reads) is refused rather than rounded', async () => {
    const bytes = ld(1, Buffer.concat([tag(15, 0), varint(2n ** 60n)]));
    const [go] = await goDecode([{ message: 'ListEntriesResponse', bytes }]);
    expect(go?.error).toBeUndefined();
    expect(() => ListEntriesResponse.decode(bytes)).toThrow(/MAX_SAFE_INTEGER/);
    expect(ListEntriesResponse.decode(ld(1, Buffer.concat([tag(15, 0), varint(2 ** 53 - 1)]))).entries[0]?.created_at).toBe(2 ** 53 - 1);
  });

  it('unknown fields (a newer SPIRE) and known fields of another wire type are skipped, as Go does', async () => {
    const unknown = Buffer.concat([tag(90, 0), varint(2n ** 63n), tag(91, 1), Buffer.alloc(8), ld(92, Buffer.from('x')), tag(93, 3), tag(1, 0), varint(1), tag(93, 4), tag(94, 5), Buffer.alloc(4)]);
    const wrongType = inEntryOf(Buffer.concat([tag(1, 0), varint(7), tag(14, 2), varint(1), Buffer.from('h')]));
    const bytes = Buffer.concat([unknown, good, wrongType, unknown]);
    const [go] = await goDecode([{ message: 'ListEntriesResponse', bytes }]);
    expect(go?.error).toBeUndefined();
    const msg = ListEntriesResponse.decode(bytes);
    expect(msg.entries).toHaveLength(2);
    expect(msg.entries[1]).toStrictEqual({ ...emptyServerEntry(), hint: 'h' });
    expect(msg.next_page_token).toBe('p2');
  });

  it('groups nested 25,000 deep in an unknown field are refused, not a stack overflow', () => {
    const open = Buffer.alloc(25_000 * 2);
    for (let i = 0; i < 25_000; i++) open.set(tag(99, 3), i * 2);
    const close = Buffer.alloc(25_000 * 2);
    for (let i = 0; i < 25_000; i++) close.set(tag(99, 4), i * 2);
    expect(() => ListEntriesResponse.decode(Buffer.concat([open, close]))).toThrow(/recursion/);
    expect(() => ListEntriesResponse.decode(inEntryOf(Buffer.concat([open, close])))).toThrow(/recursion/);
  });

  it('"__proto__" and "constructor" as IDs, selector types and tokens stay plain data', () => {
    const bytes = encode('ListEntriesResponse', { entries: [entry(1, { id: '__proto__', selectors: [{ type: '__proto__', value: 'constructor' }], hint: 'prototype' })], next_page_token: '__proto__' });
    const msg = ListEntriesResponse.decode(bytes);
    expect(Object.getPrototypeOf(msg)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(msg.entries[0])).toBe(Object.prototype);
    expect(msg.entries[0]?.id).toBe('__proto__');
    expect(msg.entries[0]?.selectors).toStrictEqual([{ type: '__proto__', value: 'constructor' }]);
    expect(({} as Record<string, unknown>)['type']).toBeUndefined();
  });

  it('property: random and mutated bytes give a message or an Error, never anything else', () => {
    const outcome = (name: Name, bytes: Uint8Array): string => {
      try {
        return JSON.stringify(decode(name, bytes));
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        return 'error';
      }
    };
    const names = Object.keys(MESSAGES) as Name[];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 200 }), (name, bytes) => {
        outcome(name, bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Buffer.from(good);
        mutated[at] = value;
        outcome('ListEntriesResponse', mutated);
      }),
      { numRuns: 2000 },
    );
  });
});

function inEntryOf(body: Buffer): Buffer {
  return ld(1, body);
}
