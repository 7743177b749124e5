// The JWT-SVID examples run as users run them (node, against the built package that `npm test`
// builds first, on their own built-in Workload API) and check themselves: exit code 0 and what
// they print. None of them sends anything over the network but to loopback.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envWithoutEndpoint, type ExampleRun, runExample } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = (script: string): Promise<ExampleRun> => runExample([script], { cwd: ROOT, env: envWithoutEndpoint() });

/** The JSON document printed after `marker`. */
function jsonAfter(out: string, marker: string): { keys: Record<string, unknown>[] } {
  const at = out.indexOf(marker);
  expect(at, out).toBeGreaterThanOrEqual(0);
  const rest = out.slice(out.indexOf('{', at));
  return JSON.parse(rest.slice(0, rest.lastIndexOf('}') + 1)) as { keys: Record<string, unknown>[] };
}

describe('JWT-SVID examples', { timeout: 30_000 }, () => {
  it('aws-sts.mjs builds an AssumeRoleWithWebIdentity request and prints the JWKS for the IAM OIDC provider, never the whole token', async () => {
    const { code, out } = await run('examples/aws-sts.mjs');
    expect(code, out).toBe(0);
    expect(out).toMatch(/^POST https:\/\/sts\.us-east-1\.amazonaws\.com\/\n/);
    expect(out).toContain('Action=AssumeRoleWithWebIdentity');
    expect(out).toContain('&RoleSessionName=spiffe-ns-shop-sa-orders');
    expect(out).toMatch(/&WebIdentityToken=eyJ[\w-]{13}…\(\d+ chars\)/);
    expect(out).not.toMatch(/eyJ[\w-]+\.eyJ/); // no complete token
    const jwks = jsonAfter(out, 'JWKS for the IAM OIDC provider');
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('vault-jwt-login.mjs builds the Vault JWT login request and the JWKS for jwks_url', async () => {
    const { code, out } = await run('examples/vault-jwt-login.mjs');
    expect(code, out).toBe(0);
    expect(out).toMatch(/^POST https:\/\/vault\.example\.org:8200\/v1\/auth\/spiffe\/login\n/);
    expect(out).toMatch(/\{"role":"orders","jwt":"eyJ[\w-]{13}…\(\d+ chars\)"\}/);
    expect(out).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(jsonAfter(out, 'JWKS for auth/').keys[0]).toMatchObject({ kty: 'EC', use: 'sig' });
  });

  it('bearer-middleware.mjs: 200 with the caller for a JWT-SVID, 401 without one', async () => {
    const { code, out } = await run('examples/bearer-middleware.mjs');
    expect(code, out).toBe(0);
    expect(out).toContain('with a JWT-SVID: 200 {"caller":"spiffe://example.org/ns/shop/sa/frontend"}');
    expect(out).toContain('without       : 401 {"error":"ERR_BEARER_MISSING"}');
  });

  it('jwt-demo.mjs: a client calls an API with a JWT-SVID; 200 / cached / 401 / 403, and the agent agrees', async () => {
    const { code, out } = await run('examples/jwt-demo.mjs');
    expect(code, out).toBe(0);
    expect(out).toMatch(/with the token +-> 200 \{"hello":"spiffe:\/\/example\.org\/ns\/shop\/sa\/frontend"\}/);
    expect(out).toMatch(/second fetch +-> served from the cache \(agent calls: 1\)/);
    expect(out).toMatch(/without a token +-> 401 WWW-Authenticate: Bearer realm="orders"\n/);
    expect(out).toMatch(/token for another aud -> 401 WWW-Authenticate: Bearer realm="orders", error="invalid_token"/);
    expect(out).toMatch(/valid token, batch -> 403/);
    expect(out).toMatch(/agent \(ValidateJWTSVID\) agrees: spiffe:\/\/example\.org\/ns\/shop\/sa\/frontend/);
    expect(out).toMatch(/done\n$/);
  });
});
