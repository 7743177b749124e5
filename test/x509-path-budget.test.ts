// Path building is bounded (security issue 17): loop avoidance like Go's crypto/x509, at most
// MAX_SIGNATURE_CHECKS signature checks per verification, then ERR_X509SVID_PATH_BUDGET. Hostile
// chains are checked by the number of signature checks they cost (never by timing), and over real
// TLS: after a hostile handshake a legitimate client is still served.
import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Bundle } from '../src/bundle/x509-bundle.js';
import type { X509BundleSource } from '../src/bundle/x509-bundle.js';
import { authorizeId, createTlsServer, mtlsClientOptions, peerSpiffeId, X509Source } from '../src/index.js';
import { X509SvidError, type X509SvidErrorCode } from '../src/svid/x509-errors.js';
import { signatureCheckCount } from '../src/svid/x509-signature.js';
import { MAX_ISSUER_CANDIDATES, MAX_SIGNATURE_CHECKS, verifyX509Svid } from '../src/svid/x509-verify.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { type MintedCertificate, mintCertificate } from '../src/testing/mint.js';
import { crossSigned, cycle, sameNameSameKey } from './helpers/hostile-chains.js';
import { listenOnLoopback } from './helpers/loopback.js';

const HOUR = 3_600_000;
const ID = 'spiffe://example.org/hostile';

let root: MintedCertificate;
let trust: X509BundleSource;

function bundleOf(...roots: MintedCertificate[]): X509BundleSource {
  const bundle = new X509Bundle('example.org', roots.map((r) => r.der));
  return { getX509BundleForTrustDomain: (td) => (td.name === 'example.org' ? bundle : undefined) };
}

/** Verifies and returns the error code (or 'OK') and how many signature checks it cost. */
function attempt(chain: readonly Buffer[], bundles: X509BundleSource = trust): { code: X509SvidErrorCode | 'OK'; checks: number; message: string } {
  const before = signatureCheckCount();
  try {
    verifyX509Svid(chain, bundles);
    return { code: 'OK', checks: signatureCheckCount() - before, message: '' };
  } catch (err) {
    if (!(err instanceof X509SvidError)) throw err;
    return { code: err.code, checks: signatureCheckCount() - before, message: err.message };
  }
}

