/**
 * `spiffe bundle fetch`: a trust domain's bundle from its SPIFFE Federation bundle endpoint,
 * printed or written to a file and kept fresh (`--write FILE --watch`), for example to seed
 * `spire-server bundle set` or to give a non-SPIFFE verifier a partner's CAs.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SpiffeBundle } from '../bundle/spiffe-bundle.js';
import { X509Bundle } from '../bundle/x509-bundle.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import type { TrustDomain } from '../spiffeid/trust-domain.js';
import type { FederationError } from '../federation/errors.js';
import { type BundleEndpointProfile, fetchBundle, type FetchBundleOptions } from '../federation/fetch.js';
import { FederatedBundleSource, type FederatedBundleUpdate } from '../federation/watcher.js';
import { HOOK_GRACE_MS, HookRunner, parseWatchFlags } from './hook.js';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseDuration, parseTrustDomainFlag, stringFlag } from '../internal/cli/options.js';
import { writeFilesAtomically } from '../internal/cli/write-files.js';

const SYNOPSIS =
  'usage: spiffe bundle fetch URL --profile https_web|https_spiffe [--trust-domain TD] [--endpoint-id ID] [--trust-bundle FILE] [--format spiffe|pem] [--timeout 10s] [--write FILE [--watch [--min-refresh 10s] [--on-update CMD] [--signal-pid PID [--signal SIGHUP]]]]';

/** The text of `spiffe bundle --help`. */
export const BUNDLE_USAGE = `Usage: spiffe bundle fetch URL --profile https_web|https_spiffe [options]

Fetches the bundle of a trust domain from its SPIFFE Federation bundle endpoint, checks it (a SPIFFE
bundle of that trust domain, at least one authority, at most 1 MiB) and prints it.

  https_web     the endpoint has a Web PKI certificate for its host name (system roots, or
                --trust-bundle with the CAs to trust instead)
  https_spiffe  the endpoint presents the X.509-SVID --endpoint-id, verified against
                --trust-bundle: a bundle of the endpoint's trust domain obtained before
                (PEM or SPIFFE bundle JSON)

With --write FILE, writes it to FILE instead (mode 0644, replaced atomically). With --watch as
well, keeps running: refetches at the bundle's refresh hint (5 minutes without one), rewrites the
file when the bundle changes, keeps it through endpoint outages (retrying with backoff), and never
accepts a bundle whose spiffe_sequence goes back. For an https_spiffe endpoint of the fetched trust
domain, each fetch trusts the bundle fetched last (CA rotations chain).

Exit status: 0 success, 1 failure (unreachable, not authenticated, invalid bundle, ...), 2 usage error.

Options:
  --profile <profile>    https_web or https_spiffe (required)
  --trust-domain <td>    the trust domain whose bundle is fetched (default with https_spiffe: the
                         endpoint ID's)
  --endpoint-id <id>     https_spiffe: the SPIFFE ID the endpoint must present
  --trust-bundle <file>  https_spiffe: the endpoint trust domain's bundle; https_web: CA
                         certificates (PEM) to trust instead of the system roots
  --format <format>      spiffe (the SPIFFE bundle JSON, default) or pem (the X.509 authorities)
  --timeout <duration>   bound on each fetch (default 10s)
  --write <file>         write the bundle to this file instead of printing it
  --watch                with --write: keep running and rewrite the file on every change
  --min-refresh <d>      with --watch: never refetch more often than this (default 10s)
  --on-update <command>  with --watch: run with /bin/sh -c after each write, with
                         SPIFFE_BUNDLE_PATH set (its output goes to stderr)
  --signal-pid <pid>     with --watch: send --signal to this process after each write
  --signal <name>        with --signal-pid: the signal (default SIGHUP)
  -h, --help             show this help
`;

