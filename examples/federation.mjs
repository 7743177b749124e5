// SPIFFE Federation between two trust domains, each with its own (built-in) Workload API:
// partner.test serves its bundle from a spiffe-kit bundle endpoint; example.org keeps that bundle
// fresh with a FederatedBundleSource and uses it to verify partner.test's X.509 and JWT SVIDs,
// across a CA rotation of partner.test.
//
//   npm run build && node examples/federation.mjs      (exits 0 when every check passed)
//
// ---- the same against SPIRE ------------------------------------------------------------------------
//   const federated = await FederatedBundleSource.create([{
//     trustDomain: 'partner.example',
//     url: 'https://spire.partner.example:8443',          // its server.conf federation.bundle_endpoint
//     profile: 'https_spiffe',
//     endpointId: 'spiffe://partner.example/spire/server',
//     initialBundle: SpiffeBundle.parse('partner.example', bootstrapJson), // `spire-server bundle show -format spiffe`
//   }]);
import { EventEmitter } from 'node:events';
import {
  BundleSource,
  FederatedBundleSource,
  JwtSource,
  JwtSvid,
  SpiffeBundle,
  X509Bundle,
  X509Source,
  createBundleEndpointServer,
  verifyX509Svid,
} from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const ENDPOINT = 'spiffe://partner.test/bundle-endpoint';
const PARTNER_APP = 'spiffe://partner.test/billing';
const say = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);

// ---- partner.test: a Workload API, and a bundle endpoint serving its trust domain's bundle ---------
const partnerAgent = await TestWorkloadApi.start({ trustDomain: 'partner.test', identities: [{ id: ENDPOINT }, { id: PARTNER_APP }] });
const endpointSource = await X509Source.create({ address: partnerAgent.address, picker: { id: ENDPOINT } });
const partnerBundles = await BundleSource.create({ address: partnerAgent.address });
// The SVID the endpoint presents, moved on only when told: a CA rotation publishes the new CA in
// the bundle before the endpoint uses it (as SPIRE prepares its CAs), so that federated peers
// holding the previous bundle can still authenticate the endpoint and fetch the new one.
class StagedSvid extends EventEmitter {
  svid = endpointSource.getX509Svid();
  getX509Svid() {
    return this.svid;
  }
  getX509BundleForTrustDomain(td) {
    return endpointSource.getX509BundleForTrustDomain(td);
  }
  get bundles() {
    return endpointSource.bundles;
  }
  advance() {
    this.svid = endpointSource.getX509Svid();
    this.emit('svid'); // the server installs it
  }
}
const staged = new StagedSvid();
let sequence = 1n;
const endpoint = createBundleEndpointServer(partnerBundles, {
  trustDomain: 'partner.test',
  profile: 'https_spiffe',
  svidSource: staged,
  refreshHint: 60,
  sequenceNumber: () => sequence,
});
await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${endpoint.address().port}`;
say(`partner.test bundle endpoint at ${url}, presenting ${ENDPOINT}`);

// ---- example.org: federates with partner.test ---------------------------------------------------
// The first bundle comes out of band (as `spire-server bundle set`); later ones from the endpoint,
// each fetch authenticated with the bundle fetched before.
const bootstrap = SpiffeBundle.fromX509Bundle(X509Bundle.fromDer('partner.test', partnerAgent.ca.bundleDer()));
const federated = await FederatedBundleSource.create([
  { trustDomain: 'partner.test', url, profile: 'https_spiffe', endpointId: ENDPOINT, initialBundle: bootstrap },
]);
federated.on('update', ({ trustDomain, bundle }) => say(`example.org now trusts ${bundle} for ${trustDomain.name}`));
say(`federated bundle for partner.test: ${federated.getSpiffeBundleForTrustDomain(bootstrap.trustDomain)}`);

let failures = 0;
async function checkPartner(label) {
  const app = await X509Source.create({ address: partnerAgent.address, picker: { id: PARTNER_APP } });
  const jwt = await JwtSource.create({ address: partnerAgent.address });
  try {
    const { id } = verifyX509Svid(app.getX509Svid().certificates, federated);
    const token = (await jwt.fetchJwtSvid({ audience: 'example.org/invoices', subject: PARTNER_APP })).token;
    const svid = await JwtSvid.parseAndValidate(token, federated, 'example.org/invoices');
    say(`${label}: X.509-SVID ${id} verified, JWT-SVID of ${svid.id} validated`);
  } catch (err) {
    failures++;
    say(`${label}: FAILED ${err.message}`);
  } finally {
    await app.close();
    await jwt.close();
  }
}
await checkPartner('before rotation');

// ---- partner.test rotates its CA: published first, then used ------------------------------------
await partnerAgent.rotateCa({ keepPrevious: true });
await new Promise((resolve) => partnerBundles.once('x509-bundles', resolve));
sequence = 2n;
await federated.refreshNow(); // (or wait for the refresh hint)
staged.advance(); // the endpoint now presents an SVID of the new CA, trusted through the fetched bundle
sequence = 3n;
await federated.refreshNow();
say(`partner.test endpoint healthy after the rotation: ${federated.health().state}`);
await checkPartner('after rotation');

// A partner.test CA can never vouch for an example.org ID: bundles are used per trust domain.
const forged = await partnerAgent.ca.issueX509Svid({ id: 'spiffe://example.org/admin' });
try {
  verifyX509Svid(forged.certChainDer, federated);
  failures++;
  say('FAILED: a partner.test CA vouched for spiffe://example.org/admin');
} catch (err) {
  say(`refused spiffe://example.org/admin signed by partner.test: ${err.code}`);
}

await federated.close();
await new Promise((resolve) => endpoint.close(resolve));
await endpointSource.close();
await partnerBundles.close();
await partnerAgent.close();
say(failures === 0 ? 'federation: every check passed' : `federation: ${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
