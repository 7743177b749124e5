// spiffeUndiciConnect (src/tls/agent.ts) and the README's "Clients: undici and fetch" recipe with
// every undici major the package supports (the optional peer dependency `undici`) that runs on
// this Node: undici 7 (devDependency `undici`) and undici 8 (devDependency `undici8`, an alias of
// npm:undici@^8). Which majors run here is decided by their own `engines` field, and checked
// against the support table in the README: a major that cannot run here is not imported at all
// (undici 8 throws while loading on Node 20).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizationError, authorizeId, createHttpsServer, peerSpiffeId, spiffeUndiciConnect, X509Source } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback } from './helpers/loopback.js';

const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';

const root = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const pkg = readJson(join(root, 'package.json')) as { peerDependencies: Record<string, string>; devDependencies: Record<string, string> };

/** The undici packages installed for testing: `undici` and its aliases (`undici8`). */
const installed = Object.keys(pkg.devDependencies)
  .filter((name) => name === 'undici' || pkg.devDependencies[name]?.startsWith('npm:undici@'))
  .map((name) => {
    const meta = readJson(join(root, 'node_modules', name, 'package.json')) as { name: string; version: string; engines: { node: string } };
    return { name, packageName: meta.name, version: meta.version, major: Number(meta.version.split('.')[0]), engines: meta.engines.node };
  })
  .sort((a, b) => a.major - b.major);

/** Whether this Node satisfies an `engines.node` of the form `>=X.Y.Z` (the form undici uses). */
function nodeSatisfies(range: string): boolean {
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (m === null) throw new Error(`unexpected engines.node "${range}": teach nodeSatisfies this form`);
  const want = m.slice(1).map(Number);
  const have = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return (have[i] ?? 0) > (want[i] ?? 0);
  return true;
}

const runnable = installed.filter((u) => nodeSatisfies(u.engines));
/** The undici of each runnable major, imported by its installed name. */
const undicis = await Promise.all(runnable.map(async (u) => ({ ...u, lib: (await import(u.name)) as typeof import('undici') })));

describe('which undici majors are tested on this Node', () => {
  it('every major of the peer range is installed for testing, and nothing else', () => {
    const peerMajors = pkg.peerDependencies['undici']!.split('||').map((r) => Number(/^\^(\d+)\./.exec(r.trim())?.[1]));
    expect(peerMajors).toEqual([7, 8]);
    expect(installed.map((u) => u.major)).toEqual(peerMajors);
    expect(installed.every((u) => u.packageName === 'undici')).toBe(true);
  });

  it('the majors whose engines admit this Node: 7 on Node 20, 7 and 8 from Node 22.19 on', () => {
    expect(installed.map((u) => u.engines)).toEqual(['>=20.18.1', '>=22.19.0']);
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const expected = major > 22 || (major === 22 && minor >= 19) ? [7, 8] : [7];
    expect(runnable.map((u) => u.major)).toEqual(expected);
    expect(undicis.length).toBeGreaterThan(0);
  });
});

let api: TestWorkloadApi;
let serverSource: X509Source;
let clientSource: X509Source;
let forgedServer: { cert: string; key: string };
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
  serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID }, timeoutMs: 5000 });
  clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID }, timeoutMs: 5000 });
  serverSource.setMaxListeners(50);
  // A server certificate for SERVER_ID from a CA this client does not trust.
  const stranger = await (await TestCa.create({ trustDomain: 'example.org' })).issueX509Svid({ id: SERVER_ID });
  forgedServer = { cert: stranger.certChainPem, key: stranger.privateKeyPem };
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  serverSource?.close();
  clientSource?.close();
  await api?.close();
});

/** An mTLS server that answers with the client's verified ID, and counts TLS connections and handler runs. */
async function spiffeServer(authorizeClient = authorizeId(CLIENT_ID)) {
  const counts = { connections: 0, handled: 0 };
  const server = createHttpsServer(serverSource, authorizeClient, (req, res) => {
    counts.handled++;
    res.end(String(peerSpiffeId(req)));
  });
  server.on('secureConnection', () => counts.connections++);
  const port = await listenOnLoopback(server, cleanup);
  return { url: `https://127.0.0.1:${port}/`, counts };
}

/** A counting authorizer of the server's ID. */
function countingAuthorizer(id = SERVER_ID) {
  const state = { calls: 0 };
  const authorize = authorizeId(id);
  return { state, authorizer: (peer: Parameters<typeof authorize>[0], chain: Parameters<typeof authorize>[1]) => (state.calls++, authorize(peer, chain)) };
}

