import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authenticateBearer,
  authorizeMemberOf,
  BearerAuthError,
  bearerHeader,
  extractBearerToken,
  JwtBundle,
  JwtSvid,
  JwtSvidError,
  jwksForTrustDomain,
  matchId,
  type SpiffeId,
  toOidcJwks,
} from '../src/index.js';
import {
  grpcBearerMetadata,
} from '../src/grpc/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { JwtSource } from '../src/workloadapi/jwt-source.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

const WEB = 'spiffe://example.org/web';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('bearerHeader / grpcBearerMetadata', () => {
  it('builds the Authorization header and gRPC metadata', () => {
    expect(bearerHeader(TOKEN)).toEqual({ authorization: `Bearer ${TOKEN}` });
    const md = grpcBearerMetadata(TOKEN);
    expect(md.get('authorization')).toEqual([`Bearer ${TOKEN}`]);
    expect(extractBearerToken(md)).toBe(TOKEN);
  });

  it('refuses empty tokens and header injection', () => {
    expect(codeOf(() => bearerHeader(''))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(codeOf(() => bearerHeader('a\r\nx-evil: 1'))).toBe('ERR_JWT_INVALID_ARGUMENT');
    expect(codeOf(() => bearerHeader('a b'))).toBe('ERR_JWT_INVALID_ARGUMENT');
  });
});

describe('extractBearerToken', () => {
  it('reads plain header objects, case-insensitive scheme and header name', () => {
    expect(extractBearerToken({ authorization: `Bearer ${TOKEN}` })).toBe(TOKEN);
    expect(extractBearerToken({ authorization: `bearer ${TOKEN}` })).toBe(TOKEN);
    expect(extractBearerToken({ Authorization: `BEARER ${TOKEN}` })).toBe(TOKEN);
    expect(extractBearerToken({ headers: { authorization: `Bearer ${TOKEN}` } })).toBe(TOKEN);
    expect(extractBearerToken({ headers: new Headers({ authorization: `Bearer ${TOKEN}` }) })).toBe(TOKEN);
    expect(extractBearerToken({})).toBeUndefined();
    expect(extractBearerToken({ rawHeaders: ['Host', 'x'] })).toBeUndefined();
  });

  it('reads a grpc-js call and Metadata', () => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    expect(extractBearerToken({ metadata })).toBe(TOKEN);
    metadata.add('authorization', `Bearer ${TOKEN}`);
    expect(codeOf(() => extractBearerToken({ metadata }))).toBe('ERR_BEARER_MULTIPLE');
  });

  it('refuses malformed values', () => {
    const cases: Record<string, string> = {
      'Bearer': 'ERR_BEARER_MALFORMED',
      'Bearer ': 'ERR_BEARER_MALFORMED',
      [`Bearer  ${TOKEN}`]: 'ERR_BEARER_MALFORMED',
      [`Bearer ${TOKEN} x`]: 'ERR_BEARER_MALFORMED',
      [`Bearer\t${TOKEN}`]: 'ERR_BEARER_SCHEME',
      'Basic dXNlcjpwYXNz': 'ERR_BEARER_SCHEME',
      [TOKEN]: 'ERR_BEARER_SCHEME',
      'Bearer a"b': 'ERR_BEARER_MALFORMED',
    };
    for (const [value, code] of Object.entries(cases)) {
      expect(codeOf(() => extractBearerToken({ authorization: value })), JSON.stringify(value)).toBe(code);
    }
    expect(codeOf(() => extractBearerToken({ authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }))).toBe('ERR_BEARER_MULTIPLE');
    expect(codeOf(() => extractBearerToken({ rawHeaders: ['authorization', `Bearer ${TOKEN}`, 'Authorization', `Bearer ${TOKEN}`] }))).toBe('ERR_BEARER_MULTIPLE');
  });

  it('sees duplicate Authorization headers on a real node:http request (which Node would drop)', async () => {
    let seen: string | undefined;
    const server = http.createServer((req, res) => {
      seen = codeOf(() => extractBearerToken(req));
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nauthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
    expect(seen).toBe('ERR_BEARER_MULTIPLE');
  });
});

describe('extractBearerToken over http2', () => {
  it('reads the headers of an http2 stream and of the compat request', async () => {
    const seen: Array<string | undefined> = [];
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      seen.push(extractBearerToken(headers));
      stream.respond({ ':status': 200 });
      stream.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanup.push(() => session.close());
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ':path': '/', ...bearerHeader(TOKEN) });
      req.on('response', () => undefined).on('error', reject).on('close', () => resolve());
      req.resume();
      req.end();
    });
    expect(seen).toEqual([TOKEN]);
  });
});

