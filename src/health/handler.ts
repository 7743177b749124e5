import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHealth, type HealthCheckOptions, type HealthReporter } from './check.js';

/**
 * Options of {@link healthHandler}.
 *
 * @example
 * ```ts
 * healthHandler([source], { livePath: '/live', readyPath: '/ready', minSvidTtlSeconds: 30 });
 * ```
 */
export interface HealthHandlerOptions extends HealthCheckOptions {
  /** Path of the liveness probe (default `/healthz`). */
  livePath?: string;
  /** Path of the readiness probe (default `/readyz`). */
  readyPath?: string;
}

/**
 * A Node HTTP handler for container probes: `GET /healthz` (liveness) and `GET /readyz`
 * (readiness) answer 200 or 503 with a JSON body saying why. It fails closed: any error while
 * checking answers 503. The body never holds key material.
 *
 * Returns `true` when it answered. For any other path it writes nothing and returns `false`, so
 * it sits in front of another handler (your app, or your own 404).
 *
 * @param sources - the sources the service depends on (`X509Source`, `JwtSource`, `BundleSource`).
 * @param options - `livePath` and `readyPath` (default `/healthz`, `/readyz`), `minSvidTtlSeconds`.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { healthHandler } from 'spiffe-kit';
 * const probes = healthHandler([x509Source], { minSvidTtlSeconds: 30 });
 * http.createServer((req, res) => { if (!probes(req, res)) app(req, res); }).listen(8080);
 * // or, on a port of its own:
 * http.createServer((req, res) => { if (!probes(req, res)) res.writeHead(404).end(); }).listen(8081);
 * ```
 */
export function healthHandler(
  sources: readonly HealthReporter[],
  options: HealthHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const livePath = options.livePath ?? '/healthz';
  const readyPath = options.readyPath ?? '/readyz';
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const isLive = path === livePath;
    const isReady = path === readyPath;
    // Not ours: the caller answers (writing here would make its own answer throw
    // ERR_HTTP_HEADERS_SENT).
    if (!isLive && !isReady) return false;
    let status = 503;
    let body: string;
    try {
      const report = checkHealth(sources, options);
      const ok = isLive ? report.live : report.ready;
      status = ok ? 200 : 503;
      body = JSON.stringify({
        status: ok ? 'ok' : 'fail',
        problems: report.problems,
        warnings: report.warnings,
        sources: report.sources.map((s) => ({
          state: s.state,
          ready: s.ready,
          spiffeId: s.spiffeId,
          svidExpiresInSeconds: s.svidExpiresInSeconds,
          bundleCount: s.bundleCount,
          lastUpdateAgeMs: s.lastUpdateAgeMs,
          lastError: s.lastError === undefined ? undefined : { code: s.lastError.code, message: s.lastError.message },
        })),
      });
    } catch {
      body = '{"status":"fail","problems":["health check failed"]}';
    }
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
