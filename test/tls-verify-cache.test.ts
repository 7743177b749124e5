// The verdict cache of the TLS layer (verifyPeerChain / verifyTlsPeer): a returning peer costs a
// lookup, but a cached verdict never outlives the bundle it was checked against or the validity of
// its path, failures are never cached, and the authorizer runs every time.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthorizationError, authorizeAny, authorizeId, TlsError, verifyPeerChain, X509Bundle } from '../src/index.js';
import { type IssuedX509Svid, TestCa } from '../src/testing/index.js';

const ID = 'spiffe://cache.test/web';
let ca: TestCa;
let otherCa: TestCa;
let svid: IssuedX509Svid;

beforeAll(async () => {
  ca = await TestCa.create({ trustDomain: 'cache.test', intermediate: true });
  otherCa = await TestCa.create({ trustDomain: 'cache.test' });
  svid = await ca.issueX509Svid({ id: ID, ttlMs: 10 * 60_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

const chainOf = (s: IssuedX509Svid) => [...s.certificates];

describe('verifyPeerChain verdict cache', () => {
  it('runs the authorizer on every call, also on a cache hit', () => {
    const bundle = X509Bundle.fromDer('cache.test', ca.bundleDer());
    let calls = 0;
    const counting = (id: Parameters<ReturnType<typeof authorizeAny>>[0]) => {
      calls++;
      return authorizeId(ID)(id, []);
    };
    expect(verifyPeerChain(chainOf(svid), bundle, counting).toString()).toBe(ID);
    expect(verifyPeerChain(chainOf(svid), bundle, counting).toString()).toBe(ID);
    expect(calls).toBe(2);
    expect(() => verifyPeerChain(chainOf(svid), bundle, authorizeId('spiffe://cache.test/db'))).toThrow(AuthorizationError);
  });

  it('a verdict does not survive a bundle change of the peer trust domain', () => {
    const trusted = X509Bundle.fromDer('cache.test', ca.bundleDer());
    expect(verifyPeerChain(chainOf(svid), trusted, authorizeAny()).toString()).toBe(ID);
    // The same trust domain, now with a bundle that no longer holds the peer's CA.
    const replaced = X509Bundle.fromDer('cache.test', otherCa.bundleDer());
    const err = (() => {
      try {
        verifyPeerChain(chainOf(svid), replaced, authorizeAny());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('ERR_TLS_PEER_VERIFICATION');
    // And back: verified again, accepted again.
    expect(verifyPeerChain(chainOf(svid), trusted, authorizeAny()).toString()).toBe(ID);
  });

  it('a verdict does not survive the expiry of the peer certificate', () => {
    const bundle = X509Bundle.fromDer('cache.test', ca.bundleDer());
    expect(verifyPeerChain(chainOf(svid), bundle, authorizeAny()).toString()).toBe(ID);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(svid.expiresAt.getTime() + 1000);
    expect(() => verifyPeerChain(chainOf(svid), bundle, authorizeAny())).toThrow(/not valid/);
  });

  it('a failure is not cached: the same leaf verifies once its bundle is there', () => {
    const empty = X509Bundle.fromDer('cache.test', otherCa.bundleDer());
    expect(() => verifyPeerChain(chainOf(svid), empty, authorizeAny())).toThrow(TlsError);
    expect(verifyPeerChain(chainOf(svid), X509Bundle.fromDer('cache.test', ca.bundleDer()), authorizeAny()).toString()).toBe(ID);
  });

  it('an empty chain is refused', () => {
    expect(() => verifyPeerChain([], X509Bundle.fromDer('cache.test', ca.bundleDer()), authorizeAny())).toThrow(
      expect.objectContaining({ code: 'ERR_TLS_NO_PEER_CERTIFICATE' }),
    );
  });
});