function caSpec(subject: string, issuer?: MintedCertificate) {
  const now = Date.now();
  return {
    subject,
    ...(issuer === undefined ? {} : { issuer }),
    basicConstraints: { ca: true, critical: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'] as const, critical: true },
    notBefore: new Date(now - 24 * HOUR),
    notAfter: new Date(now + 24 * HOUR),
  };
}

beforeAll(async () => {
  root = await mintCertificate(caSpec('CN=budget root'));
  trust = bundleOf(root);
});

describe('verifyX509Svid: bounded path building', () => {
  it('15 self-issued CAs with one name and one key cost one check each (no n! exploration)', async () => {
    const hostile = await sameNameSameKey(ID, 15);
    const r = attempt(hostile.der);
    expect(r.code).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
    // The leaf tries each of the 15 once; from any of them the other 14 repeat its name and key.
    expect(r.checks).toBeLessThanOrEqual(15);
  });

  it('the same, against an anchor with that very name but another key: still linear', async () => {
    const hostile = await sameNameSameKey(ID, 15);
    const sameNamedRoot = await mintCertificate({ ...caSpec('O=hostile, CN=same name') });
    const r = attempt(hostile.der, bundleOf(sameNamedRoot));
    expect(r.code).toBe('ERR_X509SVID_SIGNATURE');
    expect(r.checks).toBeLessThanOrEqual(1 + 15 + 15);
  });

  it('a 16-certificate cycle of same-named CAs with distinct keys stops at the budget with a typed error', async () => {
    const hostile = await cycle(ID, 15);
    expect(hostile.der).toHaveLength(16);
    const r = attempt(hostile.der);
    expect(r.code).toBe('ERR_X509SVID_PATH_BUDGET');
    expect(r.message).toMatch(/needs too much work/);
    expect(r.checks).toBeLessThanOrEqual(MAX_SIGNATURE_CHECKS);
  });

  it('many cross-signed candidates (5 keys, each certified by 3 others) stop at the budget', async () => {
    const hostile = await crossSigned(ID, 5, 3);
    const r = attempt(hostile.der);
    expect(r.code).toBe('ERR_X509SVID_PATH_BUDGET');
    expect(r.checks).toBeLessThanOrEqual(MAX_SIGNATURE_CHECKS);
    // Cached verdicts count too: the second attempt costs as many checks, not zero.
    const again = attempt(hostile.der);
    expect(again.code).toBe('ERR_X509SVID_PATH_BUDGET');
    expect(again.checks).toBe(r.checks);
  });

  it('checks with slow keys count for more: the same chain with P-521 keys stops after a few checks', async () => {
    const hostile = await crossSigned(ID, 5, 3, undefined, 'P-521');
    const r = attempt(hostile.der);
    expect(r.code).toBe('ERR_X509SVID_PATH_BUDGET');
    // A P-521 check counts 15: at most 100 / 15 of them, plus the one that went over.
    expect(r.checks).toBeLessThanOrEqual(Math.floor(MAX_SIGNATURE_CHECKS / 15) + 1);
  });

  it('a smaller cross-signed chain that fits the budget is searched to the end and refused as unknown', async () => {
    const hostile = await crossSigned(ID, 4, 2);
    const r = attempt(hostile.der);
    // The first failure met is reported: a candidate whose key did not sign the certificate.
    expect(r.code).toBe('ERR_X509SVID_SIGNATURE');
    expect(r.checks).toBeLessThanOrEqual(MAX_SIGNATURE_CHECKS);
  });

  it('a bundle with 200 same-named authorities: at most MAX_ISSUER_CANDIDATES of them are tried', async () => {
    const decoys: MintedCertificate[] = [];
    for (let i = 0; i < 200; i++) decoys.push(await mintCertificate({ ...caSpec('CN=crowded root'), authorityKeyIdentifier: false }));
    const signer = await mintCertificate(caSpec('CN=crowded root'));
    const now = Date.now();
    const leaf = await mintCertificate({
      subject: 'CN=crowded',
      issuer: signer,
      uris: ['spiffe://example.org/crowded'],
      basicConstraints: { ca: false, critical: true },
      keyUsage: { usages: ['digitalSignature'], critical: true },
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + HOUR),
    });
    // The real signer last: beyond the cap, even though the leaf's AKID would rank it first.
    const crowded = bundleOf(...decoys, signer);
    const withoutAkid = await mintCertificate({
      subject: 'CN=crowded',
      issuer: signer,
      uris: ['spiffe://example.org/crowded'],
      basicConstraints: { ca: false, critical: true },
      keyUsage: { usages: ['digitalSignature'], critical: true },
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + HOUR),
      authorityKeyIdentifier: false,
    });
    const r = attempt([withoutAkid.der], crowded);
    expect(r.code).toBe('ERR_X509SVID_SIGNATURE');
    expect(r.checks).toBe(MAX_ISSUER_CANDIDATES);
    // With its AKID the leaf's own authority is tried first, among 201 same-named ones.
    const ok = attempt([leaf.der], crowded);
    expect(ok.code).toBe('OK');
    expect(ok.checks).toBe(1);
  });

  it('a legitimate 16-certificate chain (15 intermediates) verifies with one check per certificate', async () => {
    let issuer = root;
    const intermediates: MintedCertificate[] = [];
    for (let i = 0; i < 15; i++) {
      issuer = await mintCertificate(caSpec(`CN=level ${i}`, issuer));
      intermediates.unshift(issuer);
    }
    const now = Date.now();
    const leaf = await mintCertificate({
      subject: 'CN=deep',
      issuer,
      uris: ['spiffe://example.org/deep'],
      basicConstraints: { ca: false, critical: true },
      keyUsage: { usages: ['digitalSignature'], critical: true },
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + HOUR),
    });
    // Presented in a shuffled order: name chaining still finds each parent at once.
    const shuffled = [...intermediates].sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
    const r = attempt([leaf.der, ...shuffled.map((c) => c.der)]);
    expect(r.code).toBe('OK');
    expect(r.checks).toBe(16);
  });

  it('a real two-level hierarchy with a rotated same-named root in the bundle costs at most 3 checks', async () => {
    const ca = await TestCa.create({ trustDomain: 'example.org', intermediate: true });
    const rotated = await TestCa.create({ trustDomain: 'example.org' });
    const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web' });
    const bundle = new X509Bundle('example.org', [rotated.rootDer, ca.rootDer]);
    const r = attempt(svid.certificates, { getX509BundleForTrustDomain: () => bundle });
    expect(r.code).toBe('OK');
    expect(r.checks).toBeLessThanOrEqual(3);
  });
});

