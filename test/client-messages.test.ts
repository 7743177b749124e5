import { describe, expect, it } from 'vitest';
import { fromGrpcError, fromGrpcStatus, grpcStatusName, isGrpcServiceError, malformedResponse, WorkloadApiError } from '../src/workloadapi/errors.js';
import { checkLimits, DEFAULT_LIMITS, resolveLimits } from '../src/workloadapi/limits.js';
import { MAX_STRUCT_DEPTH, structToJson, toRawJwtSvidResponse, toRawX509BundlesResponse, toRawX509SvidResponse } from '../src/workloadapi/messages.js';

const ctx = { rpc: 'FetchX509SVID', address: 'unix:/tmp/a.sock', where: 'unix socket /tmp/a.sock' };

describe('raw message decoding', () => {
  it('fills absent fields with empty values', () => {
    expect(toRawX509SvidResponse({})).toEqual({ svids: [], crl: [], federated_bundles: {} });
    expect(toRawX509BundlesResponse(undefined)).toEqual({ crl: [], bundles: {} });
    const svid = toRawX509SvidResponse({ svids: [{}] }).svids[0];
    expect(svid).toEqual({ spiffe_id: '', x509_svid: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' });
    expect(svid?.x509_svid_key).toEqual(Buffer.alloc(0));
  });

  it('rejects wrong shapes as ERR_MALFORMED_RESPONSE', () => {
    for (const bad of [{ svids: 'x' }, { svids: [{ spiffe_id: 7 }] }, { svids: [{ x509_svid: 'text' }] }, { federated_bundles: { a: 'text' } }, { crl: [1] }, 'str']) {
      expect(() => toRawX509SvidResponse(bad)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_RESPONSE' }));
    }
    expect(() => toRawJwtSvidResponse({ svids: [{ svid: 1 }] })).toThrow(/svids\[0\]\.svid is not a string/);
  });

  it('keeps map keys such as __proto__ as own properties', () => {
    const decoded = { bundles: {} as Record<string, unknown> };
    Object.defineProperty(decoded.bundles, '__proto__', { value: Buffer.from('ca'), enumerable: true });
    const raw = toRawX509BundlesResponse(decoded);
    expect(Object.keys(raw.bundles)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(raw.bundles)).toBe(Object.prototype);
  });
});

describe('structToJson', () => {
  it('reads both proto-loader spellings and the oneof discriminator', () => {
    expect(
      structToJson({
        fields: {
          a: { kind: 'numberValue', numberValue: 1 },
          b: { string_value: 's' },
          c: { kind: 'listValue', listValue: { values: [{ boolValue: true }, { kind: 'nullValue', nullValue: 'NULL_VALUE' }] } },
          d: {},
        },
      }),
    ).toEqual({ a: 1, b: 's', c: [true, null], d: null });
  });

  it('keeps a __proto__ claim as an own property', () => {
    const struct = JSON.parse('{"fields":{"__proto__":{"stringValue":"x"}}}');
    const json = structToJson(struct);
    expect(Object.keys(json)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
  });

  it('refuses nesting deeper than MAX_STRUCT_DEPTH', () => {
    let v: object = { stringValue: 'leaf' };
    for (let i = 0; i < MAX_STRUCT_DEPTH + 2; i++) v = { structValue: { fields: { x: v } } };
    expect(() => structToJson({ fields: { x: v } })).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_RESPONSE' }));
  });

  it('rejects a member of the wrong type', () => {
    expect(() => structToJson({ fields: { a: { kind: 'numberValue', numberValue: 'one' } } })).toThrow(/not a number/);
  });
});

describe('gRPC status mapping', () => {
  it('names statuses', () => {
    expect(grpcStatusName(14)).toBe('UNAVAILABLE');
    expect(grpcStatusName(99)).toBe('CODE_99');
  });

  it('maps a response parsing error to ERR_MALFORMED_RESPONSE and other INTERNAL errors to ERR_AGENT_ERROR', () => {
    expect(fromGrpcStatus({ code: 13, details: 'Response message parsing error: index out of range' }, ctx)).toMatchObject({
      code: 'ERR_MALFORMED_RESPONSE',
      reason: 'Response message parsing error: index out of range',
      grpcStatus: 'INTERNAL',
    });
    expect(fromGrpcStatus({ code: 13, details: 'boom' }, ctx).code).toBe('ERR_AGENT_ERROR');
  });

  it('marks the grpc-js over-size error as the maxMessageBytes limit', () => {
    expect(fromGrpcStatus({ code: 8, details: 'Received message larger than max (5000 vs 1024)' }, ctx)).toMatchObject({ code: 'ERR_RESOURCE_LIMIT', limit: 'maxMessageBytes' });
  });

  it('recognises ServiceErrors, and fromGrpcError keeps WorkloadApiErrors and wraps the rest', () => {
    const se = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14, details: 'down' });
    expect(isGrpcServiceError(se)).toBe(true);
    expect(isGrpcServiceError({ code: 14, details: 'x' })).toBe(false);
    const mapped = fromGrpcError(se, 'unix:/tmp/a.sock', 'FetchJWTSVID');
    expect(mapped).toMatchObject({ code: 'ERR_AGENT_UNREACHABLE', grpcCode: 14, details: 'down', rpc: 'FetchJWTSVID' });
    expect(mapped.cause).toBe(se);
    const own = malformedResponse('bad');
    expect(fromGrpcError(own, 'x', 'y')).toBe(own);
    expect(fromGrpcError(new TypeError('oops'), 'x', 'y').code).toBe('ERR_AGENT_ERROR');
  });

  it('tells final errors apart', () => {
    expect(new WorkloadApiError('ERR_PROTOCOL_MISUSE', 'x').fatal).toBe(true);
    expect(new WorkloadApiError('ERR_UNIMPLEMENTED', 'x').fatal).toBe(true);
    expect(new WorkloadApiError('ERR_AGENT_UNREACHABLE', 'x').fatal).toBe(false);
    expect(new WorkloadApiError('ERR_NOT_REGISTERED', 'x').fatal).toBe(false);
  });
});

describe('resource limits', () => {
  it('counts the SVIDs own trust domains with the federated bundles', () => {
    const limits = resolveLimits({ maxBundles: 2 });
    const svids = [{ spiffe_id: 'spiffe://example.org/a', bundle: Buffer.alloc(1) }];
    expect(checkLimits({ svids, federated_bundles: { 'spiffe://b.org': Buffer.alloc(1) } }, limits)).toBeUndefined();
    expect(checkLimits({ svids, federated_bundles: { 'spiffe://b.org': Buffer.alloc(1), 'spiffe://c.org': Buffer.alloc(1) } }, limits)?.limit).toBe('maxBundles');
    // A federated entry for the SVID's own trust domain is not counted twice.
    expect(checkLimits({ svids, federated_bundles: { 'spiffe://example.org': Buffer.alloc(1), 'spiffe://c.org': Buffer.alloc(1) } }, limits)).toBeUndefined();
  });

  it('has the defaults of the design', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxSvids: 100, maxBundles: 200, maxBundleBytes: 4 * 1024 * 1024 });
  });
});