describe.each(undicis)('undici $version ($name)', ({ major, lib }) => {
  function agent(authorizer: ReturnType<typeof countingAuthorizer>['authorizer'], options: object = {}) {
    const dispatcher = new lib.Agent({ ...options, connect: spiffeUndiciConnect(clientSource, authorizer) });
    cleanup.push(() => dispatcher.close());
    return dispatcher;
  }

  it("the README recipe: undici's fetch with an undici Agent; both sides authorized", async () => {
    const { url, counts } = await spiffeServer();
    const { state, authorizer } = countingAuthorizer();
    const res = await lib.fetch(url, { dispatcher: agent(authorizer) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(CLIENT_ID);
    expect({ calls: state.calls, ...counts }).toEqual({ calls: 1, connections: 1, handled: 1 });
  });

  it('keep-alive connections stay up; every new connection is verified and authorized', async () => {
    const { url, counts } = await spiffeServer();
    const { state, authorizer } = countingAuthorizer();
    const first = agent(authorizer, { keepAliveTimeout: 30_000, connections: 1 }); // one connection per origin
    for (let i = 0; i < 3; i++) {
      const r = await lib.request(url, { dispatcher: first });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe(CLIENT_ID);
    }
    expect({ calls: state.calls, connections: counts.connections }).toEqual({ calls: 1, connections: 1 });
    const second = agent(authorizer);
    expect((await lib.fetch(url, { dispatcher: second })).status).toBe(200);
    expect({ calls: state.calls, connections: counts.connections, handled: counts.handled }).toEqual({ calls: 2, connections: 2, handled: 4 });
  });

  it('a server with another ID: fetch fails with a TypeError caused by the AuthorizationError; request() rejects with it', async () => {
    const { url, counts } = await spiffeServer();
    const { state, authorizer } = countingAuthorizer('spiffe://example.org/other');
    const dispatcher = agent(authorizer);
    const err = await lib.fetch(url, { dispatcher }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    const cause = (err as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(AuthorizationError);
    expect((cause as AuthorizationError).code).toBe('ERR_TLS_UNAUTHORIZED');
    expect((cause as AuthorizationError).peerId.toString()).toBe(SERVER_ID);
    const direct = await lib.request(url, { dispatcher }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(AuthorizationError);
    expect(state.calls).toBe(2);
    expect(counts.handled).toBe(0);
  });

  it('a server whose certificate chains to no trusted bundle is refused before the authorizer runs', async () => {
    const server = https.createServer({ ...forgedServer, minVersion: 'TLSv1.2' }, (_req, res) => res.end('leak'));
    const url = `https://127.0.0.1:${await listenOnLoopback(server, cleanup)}/`;
    const { state, authorizer } = countingAuthorizer();
    const err = await lib.fetch(url, { dispatcher: agent(authorizer) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    // OpenSSL refuses the chain (the `ca` list) or spiffe-kit does (the trust domain's bundle).
    const cause = (err as { cause?: { code?: string } }).cause;
    expect(cause?.code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_PEER_VERIFICATION)$/);
    expect(state.calls).toBe(0);
  });

  it('a server that refuses the client: fetch gets the 403 with spiffe-refusal and no request handler runs', async () => {
    const { url, counts } = await spiffeServer(authorizeId('spiffe://example.org/nobody'));
    const { state, authorizer } = countingAuthorizer();
    const res = await lib.fetch(url, { dispatcher: agent(authorizer) });
    expect(res.status).toBe(403);
    expect(res.headers.get('spiffe-refusal')).toBe('ERR_TLS_UNAUTHORIZED');
    await res.text();
    expect(state.calls).toBe(1); // the client did verify the server
    expect(counts.handled).toBe(0);
  });

  // Node's global fetch is Node's own bundled undici (process.versions.undici: 6 in Node 20 and 22,
  // 7 in Node 24, 8 in Node 26). An undici 7 Agent works with it on all of them; an undici 8 Agent
  // calls handler methods (onRequestStart…) that an older fetch does not give it, and fetch fails.
  // The README documents this, and the recipe that always works: undici's own fetch.
  const bundled = Number(process.versions['undici']?.split('.')[0]);
  const refused = major >= 8 && bundled < 8;
  it(`Node's global fetch with this Agent: ${refused ? 'fails' : 'works'} (Node ${process.version} bundles undici ${process.versions['undici']})`, async () => {
    const { url } = await spiffeServer();
    const { authorizer } = countingAuthorizer();
    expect(bundled).toBeGreaterThanOrEqual(6);
    const result = await fetch(url, { dispatcher: agent(authorizer) } as unknown as RequestInit).then(
      async (res) => ({ status: res.status, body: await res.text() }),
      (e: unknown) => e,
    );
    if (refused) {
      expect(result).toBeInstanceOf(TypeError);
      expect((result as { cause?: { code?: string; message?: string } }).cause).toMatchObject({ code: 'UND_ERR_INVALID_ARG', message: 'invalid onRequestStart method' });
    } else {
      expect(result).toEqual({ status: 200, body: CLIENT_ID });
    }
  });

  it('reset connections: each request opens a new connection, and each is verified and authorized', async () => {
    const { url, counts } = await spiffeServer();
    const { state, authorizer } = countingAuthorizer();
    const dispatcher = agent(authorizer);
    for (let i = 0; i < 3; i++) {
      const r = await lib.request(url, { dispatcher, reset: true });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe(CLIENT_ID);
    }
    expect({ calls: state.calls, connections: counts.connections, handled: counts.handled }).toEqual({ calls: 3, connections: 3, handled: 3 });
  });
});
