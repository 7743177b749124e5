// Using a JWT-SVID as an OIDC web identity token for AWS STS AssumeRoleWithWebIdentity.
// The example BUILDS the request and prints it; it sends nothing (it runs offline against the
// built-in Workload API).
//
//   npm run build && node examples/aws-sts.mjs
//
// AWS side (once): an IAM OIDC identity provider for your SPIRE OIDC discovery endpoint (it serves
// `jwksForTrustDomain(source, td)` as its jwks_uri), audience `sts.amazonaws.com`, and a role whose
// trust policy allows `sts:AssumeRoleWithWebIdentity` for `<provider>:sub` = the workload's SPIFFE ID.
import { URLSearchParams } from 'node:url';
import { JwtSource, jwksForTrustDomain } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const ROLE_ARN = process.env.AWS_ROLE_ARN ?? 'arn:aws:iam::123456789012:role/orders-reader';

const agent = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/ns/shop/sa/orders' }] });
const jwtSource = await JwtSource.create({ address: agent.address });

/** A RoleSessionName from a SPIFFE ID: 2-64 characters of [\w+=,.@-]. */
function sessionNameOf(id) {
  return `spiffe${id.path.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);
}

/** The STS request: POST, form-encoded, no AWS signature needed for this action. */
export function assumeRoleWithWebIdentityRequest(svid, roleArn, { region = 'us-east-1', durationSeconds } = {}) {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: sessionNameOf(svid.id),
    WebIdentityToken: svid.token,
    ...(durationSeconds === undefined ? {} : { DurationSeconds: String(durationSeconds) }),
  });
  return {
    method: 'POST',
    url: `https://sts.${region}.amazonaws.com/`,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
    body: body.toString(),
  };
}

const svid = await jwtSource.fetchJwtSvid({ audience: 'sts.amazonaws.com' });
const request = assumeRoleWithWebIdentityRequest(svid, ROLE_ARN);
// The token is a bearer credential: shortened here; send `request.body` as is.
const shown = request.body.replace(svid.token, `${svid.token.slice(0, 16)}…(${svid.token.length} chars)`);
console.log(`${request.method} ${request.url}`);
for (const [k, v] of Object.entries(request.headers)) console.log(`${k}: ${v}`);
console.log('');
console.log(shown.split('&').join('\n&'));
console.log('');
console.log('JWKS for the IAM OIDC provider (served at the issuer\'s jwks_uri):');
console.log(JSON.stringify(jwksForTrustDomain(jwtSource, 'example.org'), null, 2));
// To send it: `await fetch(request.url, request)`; the answer holds Credentials.AccessKeyId / SecretAccessKey / SessionToken.

await jwtSource.close();
await agent.close();
