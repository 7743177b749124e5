// fetchBundle against real https servers on loopback: both profiles, and the hostile endpoints of
// the federation threat model (wrong identity, wrong trust domain, oversize, slow, redirects, junk).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizationError, FederationError, fetchBundle, SpiffeBundle, SpiffeError, X509Bundle } from '../src/index.js';
import { TestCa } from '../src/testing/index.js';
import { createPartner, ENDPOINT_ID, type Endpoint, json, PARTNER_TD, type Partner, startEndpoint } from './helpers/bundle-endpoint.js';

const cleanup: Array<() => unknown> = [];
let partner: Partner;
let endpoint: Endpoint;
let other: Endpoint;
let trusted: SpiffeBundle;

beforeAll(async () => {
  partner = await createPartner();
  trusted = partner.bundle();
  const credentials = { cert: partner.svid.certChainPem, key: partner.svid.privateKeyPem };
  endpoint = await startEndpoint(credentials, cleanup);
  other = await startEndpoint(credentials, cleanup);
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function failure(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FederationError);
    expect(err).toBeInstanceOf(SpiffeError);
    return err as FederationError;
  }
  throw new Error('the fetch succeeded');
}

const spiffe = (extra: object = {}) => ({ profile: 'https_spiffe' as const, trustDomain: PARTNER_TD, endpointId: ENDPOINT_ID, bundleSource: trusted, ...extra });
const web = (extra: object = {}) => ({ profile: 'https_web' as const, trustDomain: PARTNER_TD, ca: partner.ca.rootCertificate.toString(), ...extra });

