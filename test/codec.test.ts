// The hand-written Workload API codec (src/workloadapi/codec.ts) against @grpc/proto-loader +
// protobufjs as the oracle: same bytes out of the encoders, same objects (shape, key order, types)
// out of the decoders, for fixed golden messages and for random ones; and on random or mutated
// bytes, only ProtobufWireError, within a time bound, never reading outside the bytes given.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWorkloadApiProto, PROTO_LOADER_OPTIONS, WORKLOAD_PROTO_PATH, workloadApiService, type WorkloadApiRpc } from '../src/workloadapi/proto.js';
import { MAX_NESTING_DEPTH, ProtobufWireError, WireReader, WireWriter } from '../src/internal/protobuf-wire.js';
import {
  JWT_BUNDLES_REQUEST,
  JWT_BUNDLES_RESPONSE,
  JWT_SVID_REQUEST,
  JWT_SVID_RESPONSE,
  type MessageCodec,
  VALIDATE_JWT_SVID_REQUEST,
  VALIDATE_JWT_SVID_RESPONSE,
  X509_BUNDLES_REQUEST,
  X509_BUNDLES_RESPONSE,
  X509_SVID_REQUEST,
  X509_SVID_RESPONSE,
} from '../src/workloadapi/codec.js';
import * as gen from '../src/gen/workload.js';

// ---- the oracle ---------------------------------------------------------------------------------

type Name =
  | 'X509SVIDRequest'
  | 'X509SVIDResponse'
  | 'X509BundlesRequest'
  | 'X509BundlesResponse'
  | 'JWTSVIDRequest'
  | 'JWTSVIDResponse'
  | 'JWTBundlesRequest'
  | 'JWTBundlesResponse'
  | 'ValidateJWTSVIDRequest'
  | 'ValidateJWTSVIDResponse';

const MESSAGES: Record<Name, { rpc: WorkloadApiRpc; side: 'request' | 'response'; codec: MessageCodec<object> }> = {
  X509SVIDRequest: { rpc: 'FetchX509SVID', side: 'request', codec: X509_SVID_REQUEST },
  X509SVIDResponse: { rpc: 'FetchX509SVID', side: 'response', codec: X509_SVID_RESPONSE },
  X509BundlesRequest: { rpc: 'FetchX509Bundles', side: 'request', codec: X509_BUNDLES_REQUEST },
  X509BundlesResponse: { rpc: 'FetchX509Bundles', side: 'response', codec: X509_BUNDLES_RESPONSE },
  JWTSVIDRequest: { rpc: 'FetchJWTSVID', side: 'request', codec: JWT_SVID_REQUEST },
  JWTSVIDResponse: { rpc: 'FetchJWTSVID', side: 'response', codec: JWT_SVID_RESPONSE },
  JWTBundlesRequest: { rpc: 'FetchJWTBundles', side: 'request', codec: JWT_BUNDLES_REQUEST },
  JWTBundlesResponse: { rpc: 'FetchJWTBundles', side: 'response', codec: JWT_BUNDLES_RESPONSE },
  ValidateJWTSVIDRequest: { rpc: 'ValidateJWTSVID', side: 'request', codec: VALIDATE_JWT_SVID_REQUEST },
  ValidateJWTSVIDResponse: { rpc: 'ValidateJWTSVID', side: 'response', codec: VALIDATE_JWT_SVID_RESPONSE },
};
const NAMES = Object.keys(MESSAGES) as Name[];

let oracleService: ServiceDefinition;
beforeAll(() => {
  const def = protoLoader.loadSync(WORKLOAD_PROTO_PATH, { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_LOADER_OPTIONS.includeDirs] });
  oracleService = def['SpiffeWorkloadAPI'] as ServiceDefinition;
});

function oracle(name: Name): { encode: (v: unknown) => Buffer; decode: (b: Buffer) => unknown } {
  const { rpc, side } = MESSAGES[name];
  const m = oracleService[rpc] as MethodDefinition<unknown, unknown>;
  return side === 'request' ? { encode: m.requestSerialize, decode: m.requestDeserialize } : { encode: m.responseSerialize, decode: m.responseDeserialize };
}

function mine(name: Name): MessageCodec<object> {
  return MESSAGES[name].codec;
}

/**
 * An exact rendering of a decoded value: key order, own-property-ness, prototypes, Buffer vs other
 * bytes, -0, NaN. Two values with the same rendering are interchangeable for every consumer.
 */
function render(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return `Buffer<${v.toString('hex')}>`;
  if (v instanceof Uint8Array) return `Uint8Array<${Buffer.from(v).toString('hex')}>`;
  if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) === Object.prototype ? '' : '(!plain)';
    const keys = Reflect.ownKeys(v);
    return `${proto}{${keys.map((k) => `${String(k)}:${render((v as Record<string | symbol, unknown>)[k])}`).join(',')}}`;
  }
  return `?${typeof v}`;
}

