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
 * (readiness) answer 200 or 503 with a JSON body saying why; other paths get 404. It fails closed:
 * any error while checking answers 503. The body never holds key material.
 *
 * Returns `true` when it answered (so it can sit in front of another handler).
 *
 * @param sources - the sources the service depends on (`X509Source`, `JwtSource`, `BundleSource`).
 * @param options - `livePath` and `readyPath` (default `/healthz`, `/readyz`), `minSvidTtlSeconds`.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { healthHandler } from 'spiffe-kit';
 * const probes = healthHandler([x509Source], { minSvidTtlSeconds: 30 });
 * http.createServer((req, res) => { if (!probes(req, res)) app(req, res); }).listen(8080);
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
    if (!isLive && !isReady) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return false;
    }
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