describe('over real TLS: a hostile handshake does not stall the server', () => {
  let api: TestWorkloadApi;
  let serverSource: X509Source;
  let clientSource: X509Source;
  let hostile: Awaited<ReturnType<typeof sameNameSameKey>>;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    // The hostile peer controls a federated trust domain's root: a self-signed CA with the name and
    // key of 14 self-issued CAs it presents under a leaf claiming example.org. OpenSSL (one flat
    // list of authorities) accepts the chain; Node hands all 16 certificates to the SPIFFE
    // verifier, which before the fix tried every ordering of the 14 (14! paths).
    hostile = await sameNameSameKey('spiffe://example.org/client', 14);
    api = await TestWorkloadApi.start({
      trustDomain: 'example.org',
      identities: [{ id: 'spiffe://example.org/server' }, { id: 'spiffe://example.org/client' }],
      federatedBundles: { 'partner.test': hostile.root.der },
    });
    serverSource = await X509Source.create({ address: api.address, picker: { id: 'spiffe://example.org/server' }, timeoutMs: 5000 });
    clientSource = await X509Source.create({ address: api.address, picker: { id: 'spiffe://example.org/client' }, timeoutMs: 5000 });
  });

  afterAll(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
    serverSource?.close();
    clientSource?.close();
    await api?.close();
  });

  it('refuses the hostile client after a bounded number of signature checks, then serves a legitimate client', async () => {
    const rejected: Error[] = [];
    const openSslErrors: Error[] = [];
    const server = createTlsServer(serverSource, authorizeId('spiffe://example.org/client'), (socket) => socket.end(String(peerSpiffeId(socket))), {
      onRejected: (err) => rejected.push(err),
    });
    server.on('tlsClientError', (err: Error) => openSslErrors.push(err));
    const port = await listenOnLoopback(server, cleanup);

    const pem = pemOf(hostile.der);
    const before = signatureCheckCount();
    const bad = tls.connect({ host: '127.0.0.1', port, cert: pem, key: hostile.leafKey.export({ format: 'pem', type: 'pkcs8' }), rejectUnauthorized: false });
    bad.on('error', () => undefined);
    bad.resume();
    await once(bad, 'close');
    const checks = signatureCheckCount() - before;
    // OpenSSL accepted the chain (a path to the federated root); the SPIFFE verifier refused it.
    expect(openSslErrors).toEqual([]);
    const cause = rejected.map((e) => (e as { cause?: unknown }).cause).find((c) => c instanceof X509SvidError);
    expect(cause).toBeInstanceOf(X509SvidError);
    expect((cause as X509SvidError).code).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
    expect(checks).toBeGreaterThan(0);
    expect(checks).toBeLessThanOrEqual(16);

    const { agent: _agent, createConnection: _cc, ...options } = mtlsClientOptions(clientSource, authorizeId('spiffe://example.org/server'));
    const good = tls.connect({ ...options, host: '127.0.0.1', port });
    let body = '';
    good.setEncoding('utf8');
    good.on('data', (c: string) => (body += c));
    await once(good, 'end');
    expect(body).toBe('spiffe://example.org/client');
  });

  it('client side: a hostile server gets a prompt refusal after a bounded number of checks', async () => {
    const server = tls.createServer({ cert: pemOf(hostile.der), key: hostile.leafKey.export({ format: 'pem', type: 'pkcs8' }) }, (socket) => socket.end('hostile'));
    server.on('tlsClientError', () => undefined);
    const port = await listenOnLoopback(server, cleanup);
    const { agent: _agent, createConnection: _cc, ...options } = mtlsClientOptions(clientSource, authorizeId('spiffe://example.org/client'));
    const before = signatureCheckCount();
    const socket = tls.connect({ ...options, host: '127.0.0.1', port });
    const [err] = (await once(socket, 'error')) as [Error & { cause?: unknown }];
    const checks = signatureCheckCount() - before;
    socket.destroy();
    expect(err.cause).toBeInstanceOf(X509SvidError);
    expect((err.cause as X509SvidError).code).toBe('ERR_X509SVID_UNKNOWN_AUTHORITY');
    expect(checks).toBeGreaterThan(0);
    expect(checks).toBeLessThanOrEqual(16);
  });
});

function pemOf(ders: readonly Buffer[]): string {
  return ders.map((d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64')}\n-----END CERTIFICATE-----\n`).join('');
}
