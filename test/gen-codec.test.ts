// The generated Workload API messages (src/gen/, ts-proto output patched by scripts/gen.mjs) on
// hostile bytes: the refusals src/internal/proto-wire.ts adds, "__proto__" keys kept as data, and
// only errors (never a read outside the bytes given) on random and mutated input. Golden bytes and
// the comparison with protobufjs are in codec.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Struct } from '../src/gen/google/protobuf/struct.js';
import { JWTBundlesResponse, JWTSVIDResponse, ValidateJWTSVIDResponse, X509SVIDResponse } from '../src/gen/workload.js';
import { workloadApiService } from '../src/testing/workload-api-service.js';
import { ProtoWireFormatError } from '../src/internal/proto-wire.js';

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
const der = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** Encodes an X509SVIDResponse with fields left out, as the test Workload API does. */
const encodeX509 = (m: object): Buffer => workloadApiService()['FetchX509SVID']!.responseSerialize(m) as Buffer;

describe('hostile input', () => {
  it('a federated_bundles key "__proto__" is a map key, not a prototype', () => {
    const bytes = encodeX509({ federated_bundles: new Map([['__proto__', Buffer.from([1, 2, 3])], ['constructor', Buffer.from([4])]]) });
    const msg = X509SVIDResponse.decode(bytes);
    expect(msg.federated_bundles).toBeInstanceOf(Map);
    expect(msg.federated_bundles.get('__proto__')).toStrictEqual(Buffer.from([1, 2, 3]));
    expect(msg.federated_bundles.get('constructor')).toStrictEqual(Buffer.from([4]));
    expect(Object.getPrototypeOf(msg)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(msg.federated_bundles)).toBe(Map.prototype);
    const jwt = JWTBundlesResponse.decode(ld(1, Buffer.concat([ld(1, Buffer.from('__proto__')), ld(2, Buffer.from('{"keys":[]}'))])));
    expect(jwt.bundles.get('__proto__')?.toString()).toBe('{"keys":[]}');
  });

  it('JWT claims {"__proto__":{"admin":true}} stay an own claim named "__proto__"', () => {
    const bytes = ValidateJWTSVIDResponse.encode({ spiffe_id: 'spiffe://example.org/web', claims: JSON.parse('{"__proto__":{"admin":true},"sub":"spiffe://example.org/web"}') }).finish();
    const res = ValidateJWTSVIDResponse.decode(bytes);
    const claims = res.claims as Record<string, unknown>;
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(claims['admin']).toBeUndefined();
    expect(Object.hasOwn(claims, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(claims, '__proto__')?.value).toStrictEqual({ admin: true });
    expect(Object.keys(claims)).toStrictEqual(['__proto__', 'sub']);
    // Nested structs too.
    const nested = ValidateJWTSVIDResponse.decode(ValidateJWTSVIDResponse.encode({ spiffe_id: '', claims: JSON.parse('{"a":{"__proto__":{"admin":true}}}') }).finish());
    expect(((nested.claims as Record<string, Record<string, unknown>>)['a'] ?? {})['admin']).toBeUndefined();
    expect(Struct.unwrap(Struct.decode(Struct.encode(Struct.wrap(JSON.parse('{"__proto__":1}'))).finish()))).toStrictEqual(JSON.parse('{"__proto__":1}'));
  });

  it('refuses what Go refuses and the generator alone would read', () => {
    const cases: [string, Buffer][] = [
      ['field number 0', Buffer.from([0x00, 0x00])],
      ['field number 0 inside an SVID', Buffer.concat([ld(1, Buffer.from([0x00])), ld(1, ld(1, Buffer.from('spiffe://x/y')))])],
      ['end-group without start', Buffer.from([0x0c])],
      ['end-group inside an SVID', Buffer.concat([ld(1, Buffer.from([0x0c, 0x0a, 0x01, 0x41]))])],
      ['wire type 6', Buffer.from([0x0e])],
      ['wire type 7', Buffer.from([0x0f])],
      ['tag over 32 bits aliasing field 1', Buffer.concat([varint(2n ** 35n + 10n), varint(0)])],
      ['5-byte tag with high bits', Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00])],
      ['group closed by another field', Buffer.from([0x4b, 0x54])],
      // The SVID is 3 bytes long, but its field 2 announces 5: bytes after the SVID would be read as its certificate.
      ['nested length past its message', Buffer.concat([ld(1, Buffer.from([0x12, 0x05, 0x01])), Buffer.from([1, 2, 3, 4])])],
    ];
    for (const [what, bytes] of cases) {
      expect([what, (() => { try { X509SVIDResponse.decode(bytes); return 'decoded'; } catch (e) { return e instanceof Error ? 'refused' : 'odd'; } })()]).toStrictEqual([what, 'refused']);
    }
    expect(() => X509SVIDResponse.decode(Buffer.from([0x00]))).toThrow(ProtoWireFormatError);
  });

  it('truncation is refused; a known field with another wire type is skipped; unknown fields are skipped', () => {
    const wire = encodeX509({ svids: [{ spiffe_id: 'spiffe://example.org/web', x509_svid: der(50) }], federated_bundles: new Map([['spiffe://a.org', der(9)]]) });
    for (let n = 1; n < wire.length; n++) {
      try {
        X509SVIDResponse.decode(wire.subarray(0, n)); // some cuts fall between fields
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
    expect(() => X509SVIDResponse.decode(wire.subarray(0, 3))).toThrow();
    expect(JWTSVIDResponse.decode(ld(1, Buffer.concat([tag(1, 0), varint(5), tag(2, 5), Buffer.alloc(4), ld(3, Buffer.from('h'))])))).toStrictEqual({ svids: [{ spiffe_id: '', svid: '', hint: 'h' }] });
    const unknown = Buffer.concat([tag(90, 0), varint(2n ** 63n), tag(91, 1), Buffer.alloc(8), ld(92, Buffer.from('x')), tag(93, 3), tag(1, 0), varint(1), tag(93, 4), tag(94, 5), Buffer.alloc(4)]);
    expect(X509SVIDResponse.decode(Buffer.concat([unknown, wire, unknown])).svids).toHaveLength(1);
  });

  it('nesting deeper than 100 messages is refused, not a stack overflow', () => {
    const nestedList = (levels: number): Buffer => {
      let value = ld(3, Buffer.from('leaf'));
      for (let i = 0; i < levels; i++) value = ld(6, ld(1, value));
      return ld(2, ld(1, Buffer.concat([ld(1, Buffer.from('k')), ld(2, value)])));
    };
    expect(() => ValidateJWTSVIDResponse.decode(nestedList(40))).not.toThrow();
    expect(() => ValidateJWTSVIDResponse.decode(nestedList(60))).toThrow(/recursion limit/);
    expect(() => ValidateJWTSVIDResponse.decode(nestedList(25_000))).toThrow(/recursion limit/);
  });

  it('property: random and mutated bytes give a message or an Error, never read outside the bytes given', () => {
    const base = encodeX509({ svids: [{ spiffe_id: 'spiffe://example.org/web', x509_svid: der(40), hint: 'h' }], crl: [der(5)], federated_bundles: new Map([['spiffe://a.org', der(9)]]) });
    const claims = Buffer.from(ValidateJWTSVIDResponse.encode({ spiffe_id: 'x', claims: { a: [1, { b: true }] } }).finish());
    const outcome = (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): string => {
      try {
        return JSON.stringify(decode(bytes), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        return 'error';
      }
    };
    const mutate = (b: Buffer) =>
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 6 }).map((edits) => {
        const out = [...b];
        for (const [at, byte, op] of edits) {
          const i = out.length === 0 ? 0 : at % out.length;
          if (op === 'set' && out.length > 0) out[i] = byte;
          else if (op === 'insert') out.splice(i, 0, byte);
          else if (op === 'delete') out.splice(i, 1);
          else out.length = i;
        }
        return Uint8Array.from(out);
      });
    for (const [decode, b] of [[(x: Uint8Array) => X509SVIDResponse.decode(x), base], [(x: Uint8Array) => ValidateJWTSVIDResponse.decode(x), claims]] as const) {
      const check = (bytes: Uint8Array): void => {
        // A view into a larger buffer with 0xff fences either side: the outcome must equal a standalone copy's.
        const fenced = Buffer.alloc(bytes.length + 64, 0xff);
        fenced.set(bytes, 32);
        expect(outcome(decode, fenced.subarray(32, 32 + bytes.length))).toBe(outcome(decode, Buffer.from(bytes)));
      };
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 300 });
      fc.assert(fc.property(mutate(b), check), { numRuns: 300 });
    }
  });
});
