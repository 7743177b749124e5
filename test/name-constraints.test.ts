// The name-constraint matching rules, taken from Go's crypto/x509 (verify.go matchDomainConstraint /
// matchURIConstraint), checked directly on names and constraints.
import { describe, expect, it } from 'vitest';
import { matchDomainConstraint, readNameConstraints, reverseLabels, uriHost } from '../src/internal/name-constraints.js';
import { TlvError } from '../src/internal/tlv.js';

describe('matchDomainConstraint', () => {
  it.each([
    ['example.org', 'example.org', true],
    ['a.example.org', 'example.org', true],
    ['a.b.example.org', 'example.org', true],
    ['example.org', '.example.org', false],
    ['a.example.org', '.example.org', true],
    ['badexample.org', 'example.org', false],
    ['example.org', 'a.example.org', false],
    ['Example.ORG', 'example.org', true],
    ['example.org', '', true],
    ['example.com', 'example.org', false],
  ] as const)('%s against "%s": %s', (domain, constraint, expected) => {
    expect(matchDomainConstraint(domain, constraint)).toBe(expected);
  });

  it('refuses names that are not domains (empty labels, absolute names, spaces)', () => {
    for (const bad of ['a..b', 'example.org.', 'exa mple.org']) expect(() => matchDomainConstraint(bad, 'example.org')).toThrow(/cannot parse/);
    expect(reverseLabels('a.b.c')).toEqual(['c', 'b', 'a']);
  });
});

describe('uriHost', () => {
  it('takes the host of the authority, without userinfo or port', () => {
    expect(uriHost('spiffe://example.org/web')).toBe('example.org');
    expect(uriHost('https://user@example.org:8443/x?y#z')).toBe('example.org');
    expect(uriHost('spiffe://example.org')).toBe('example.org');
  });

  it.each(['urn:uuid:1234', 'spiffe:///path', 'spiffe://10.0.0.1/web', 'https://[::1]/x', 'https://10.0.0.1:443/', 'spiffe://a:b:c/x'])(
    'refuses %s: no host name to match (RFC 5280: the certificate MUST be rejected)',
    (uri) => {
      expect(() => uriHost(uri)).toThrow();
    },
  );
});

describe('readNameConstraints', () => {
  const ext = (hex: string) => Buffer.from(hex, 'hex');

  it('reads permitted and excluded URI and DNS subtrees, and marks other kinds unhandled', () => {
    // permitted: URI "example.org"; excluded: DNS "bad.example"
    const value = ext(`3022a00f300d860b${Buffer.from('example.org').toString('hex')}a10f300d820b${Buffer.from('bad.example').toString('hex')}`);
    const nc = readNameConstraints(value, 0, value.length, true);
    expect(nc.permittedUri).toEqual(['example.org']);
    expect(nc.excludedDns).toEqual(['bad.example']);
    expect(nc.critical).toBe(true);
    expect(nc.unhandled).toBe(false);
    const withDir = ext('3015a0133011a40f300d310b3009060355040613025553');
    expect(readNameConstraints(withDir, 0, withDir.length, false).unhandled).toBe(true);
  });

  it('refuses a NameConstraints without subtrees', () => {
    const value = ext('3000');
    expect(() => readNameConstraints(value, 0, value.length, false)).toThrow(TlvError);
  });
});
