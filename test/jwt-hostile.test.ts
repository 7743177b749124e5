// Hostile spellings of JWT-SVIDs signed with real keys of the test JWT issuer: non-canonical
// base64url (one token, many spellings), duplicate members, `__proto__` members, oversized tokens,
// through JwtSvid, the bearer middleware on a real HTTP server, the client against a scripted
// agent, and the test Workload API's ValidateJWTSVID.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authenticateBearer, BearerAuthError, extractBearerToken, JwtBundle, JwtSvid, JwtSvidError } from '../src/index.js';
import { nonCanonicalBase64url } from '../src/internal/base64url.js';
import { MAX_TOKEN_LENGTH } from '../src/svid/jwt-token.js';
import { TestJwtIssuer } from '../src/testing/index.js';
import { WorkloadApiClient } from '../src/workloadapi/client.js';
import { ScriptedAgent } from './client-server.js';
import { runCaptured } from './helpers/cli.js';
import { onCleanup, runCleanup, testAgent } from './helpers/scratch.js';

afterEach(runCleanup);

const SUB = 'spiffe://example.org/web';
const AUD = 'api';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let issuer: TestJwtIssuer;
let bundle: JwtBundle;
/** The private key of the issuer's `hand` key, to sign headers and payloads jose would not write. */
let handKey: KeyObject;

const b64u = (text: string): string => Buffer.from(text).toString('base64url');