function expectSame(name: Name, input: unknown): void {
  const o = oracle(name);
  const m = mine(name);
  const want = o.encode(input);
  const got = m.encode(input);
  expect(got.toString('hex')).toBe(want.toString('hex'));
  expect(render(m.decode(want))).toBe(render(o.decode(want)));
}

function expectSameDecode(name: Name, bytes: Buffer): void {
  expect(render(mine(name).decode(bytes))).toBe(render(oracle(name).decode(bytes)));
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

/** Unknown fields 90–94 of every wire type (a group with fields inside included). */
const UNKNOWN = Buffer.concat([
  tag(90, 0),
  varint(2n ** 63n + 5n),
  tag(91, 1),
  Buffer.alloc(8, 7),
  ld(92, Buffer.from('unknown bytes')),
  tag(93, 3),
  tag(1, 0),
  varint(1),
  ld(2, Buffer.from('in a group')),
  tag(3, 3),
  tag(3, 4),
  tag(93, 4),
  tag(94, 5),
  Buffer.alloc(4, 9),
]);

// ---- fixtures ----------------------------------------------------------------------------------

const der = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

const CLAIMS = {
  fields: {
    sub: { stringValue: 'spiffe://example.org/web' },
    aud: { listValue: { values: [{ stringValue: 'api' }, { numberValue: 2 }, { nullValue: 'NULL_VALUE' }, { listValue: { values: [] } }, { structValue: { fields: {} } }] } },
    exp: { numberValue: 1_700_000_000 },
    neg: { numberValue: -1.5 },
    zero: { numberValue: 0 },
    negzero: { numberValue: -0 },
    inf: { numberValue: Infinity },
    nan: { numberValue: Number.NaN },
    admin: { boolValue: false },
    yes: { boolValue: true },
    none: { nullValue: 'NULL_VALUE' },
    empty: {},
    '': { stringValue: '' },
    'ünïcødé 🎉': { stringValue: 'värde 𝄞' },
    nested: { structValue: { fields: { deep: { structValue: { fields: { x: { numberValue: 1.5 }, l: { listValue: { values: [{ boolValue: true }] } } } } } } } },
  },
};

const GOLDEN: Record<Name, unknown[]> = {
  X509SVIDRequest: [{}],
  X509BundlesRequest: [{}],
  JWTBundlesRequest: [{}],
  X509SVIDResponse: [
    {},
    { svids: [] },
    { svids: [{}] },
    {
      svids: [
        { spiffe_id: 'spiffe://example.org/web', x509_svid: der(700), x509_svid_key: der(138, 2), bundle: der(500, 3), hint: 'external' },
        { spiffe_id: 'spiffe://example.org/db', x509_svid: der(10), x509_svid_key: Buffer.alloc(0), bundle: der(1), hint: '' },
      ],
      crl: [der(100, 4), Buffer.alloc(0), der(200, 5)],
      federated_bundles: { 'spiffe://other.org': der(400, 6), 'spiffe://empty.org': Buffer.alloc(0) },
    },
    { svids: [{ spiffe_id: 'x', x509_svid: 'AQID' }] }, // bytes as base64 text, as proto-loader takes them
    { svids: [{ spiffe_id: 7, hint: true }] }, // strings converted as proto-loader converts them
    { federated_bundles: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`spiffe://td${i}.test`, der(50 + (i % 7), i)])) },
    { svids: [{ x509_svid: der(5 * 1024 * 1024, 9) }] },
    { federated_bundles: JSON.parse('{"__proto__":"AQID","constructor":"BA=="}') },
  ],
  X509BundlesResponse: [
    {},
    { crl: [der(3)], bundles: { 'spiffe://example.org': der(600) } },
    { bundles: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`spiffe://td${i}.test`, der(30, i)])) },
    { bundles: { 'spiffe://big.org': der(2 * 1024 * 1024 + 3) } },
  ],
  JWTSVIDRequest: [{}, { audience: ['api'] }, { audience: ['a', 'b', ''], spiffe_id: 'spiffe://example.org/web' }, { spiffe_id: '' }],
  JWTSVIDResponse: [
    {},
    { svids: [{ spiffe_id: 'spiffe://example.org/web', svid: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', hint: 'h' }, {}] },
    { svids: Array.from({ length: 100 }, (_, i) => ({ spiffe_id: `spiffe://example.org/w${i}`, svid: `t.${'x'.repeat(i * 10)}.s` })) },
  ],
  JWTBundlesResponse: [{}, { bundles: { 'spiffe://example.org': Buffer.from('{"keys":[]}') } }, { bundles: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`spiffe://td${i}.test`, Buffer.from(`{"keys":[${i}]}`)])) }],
  ValidateJWTSVIDRequest: [{}, { audience: 'api', svid: 'a.b.c' }, { audience: '', svid: '' }],
  ValidateJWTSVIDResponse: [
    {},
    { spiffe_id: 'spiffe://example.org/web' },
    { claims: {} },
    { claims: { fields: {} } },
    { spiffe_id: 'spiffe://example.org/web', claims: CLAIMS },
    { claims: { fields: { odd: { nullValue: 5 } } } }, // an enum value NullValue does not name
    { claims: { fields: { neg: { nullValue: -3 } } } },
    { claims: { fields: { __proto__: { stringValue: 'x' } } } },
  ],
};

