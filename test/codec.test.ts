// The Workload API messages as the test Workload API serves them: the generated messages of
// src/gen/workload.ts behind the grpc-js service definition of src/testing/workload-api-service.ts.
// Golden bytes (what the deleted hand-written codec wrote, test/helpers/workload-golden.ts), the
// same meaning as @grpc/proto-loader + protobufjs (the oracle, a dev dependency only) for golden
// and random messages, the service definition proto-loader would build, partial messages
// completed and wrong ones refused by name, and malformed bytes refused with a typed error.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as gen from '../src/gen/workload.js';
import { decodeWire, ProtoWireFormatError } from '../src/internal/proto-wire.js';
import { TestingError } from '../src/testing/keys.js';
import { workloadApiService } from '../src/testing/workload-api-service.js';
import type { WorkloadApiRpc } from '../src/workloadapi/methods.js';
import { der, GOLDEN, type GoldenName } from './helpers/workload-golden.js';

const MESSAGES: Record<GoldenName, { rpc: WorkloadApiRpc; side: 'request' | 'response'; fns: { encode(m: never): { finish(): Uint8Array }; decode(b: Uint8Array): unknown } }> = {
  X509SVIDRequest: { rpc: 'FetchX509SVID', side: 'request', fns: gen.X509SVIDRequest },
  X509SVIDResponse: { rpc: 'FetchX509SVID', side: 'response', fns: gen.X509SVIDResponse },
  X509BundlesRequest: { rpc: 'FetchX509Bundles', side: 'request', fns: gen.X509BundlesRequest },
  X509BundlesResponse: { rpc: 'FetchX509Bundles', side: 'response', fns: gen.X509BundlesResponse },
  JWTSVIDRequest: { rpc: 'FetchJWTSVID', side: 'request', fns: gen.JWTSVIDRequest },
  JWTSVIDResponse: { rpc: 'FetchJWTSVID', side: 'response', fns: gen.JWTSVIDResponse },
  JWTBundlesRequest: { rpc: 'FetchJWTBundles', side: 'request', fns: gen.JWTBundlesRequest },
  JWTBundlesResponse: { rpc: 'FetchJWTBundles', side: 'response', fns: gen.JWTBundlesResponse },
  ValidateJWTSVIDRequest: { rpc: 'ValidateJWTSVID', side: 'request', fns: gen.ValidateJWTSVIDRequest },
  ValidateJWTSVIDResponse: { rpc: 'ValidateJWTSVID', side: 'response', fns: gen.ValidateJWTSVIDResponse },
};
const NAMES = Object.keys(MESSAGES) as GoldenName[];

/** The test Workload API's serializer / deserializer of a message. */
function served(name: GoldenName): { encode: (v: unknown) => Buffer; decode: (b: Buffer) => unknown } {
  const { rpc, side } = MESSAGES[name];
  const m = workloadApiService()[rpc] as MethodDefinition<unknown, unknown>;
  return side === 'request' ? { encode: m.requestSerialize, decode: m.requestDeserialize } : { encode: m.responseSerialize, decode: m.responseDeserialize };
}

// ---- the oracle: proto-loader + protobufjs, with its object shape mapped to the generated one ----

