/**
 * `spiffe registrar`: validate, render, plan, apply and check the registration entries an
 * application declares in its manifest. `validate`, `render` and `check` live here; `plan` and
 * `apply` are in `./cli-apply.ts`.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseDuration, parseFlags, resolveAddress, stringFlag, stringsFlag } from '../internal/cli/options.js';
import { writeFilesAtomically } from '../internal/cli/write-files.js';
import { ManifestError, RegistrarValidationError } from './errors.js';
import { findManifest, readManifest } from './manifest.js';
import { render, RENDER_FORMATS, type RenderFormat } from './render.js';
import type { SvidLister } from './self-check.js';
import type { Registration } from './types.js';
import { validateManifest } from './validate.js';

/**
 * The text of `spiffe registrar --help`.
 */
export const REGISTRAR_USAGE = `Usage: spiffe registrar <validate|render|plan|apply|check> [options]

Works on the registration entries the application declares in its manifest (JSON or YAML):
--manifest FILE, else the file named by "spiffe": { "registrar": "..." } in package.json, else
spiffe-entries.yaml / .yml / .json beside package.json.

  validate                 check the manifest with SPIRE's rules; every problem with its path
  render --format FORMAT   print the entries for an operator (--out DIR writes files instead)
                           formats: ${RENDER_FORMATS.join(', ')}
  plan                     compare with the SPIRE server: what apply would create, update, delete
  apply [--prune] [--yes]  make the server hold the declared entries (--prune deletes owned
                           entries no longer declared; without --yes only the plan is shown)
  check [--entry NAME]...  ask the Workload API whether this process gets the declared identities

Common options: --manifest FILE, --json (machine-readable output).
render: --out DIR, --socket-path PATH (cmd), --class-name NAME (spire-controller-manager),
        --namespace NS, --label KEY, --annotation KEY (k8s-registrar-*), --no-entry-ids (cmd, json).
plan/apply: --server-socket PATH (or $SPIRE_SERVER_SOCKET) | --server-address HOST:PORT
        [--socket ADDR] [--admin-id ID]; --owner-prefix PREFIX (default: the manifest's);
        --batch-size N.
check: --socket ADDR (default $SPIFFE_ENDPOINT_SOCKET), --timeout 10s, --wait (retry until
        --timeout instead of failing at once when the agent is unreachable or refuses).

render names every entry the format cannot express on stderr, and exits 1 when it can express none.

Exit status: 0 ok, 1 invalid manifest / nothing rendered / failed items / conflicts / missing
identities, 2 usage.
`;

/** Takes `--manifest FILE` / `-f FILE` / `--manifest=FILE` out of `args`. */
function takeManifest(args: readonly string[]): { manifest: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let manifest: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--manifest' || a === '-f') {
      const v = args[i + 1];
      if (v === undefined || v === '') throw new CliUsageError(`${a} needs a file`);
      manifest = v;
      i++;
    } else if (a.startsWith('--manifest=')) manifest = a.slice('--manifest='.length);
    else rest.push(a);
  }
  return { manifest, rest };
}

async function manifestPath(manifest: string | undefined, io: CliIo): Promise<string> {
  const cwd = io.cwd ?? process.cwd();
  if (manifest !== undefined) return isAbsolute(manifest) ? manifest : resolve(cwd, manifest);
  return findManifest(cwd);
}

/** Loads and validates; prints the problems and returns undefined when there are any. */
async function load(manifest: string | undefined, io: CliIo, json: boolean): Promise<{ file: string; registration: Registration | undefined }> {
  const file = await manifestPath(manifest, io);
  const r = validateManifest(await readManifest(file));
  if (!r.ok) {
    if (json) io.stdout(`${JSON.stringify({ ok: false, manifest: file, issues: r.issues }, null, 2)}\n`);
    else io.stderr(`${new RegistrarValidationError(r.issues, file).message}\n`);
    return { file, registration: undefined };
  }
  return { file, registration: r.registration };
}

async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { manifest, rest } = takeManifest(args);
  const values = parseFlags(rest, { json: { type: 'boolean' } }, 'usage: spiffe registrar validate [--manifest FILE] [--json]');
  const json = values['json'] === true;
  const { file, registration } = await load(manifest, io, json);
  if (registration === undefined) return ExitCode.failed;
  const templates = registration.entries.filter((e) => e.spiffeIdTemplate !== undefined).length;
  if (json) {
    io.stdout(`${JSON.stringify({ ok: true, manifest: file, trustDomain: registration.trustDomain, ownerPrefix: registration.ownerPrefix, entries: registration.entries }, null, 2)}\n`);
  } else {
    io.stdout(`${file}: ${registration.entries.length} entr${registration.entries.length === 1 ? 'y' : 'ies'} valid (${registration.entries.length - templates} with a fixed SPIFFE ID, ${templates} template${templates === 1 ? '' : 's'}) in trust domain ${registration.trustDomain ?? '(none)'}, owner prefix ${registration.ownerPrefix}\n`);
  }
  return ExitCode.ok;
}

