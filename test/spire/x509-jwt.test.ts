import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
import { checkHealth, JwtSource, JwtSvid, JwtSvidError, WorkloadApiClient, WorkloadApiError, X509Source } from '../../src/index.js';
import { assertNoSpireLeftovers, SpireHarness, TRUST_DOMAIN, waitFor } from './harness.js';

const ID_A = `spiffe://${TRUST_DOMAIN}/svc/a`;
const ID_B = `spiffe://${TRUST_DOMAIN}/svc/b`;

describe('real SPIRE agent: X.509 and JWT SVIDs', () => {
  let spire: SpireHarness;
  let client: WorkloadApiClient;
  let x509: X509Source | undefined;
  let jwt: JwtSource | undefined;

  beforeAll(async () => {
    spire = await SpireHarness.start();
    await spire.createEntry({ spiffeId: ID_A, x509SvidTtl: 300, jwtSvidTtl: 120 });
    client = new WorkloadApiClient({ address: spire.address });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => spire?.printLogs());
  });

  afterAll(async () => {
    await x509?.close();
    await jwt?.close();
    client?.close();
    await spire?.stop();
    await assertNoSpireLeftovers();
  });

  it('X509Source serves the SVID of the entry, chained to the server CA', async () => {
    const t0 = Date.now();
    x509 = await X509Source.create({ address: spire.address, timeoutMs: 60_000 });
    const svid = x509.getX509Svid();
    expect(svid.id.toString()).toBe(ID_A);
    expect(x509.bundles.get(svid.id.trustDomain)).toBeDefined();
    expect(svid.expiresAt.getTime() - Date.now()).toBeGreaterThan(200_000);
    expect(svid.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    const report = checkHealth([x509]);
    expect(report.ready, report.problems.join('; ')).toBe(true);
    console.log(`X509Source ready ${Date.now() - t0} ms after create (entry created before)`);
  });

  it('a JWT-SVID validates locally and through the agent; other audiences are refused by both', async () => {
    jwt = await JwtSource.create({ address: spire.address, timeoutMs: 60_000 });
    const svid = await waitFor('a JWT-SVID for aud-1', () => jwt?.fetchJwtSvid({ audience: 'aud-1' }), 60_000, 250);
    expect(svid.id.toString()).toBe(ID_A);

    const local = await JwtSvid.parseAndValidate(svid.token, jwt, 'aud-1');
    expect(local.id.toString()).toBe(ID_A);
    expect(local.audience).toContain('aud-1');
    const remote = await client.validateJwtSvid(svid.token, 'aud-1');
    expect(remote.id.toString()).toBe(ID_A);

    // The same token presented to another audience.
    await expect(JwtSvid.parseAndValidate(svid.token, jwt, 'aud-other')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    const remoteErr = await client.validateJwtSvid(svid.token, 'aud-other').then(
      () => undefined,
      (e: unknown) => e,
    );
    // SPIRE answers InvalidArgument ("expected audience in [...]"): a verdict on the token, ERR_TOKEN_REJECTED.
    expect(remoteErr).toBeInstanceOf(WorkloadApiError);
    expect(remoteErr).toMatchObject({ code: 'ERR_TOKEN_REJECTED', rpc: 'ValidateJWTSVID', grpcCode: 3 });
    expect((remoteErr as Error).message).toMatch(/audience/);
    // Through the source (remote: true) the audience is read first: the same code as local validation.
    await expect(jwt.validateJwtSvid(svid.token, 'aud-other', { remote: true })).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    await expect(jwt.validateJwtSvid(svid.token, 'aud-other')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    expect((await jwt.validateJwtSvid(svid.token, 'aud-1', { remote: true })).id.toString()).toBe(ID_A);
    expect((await jwt.validateJwtSvid(svid.token, 'aud-1')).id.toString()).toBe(ID_A);

    // A token minted for another audience, presented to aud-1.
    const other = await jwt.fetchJwtSvid({ audience: ['aud-2', 'aud-3'] });
    expect(other.audience).toEqual(expect.arrayContaining(['aud-2', 'aud-3']));
    await expect(JwtSvid.parseAndValidate(other.token, jwt, 'aud-1')).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    await expect(client.validateJwtSvid(other.token, 'aud-1')).rejects.toMatchObject({ code: 'ERR_TOKEN_REJECTED' });
    await expect(jwt.validateJwtSvid(other.token, 'aud-1', { remote: true })).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE' });
    // ...and accepted for its own audiences.
    expect((await JwtSvid.parseAndValidate(other.token, jwt, 'aud-2')).id.toString()).toBe(ID_A);
    expect((await client.validateJwtSvid(other.token, 'aud-3')).id.toString()).toBe(ID_A);
  });

  it('tokens the agent rejects after the local read map to JwtSvidError codes (remote: true)', async () => {
    if (jwt === undefined) jwt = await JwtSource.create({ address: spire.address, timeoutMs: 60_000 });
    const good = await jwt.fetchJwtSvid({ audience: 'aud-1' });
    const [h, p, sig] = good.token.split('.') as [string, string, string];
    const exp = Math.floor(Date.now() / 1000) + 300;

    // A valid token with one signature byte changed.
    const sigBytes = Buffer.from(sig, 'base64url');
    sigBytes[5] = (sigBytes[5] ?? 0) ^ 0xff;
    const tampered = `${h}.${p}.${sigBytes.toString('base64url')}`;
    // Signed by a key the trust domain does not have (a kid SPIRE never issued).
    const { privateKey } = await generateKeyPair('ES256');
    const unknownKid = await new SignJWT({ sub: ID_A, aud: ['aud-1'], exp }).setProtectedHeader({ alg: 'ES256', kid: 'not-a-spire-key', typ: 'JWT' }).sign(privateKey);
    // A subject of a trust domain the agent has no bundle for.
    const foreign = await new SignJWT({ sub: 'spiffe://other.test/svc', aud: ['aud-1'], exp }).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' }).sign(privateKey);

    // [what, token, code through the source (remote), code of local validation]
    const cases: Array<[string, string, readonly string[], string]> = [
      ['tampered signature', tampered, ['ERR_JWT_SIGNATURE'], 'ERR_JWT_SIGNATURE'],
      // SPIRE 1.15 says `public key "<kid>" not found in trust domain "<td>"`.
      ['unknown key ID', unknownKid, ['ERR_JWT_UNKNOWN_KID'], 'ERR_JWT_UNKNOWN_KID'],
      ['foreign trust domain', foreign, ['ERR_JWT_NO_BUNDLE'], 'ERR_JWT_NO_BUNDLE'],
    ];
    for (const [what, token, remoteCodes, localCode] of cases) {
      const raw = await client.validateJwtSvid(token, 'aud-1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(raw, what).toBeInstanceOf(WorkloadApiError);
      expect(raw, what).toMatchObject({ code: 'ERR_TOKEN_REJECTED' });
      const viaSource = await jwt.validateJwtSvid(token, 'aud-1', { remote: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      console.log(`${what}: agent said "${(raw as WorkloadApiError).details ?? (raw as Error).message}" -> ${String((viaSource as { code?: string }).code)}`);
      expect(viaSource, what).toBeInstanceOf(JwtSvidError);
      expect(remoteCodes, what).toContain((viaSource as JwtSvidError).code);
      expect((viaSource as JwtSvidError).cause, what).toMatchObject({ code: 'ERR_TOKEN_REJECTED', details: (raw as WorkloadApiError).details });
      expect((viaSource as Error).message, what).toContain('rejected the JWT-SVID');
      // Local validation refuses the same token.
      await expect(jwt.validateJwtSvid(token, 'aud-1'), what).rejects.toMatchObject({ code: localCode });
    }
  });

  it('a second entry with a hint is picked by hint', async () => {
    await spire.createEntry({ spiffeId: ID_B, hint: 'internal' });
    const byHint = await X509Source.create({ address: spire.address, timeoutMs: 60_000, picker: { hint: 'internal' } });
    try {
      expect(byHint.getX509Svid().id.toString()).toBe(ID_B);
      expect(byHint.getX509Svid().hint).toBe('internal');
      const ids = byHint.getX509Svids().map((s) => s.id.toString());
      expect(ids).toEqual(expect.arrayContaining([ID_A, ID_B]));
      // The JWT side: pick by hint too.
      const token = await client.fetchJwtSvid({ audience: 'aud-1', hint: 'internal' });
      expect(token.id.toString()).toBe(ID_B);
      expect((await client.validateJwtSvid(token.token, 'aud-1')).id.toString()).toBe(ID_B);
    } finally {
      await byHint.close();
    }
  });
});