// ---- golden round trips -------------------------------------------------------------------------

describe('golden messages against proto-loader', () => {
  for (const name of NAMES) {
    it(`${name}: same bytes out, same objects back`, () => {
      for (const input of GOLDEN[name]) expectSame(name, input);
      expectSameDecode(name, Buffer.alloc(0));
    });
  }

  it('decodes absent fields to the defaults proto-loader gives', () => {
    expect(X509_SVID_RESPONSE.decode(Buffer.alloc(0))).toStrictEqual({ svids: [], crl: [], federated_bundles: {} });
    expect(X509_SVID_RESPONSE.decode(ld(1, Buffer.alloc(0)))).toStrictEqual({
      svids: [{ spiffe_id: '', x509_svid: Buffer.alloc(0), x509_svid_key: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' }],
      crl: [],
      federated_bundles: {},
    });
    expect(VALIDATE_JWT_SVID_RESPONSE.decode(Buffer.alloc(0))).toStrictEqual({ spiffe_id: '', claims: null });
    expect(JWT_SVID_REQUEST.decode(Buffer.alloc(0))).toStrictEqual({ audience: [], spiffe_id: '' });
  });

  it('bytes are Buffer views of the input, as protobufjs returns them', () => {
    const wire = X509_SVID_RESPONSE.encode({ svids: [{ x509_svid: der(300) }] });
    const svid = X509_SVID_RESPONSE.decode(wire).svids[0]!;
    expect(Buffer.isBuffer(svid.x509_svid)).toBe(true);
    expect(svid.x509_svid.buffer).toBe(wire.buffer);
    // A Uint8Array (not a Buffer) decodes too.
    expect(render(X509_SVID_RESPONSE.decode(new Uint8Array(wire)))).toBe(render(X509_SVID_RESPONSE.decode(wire)));
  });

  it('skips unknown fields of every wire type, at every level', () => {
    const svid = Buffer.concat([UNKNOWN, ld(1, Buffer.from('spiffe://example.org/web')), UNKNOWN, ld(2, der(20)), UNKNOWN]);
    const entry = Buffer.concat([UNKNOWN, ld(1, Buffer.from('spiffe://a.org')), UNKNOWN, ld(2, der(9)), UNKNOWN]);
    expectSameDecode('X509SVIDResponse', Buffer.concat([UNKNOWN, ld(1, svid), UNKNOWN, ld(2, der(5)), ld(3, entry), UNKNOWN]));
    expectSameDecode('X509BundlesResponse', Buffer.concat([UNKNOWN, ld(2, entry), UNKNOWN, ld(1, der(4))]));
    expectSameDecode('JWTBundlesResponse', Buffer.concat([UNKNOWN, ld(1, entry), UNKNOWN]));
    expectSameDecode('JWTSVIDResponse', Buffer.concat([UNKNOWN, ld(1, Buffer.concat([UNKNOWN, ld(2, Buffer.from('t.o.k')), UNKNOWN]))]));
    expectSameDecode('JWTSVIDRequest', Buffer.concat([UNKNOWN, ld(1, Buffer.from('api')), UNKNOWN, ld(1, Buffer.from('b'))]));
    expectSameDecode('ValidateJWTSVIDRequest', Buffer.concat([UNKNOWN, ld(2, Buffer.from('t')), UNKNOWN]));
    for (const name of ['X509SVIDRequest', 'X509BundlesRequest', 'JWTBundlesRequest'] as const) expectSameDecode(name, UNKNOWN);
    const value = Buffer.concat([UNKNOWN, ld(3, Buffer.from('s')), UNKNOWN]);
    const list = Buffer.concat([UNKNOWN, ld(1, value), UNKNOWN]);
    const fieldsEntry = Buffer.concat([UNKNOWN, ld(1, Buffer.from('k')), UNKNOWN, ld(2, Buffer.concat([ld(6, list), UNKNOWN])), UNKNOWN]);
    expectSameDecode('ValidateJWTSVIDResponse', Buffer.concat([UNKNOWN, ld(2, Buffer.concat([UNKNOWN, ld(1, fieldsEntry), UNKNOWN])), UNKNOWN]));
  });

  it('reads repeated fields in wire order and the last of a repeated singular field', () => {
    expectSameDecode('X509SVIDResponse', Buffer.concat([ld(2, der(1)), ld(1, Buffer.alloc(0)), ld(2, der(2)), ld(1, ld(5, Buffer.from('h')))]));
    // Duplicate map keys: the last value wins, at the first key's position.
    expectSameDecode('JWTBundlesResponse', Buffer.concat([ld(1, Buffer.concat([ld(1, Buffer.from('a')), ld(2, der(1))])), ld(1, Buffer.concat([ld(1, Buffer.from('b')), ld(2, der(2))])), ld(1, Buffer.concat([ld(1, Buffer.from('a')), ld(2, der(3))]))]));
    expectSameDecode('ValidateJWTSVIDRequest', Buffer.concat([ld(1, Buffer.from('first')), ld(1, Buffer.from('second'))]));
    // Map entry with the key after the value; an entry without key.
    expectSameDecode('X509BundlesResponse', Buffer.concat([ld(2, Buffer.concat([ld(2, der(3)), ld(1, Buffer.from('k'))])), ld(2, ld(2, der(4)))]));
  });

  it('non-minimal varints (lengths and tags padded with 0x80) read as protobufjs reads them', () => {
    const padded = Buffer.concat([Buffer.from([0x8a, 0x80, 0x80, 0x00]), Buffer.from([0x83, 0x80, 0x00]), Buffer.from('api')]);
    expectSameDecode('ValidateJWTSVIDRequest', padded);
  });

  it('Value members: the decoded object names its member in `kind`', () => {
    const res = VALIDATE_JWT_SVID_RESPONSE.decode(VALIDATE_JWT_SVID_RESPONSE.encode({ claims: CLAIMS }));
    expect(res.claims?.fields['exp']).toStrictEqual({ numberValue: 1_700_000_000, kind: 'numberValue' });
    expect(res.claims?.fields['none']).toStrictEqual({ nullValue: 'NULL_VALUE', kind: 'nullValue' });
    expect(res.claims?.fields['empty']).toStrictEqual({});
  });

  it('the generated decoders of src/gen/ (the client’s) read every golden message as this codec does', () => {
    // Maps become Maps; claims (Struct) become plain JSON, as structJson does below.
    const valueJson = (v: Record<string, unknown>): unknown => {
      const kind = v['kind'] as string | undefined;
      if (kind === undefined || kind === 'nullValue') return null;
      if (kind === 'structValue') return structJson(v['structValue'] as { fields: Record<string, Record<string, unknown>> });
      if (kind === 'listValue') return (v['listValue'] as { values: Record<string, unknown>[] }).values.map(valueJson);
      return v[kind];
    };
    const structJson = (st: { fields: Record<string, Record<string, unknown>> }): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(st.fields)) Object.defineProperty(out, k, { value: valueJson(v), enumerable: true, writable: true, configurable: true });
      return out;
    };
    const asGenerated = (name: Name, m: Record<string, unknown>): unknown => {
      const out: Record<string, unknown> = { ...m };
      for (const key of ['bundles', 'federated_bundles']) if (key in m) out[key] = new Map(Object.entries(m[key] as object));
      if (name === 'ValidateJWTSVIDResponse') out['claims'] = m['claims'] === null ? undefined : structJson(m['claims'] as { fields: Record<string, Record<string, unknown>> });
      return out;
    };
    const generated: Partial<Record<Name, { decode(b: Uint8Array): unknown }>> = {
      X509SVIDResponse: gen.X509SVIDResponse,
      X509BundlesResponse: gen.X509BundlesResponse,
      JWTSVIDResponse: gen.JWTSVIDResponse,
      JWTBundlesResponse: gen.JWTBundlesResponse,
      ValidateJWTSVIDResponse: gen.ValidateJWTSVIDResponse,
      JWTSVIDRequest: gen.JWTSVIDRequest,
      ValidateJWTSVIDRequest: gen.ValidateJWTSVIDRequest,
    };
    for (const [name, fns] of Object.entries(generated) as [Name, { decode(b: Uint8Array): unknown }][]) {
      for (const input of GOLDEN[name]) {
        if (name === 'ValidateJWTSVIDResponse' && JSON.stringify(input).includes('nullValue":5')) continue; // an unnamed enum value: both read it as null
        const wire = mine(name).encode(input);
        if (wire.length > 100_000) continue; // the multi-MiB fixtures: deep equality on them is slow, and they test the writer
        expect(fns.decode(wire)).toStrictEqual(asGenerated(name, mine(name).decode(wire) as Record<string, unknown>));
      }
    }
  });
});

