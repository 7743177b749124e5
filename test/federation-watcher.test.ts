// FederatedBundleSource against real https bundle endpoints on loopback: adoption, the sequence
// rule, outages, the https_spiffe rotation chain, the refresh schedule, and use as a bundle source.
import diagnostics_channel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Authorizer,
  diagnosticsChannels,
  type FederationFetchMessage,
  authorizeId,
  authorizeMemberOf,
  FederatedBundleSource,
  type FederatedBundleSourceOptions,
  type FederatedBundleUpdate,
  type FederatedTrustDomain,
  FederationError,
  JwtSvid,
  SpiffeBundle,
  tlsClientOptions,
  TrustDomain,
  verifyX509Svid,
} from '../src/index.js';
import { TestCa } from '../src/testing/index.js';
import { createPartner, ENDPOINT_ID, type Endpoint, json, PARTNER_TD, type Partner, startEndpoint } from './helpers/bundle-endpoint.js';

const cleanup: Array<() => unknown> = [];
const sources: FederatedBundleSource[] = [];
let partner: Partner;
let endpoint: Endpoint;
const PARTNER = TrustDomain.parse(PARTNER_TD);

beforeAll(async () => {
  partner = await createPartner();
  endpoint = await startEndpoint({ cert: partner.svid.certChainPem, key: partner.svid.privateKeyPem }, cleanup);
});

afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.close();
  endpoint.server.setSecureContext({ cert: partner.svid.certChainPem, key: partner.svid.privateKeyPem });
});

afterAll(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

// Long periods: these tests drive fetches with refreshNow(), never by waiting for timers.
const QUIET: FederatedBundleSourceOptions = { defaultRefreshMs: 3_600_000, minRefreshMs: 3_600_000, initialBackoffMs: 3_600_000, maxBackoffMs: 3_600_000, timeoutMs: 10_000 };

function spiffeDomain(extra: Partial<FederatedTrustDomain> = {}): FederatedTrustDomain {
  return { trustDomain: PARTNER_TD, url: endpoint.url('/bundle'), profile: 'https_spiffe', endpointId: ENDPOINT_ID, initialBundle: partner.bundle(), ...extra };
}

async function start(domains: FederatedTrustDomain[], options: FederatedBundleSourceOptions = QUIET): Promise<FederatedBundleSource> {
  const source = await FederatedBundleSource.create(domains, options);
  sources.push(source);
  return source;
}

async function rejection(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FederationError);
    return err as FederationError;
  }
  throw new Error('it succeeded');
}

