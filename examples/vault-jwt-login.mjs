// Logging in to HashiCorp Vault's JWT auth method with a JWT-SVID. The example BUILDS the
// `POST /v1/auth/<path>/login` request and prints it; it sends nothing (it runs offline against
// the built-in Workload API).
//
//   npm run build && node examples/vault-jwt-login.mjs
//
// Vault side (once):
//   vault auth enable -path=spiffe jwt
//   vault write auth/spiffe/config jwks_url="https://oidc.example.org/keys"   # serves jwksForTrustDomain(...)
//     (or jwt_validation_pubkeys=… / oidc_discovery_url=…)
//   vault write auth/spiffe/role/orders role_type=jwt user_claim=sub bound_audiences=vault \
//     bound_subject=spiffe://example.org/ns/shop/sa/orders token_policies=orders
import { JwtSource, jwksForTrustDomain } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const VAULT_ADDR = process.env.VAULT_ADDR ?? 'https://vault.example.org:8200';
const AUTH_PATH = process.env.VAULT_AUTH_PATH ?? 'spiffe';
const ROLE = process.env.VAULT_ROLE ?? 'orders';

const agent = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/ns/shop/sa/orders' }] });
const jwtSource = await JwtSource.create({ address: agent.address });

/** Vault's JWT login request: JSON `{ role, jwt }`. */
export function vaultJwtLoginRequest(svid, { vaultAddr, authPath, role, namespace }) {
  return {
    method: 'POST',
    url: new URL(`/v1/auth/${encodeURIComponent(authPath)}/login`, vaultAddr).toString(),
    headers: { 'content-type': 'application/json', ...(namespace === undefined ? {} : { 'x-vault-namespace': namespace }) },
    body: JSON.stringify({ role, jwt: svid.token }),
  };
}

const svid = await jwtSource.fetchJwtSvid({ audience: 'vault' });
const request = vaultJwtLoginRequest(svid, { vaultAddr: VAULT_ADDR, authPath: AUTH_PATH, role: ROLE });
console.log(`${request.method} ${request.url}`);
for (const [k, v] of Object.entries(request.headers)) console.log(`${k}: ${v}`);
console.log('');
// The token is a bearer credential: shortened here; send `request.body` as is.
console.log(request.body.replace(svid.token, `${svid.token.slice(0, 16)}…(${svid.token.length} chars)`));
console.log('');
console.log('JWKS for auth/<path>/config jwks_url:');
console.log(JSON.stringify(jwksForTrustDomain(jwtSource, 'example.org'), null, 2));
// To send it: `const { auth } = await (await fetch(request.url, request)).json()`; use auth.client_token.

await jwtSource.close();
await agent.close();
