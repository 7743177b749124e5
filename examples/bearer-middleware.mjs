// Protecting an HTTP API with JWT-SVIDs: a connect/express-style middleware built on
// authenticateBearer, mounted here on a plain node:http server (no framework dependency).
//
//   npm run build && node examples/bearer-middleware.mjs      (exits 0)
//
// ---- express ------------------------------------------------------------------------------------
//   const app = express();
//   app.use(requireJwtSvid(jwtSource, { audience: 'https://orders.example.org', authorize: matchMemberOf('example.org') }));
//   app.get('/orders', (req, res) => res.json({ caller: req.spiffeId }));
//
// ---- fastify ------------------------------------------------------------------------------------
//   const authenticate = authenticateBearer(jwtSource, { audience: 'https://orders.example.org' });
//   fastify.decorateRequest('spiffeId', null);
//   fastify.addHook('onRequest', async (request, reply) => {
//     try {
//       request.spiffeId = (await authenticate(request.raw)).id.toString();
//     } catch (err) {
//       if (!(err instanceof BearerAuthError)) throw err;
//       return reply.code(err.status).headers(err.headers).send({ error: err.code });
//     }
//   });
//
// ---- grpc-js ------------------------------------------------------------------------------------
//   getOrder: async (call, callback) => {
//     try { const caller = await authenticate(call); … }           // reads call.metadata
//     catch (err) { callback({ code: err.status === 403 ? status.PERMISSION_DENIED : status.UNAUTHENTICATED }); }
//   }
//   // client side (grpcBearerMetadata is in 'spiffe-kit/grpc'): client.getOrder(req, grpcBearerMetadata(await jwtSource.fetchJwtSvid({ audience: 'orders' })), cb)
import http from 'node:http';
import { JwtSource, authenticateBearer, BearerAuthError, bearerHeader, matchMemberOf } from 'spiffe-kit';
import { TestWorkloadApi } from 'spiffe-kit/testing';

/** `(req, res, next)` middleware: sets `req.spiffeId` or answers 401 / 403 with WWW-Authenticate. */
export function requireJwtSvid(source, options) {
  const authenticate = authenticateBearer(source, options);
  return (req, res, next) => {
    authenticate(req).then(
      (svid) => {
        req.spiffeId = svid.id.toString();
        next();
      },
      (err) => {
        if (!(err instanceof BearerAuthError)) return next(err);
        res.writeHead(err.status, { ...err.headers, 'content-type': 'application/json' }).end(JSON.stringify({ error: err.code }));
      },
    );
  };
}

const agent = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/ns/shop/sa/frontend' }] });
const jwtSource = await JwtSource.create({ address: agent.address });
const guard = requireJwtSvid(jwtSource, { audience: 'https://orders.example.org', authorize: matchMemberOf('example.org') });

// A two-line "framework": run the middleware, then the handler.
const server = http.createServer((req, res) =>
  guard(req, res, (err) => {
    if (err) return res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ caller: req.spiffeId }));
  }),
);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/orders`;

const get = (headers) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      })
      .on('error', reject);
  });

const svid = await jwtSource.fetchJwtSvid({ audience: 'https://orders.example.org' });
console.log('with a JWT-SVID:', await get(bearerHeader(svid)));
console.log('without       :', await get({}));

await new Promise((resolve) => server.close(resolve));
await jwtSource.close();
await agent.close();
