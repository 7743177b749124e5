/**
 * `spiffe health`: proves that the workload has its SPIFFE identity, for Kubernetes exec probes
 * and Docker `HEALTHCHECK`. One-shot Workload API calls, a one-line verdict (or `--json`), and an
 * exit status a container runtime understands.
 *
 * @module
 */
import { type CliIo, ExitCode, CliUsageError } from '../internal/cli/io.js';
import { probeHealth } from '../internal/cli/health-probe.js';
import { nonEmpty, parseDuration, parseFlags, parseIdFlag, parseTrustDomainFlag, resolveAddress, stringFlag, stringsFlag } from '../internal/cli/options.js';

/** Default of `spiffe health --timeout`, in ms. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

const SYNOPSIS =
  'usage: spiffe health [--socket ADDRESS] [--timeout 5s] [--id SPIFFE_ID] [--hint HINT] [--min-ttl DURATION] [--bundle TD]... [--jwt-audience AUD]... [--wait] [--json] [--quiet]';

/** The text of `spiffe health --help`. */
export const HEALTH_USAGE = `Usage: spiffe health [options]

Checks that this workload has its SPIFFE identity: fetches its X.509-SVID from the Workload
API (the SPIRE agent) and checks it. For Kubernetes exec probes and Docker HEALTHCHECK.

Exit status: 0 healthy, 1 unhealthy, 2 usage error. The reason for a failure is one of
agent-unreachable, not-registered, timeout, wrong-identity, expiring, expired, missing-bundle,
malformed-response, agent-error, aborted.

Options:
  --socket <address>     Workload API address (default: $SPIFFE_ENDPOINT_SOCKET), e.g.
                         unix:///run/spire/agent-sockets/spire-agent.sock or tcp://127.0.0.1:8081
  --timeout <duration>   give up after this long (default 5s)
  --id <spiffe-id>       require an X.509-SVID with this SPIFFE ID
  --hint <hint>          require an X.509-SVID with this hint
  --min-ttl <duration>   fail when the X.509-SVID expires sooner than this
  --bundle <td>          require an X.509 bundle for this trust domain (repeatable)
  --jwt-audience <aud>   also fetch a JWT-SVID for this audience (repeatable: one token,
                         several audiences); the token is never printed
  --wait                 retry failures until --timeout runs out (startup probes, init
                         containers) instead of failing at the first
  --json                 print the result as one JSON object on stdout
  -q, --quiet            print nothing when healthy
  -h, --help             show this help

Durations: 500ms, 5s, 2m, 1h30m, or a number of seconds.
`;

const OPTIONS = {
  socket: { type: 'string' },
  timeout: { type: 'string' },
  id: { type: 'string' },
  hint: { type: 'string' },
  'min-ttl': { type: 'string' },
  bundle: { type: 'string', multiple: true },
  'jwt-audience': { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `spiffe health` and resolves with its exit code: {@link ExitCode} `ok` (0) when healthy,
 * `failed` (1) when not (the reason goes to stderr, or into the `--json` object on stdout).
 * Private keys and tokens are never printed.
 *
 * @throws {@link CliUsageError} on a bad command line or a missing/invalid Workload API address
 * (the `spiffe` entry point turns it into exit code 2).
 */
export async function healthCommand(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  if (values.help === true) {
    io.stdout(HEALTH_USAGE);
    return ExitCode.ok;
  }
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_HEALTH_TIMEOUT_MS : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${SYNOPSIS}`);
  const minTtlText = stringFlag(values, 'min-ttl');
  const minTtlMs = minTtlText === undefined ? undefined : parseDuration(minTtlText, '--min-ttl');
  const id = parseIdFlag(nonEmpty('--id', stringFlag(values, 'id')));
  const hint = nonEmpty('--hint', stringFlag(values, 'hint'));
  const bundles = stringsFlag(values, 'bundle').map((td) => parseTrustDomainFlag(td, '--bundle'));
  const jwtAudience = stringsFlag(values, 'jwt-audience');
  for (const aud of jwtAudience) nonEmpty('--jwt-audience', aud);
  const address = resolveAddress(stringFlag(values, 'socket'), io);

  const result = await probeHealth({
    address,
    timeoutMs,
    selector: { id, hint },
    minTtlMs,
    bundles,
    jwtAudience,
    wait: values.wait === true,
    signal: io.signal,
  });

  if (values.json === true) {
    io.stdout(`${JSON.stringify({ status: result.healthy ? 'healthy' : 'unhealthy', ...result })}\n`);
  } else if (result.healthy) {
    if (values.quiet !== true) io.stdout(`healthy: ${result.message} [${result.elapsedMs} ms]\n`);
  } else {
    io.stderr(`unhealthy (${result.reason}): ${result.message}\n`);
  }
  return result.healthy ? ExitCode.ok : ExitCode.failed;
}
