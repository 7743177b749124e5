import { bench, describe } from 'vitest';
import { parseCertificate } from '../src/internal/der.js';
import { TestCa } from '../src/testing/index.js';

// The DER walk of the peer verification hot path, alone: one leaf SVID and its intermediate
// (P-256, as SPIRE issues them). design.md budgets a small DER walk at ≈6 µs.
const ca = await TestCa.create({ trustDomain: 'example.org', intermediate: true });
const svid = await ca.issueX509Svid({ id: 'spiffe://example.org/web' });
const [leaf, intermediate] = svid.certificates as [Buffer, Buffer];

describe('parseCertificate (DER walk, all structure checks)', () => {
  bench('leaf X.509-SVID', () => {
    parseCertificate(leaf);
  });
  bench('intermediate CA', () => {
    parseCertificate(intermediate);
  });
});
