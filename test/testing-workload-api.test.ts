import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestCa } from '../src/testing/ca.js';
import { startDevAgent } from '../src/testing/dev-agent.js';
import { TestingError } from '../src/testing/keys.js';
import { TestWorkloadApi } from '../src/testing/workload-api.js';
import { TestWorkloadApiError } from '../src/testing/workload-api-error.js';
import { OVERSIZED_BUNDLE_BYTES } from '../src/testing/workload-api-faults.js';

// ---------------------------------------------------------------------------------------------
// A raw grpc-js client over the same proto, with a message queue per stream.

const PROTO = fileURLToPath(new URL('../proto/workload.proto', import.meta.url));
let Client: grpc.ServiceClientConstructor;

beforeAll(async () => {
  const def = await protoLoader.load(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  Client = grpc.loadPackageDefinition(def)['SpiffeWorkloadAPI'] as grpc.ServiceClientConstructor;
});

interface X509Svid {
  spiffe_id: string;
  x509_svid: Buffer;
  x509_svid_key: Buffer;
  bundle: Buffer;
  hint: string;
}
interface X509SvidResponse {
  svids: X509Svid[];
  crl: Buffer[];
  federated_bundles: Record<string, Buffer>;
}
interface BundlesResponse {
  bundles: Record<string, Buffer>;
}
interface JwtSvidResponse {
  svids: { spiffe_id: string; svid: string; hint: string }[];
}
type StructValue = { kind: string; stringValue?: string; numberValue?: number; boolValue?: boolean; listValue?: { values: StructValue[] } };
interface ValidateResponse {
  spiffe_id: string;
  claims: { fields: Record<string, StructValue> };
}

const clients: grpc.Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function connect(api: { target: string }): grpc.Client & Record<string, (...args: unknown[]) => unknown> {
  const client = new Client(api.target, grpc.credentials.createInsecure());
  clients.push(client);
  return client as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
}

function header(value: string | null = 'true'): grpc.Metadata {
  const md = new grpc.Metadata();
  if (value !== null) md.set('workload.spiffe.io', value);
  return md;
}

class Subscription<T> {
  readonly messages: T[] = [];
  readonly ended: Promise<grpc.StatusObject>;
  #waiters: (() => void)[] = [];
  #read = 0;
  readonly call: grpc.ClientReadableStream<T>;

  constructor(call: grpc.ClientReadableStream<T>) {
    this.call = call;
    call.on('data', (m: T) => {
      this.messages.push(m);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.ended = new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        resolve(s);
        for (const w of this.#waiters.splice(0)) w();
      });
      call.on('error', () => undefined);
    });
  }

  /** The next unread message (waits up to `timeoutMs`). */
  async next(timeoutMs = 2000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.messages.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (got ${this.messages.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages[this.#read++]!;
  }

  /** No unread message arrives within `ms`. */
  async quiet(ms = 100): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.#read >= this.messages.length;
  }
}

function subscribe<T>(api: { target: string }, method: 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTBundles', md = header()): Subscription<T> {
  const client = connect(api);
  return new Subscription<T>(client[method]!({}, md) as grpc.ClientReadableStream<T>);
}

function unary<T>(api: { target: string }, method: 'FetchJWTSVID' | 'ValidateJWTSVID', request: object, md = header()): Promise<T> {
  const client = connect(api);
  return new Promise((resolve, reject) => {
    client[method]!(request, md, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  return { code: grpc.status.OK, details: 'OK' };
}

function certs(der: Buffer): X509Certificate[] {
  const out: X509Certificate[] = [];
  let offset = 0;
  while (offset < der.length) {
    const lenByte = der[offset + 1]!;
    const n = lenByte & 0x7f;
    const len = lenByte < 0x80 ? lenByte : der.subarray(offset + 2, offset + 2 + n).readUIntBE(0, n);
    const total = 2 + (lenByte < 0x80 ? 0 : n) + len;
    out.push(new X509Certificate(der.subarray(offset, offset + total)));
    offset += total;
  }
  return out;
}

function keyMatches(svid: X509Svid): boolean {
  const leaf = certs(svid.x509_svid)[0]!;
  const spki = createPublicKey(createPrivateKey({ key: svid.x509_svid_key, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  return spki.equals(leaf.publicKey.export({ format: 'der', type: 'spki' }));
}

// ---------------------------------------------------------------------------------------------

describe('TestWorkloadApi', () => {
  let partner: TestCa;
  let api: TestWorkloadApi;

  beforeAll(async () => {
    partner = await TestCa.create({ trustDomain: 'partner.test' });
    api = await TestWorkloadApi.start({
      trustDomain: 'example.org',
      intermediate: true,
      identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }, { id: 'spiffe://example.org/db' }],
      federatedBundles: { 'partner.test': partner },
    });
  });
  afterAll(() => api.close());

  it('exposes a unix address, socket path, CA and SVIDs', () => {
    expect(api.address).toBe(`unix://${api.socketPath}`);
    expect(api.socketPath).toMatch(/agent\.sock$/);
    expect(existsSync(api.socketPath!)).toBe(true);
    expect(api.trustDomain.name).toBe('example.org');
    expect(api.ca.intermediates).toHaveLength(1);
    expect(api.svids().map((s) => s.id.toString())).toEqual(['spiffe://example.org/web', 'spiffe://example.org/db']);
    expect(api.svid()!.hint).toBe('internal');
    expect(api.federatedTrustDomains()).toEqual(['partner.test']);
    expect(JSON.stringify(api)).not.toMatch(/PRIVATE/);
  });

  it('enforces the security header on every call', async () => {
    for (const md of [header(null), header('false'), header('TRUE')]) {
      expect(await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }, md))).toEqual({
        code: grpc.status.INVALID_ARGUMENT,
        details: 'security header missing from request',
      });
    }
    const twice = header();
    twice.add('workload.spiffe.io', 'true');
    expect((await statusOf(unary(api, 'ValidateJWTSVID', { audience: 'a', svid: 'x' }, twice))).code).toBe(grpc.status.INVALID_ARGUMENT);
    for (const method of ['FetchX509SVID', 'FetchX509Bundles', 'FetchJWTBundles'] as const) {
      const sub = subscribe(api, method, header(null));
      const status = await sub.ended;
      expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(status.details).toBe('security header missing from request');
      expect(sub.messages).toHaveLength(0);
    }
  });

  it('streams the full X.509-SVID set with bundle, hint and federated bundles', async () => {
    const sub = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const msg = await sub.next();
    expect(msg.svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/web', 'spiffe://example.org/db']);
    expect(msg.svids.map((s) => s.hint)).toEqual(['internal', '']);
    const [web] = msg.svids;
    expect(web!.x509_svid.equals(api.svid()!.certChainDer)).toBe(true);
    expect(certs(web!.x509_svid)).toHaveLength(2); // leaf + intermediate
    expect(certs(web!.x509_svid)[1]!.ca).toBe(true);
    expect(keyMatches(web!)).toBe(true);
    expect(web!.bundle.equals(api.ca.bundleDer())).toBe(true);
    expect(certs(web!.x509_svid)[1]!.verify(certs(web!.bundle)[0]!.publicKey)).toBe(true);
    expect(Object.keys(msg.federated_bundles)).toEqual(['spiffe://partner.test']);
    expect(msg.federated_bundles['spiffe://partner.test']!.equals(partner.bundleDer())).toBe(true);
    expect(msg.crl).toEqual([]);
    await api.waitForStreams(1, { rpc: 'fetchX509Svid' });
    expect(api.activeStreamsOf('fetchX509Svid')).toBe(1);
    sub.call.cancel();
    await sub.ended;
    await expect.poll(() => api.activeStreams).toBe(0);
  });

  it('streams X.509 bundles and JWT bundles keyed spiffe://<td>', async () => {
    const x = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    const xm = await x.next();
    expect(Object.keys(xm.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://partner.test']);
    expect(xm.bundles['spiffe://example.org']!.equals(api.ca.rootDer)).toBe(true);
    expect(xm.bundles['spiffe://partner.test']!.equals(partner.rootDer)).toBe(true);

    const j = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    const jm = await j.next();
    expect(Object.keys(jm.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://partner.test']);
    expect(JSON.parse(jm.bundles['spiffe://example.org']!.toString())).toEqual(api.ca.jwks());
    expect(JSON.parse(jm.bundles['spiffe://partner.test']!.toString())).toEqual(partner.jwks());
  });

  it('mints JWT-SVIDs for all identities or the requested one', async () => {
    const before = api.calls.fetchJwtSvid;
    expect(await statusOf(unary(api, 'FetchJWTSVID', { audience: [] }))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'audience must be specified' });

    const all = await unary<JwtSvidResponse>(api, 'FetchJWTSVID', { audience: ['api'] });
    expect(all.svids.map((s) => [s.spiffe_id, s.hint])).toEqual([
      ['spiffe://example.org/web', 'internal'],
      ['spiffe://example.org/db', ''],
    ]);
    const { payload } = await jwtVerify(all.svids[0]!.svid, createLocalJWKSet(api.ca.jwks()), { audience: 'api' });
    expect(payload.sub).toBe('spiffe://example.org/web');
    expect(payload.aud).toBe('api');
    expect(payload.exp! - payload.iat!).toBe(300);

    const one = await unary<JwtSvidResponse>(api, 'FetchJWTSVID', { audience: ['a', 'b'], spiffe_id: 'spiffe://example.org/db' });
    expect(one.svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/db']);
    expect(decodeJwt(one.svids[0]!.svid).aud).toEqual(['a', 'b']);

    expect(await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'], spiffe_id: 'spiffe://example.org/nobody' }))).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'no identity issued',
    });
    expect((await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'], spiffe_id: 'not an id' }))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(api.calls.fetchJwtSvid - before).toBe(5);
  });

  it('validates JWT-SVIDs against own and federated JWT bundles', async () => {
    const token = await api.ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: ['api', 'other'], extraClaims: { scope: ['read', 'write'], n: 7, ok: true, nested: { a: 'b' } } });
    const res = await unary<ValidateResponse>(api, 'ValidateJWTSVID', { audience: 'api', svid: token });
    expect(res.spiffe_id).toBe('spiffe://example.org/web');
    const f = res.claims.fields;
    expect(f['sub']!.stringValue).toBe('spiffe://example.org/web');
    expect(f['aud']!.listValue!.values.map((v) => v.stringValue)).toEqual(['api', 'other']);
    expect(typeof f['exp']!.numberValue).toBe('number');
    expect(f['n']!.numberValue).toBe(7);
    expect(f['ok']!.boolValue).toBe(true);
    expect(f['scope']!.listValue!.values.map((v) => v.stringValue)).toEqual(['read', 'write']);
    expect(f['nested']!.kind).toBe('structValue');

    const federated = await partner.signJwtSvid({ subject: 'spiffe://partner.test/client', audience: 'api' });
    expect((await unary<ValidateResponse>(api, 'ValidateJWTSVID', { audience: 'api', svid: federated })).spiffe_id).toBe('spiffe://partner.test/client');

    const reject = async (request: object, details?: RegExp) => {
      const s = await statusOf(unary(api, 'ValidateJWTSVID', request));
      expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
      if (details) expect(s.details).toMatch(details);
    };
    await reject({ audience: 'someone-else', svid: token }, /audience/);
    const expired = await api.ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api', exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 4000 });
    await reject({ audience: 'api', svid: expired }, /expired/);
    const rogue = await TestCa.create({ trustDomain: 'example.org' });
    await reject({ audience: 'api', svid: await rogue.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api' }) }, /no key found/);
    const sameKid = await TestCa.create({ trustDomain: 'example.org', jwt: { kid: api.ca.jwt.activeKid! } });
    await reject({ audience: 'api', svid: await sameKid.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api' }) }, /signature/);
    await reject({ audience: 'api', svid: await api.ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api', signature: 'invalid' }) }, /signature/);
    const unknownTd = await TestCa.create({ trustDomain: 'stranger.test' });
    await reject({ audience: 'api', svid: await unknownTd.signJwtSvid({ subject: 'spiffe://stranger.test/x', audience: 'api' }) }, /stranger\.test/);
    await reject({ audience: 'api', svid: await api.ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api', exp: null }) });
    await reject({ audience: 'api', svid: await api.ca.signJwtSvid({ subject: 'spiffe://example.org/web', audience: 'api', extraHeader: { alg: 'none' } }) }, /algorithm/);
    await reject({ audience: 'api', svid: 'not.a.token' }, /malformed/);
    await reject({ audience: '', svid: token }, /audience must be specified/);
    await reject({ audience: 'api', svid: '' }, /svid must be specified/);
  });
});

describe('TestWorkloadApi pushes', () => {
  let api: TestWorkloadApi;

  beforeAll(async () => {
    api = await TestWorkloadApi.start();
  });
  afterAll(() => api.close());
  afterEach(async () => {
    api.clearFailure();
    api.endStreams();
    await expect.poll(() => api.activeStreams).toBe(0);
  });

  it('defaults to one identity spiffe://example.org/workload', () => {
    expect(api.svids().map((s) => s.id.toString())).toEqual(['spiffe://example.org/workload']);
  });

  it('rotate() pushes a new X.509-SVID on open streams within 100 ms, and only there', async () => {
    const svid = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const bundles = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    const jwt = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    const first = await svid.next();
    await bundles.next();
    await jwt.next();
    await api.waitForStreams(3);

    const latencies: number[] = [];
    let previous = first.svids[0]!.x509_svid;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const [issued] = await api.rotate();
      const next = await svid.next(1000);
      latencies.push(performance.now() - t0);
      expect(next.svids[0]!.x509_svid.equals(previous)).toBe(false);
      expect(next.svids[0]!.x509_svid.equals(issued!.certChainDer)).toBe(true);
      expect(keyMatches(next.svids[0]!)).toBe(true);
      previous = next.svids[0]!.x509_svid;
    }
    expect(Math.max(...latencies)).toBeLessThan(100);
    // Bundles did not change: those streams stay quiet.
    expect(await bundles.quiet(50)).toBe(true);
    expect(await jwt.quiet(0)).toBe(true);
  });

  it('rotate(id) re-issues one identity; unknown ids are refused', async () => {
    await api.addIdentity({ id: 'spiffe://example.org/second', hint: 'two' });
    const sub = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const before = await sub.next();
    await api.rotate('spiffe://example.org/second');
    const after = await sub.next();
    expect(after.svids[0]!.x509_svid.equals(before.svids[0]!.x509_svid)).toBe(true);
    expect(after.svids[1]!.x509_svid.equals(before.svids[1]!.x509_svid)).toBe(false);
    await expect(api.rotate('spiffe://example.org/nope')).rejects.toBeInstanceOf(TestingError);
    await expect(api.addIdentity({ id: 'spiffe://example.org/second' })).rejects.toBeInstanceOf(TestingError);
    await expect(api.addIdentity({ id: 'spiffe://other.org/x' })).rejects.toBeInstanceOf(TestingError);
    expect(await api.removeIdentity('spiffe://example.org/second')).toBe(true);
    expect((await sub.next()).svids).toHaveLength(1);
  });

  it('rotateCa() changes the bundle, re-issues the SVIDs and pushes both X.509 streams', async () => {
    const svid = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const bundles = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    const jwt = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    await svid.next();
    await bundles.next();
    await jwt.next();
    const oldRoot = api.ca.rootDer;
    const ca = await api.rotateCa();
    expect(ca).toBe(api.ca);
    const s = await svid.next();
    const b = await bundles.next();
    expect(s.svids[0]!.bundle.equals(ca.rootDer)).toBe(true);
    expect(certs(s.svids[0]!.x509_svid)[0]!.verify(ca.rootCertificate.publicKey)).toBe(true);
    expect(b.bundles['spiffe://example.org']!.equals(ca.rootDer)).toBe(true);
    expect(await jwt.quiet(50)).toBe(true); // the JWT issuer is kept

    await api.rotateCa({ keepPrevious: true });
    const overlap = await bundles.next();
    expect(certs(overlap.bundles['spiffe://example.org']!).map((c) => c.raw.equals(api.ca.rootDer) || c.raw.equals(ca.rootDer))).toEqual([true, true]);
    expect(overlap.bundles['spiffe://example.org']!.includes(oldRoot)).toBe(false);
  });

  it('redaction: removing identities pushes the rest, removing the last ends streams with PermissionDenied', async () => {
    await api.addIdentity({ id: 'spiffe://example.org/extra' });
    const svid = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const bundles = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    expect((await svid.next()).svids).toHaveLength(2);
    await bundles.next();
    const first = api.svid()!;

    await api.removeIdentity(first.id);
    expect((await svid.next()).svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/extra']);
    await api.removeIdentity('spiffe://example.org/extra');
    for (const sub of [svid, bundles]) expect(await sub.ended).toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'no identity issued' });
    expect(api.activeStreams).toBe(0);

    const late = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    expect((await late.ended).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await api.removeIdentity('spiffe://example.org/extra')).toBe(false);

    await api.addIdentity({ id: first.id });
    const back = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    expect((await back.next()).svids.map((s) => s.spiffe_id)).toEqual([first.id.toString()]);
  });

  it('federated bundles: set and remove push the X.509-SVID, X.509 bundle and JWT bundle streams', async () => {
    const svid = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const bundles = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    const jwt = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    await Promise.all([svid.next(), bundles.next(), jwt.next()]);

    const fed = await TestCa.create({ trustDomain: 'fed.test' });
    await api.setFederatedBundle('spiffe://fed.test', fed);
    expect((await svid.next()).federated_bundles['spiffe://fed.test']!.equals(fed.rootDer)).toBe(true);
    expect((await bundles.next()).bundles['spiffe://fed.test']!.equals(fed.rootDer)).toBe(true);
    expect(JSON.parse((await jwt.next()).bundles['spiffe://fed.test']!.toString())).toEqual(fed.jwks());

    const raw = Buffer.concat([fed.rootDer, api.ca.rootDer]);
    await api.setFederatedBundle('raw.test', raw);
    expect((await bundles.next()).bundles['spiffe://raw.test']!.equals(raw)).toBe(true);
    expect((await svid.next()).federated_bundles['spiffe://raw.test']!.equals(raw)).toBe(true);
    expect(await jwt.quiet(50)).toBe(true); // DER only: no JWT bundle for raw.test

    expect(await api.removeFederatedBundle('fed.test')).toBe(true);
    expect(await api.removeFederatedBundle('raw.test')).toBe(true);
    expect(Object.keys((await bundles.next()).bundles)).toEqual(['spiffe://example.org', 'spiffe://raw.test']);
    expect(Object.keys((await bundles.next()).bundles)).toEqual(['spiffe://example.org']);
    expect(Object.keys((await jwt.next()).bundles)).toEqual(['spiffe://example.org']);
    await expect(api.setFederatedBundle('example.org', fed)).rejects.toBeInstanceOf(TestingError);
  });

  it('addJwtKey / removeJwtKey push the JWT bundles', async () => {
    const jwt = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    const keysOf = (m: BundlesResponse) => (JSON.parse(m.bundles['spiffe://example.org']!.toString()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const [oldKid] = keysOf(await jwt.next());
    const kid = await api.addJwtKey();
    expect(keysOf(await jwt.next())).toEqual([oldKid, kid]);
    const token = (await unary<JwtSvidResponse>(api, 'FetchJWTSVID', { audience: ['x'] })).svids[0]!.svid;
    expect(await api.removeJwtKey()).toBe(true);
    expect(keysOf(await jwt.next())).toEqual([kid]);
    expect((await unary<ValidateResponse>(api, 'ValidateJWTSVID', { audience: 'x', svid: token })).spiffe_id).toBe('spiffe://example.org/workload');
    expect(await api.removeJwtKey('nope')).toBe(false);
  });

  it('failWith ends open streams and answers new calls with the status', async () => {
    const sub = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    await sub.next();
    api.failWith('UNAVAILABLE', 'agent is busy');
    expect(await sub.ended).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'agent is busy' });
    expect((await subscribe(api, 'FetchJWTBundles').ended).code).toBe(grpc.status.UNAVAILABLE);
    expect((await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }))).code).toBe(grpc.status.UNAVAILABLE);
    api.clearFailure();
    await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();

    // One method, a number of times, default SPIRE wording.
    api.failWith(grpc.status.PERMISSION_DENIED, undefined, { rpc: 'fetchJwtSvid', times: 2 });
    expect(await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }))).toEqual({ code: grpc.status.PERMISSION_DENIED, details: 'no identity issued' });
    await subscribe<BundlesResponse>(api, 'FetchJWTBundles').next(); // other methods unaffected
    expect((await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }))).code).toBe(grpc.status.OK);

    api.failWith('UNIMPLEMENTED', undefined, { rpc: 'validateJwtSvid' });
    expect((await statusOf(unary(api, 'ValidateJWTSVID', { audience: 'a', svid: 'x' }))).code).toBe(grpc.status.UNIMPLEMENTED);
    api.failWith('INVALID_ARGUMENT', 'bad', { rpc: 'fetchX509Bundles', times: 1 });
    expect((await subscribe(api, 'FetchX509Bundles').ended).code).toBe(grpc.status.INVALID_ARGUMENT);
    await subscribe<BundlesResponse>(api, 'FetchX509Bundles').next();

    // times: 0 only ends the open streams.
    const open = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    await open.next();
    api.failWith('UNAVAILABLE', undefined, { times: 0, rpc: 'fetchX509Svid' });
    expect((await open.ended).code).toBe(grpc.status.UNAVAILABLE);
    await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();

    expect(() => api.failWith(0)).toThrow(TestingError);
    expect(() => api.failWith('NOPE' as 'OK')).toThrow(TestingError);
  });

  it('endStreams ends open streams cleanly with OK', async () => {
    const a = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const b = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    await Promise.all([a.next(), b.next()]);
    expect(api.endStreams('fetchX509Svid')).toBe(1);
    expect((await a.ended).code).toBe(grpc.status.OK);
    expect(api.activeStreamsOf('fetchJwtBundles')).toBe(1);
    expect(api.endStreams()).toBe(1);
    expect((await b.ended).code).toBe(grpc.status.OK);
  });

  it('pushRaw and pushMalformed deliver arbitrary messages on open streams', async () => {
    const svid = subscribe<X509SvidResponse>(api, 'FetchX509SVID');
    const bundles = subscribe<BundlesResponse>(api, 'FetchX509Bundles');
    const jwt = subscribe<BundlesResponse>(api, 'FetchJWTBundles');
    const good = await svid.next();
    await Promise.all([bundles.next(), jwt.next()]);

    expect(api.pushRaw('fetchX509Svid', { svids: [] })).toBe(1);
    expect((await svid.next()).svids).toEqual([]);
    api.pushRaw('fetchX509Bundles', { bundles: new Map([['spiffe://example.org', Buffer.from('junk')]]) });
    expect((await bundles.next()).bundles['spiffe://example.org']!.toString()).toBe('junk');

    // An incomplete message: the fields left out arrive as their proto3 defaults.
    expect(api.pushRaw('fetchX509Svid', { svids: [{ spiffe_id: 'spiffe://example.org/half' }] })).toBe(1);
    expect(await svid.next()).toEqual({
      svids: [{ spiffe_id: 'spiffe://example.org/half', x509_svid: Buffer.alloc(0), x509_svid_key: Buffer.alloc(0), bundle: Buffer.alloc(0), hint: '' }],
      crl: [],
      federated_bundles: {},
    });
    // A message the generated encoder cannot write is refused before anything is sent, naming the field.
    const refusals: [unknown, RegExp][] = [
      [{ federated_bundles: { 'spiffe://partner.test': Buffer.from('x') } }, /X509SVIDResponse\.federated_bundles must be a Map/],
      [{ svids: [{ x509_svid: 'MIIB' }] }, /X509SVIDResponse\.svids\[0\]\.x509_svid must be bytes/],
      [{ svid: [] }, /X509SVIDResponse has no field "svid"/],
    ];
    for (const [message, why] of refusals) {
      let err: unknown;
      try {
        api.pushRaw('fetchX509Svid', message as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TestingError);
      expect(err).toMatchObject({ code: 'ERR_TESTING_INVALID_OPTION', message: expect.stringMatching(why) });
    }
    expect(await svid.quiet(50)).toBe(true);

    api.pushMalformed('empty-svids');
    expect((await svid.next()).svids).toHaveLength(0);
    api.pushMalformed('garbage-der');
    const garbage = await svid.next();
    expect(garbage.svids[0]!.x509_svid.subarray(0, 4)).toEqual(Buffer.from([0x30, 0x82, 0x0f, 0xff]));
    expect(() => new X509Certificate(garbage.svids[0]!.x509_svid)).toThrow();
    expect(garbage.svids[0]!.x509_svid_key.equals(good.svids[0]!.x509_svid_key)).toBe(true);
    api.pushMalformed('key-mismatch');
    const mismatch = await svid.next();
    expect(mismatch.svids[0]!.x509_svid.equals(good.svids[0]!.x509_svid)).toBe(true);
    expect(keyMatches(mismatch.svids[0]!)).toBe(false);
    api.pushMalformed('empty-spiffe-id');
    expect((await svid.next()).svids[0]!.spiffe_id).toBe('');

    api.pushMalformed('oversized-bundle', { bytes: 64 * 1024 });
    const big = (await bundles.next()).bundles['spiffe://example.org']!;
    expect(big.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(certs(big).every((c) => c.raw.equals(api.ca.rootDer))).toBe(true);
    api.pushMalformed('oversized-bundle', { rpc: 'fetchJwtBundles', bytes: 10_000 });
    const bigJwks = (await jwt.next()).bundles['spiffe://example.org']!;
    expect(bigJwks.length).toBeGreaterThanOrEqual(10_000);
    expect((JSON.parse(bigJwks.toString()) as { keys: unknown[] }).keys).toHaveLength(api.ca.jwks().keys.length);
    api.pushMalformed('garbage-der', { rpc: 'fetchJwtBundles' });
    const garbageJwks = (await jwt.next()).bundles['spiffe://example.org']!;
    expect(() => JSON.parse(garbageJwks.toString())).toThrow();
    expect(() => api.pushMalformed('key-mismatch', { rpc: 'fetchX509Bundles' })).toThrow(TestingError);

    // The default oversized bundle is just over 4 MiB (pushed to a client that accepts it).
    const roomy = new Client(api.target, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
    clients.push(roomy);
    const wide = new Subscription<BundlesResponse>((roomy as unknown as Record<string, (...a: unknown[]) => grpc.ClientReadableStream<BundlesResponse>>)['FetchX509Bundles']!({}, header()));
    await wide.next();
    api.pushMalformed('oversized-bundle');
    expect((await wide.next(5000)).bundles['spiffe://example.org']!.length).toBeGreaterThan(OVERSIZED_BUNDLE_BYTES - 1);

    // The real state comes back with the next refresh.
    expect(api.refresh({ rpc: 'fetchX509Svid' })).toBe(1);
    expect((await svid.next()).svids[0]!.x509_svid.equals(good.svids[0]!.x509_svid)).toBe(true);
    expect(api.refresh({ rpc: 'fetchX509Svid' })).toBe(0); // unchanged: deduplicated
    expect(api.refresh({ rpc: 'fetchX509Svid', force: true })).toBe(1);
    await svid.next();
  });

  it('counts calls per method', async () => {
    api.resetCalls();
    await subscribe<BundlesResponse>(api, 'FetchJWTBundles').next();
    await unary(api, 'FetchJWTSVID', { audience: ['a'] });
    await statusOf(unary(api, 'FetchJWTSVID', { audience: ['a'] }, header(null)));
    expect({ ...api.calls }).toEqual({ fetchX509Svid: 0, fetchX509Bundles: 0, fetchJwtSvid: 2, fetchJwtBundles: 1, validateJwtSvid: 0 });
  });

  it('waitForStreams times out with a clear error', async () => {
    const err = await api.waitForStreams(5, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestWorkloadApiError);
    expect((err as TestWorkloadApiError).code).toBe('ERR_TESTING_TIMEOUT');
    expect((err as Error).message).toContain(api.address);
  });
});

describe('TestWorkloadApi lifecycle', () => {
  it('stop() ends streams with Unavailable; restart() listens on the same socket path', async () => {
    await using api = await TestWorkloadApi.start({ requireHeader: false });
    const path = api.socketPath!;
    const sub = subscribe<X509SvidResponse>(api, 'FetchX509SVID', header(null)); // header not required
    const before = await sub.next();
    await api.stop();
    expect(api.running).toBe(false);
    expect(await sub.ended).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(existsSync(path)).toBe(false);
    await api.rotate(); // state still changes while down

    await api.restart();
    expect(api.running).toBe(true);
    expect(api.socketPath).toBe(path);
    const after = await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();
    expect(after.svids[0]!.x509_svid.equals(before.svids[0]!.x509_svid)).toBe(false);
    expect(after.svids[0]!.x509_svid.equals(api.svid()!.certChainDer)).toBe(true);
  });

  it('close() removes the socket and temp dir, is idempotent and leaves no handles', async () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'Timeout');
    const baseline = handles().length;
    const api = await TestWorkloadApi.start();
    const client = connect(api);
    await new Subscription<X509SvidResponse>(client['FetchX509SVID']!({}, header()) as grpc.ClientReadableStream<X509SvidResponse>).next();
    client.close();
    const path = api.socketPath!;
    await Promise.all([api.close(), api.close()]);
    await api.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(dirname(path))).toBe(false);
    await expect.poll(() => handles().length).toBeLessThanOrEqual(baseline);
    await expect(api.restart()).rejects.toMatchObject({ code: 'ERR_TESTING_SERVER_CLOSED' });
  });

  it('rejects pending waits on close, tolerates concurrent restart/stop, honours ttlMs', async () => {
    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/short', ttlMs: 60_000 }] });
    const svid = api.svid()!;
    expect(svid.expiresAt.getTime() - new Date(svid.leaf.validFrom).getTime()).toBeLessThanOrEqual(61_000);
    const waiting = api.waitForStreams(1, { timeoutMs: 10_000 });
    await Promise.all([api.stop(), api.stop()]);
    await Promise.all([api.restart(), api.restart(), api.restart()]);
    expect(api.running).toBe(true);
    await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();
    await waiting;
    const never = expect(api.waitForStreams(5, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'ERR_TESTING_SERVER_CLOSED' });
    await api.close();
    await never;
    await expect(api.waitForStreams(1)).rejects.toMatchObject({ code: 'ERR_TESTING_SERVER_CLOSED' });
  });

  it('listens on TCP and keeps the port across restart', async () => {
    const api = await TestWorkloadApi.start({ tcp: true, trustDomain: 'tcp.test' });
    try {
      expect(api.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(api.socketPath).toBeUndefined();
      const port = api.port;
      const msg = await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();
      expect(msg.svids[0]!.spiffe_id).toBe('spiffe://tcp.test/workload');
      const jwt = await unary<JwtSvidResponse>(api, 'FetchJWTSVID', { audience: ['a'] });
      expect(decodeJwt(jwt.svids[0]!.svid).sub).toBe('spiffe://tcp.test/workload');
      await api.stop();
      await api.restart();
      expect(api.port).toBe(port);
      await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next();
    } finally {
      await api.close();
    }
  });

  it('uses a given socket path and CA, replacing a stale socket file', async () => {
    const ca = await TestCa.create({ trustDomain: 'given.test' });
    const first = await TestWorkloadApi.start({ ca, identities: [] });
    const path = `${dirname(first.socketPath!)}/nested/given.sock`;
    const api = await TestWorkloadApi.start({ ca, socketPath: path, identities: [{ id: 'spiffe://given.test/a' }] });
    try {
      expect(api.ca).toBe(ca);
      expect(api.address).toBe(`unix://${path}`);
      expect((await subscribe<X509SvidResponse>(first, 'FetchX509SVID').ended).code).toBe(grpc.status.PERMISSION_DENIED);
      expect((await subscribe<X509SvidResponse>(api, 'FetchX509SVID').next()).svids[0]!.spiffe_id).toBe('spiffe://given.test/a');
    } finally {
      await api.close();
      await first.close();
    }
    expect(existsSync(path)).toBe(false);
    await expect(TestWorkloadApi.start({ tcp: true, socketPath: '/tmp/x.sock' })).rejects.toBeInstanceOf(TestingError);
    await expect(TestWorkloadApi.start({ ca, trustDomain: 'other.test' })).rejects.toBeInstanceOf(TestingError);
  });
});

describe('dev-agent', () => {
  it('prints the export line, rotates periodically and shuts down when its signal fires', async () => {
    let out = '';
    let err = '';
    const controller = new AbortController();
    const agent = await startDevAgent(
      { tcp: true, trustDomain: 'dev.test', ids: ['spiffe://dev.test/api'], rotateEveryMs: 50 },
      { stdout: (s) => (out += s), stderr: (s) => (err += s), signal: controller.signal },
    );
    try {
      expect(out).toBe(`export SPIFFE_ENDPOINT_SOCKET=${agent.api.address}\n`);
      expect(err).toContain('serving spiffe://dev.test/api (trust domain dev.test)');
      const sub = subscribe<X509SvidResponse>(agent.api, 'FetchX509SVID');
      const first = await sub.next();
      expect(first.svids[0]!.spiffe_id).toBe('spiffe://dev.test/api');
      const second = await sub.next(2000);
      expect(second.svids[0]!.x509_svid.equals(first.svids[0]!.x509_svid)).toBe(false);
    } finally {
      controller.abort();
    }
    await agent.closed;
    expect(agent.api.running).toBe(false);
    expect(err).toMatch(/stopped\n$/);
  });

  it('refuses a bad status before listening', async () => {
    await expect(startDevAgent({ failWith: 'NOPE' as 'UNAVAILABLE' }, { stdout: () => {}, stderr: () => {} })).rejects.toBeInstanceOf(TestingError);
  });
});