/** Signs exactly `headerJson.payloadJson` with the issuer's `hand` key (ES256). */
function handSigned(headerJson: string, payloadJson: string): string {
  const input = `${b64u(headerJson)}.${b64u(payloadJson)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: handKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function payload(extra = ''): string {
  const now = Math.floor(Date.now() / 1000);
  return `{"sub":"${SUB}","aud":["${AUD}"],"exp":${now + 300},"iat":${now}${extra}}`;
}

/** Every other spelling of `part` that decodes to the same bytes (non-zero spare bits in its last character). */
function respellings(part: string): string[] {
  const rest = part.length % 4;
  if (rest === 0) return [];
  const spare = rest === 2 ? 0x0f : 0x03;
  const last = ALPHABET.indexOf(part.at(-1) as string);
  const out: string[] = [];
  for (let bits = 1; bits <= spare; bits++) out.push(part.slice(0, -1) + ALPHABET[(last & ~spare) | bits]);
  return out;
}

function replacePart(token: string, index: number, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

/** What `p` rejects with (the test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

async function jwtCode(run: () => unknown): Promise<string> {
  const err = await failure(Promise.resolve().then(run));
  expect(err).toBeInstanceOf(JwtSvidError);
  return (err as JwtSvidError).code;
}

const validate = (token: string) => JwtSvid.parseAndValidate(token, bundle, AUD);

/** A token from the issuer (ES256) whose `part` (0 header, 1 payload, 2 signature) has a last group of `rest` characters. */
async function tokenWithSpareBits(part: 0 | 1 | 2, rest: 2 | 3): Promise<string> {
  for (let n = 0; n < 12; n++) {
    const kid = part === 0 ? `spare-${'k'.repeat(n)}` : 'spare';
    const token = await issuer.signJwtSvid({ subject: SUB, audience: AUD, kid, extraClaims: part === 1 ? { pad: 'p'.repeat(n) } : {} });
    if ((token.split('.')[part] as string).length % 4 === rest) return token;
  }
  throw new Error(`no token with a part ${part} of length 4n + ${rest}`);
}

beforeAll(async () => {
  issuer = await TestJwtIssuer.create({ trustDomain: 'example.org' });
  await issuer.addJwtKey({ alg: 'RS256', kid: 'rsa', activate: false });
  handKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  await issuer.addJwtKey({ kid: 'hand', privateKey: handKey, activate: false });
  // kids of growing length, to get headers of every base64url length
  await issuer.addJwtKey({ kid: 'spare', activate: false });
  for (let n = 0; n < 12; n++) await issuer.addJwtKey({ kid: `spare-${'k'.repeat(n)}`, activate: false });
  bundle = JwtBundle.fromJwks('example.org', issuer.jwks());
});

describe('canonical base64url', () => {
  it('nonCanonicalBase64url: the spare bits of every length', () => {
    for (let n = 0; n < 40; n++) {
      const canonical = Buffer.alloc(n, 0xa5).toString('base64url');
      expect(nonCanonicalBase64url(canonical), canonical).toBeUndefined();
      for (const other of respellings(canonical)) {
        expect(Buffer.from(other, 'base64url').equals(Buffer.from(canonical, 'base64url'))).toBe(true); // same bytes
        expect(nonCanonicalBase64url(other)).toMatch(/trailing bits/);
      }
    }
    expect(nonCanonicalBase64url('AAAAA')).toMatch(/impossible base64url length/);
    for (const c of ALPHABET) expect(nonCanonicalBase64url(`A${c}`) === undefined, c).toBe((ALPHABET.indexOf(c) & 0x0f) === 0);
  });

  it('a re-spelled signature is refused, though jose alone accepts it', async () => {
    const token = await tokenWithSpareBits(2, 2); // ES256: 64 bytes, 86 characters, 4 spare bits
    expect((await validate(token)).id.toString()).toBe(SUB);
    const spellings = respellings(token.split('.')[2] as string);
    expect(spellings).toHaveLength(15);
    const key = bundle.findJwtAuthority('spare') as KeyObject;
    for (const signature of spellings) {
      const hostile = replacePart(token, 2, signature);
      await compactVerify(hostile, key); // the malleability: the signature bytes are the same
      const err = await failure(validate(hostile));
      expect(err).toBeInstanceOf(JwtSvidError);
      expect((err as JwtSvidError).code).toBe('ERR_JWT_MALFORMED');
      expect((err as Error).message).toMatch(/^The JWT-SVID signature has non-zero trailing bits .*only canonical unpadded base64url is accepted/);
      expect((err as Error).message).not.toContain(signature);
      expect(await jwtCode(() => JwtSvid.parseInsecure(hostile, AUD))).toBe('ERR_JWT_MALFORMED');
    }
  });

  it('an RS256 signature (256 bytes: 4 spare bits) too', async () => {
    const rsa = await issuer.signJwtSvid({ subject: SUB, audience: AUD, kid: 'rsa', alg: 'RS256' });
    expect((rsa.split('.')[2] as string).length % 4).toBe(2);
    expect((await validate(rsa)).id.toString()).toBe(SUB);
    for (const signature of respellings(rsa.split('.')[2] as string)) expect(await jwtCode(() => validate(replacePart(rsa, 2, signature)))).toBe('ERR_JWT_MALFORMED');
  });

  it('a re-spelled header or payload is refused (2 and 3 character last groups)', async () => {
    for (const part of [0, 1] as const) {
      for (const rest of [2, 3] as const) {
        const token = await tokenWithSpareBits(part, rest);
        expect((await validate(token)).id.toString()).toBe(SUB);
        const spellings = respellings(token.split('.')[part] as string);
        expect(spellings).toHaveLength(rest === 2 ? 15 : 3);
        for (const spelling of spellings) {
          const hostile = replacePart(token, part, spelling);
          const err = await failure(validate(hostile));
          expect((err as JwtSvidError).code).toBe('ERR_JWT_MALFORMED');
          expect((err as Error).message).toContain(`The JWT-SVID ${part === 0 ? 'header' : 'payload'} has non-zero trailing bits`);
          expect(await jwtCode(() => JwtSvid.parseInsecure(hostile, AUD))).toBe('ERR_JWT_MALFORMED');
        }
      }
    }
  });

  it('a header already seen (and cached) is still refused in another spelling', async () => {
    const token = await tokenWithSpareBits(0, 2);
    await validate(token);
    await validate(token);
    const hostile = replacePart(token, 0, respellings(token.split('.')[0] as string)[0] as string);
    expect(await jwtCode(() => validate(hostile))).toBe('ERR_JWT_MALFORMED');
  });

  it('padding, the standard alphabet, whitespace, percent-encoding and other characters are refused', async () => {
    const token = await issuer.signJwtSvid({ subject: SUB, audience: AUD });
    const [h, p, s] = token.split('.') as [string, string, string];
    const hostile = [
      `${h}.${p}.${s}=`,
      `${h}.${p}.${s}==`,
      `${h}==.${p}.${s}`,
      `${h}.${p}=.${s}`,
      `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}x+/`,
      `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
      `${h}.${p}.${s.slice(0, 10)}\n${s.slice(10)}`,
      `${h}.${p}.${s.slice(0, 10)}%41${s.slice(10)}`,
      `${h}.${p}.${s.slice(0, 10)}é${s.slice(10)}`,
      `${h}.${p}.${s}\u0000`,
    ];
    for (const t of hostile) {
      expect(await jwtCode(() => validate(t)), JSON.stringify(t.slice(-12))).toBe('ERR_JWT_MALFORMED');
      expect(await jwtCode(() => JwtSvid.parseInsecure(t, AUD))).toBe('ERR_JWT_MALFORMED');
    }
  });
});

