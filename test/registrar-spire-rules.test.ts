/**
 * The registrar's SPIRE rules against SPIRE's own code: DNS names through SPIRE v1.15.3's
 * x509util.ValidateLabel (the check pkg/server/api/entry.go runs on every entry), called by the Go
 * oracle in test/registrar-oracle. Both directions: what SPIRE accepts is accepted, what it
 * refuses is refused. (The same rules against a running server: test/spire/registrar.test.ts.)
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsNameProblem } from '../src/registrar/dns-name.js';
import { buildOracle, oracle } from './helpers/registrar-oracle.js';
import { DNS_CASES } from './helpers/registrar-cases.js';

beforeAll(async () => {
  await buildOracle();
}, 600_000);

describe('DNS names: dnsNameProblem agrees with SPIRE v1.15.3 x509util.ValidateLabel', () => {
  it('every hand-picked case, both ways', async () => {
    const spire = await oracle<{ ok: boolean; error?: string }[]>('dns', [], DNS_CASES);
    const disagree = DNS_CASES.map((d, i) => ({ d, spire: spire[i]!, ours: dnsNameProblem(d) })).filter((x) => x.spire.ok !== (x.ours === undefined));
    expect(disagree).toEqual([]);
    // Both directions are exercised.
    expect(spire.filter((r) => r.ok).length).toBeGreaterThan(10);
    expect(spire.filter((r) => !r.ok).length).toBeGreaterThan(20);
  });

  it('property: random names built from the pieces of the rules', async () => {
    const piece = fc.constantFrom('a', 'b', 'z', '0', '9', '-', '--', '.', '*', '*.', 'xn--', 'xn--bcher-kva', 'kva', '_', ' ', 'A', 'é', 'ab--', '\t', ';');
    const names = fc.sample(fc.array(piece, { minLength: 1, maxLength: 8 }).map((a) => a.join('')), { numRuns: 600, seed: 4 });
    const spire = await oracle<{ ok: boolean; error?: string }[]>('dns', [], names);
    const disagree = names.map((d, i) => ({ d, spire: spire[i]!, ours: dnsNameProblem(d) ?? 'ok' })).filter((x) => x.spire.ok !== (x.ours === 'ok'));
    expect(disagree).toEqual([]);
  });
});