const RENDER_SYNOPSIS = `usage: spiffe registrar render --format ${RENDER_FORMATS.join('|')} [--manifest FILE] [--out DIR] [--socket-path PATH] [--class-name NAME] [--namespace NS] [--label KEY] [--annotation KEY] [--no-entry-ids] [--json]`;

async function renderCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { manifest, rest } = takeManifest(args);
  const values = parseFlags(
    rest,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      'socket-path': { type: 'string' },
      'class-name': { type: 'string' },
      namespace: { type: 'string' },
      label: { type: 'string' },
      annotation: { type: 'string' },
      'no-entry-ids': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    RENDER_SYNOPSIS,
  );
  const format = stringFlag(values, 'format');
  if (format === undefined) throw new CliUsageError(`--format is required\n${RENDER_SYNOPSIS}`);
  if (!(RENDER_FORMATS as readonly string[]).includes(format)) throw new CliUsageError(`unknown --format ${JSON.stringify(format)}; one of ${RENDER_FORMATS.join(', ')}`);
  const json = values['json'] === true;
  const { registration } = await load(manifest, io, json);
  if (registration === undefined) return ExitCode.failed;
  const opt = (name: string): string | undefined => nonEmpty(`--${name}`, stringFlag(values, name));
  const out = render(registration, format as RenderFormat, {
    socketPath: opt('socket-path'),
    className: opt('class-name'),
    namespace: opt('namespace'),
    label: opt('label'),
    annotation: opt('annotation'),
    entryIds: values['no-entry-ids'] !== true,
  });
  const dir = opt('out');
  // Every skipped entry is named on stderr, after the output (stdout stays the output, or the JSON).
  const listSkipped = (): void => {
    for (const s of out.skipped) io.stderr(`spiffe registrar render: skipped ${s.name}: ${s.reason}\n`);
    for (const d of out.dropped) io.stderr(`spiffe registrar render: ${d.name}: ${d.field} dropped: ${d.reason}\n`);
  };
  if (out.rendered.length === 0) {
    listSkipped();
    const why = registration.entries.length === 0 ? 'the manifest declares no entry' : `the format cannot express any of the ${registration.entries.length} declared entr${registration.entries.length === 1 ? 'y' : 'ies'} (see above)`;
    io.stderr(`spiffe registrar render: nothing to render as ${format}: ${why}${dir === undefined ? '' : '; no file written'}\n`);
    if (json) io.stdout(`${JSON.stringify({ format, files: [], rendered: [], skipped: out.skipped, dropped: out.dropped }, null, 2)}\n`);
    return ExitCode.failed;
  }
  if (dir !== undefined) {
    const target = resolve(io.cwd ?? process.cwd(), dir);
    try {
      await mkdir(target, { recursive: true });
      // All files or none: a render is one set (entries and the script that applies them).
      await writeFilesAtomically(out.files.map((f) => ({ path: join(target, f.fileName), contents: f.content, mode: f.fileName.endsWith('.sh') ? 0o755 : 0o644 })));
    } catch (err) {
      io.stderr(`spiffe registrar render: cannot write to ${target}: ${err instanceof Error ? err.message : String(err)}\n`);
      return ExitCode.failed;
    }
  }
  if (json) io.stdout(`${JSON.stringify({ format, files: out.files, rendered: out.rendered, skipped: out.skipped, dropped: out.dropped }, null, 2)}\n`);
  else if (dir !== undefined) io.stdout(out.files.map((f) => `wrote ${join(dir, f.fileName)}\n`).join(''));
  else io.stdout(out.files.length === 1 ? (out.files[0]?.content ?? '') : out.files.map((f) => f.content).join('---\n'));
  listSkipped();
  return ExitCode.ok;
}

