// The bundle endpoint server: spiffe-kit serving its trust domain's bundle from live Workload API
// sources (the in-process test Workload API), fetched back with fetchBundle and FederatedBundleSource.
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeId,
  BundleSource,
  bundleEndpointHandler,
  createBundleEndpointServer,
  FederatedBundleSource,
  FederationError,
  fetchBundle,
  SpiffeBundle,
  spiffeCheckServerIdentity,
  tlsServerOptions,
  TrustDomain,
  X509Bundle,
  X509Source,
} from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { listenOnLoopback } from './helpers/loopback.js';

const TD = 'home.test';
const ENDPOINT = 'spiffe://home.test/bundle-endpoint';
const cleanup: Array<() => unknown> = [];
let api: TestWorkloadApi;
let x509: X509Source;
let bundles: BundleSource;
/** What a partner got out of band before federating: the home trust domain's bundle. */
let bootstrap: X509Bundle;

beforeAll(async () => {
  api = await TestWorkloadApi.start({ trustDomain: TD, identities: [{ id: ENDPOINT }] });
  x509 = await X509Source.create({ address: api.address, timeoutMs: 5000 });
  bundles = await BundleSource.create({ address: api.address, timeoutMs: 5000 });
  bootstrap = X509Bundle.fromDer(TD, api.ca.bundleDer());
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  await x509?.close();
  await bundles?.close();
  await api?.close();
});

async function serve(server: import('node:https').Server): Promise<string> {
  const port = await listenOnLoopback(server, cleanup);
  return `https://localhost:${port}/`;
}

const spiffeFetch = (extra: object = {}) => ({ profile: 'https_spiffe' as const, trustDomain: TD, endpointId: ENDPOINT, bundleSource: bootstrap, ...extra });

