// spiffe-kit metrics for Prometheus: an mTLS service whose X509Source, JwtSource and TLS refusals
// are exported as OpenTelemetry metrics on http://127.0.0.1:9464/metrics (the Prometheus
// exporter's default port) for Prometheus to scrape.
//
//   npm run build && node examples/otel-prometheus.mjs          (serves until Ctrl-C)
//   node examples/otel-prometheus.mjs --once                    (scrapes itself once, prints, exits 0)
//
// Needs `@opentelemetry/api`, `@opentelemetry/sdk-metrics` and `@opentelemetry/exporter-prometheus`
// (npm install them next to spiffe-kit). Without SPIFFE_ENDPOINT_SOCKET, the built-in Workload API
// of `spiffe-kit/testing` stands in for the SPIRE agent. METRICS_PORT picks the port (0: any free one).
import http from 'node:http';
import tls from 'node:tls';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { authorizeId, createTlsServer, JwtSource, mtlsClientOptions, X509Source } from 'spiffe-kit';
import { instrumentSpiffeKit } from 'spiffe-kit/otel';

const once = process.argv.includes('--once');
const SERVER = 'spiffe://example.org/ns/shop/sa/orders';
const CLIENT = 'spiffe://example.org/ns/shop/sa/frontend';

// ---- the Workload API: the agent's socket, or a stand-in -----------------------------------------
let agent;
if (process.env.SPIFFE_ENDPOINT_SOCKET === undefined) {
  const { TestWorkloadApi } = await import('spiffe-kit/testing');
  agent = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: SERVER }, { id: CLIENT }] });
  process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
}
const x509 = await X509Source.create({ picker: { id: SERVER } });
const jwt = await JwtSource.create();

// ---- metrics: OpenTelemetry SDK, Prometheus exposition, spiffe-kit instrumentation ----------------
const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });
const stopInstrumenting = instrumentSpiffeKit({ meterProvider, sources: [x509, jwt] });
const metricsServer = http.createServer((req, res) => {
  if (req.url === '/metrics') exporter.getMetricsRequestHandler(req, res);
  else res.writeHead(404).end();
});
const port = Number(process.env.METRICS_PORT ?? (once ? 0 : 9464));
await new Promise((resolve) => metricsServer.listen(port, '127.0.0.1', resolve));
const metricsUrl = `http://127.0.0.1:${metricsServer.address().port}/metrics`;
console.log(`metrics on ${metricsUrl}`);

// ---- the service: mTLS, only the frontend may call --------------------------------------------
const service = createTlsServer(x509, authorizeId(CLIENT), (socket) => socket.end('hello\n'));
await new Promise((resolve) => service.listen(0, '127.0.0.1', resolve));
const servicePort = service.address().port;
console.log(`mTLS service on 127.0.0.1:${servicePort}, serving ${SERVER}`);

// ---- some traffic, so that every metric has a value ---------------------------------------------
if (agent !== undefined) {
  const client = await X509Source.create({ picker: { id: CLIENT } });
  // The frontend calls the service (allowed), then a client expecting another server refuses it.
  for (const expected of [SERVER, 'spiffe://example.org/ns/shop/sa/payments']) {
    await new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: servicePort, ...mtlsClientOptions(client, authorizeId(expected)) });
      socket.on('data', () => undefined);
      socket.on('error', resolve);
      socket.on('close', resolve);
    });
  }
  await client.close();
  // A JWT-SVID twice: one miss (fetched from the agent), one hit (served from the cache).
  await jwt.fetchJwtSvid({ audience: 'https://payments.example.org' });
  await jwt.fetchJwtSvid({ audience: 'https://payments.example.org' });
  // The agent ends its streams (as an agent restarting would): the sources reconnect.
  agent.endStreams();
  await agent.waitForStreams(2);
  // The agent rotates the service's SVID.
  const rotated = new Promise((resolve) => x509.once('svid', resolve));
  await agent.rotate(SERVER);
  await rotated;
}

async function shutdown() {
  stopInstrumenting();
  await meterProvider.shutdown();
  await new Promise((resolve) => service.close(resolve));
  await new Promise((resolve) => metricsServer.close(resolve));
  await x509.close();
  await jwt.close();
  await agent?.close();
}

if (once) {
  // What Prometheus would scrape.
  const text = await new Promise((resolve, reject) => {
    http.get(metricsUrl, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  console.log(text.split('\n').filter((l) => l.startsWith('spiffe_') || l.startsWith('# TYPE spiffe_')).join('\n'));
  await shutdown();
} else {
  console.log('scrape it with: curl -s', metricsUrl, '| grep ^spiffe_');
  process.once('SIGINT', () => shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => shutdown().then(() => process.exit(0)));
}
