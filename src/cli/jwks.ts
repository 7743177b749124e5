/**
 * `spiffe jwks`: a trust domain's JWT bundle as a standard JWKS document, printed or written to a
 * file and kept fresh (`--write FILE --watch`), for validators that read keys from a local JWKS
 * file (Envoy's `jwt_authn` `local_jwks`, OPA, an API gateway) instead of the Workload API.
 *
 * @module
 */
import { resolve } from 'node:path';
import type { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import { jwksForTrustDomain, type OidcJwks } from '../jwt/oidc.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { WorkloadApiClient } from '../workloadapi/client.js';
import { JwtSource } from '../workloadapi/jwt-source.js';
import { firstAnswer } from '../internal/cli/first-answer.js';
import { classifyFailure } from '../internal/cli/health-probe.js';
import { HOOK_GRACE_MS, HookRunner, parseWatchFlags } from './hook.js';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseDuration, parseFlags, resolveAddress, stringFlag } from '../internal/cli/options.js';
import { writeFilesAtomically } from '../internal/cli/write-files.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './x509.js';

const SYNOPSIS = 'usage: spiffe jwks [--trust-domain TD] [--socket ADDRESS] [--timeout 5s] [--wait] [--write FILE [--watch [--on-update CMD] [--signal-pid PID [--signal SIGHUP]]]] [--json]';

/** The text of `spiffe jwks --help`. */
export const JWKS_USAGE = `Usage: spiffe jwks [options]

Prints the JWT bundle of a trust domain, from the Workload API, as a JWKS document (the keys that
sign its JWT-SVIDs; public keys only), for validators that read a local JWKS file.

With --write FILE, writes it to FILE instead (mode 0644, replaced atomically). With --watch as
well, keeps running and rewrites the file whenever the agent changes the bundle (key rotation),
skipping unchanged re-deliveries.

Exit status: 0 success, 1 failure (agent unreachable, not registered, no such bundle, ...), 2
usage error. Like spiffe health, it fails at once when the agent cannot be reached or refuses;
--wait retries until --timeout instead (init containers started before the agent).

Options:
  --trust-domain <td>    the trust domain (default: the only one the agent has a JWT bundle for)
  --socket <address>     Workload API address (default: $SPIFFE_ENDPOINT_SOCKET)
  --timeout <duration>   give up waiting for the bundles after this long (default 5s)
  --wait                 retry failures until --timeout runs out instead of failing at the first
  --write <file>         write the JWKS to this file instead of printing it
  --watch                with --write: keep running and rewrite the file on every change
  --on-update <command>  with --watch: run with /bin/sh -c after each write, with
                         SPIFFE_JWKS_PATH set (its output goes to stderr)
  --signal-pid <pid>     with --watch: send --signal to this process after each write
  --signal <name>        with --signal-pid: the signal (default SIGHUP)
  --json                 with --write: one { event: "written", file, trustDomain, kids } line per write
  -h, --help             show this help
`;