describe('JSON members', () => {
  it('hand-signed tokens with unique members are accepted (the scanner sees through strings and nesting)', async () => {
    const extra = ',"note":"a:b,\\"c\\":{[d]}","x":{"y":[1,{"z":":"}],"w":"\\\\"},"k\\":":1';
    const svid = await validate(handSigned('{"alg":"ES256","kid":"hand"}', payload(extra)));
    expect(svid.claims.note).toBe('a:b,"c":{[d]}');
    expect(svid.claims['k":']).toBe(1);
    // duplicates inside a custom claim are the custom claim's business (only claim names must be unique)
    expect((await validate(handSigned('{"alg":"ES256","kid":"hand"}', payload(',"custom":{"a":1,"a":2}')))).claims.custom).toEqual({ a: 2 });
  });

  it('duplicate claims are refused, though jose keeps the last', async () => {
    const admin = payload().replace('{', '{"sub":"spiffe://example.org/admin",');
    const token = handSigned('{"alg":"ES256","kid":"hand"}', admin);
    const { payload: joseView } = await jwtVerify(token, bundle.findJwtAuthority('hand') as KeyObject);
    expect(joseView.sub).toBe(SUB); // last wins; a first-wins parser would read .../admin
    const err = await failure(validate(token));
    expect((err as JwtSvidError).code).toBe('ERR_JWT_MALFORMED');
    expect((err as Error).message).toBe('The JWT-SVID payload has duplicate member names');
    expect(await jwtCode(() => JwtSvid.parseInsecure(token, AUD))).toBe('ERR_JWT_MALFORMED');
    // spelled differently, still the same name
    expect(await jwtCode(() => validate(handSigned('{"alg":"ES256","kid":"hand"}', payload(',"s\\u0075b":"spiffe://example.org/admin"'))))).toBe('ERR_JWT_MALFORMED');
    expect(await jwtCode(() => validate(handSigned('{"alg":"ES256","kid":"hand"}', payload(',"exp":1'))))).toBe('ERR_JWT_MALFORMED');
  });

  it('duplicate header parameters are refused', async () => {
    expect(await jwtCode(() => validate(handSigned('{"alg":"none","kid":"hand","alg":"ES256"}', payload())))).toBe('ERR_JWT_MALFORMED');
    expect(await jwtCode(() => validate(handSigned('{"alg":"ES256","kid":"other","kid":"hand"}', payload())))).toBe('ERR_JWT_MALFORMED');
  });

  it('__proto__ members stay own data members and pollute nothing', async () => {
    const extra = ',"__proto__":{"admin":true,"sub":"spiffe://example.org/admin"},"constructor":{"prototype":{"admin":true}}';
    const svid = await validate(handSigned('{"alg":"ES256","kid":"hand"}', payload(extra)));
    expect(svid.id.toString()).toBe(SUB);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.getPrototypeOf(svid.claims)).toBe(Object.prototype);
    expect((svid.claims as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.keys(svid.claims)).toContain('__proto__');
    expect({ ...svid.claims }.admin).toBeUndefined();
    // claims found only under __proto__ are not claims
    const now = Math.floor(Date.now() / 1000);
    const hidden = handSigned('{"alg":"ES256","kid":"hand"}', `{"__proto__":{"sub":"${SUB}","aud":"${AUD}","exp":${now + 300}}}`);
    expect(await jwtCode(() => validate(hidden))).toBe('ERR_JWT_SUBJECT');
    expect(await jwtCode(() => validate(handSigned('{"alg":"ES256","kid":"hand","__proto__":{}}', payload())))).toBe('ERR_JWT_HEADER_NOT_ALLOWED');
  });

  it('a polluted Object.prototype does not supply exp, kid or alg', async () => {
    const now = Math.floor(Date.now() / 1000);
    const noExp = handSigned('{"alg":"ES256","kid":"hand"}', `{"sub":"${SUB}","aud":"${AUD}","iat":${now}}`);
    const noKid = handSigned('{"alg":"ES256"}', payload());
    const noAlg = handSigned('{"kid":"hand"}', payload());
    const polluted = ['exp', 'kid', 'alg'];
    try {
      Object.defineProperty(Object.prototype, 'exp', { value: now + 300, configurable: true });
      Object.defineProperty(Object.prototype, 'kid', { value: 'hand', configurable: true });
      Object.defineProperty(Object.prototype, 'alg', { value: 'ES256', configurable: true });
      expect(await jwtCode(() => validate(noExp))).toBe('ERR_JWT_MISSING_EXP');
      expect(await jwtCode(() => validate(noKid))).toBe('ERR_JWT_MISSING_KID');
      expect(await jwtCode(() => validate(noAlg))).toBe('ERR_JWT_ALG_NOT_ALLOWED');
    } finally {
      for (const name of polluted) delete (Object.prototype as Record<string, unknown>)[name];
    }
    expect(({} as Record<string, unknown>).exp).toBeUndefined();
  });
});