describe('authenticateBearer', () => {
  async function setup() {
    const api = await TestWorkloadApi.start({ identities: [{ id: WEB }, { id: 'spiffe://example.org/other' }] });
    cleanup.push(() => api.close());
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    return { api, source };
  }

  it('401 for missing / invalid / expired tokens, 403 for an unauthorized subject', async () => {
    const { api, source } = await setup();
    const authenticate = authenticateBearer(source, { audience: 'orders', authorize: matchId(WEB), realm: 'orders' });
    const good = await source.fetchJwtSvid({ audience: 'orders', subject: WEB });
    const caller = await authenticate({ headers: bearerHeader(good) });
    expect(caller).toBeInstanceOf(JwtSvid);
    expect(caller.id.toString()).toBe(WEB);

    const fail = async (input: Parameters<typeof authenticate>[0]) => {
      try {
        await authenticate(input);
      } catch (err) {
        expect(err).toBeInstanceOf(BearerAuthError);
        return err as BearerAuthError;
      }
      throw new Error('accepted');
    };
    const missing = await fail({});
    expect([missing.status, missing.code, missing.wwwAuthenticate]).toEqual([401, 'ERR_BEARER_MISSING', 'Bearer realm="orders"']);

    const now = Math.floor(Date.now() / 1000);
    const expired = await fail(bearerHeader(await api.ca.signJwtSvid({ subject: WEB, audience: 'orders', iat: now - 600, exp: now - 300 })));
    expect([expired.status, expired.code]).toEqual([401, 'ERR_BEARER_INVALID']);
    expect(expired.wwwAuthenticate).toBe('Bearer realm="orders", error="invalid_token", error_description="The token expired"');
    expect((expired.cause as JwtSvidError).code).toBe('ERR_JWT_EXPIRED');

    const wrongAudience = await fail(bearerHeader(await source.fetchJwtSvid({ audience: 'billing', subject: WEB })));
    expect([wrongAudience.status, (wrongAudience.cause as JwtSvidError).code]).toEqual([401, 'ERR_JWT_AUDIENCE']);

    const stranger = await TestCa.create({ trustDomain: 'example.org' });
    const unknownKey = await fail(bearerHeader(await stranger.signJwtSvid({ subject: WEB, audience: 'orders' })));
    expect((unknownKey.cause as JwtSvidError).code).toBe('ERR_JWT_UNKNOWN_KID');

    const garbage = await fail({ authorization: 'Bearer not.a.jwt' });
    expect([garbage.status, garbage.code, garbage.headers['www-authenticate']]).toEqual([401, 'ERR_BEARER_INVALID', 'Bearer realm="orders", error="invalid_token", error_description="The token is invalid"']);

    const forbidden = await fail(bearerHeader(await source.fetchJwtSvid({ audience: 'orders', subject: 'spiffe://example.org/other' })));
    expect([forbidden.status, forbidden.code, forbidden.subject]).toEqual([403, 'ERR_BEARER_FORBIDDEN', 'spiffe://example.org/other']);
    expect(forbidden.wwwAuthenticate).toBe('Bearer realm="orders", error="insufficient_scope"');
  });

  it('authorize fails closed: only true lets the caller in; authorizers work in a matcher\'s place', async () => {
    const { source } = await setup();
    const token = bearerHeader(await source.fetchJwtSvid({ audience: 'orders', subject: WEB }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanup.push(() => process.off('unhandledRejection', onUnhandled));
    const outcome = async (authorize: unknown) => {
      const authenticate = authenticateBearer(source, { audience: 'orders', authorize: authorize as (id: SpiffeId) => boolean });
      try {
        return (await authenticate({ headers: token })).id.toString();
      } catch (err) {
        expect(err).toBeInstanceOf(BearerAuthError);
        return `${(err as BearerAuthError).status} ${(err as BearerAuthError).code} ${(err as Error).message}`;
      }
    };
    // Allowed: a matching matcher, a true-returning authorizer (called with no chain: a JWT has none).
    expect(await outcome(matchId(WEB))).toBe(WEB);
    expect(await outcome(authorizeMemberOf('example.org'))).toBe(WEB);
    expect(await outcome(() => true)).toBe(WEB);
    // Refused with 403 (never a 500 or a pass): a refusing authorizer, false, void, async, 1, throws.
    const boom = new TypeError('boom');
    const refused: Array<[unknown, string]> = [
      [authorizeMemberOf('other.org'), 'authorize threw Peer spiffe://example.org/web is not authorized: expected a member of trust domain other.org'],
      [matchId('spiffe://example.org/other'), 'authorize returned false'],
      [() => undefined, 'authorize returned undefined, not true'],
      [async () => true, 'authorize returned an object or Promise, not true'],
      [async () => Promise.reject(new Error('async no')), 'authorize returned an object or Promise, not true'],
      [() => 1, 'authorize returned number, not true'],
      [() => 'true', 'authorize returned string, not true'],
      [
        () => {
          throw boom;
        },
        'authorize threw boom',
      ],
      [
        () => {
          throw 'nope';
        },
        'authorize threw a non-Error value',
      ],
    ];
    for (const [authorize, why] of refused) expect(await outcome(authorize)).toContain(`403 ERR_BEARER_FORBIDDEN ${WEB} is not authorized: ${why}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  });

  it('refuses an authorize that is not a function at once', () => {
    for (const authorize of [null, 'spiffe://example.org/web', {}, true]) {
      expect(codeOf(() => authenticateBearer(new JwtBundle('example.org'), { audience: 'orders', authorize: authorize as never }))).toBe('ERR_JWT_INVALID_ARGUMENT');
    }
  });

  it('refuses an empty audience at once', () => {
    expect(codeOf(() => authenticateBearer(new JwtBundle('example.org'), { audience: [] }))).toBe('ERR_JWT_AUDIENCE_EMPTY_EXPECTED');
  });
});

describe('OIDC JWKS', () => {
  it('exports a trust domain JWT bundle as a standard JWKS document', async () => {
    const api = await TestWorkloadApi.start();
    cleanup.push(() => api.close());
    const source = await JwtSource.create({ address: api.address, timeoutMs: 5000 });
    cleanup.push(() => source.close());
    const jwks = jwksForTrustDomain(source, 'example.org');
    expect(jwks?.keys).toHaveLength(1);
    const key = jwks?.keys[0];
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
    expect(typeof key?.kid).toBe('string');
    expect(jwksForTrustDomain(source, 'nowhere.test')).toBeUndefined();
    // What a relying party does with it: verify a token with a bundle read back from the JWKS.
    const bundle = JwtBundle.fromJwks('example.org', JSON.stringify(jwks));
    const svid = await source.fetchJwtSvid({ audience: 'sts' });
    expect((await JwtSvid.parseAndValidate(svid.token, bundle, 'sts')).id.toString()).toBe('spiffe://example.org/workload');
    expect(toOidcJwks(bundle)).toEqual(jwks);
  });
});
