// SPIFFE Federation against a real SPIRE server, both ways:
//  1. spiffe-kit fetches SPIRE's bundle endpoint (https_spiffe, then https_web with a serving cert);
//  2. SPIRE federates with a bundle endpoint served by spiffe-kit (a Node service fed by its own
//     Workload API), and a SPIRE workload receives that bundle through the agent;
//  3. mTLS across the two trust domains with spiffe-kit on both ends, and neither trust domain
//     can vouch for the other's IDs.
import { readFileSync, writeFileSync } from 'node:fs';
import { EventEmitter, once } from 'node:events';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizeId,
  authorizeMemberOf,
  BundleSource,
  createBundleEndpointServer,
  createHttpsServer,
  FederatedBundleSource,
  FederationError,
  fetchBundle,
  JwtSource,
  JwtSvid,
  peerSpiffeId,
  SpiffeBundle,
  spiffeHttpsAgent,
  TrustDomain,
  verifyX509Svid,
  X509Bundle,
  type X509Bundle as X509BundleType,
  X509Source,
  type X509Svid,
} from '../../src/index.js';
import { TestCa, TestWorkloadApi } from '../../src/testing/index.js';
import { runCaptured } from '../helpers/cli.js';
import { assertNoSpireLeftovers, freePort, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const SPIRE_SERVER_ID = `spiffe://${TRUST_DOMAIN}/spire/server`;
const HOME_TD = 'home.test';
const HOME = TrustDomain.parse(HOME_TD);
const HOME_ENDPOINT_ID = 'spiffe://home.test/bundle-endpoint';
const HOME_SERVICE_ID = 'spiffe://home.test/orders';
const WORKLOAD_ID = `spiffe://${TRUST_DOMAIN}/federated-client`;

/**
 * The endpoint's SVID, moved to the newest one only when told: a CA rotation publishes the new CA
 * in the bundle before it signs the endpoint's SVID (as SPIRE prepares its CAs), so that peers
 * holding the previous bundle can still authenticate the endpoint and pull the new one.
 */
class StagedSvid extends EventEmitter {
  #svid: X509Svid;
  constructor(private readonly source: X509Source) {
    super();
    this.#svid = source.getX509Svid();
  }
  getX509Svid(): X509Svid {
    return this.#svid;
  }
  getX509BundleForTrustDomain(td: TrustDomain): X509BundleType | undefined {
    return this.source.getX509BundleForTrustDomain(td);
  }
  get bundles(): { bundles(): readonly X509BundleType[] } {
    return this.source.bundles;
  }
  advance(): void {
    this.#svid = this.source.getX509Svid();
    this.emit('svid');
  }
}

describe('real SPIRE: federation both ways', () => {
  let spire: SpireHarness;
  let spireEndpointPort: number;
  let home: TestWorkloadApi;
  let homeX509: X509Source;
  let homeBundles: BundleSource;
  let homeSequence = 41n;
  let homeUrl: string;
  let endpointSvid: StagedSvid;
  let workload: X509Source | undefined;
  let federated: FederatedBundleSource | undefined;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    // The spiffe-kit side: trust domain home.test, its own Workload API, a bundle endpoint.
    home = await TestWorkloadApi.start({ trustDomain: HOME_TD, identities: [{ id: HOME_ENDPOINT_ID }, { id: HOME_SERVICE_ID }] });
    homeX509 = await X509Source.create({ address: home.address, picker: { id: HOME_ENDPOINT_ID }, timeoutMs: 10_000 });
    homeBundles = await BundleSource.create({ address: home.address, timeoutMs: 10_000 });
    endpointSvid = new StagedSvid(homeX509);
    const endpoint = createBundleEndpointServer(homeBundles, {
      trustDomain: HOME_TD,
      profile: 'https_spiffe',
      svidSource: endpointSvid,
      refreshHint: 5,
      sequenceNumber: () => homeSequence,
    });
    endpoint.listen(0, '127.0.0.1');
    await once(endpoint, 'listening');
    cleanup.push(() => new Promise((r) => endpoint.close(r)), () => endpoint.closeAllConnections());
    homeUrl = `https://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;

    // The SPIRE side: trust domain example.org, serving its bundle and federating with home.test.
    spireEndpointPort = await freePort();
    spire = await SpireHarness.start({
      serverConfig: `
  federation {
    bundle_endpoint {
      address = "127.0.0.1"
      port = ${spireEndpointPort}
      refresh_hint = "10s"
      profile "https_spiffe" {}
    }
    federates_with "${HOME_TD}" {
      bundle_endpoint_url = "${homeUrl}"
      bundle_endpoint_profile "https_spiffe" {
        endpoint_spiffe_id = "${HOME_ENDPOINT_ID}"
      }
    }
  }`,
    });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await federated?.close();
    await workload?.close();
    while (cleanup.length > 0) await cleanup.pop()?.();
    await homeX509?.close();
    await homeBundles?.close();
    await home?.close();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  const spireBundlePem = async () => (await spire.serverCommand(['bundle', 'show', '-socketPath', spire.serverSocket, '-format', 'pem'])).stdout;
  const spireBundleJson = async () => (await spire.serverCommand(['bundle', 'show', '-socketPath', spire.serverSocket, '-format', 'spiffe'])).stdout;
  const spireUrl = () => `https://127.0.0.1:${spireEndpointPort}`;

  it('spiffe-kit fetches SPIRE\'s https_spiffe bundle endpoint: the same bundle as `bundle show`', async () => {
    const bootstrap = X509Bundle.fromPem(TRUST_DOMAIN, await spireBundlePem());
    const fetched = await waitFor(
      'the SPIRE bundle endpoint',
      () => fetchBundle(spireUrl(), { profile: 'https_spiffe', trustDomain: TRUST_DOMAIN, endpointId: SPIRE_SERVER_ID, bundleSource: bootstrap, timeoutMs: 5000 }),
      30_000,
      250,
    );
    const shown = SpiffeBundle.parse(TRUST_DOMAIN, await spireBundleJson());
    expect(fetched.x509AuthoritiesDer).toEqual(shown.x509AuthoritiesDer);
    expect([...fetched.jwtAuthorities.keys()].sort()).toEqual([...shown.jwtAuthorities.keys()].sort());
    expect(fetched.jwtAuthorities.size).toBeGreaterThan(0);
    expect(fetched.sequenceNumber).toBe(shown.sequenceNumber);
    expect(fetched.refreshHint).toBe(10);

    // An endpoint pinned to another ID, or a bundle that is not SPIRE's, is refused.
    const wrongId = await fetchBundle(spireUrl(), { profile: 'https_spiffe', trustDomain: TRUST_DOMAIN, endpointId: `spiffe://${TRUST_DOMAIN}/not-spire`, bundleSource: bootstrap }).catch((e: unknown) => e);
    expect((wrongId as FederationError).code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
    const stranger = await TestCa.create({ trustDomain: TRUST_DOMAIN });
    const untrusted = await fetchBundle(spireUrl(), { profile: 'https_spiffe', trustDomain: TRUST_DOMAIN, endpointId: SPIRE_SERVER_ID, bundleSource: X509Bundle.fromDer(TRUST_DOMAIN, stranger.rootDer) }).catch((e: unknown) => e);
    expect((untrusted as FederationError).code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
  });

  it('`spiffe bundle fetch` prints SPIRE\'s bundle', async () => {
    const pemFile = join(spire.dir, 'bootstrap.pem');
    writeFileSync(pemFile, await spireBundlePem());
    const run = await runCaptured(['bundle', 'fetch', spireUrl(), '--profile', 'https_spiffe', '--endpoint-id', SPIRE_SERVER_ID, '--trust-bundle', pemFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(SpiffeBundle.parse(TRUST_DOMAIN, run.stdout).x509AuthoritiesDer).toEqual(SpiffeBundle.parse(TRUST_DOMAIN, await spireBundleJson()).x509AuthoritiesDer);
  });

  const pulled = async () => {
    const list = await spire.serverCommand(['bundle', 'list', '-socketPath', spire.serverSocket, '-id', `spiffe://${HOME_TD}`, '-format', 'spiffe']);
    return SpiffeBundle.parse(HOME_TD, list.stdout.slice(list.stdout.indexOf('{')));
  };

  it('SPIRE pulls the bundle served by spiffe-kit, and a SPIRE workload receives it through the agent', async () => {
    // The out-of-band first step of federation: SPIRE learns home.test's bundle once. Its bundle
    // client polled at start-up without it ("local copy of bundle not found") and retries a minute
    // later; from then on it authenticates the spiffe-kit endpoint with that bundle.
    const homePem = join(spire.dir, 'home.pem');
    writeFileSync(homePem, X509Bundle.fromDer(HOME_TD, home.ca.bundleDer()).toPem());
    await spire.serverCommand(['bundle', 'set', '-socketPath', spire.serverSocket, '-id', `spiffe://${HOME_TD}`, '-path', homePem, '-format', 'pem']);
    // The bundle set from PEM has no JWT authorities; the one served by spiffe-kit has them.
    const stored = await waitFor('SPIRE to pull the home.test bundle', async () => {
      const b = await pulled();
      return b.jwtAuthorities.size > 0 ? b : undefined;
    }, 100_000, 500);
    expect(stored.hasX509Authority(home.ca.rootDer)).toBe(true);
    const served = homeBundles.getJwtBundleForTrustDomain(HOME);
    expect([...stored.jwtAuthorities.keys()].sort()).toEqual([...(served?.jwtAuthorities.keys() ?? [])].sort());

    await spire.createEntry({ spiffeId: WORKLOAD_ID, federatesWith: [`spiffe://${HOME_TD}`] });
    workload = await X509Source.create({ address: spire.address, timeoutMs: 60_000 });
    const seen = await waitFor('the federated bundle at the workload', () => workload?.bundles.get(HOME_TD), 30_000, 250);
    expect(seen.hasX509Authority(home.ca.rootDer)).toBe(true);
    // A home.test SVID now verifies in the SPIRE workload, against home.test's bundle only.
    expect(verifyX509Svid(homeX509.getX509Svid().certificates, workload).id.toString()).toBe(HOME_ENDPOINT_ID);
  }, 150_000);

  it('home.test rotates its CA: SPIRE follows the spiffe-kit endpoint, authenticating it with the bundle it pulled last', async () => {
    expect(workload, 'the previous test creates the federated workload').toBeDefined();
    const previousRoot = home.ca.rootDer;
    // 1. The new CA is published (bundle = [new, old]); the endpoint still presents its old SVID.
    await home.rotateCa({ keepPrevious: true });
    await waitFor('the home sources to see the new CA', () => homeBundles.getX509BundleForTrustDomain(HOME)?.hasX509Authority(home.ca.rootDer), 10_000, 50);
    homeSequence = 42n;
    const rotated = await waitFor('SPIRE to pull the rotated bundle', async () => {
      const b = await pulled();
      return b.hasX509Authority(home.ca.rootDer) ? b : undefined;
    }, 60_000, 500);
    expect(rotated.hasX509Authority(previousRoot)).toBe(true);
    await waitFor('the rotated bundle at the workload', () => workload?.bundles.get(HOME_TD)?.hasX509Authority(home.ca.rootDer), 30_000, 250);

    // 2. The endpoint moves to an SVID of the new CA, which only the pulled bundle trusts, and
    // serves a new JWT key: SPIRE picking it up proves it authenticated the new SVID.
    await waitFor('an SVID of the new CA', () => verifyX509Svid(homeX509.getX509Svid().certificates, X509Bundle.fromDer(HOME_TD, home.ca.rootDer)), 10_000, 50);
    endpointSvid.advance();
    const kid = await home.addJwtKey();
    await waitFor('the home sources to see the new JWT key', () => homeBundles.getJwtBundleForTrustDomain(HOME)?.hasJwtAuthority(kid), 10_000, 50);
    homeSequence = 43n;
    await waitFor('SPIRE to pull the bundle from the rotated endpoint', async () => (await pulled()).hasJwtAuthority(kid), 60_000, 500);
  }, 150_000);

  it('mTLS across the trust domains: a SPIRE workload calls a home.test service that trusts SPIRE through a FederatedBundleSource', async () => {
    expect(workload, 'the previous test creates the federated workload').toBeDefined();
    const client = workload as X509Source;
    // The home service federates with example.org by fetching SPIRE's bundle endpoint.
    federated = await FederatedBundleSource.create(
      [
        {
          trustDomain: TRUST_DOMAIN,
          url: spireUrl(),
          profile: 'https_spiffe',
          endpointId: SPIRE_SERVER_ID,
          initialBundle: SpiffeBundle.fromX509Bundle(X509Bundle.fromPem(TRUST_DOMAIN, await spireBundlePem())),
        },
      ],
      { timeoutMs: 30_000 },
    );
    expect(federated.state).toBe('ready');
    const fed = federated;
    const service = await X509Source.create({ address: home.address, picker: { id: HOME_SERVICE_ID }, timeoutMs: 10_000 });
    cleanup.push(() => service.close());
    // Own trust domain from the home Workload API, example.org from the federated source.
    const trust = {
      getX509Svid: () => service.getX509Svid(),
      getX509BundleForTrustDomain: (td: TrustDomain): X509BundleType | undefined => (td.name === HOME_TD ? service.getX509BundleForTrustDomain(td) : fed.getX509BundleForTrustDomain(td)),
      bundles: () => [...service.bundles.bundles(), ...fed.x509Bundles.bundles()],
    };
    const server = createHttpsServer(trust, authorizeMemberOf(TRUST_DOMAIN), (req, res) => res.end(String(peerSpiffeId(req))));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise((r) => server.close(r)), () => server.closeAllConnections());
    const port = (server.address() as AddressInfo).port;

    const get = (agent: import('node:https').Agent) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode === 200) resolve(body);
            else reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, refusal: res.headers['spiffe-refusal'] }));
          });
        });
        req.on('error', reject);
        req.end();
      });
    const agent = spiffeHttpsAgent(client, authorizeId(HOME_SERVICE_ID));
    cleanup.push(() => agent.destroy());
    expect(await get(agent)).toBe(WORKLOAD_ID);

    // JWT-SVIDs of the SPIRE trust domain validate against the federated source too.
    const jwt = await JwtSource.create({ address: spire.address, timeoutMs: 30_000 });
    cleanup.push(() => jwt.close());
    const token = await waitFor('a JWT-SVID', () => jwt.fetchJwtSvid({ audience: 'orders' }), 30_000, 250);
    expect((await JwtSvid.parseAndValidate(token.token, fed, 'orders')).id.toString()).toBe(WORKLOAD_ID);
  });

  it('the federated trust domain can never vouch for the local one (either way)', async () => {
    const client = workload as X509Source;
    // home.test's CA (trusted by the SPIRE workload, for home.test) signs an example.org ID.
    const forged = await home.ca.issueX509Svid({ id: `spiffe://${TRUST_DOMAIN}/admin` });
    expect(() => verifyX509Svid(forged.certChainDer, client)).toThrow(/./);
    expect(client.bundles.get(HOME_TD)?.hasX509Authority(home.ca.rootDer)).toBe(true);
    // And a bundle served for example.org can never be adopted for home.test: SPIRE's CA names example.org.
    const spireAsHome = await fetchBundle(spireUrl(), {
      profile: 'https_spiffe',
      trustDomain: HOME_TD,
      endpointId: SPIRE_SERVER_ID,
      bundleSource: X509Bundle.fromPem(TRUST_DOMAIN, await spireBundlePem()),
    }).catch((e: unknown) => e);
    expect((spireAsHome as FederationError).code).toBe('ERR_FEDERATION_TRUST_DOMAIN_MISMATCH');
  });
});