// ---- the service definition ---------------------------------------------------------------------

describe('the hand-built service definition', () => {
  it('has the paths, streaming flags and originalName proto-loader gives', () => {
    const service = workloadApiService();
    expect(Object.keys(service)).toEqual(Object.keys(oracleService));
    for (const [rpc, def] of Object.entries(oracleService)) {
      const m = service[rpc]!;
      expect({ path: m.path, requestStream: m.requestStream, responseStream: m.responseStream, originalName: m.originalName }).toEqual({
        path: def.path,
        requestStream: def.requestStream,
        responseStream: def.responseStream,
        originalName: def.originalName,
      });
    }
    expect(loadWorkloadApiProto().method('ValidateJWTSVID').path).toBe('/SpiffeWorkloadAPI/ValidateJWTSVID');
    expect(loadWorkloadApiProto().service).toBe(service);
  });

  it('the serializers are the codec', () => {
    const m = workloadApiService()['FetchJWTSVID']!;
    const bytes = m.requestSerialize({ audience: ['api'] });
    expect(m.requestDeserialize(bytes)).toStrictEqual({ audience: ['api'], spiffe_id: '' });
    expect(m.responseDeserialize(m.responseSerialize({ svids: [{ svid: 't' }] }))).toStrictEqual({ svids: [{ spiffe_id: '', svid: 't', hint: '' }] });
  });
});