describe('bundle endpoint server', () => {
  it('https_spiffe: serves the X.509 bundle of an X509Source, presenting its SVID', async () => {
    const url = await serve(createBundleEndpointServer(x509, { trustDomain: TD, profile: 'https_spiffe', sequenceNumber: 7n }));
    const bundle = await fetchBundle(url, spiffeFetch());
    expect(bundle.x509AuthoritiesDer).toEqual(x509.getX509BundleForTrustDomain(TrustDomain.parse(TD))?.x509AuthoritiesDer);
    expect(bundle.sequenceNumber).toBe(7n);
    expect(bundle.refreshHint).toBe(300);
    expect(bundle.jwtAuthorities.size).toBe(0);
    // Peers pinning another endpoint ID refuse it.
    const err = await fetchBundle(url, spiffeFetch({ endpointId: 'spiffe://home.test/other' })).catch((e: unknown) => e);
    expect((err as FederationError).code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
  });

  it('serves the JWT authorities too when the source has them (BundleSource), and follows rotations', async () => {
    let generation = 1n;
    const server = createBundleEndpointServer(bundles, { trustDomain: TD, profile: 'https_spiffe', svidSource: x509, refreshHint: 30, sequenceNumber: () => generation });
    const url = await serve(server);
    const first = await fetchBundle(url, spiffeFetch());
    expect(first.jwtAuthorities.size).toBeGreaterThan(0);
    expect(first.refreshHint).toBe(30);
    const kid = await api.addJwtKey();
    while (!bundles.getJwtBundleForTrustDomain(TrustDomain.parse(TD))?.hasJwtAuthority(kid)) await new Promise((r) => setTimeout(r, 10));
    generation = 2n;
    const second = await fetchBundle(url, spiffeFetch());
    expect(second.hasJwtAuthority(kid)).toBe(true);
    expect(second.sequenceNumber).toBe(2n);
  });

  it('https_web: serves with the operator certificate', async () => {
    const web = await api.ca.issueX509Svid({ id: 'spiffe://home.test/web-cert', dnsNames: ['localhost'] });
    const url = await serve(createBundleEndpointServer(x509, { trustDomain: TD, profile: 'https_web', webCert: { cert: web.certChainPem, key: web.privateKeyPem } }));
    const bundle = await fetchBundle(url, { profile: 'https_web', trustDomain: TD, ca: api.ca.rootCertificate.toString() });
    expect(bundle.x509Authorities).toHaveLength(1);
  });

  it('feeds a FederatedBundleSource of a partner, which then verifies home SVIDs', async () => {
    const url = await serve(createBundleEndpointServer(x509, { trustDomain: TD, profile: 'https_spiffe', sequenceNumber: 1 }));
    const federated = await FederatedBundleSource.create(
      [{ trustDomain: TD, url, profile: 'https_spiffe', endpointId: ENDPOINT, initialBundle: SpiffeBundle.fromX509Bundle(bootstrap) }],
      { timeoutMs: 5000 },
    );
    cleanup.push(() => federated.close());
    expect(federated.state).toBe('ready');
    expect(federated.getSpiffeBundleForTrustDomain(TrustDomain.parse(TD))?.sequenceNumber).toBe(1n);
  });

  it('works as an http2 handler', async () => {
    const server = http2.createSecureServer(tlsServerOptions(x509), bundleEndpointHandler(bundles, { trustDomain: TD }));
    const port = await listenOnLoopback(server, cleanup);
    const session = http2.connect(`https://localhost:${port}`, {
      ca: api.ca.rootCertificate.toString(),
      checkServerIdentity: spiffeCheckServerIdentity(bootstrap, authorizeId(ENDPOINT)),
    });
    cleanup.push(() => session.close());
    const body = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let status = 0;
      let type = '';
      let text = '';
      req.on('response', (h) => {
        status = Number(h[':status']);
        type = String(h['content-type']);
      });
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => resolve({ status, type, text }));
      req.on('error', reject);
      req.end();
    });
    expect(body.status).toBe(200);
    expect(body.type).toBe('application/json');
    expect(SpiffeBundle.parse(TD, body.text).x509Authorities).toHaveLength(1);
  });

  it('answers 405 to other methods, 503 without a bundle of the trust domain', async () => {
    const calls: Array<{ status: number; headers: Record<string, string | number>; body: string | undefined }> = [];
    const res = {
      writeHead(status: number, headers: Record<string, string | number>) {
        calls.push({ status, headers, body: undefined });
      },
      end(body?: string): void {
        (calls.at(-1) as { body: string | undefined }).body = body;
      },
    };
    bundleEndpointHandler(x509, { trustDomain: TD })({ method: 'POST' }, res);
    bundleEndpointHandler(x509, { trustDomain: 'elsewhere.test' })({ method: 'GET' }, res);
    bundleEndpointHandler(x509, { trustDomain: TD })({ method: 'HEAD' }, res);
    expect(calls.map((c) => c.status)).toEqual([405, 503, 200]);
    expect(calls[0]?.headers.allow).toBe('GET, HEAD');
    expect(calls[2]?.body).toBeUndefined();
    expect(Number(calls[2]?.headers['content-length'])).toBeGreaterThan(0);
  });

  it('combines an X509Source with the JWT authorities of another source, and keeps a SpiffeBundle source\'s own metadata', () => {
    let body = '';
    const res = {
      writeHead: () => undefined,
      end(text?: string): void {
        body = text ?? '';
      },
    };
    bundleEndpointHandler(x509, { trustDomain: TD, jwtBundleSource: bundles })({ method: 'GET' }, res);
    const served = SpiffeBundle.parse(TD, body);
    expect(served.jwtAuthorities.size).toBe(bundles.getJwtBundleForTrustDomain(TrustDomain.parse(TD))?.size);
    expect(served.x509Authorities).toHaveLength(x509.getX509BundleForTrustDomain(TrustDomain.parse(TD))?.x509Authorities.length ?? -1);
    const own = new SpiffeBundle(TD, { x509Authorities: [api.ca.rootDer], refreshHint: 42, sequenceNumber: 9n });
    bundleEndpointHandler(own, { trustDomain: TD })({ method: 'GET' }, res);
    expect(SpiffeBundle.parse(TD, body).refreshHint).toBe(42);
    expect(SpiffeBundle.parse(TD, body).sequenceNumber).toBe(9n);
    bundleEndpointHandler(own, { trustDomain: TD, sequenceNumber: 10 })({ method: 'GET' }, res);
    expect(SpiffeBundle.parse(TD, body).sequenceNumber).toBe(10n);
  });

  it('refuses bad options', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as FederationError).code;
      }
      return 'no error';
    };
    expect(code(() => bundleEndpointHandler(x509, { trustDomain: 'Not A TD' }))).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(code(() => bundleEndpointHandler(x509, { trustDomain: TD, refreshHint: -1 }))).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(code(() => bundleEndpointHandler(x509, { trustDomain: TD, sequenceNumber: -1 }))).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(code(() => createBundleEndpointServer(x509, { trustDomain: TD, profile: 'https_web' }))).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(code(() => createBundleEndpointServer(bootstrap, { trustDomain: TD, profile: 'https_spiffe' }))).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
  });
});
