// No budget (for reference): fetching and validating a 100-key SPIFFE bundle from a bundle endpoint.
//
//   npm run build && node bench/federation-fetch.mjs [fetches=200]
//
// The bundle has 50 X.509 authorities (P-256 CA certificates) and 50 JWT authorities (P-256 keys),
// ~60 KiB of JSON. Timed, one after another, after a warm-up:
//   - SpiffeBundle.parse of the document alone;
//   - bundleEndpointHandler producing it (the server's cost per request);
//   - fetchBundle over https_spiffe on loopback: a fresh TLS connection (no session reuse, as every
//     federation fetch), the endpoint's SVID verified and authorized, the body read, parsed and
//     checked. This is the whole cost of one refresh of a FederatedBundleSource.
import { generateKeyPairSync } from 'node:crypto';
import { fmt, line, printMachine, requireBuild, summarize } from './helpers/stats.mjs';

requireBuild();
const fetches = Number(process.argv[2] ?? 200);

const { SpiffeBundle, X509Bundle, X509Svid, bundleEndpointHandler, createBundleEndpointServer, fetchBundle } = await import('../dist/index.js');
const { TestCa } = await import('../dist/testing/index.js');

await printMachine();
const TD = 'partner.test';
const ENDPOINT = 'spiffe://partner.test/bundle-endpoint';
const ca = await TestCa.create({ trustDomain: TD });
const others = await Promise.all(Array.from({ length: 49 }, () => TestCa.create({ trustDomain: TD })));
const bundle = new SpiffeBundle(TD, {
  x509Authorities: [ca.rootDer, ...others.map((c) => c.rootDer)],
  jwtAuthorities: Array.from({ length: 50 }, (_, i) => [`key-${i}`, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey]),
  refreshHint: 300,
  sequenceNumber: 7n,
});
const json = bundle.marshal();
const svid = await ca.issueX509Svid({ id: ENDPOINT });
const endpointSvid = X509Svid.parse(svid.certChainPem, svid.privateKeyPem);
const svidSource = { getX509Svid: () => endpointSvid, getX509BundleForTrustDomain: () => undefined, bundles: () => [] };
console.log(`bundle: ${bundle.x509Authorities.length} X.509 + ${bundle.jwtAuthorities.size} JWT authorities, ${(json.length / 1024).toFixed(1)} KiB of JSON`);

function time(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}
async function timeAsync(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

time(50, () => SpiffeBundle.parse(TD, json));
console.log(line('SpiffeBundle.parse (100 keys)', summarize(time(fetches, () => SpiffeBundle.parse(TD, json)))));

const handler = bundleEndpointHandler(bundle, { trustDomain: TD });
const res = { writeHead() {}, end() {} };
time(50, () => handler({ method: 'GET' }, res));
console.log(line('bundleEndpointHandler, one GET (100 keys)', summarize(time(fetches, () => handler({ method: 'GET' }, res)))));

const server = createBundleEndpointServer(bundle, { trustDomain: TD, profile: 'https_spiffe', svidSource });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${server.address().port}/`;
const options = { profile: 'https_spiffe', trustDomain: TD, endpointId: ENDPOINT, bundleSource: X509Bundle.fromDer(TD, ca.rootDer) };
const first = await fetchBundle(url, options);
if (!first.equals(bundle)) throw new Error('the fetched bundle differs from the served one');
await timeAsync(20, () => fetchBundle(url, options));
const s = summarize(await timeAsync(fetches, () => fetchBundle(url, options)));
console.log(line('fetchBundle https_spiffe on loopback (TLS + verify + 100-key parse)', s));
console.log(`=> ${fmt(1000 / s.median, 0)} fetches/s one after another`);
await new Promise((resolve) => server.close(resolve));