// ---- malformed input ----------------------------------------------------------------------------

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ProtobufWireError)) throw err;
    return err.code;
  }
}

describe('malformed bytes', () => {
  it('truncation anywhere is ERR_PROTOBUF_TRUNCATED', () => {
    const wire = X509_SVID_RESPONSE.encode(GOLDEN.X509SVIDResponse[3]);
    for (let n = 1; n < wire.length; n++) {
      const code = codeOf(() => X509_SVID_RESPONSE.decode(wire.subarray(0, n)));
      // Some cuts fall between fields and leave a shorter, valid message.
      if (code !== undefined) expect(code).toBe('ERR_PROTOBUF_TRUNCATED');
    }
    expect(codeOf(() => X509_SVID_RESPONSE.decode(wire.subarray(0, 3)))).toBe('ERR_PROTOBUF_TRUNCATED');
  });

  it('names each malformation', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from([0x0a, 0x05, 0x01]), 'ERR_PROTOBUF_TRUNCATED'], // 5 bytes announced, 1 there
      [Buffer.from([0x0a]), 'ERR_PROTOBUF_TRUNCATED'], // no length
      [Buffer.from([0x80]), 'ERR_PROTOBUF_TRUNCATED'], // tag cut
      [Buffer.from([0x09, 1, 2, 3]), 'ERR_PROTOBUF_TRUNCATED'], // fixed64 cut
      [Buffer.from([0x0d, 1, 2]), 'ERR_PROTOBUF_TRUNCATED'], // fixed32 cut
      [Buffer.from([0x08, 0xff, 0xff]), 'ERR_PROTOBUF_TRUNCATED'], // varint cut
      [Buffer.concat([Buffer.from([0x0a]), varint(2n ** 40n)]), 'ERR_PROTOBUF_TRUNCATED'], // length over 4 GiB
      [Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]), 'ERR_PROTOBUF_MALFORMED'], // 11-byte varint
      [Buffer.from([0x08, ...Array(9).fill(0xff), 0x02]), 'ERR_PROTOBUF_MALFORMED'], // over 64 bits
      [Buffer.from([0x00, 0x00]), 'ERR_PROTOBUF_MALFORMED'], // field 0
      [Buffer.from([0x0e]), 'ERR_PROTOBUF_MALFORMED'], // wire type 6
      [Buffer.from([0x0f]), 'ERR_PROTOBUF_MALFORMED'], // wire type 7
      [Buffer.from([0x0c]), 'ERR_PROTOBUF_MALFORMED'], // end-group without start
      [Buffer.from([0x0b, 0x14]), 'ERR_PROTOBUF_MALFORMED'], // group 1 closed by field 2
      [Buffer.from([0x0b, 0x08, 0x01]), 'ERR_PROTOBUF_TRUNCATED'], // group never closed
      [Buffer.concat([varint(2n ** 35n), Buffer.from([0])]), 'ERR_PROTOBUF_MALFORMED'], // tag over 32 bits
      [ld(1, Buffer.from([0x12, 0x05, 0x01])), 'ERR_PROTOBUF_TRUNCATED'], // nested length past its message
    ];
    for (const name of ['X509SVIDResponse', 'X509BundlesRequest'] as const) {
      for (const [bytes, code] of cases) {
        if (name === 'X509BundlesRequest' && bytes.equals(cases[cases.length - 1]![0])) continue; // an unknown field there
        expect([name, bytes.toString('hex'), codeOf(() => mine(name).decode(bytes))]).toEqual([name, bytes.toString('hex'), code]);
      }
    }
    // The nested length lies: field 2 inside the SVID cannot borrow bytes from after the SVID.
    const lying = Buffer.concat([ld(1, Buffer.from([0x12, 0x05, 0x01])), Buffer.from([1, 2, 3, 4])]);
    expect(codeOf(() => X509_SVID_RESPONSE.decode(lying))).toBe('ERR_PROTOBUF_TRUNCATED');
    const err = (() => {
      try {
        X509_SVID_RESPONSE.decode(Buffer.from([0x0a, 0x05, 0x01]));
      } catch (e) {
        return e as ProtobufWireError;
      }
    })();
    expect(err?.offset).toBe(1);
    expect(err?.message).toMatch(/at byte offset 1/);
  });

  it('nesting: depth 100 decodes as protobufjs does, deeper is ERR_PROTOBUF_TOO_DEEP', () => {
    // ValidateJWTSVIDResponse (0) > Struct (1) > Value (2) > ListValue (3) > Value (4) > ...
    const nestedList = (levels: number): Buffer => {
      let value = ld(3, Buffer.from('leaf'));
      for (let i = 0; i < levels; i++) value = ld(6, ld(1, value)); // Value > ListValue > Value
      return ld(2, ld(1, Buffer.concat([ld(1, Buffer.from('k')), ld(2, value)])));
    };
    const ok = nestedList(49); // innermost Value at depth 2 + 2 * 49 = 100
    expectSameDecode('ValidateJWTSVIDResponse', ok);
    const deep = nestedList(50); // 102
    expect(codeOf(() => VALIDATE_JWT_SVID_RESPONSE.decode(deep))).toBe('ERR_PROTOBUF_TOO_DEEP');
    expect(() => oracle('ValidateJWTSVIDResponse').decode(deep)).toThrow();
    const hostile = nestedList(100_000 / 4);
    expect(codeOf(() => VALIDATE_JWT_SVID_RESPONSE.decode(hostile))).toBe('ERR_PROTOBUF_TOO_DEEP');
    // Groups in unknown fields nest too.
    const groups = Buffer.concat([...Array.from({ length: 5000 }, () => tag(9, 3)), ...Array.from({ length: 5000 }, () => tag(9, 4))]);
    expect(codeOf(() => X509_SVID_REQUEST.decode(groups))).toBe('ERR_PROTOBUF_TOO_DEEP');
    const fine = Buffer.concat([...Array.from({ length: MAX_NESTING_DEPTH }, () => tag(9, 3)), ...Array.from({ length: MAX_NESTING_DEPTH }, () => tag(9, 4))]);
    expect(X509_SVID_REQUEST.decode(fine)).toStrictEqual({});
  });

  it('a wire type other than the field’s is an unknown field (as Go reads it)', () => {
    // spiffe_id (1) as a varint, svid (2) as fixed32: both skipped.
    expect(JWT_SVID_RESPONSE.decode(ld(1, Buffer.concat([tag(1, 0), varint(5), tag(2, 5), Buffer.alloc(4), ld(3, Buffer.from('h'))])))).toStrictEqual({
      svids: [{ spiffe_id: '', svid: '', hint: 'h' }],
    });
  });

  it('decodes a Value with several members as a oneof: the last one wins', () => {
    const value = Buffer.concat([tag(2, 1), Buffer.alloc(8), ld(3, Buffer.from('s')), tag(4, 0), varint(1)]);
    const res = VALIDATE_JWT_SVID_RESPONSE.decode(ld(2, ld(1, Buffer.concat([ld(1, Buffer.from('k')), ld(2, value)]))));
    expect(res.claims?.fields['k']).toStrictEqual({ boolValue: true, kind: 'boolValue' });
  });

  it('a map entry without value reads as an empty Buffer / an empty Value', () => {
    expect(JWT_BUNDLES_RESPONSE.decode(ld(1, ld(1, Buffer.from('spiffe://a.org'))))).toStrictEqual({ bundles: { 'spiffe://a.org': Buffer.alloc(0) } });
    expect(VALIDATE_JWT_SVID_RESPONSE.decode(ld(2, ld(1, ld(1, Buffer.from('k')))))).toStrictEqual({ spiffe_id: '', claims: { fields: { k: {} } } });
  });

  it('refuses to decode what is not bytes', () => {
    expect(codeOf(() => X509_SVID_RESPONSE.decode('abc' as unknown as Uint8Array))).toBe('ERR_PROTOBUF_INVALID_VALUE');
  });
});