let oracleService: ServiceDefinition;
beforeAll(() => {
  const path = fileURLToPath(new URL('../proto/workload.proto', import.meta.url));
  const def = protoLoader.loadSync(path, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  oracleService = def['SpiffeWorkloadAPI'] as ServiceDefinition;
});

function oracle(name: GoldenName): { encode: (v: unknown) => Buffer; decode: (b: Buffer) => unknown } {
  const { rpc, side } = MESSAGES[name];
  const m = oracleService[rpc] as MethodDefinition<unknown, unknown>;
  return side === 'request' ? { encode: m.requestSerialize, decode: m.requestDeserialize } : { encode: m.responseSerialize, decode: m.responseDeserialize };
}

const own = (entries: Iterable<readonly [string, unknown]>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
};

/** JSON as protobufjs takes a google.protobuf.Value / Struct. */
function toValue(v: unknown): object {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
const toStruct = (o: Record<string, unknown>): object => ({ fields: own(Object.keys(o).map((k) => [k, toValue(o[k])])) });

/** A generated-shape message as protobufjs takes it. */
function toLoader(m: object): object {
  const out: Record<string, unknown> = { ...m };
  for (const key of ['bundles', 'federated_bundles']) if (out[key] instanceof Map) out[key] = own(out[key] as Map<string, unknown>);
  if (out['claims'] !== undefined) out['claims'] = toStruct(out['claims'] as Record<string, unknown>);
  return out;
}

/** What protobufjs decoded, in the generated shape (maps as Maps, claims as JSON). */
function fromLoader(name: GoldenName, m: Record<string, unknown>): unknown {
  const valueJson = (v: Record<string, unknown>): unknown => {
    const kind = v['kind'] as string | undefined;
    if (kind === undefined || kind === 'nullValue') return null;
    if (kind === 'structValue') return structJson(v['structValue'] as { fields: Record<string, Record<string, unknown>> });
    if (kind === 'listValue') return (v['listValue'] as { values: Record<string, unknown>[] }).values.map(valueJson);
    return v[kind];
  };
  const structJson = (st: { fields: Record<string, Record<string, unknown>> }): Record<string, unknown> => own(Object.entries(st.fields).map(([k, v]) => [k, valueJson(v)]));
  const out: Record<string, unknown> = { ...m };
  for (const key of ['bundles', 'federated_bundles']) if (key in m) out[key] = new Map(Object.entries(m[key] as object));
  if (name === 'ValidateJWTSVIDResponse') out['claims'] = m['claims'] === null ? undefined : structJson(m['claims'] as { fields: Record<string, Record<string, unknown>> });
  return out;
}

// ---- wire helpers for hand-made bytes ---------------------------------------------------------

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
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

/** The code of the ProtoWireFormatError `fn` throws (undefined when it does not throw). */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ProtoWireFormatError) return err.code;
    throw err;
  }
}

// ---- golden bytes ---------------------------------------------------------------------------------

