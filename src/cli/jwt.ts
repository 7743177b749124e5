/**
 * `spiffe jwt`: fetches a JWT-SVID for an audience and prints the token, for scripts that call
 * an OIDC-federated API (`curl -H "Authorization: Bearer $(spiffe jwt --audience api)"`), or
 * writes it to a file and keeps it renewed (`--write FILE --watch`, see `./jwt-file.ts`).
 *
 * @module
 */
import { resolve } from 'node:path';
import { WorkloadApiClient } from '../workloadapi/client.js';
import { classifyFailure } from '../internal/cli/health-probe.js';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseDuration, parseFlags, parseIdFlag, resolveAddress, stringFlag, stringsFlag } from '../internal/cli/options.js';
import { writeJwtFile } from './jwt-file.js';
import { parseWatchFlags } from './hook.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './x509.js';

const SYNOPSIS =
  'usage: spiffe jwt --audience AUD [--audience AUD]... [--socket ADDRESS] [--timeout 5s] [--id SPIFFE_ID] [--hint HINT] [--write FILE [--watch [--on-update CMD] [--signal-pid PID | --exec CMD] [--signal SIGHUP]]] [--json]';

/** The text of `spiffe jwt --help`. */
export const JWT_USAGE = `Usage: spiffe jwt --audience <aud> [options]

Fetches a JWT-SVID for the audience from the Workload API and prints the token on stdout.
The token is a bearer credential: pass it on (e.g. in an Authorization header), do not log it.

With --write FILE, writes the token to FILE instead (mode 0600, the token alone, replaced
atomically) and prints what it wrote, never the token. With --watch as well, keeps running and
renews the token at half its lifetime, for programs that read a token file:
AWS_WEB_IDENTITY_TOKEN_FILE, Vault agent JWT auto-auth, GCP file-sourced credentials. A failed
renewal keeps the file and retries (1 s, doubling to 30 s). SIGINT/SIGTERM stop it (exit 0).

Exit status: 0 success, 1 failure (agent unreachable, not registered, ...), 2 usage error.

Options:
  --audience <aud>       audience of the token (required; repeatable for several)
  --socket <address>     Workload API address (default: $SPIFFE_ENDPOINT_SOCKET)
  --timeout <duration>   give up after this long (default 5s)
  --id <spiffe-id>       a token for this identity (default: the workload's first)
  --hint <hint>          the JWT-SVID with this hint
  --write <file>         write the token to this file instead of printing it
  --watch                with --write: keep running and renew the token at half its lifetime
  --on-update <command>  with --watch: run with /bin/sh -c after each write, with
                         SPIFFE_JWT_SVID_PATH set (its output goes to stderr)
  --signal-pid <pid>     with --watch: send --signal to this process after each write
  --exec <command>       with --watch: start this program (/bin/sh -c) after the first write,
                         with SPIFFE_JWT_SVID_PATH set; SIGTERM it on SIGINT/SIGTERM, exit with
                         its status when it exits (renewals send it --signal only if given)
  --signal <name>        with --signal-pid: the signal (default SIGHUP); with --exec: the
                         signal to send after each renewal (none unless given)
  --json                 print { spiffeId, hint, audience, expiresAt, issuedAt, token } instead
                         (with --write: one { event: "written", file, ... } line per write)
  -h, --help             show this help
`;

const OPTIONS = {
  audience: { type: 'string', multiple: true },
  socket: { type: 'string' },
  timeout: { type: 'string' },
  id: { type: 'string' },
  hint: { type: 'string' },
  write: { type: 'string' },
  watch: { type: 'boolean' },
  'on-update': { type: 'string' },
  'signal-pid': { type: 'string' },
  signal: { type: 'string' },
  exec: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `spiffe jwt` and resolves with its exit code; the token goes to stdout, followed by a
 * newline.
 *
 * @throws {@link CliUsageError} on a bad command line, e.g. no `--audience` (exit code 2 from the
 * entry point).
 */
export async function jwtCommand(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  if (values.help === true) {
    io.stdout(JWT_USAGE);
    return ExitCode.ok;
  }
  const audience = stringsFlag(values, 'audience');
  if (audience.length === 0) throw new CliUsageError(`--audience is required\n${SYNOPSIS}`);
  for (const aud of audience) nonEmpty('--audience', aud);
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_FETCH_TIMEOUT_MS : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${SYNOPSIS}`);
  const id = parseIdFlag(nonEmpty('--id', stringFlag(values, 'id')));
  const hint = nonEmpty('--hint', stringFlag(values, 'hint'));
  const address = resolveAddress(stringFlag(values, 'socket'), io);
  const file = nonEmpty('--write', stringFlag(values, 'write'));
  const { watch, onUpdate, signalPid, signal, exec } = parseWatchFlags(values, file !== undefined, SYNOPSIS, true);
  if (file !== undefined) {
    return writeJwtFile(
      {
        address: address.address,
        timeoutMs,
        audience,
        spiffeId: id?.toString(),
        hint,
        file: resolve(io.cwd ?? process.cwd(), file),
        watch,
        json: values.json === true,
        onUpdate,
        signalPid,
        signal,
        exec,
      },
      io,
    );
  }

  const client = new WorkloadApiClient({ address: address.address, timeoutMs });
  try {
    const svid = await client.fetchJwtSvid({ audience, spiffeId: id?.toString(), hint }, { timeoutMs, signal: io.signal });
    if (values.json === true) {
      const { id: spiffeId, hint: _hint, ...rest } = svid.toJSON();
      io.stdout(`${JSON.stringify({ spiffeId, ...(svid.hint === undefined || svid.hint === '' ? {} : { hint: svid.hint }), ...rest, token: svid.token })}\n`);
    } else {
      io.stdout(`${svid.token}\n`);
    }
    return ExitCode.ok;
  } catch (err) {
    const { reason, message } = classifyFailure(err);
    io.stderr(`spiffe jwt: ${reason}: ${message}\n`);
    return ExitCode.failed;
  } finally {
    client.close();
  }
}