const OPTIONS = {
  'trust-domain': { type: 'string' },
  socket: { type: 'string' },
  timeout: { type: 'string' },
  wait: { type: 'boolean' },
  write: { type: 'string' },
  watch: { type: 'boolean' },
  'on-update': { type: 'string' },
  'signal-pid': { type: 'string' },
  signal: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `spiffe jwks` and resolves with its exit code.
 *
 * @throws {@link CliUsageError} on a bad command line (exit code 2 from the entry point).
 */
export async function jwksCommand(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  if (values.help === true) {
    io.stdout(JWKS_USAGE);
    return ExitCode.ok;
  }
  const tdText = nonEmpty('--trust-domain', stringFlag(values, 'trust-domain'));
  let trustDomain: TrustDomain | undefined;
  try {
    trustDomain = tdText === undefined ? undefined : TrustDomain.parse(tdText);
  } catch (err) {
    throw new CliUsageError(`--trust-domain ${JSON.stringify(tdText)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_FETCH_TIMEOUT_MS : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${SYNOPSIS}`);
  const file = nonEmpty('--write', stringFlag(values, 'write'));
  const hooks = parseWatchFlags(values, file !== undefined, SYNOPSIS);
  const json = values.json === true;
  if (json && file === undefined) throw new CliUsageError(`--json needs --write (without it the output is the JWKS itself)\n${SYNOPSIS}`);
  const address = resolveAddress(stringFlag(values, 'socket'), io);
  const log = (text: string): void => io.stderr(`spiffe jwks: ${text}\n`);

  // The first answer from a one-shot call: an agent that is not there fails in milliseconds (as
  // `spiffe health` does), not after --timeout; --wait retries. Only --watch keeps a source.
  let source: JwtBundleSource & { readonly bundles: JwtBundleSet };
  let jwtSource: JwtSource | undefined;
  const started = performance.now();
  const client = new WorkloadApiClient({ address: address.address, timeoutMs });
  try {
    const bundles = await firstAnswer((o) => client.fetchJwtBundles(o), { timeoutMs, wait: values.wait === true, signal: io.signal });
    source = { bundles, getJwtBundleForTrustDomain: (td) => bundles.getJwtBundleForTrustDomain(td) };
    if (hooks.watch) {
      jwtSource = await JwtSource.create({ address: address.address, timeoutMs: Math.max(1, timeoutMs - (performance.now() - started)), ...(io.signal === undefined ? {} : { signal: io.signal }) });
      source = jwtSource;
    }
  } catch (err) {
    if (io.signal?.aborted === true) return ExitCode.ok;
    const { reason, message } = classifyFailure(err);
    log(`${reason}: ${message}`);
    return ExitCode.failed;
  } finally {
    client.close();
  }

  const hook = new HookRunner(hooks, file === undefined ? {} : { SPIFFE_JWKS_PATH: file }, io.env, log, io.stderr);
  try {
    const domains = source.bundles.bundles().map((b) => b.trustDomain);
    const chosen = trustDomain ?? (domains.length === 1 ? domains[0] : undefined);
    if (chosen === undefined) {
      log(`missing-bundle: the agent has JWT bundles for ${domains.length === 0 ? 'no trust domain' : domains.map((d) => d.name).join(', ')}; choose one with --trust-domain`);
      return ExitCode.failed;
    }
    const render = (): string | undefined => {
      const jwks = jwksForTrustDomain(source, chosen);
      return jwks === undefined ? undefined : `${JSON.stringify(jwks, null, 2)}\n`;
    };
    const first = render();
    if (first === undefined) {
      log(`missing-bundle: the agent has no JWT bundle for ${chosen.name} (it has ${domains.map((d) => d.name).join(', ') || 'none'})`);
      return ExitCode.failed;
    }
    if (file === undefined) {
      io.stdout(first);
      return ExitCode.ok;
    }
    const path = resolve(io.cwd ?? process.cwd(), file);
    let onDisk: string | undefined;
    const write = async (contents: string): Promise<void> => {
      if (contents === onDisk) return;
      await writeFilesAtomically([{ path, contents, mode: 0o644 }]);
      onDisk = contents;
      const kids = (JSON.parse(contents) as OidcJwks).keys.map((k) => k.kid);
      const at = new Date().toISOString();
      if (json) io.stdout(`${JSON.stringify({ event: 'written', at, file: path, trustDomain: chosen.name, kids })}\n`);
      else io.stdout(`${at} wrote ${path} (${chosen.name}, ${kids.length} key${kids.length === 1 ? '' : 's'}: ${kids.join(', ')})\n`);
      hook.trigger();
    };
    try {
      await write(first);
    } catch (err) {
      log(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.failed;
    }
    if (!hooks.watch || jwtSource === undefined) return ExitCode.ok;
    const live = jwtSource;

    // Rewrites run one after another, the last state wins.
    let chain = Promise.resolve();
    live.on('bundles', () => {
      chain = chain.then(async () => {
        const next = render();
        if (next === undefined) {
          log(`the agent no longer has a JWT bundle for ${chosen.name}; keeping ${path}`);
          return;
        }
        try {
          await write(next);
        } catch (err) {
          log(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
        }
      });
    });
    live.on('error', () => undefined); // reported through `state`
    live.on('state', (state, previous) => {
      if (state === 'stale' && previous === 'ready') log(`lost the Workload API (${live.health().lastError?.message ?? 'unknown error'}); keeping ${path}`);
      else if (state === 'ready' && previous === 'stale') log('Workload API back');
    });
    await new Promise<void>((done) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await chain;
    log('stopped');
    return ExitCode.ok;
  } finally {
    await jwtSource?.close();
    await hook.stop(HOOK_GRACE_MS);
  }
}