describe('fetchBundle: the two profiles', () => {
  it('https_spiffe: verifies the endpoint SVID against the trusted bundle and returns the served bundle', async () => {
    const served = partner.bundle({ sequence: 18446744073709551615n, refreshHint: 60 });
    endpoint.route = json(served.marshal());
    const bundle = await fetchBundle(endpoint.url('/bundle'), spiffe());
    expect(bundle.equals(served)).toBe(true);
    expect(bundle.sequenceNumber).toBe(18446744073709551615n);
    expect(bundle.refreshHint).toBe(60);
    expect(bundle.jwtAuthorities.size).toBe(1);
  });

  it('https_web: checks the certificate against the given CAs and the host name', async () => {
    endpoint.route = json(partner.bundle({ sequence: 2n }).marshal());
    const bundle = await fetchBundle(endpoint.url(), web());
    expect(bundle.sequenceNumber).toBe(2n);
    // The same certificate is not valid for the name 127.0.0.1.
    const err = await failure(fetchBundle(`https://127.0.0.1:${endpoint.port}/`, web()));
    expect(err.code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
  });

  it('https_web: a private CA is not in the system roots', async () => {
    endpoint.route = json(partner.bundle().marshal());
    const err = await failure(fetchBundle(endpoint.url(), web({ ca: undefined })));
    expect(err.code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
    expect(err.url).toBe(endpoint.url());
  });

  it('accepts a content type with parameters, and a missing one', async () => {
    endpoint.route = (_req, res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(partner.bundle().marshal());
    expect((await fetchBundle(endpoint.url(), spiffe())).x509Authorities).toHaveLength(1);
    endpoint.route = (_req, res) => {
      res.removeHeader('content-type');
      res.writeHead(200).end(partner.bundle().marshal());
    };
    expect((await fetchBundle(endpoint.url(), spiffe())).x509Authorities).toHaveLength(1);
  });
});

describe('fetchBundle: endpoint authentication (https_spiffe)', () => {
  it('refuses an endpoint presenting another SPIFFE ID', async () => {
    endpoint.route = json(partner.bundle().marshal());
    const err = await failure(fetchBundle(endpoint.url(), spiffe({ endpointId: 'spiffe://partner.test/not-the-server' })));
    expect(err.code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
    expect(err.cause).toBeInstanceOf(AuthorizationError);
    expect(endpoint.hits.length).toBeGreaterThan(0);
  });

  it('refuses an endpoint whose SVID does not chain to the bundle trusted for its trust domain', async () => {
    const stranger = await TestCa.create({ trustDomain: PARTNER_TD });
    const err = await failure(fetchBundle(endpoint.url(), spiffe({ bundleSource: X509Bundle.fromDer(PARTNER_TD, stranger.rootDer) })));
    expect(err.code).toBe('ERR_FEDERATION_ENDPOINT_AUTH');
  });

  it('never lets the bundle of another trust domain vouch for the endpoint', async () => {
    // The partner's own root, but filed under another trust domain: unusable for spiffe://partner.test/...
    const misfiled = X509Bundle.fromDer('elsewhere.test', partner.ca.rootDer);
    const err = await failure(fetchBundle(endpoint.url(), spiffe({ bundleSource: misfiled })));
    expect(err.code).toBe('ERR_FEDERATION_NO_TRUST_BUNDLE');
  });

  it('needs an endpoint ID and a bundle source', async () => {
    expect((await failure(fetchBundle(endpoint.url(), spiffe({ endpointId: undefined })))).code).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect((await failure(fetchBundle(endpoint.url(), spiffe({ bundleSource: undefined })))).code).toBe('ERR_FEDERATION_NO_TRUST_BUNDLE');
    expect((await failure(fetchBundle(endpoint.url(), spiffe({ endpointId: 'https://x' })))).code).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect((await failure(fetchBundle(`http://localhost:${endpoint.port}/`, spiffe()))).code).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect((await failure(fetchBundle(endpoint.url(), { ...spiffe(), profile: 'https' as never }))).code).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
  });
});

describe('fetchBundle: hostile documents', () => {
  it('refuses a bundle whose X.509 authority belongs to another trust domain', async () => {
    const otherCa = await TestCa.create({ trustDomain: 'attacker.test' });
    endpoint.route = json(new SpiffeBundle(PARTNER_TD, { x509Authorities: [otherCa.rootDer] }).marshal());
    const err = await failure(fetchBundle(endpoint.url(), spiffe()));
    expect(err.code).toBe('ERR_FEDERATION_TRUST_DOMAIN_MISMATCH');
    expect(err.message).toContain('attacker.test');
  });

  it('refuses a bundle with zero authorities (unless allowed)', async () => {
    endpoint.route = json('{"keys":[],"spiffe_sequence":9}');
    expect((await failure(fetchBundle(endpoint.url(), spiffe()))).code).toBe('ERR_FEDERATION_EMPTY_BUNDLE');
    const empty = await fetchBundle(endpoint.url(), spiffe({ allowEmpty: true }));
    expect(empty.empty()).toBe(true);
  });

  it('refuses JWT keys without kid, naming the bundle error', async () => {
    const jwk = { ...partner.ca.jwks().keys[0], use: 'jwt-svid' } as Record<string, unknown>;
    delete jwk.kid;
    endpoint.route = json(JSON.stringify({ keys: [jwk] }));
    const err = await failure(fetchBundle(endpoint.url(), spiffe()));
    expect(err.code).toBe('ERR_FEDERATION_INVALID_BUNDLE');
    expect((err.cause as SpiffeError).code).toBe('ERR_BUNDLE_MISSING_KID');
  });

  it('refuses non-JSON: by content type, and by content', async () => {
    endpoint.route = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect((await failure(fetchBundle(endpoint.url(), spiffe()))).code).toBe('ERR_FEDERATION_CONTENT_TYPE');
    endpoint.route = json('<html>login</html>');
    expect((await failure(fetchBundle(endpoint.url(), spiffe()))).code).toBe('ERR_FEDERATION_INVALID_BUNDLE');
  });

  it('refuses statuses other than 200', async () => {
    endpoint.route = (_req, res) => res.writeHead(500).end(partner.bundle().marshal());
    const err = await failure(fetchBundle(endpoint.url(), spiffe()));
    expect(err.code).toBe('ERR_FEDERATION_HTTP_STATUS');
    expect(err.status).toBe(500);
  });

  it('stops reading an oversize body: declared, and streamed without a length', async () => {
    endpoint.route = json(' '.repeat(2 * 1024 * 1024));
    expect((await failure(fetchBundle(endpoint.url(), spiffe()))).code).toBe('ERR_FEDERATION_TOO_LARGE');
    let written = 0;
    endpoint.route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024 && !res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    const err = await failure(fetchBundle(endpoint.url(), spiffe({ maxBytes: 100_000 })));
    expect(err.code).toBe('ERR_FEDERATION_TOO_LARGE');
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('hits the total timeout on an endpoint that trickles its body (slow loris)', async () => {
    const timers: NodeJS.Timeout[] = [];
    endpoint.route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      const t = setInterval(() => res.write(' '), 20);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    };
    const err = await failure(fetchBundle(endpoint.url(), spiffe({ timeoutMs: 300 })));
    expect(err.code).toBe('ERR_FEDERATION_TIMEOUT');
    for (const t of timers) clearInterval(t);
  });

  it('follows a redirect within the origin, refuses one to another host', async () => {
    endpoint.route = (req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(partner.bundle({ sequence: 5n }).marshal());
    };
    expect((await fetchBundle(endpoint.url('/old'), spiffe())).sequenceNumber).toBe(5n);
    other.route = json(partner.bundle().marshal());
    endpoint.route = (_req, res) => res.writeHead(302, { location: other.url('/') }).end();
    const before = other.hits.length;
    const err = await failure(fetchBundle(endpoint.url('/'), spiffe()));
    expect(err.code).toBe('ERR_FEDERATION_REDIRECT');
    expect(err.status).toBe(302);
    expect(other.hits.length).toBe(before);
    endpoint.route = (req, res) => res.writeHead(307, { location: `${req.url}x` }).end();
    expect((await failure(fetchBundle(endpoint.url('/'), spiffe()))).code).toBe('ERR_FEDERATION_REDIRECT');
  });

  it('stops when the caller aborts', async () => {
    endpoint.route = () => {}; // never answers
    const controller = new AbortController();
    const pending = fetchBundle(endpoint.url(), spiffe({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('ERR_FEDERATION_ABORTED');
    expect((await failure(fetchBundle(endpoint.url(), spiffe({ signal: AbortSignal.abort() })))).code).toBe('ERR_FEDERATION_ABORTED');
  });

  it('reports a refused connection', async () => {
    const err = await failure(fetchBundle('https://localhost:1/', spiffe()));
    expect(err.code).toBe('ERR_FEDERATION_CONNECT');
  });
});
