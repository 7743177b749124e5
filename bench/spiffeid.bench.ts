import { bench, describe } from 'vitest';
import { SpiffeId, TrustDomain } from '../src/index.js';

const ids = [
  'spiffe://example.org/ns/prod/sa/web',
  'spiffe://cluster.local/ns/default/sa/payments-api',
  'spiffe://example.org',
  'spiffe://a-much-longer-trust-domain.example.com/region/eu-west-1/cluster/blue/ns/billing/sa/invoice-worker',
];

describe('SpiffeId', () => {
  let i = 0;
  bench('SpiffeId.parse (4 typical IDs, round robin)', () => {
    SpiffeId.parse(ids[i++ & 3] as string);
  });
  bench('SpiffeId.isValid on an invalid ID', () => {
    SpiffeId.isValid('spiffe://example.org/a//b');
  });
  bench('TrustDomain.parse (bare name)', () => {
    TrustDomain.parse('example.org');
  });
});
