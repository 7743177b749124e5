// spiffe-kit JWT demo: a client calls an HTTP API with a JWT-SVID for the API's audience; the API
// validates it (authenticateBearer) and answers with the caller's SPIFFE ID.
//
//   npm run build && node examples/jwt-demo.mjs      (exits 0)
//
// The built-in Workload API of `spiffe-kit/testing` stands in for the SPIRE agent. Both sides use
// one agent here; in production each workload talks to its own node's agent.
import http from 'node:http';
import { JwtSource, authenticateBearer, BearerAuthError, bearerHeader, matchId } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

const say = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);
const AUDIENCE = 'https://orders.example.org';
const CLIENT = 'spiffe://example.org/ns/shop/sa/frontend';
const INTRUDER = 'spiffe://example.org/ns/shop/sa/batch';

const agent = await TestWorkloadApi.start({
  trustDomain: 'example.org',
  identities: [{ id: CLIENT }, { id: INTRUDER }, { id: 'spiffe://example.org/ns/shop/sa/orders' }],
});
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
const jwtSource = await JwtSource.create();

// ---- the API ----------------------------------------------------------------------------------
const authenticate = authenticateBearer(jwtSource, { audience: AUDIENCE, authorize: matchId(CLIENT), realm: 'orders' });
const api = http.createServer(async (req, res) => {
  try {
    const caller = await authenticate(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: caller.id.toString() }));
  } catch (err) {
    if (!(err instanceof BearerAuthError)) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(err.status, err.headers).end(JSON.stringify({ error: err.code }));
  }
});
await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${api.address().port}/orders`;
say(`API listening on ${url}, audience ${AUDIENCE}, authorizes ${CLIENT}`);

// ---- the client -------------------------------------------------------------------------------
function call(headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, challenge: res.headers['www-authenticate'], body }));
      })
      .on('error', reject);
  });
}

const svid = await jwtSource.fetchJwtSvid({ audience: AUDIENCE, subject: CLIENT });
say(`client got a JWT-SVID: sub=${svid.id} aud=${svid.audience.join(',')} exp=${svid.expiresAt.toISOString()}`);
const ok = await call(bearerHeader(svid));
say(`with the token        -> ${ok.status} ${ok.body}`);

const again = await jwtSource.fetchJwtSvid({ audience: AUDIENCE, subject: CLIENT });
say(`second fetch          -> ${again === svid ? 'served from the cache' : 'new token'} (agent calls: ${agent.calls.fetchJwtSvid})`);

const none = await call({});
say(`without a token       -> ${none.status} WWW-Authenticate: ${none.challenge}`);

const other = await jwtSource.fetchJwtSvid({ audience: 'https://billing.example.org', subject: CLIENT });
const wrongAud = await call(bearerHeader(other));
say(`token for another aud -> ${wrongAud.status} WWW-Authenticate: ${wrongAud.challenge}`);

const intruder = await jwtSource.fetchJwtSvid({ audience: AUDIENCE, subject: INTRUDER });
const forbidden = await call(bearerHeader(intruder));
say(`valid token, ${INTRUDER.split('/').pop()} -> ${forbidden.status} ${forbidden.body}`);

const remote = await jwtSource.validateJwtSvid(svid.token, AUDIENCE, { remote: true });
say(`agent (ValidateJWTSVID) agrees: ${remote.id}`);

await new Promise((resolve) => api.close(resolve));
await jwtSource.close();
await agent.close();

const expected = ok.status === 200 && JSON.parse(ok.body).hello === CLIENT && none.status === 401 && wrongAud.status === 401 && forbidden.status === 403;
if (!expected) {
  console.error('unexpected results');
  process.exit(1);
}
say('done');