describe('FederatedBundleSource', () => {
  it('holds the fetched bundle and serves it as an X.509, JWT and SPIFFE bundle source', async () => {
    endpoint.route = json(partner.bundle({ sequence: 1n, refreshHint: 60 }).marshal());
    const source = await start([spiffeDomain()]);
    expect(source.state).toBe('ready');
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(1n);
    expect(source.getX509BundleForTrustDomain(TrustDomain.parse('other.test'))).toBeUndefined();
    const peer = await partner.ca.issueX509Svid({ id: 'spiffe://partner.test/api' });
    expect(verifyX509Svid(peer.certChainDer, source).id.toString()).toBe('spiffe://partner.test/api');
    const token = await partner.ca.signJwtSvid({ subject: 'spiffe://partner.test/api', audience: 'me' });
    expect((await JwtSvid.parseAndValidate(token, source, 'me')).id.toString()).toBe('spiffe://partner.test/api');
    expect(source.x509Bundles.bundles().map((b) => b.trustDomain.name)).toEqual([PARTNER_TD]);
    expect(source.jwtBundles.get(PARTNER_TD)?.size).toBe(1);
    const health = source.health();
    expect(health.ready).toBe(true);
    expect(health.trustDomains[0]).toMatchObject({ trustDomain: PARTNER_TD, hasBundle: true, sequenceNumber: 1n, failures: 0 });
  });

  it('is a trust source for the TLS helpers: an https client trusting the partner through it', async () => {
    endpoint.route = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(partner.bundle().marshal());
    const source = await start([spiffeDomain()]);
    const get = (authorizer: Authorizer) =>
      new Promise<string>((resolve, reject) => {
        const options = tlsClientOptions(source, authorizer);
        const req = httpsRequest(endpoint.url('/hello'), { agent: options.agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get(authorizeId(ENDPOINT_ID))).toBe('200');
    await expect(get(authorizeId('spiffe://partner.test/someone-else'))).rejects.toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED' });
    await expect(get(authorizeMemberOf('example.org'))).rejects.toMatchObject({ code: 'ERR_TLS_UNAUTHORIZED' });
  });

  it('never adopts a bundle whose sequence goes back, and keeps the last good one', async () => {
    endpoint.route = json(partner.bundle({ sequence: 5n }).marshal());
    const source = await start([spiffeDomain()]);
    const errors: FederationError[] = [];
    source.on('error', (err: FederationError) => errors.push(err));
    endpoint.route = json(partner.bundle({ sequence: 4n }).marshal());
    await source.refreshNow();
    expect(errors.map((e) => e.code)).toEqual(['ERR_FEDERATION_SEQUENCE_REGRESSED']);
    expect(errors[0]?.trustDomain).toBe(PARTNER_TD);
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(5n);
    expect(source.state).toBe('stale');
    endpoint.route = json(partner.bundle({ sequence: 6n }).marshal());
    const updated = once(source, 'update');
    await source.refreshNow();
    const [update] = (await updated) as [FederatedBundleUpdate];
    expect(update.bundle.sequenceNumber).toBe(6n);
    expect(update.previous?.sequenceNumber).toBe(5n);
    expect(source.state).toBe('ready');
  });

  it('publishes every fetch on spiffe-kit:federation:fetch (changed, unchanged, refused, failed), without key material', async () => {
    const seen: FederationFetchMessage[] = [];
    const onMessage = (m: unknown) => seen.push(m as FederationFetchMessage);
    diagnostics_channel.subscribe(diagnosticsChannels.federationFetch, onMessage);
    try {
      endpoint.route = json(partner.bundle({ sequence: 7n, refreshHint: 120 }).marshal());
      const source = await start([spiffeDomain()]);
      await source.refreshNow(); // same bundle again
      endpoint.route = json(partner.bundle({ sequence: 6n }).marshal());
      await source.refreshNow(); // sequence goes back
      endpoint.route = (_req, res) => res.writeHead(500).end();
      await source.refreshNow(); // endpoint failure
    } finally {
      diagnostics_channel.unsubscribe(diagnosticsChannels.federationFetch, onMessage);
    }
    expect(seen.map((m) => [m.changed, m.code])).toEqual([
      [true, undefined],
      [false, undefined],
      [false, 'ERR_FEDERATION_SEQUENCE_REGRESSED'],
      [false, 'ERR_FEDERATION_HTTP_STATUS'],
    ]);
    expect(seen[0]).toMatchObject({ trustDomain: PARTNER_TD, endpointUrl: endpoint.url('/bundle'), profile: 'https_spiffe', sequenceNumber: 7, refreshHintSeconds: 120 });
    for (const m of seen) expect(m.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(seen)).not.toMatch(/BEGIN|"x5c"|"n":|"x":/);
  });

  it('keeps the last good bundle through an outage and bad answers, without crashing', async () => {
    endpoint.route = json(partner.bundle({ sequence: 1n }).marshal());
    const source = await start([spiffeDomain()]);
    const codes: string[] = [];
    source.on('error', (err: FederationError) => codes.push(err.code));
    source.on('update', () => {
      throw new Error('a listener that throws does not reach the source');
    });
    const answers = [
      (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(503).end(),
      json('{"keys":'),
      json('{"keys":[]}'),
      (_req: unknown, res: import('node:http').ServerResponse) => res.destroy(),
    ];
    for (const answer of answers) {
      endpoint.route = answer;
      await source.refreshNow();
    }
    expect(codes).toEqual(['ERR_FEDERATION_HTTP_STATUS', 'ERR_FEDERATION_INVALID_BUNDLE', 'ERR_FEDERATION_EMPTY_BUNDLE', 'ERR_FEDERATION_CONNECT']);
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(1n);
    const health = source.health().trustDomains[0];
    expect(health?.failures).toBe(4);
    expect(health?.lastError?.code).toBe('ERR_FEDERATION_CONNECT');
    // The retry is scheduled by backoff: 1 h * 2^3, capped at maxBackoffMs (1 h).
    expect(health?.nextRefreshAt).toBeInstanceOf(Date);
    endpoint.route = json(partner.bundle({ sequence: 2n }).marshal());
    await source.refreshNow();
    expect(source.state).toBe('ready');
    expect(source.health().trustDomains[0]?.failures).toBe(0);
  });

  it('https_spiffe: authenticates each fetch with the bundle fetched last, so a CA rotation chains', async () => {
    const next = await TestCa.create({ trustDomain: PARTNER_TD });
    const nextSvid = await next.issueX509Svid({ id: ENDPOINT_ID, dnsNames: ['localhost'] });
    const both = new SpiffeBundle(PARTNER_TD, { x509Authorities: [partner.ca.rootDer, next.rootDer], sequenceNumber: 2n });
    const onlyNext = new SpiffeBundle(PARTNER_TD, { x509Authorities: [next.rootDer], sequenceNumber: 3n });
    endpoint.route = json(both.marshal());
    const source = await start([spiffeDomain({ initialBundle: partner.bundle({ sequence: 1n }) })]);
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(2n);
    // The endpoint now presents an SVID of the new CA, which only the fetched bundle trusts.
    endpoint.server.setSecureContext({ cert: nextSvid.certChainPem, key: nextSvid.privateKeyPem });
    endpoint.route = json(onlyNext.marshal());
    await source.refreshNow();
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.equals(onlyNext)).toBe(true);
    expect(source.state).toBe('ready');
    // A source still holding only the old CA cannot authenticate the rotated endpoint.
    const errors: string[] = [];
    const stuck = await start([spiffeDomain({ initialBundle: partner.bundle({ sequence: 1n }) })]);
    stuck.on('error', (err: FederationError) => errors.push(err.code));
    await stuck.refreshNow();
    expect(errors).toEqual(['ERR_FEDERATION_ENDPOINT_AUTH']);
    expect(stuck.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(1n);
  });

  it('schedules the next refresh from the hint, within the floor and ceiling, and 5 minutes without a hint', async () => {
    const options = { timeoutMs: 10_000, jitter: 0, minRefreshMs: 60_000, maxRefreshMs: 7_200_000 };
    const nextIn = async (source: FederatedBundleSource) => (source.health().trustDomains[0]?.nextRefreshAt?.getTime() ?? 0) - Date.now();
    endpoint.route = json(partner.bundle({ refreshHint: 600 }).marshal());
    const hinted = await start([spiffeDomain()], options);
    expect(await nextIn(hinted)).toBeGreaterThan(590_000);
    expect(await nextIn(hinted)).toBeLessThanOrEqual(600_000);
    endpoint.route = json(partner.bundle({ refreshHint: 1 }).marshal());
    await hinted.refreshNow();
    expect(await nextIn(hinted)).toBeGreaterThan(50_000); // the floor
    endpoint.route = json(partner.bundle({ refreshHint: 86_400 }).marshal());
    await hinted.refreshNow();
    expect(await nextIn(hinted)).toBeLessThanOrEqual(7_200_000); // the ceiling
    endpoint.route = json(partner.bundle().marshal());
    const unhinted = await start([spiffeDomain()], { timeoutMs: 10_000, jitter: 0 });
    expect(await nextIn(unhinted)).toBeGreaterThan(290_000);
    expect(await nextIn(unhinted)).toBeLessThanOrEqual(300_000);
    const jittered = await start([spiffeDomain()], { timeoutMs: 10_000, jitter: 0.5 });
    expect(await nextIn(jittered)).toBeGreaterThan(140_000);
  });

  it('polls again on its own after the refresh period', async () => {
    endpoint.route = json(partner.bundle({ refreshHint: 0 }).marshal());
    const before = endpoint.hits.length;
    const source = await start([spiffeDomain()], { timeoutMs: 10_000, minRefreshMs: 5, jitter: 0 });
    while (endpoint.hits.length < before + 3) await new Promise((r) => setTimeout(r, 5));
    await source.close();
    const after = endpoint.hits.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(endpoint.hits.length).toBeLessThanOrEqual(after + 1); // at most the fetch in flight at close
  });

  it('https_web: federates without an initial bundle', async () => {
    endpoint.route = json(partner.bundle({ sequence: 9n }).marshal());
    const source = await start([{ trustDomain: PARTNER_TD, url: endpoint.url(), profile: 'https_web', ca: partner.ca.rootCertificate.toString() }]);
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.sequenceNumber).toBe(9n);
  });

  it('create() times out naming the last error when no bundle arrives; resolves stale with an initial bundle', async () => {
    endpoint.route = (_req, res) => res.writeHead(404).end();
    const err = await rejection(
      FederatedBundleSource.create([{ trustDomain: PARTNER_TD, url: endpoint.url(), profile: 'https_web', ca: partner.ca.rootCertificate.toString() }], { ...QUIET, timeoutMs: 300, initialBackoffMs: 20 }),
    );
    expect(err.code).toBe('ERR_FEDERATION_TIMEOUT');
    expect(err.message).toContain('404');
    const source = await start([spiffeDomain()]);
    expect(source.state).toBe('stale');
    expect(source.getSpiffeBundleForTrustDomain(PARTNER)?.equals(partner.bundle())).toBe(true);
    const aborted = await rejection(
      FederatedBundleSource.create([{ trustDomain: PARTNER_TD, url: endpoint.url(), profile: 'https_web' }], { ...QUIET, signal: AbortSignal.abort() }),
    );
    expect(aborted.code).toBe('ERR_FEDERATION_ABORTED');
  });

  it('refuses bad configuration', async () => {
    const bad = async (domains: unknown[]) => (await rejection(FederatedBundleSource.create(domains as FederatedTrustDomain[], QUIET))).code;
    expect(await bad([spiffeDomain({ initialBundle: undefined })])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(await bad([spiffeDomain({ endpointId: undefined })])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(await bad([spiffeDomain({ endpointId: 'spiffe://home.test/bundle-server' })])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(await bad([spiffeDomain(), spiffeDomain()])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(await bad([spiffeDomain({ initialBundle: new SpiffeBundle('other.test') })])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
    expect(await bad([{ ...spiffeDomain(), profile: 'http' }])).toBe('ERR_FEDERATION_INVALID_ARGUMENT');
  });

  it('closes: no bundles, no timers, refreshNow refuses', async () => {
    endpoint.route = json(partner.bundle().marshal());
    const source = await start([spiffeDomain()]);
    const closed = once(source, 'close');
    await source.close();
    await closed;
    expect(source.state).toBe('closed');
    expect(source.getX509BundleForTrustDomain(PARTNER)).toBeUndefined();
    expect(source.x509Bundles.size).toBe(0);
    expect((await rejection(source.refreshNow())).code).toBe('ERR_FEDERATION_CLOSED');
    await source.close();
  });
});
