import { describe, expect, it } from 'vitest';
import {
  matchAny,
  matchId,
  matchMemberOf,
  matchOneOf,
  SpiffeError,
  SpiffeId,
  SpiffeIdError,
  type SpiffeIdErrorCode,
  TrustDomain,
} from '../src/index.js';

function codeOf(fn: () => unknown): SpiffeIdErrorCode | 'NO_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (err) {
    expect(err).toBeInstanceOf(SpiffeIdError);
    expect(err).toBeInstanceOf(SpiffeError);
    return (err as SpiffeIdError).code;
  }
}

const TD_CHARS = new Set('abcdefghijklmnopqrstuvwxyz0123456789.-_');
const PATH_CHARS = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_');

describe('SpiffeId.parse — conformance table (go-spiffe spiffeid tests + spec §3)', () => {
  const valid: Array<[string, string, string]> = [
    ['spiffe://trustdomain', 'trustdomain', ''],
    ['spiffe://trustdomain/path', 'trustdomain', '/path'],
    ['spiffe://trustdomain/path1/path2', 'trustdomain', '/path1/path2'],
    ['spiffe://trustdomain/.path', 'trustdomain', '/.path'],
    ['spiffe://trustdomain/..path', 'trustdomain', '/..path'],
    ['spiffe://trustdomain/...', 'trustdomain', '/...'],
    ['spiffe://trust-domain.example_1/Ns/PROD', 'trust-domain.example_1', '/Ns/PROD'],
    ['spiffe://192.168.1.1/web', '192.168.1.1', '/web'],
    ['spiffe://domain.test/path/element', 'domain.test', '/path/element'],
  ];
  it.each(valid)('accepts %s', (input, td, path) => {
    const id = SpiffeId.parse(input);
    expect(id.trustDomain.name).toBe(td);
    expect(id.path).toBe(path);
    expect(id.toString()).toBe(input);
    expect(SpiffeId.isValid(input)).toBe(true);
  });

  const invalid: Array<[string, SpiffeIdErrorCode]> = [
    ['', 'ERR_SPIFFEID_EMPTY'],
    ['spiffe://', 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe:///', 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe:///path/element', 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe:path/element', 'ERR_SPIFFEID_SCHEME'],
    ['spiffe:/path/element', 'ERR_SPIFFEID_SCHEME'],
    ['xspiffe://trustdomain/path', 'ERR_SPIFFEID_SCHEME'],
    ['SPIFFE://trustdomain/path', 'ERR_SPIFFEID_SCHEME'],
    ['Spiffe://trustdomain/path', 'ERR_SPIFFEID_SCHEME'],
    ['http://domain.test/path/element', 'ERR_SPIFFEID_SCHEME'],
    ['192.168.2.2:6688', 'ERR_SPIFFEID_SCHEME'],
    ['://domain.test', 'ERR_SPIFFEID_SCHEME'],
    [' spiffe://trustdomain/path', 'ERR_SPIFFEID_SCHEME'],
    ['spiffe://trustdomain/', 'ERR_SPIFFEID_TRAILING_SLASH'],
    ['spiffe://trustdomain/path/', 'ERR_SPIFFEID_TRAILING_SLASH'],
    ['spiffe://trustdomain//', 'ERR_SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://trustdomain//path', 'ERR_SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://trustdomain/path//element', 'ERR_SPIFFEID_EMPTY_SEGMENT'],
    ['spiffe://trustdomain/./path', 'ERR_SPIFFEID_DOT_SEGMENT'],
    ['spiffe://trustdomain/../path', 'ERR_SPIFFEID_DOT_SEGMENT'],
    ['spiffe://trustdomain/path/.', 'ERR_SPIFFEID_DOT_SEGMENT'],
    ['spiffe://trustdomain/path/..', 'ERR_SPIFFEID_DOT_SEGMENT'],
    ['spiffe://DomAin.TesT/path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test:8080/path/element', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test:/path/element', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://user:password@test.org/path/element', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://[::1]/path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain%2Etest/path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test?query=1', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test/path/element?query=1', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/path/element?#fragment-1', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/path/element#fragment', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/pa:th/element:', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/pa@th/element', 'ERR_SPIFFEID_PATH_CHAR'],
    ["spiffe://domain.test/p!a$t&h'/(e)l*e+m,e;n=t", 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/path/elem%5uent', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/path/elem%41ent', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/path/elem[ent', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/spiffe://domain.test/path/element', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/pa\tth', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/pa\nth', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://domain.test/päth', 'ERR_SPIFFEID_PATH_CHAR'],
    ['spiffe://dömain.test/path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test /path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
  ];
  it.each(invalid)('rejects %j with %s', (input, code) => {
    expect(codeOf(() => SpiffeId.parse(input))).toBe(code);
    expect(SpiffeId.isValid(input)).toBe(false);
  });

  it('checks every ASCII character in the trust domain', () => {
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      if (ch === '/') continue;
      const input = `spiffe://trustdomain${ch}/path`;
      expect(codeOf(() => SpiffeId.parse(input)), JSON.stringify(input)).toBe(
        TD_CHARS.has(ch) ? 'NO_ERROR' : 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR',
      );
    }
  });

  it('checks every ASCII character in the path', () => {
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      if (ch === '/') continue;
      const input = `spiffe://trustdomain/path${ch}`;
      expect(codeOf(() => SpiffeId.parse(input)), JSON.stringify(input)).toBe(
        PATH_CHARS.has(ch) ? 'NO_ERROR' : 'ERR_SPIFFEID_PATH_CHAR',
      );
    }
  });

  it('rejects non-strings with a typed error instead of crashing', () => {
    for (const bad of [undefined, null, 42, {}, ['spiffe://a/b']]) {
      expect(codeOf(() => SpiffeId.parse(bad as unknown as string))).toBe('ERR_SPIFFEID_NOT_STRING');
      expect(codeOf(() => TrustDomain.parse(bad as unknown as string))).toBe('ERR_SPIFFEID_NOT_STRING');
    }
  });

  it('error messages name the rule and the position', () => {
    expect(() => SpiffeId.parse('spiffe://example.org:443/x')).toThrow(/ports are not allowed/);
    expect(() => SpiffeId.parse('spiffe://Example.org/x')).toThrow(/must be lowercase/);
    expect(() => SpiffeId.parse('spiffe://example.org/x?y')).toThrow(/queries are not allowed/);
    expect(() => SpiffeId.parse('spiffe://example.org/x#y')).toThrow(/fragments are not allowed/);
    expect(() => SpiffeId.parse('spiffe://example.org/a\u0000')).toThrow(/control character U\+0000/);
    expect(() => SpiffeId.parse('SPIFFE://example.org/a')).toThrow(/scheme must be lowercase/);
  });
});

describe('lengths', () => {
  it('accepts an ID of exactly 2048 bytes and rejects 2049', () => {
    const prefix = 'spiffe://example.org/';
    const ok = prefix + 'a'.repeat(2048 - prefix.length);
    expect(ok.length).toBe(2048);
    expect(SpiffeId.parse(ok).toString()).toBe(ok);
    expect(codeOf(() => SpiffeId.parse(`${ok}b`))).toBe('ERR_SPIFFEID_TOO_LONG');
  });

  it('counts bytes, not UTF-16 units', () => {
    const prefix = 'spiffe://example.org/';
    const s = prefix + 'é'.repeat(1024);
    expect(codeOf(() => SpiffeId.parse(s))).toBe('ERR_SPIFFEID_TOO_LONG');
  });

  it('accepts a trust domain of 255 bytes and rejects 256', () => {
    const td255 = 'a'.repeat(255);
    expect(TrustDomain.parse(td255).name).toBe(td255);
    expect(SpiffeId.parse(`spiffe://${td255}/x`).trustDomain.name).toBe(td255);
    expect(codeOf(() => TrustDomain.parse(`${td255}a`))).toBe('ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG');
    expect(codeOf(() => SpiffeId.parse(`spiffe://${td255}a/x`))).toBe('ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG');
  });

  it('fromSegments and fromPath enforce the total length', () => {
    expect(codeOf(() => SpiffeId.fromSegments('example.org', 'a'.repeat(2100)))).toBe('ERR_SPIFFEID_TOO_LONG');
    expect(codeOf(() => SpiffeId.fromPath('example.org', `/${'a'.repeat(2100)}`))).toBe('ERR_SPIFFEID_TOO_LONG');
  });
});

describe('TrustDomain', () => {
  const valid: Array<[string, string]> = [
    ['domain.test', 'domain.test'],
    ['spiffe://domain.test', 'domain.test'],
    ['spiffe://domain.test/path/element', 'domain.test'],
    ['trust-domain_1.example', 'trust-domain_1.example'],
    ['10.0.0.1', '10.0.0.1'],
  ];
  it.each(valid)('parses %s', (input, name) => {
    const td = TrustDomain.parse(input);
    expect(td.name).toBe(name);
    expect(td.toString()).toBe(name);
    expect(td.idString()).toBe(`spiffe://${name}`);
  });

  const invalid: Array<[string, SpiffeIdErrorCode]> = [
    ['', 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['DomAin.TesT', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['http://domain.test', 'ERR_SPIFFEID_SCHEME'],
    ['://domain.test', 'ERR_SPIFFEID_SCHEME'],
    ['spiffe://domain.test:80', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://domain.test:', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['spiffe://', 'ERR_SPIFFEID_MISSING_TRUST_DOMAIN'],
    ['spiffe://domain.test/spiffe://domain.test:80/path/element', 'ERR_SPIFFEID_PATH_CHAR'],
    ['domain.test:80', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['domain.test/path', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
    ['user@domain.test', 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'],
  ];
  it.each(invalid)('rejects %j with %s', (input, code) => {
    expect(codeOf(() => TrustDomain.parse(input))).toBe(code);
    expect(TrustDomain.isValid(input)).toBe(false);
  });

  it('checks every ASCII character of a bare name', () => {
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      const input = `trust${ch}domain`;
      const expected = TD_CHARS.has(ch) ? 'NO_ERROR' : 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR';
      expect(codeOf(() => TrustDomain.parse(input)), JSON.stringify(input)).toBe(expected);
    }
  });

  it('compares by name', () => {
    const td = TrustDomain.parse('example.org');
    expect(td.equals(TrustDomain.parse('spiffe://example.org/x'))).toBe(true);
    expect(td.equals('example.org')).toBe(true);
    expect(td.equals('spiffe://example.org')).toBe(true);
    expect(td.equals('other.org')).toBe(false);
    expect(td.equals('NOT VALID')).toBe(false);
    expect(TrustDomain.from(td)).toBe(td);
    expect(JSON.stringify({ td })).toBe('{"td":"example.org"}');
  });
});

describe('SpiffeId construction and accessors', () => {
  it('fromSegments builds and validates each segment', () => {
    expect(SpiffeId.fromSegments('domain.test', 'path', 'element').toString()).toBe('spiffe://domain.test/path/element');
    expect(SpiffeId.fromSegments('spiffe://domain.test', 'path').toString()).toBe('spiffe://domain.test/path');
    expect(SpiffeId.fromSegments(TrustDomain.parse('domain.test')).toString()).toBe('spiffe://domain.test');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', ''))).toBe('ERR_SPIFFEID_EMPTY_SEGMENT');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', '.'))).toBe('ERR_SPIFFEID_DOT_SEGMENT');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', '..'))).toBe('ERR_SPIFFEID_DOT_SEGMENT');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', 'a/b'))).toBe('ERR_SPIFFEID_PATH_CHAR');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', 'pa:th'))).toBe('ERR_SPIFFEID_PATH_CHAR');
    expect(codeOf(() => SpiffeId.fromSegments('spiffe://', 'path'))).toBe('ERR_SPIFFEID_MISSING_TRUST_DOMAIN');
    expect(codeOf(() => SpiffeId.fromSegments('Domain.test', 'path'))).toBe('ERR_SPIFFEID_TRUST_DOMAIN_CHAR');
    expect(codeOf(() => SpiffeId.fromSegments('domain.test', 7 as unknown as string))).toBe('ERR_SPIFFEID_NOT_STRING');
  });

  it('fromPath requires a leading slash and a valid path', () => {
    expect(SpiffeId.fromPath('domain.test', '/a/b').toString()).toBe('spiffe://domain.test/a/b');
    expect(SpiffeId.fromPath('domain.test', '').toString()).toBe('spiffe://domain.test');
    expect(codeOf(() => SpiffeId.fromPath('domain.test', 'a/b'))).toBe('ERR_SPIFFEID_PATH_LEADING_SLASH');
    expect(codeOf(() => SpiffeId.fromPath('domain.test', '/a/'))).toBe('ERR_SPIFFEID_TRAILING_SLASH');
    expect(codeOf(() => SpiffeId.fromPath('domain.test', '/a//b'))).toBe('ERR_SPIFFEID_EMPTY_SEGMENT');
    expect(codeOf(() => SpiffeId.fromPath('domain.test', 5 as unknown as string))).toBe('ERR_SPIFFEID_NOT_STRING');
  });

  it('exposes trust domain, path, segments, root-ness, equality and membership', () => {
    const id = SpiffeId.parse('spiffe://domain.test/path/element');
    expect(id.trustDomain.equals(TrustDomain.parse('domain.test'))).toBe(true);
    expect(id.path).toBe('/path/element');
    expect(id.segments).toEqual(['path', 'element']);
    expect(id.isRoot).toBe(false);
    expect(SpiffeId.parse('spiffe://domain.test').isRoot).toBe(true);
    expect(SpiffeId.parse('spiffe://domain.test').segments).toEqual([]);
    expect(id.memberOf('domain.test')).toBe(true);
    expect(id.memberOf(TrustDomain.parse('domain.test'))).toBe(true);
    expect(SpiffeId.parse('spiffe://other.domain.test/path').memberOf('domain.test')).toBe(false);
    expect(id.equals(SpiffeId.parse('spiffe://domain.test/path/element'))).toBe(true);
    expect(id.equals('spiffe://domain.test/path/element')).toBe(true);
    expect(id.equals('spiffe://domain.test/path/Element')).toBe(false);
    expect(JSON.stringify(id)).toBe('"spiffe://domain.test/path/element"');
    expect(String(id)).toBe('spiffe://domain.test/path/element');
    expect(Object.isFrozen(id)).toBe(true);
    expect(SpiffeId.from(id)).toBe(id);
  });
});

describe('matchers', () => {
  const web = SpiffeId.parse('spiffe://example.org/web');
  const db = SpiffeId.parse('spiffe://example.org/db');
  const foreign = SpiffeId.parse('spiffe://other.org/web');

  it('matchAny accepts everything', () => {
    expect([web, db, foreign].every(matchAny())).toBe(true);
  });
  it('matchId accepts exactly one ID', () => {
    const m = matchId('spiffe://example.org/web');
    expect([m(web), m(db), m(foreign)]).toEqual([true, false, false]);
  });
  it('matchOneOf accepts the listed IDs', () => {
    const m = matchOneOf(web, 'spiffe://example.org/db');
    expect([m(web), m(db), m(foreign)]).toEqual([true, true, false]);
    expect(matchOneOf()(web)).toBe(false);
  });
  it('matchMemberOf accepts one trust domain only', () => {
    const m = matchMemberOf('example.org');
    expect([m(web), m(db), m(foreign)]).toEqual([true, true, false]);
    // a trust domain that merely shares a suffix is not a member
    expect(m(SpiffeId.parse('spiffe://evil-example.org/web'))).toBe(false);
    expect(m(SpiffeId.parse('spiffe://example.org.evil/web'))).toBe(false);
  });
  it('matchers reject invalid expectations up front', () => {
    expect(codeOf(() => matchId('spiffe://example.org/'))).toBe('ERR_SPIFFEID_TRAILING_SLASH');
    expect(codeOf(() => matchMemberOf('Example.org'))).toBe('ERR_SPIFFEID_TRUST_DOMAIN_CHAR');
  });
});

describe('SpiffeError brand', () => {
  it('recognises errors from another copy of the package by brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ERR_SPIFFEID_EMPTY' });
    Object.defineProperty(foreign, Symbol.for('spiffe-kit.error'), { value: ['SpiffeIdError', 'SpiffeError'] });
    expect(foreign instanceof SpiffeIdError).toBe(true);
    expect(foreign instanceof SpiffeError).toBe(true);
    expect(new Error('plain') instanceof SpiffeError).toBe(false);
    expect((null as unknown) instanceof SpiffeError).toBe(false);
    const err = new SpiffeIdError('ERR_SPIFFEID_EMPTY', 'm', 'x'.repeat(1000));
    expect(err.name).toBe('SpiffeIdError');
    expect(err.input.length).toBe(257);
  });
});