describe('token size', () => {
  it('accepts a signed token of up to 64 KiB and refuses a longer one before parsing it', async () => {
    let fits: string | undefined;
    let over: string | undefined;
    for (let n = 65_400; over === undefined; n += 1) {
      const t = handSigned('{"alg":"ES256","kid":"hand"}', payload(`,"f":"${'x'.repeat(n - 65_400 + 48_800)}"`));
      if (t.length <= MAX_TOKEN_LENGTH) fits = t;
      else over = t;
    }
    expect(MAX_TOKEN_LENGTH).toBe(65_536);
    expect(fits?.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 8);
    expect((await validate(fits as string)).id.toString()).toBe(SUB);
    const err = await failure(validate(over));
    expect((err as JwtSvidError).code).toBe('ERR_JWT_MALFORMED');
    expect((err as Error).message).toMatch(/^The JWT-SVID is \d+ characters long; at most 65536 are accepted$/);
    expect(await jwtCode(() => validate('.'.repeat(10_000_000)))).toBe('ERR_JWT_MALFORMED');
  });
});

describe('bearer middleware', () => {
  async function server(): Promise<string> {
    const authenticate = authenticateBearer(bundle, { audience: AUD, realm: 'api' });
    const srv = http.createServer((req, res) => {
      authenticate(req).then(
        (svid) => res.end(`hello ${svid.id}`),
        (err: unknown) => {
          if (!(err instanceof BearerAuthError)) throw err;
          res.writeHead(err.status, { ...err.headers, 'x-code': err.code, 'x-cause': (err.cause as { code?: string } | undefined)?.code ?? '' }).end();
        },
      );
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise((r) => srv.close(r)));
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
  }

  it('answers 401 invalid_token to a re-spelled, padded or duplicate-claim token; 200 to the canonical one', async () => {
    const url = await server();
    const token = await tokenWithSpareBits(2, 2);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(`hello ${SUB}`);
    const hostile = [
      replacePart(token, 2, respellings(token.split('.')[2] as string)[6] as string),
      `${token}=`,
      handSigned('{"alg":"ES256","kid":"hand"}', payload().replace('{', '{"sub":"spiffe://example.org/admin",')),
    ];
    for (const t of hostile) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token"/);
      expect(res.headers.get('x-code')).toBe('ERR_BEARER_INVALID');
      expect(res.headers.get('x-cause')).toBe('ERR_JWT_MALFORMED');
    }
  });

  it('refuses a bearer token over 64 KiB where no server limit applies (a fetch Request, a plain object)', async () => {
    const long = `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`;
    for (const input of [new Request('http://x/', { headers: { authorization: long } }), { authorization: long }]) {
      const err = await failure(Promise.resolve().then(() => extractBearerToken(input)));
      expect(err).toBeInstanceOf(BearerAuthError);
      expect((err as BearerAuthError).code).toBe('ERR_BEARER_MALFORMED');
      expect((err as Error).message).toBe(`The Bearer token is ${MAX_TOKEN_LENGTH + 1} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`);
    }
    expect(extractBearerToken({ authorization: `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}` })).toHaveLength(MAX_TOKEN_LENGTH);
  });
});

