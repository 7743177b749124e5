import { bench, describe } from 'vitest';
import { X509Bundle } from '../src/bundle/x509-bundle.js';
import type { X509BundleSource } from '../src/bundle/x509-bundle.js';
import { clearSignatureCaches } from '../src/svid/x509-signature.js';
import { verifyX509Svid } from '../src/svid/x509-verify.js';
import { TestCa } from '../src/testing/index.js';

// One trust domain with a root and an intermediate; leaves issued by the intermediate.
const ca = await TestCa.create({ trustDomain: 'example.org', intermediate: true });
const bundle = new X509Bundle('example.org', [ca.rootDer]);
const source: X509BundleSource = { getX509BundleForTrustDomain: (td) => (td.name === 'example.org' ? bundle : undefined) };

const same = await ca.issueX509Svid({ id: 'spiffe://example.org/web' });

describe('verifyX509Svid (leaf + intermediate, warm bundle)', () => {
  bench('same peer chain again (typical reconnecting peer)', () => {
    verifyX509Svid(same.certificates, source);
  });
  bench('uncached signatures (both signatures checked, keys imported once)', () => {
    clearSignatureCaches();
    verifyX509Svid(same.certificates, source);
  });
  bench('fully cold (both signatures checked, intermediate and root keys imported)', () => {
    clearSignatureCaches(true);
    verifyX509Svid(same.certificates, source);
  });
});
