/**
 * `spiffe dev-agent`: a development Workload API (spiffe-kit/testing's `TestWorkloadApi`, with its
 * own CA) for trying a service without SPIRE, on a laptop or in CI, and for rehearsing what the
 * service does when the agent refuses it or is down.
 *
 * @module
 */
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { parseEndpointAddress } from '../workloadapi/address.js';
import { GRPC_STATUS_NAMES } from '../internal/grpc/status.js';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseDuration, parseFlags, parseIdFlag, parseTrustDomainFlag, stringFlag, stringsFlag } from '../internal/cli/options.js';

const SYNOPSIS =
  'usage: spiffe dev-agent [--socket PATH | --tcp [--port N]] [--trust-domain TD] [--id SPIFFE_ID]... [--intermediate] [--rotate-every 30m] [--no-identity | --fail-with CODE [--fail-message TEXT]]';

/** The text of `spiffe dev-agent --help`. */
export const DEV_AGENT_USAGE = `Usage: spiffe dev-agent [options]

Runs a development SPIFFE Workload API: a real gRPC server on a unix socket with its own CA, the
one spiffe-kit/testing starts in tests. Prints "export SPIFFE_ENDPOINT_SOCKET=..." on stdout, says
what it serves on stderr, and serves until SIGINT or SIGTERM, then removes its socket.

  $ spiffe dev-agent --socket /tmp/dev-agent.sock --id spiffe://example.org/web
  export SPIFFE_ENDPOINT_SOCKET=unix:///tmp/dev-agent.sock
  (in another shell) $ SPIFFE_ENDPOINT_SOCKET=unix:///tmp/dev-agent.sock node server.js

Not for production: it hands its SVIDs to anyone who can reach the socket. Every caller gets
every --id (as one workload with several registration entries); the first is the default SVID.

Options:
  --socket <path>         unix socket path, or unix:///path (default: agent.sock in a new
                          temporary directory)
  --tcp                   listen on tcp://127.0.0.1 instead (--port N, default a free port)
  --trust-domain <td>     the trust domain (default: that of the first --id, else example.org)
  --id <spiffe-id>        an X.509-SVID to issue (repeatable; default spiffe://<td>/workload)
  --intermediate          sign the SVIDs with an intermediate CA (chains: leaf + intermediate)
  --rotate-every <dur>    re-issue the X.509-SVIDs this often (default 30m; 0 = never)
  --no-identity           issue nothing: every call answers PermissionDenied "no identity
                          issued", as SPIRE does for a workload not registered (yet)
  --fail-with <code>      answer every call with this gRPC status, a name or a number, e.g.
                          UNAVAILABLE (14: an agent that is down), INTERNAL, UNIMPLEMENTED
  --fail-message <text>   the status details of --fail-with
  -h, --help              show this help

Durations: 500ms, 5s, 2m, 1h30m, or a number of seconds.
Exit status: 0 after SIGINT/SIGTERM, 1 when it cannot start (socket in use, ...), 2 usage error.
`;