describe('Workload API', () => {
  it('the client refuses a re-spelled JWT-SVID handed out by the agent', async () => {
    const agent = await ScriptedAgent.start();
    onCleanup(() => agent.dispose());
    const token = await tokenWithSpareBits(2, 2);
    const hostile = replacePart(token, 2, respellings(token.split('.')[2] as string)[0] as string);
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(null, { svids: [{ spiffe_id: SUB, svid: hostile, hint: '' }] });
    const client = new WorkloadApiClient({ address: agent.address });
    onCleanup(() => client.close());
    const err = await failure(client.fetchJwtSvid({ audience: [AUD] }));
    expect((err as { code?: string }).code).toBe('ERR_MALFORMED_RESPONSE');
    expect((err as Error).message).toContain('JWT-SVID #0 is invalid: The JWT-SVID signature has non-zero trailing bits');
    expect(((err as Error).cause as JwtSvidError).code).toBe('ERR_JWT_MALFORMED');
    // the CLI prints no such token, nor writes it
    const cli = await runCaptured(['jwt', '--audience', AUD, '--socket', agent.address]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(/^spiffe jwt: malformed-response: .*JWT-SVID #0 is invalid: The JWT-SVID signature has non-zero trailing bits/);
    expect(cli.stderr).not.toContain(hostile.split('.')[2]);
    agent.handlers.FetchJWTSVID = (_call, cb) => cb(null, { svids: [{ spiffe_id: SUB, svid: token, hint: '' }] });
    expect((await client.fetchJwtSvid({ audience: [AUD] })).token).toBe(token);
    expect((await runCaptured(['jwt', '--audience', AUD, '--socket', agent.address])).stdout).toBe(`${token}\n`);
  });

  it("the test agent's ValidateJWTSVID refuses re-spelled tokens and keeps a __proto__ claim as a member", async () => {
    const api = await testAgent({ identities: [{ id: SUB }] });
    const token = await api.ca.jwt.signJwtSvid({ subject: SUB, audience: AUD });
    const client = new WorkloadApiClient({ address: api.address });
    onCleanup(() => client.close());
    expect((await client.validateJwtSvidRaw(token, AUD)).spiffe_id).toBe(SUB);
    const parts = token.split('.');
    const spellable = parts.findIndex((p) => p.length % 4 >= 2);
    expect(spellable).toBeGreaterThanOrEqual(0);
    const hostile = replacePart(token, spellable, respellings(parts[spellable] as string)[0] as string);
    const err = await failure(client.validateJwtSvidRaw(hostile, AUD));
    expect((err as { code?: string }).code).toBe('ERR_TOKEN_REJECTED');
    expect((err as Error).message).toMatch(/token is malformed: its (header|payload|signature) has non-zero trailing bits/);
    expect((await failure(client.validateJwtSvidRaw(`${token}=`, AUD)) as { code?: string }).code).toBe('ERR_TOKEN_REJECTED');

    const protoToken = await api.ca.jwt.signJwtSvid({ subject: SUB, audience: AUD, extraClaims: JSON.parse('{"__proto__":{"admin":true}}') as Record<string, unknown> });
    const { claims } = await client.validateJwtSvidRaw(protoToken, AUD);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.hasOwn(claims, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(claims, '__proto__')?.value).toEqual({ admin: true });
  });
});