async function checkCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { manifest, rest } = takeManifest(args);
  const synopsis = 'usage: spiffe registrar check [--manifest FILE] [--socket ADDR] [--entry NAME]... [--timeout 10s] [--wait] [--json]';
  const values = parseFlags(rest, { socket: { type: 'string' }, entry: { type: 'string', multiple: true }, timeout: { type: 'string' }, wait: { type: 'boolean' }, json: { type: 'boolean' } }, synopsis);
  const json = values['json'] === true;
  const address = resolveAddress(stringFlag(values, 'socket'), io);
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? 10_000 : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${synopsis}`);
  const { registration } = await load(manifest, io, json);
  if (registration === undefined) return ExitCode.failed;
  const names = stringsFlag(values, 'entry');
  const unknown = names.filter((n) => !registration.entries.some((e) => e.name === n));
  if (unknown.length > 0) throw new CliUsageError(`no declared entry named ${unknown.map((n) => JSON.stringify(n)).join(', ')} (declared: ${registration.entries.map((e) => e.name).join(', ')})`);
  const entries = names.length === 0 ? registration.entries : registration.entries.filter((e) => names.includes(e.name));
  const { checkDeclaredIdentities } = await import('./self-check.js');
  const { WorkloadApiClient } = await import('../workloadapi/client.js');
  const { firstAnswer } = await import('../internal/cli/first-answer.js');
  const { classifyFailure } = await import('../internal/cli/health-probe.js');
  // One-shot, as `spiffe health`: an agent that is not there answers at once (--wait retries).
  const client = new WorkloadApiClient({ address: address.address, timeoutMs });
  let served: SvidLister;
  let notRegistered: string | undefined;
  try {
    const ctx = await firstAnswer((o) => client.fetchX509Context(o), { timeoutMs, wait: values['wait'] === true, signal: io.signal });
    served = { getX509Svids: () => ctx.svids };
  } catch (err) {
    const failure = classifyFailure(err);
    if (failure.reason !== 'not-registered') {
      if (json) io.stdout(`${JSON.stringify({ ok: false, reason: failure.reason, message: failure.message, error: failure.error }, null, 2)}\n`);
      else io.stderr(`spiffe registrar check: ${failure.reason}: ${failure.message}\n`);
      return ExitCode.failed;
    }
    // PermissionDenied: the agent serves this process nothing; every declared identity is missing.
    served = { getX509Svids: () => [] };
    notRegistered = failure.message;
  } finally {
    client.close();
  }
  const report = checkDeclaredIdentities(served, entries);
  if (json) {
    io.stdout(`${JSON.stringify({ ok: report.ok, present: report.present, missing: report.missing, undeclared: report.undeclared, ...(notRegistered === undefined ? {} : { reason: 'not-registered', message: notRegistered }) }, null, 2)}\n`);
  } else {
    (report.ok ? io.stdout : io.stderr)(`${report.message}\n${notRegistered === undefined ? '' : `(not-registered: ${notRegistered})\n`}`);
  }
  return report.ok ? ExitCode.ok : ExitCode.failed;
}

async function entryApiCommand(command: 'plan' | 'apply', args: readonly string[], io: CliIo): Promise<number> {
  const { manifest, rest } = takeManifest(args);
  const json = rest.includes('--json');
  const { registration } = await load(manifest, io, json);
  if (registration === undefined) return ExitCode.failed;
  const hasPrefix = rest.some((a) => a === '--owner-prefix' || a.startsWith('--owner-prefix='));
  const forwarded = hasPrefix ? rest : [...rest, '--owner-prefix', registration.ownerPrefix];
  const { applyCommand, planCommand } = await import('./cli-apply.js');
  const run = command === 'plan' ? planCommand : applyCommand;
  return run(forwarded, io, async () => [...registration.entries]);
}

/**
 * Runs `spiffe registrar <subcommand> ...` and resolves with the exit code: 0 ok; 1 invalid
 * manifest, failed items, conflicts or missing identities; usage mistakes throw
 * {@link CliUsageError} (exit 2 from the `spiffe` entry point).
 */
export async function registrarCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) {
    io.stderr(REGISTRAR_USAGE);
    return ExitCode.usage;
  }
  if (sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(REGISTRAR_USAGE);
    return ExitCode.ok;
  }
  try {
    switch (sub) {
      case 'validate':
        return await validateCommand(rest, io);
      case 'render':
        return await renderCommand(rest, io);
      case 'plan':
      case 'apply':
        return await entryApiCommand(sub, rest, io);
      case 'check':
        return await checkCommand(rest, io);
      default:
        throw new CliUsageError(`unknown subcommand ${JSON.stringify(sub)}; one of validate, render, plan, apply, check`);
    }
  } catch (err) {
    if (err instanceof ManifestError) {
      io.stderr(`spiffe registrar: ${err.message}\n`);
      return ExitCode.failed;
    }
    throw err;
  }
}