describe('golden messages', () => {
  it('the served encoder writes the bytes the hand-written codec wrote', () => {
    for (const [i, g] of GOLDEN.entries()) {
      const bytes = served(g.name).encode(g.message);
      const got = g.hex !== undefined ? { i, name: g.name, hex: bytes.toString('hex') } : { i, name: g.name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      const want = g.hex !== undefined ? { i, name: g.name, hex: g.hex } : { i, name: g.name, bytes: g.bytes, sha256: g.sha256 };
      expect(got).toStrictEqual(want);
    }
  });

  it('protobufjs writes the same bytes, and both decoders read them to the same message', () => {
    for (const g of GOLDEN) {
      const bytes = served(g.name).encode(g.message);
      expect(oracle(g.name).encode(toLoader(g.message)).equals(bytes)).toBe(true);
      if (bytes.length > 100_000) continue; // the multi-MiB fixtures test the writer; deep equality on them is slow
      const decoded = served(g.name).decode(bytes);
      expect(decoded).toStrictEqual(fromLoader(g.name, oracle(g.name).decode(bytes) as Record<string, unknown>));
      expect(decoded).toStrictEqual(MESSAGES[g.name].fns.decode(bytes));
    }
  });

  it('a default value set explicitly is left out (proto3), where protobufjs writes it; both read it back the same', () => {
    const svid = { spiffe_id: 'a', x509_svid: Buffer.alloc(0), x509_svid_key: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' };
    const msg = { svids: [svid], crl: [Buffer.alloc(0)], federated_bundles: new Map([['spiffe://e.org', Buffer.alloc(0)], ['', der(2)]]) };
    const bytes = served('X509SVIDResponse').encode(msg);
    // svids[0] = { spiffe_id: 'a' }; crl[0] (a repeated element is always written); two map entries, without the empty value / key.
    expect(bytes.toString('hex')).toBe('0a030a0161' + '1200' + '1a100a0e7370696666653a2f2f652e6f7267' + '1a04120201' + '20');
    const loader = oracle('X509SVIDResponse').encode(toLoader(msg));
    expect(loader.length).toBeGreaterThan(bytes.length);
    expect(served('X509SVIDResponse').decode(loader)).toStrictEqual(served('X509SVIDResponse').decode(bytes));
    expect(served('X509SVIDResponse').decode(bytes)).toStrictEqual(msg);
  });

  it('a message with fields left out is completed with the generated defaults', () => {
    expect(served('X509SVIDResponse').decode(served('X509SVIDResponse').encode({ svids: [{ spiffe_id: 'spiffe://example.org/web' }] }))).toStrictEqual({
      svids: [{ spiffe_id: 'spiffe://example.org/web', x509_svid: Buffer.alloc(0), x509_svid_key: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' }],
      crl: [],
      federated_bundles: new Map(),
    });
    expect(served('ValidateJWTSVIDResponse').decode(Buffer.alloc(0))).toStrictEqual({ spiffe_id: '', claims: undefined });
    expect(served('JWTSVIDRequest').decode(Buffer.alloc(0))).toStrictEqual({ audience: [], spiffe_id: '' });
    // A field set to undefined is a field left out; the caller's object is not changed.
    const input = { svids: undefined, crl: [der(1)] };
    expect(served('X509BundlesResponse').encode(input).toString('hex')).toBe('0a0101');
    expect(input).toStrictEqual({ svids: undefined, crl: [der(1)] });
  });

  it('bytes are Buffer views of the received message, not copies', () => {
    const wire = served('X509SVIDResponse').encode({ svids: [{ x509_svid: der(300) }] });
    const svid = (served('X509SVIDResponse').decode(wire) as gen.X509SVIDResponse).svids[0]!;
    expect(Buffer.isBuffer(svid.x509_svid)).toBe(true);
    expect(svid.x509_svid.buffer).toBe(wire.buffer);
  });
});

// ---- the service definition -----------------------------------------------------------------------

describe('the service definition', () => {
  it('has the paths, streaming flags and originalName proto-loader gives', () => {
    const service = workloadApiService();
    expect(Object.keys(service)).toStrictEqual(Object.keys(oracleService));
    for (const [rpc, def] of Object.entries(oracleService)) {
      const mine = service[rpc]!;
      expect([rpc, mine.path, mine.requestStream, mine.responseStream, mine.originalName]).toStrictEqual([rpc, def.path, def.requestStream, def.responseStream, def.originalName]);
    }
    expect(workloadApiService()).toBe(service);
    expect(Object.isFrozen(service)).toBe(true);
  });

  it('sends encoded bytes as they are', () => {
    const bytes = Buffer.from([0x0a, 0x05, 0x01]); // malformed on purpose
    expect(served('X509SVIDResponse').encode(bytes)).toStrictEqual(bytes);
    expect(served('JWTBundlesResponse').encode(new Uint8Array([1, 2, 3]))).toStrictEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses a field of the wrong kind, or one the message does not have, naming it (TestingError)', () => {
    const bad: [GoldenName, unknown, RegExp][] = [
      ['X509SVIDResponse', null, /^X509SVIDResponse must be a X509SVIDResponse message \(an object\), got null$/],
      ['X509SVIDResponse', [], /got an array/],
      ['X509SVIDResponse', 'str', /got string/],
      ['X509SVIDResponse', { svids: 'x' }, /^X509SVIDResponse\.svids must be an array, got string$/],
      ['X509SVIDResponse', { svids: [5] }, /^X509SVIDResponse\.svids\[0\] must be a X509SVID message/],
      ['X509SVIDResponse', { svids: [{ x509_svid: 'AQID' }] }, /^X509SVIDResponse\.svids\[0\]\.x509_svid must be bytes/],
      ['X509SVIDResponse', { svids: [{ spiffe_id: 7 }] }, /spiffe_id must be a string, got number/],
      ['X509SVIDResponse', { crl: [{}] }, /^X509SVIDResponse\.crl\[0\] must be a string or bytes, got object$/],
      ['X509SVIDResponse', { federated_bundles: { 'spiffe://a.org': der(1) } }, /^X509SVIDResponse\.federated_bundles must be a Map .*got object$/],
      ['X509SVIDResponse', { federated_bundles: new Map([['spiffe://a.org', 'x']]) }, /federated_bundles\.get\("spiffe:\/\/a\.org"\) must be bytes/],
      ['X509SVIDResponse', { federated_bundles: new Map([[1, der(1)]]) }, /federated_bundles key must be a string, got number/],
      ['X509SVIDResponse', { svid: [] }, /^X509SVIDResponse has no field "svid" \(the fields of X509SVIDResponse: svids, crl, federated_bundles\)$/],
      ['X509SVIDRequest', { x: 1 }, /the fields of X509SVIDRequest: none/],
      ['JWTSVIDRequest', { audience: 'api' }, /audience must be an array/],
      ['ValidateJWTSVIDResponse', { claims: 'x' }, /claims must be an object, got string/],
      ['ValidateJWTSVIDResponse', { claims: [1] }, /claims must be an object, got an array/],
    ];
    for (const [name, input, message] of bad) {
      let err: unknown;
      try {
        served(name).encode(input);
      } catch (e) {
        err = e;
      }
      expect(err, `${name} ${String(message)}`).toBeInstanceOf(TestingError);
      expect((err as TestingError).code).toBe('ERR_TESTING_INVALID_OPTION');
      expect((err as Error).message).toMatch(message);
    }
  });
});

// ---- malformed bytes --------------------------------------------------------------------------------

describe('malformed bytes: refused with a ProtoWireFormatError and a code', () => {
  it('names each malformation the hand codec named (two it refused are read, see below)', () => {
    // [bytes, code, the code for X509BundlesRequest where it differs]
    const cases: [Buffer, string, string?][] = [
      // 5 bytes announced, 1 there: the generated decoder of X509SVIDResponse reads what is there
      // first, and 0x01 is a tag of field 0 (the hand codec checked the length first, as
      // X509BundlesRequest, which skips the field, does: ERR_PROTOBUF_TRUNCATED).
      [Buffer.from([0x0a, 0x05, 0x01]), 'ERR_PROTOBUF_MALFORMED', 'ERR_PROTOBUF_TRUNCATED'],
      [Buffer.from([0x0a, 0x05, 0x0a]), 'ERR_PROTOBUF_TRUNCATED'], // 5 bytes announced, a tag there and no more
      [Buffer.from([0x0a]), 'ERR_PROTOBUF_TRUNCATED'], // no length
      [Buffer.from([0x80]), 'ERR_PROTOBUF_TRUNCATED'], // tag cut
      [Buffer.from([0x09, 1, 2, 3]), 'ERR_PROTOBUF_TRUNCATED'], // fixed64 cut
      [Buffer.from([0x0d, 1, 2]), 'ERR_PROTOBUF_TRUNCATED'], // fixed32 cut
      [Buffer.from([0x08, 0xff, 0xff]), 'ERR_PROTOBUF_TRUNCATED'], // varint cut
      [Buffer.concat([Buffer.from([0x0a]), varint(2n ** 40n)]), 'ERR_PROTOBUF_TRUNCATED'], // length over 4 GiB (uint32() alone would read 0)
      [Buffer.concat([Buffer.from([0x0a]), varint(2n ** 32n + 2n), Buffer.from([0x0a, 0x00])]), 'ERR_PROTOBUF_TRUNCATED'], // 2^32 + 2, read as 2 by uint32()
      [Buffer.concat([Buffer.from([0x0a]), varint(2n ** 35n + 2n), Buffer.from([0x0a, 0x00])]), 'ERR_PROTOBUF_TRUNCATED'], // its high bits in byte 6
      [Buffer.from([0x00, 0x00]), 'ERR_PROTOBUF_MALFORMED'], // field 0
      [Buffer.from([0x0e]), 'ERR_PROTOBUF_MALFORMED'], // wire type 6
      [Buffer.from([0x0f]), 'ERR_PROTOBUF_MALFORMED'], // wire type 7
      [Buffer.from([0x0c]), 'ERR_PROTOBUF_MALFORMED'], // end-group without start
      [Buffer.from([0x0b, 0x14]), 'ERR_PROTOBUF_MALFORMED'], // group 1 closed by field 2
      [Buffer.from([0x0b, 0x08, 0x01]), 'ERR_PROTOBUF_TRUNCATED'], // group never closed
      [Buffer.concat([varint(2n ** 35n), Buffer.from([0])]), 'ERR_PROTOBUF_MALFORMED'], // tag over 32 bits
      [Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00]), 'ERR_PROTOBUF_MALFORMED'], // 5-byte tag with high bits, aliasing field 1
      [ld(1, Buffer.from([0x12, 0x05, 0x01])), 'ERR_PROTOBUF_TRUNCATED'], // nested length past its message
    ];
    for (const name of ['X509SVIDResponse', 'X509BundlesRequest'] as const) {
      for (const [bytes, code, requestCode] of cases) {
        if (name === 'X509BundlesRequest' && bytes.equals(cases[cases.length - 1]![0])) continue; // an unknown field there
        const want = name === 'X509BundlesRequest' ? (requestCode ?? code) : code;
        expect([name, bytes.toString('hex'), codeOf(() => served(name).decode(bytes))]).toStrictEqual([name, bytes.toString('hex'), want]);
      }
    }
    // The nested length lies: field 2 inside the SVID cannot borrow the bytes after the SVID.
    const lying = Buffer.concat([ld(1, Buffer.from([0x12, 0x05, 0x01])), Buffer.from([1, 2, 3, 4])]);
    expect(codeOf(() => served('X509SVIDResponse').decode(lying))).toBe('ERR_PROTOBUF_TRUNCATED');
    let err: unknown;
    try {
      served('X509SVIDResponse').decode(Buffer.from([0x00, 0x00]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtoWireFormatError);
    expect((err as Error).message).toBe('X509SVIDResponse: a tag with field number 0 at byte offset 0');
    expect(codeOf(() => decodeWire(gen.X509SVIDResponse, 'abc' as unknown as Uint8Array, 'X509SVIDResponse'))).toBe('ERR_PROTOBUF_MALFORMED');
  });

  it('left lenient on purpose (src/internal/proto-wire.ts): an over-long varint in a skipped field', () => {
    // The hand codec refused both (as Go does); nothing is read from a skipped field's value.
    expect(served('X509SVIDResponse').decode(Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]))).toStrictEqual({ svids: [], crl: [], federated_bundles: new Map() });
    expect(served('X509SVIDResponse').decode(Buffer.from([0x08, ...Array(9).fill(0xff), 0x02]))).toStrictEqual({ svids: [], crl: [], federated_bundles: new Map() });
  });

  it('truncation anywhere is ERR_PROTOBUF_TRUNCATED', () => {
    const wire = served('X509SVIDResponse').encode(GOLDEN[5]!.message);
    let refused = 0;
    for (let n = 1; n < wire.length; n++) {
      const code = codeOf(() => served('X509SVIDResponse').decode(wire.subarray(0, n)));
      // Some cuts fall between fields and leave a shorter, valid message.
      if (code !== undefined) {
        refused++;
        expect(code).toBe('ERR_PROTOBUF_TRUNCATED');
      }
    }
    expect(refused).toBeGreaterThan(wire.length / 2);
  });

  it('nesting past 100 messages is ERR_PROTOBUF_TOO_DEEP, not a stack overflow; so are 5,000 nested groups', () => {
    // ValidateJWTSVIDResponse > Struct > FieldsEntry > Value > (ListValue > Value) * levels
    const nestedList = (levels: number): Buffer => {
      let value = ld(3, Buffer.from('leaf'));
      for (let i = 0; i < levels; i++) value = ld(6, ld(1, value));
      return ld(2, ld(1, Buffer.concat([ld(1, Buffer.from('k')), ld(2, value)])));
    };
    expect(codeOf(() => served('ValidateJWTSVIDResponse').decode(nestedList(40)))).toBeUndefined();
    expect(codeOf(() => served('ValidateJWTSVIDResponse').decode(nestedList(60)))).toBe('ERR_PROTOBUF_TOO_DEEP');
    expect(codeOf(() => served('ValidateJWTSVIDResponse').decode(nestedList(25_000)))).toBe('ERR_PROTOBUF_TOO_DEEP');
    const groups = Buffer.concat([...Array.from({ length: 5000 }, () => tag(9, 3)), ...Array.from({ length: 5000 }, () => tag(9, 4))]);
    expect(codeOf(() => served('X509SVIDRequest').decode(groups))).toBe('ERR_PROTOBUF_TOO_DEEP');
    const fine = Buffer.concat([...Array.from({ length: 50 }, () => tag(9, 3)), ...Array.from({ length: 50 }, () => tag(9, 4))]);
    expect(served('X509SVIDRequest').decode(fine)).toStrictEqual({});
  });

  it('lengths: non-minimal (padded) ones read as Go reads them; up to 2^32 - 1 a truncation, over it refused before reading', () => {
    // ValidateJWTSVIDRequest.audience = "api", its tag and length padded with 0x80 (10-byte length: the most a varint has).
    const padded = Buffer.concat([Buffer.from([0x8a, 0x80, 0x80, 0x00]), Buffer.from([0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), Buffer.from('api')]);
    expect(served('ValidateJWTSVIDRequest').decode(padded)).toStrictEqual({ audience: 'api', svid: '' });
    expect(oracle('ValidateJWTSVIDRequest').decode(padded)).toMatchObject({ audience: 'api' });
    expect(codeOf(() => served('ValidateJWTSVIDRequest').decode(Buffer.concat([Buffer.from([0x0a]), varint(2n ** 32n - 1n), Buffer.from('api')])))).toBe('ERR_PROTOBUF_TRUNCATED');
    const over = (n: bigint) => Buffer.concat([Buffer.from([0x0a]), varint(n), Buffer.from('api')]);
    for (const n of [2n ** 32n, 2n ** 32n + 3n, 2n ** 63n + 3n]) {
      let err: unknown;
      try {
        served('ValidateJWTSVIDRequest').decode(over(n));
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'ERR_PROTOBUF_TRUNCATED', message: 'ValidateJWTSVIDRequest: a length over 32 bits at byte offset 1' });
    }
    // The same in a skipped (unknown) field and in an embedded message.
    expect(codeOf(() => served('X509SVIDRequest').decode(over(2n ** 32n + 3n)))).toBe('ERR_PROTOBUF_TRUNCATED');
    expect(codeOf(() => served('X509SVIDResponse').decode(ld(1, Buffer.concat([Buffer.from([0x0a]), varint(2n ** 32n + 1n), Buffer.from('a')]))))).toBe('ERR_PROTOBUF_TRUNCATED');
  });

  it('a known field with another wire type is skipped as unknown (as Go reads it)', () => {
    expect(served('JWTSVIDResponse').decode(ld(1, Buffer.concat([tag(1, 0), varint(5), tag(2, 5), Buffer.alloc(4), ld(3, Buffer.from('h'))])))).toStrictEqual({
      svids: [{ spiffe_id: '', svid: '', hint: 'h' }],
    });
  });

  it('a hostile 4 MiB of zeros or of tiny fields is refused or read', () => {
    expect(codeOf(() => served('X509SVIDResponse').decode(Buffer.alloc(4 * 1024 * 1024, 0)))).toBe('ERR_PROTOBUF_MALFORMED');
    const varints = Buffer.concat(Array.from({ length: 1 << 20 }, () => Buffer.from([0x48, 0x01]))); // 1M unknown varint fields
    expect(served('X509SVIDResponse').decode(varints)).toStrictEqual({ svids: [], crl: [], federated_bundles: new Map() });
    const emptySvids = Buffer.concat(Array.from({ length: 1 << 19 }, () => Buffer.from([0x0a, 0x00])));
    expect((served('X509SVIDResponse').decode(emptySvids) as gen.X509SVIDResponse).svids).toHaveLength(1 << 19);
  });
});

// ---- property tests -----------------------------------------------------------------------------

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
// Map values are not empty: a proto3 encoder leaves an empty value out of its entry, and protobufjs
// reads such an entry's value as [] rather than an empty Buffer (the explicit-defaults test above).
const mapValue = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((u) => Buffer.from(u));
const bytesMap = fc.uniqueArray(fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', 'constructor')), mapValue), { selector: ([k]) => k, maxLength: 6 }).map((e) => new Map(e));
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constant('__proto__')), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

/** Complete messages in the generated shape (every field present), as the decoders give them. */
const plain = { noNullPrototype: true } as const;
const ARBS: Record<GoldenName, fc.Arbitrary<object>> = {
  X509SVIDRequest: fc.constant({}),
  X509BundlesRequest: fc.constant({}),
  JWTBundlesRequest: fc.constant({}),
  X509SVIDResponse: fc.record(
    {
      svids: fc.array(fc.record({ spiffe_id: text, x509_svid: bytes, x509_svid_key: bytes, bundle: bytes, hint: text }, plain), { maxLength: 4 }),
      crl: fc.array(bytes, { maxLength: 3 }),
      federated_bundles: bytesMap,
    },
    plain,
  ),
  X509BundlesResponse: fc.record({ crl: fc.array(bytes, { maxLength: 3 }), bundles: bytesMap }, plain),
  JWTSVIDRequest: fc.record({ audience: fc.array(text, { maxLength: 4 }), spiffe_id: text }, plain),
  JWTSVIDResponse: fc.record({ svids: fc.array(fc.record({ spiffe_id: text, svid: text, hint: text }, plain), { maxLength: 4 }) }, plain),
  JWTBundlesResponse: fc.record({ bundles: bytesMap }, plain),
  ValidateJWTSVIDRequest: fc.record({ audience: text, svid: text }, plain),
  ValidateJWTSVIDResponse: fc.record({ spiffe_id: text, claims: fc.option(fc.dictionary(fc.oneof(text, fc.constant('__proto__')), json, { maxKeys: 5, noNullPrototype: true }), { nil: undefined }) }, plain),
};

describe('property: random messages mean the same to the served codec and to protobufjs', () => {
  for (const name of NAMES) {
    it(name, () => {
      fc.assert(
        fc.property(ARBS[name], (message) => {
          const mine = served(name).encode(message);
          expect(served(name).decode(mine)).toStrictEqual(message);
          expect(fromLoader(name, oracle(name).decode(mine) as Record<string, unknown>)).toStrictEqual(message);
          expect(served(name).decode(oracle(name).encode(toLoader(message)))).toStrictEqual(message);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('property: random and mutated bytes', () => {
  const mutated = (name: GoldenName) =>
    fc
      .tuple(ARBS[name], fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 6 }))
      .map(([input, edits]) => {
        const b = [...served(name).encode(input)];
        for (const [at, byte, op] of edits) {
          const i = b.length === 0 ? 0 : at % b.length;
          if (op === 'set' && b.length > 0) b[i] = byte;
          else if (op === 'insert') b.splice(i, 0, byte);
          else if (op === 'delete') b.splice(i, 1);
          else b.length = i;
        }
        return Uint8Array.from(b);
      });

  const outcome = (name: GoldenName, b: Buffer): string => {
    try {
      return JSON.stringify(served(name).decode(b), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
    } catch (err) {
      if (!(err instanceof ProtoWireFormatError)) throw err;
      return `error ${err.code}`;
    }
  };

  for (const name of NAMES) {
    it(`${name}: a message or a ProtoWireFormatError, the same from inside a larger buffer`, () => {
      const check = (u: Uint8Array): void => {
        const fenced = Buffer.alloc(u.length + 64, 0xff);
        fenced.set(u, 32);
        expect(outcome(name, fenced.subarray(32, 32 + u.length))).toBe(outcome(name, Buffer.from(u)));
      };
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 200 });
      fc.assert(fc.property(mutated(name), check), { numRuns: 200 });
    });
  }
});