describe('real SPIRE: an https_web bundle endpoint', () => {
  let spire: SpireHarness;
  let port: number;
  let ca: TestCa;

  beforeAll(async () => {
    ca = await TestCa.create({ trustDomain: 'web-pki.test' });
    const cert = await ca.issueX509Svid({ id: 'spiffe://web-pki.test/serving-cert', dnsNames: ['localhost'] });
    port = await freePort();
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'spire-web-'));
    writeFileSync(join(dir, 'cert.pem'), cert.certChainPem);
    writeFileSync(join(dir, 'key.pem'), cert.privateKeyPem, { mode: 0o600 });
    spire = await SpireHarness.start({
      serverConfig: `
  federation {
    bundle_endpoint {
      address = "127.0.0.1"
      port = ${port}
      profile "https_web" {
        serving_cert_file {
          cert_file_path = "${join(dir, 'cert.pem')}"
          key_file_path = "${join(dir, 'key.pem')}"
          file_sync_interval = "1h"
        }
      }
    }
  }`,
    });
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it('spiffe-kit fetches it with Web PKI (host name checked)', async () => {
    const shown = SpiffeBundle.parse(TRUST_DOMAIN, (await spire.serverCommand(['bundle', 'show', '-socketPath', spire.serverSocket, '-format', 'spiffe'])).stdout);
    const fetched = await waitFor(
      'the https_web endpoint',
      () => fetchBundle(`https://localhost:${port}`, { profile: 'https_web', trustDomain: TRUST_DOMAIN, ca: ca.rootCertificate.toString(), timeoutMs: 5000 }),
      30_000,
      250,
    );
    expect(fetched.x509AuthoritiesDer).toEqual(shown.x509AuthoritiesDer);
    const wrongName = await fetchBundle(`https://127.0.0.1:${port}`, { profile: 'https_web', trustDomain: TRUST_DOMAIN, ca: ca.rootCertificate.toString() }).catch((e: unknown) => e);
    expect((wrongName as FederationError).code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
    const systemRoots = await fetchBundle(`https://localhost:${port}`, { profile: 'https_web', trustDomain: TRUST_DOMAIN }).catch((e: unknown) => e);
    expect((systemRoots as FederationError).code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
  });
});

describe('real SPIRE: mTLS across two SPIRE trust domains, spiffe-kit client and server', () => {
  const PARTNER_TD = 'partner.org';
  const CLIENT_ID = `spiffe://${TRUST_DOMAIN}/checkout`;
  const SERVER_ID = `spiffe://${PARTNER_TD}/payments`;
  let a: SpireHarness;
  let b: SpireHarness;
  let client: X509Source | undefined;
  let server: X509Source | undefined;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([SpireHarness.start(), SpireHarness.start({ trustDomain: PARTNER_TD })]);
    // Federation's bootstrap, both ways: each server learns the other's bundle (SPIFFE format).
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const file = join(to.dir, `${from.trustDomain}.json`);
      writeFileSync(file, (await from.serverCommand(['bundle', 'show', '-socketPath', from.serverSocket, '-format', 'spiffe'])).stdout);
      await to.serverCommand(['bundle', 'set', '-socketPath', to.serverSocket, '-id', `spiffe://${from.trustDomain}`, '-path', file, '-format', 'spiffe']);
    }
    await a.createEntry({ spiffeId: CLIENT_ID, federatesWith: [`spiffe://${PARTNER_TD}`] });
    await b.createEntry({ spiffeId: SERVER_ID, federatesWith: [`spiffe://${TRUST_DOMAIN}`] });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      a?.printLogs('SPIRE example.org');
      b?.printLogs('SPIRE partner.org');
    });
  });

  afterAll(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
    await client?.close();
    await server?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await assertNoSpireLeftovers();
  });

  it('each workload gets the other trust domain\'s bundle and they talk mTLS, each authorizing the other by ID', async () => {
    client = await X509Source.create({ address: a.address, timeoutMs: 60_000 });
    server = await X509Source.create({ address: b.address, timeoutMs: 60_000 });
    const c = client;
    const s = server;
    await waitFor('partner.org\'s bundle at the example.org workload', () => c.bundles.get(PARTNER_TD), 30_000, 250);
    await waitFor('example.org\'s bundle at the partner.org workload', () => s.bundles.get(TRUST_DOMAIN), 30_000, 250);

    const listen = async (authorizer: ReturnType<typeof authorizeId>) => {
      const srv = createHttpsServer(s, authorizer, (req, res) => res.end(String(peerSpiffeId(req))));
      srv.listen(0, '127.0.0.1');
      await once(srv, 'listening');
      cleanup.push(() => new Promise((r) => srv.close(r)), () => srv.closeAllConnections());
      return (srv.address() as AddressInfo).port;
    };
    const get = (port: number, authorizer: ReturnType<typeof authorizeId>) =>
      new Promise<string>((resolve, reject) => {
        const agent = spiffeHttpsAgent(c, authorizer);
        cleanup.push(() => agent.destroy());
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode === 200) resolve(body);
            else reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, refusal: res.headers['spiffe-refusal'] }));
          });
        });
        req.on('error', reject);
        req.end();
      });

    const port = await listen(authorizeId(CLIENT_ID));
    expect(await get(port, authorizeId(SERVER_ID))).toBe(CLIENT_ID);
    // The client refuses a server that is not the one it expects, even a valid partner.org one.
    await expect(get(port, authorizeId(`spiffe://${PARTNER_TD}/other`))).rejects.toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED' });
    // A server that only admits its own trust domain refuses the example.org client.
    const ownOnly = await listen(authorizeMemberOf(PARTNER_TD));
    // The refused client gets the server helper's 403 with the refusal code, and no handler runs.
    await expect(get(ownOnly, authorizeId(SERVER_ID))).rejects.toMatchObject({ status: 403, refusal: 'ERR_TLS_UNAUTHORIZED' });
  });
});