const OPTIONS = {
  socket: { type: 'string' },
  tcp: { type: 'boolean' },
  port: { type: 'string' },
  'trust-domain': { type: 'string' },
  id: { type: 'string', multiple: true },
  intermediate: { type: 'boolean' },
  'rotate-every': { type: 'string' },
  'no-identity': { type: 'boolean' },
  'fail-with': { type: 'string' },
  'fail-message': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;


/** `--fail-with`: a status name (any case) or number, never OK. */
function parseStatus(text: string): number {
  const upper = text.toUpperCase();
  const code = /^\d+$/.test(text) ? Number(text) : (GRPC_STATUS_NAMES as readonly string[]).indexOf(upper);
  if (!Number.isInteger(code) || code < 1 || code >= GRPC_STATUS_NAMES.length) {
    throw new CliUsageError(`--fail-with ${JSON.stringify(text)} is not a gRPC status other than OK: give a name (${GRPC_STATUS_NAMES.slice(1).join(', ')}) or a number 1-16`);
  }
  return code;
}

function parseSocket(text: string): string {
  if (!text.startsWith('unix:') && !text.includes('://')) return text;
  let address;
  try {
    address = parseEndpointAddress(text);
  } catch (err) {
    throw new CliUsageError(`--socket ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (address.scheme !== 'unix') throw new CliUsageError(`--socket takes a unix socket path; for TCP use --tcp [--port N]`);
  return address.path;
}

/**
 * Runs `spiffe dev-agent` until `io.signal` fires (SIGINT/SIGTERM from the `spiffe` entry point)
 * and resolves with its exit code.
 *
 * @throws {@link CliUsageError} on a bad command line (exit code 2 from the entry point).
 */
export async function devAgentCommand(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  if (values.help === true) {
    io.stdout(DEV_AGENT_USAGE);
    return ExitCode.ok;
  }
  const socketText = nonEmpty('--socket', stringFlag(values, 'socket'));
  const tcp = values.tcp === true;
  if (tcp && socketText !== undefined) throw new CliUsageError(`give either --socket or --tcp, not both\n${SYNOPSIS}`);
  const portText = stringFlag(values, 'port');
  if (portText !== undefined && !tcp) throw new CliUsageError(`--port needs --tcp\n${SYNOPSIS}`);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!/^\d+$/.test(portText ?? '') || port < 1 || port > 65_535)) throw new CliUsageError(`--port ${JSON.stringify(portText)} is not a port number (1-65535)`);
  const ids = stringsFlag(values, 'id').map((text) => parseIdFlag(nonEmpty('--id', text)) as SpiffeId);
  const tdText = nonEmpty('--trust-domain', stringFlag(values, 'trust-domain'));
  const trustDomain = tdText === undefined ? (ids[0]?.trustDomain ?? TrustDomain.parse('example.org')) : parseTrustDomainFlag(tdText, '--trust-domain');
  const outside = ids.filter((id) => !id.memberOf(trustDomain));
  if (outside.length > 0) throw new CliUsageError(`--id ${outside.map(String).join(', ')} is not in trust domain ${trustDomain.name} (one trust domain per agent)`);
  const rotateText = stringFlag(values, 'rotate-every');
  const rotateEveryMs = rotateText === undefined ? undefined : parseDuration(rotateText, '--rotate-every');
  if (rotateEveryMs !== undefined && rotateEveryMs > 0 && rotateEveryMs < 10) throw new CliUsageError(`--rotate-every must be 0 (never) or at least 10ms`);
  const noIdentity = values['no-identity'] === true;
  if (noIdentity && ids.length > 0) throw new CliUsageError(`--no-identity issues nothing: drop --id, or drop --no-identity\n${SYNOPSIS}`);
  const failText = nonEmpty('--fail-with', stringFlag(values, 'fail-with'));
  if (noIdentity && failText !== undefined) throw new CliUsageError(`give either --no-identity or --fail-with, not both (--no-identity is --fail-with PERMISSION_DENIED with no SVID)\n${SYNOPSIS}`);
  const failWith = failText === undefined ? undefined : parseStatus(failText);
  const failMessage = stringFlag(values, 'fail-message');
  if (failMessage !== undefined && failWith === undefined) throw new CliUsageError(`--fail-message needs --fail-with\n${SYNOPSIS}`);

  const { startDevAgent } = await import('../testing/dev-agent.js');
  const agent = await startDevAgent(
    {
      ...(tcp ? { tcp: true, port } : { socketPath: socketText === undefined ? undefined : parseSocket(socketText) }),
      trustDomain: trustDomain.name,
      ids: ids.map(String),
      intermediate: values.intermediate === true,
      rotateEveryMs,
      noIdentity,
      failWith,
      failMessage,
    },
    { stdout: io.stdout, stderr: io.stderr, signal: io.signal },
  );
  await agent.closed;
  return ExitCode.ok;
}
