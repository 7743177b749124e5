import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromGrpcError, fromGrpcStatus, isGrpcServiceError, malformedResponse, WorkloadApiError } from '../src/workloadapi/errors.js';
import { grpcStatusName } from '../src/internal/grpc/status.js';
import { checkLimits, DEFAULT_LIMITS, resolveLimits } from '../src/workloadapi/limits.js';
import { FETCH_JWT_BUNDLES, FETCH_X509_BUNDLES, FETCH_X509_SVID, VALIDATE_JWT_SVID } from '../src/workloadapi/methods.js';
import { ValidateJWTSVIDResponse, X509BundlesResponse, X509SVIDResponse } from '../src/gen/workload.js';

const ctx = { rpc: 'FetchX509SVID', address: 'unix:/tmp/a.sock', where: 'unix socket /tmp/a.sock' };

// The client's decoders are the generated ones (src/gen/, hostile bytes in gen-codec.test.ts);
// these tests cover what methods.ts adds and the shapes fetch*Raw returns.
const ld = (field: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);

describe('raw message decoding', () => {
  it('fills absent fields with empty values; maps are Maps', () => {
    expect(FETCH_X509_SVID.responseDeserialize(Buffer.alloc(0))).toStrictEqual({ svids: [], crl: [], federated_bundles: new Map() });
    expect(FETCH_X509_BUNDLES.responseDeserialize(Buffer.alloc(0))).toStrictEqual({ crl: [], bundles: new Map() });
    expect(VALIDATE_JWT_SVID.responseDeserialize(Buffer.alloc(0))).toStrictEqual({ spiffe_id: '', claims: {} });
    const svid = FETCH_X509_SVID.responseDeserialize(ld(1, Buffer.alloc(0))).svids[0];
    expect({ ...svid }).toStrictEqual({ spiffe_id: '', x509_svid: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' });
    expect(svid?.x509_svid_key).toStrictEqual(Buffer.alloc(0));
  });

  it('keeps the private key out of enumeration, JSON and inspection', () => {
    const bytes = X509SVIDResponse.encode({ svids: [{ spiffe_id: 'spiffe://a.org/w', x509_svid: Buffer.from([1]), x509_svid_key: Buffer.from('secret key bytes'), bundle: Buffer.alloc(0), hint: '' }], crl: [], federated_bundles: new Map() }).finish();
    const svid = FETCH_X509_SVID.responseDeserialize(Buffer.from(bytes)).svids[0]!;
    expect(svid.x509_svid_key.toString()).toBe('secret key bytes');
    expect(Object.keys(svid)).not.toContain('x509_svid_key');
    expect(JSON.stringify(svid)).not.toContain('x509_svid_key');
    expect(inspect(svid)).not.toContain('secret');
  });

  it('refuses malformed bytes with an error (the channel turns it into ERR_MALFORMED_RESPONSE)', () => {
    expect(() => FETCH_X509_SVID.responseDeserialize(Buffer.from([0x0a, 0x05, 0x01]))).toThrow();
    expect(() => FETCH_JWT_BUNDLES.responseDeserialize(Buffer.from([0x00]))).toThrow(/field number 0/);
  });

  it('keeps map keys such as __proto__ as map keys', () => {
    const bytes = X509BundlesResponse.encode({ crl: [], bundles: new Map([['__proto__', Buffer.from('ca')]]) }).finish();
    const raw = FETCH_X509_BUNDLES.responseDeserialize(Buffer.from(bytes));
    expect([...raw.bundles.keys()]).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
  });
});

describe('claims', () => {
  it('unwraps the Struct to JSON; a Value with no member is null', () => {
    const struct = (fields: Buffer[]): Buffer => ld(2, Buffer.concat(fields.map((f) => ld(1, f))));
    const entry = (key: string, value: Buffer): Buffer => Buffer.concat([ld(1, Buffer.from(key)), ld(2, value)]);
    const res = VALIDATE_JWT_SVID.responseDeserialize(struct([entry('a', Buffer.from([0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])), entry('d', Buffer.alloc(0)), entry('s', ld(3, Buffer.from('x')))]));
    expect(res.claims).toStrictEqual({ a: 1, d: null, s: 'x' });
  });

  it('keeps a __proto__ claim as an own property, without touching the prototype', () => {
    const bytes = ValidateJWTSVIDResponse.encode({ spiffe_id: 'spiffe://a.org/w', claims: JSON.parse('{"__proto__":{"admin":true}}') }).finish();
    const { claims } = VALIDATE_JWT_SVID.responseDeserialize(Buffer.from(bytes));
    expect(Object.keys(claims)).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect((claims as Record<string, unknown>)['admin']).toBeUndefined();
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
    expect(checkLimits({ svids, federated_bundles: new Map([['spiffe://b.org', Buffer.alloc(1)]]) }, limits)).toBeUndefined();
    expect(checkLimits({ svids, federated_bundles: new Map([['spiffe://b.org', Buffer.alloc(1)], ['spiffe://c.org', Buffer.alloc(1)]]) }, limits)?.limit).toBe('maxBundles');
    // A federated entry for the SVID's own trust domain is not counted twice.
    expect(checkLimits({ svids, federated_bundles: new Map([['spiffe://example.org', Buffer.alloc(1)], ['spiffe://c.org', Buffer.alloc(1)]]) }, limits)).toBeUndefined();
  });

  it('has the defaults of the design', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxSvids: 100, maxBundles: 200, maxBundleBytes: 4 * 1024 * 1024 });
  });
});