describe('encoder input', () => {
  it('rejects values of the wrong shape with ERR_PROTOBUF_INVALID_VALUE', () => {
    const bad: [Name, unknown][] = [
      ['X509SVIDResponse', null],
      ['X509SVIDResponse', []],
      ['X509SVIDResponse', 'str'],
      ['X509SVIDResponse', { svids: 'x' }],
      ['X509SVIDResponse', { svids: [5] }],
      ['X509SVIDResponse', { svids: [{ x509_svid: 5 }] }],
      ['X509SVIDResponse', { crl: [{}] }],
      ['X509SVIDResponse', { federated_bundles: 'x' }],
      ['X509SVIDResponse', { federated_bundles: { a: null } }],
      ['JWTSVIDRequest', { audience: 'api' }],
      ['ValidateJWTSVIDResponse', { claims: 'x' }],
      ['ValidateJWTSVIDResponse', { claims: { fields: { a: 1 } } }],
      ['ValidateJWTSVIDResponse', { claims: { fields: { a: { listValue: { values: 'x' } } } } }],
    ];
    for (const [name, input] of bad) expect([name, input, codeOf(() => mine(name).encode(input))]).toEqual([name, input, 'ERR_PROTOBUF_INVALID_VALUE']);
  });

  it('a cyclic or too deep Struct is ERR_PROTOBUF_TOO_DEEP, not a stack overflow', () => {
    const cyclic: { fields: Record<string, unknown> } = { fields: {} };
    cyclic.fields['self'] = { structValue: cyclic };
    expect(codeOf(() => VALIDATE_JWT_SVID_RESPONSE.encode({ claims: cyclic }))).toBe('ERR_PROTOBUF_TOO_DEEP');
  });

  it('the writer moves content when a length needs more than one byte', () => {
    const w = new WireWriter();
    const outer = w.tag(1, 2).fork();
    const inner = w.tag(2, 2).fork();
    w.tag(3, 2).bytes(der(20_000));
    w.ldelim(inner).ldelim(outer);
    const r = new WireReader(w.finish());
    expect(r.tag()).toBe(0x0a);
    expect(r.length()).toBe(r.limit - r.pos);
    expect(r.tag()).toBe(0x12);
    expect(r.length()).toBe(r.limit - r.pos);
    expect(r.tag()).toBe(0x1a);
    expect(r.bytes().equals(der(20_000))).toBe(true);
    expect(new WireWriter().tag(1, 0).int32(-1).finish().toString('hex')).toBe('08ffffffffffffffffff01');
  });
});