const OPTIONS = {
  profile: { type: 'string' },
  'trust-domain': { type: 'string' },
  'endpoint-id': { type: 'string' },
  'trust-bundle': { type: 'string' },
  format: { type: 'string' },
  timeout: { type: 'string' },
  write: { type: 'string' },
  watch: { type: 'boolean' },
  'min-refresh': { type: 'string' },
  'on-update': { type: 'string' },
  'signal-pid': { type: 'string' },
  signal: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Plan {
  readonly url: string;
  readonly fetch: FetchBundleOptions & { readonly trustDomain: TrustDomain };
  /** The bundle read from --trust-bundle, as a SPIFFE bundle of the endpoint's trust domain (https_spiffe). */
  readonly trust: SpiffeBundle | undefined;
  readonly format: 'spiffe' | 'pem';
}

async function readTrustBundle(path: string, trustDomain: TrustDomain, cwd: string): Promise<{ spiffe: SpiffeBundle; pem: string }> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new CliUsageError(`--trust-bundle ${JSON.stringify(path)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const spiffe = text.trimStart().startsWith('{') ? SpiffeBundle.parse(trustDomain, text) : SpiffeBundle.fromX509Bundle(X509Bundle.fromPem(trustDomain, text));
    return { spiffe, pem: spiffe.x509Bundle().toPem() };
  } catch (err) {
    throw new CliUsageError(`--trust-bundle ${JSON.stringify(path)} is neither PEM certificates nor a SPIFFE bundle: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function plan(positionals: string[], values: Record<string, unknown>, io: CliIo): Promise<Plan> {
  const [verb, url, ...extra] = positionals;
  if (verb !== 'fetch') throw new CliUsageError(`${verb === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(verb)}`}\n${SYNOPSIS}`);
  if (url === undefined || url === '') throw new CliUsageError(`missing the bundle endpoint URL\n${SYNOPSIS}`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument ${JSON.stringify(extra[0])}\n${SYNOPSIS}`);
  const profile = stringFlag(values, 'profile');
  if (profile !== 'https_web' && profile !== 'https_spiffe') throw new CliUsageError(`--profile must be https_web or https_spiffe\n${SYNOPSIS}`);
  const idText = nonEmpty('--endpoint-id', stringFlag(values, 'endpoint-id'));
  let endpointId: SpiffeId | undefined;
  if (idText !== undefined) {
    if (profile === 'https_web') throw new CliUsageError('--endpoint-id belongs to --profile https_spiffe');
    try {
      endpointId = SpiffeId.parse(idText);
    } catch (err) {
      throw new CliUsageError(`--endpoint-id ${JSON.stringify(idText)} is not a SPIFFE ID: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (profile === 'https_spiffe' && endpointId === undefined) throw new CliUsageError(`--profile https_spiffe needs --endpoint-id\n${SYNOPSIS}`);
  const tdText = nonEmpty('--trust-domain', stringFlag(values, 'trust-domain'));
  const trustDomain = tdText === undefined ? endpointId?.trustDomain : parseTrustDomainFlag(tdText, '--trust-domain');
  if (trustDomain === undefined) throw new CliUsageError(`--profile https_web needs --trust-domain\n${SYNOPSIS}`);
  const format = stringFlag(values, 'format') ?? 'spiffe';
  if (format !== 'spiffe' && format !== 'pem') throw new CliUsageError(`--format must be spiffe or pem\n${SYNOPSIS}`);
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? 10_000 : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${SYNOPSIS}`);
  const trustPath = nonEmpty('--trust-bundle', stringFlag(values, 'trust-bundle'));
  if (profile === 'https_spiffe' && trustPath === undefined) {
    throw new CliUsageError(`--profile https_spiffe needs --trust-bundle, the bundle of ${endpointId?.trustDomain.name} that authenticates the endpoint\n${SYNOPSIS}`);
  }
  const cwd = io.cwd ?? process.cwd();
  const read = trustPath === undefined ? undefined : await readTrustBundle(trustPath, endpointId?.trustDomain ?? trustDomain, cwd);
  const common = { trustDomain, timeoutMs, ...(io.signal === undefined ? {} : { signal: io.signal }) };
  const fetch: Plan['fetch'] =
    profile === 'https_web'
      ? { profile: profile as BundleEndpointProfile, ...common, ...(read === undefined ? {} : { ca: read.pem }) }
      : { profile, ...common, endpointId, bundleSource: read?.spiffe };
  return { url, fetch, trust: profile === 'https_spiffe' ? read?.spiffe : undefined, format };
}

function render(bundle: SpiffeBundle, format: 'spiffe' | 'pem'): string {
  // marshal() as is: re-serialising through JSON.parse would round a spiffe_sequence beyond 2^53.
  return format === 'pem' ? bundle.x509Bundle().toPem() : `${bundle.marshal()}\n`;
}

/**
 * Runs `spiffe bundle` and resolves with its exit code.
 *
 * @throws {@link CliUsageError} on a bad command line (exit code 2 from the entry point).
 */
export async function bundleCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliUsageError(`${err instanceof Error ? err.message : String(err)}\n${SYNOPSIS}`);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) {
    io.stdout(BUNDLE_USAGE);
    return ExitCode.ok;
  }
  const p = await plan(parsed.positionals, values, io);
  const file = nonEmpty('--write', stringFlag(values, 'write'));
  const hooks = parseWatchFlags(values, file !== undefined, SYNOPSIS);
  const minText = stringFlag(values, 'min-refresh');
  if (minText !== undefined && !hooks.watch) throw new CliUsageError(`--min-refresh needs --watch\n${SYNOPSIS}`);
  const minRefreshMs = minText === undefined ? undefined : parseDuration(minText, '--min-refresh');
  const log = (text: string): void => io.stderr(`spiffe bundle: ${text}\n`);
  const td = p.fetch.trustDomain.name;

  let first: SpiffeBundle;
  try {
    first = await fetchBundle(p.url, p.fetch);
  } catch (err) {
    if (io.signal?.aborted === true) return ExitCode.ok;
    const e = err as FederationError;
    log(`${e.code ?? 'error'}: ${e.message}`);
    return ExitCode.failed;
  }
  if (file === undefined) {
    io.stdout(render(first, p.format));
    return ExitCode.ok;
  }

  const path = resolve(io.cwd ?? process.cwd(), file);
  let onDisk: string | undefined;
  const hook = new HookRunner(hooks, { SPIFFE_BUNDLE_PATH: path }, io.env, log, io.stderr);
  const write = async (bundle: SpiffeBundle): Promise<void> => {
    const contents = render(bundle, p.format);
    if (contents === onDisk) return;
    await writeFilesAtomically([{ path, contents, mode: 0o644 }]);
    onDisk = contents;
    const sequence = bundle.sequenceNumber === undefined ? '' : `, sequence ${bundle.sequenceNumber}`;
    io.stdout(`${new Date().toISOString()} wrote ${path} (${td}, ${bundle.x509Authorities.length} X.509 and ${bundle.jwtAuthorities.size} JWT authorities${sequence})\n`);
    hook.trigger();
  };
  try {
    try {
      await write(first);
    } catch (err) {
      log(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.failed;
    }
    if (!hooks.watch) return ExitCode.ok;

    const sameDomain = p.fetch.endpointId !== undefined && SpiffeId.from(p.fetch.endpointId).trustDomain.name === td;
    const source = await FederatedBundleSource.create(
      [
        {
          trustDomain: p.fetch.trustDomain,
          url: p.url,
          profile: p.fetch.profile,
          endpointId: p.fetch.endpointId,
          initialBundle: first,
          bundleSource: sameDomain ? undefined : p.trust,
          ca: p.fetch.ca,
        },
      ],
      { fetchTimeoutMs: p.fetch.timeoutMs, timeoutMs: 2 * (p.fetch.timeoutMs ?? 10_000), minRefreshMs },
    );
    let chain = Promise.resolve();
    source.on('update', ({ bundle }: FederatedBundleUpdate) => {
      chain = chain.then(async () => {
        try {
          await write(bundle);
        } catch (err) {
          log(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}; keeping the previous file`);
        }
      });
    });
    source.on('error', (err: FederationError) => log(`${err.code}: ${err.message}; keeping ${path}`));
    await new Promise<void>((done) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await source.close();
    await chain;
    log('stopped');
    return ExitCode.ok;
  } finally {
    await hook.stop(HOOK_GRACE_MS);
  }
}
