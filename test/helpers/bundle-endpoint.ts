// Shared by the federation tests: a partner trust domain's CA, an endpoint SVID that is valid both
// as an X.509-SVID (https_spiffe) and for the host name localhost (https_web), and an https server
// on loopback whose answer each test scripts.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JwtBundle, SpiffeBundle } from '../../src/index.js';
import { type IssuedX509Svid, TestCa } from '../../src/testing/index.js';
import { listenOnLoopback } from './loopback.js';

export const PARTNER_TD = 'partner.test';
export const ENDPOINT_ID = 'spiffe://partner.test/spire/server';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface Partner {
  readonly ca: TestCa;
  readonly svid: IssuedX509Svid;
  /** The partner's SPIFFE bundle: its root and JWT key. */
  bundle(options?: { sequence?: bigint; refreshHint?: number }): SpiffeBundle;
}

export async function createPartner(trustDomain = PARTNER_TD, endpointId = ENDPOINT_ID): Promise<Partner> {
  const ca = await TestCa.create({ trustDomain });
  const svid = await ca.issueX509Svid({ id: endpointId, dnsNames: ['localhost'] });
  const jwt = JwtBundle.fromJwks(trustDomain, JSON.stringify(ca.jwks()));
  return {
    ca,
    svid,
    bundle: (options = {}) =>
      new SpiffeBundle(trustDomain, {
        x509Authorities: [ca.rootDer],
        jwtAuthorities: jwt.jwtAuthorities,
        sequenceNumber: options.sequence,
        refreshHint: options.refreshHint,
      }),
  };
}

export interface Endpoint {
  readonly server: Server;
  readonly port: number;
  /** `https://localhost:<port><path>` (the endpoint certificate is valid for localhost). */
  url(path?: string): string;
  /** The answer to the next requests (default: 404). */
  route: Route;
  /** Requests received, by path. */
  readonly hits: string[];
}

/** An https server presenting `cert`/`key`, listening on localhost; closed by `cleanup`. */
export async function startEndpoint(credentials: { cert: string; key: string }, cleanup: Array<() => unknown>): Promise<Endpoint> {
  const endpoint = {
    route: ((_req, res) => res.writeHead(404).end()) as Route,
    hits: [] as string[],
  } as { server: Server; port: number; route: Route; hits: string[]; url(path?: string): string };
  const server = createServer({ cert: credentials.cert, key: credentials.key }, (req, res) => {
    endpoint.hits.push(req.url ?? '');
    endpoint.route(req, res);
  });
  const port = await listenOnLoopback(server, cleanup);
  endpoint.server = server;
  endpoint.port = port;
  endpoint.url = (path = '/') => `https://localhost:${port}${path}`;
  return endpoint;
}

/** A route answering `body` as JSON. */
export function json(body: string, headers: Record<string, string> = {}): Route {
  return (_req, res) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body);
}