// ---- property tests -----------------------------------------------------------------------------

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
const bytesMap = fc.dictionary(text, bytes, { maxKeys: 8 });

const valueArb = fc.letrec<{ value: object; struct: object; list: object }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ nullValue: 'NULL_VALUE' }),
    fc.double().map((numberValue) => ({ numberValue })),
    text.map((stringValue) => ({ stringValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
    tie('struct').map((structValue) => ({ structValue })),
    tie('list').map((listValue) => ({ listValue })),
    fc.constant({}),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((nullValue) => ({ nullValue })),
  ),
  struct: fc.dictionary(text, tie('value'), { maxKeys: 5 }).map((fields) => ({ fields })),
  list: fc.array(tie('value'), { maxLength: 5 }).map((values) => ({ values })),
}));

const ARBS: Record<Name, fc.Arbitrary<object>> = {
  X509SVIDRequest: fc.constant({}),
  X509BundlesRequest: fc.constant({}),
  JWTBundlesRequest: fc.constant({}),
  X509SVIDResponse: fc.record(
    {
      svids: fc.array(fc.record({ spiffe_id: text, x509_svid: bytes, x509_svid_key: bytes, bundle: bytes, hint: text }, { requiredKeys: [] }), { maxLength: 4 }),
      crl: fc.array(bytes, { maxLength: 3 }),
      federated_bundles: bytesMap,
    },
    { requiredKeys: [] },
  ),
  X509BundlesResponse: fc.record({ crl: fc.array(bytes, { maxLength: 3 }), bundles: bytesMap }, { requiredKeys: [] }),
  JWTSVIDRequest: fc.record({ audience: fc.array(text, { maxLength: 4 }), spiffe_id: text }, { requiredKeys: [] }),
  JWTSVIDResponse: fc.record({ svids: fc.array(fc.record({ spiffe_id: text, svid: text, hint: text }, { requiredKeys: [] }), { maxLength: 4 }) }, { requiredKeys: [] }),
  JWTBundlesResponse: fc.record({ bundles: bytesMap }, { requiredKeys: [] }),
  ValidateJWTSVIDRequest: fc.record({ audience: text, svid: text }, { requiredKeys: [] }),
  ValidateJWTSVIDResponse: fc.record({ spiffe_id: text, claims: valueArb.struct }, { requiredKeys: [] }),
};

/** Every Buffer in a decoded value lies inside `within` (no read outside the bytes given). */
function buffersInside(v: unknown, within: Buffer): boolean {
  if (Buffer.isBuffer(v)) return v.length === 0 || (v.buffer === within.buffer && v.byteOffset >= within.byteOffset && v.byteOffset + v.length <= within.byteOffset + within.length);
  if (Array.isArray(v)) return v.every((x) => buffersInside(x, within));
  if (typeof v === 'object' && v !== null) return Object.values(v).every((x) => buffersInside(x, within));
  return true;
}

