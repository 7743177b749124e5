/**
 * Interop with go-spiffe (the reference implementation), both against the same real SPIRE agent.
 *
 * Identities: the test process and the Go peer run under the same uid, so two `unix:uid` entries
 * with different hints give them distinct SPIFFE IDs: spiffe-kit picks `node` with
 * `picker: { hint }`, the Go peer picks `go` with go-spiffe's `WithDefaultX509SVIDPicker` (and the
 * JWT-SVID with that hint). Every mTLS connection then shows which ID each side presented.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  authorizeId,
  createHttpsServer,
  JwtSource,
  JwtSvid,
  mtlsClientOptions,
  peerSpiffeId,
  TlsError,
  X509Source,
} from '../../src/index.js';
import { assertNoGoPeerLeftovers, buildGoPeer, GoPeer, type GoPeerBuild, type GoServer, stopGoPeers } from './go-peer.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID_NODE = `spiffe://${TRUST_DOMAIN}/interop/node`;
const ID_GO = `spiffe://${TRUST_DOMAIN}/interop/go`;
/** No entry has this ID: authorizers expecting it must refuse. */
const ID_OTHER = `spiffe://${TRUST_DOMAIN}/interop/other`;

/** GET over mTLS with spiffe-kit's client options; resolves with the body, rejects with the error. */
function nodeGet(url: string, source: X509Source, expected: string): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const req = https.get(url, { ...mtlsClientOptions(source, authorizeId(expected)), timeout: 15_000 }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolveBody(body) : reject(new Error(`HTTP ${String(res.statusCode)}: ${body}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );

describe('go-spiffe interop against a real SPIRE agent', () => {
  let spire: SpireHarness;
  /** The peer, once built; a failed build fails every test that needs it (never a skip). */
  let goPeer: Promise<GoPeer>;
  let build: GoPeerBuild | undefined;
  let x509: X509Source;
  let jwt: JwtSource;
  const servers: { close: () => void }[] = [];
  const goServers: GoServer[] = [];
  let logsPrinted = false;

  beforeAll(async () => {
    const t0 = performance.now();
    const building = buildGoPeer(); // while SPIRE starts
    building.catch(() => undefined);
    spire = await SpireHarness.start();
    goPeer = building.then((b) => {
      build = b;
      console.log(`go-spiffe peer ${b.built ? 'built' : 'reused'} in ${b.ms.toFixed(0)} ms: ${b.path}`);
      return new GoPeer(b.path, spire.address);
    });
    goPeer.catch(() => undefined);
    await spire.createEntry({ spiffeId: ID_NODE, hint: 'node' });
    await spire.createEntry({ spiffeId: ID_GO, hint: 'go' });
    // Both identities are issued to this uid; wait until the agent serves both.
    x509 = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { hint: 'node' } });
    await waitFor('both SVIDs', () => x509.getX509Svids().length === 2, 30_000);
    jwt = await JwtSource.create({ address: spire.address, timeoutMs: 60_000 });
    console.log(`SPIRE up and both SVIDs served ${(performance.now() - t0).toFixed(0)} ms after start`);
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      for (const s of goServers) process.stderr.write(`\n----- Go server ${s.url} stderr -----\n${s.stderr()}\n`);
      if (!logsPrinted) spire?.printLogs(); // once per file: the logs hold every test's story
      logsPrinted = true;
    });
  });

  afterAll(async () => {
    for (const s of servers) s.close();
    await Promise.all(goServers.map((s) => s.stop()));
    await stopGoPeers();
    await x509?.close();
    await jwt?.close();
    await spire?.stop();
    // Nothing this file started is still running: no Go server or client, no SPIRE process.
    await assertNoGoPeerLeftovers();
    await assertNoSpireLeftovers();
  });

  async function goServer(expect: string): Promise<GoServer> {
    const s = await (await goPeer).server(expect, 'go');
    goServers.push(s);
    return s;
  }

  /** A spiffe-kit HTTPS server answering with the caller's ID; records the clients it refused. */
  async function nodeServer(expect: string): Promise<{ url: string; rejected: Error[] }> {
    const rejected: Error[] = [];
    const server = createHttpsServer(x509, authorizeId(expect), (req, res) => res.end(String(peerSpiffeId(req))), {
      onRejected: (err) => rejected.push(err),
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    return { url: `https://127.0.0.1:${String(addr.port)}/`, rejected };
  }

  it('the go-spiffe peer builds (GOTOOLCHAIN=local, -mod=readonly) and each side gets its own identity', async () => {
    const go = await goPeer;
    expect(build?.path).toMatch(/[/]\.cache[/]interop[/]spiffe-interop-peer-[0-9a-f]{16}$/);
    expect(x509.getX509Svid().id.toString()).toBe(ID_NODE);
    const r = await go.run(['bench-first-svid', '--hint', 'go']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { id: string }).id).toBe(ID_GO);
  }, 600_000); // a cold build downloads go-spiffe and its dependencies

  it('Node client -> Go server: both authorizers pass and each side sees the other ID', async () => {
    const server = await goServer(ID_NODE);
    expect(server.id).toBe(ID_GO);
    // The Go server answers with the caller ID it verified; the Node client authorized ID_GO.
    expect(await nodeGet(server.url, x509, ID_GO)).toBe(ID_NODE);
    expect(await nodeGet(server.url, x509, ID_GO)).toBe(ID_NODE);
    expect(server.stderr()).not.toMatch(/handshake error/);
  });

  it('Go client -> Node server: both authorizers pass and each side sees the other ID', async () => {
    const go = await goPeer;
    const server = await nodeServer(ID_GO);
    const r = await go.run(['client', '--url', server.url, '--expect', ID_NODE, '--hint', 'go']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(ID_GO);
    expect(server.rejected).toEqual([]);
  });

  it('Node client expecting another ID refuses the Go server (ERR_TLS_UNAUTHORIZED on the Node side)', async () => {
    const server = await goServer(ID_NODE);
    const err = await failure(nodeGet(server.url, x509, ID_OTHER));
    expect(err).toBeInstanceOf(AuthorizationError);
    expect((err as AuthorizationError).code).toBe('ERR_TLS_UNAUTHORIZED');
    expect((err as AuthorizationError).peerId.toString()).toBe(ID_GO);
    // The Go server authorized the Node client: no `unexpected ID` on its side.
    expect(server.stderr()).not.toMatch(/unexpected ID/);
  });

  it('Go server expecting another ID refuses the Node client (go-spiffe `unexpected ID` on the Go side)', async () => {
    const server = await goServer(ID_OTHER);
    const err = await failure(nodeGet(server.url, x509, ID_GO));
    // The Node client authorized the Go server; the refusal came from the peer (a TLS alert / reset).
    expect(err).not.toBeInstanceOf(TlsError);
    expect((err as Error).message).toMatch(/alert bad certificate|ECONNRESET|socket hang up/);
    await expect.poll(() => server.stderr(), { timeout: 5_000 }).toContain(`unexpected ID "${ID_NODE}"`);
    console.log(`Node client error when go-spiffe refuses it: ${(err as Error).message}`);
  });

  it('Go client expecting another ID refuses the Node server (go-spiffe `unexpected ID` on the Go side)', async () => {
    const go = await goPeer;
    const server = await nodeServer(ID_GO);
    const r = await go.run(['client', '--url', server.url, '--expect', ID_OTHER, '--hint', 'go']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`unexpected ID "${ID_NODE}"`);
    // The Node server had nothing to refuse: the Go client stopped the handshake.
    expect(server.rejected).toEqual([]);
  });

  it('Node server expecting another ID refuses the Go client (AuthorizationError on the Node side)', async () => {
    const go = await goPeer;
    const server = await nodeServer(ID_OTHER);
    const r = await go.run(['client', '--url', server.url, '--expect', ID_NODE, '--hint', 'go']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/unexpected ID/);
    // spiffe-kit answers the refused client right after the handshake, before reading its request:
    // over HTTP/1.1 a 403 naming the refusal code (the Go client prints it).
    expect(r.stderr).toMatch(/HTTP 403: Forbidden: this server did not authorize the client's X\.509-SVID \(ERR_TLS_UNAUTHORIZED\)/);
    await expect.poll(() => server.rejected.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const [err] = server.rejected;
    expect(err).toBeInstanceOf(AuthorizationError);
    expect((err as AuthorizationError).code).toBe('ERR_TLS_UNAUTHORIZED');
    expect((err as AuthorizationError).peerId.toString()).toBe(ID_GO);
    console.log(`Go client error when spiffe-kit refuses it: ${r.stderr.trim()}`);
  });

  it('a JWT-SVID fetched by spiffe-kit is validated by go-spiffe; another audience is refused', async () => {
    const go = await goPeer;
    const svid = await jwt.fetchJwtSvid({ audience: 'go-api', hint: 'node' });
    expect(svid.id.toString()).toBe(ID_NODE);
    const ok = await go.run(['jwt-validate', '--audience', 'go-api', '--token', svid.token]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(ID_NODE);

    // The same token presented to another audience.
    const wrongAud = await go.run(['jwt-validate', '--audience', 'other-api', '--token', svid.token]);
    expect(wrongAud.code).toBe(1);
    expect(wrongAud.stderr).toMatch(/expected audience in \["other-api"\]/);
    // A token minted for another audience, presented to go-api.
    const other = await jwt.fetchJwtSvid({ audience: 'other-api', hint: 'node' });
    const otherToken = await go.run(['jwt-validate', '--audience', 'go-api', '--token', other.token]);
    expect(otherToken.code).toBe(1);
    expect(otherToken.stderr).toMatch(/expected audience in \["go-api"\]/);
  });

  it('a JWT-SVID fetched by go-spiffe is validated by spiffe-kit; another audience is refused', async () => {
    const go = await goPeer;
    const fetched = await go.run(['jwt-fetch', '--audience', 'node-api', '--hint', 'go']);
    expect(fetched.code, fetched.stderr).toBe(0);
    const token = fetched.stdout.trim();
    const svid = await JwtSvid.parseAndValidate(token, jwt, 'node-api');
    expect(svid.id.toString()).toBe(ID_GO);
    expect(svid.audience).toEqual(['node-api']);

    // The same token presented to another audience.
    await expect(JwtSvid.parseAndValidate(token, jwt, 'other-api')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    // A token minted by go-spiffe for another audience, presented to node-api.
    const other = await go.run(['jwt-fetch', '--audience', 'other-api', '--hint', 'go']);
    expect(other.code, other.stderr).toBe(0);
    await expect(JwtSvid.parseAndValidate(other.stdout.trim(), jwt, 'node-api')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
  });
});