/** Decodes `bytes` from the middle of a larger buffer whose surroundings are valid fields. */
function decodeFenced(name: Name, bytes: Uint8Array): { outcome: string; inside: boolean; ms: number } {
  const fence = Buffer.concat([ld(1, der(16)), ld(2, der(16)), ld(3, ld(1, Buffer.from('x')))]);
  const big = Buffer.concat([fence, bytes, fence]);
  const view = big.subarray(fence.length, fence.length + bytes.length);
  const t0 = performance.now();
  try {
    const out = mine(name).decode(view);
    return { outcome: render(out), inside: buffersInside(out, view), ms: performance.now() - t0 };
  } catch (err) {
    if (!(err instanceof ProtobufWireError)) throw err;
    return { outcome: `error ${err.code}`, inside: true, ms: performance.now() - t0 };
  }
}

/** A well-formed unknown field (numbers 16–40, unused by every message here) of any wire type, groups nested. */
const unknownField: fc.Arbitrary<Buffer> = fc.letrec<{ field: Buffer }>((tie) => ({
  field: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(fc.integer({ min: 16, max: 40 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => Buffer.concat([tag(f, 0), varint(v)])),
    fc.tuple(fc.integer({ min: 16, max: 40 }), fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([f, b]) => Buffer.concat([tag(f, 1), b])),
    fc.tuple(fc.integer({ min: 16, max: 40 }), fc.uint8Array({ maxLength: 20 })).map(([f, b]) => ld(f, Buffer.from(b))),
    fc.tuple(fc.integer({ min: 16, max: 40 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([f, b]) => Buffer.concat([tag(f, 5), b])),
    fc.tuple(fc.integer({ min: 16, max: 40 }), fc.array(tie('field'), { maxLength: 3 })).map(([f, inner]) => Buffer.concat([tag(f, 3), ...inner, tag(f, 4)])),
  ),
})).field;

describe('property: random messages round-trip identically through both codecs', () => {
  for (const name of NAMES) {
    it(name, () => {
      fc.assert(
        fc.property(ARBS[name], fc.array(unknownField, { maxLength: 3 }), fc.array(unknownField, { maxLength: 3 }), (input, before, after) => {
          const want = oracle(name).encode(input);
          const got = mine(name).encode(input);
          expect(got.toString('hex')).toBe(want.toString('hex'));
          expect(render(mine(name).decode(want))).toBe(render(oracle(name).decode(want)));
          // Unknown fields around the known ones (a message concatenation, valid protobuf) change nothing.
          const padded = Buffer.concat([...before, want, ...after]);
          expect(render(mine(name).decode(padded))).toBe(render(oracle(name).decode(padded)));
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('property: random and mutated bytes', () => {
  const mutated = (name: Name) =>
    fc
      .tuple(
        ARBS[name],
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 6 }),
      )
      .map(([input, edits]) => {
        const b = [...oracle(name).encode(input)];
        for (const [at, byte, op] of edits) {
          const i = b.length === 0 ? 0 : at % b.length;
          if (op === 'set' && b.length > 0) b[i] = byte;
          else if (op === 'insert') b.splice(i, 0, byte);
          else if (op === 'delete') b.splice(i, 1);
          else if (op === 'truncate') b.length = i;
        }
        return Uint8Array.from(b);
      });

  for (const name of NAMES) {
    it(`${name}: only ProtobufWireError, fast, within the bytes given`, () => {
      let slowest = 0;
      const check = (bytes: Uint8Array): void => {
        const fenced = decodeFenced(name, bytes);
        slowest = Math.max(slowest, fenced.ms);
        expect(fenced.inside).toBe(true);
        // Same outcome as a standalone copy: nothing outside the view was read.
        const alone = decodeFenced(name, Buffer.from(bytes));
        expect(fenced.outcome).toBe(alone.outcome);
      };
      fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 400 });
      fc.assert(fc.property(mutated(name), check), { numRuns: 400 });
      expect(slowest).toBeLessThan(250);
    });
  }

  it('a hostile 4 MiB of nested groups or tiny fields is refused or read in bounded time', () => {
    const t0 = performance.now();
    const fields = Buffer.alloc(4 * 1024 * 1024, 0); // field 0 at once
    expect(codeOf(() => X509_SVID_RESPONSE.decode(fields))).toBe('ERR_PROTOBUF_MALFORMED');
    const varints = Buffer.concat(Array.from({ length: 1 << 20 }, () => Buffer.from([0x48, 0x01]))); // 1M unknown varint fields
    expect(X509_SVID_RESPONSE.decode(varints)).toStrictEqual({ svids: [], crl: [], federated_bundles: {} });
    const emptySvids = Buffer.concat(Array.from({ length: 1 << 19 }, () => Buffer.from([0x0a, 0x00])));
    expect(X509_SVID_RESPONSE.decode(emptySvids).svids).toHaveLength(1 << 19);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
