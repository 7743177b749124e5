/**
 * `spiffe registrar plan` and `spiffe registrar apply`: the Entry API half of the registrar CLI
 * (the `registrar` command of `./cli.ts` dispatches here).
 *
 * @module
 */
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { nonEmpty, parseFlags, parseIdFlag, resolveAddress, stringFlag } from '../internal/cli/options.js';
import { apply, type ApplyResult, formatApplyResult } from './apply.js';
import { EntryApiClient } from './entry-api.js';
import { DEFAULT_OWNER_PREFIX, OWNER_PREFIX_PATTERN } from './owner.js';
import { formatPlan, type Plan, plan, planToJson } from './plan.js';
import type { RegistrationEntry } from './types.js';

/**
 * The options of `spiffe registrar plan` / `apply`, for the `--help` of the registrar command.
 */
export const REGISTRAR_APPLY_OPTIONS = `Options of plan and apply:
  --server-socket PATH   the SPIRE server's admin socket (default: $SPIRE_SERVER_SOCKET)
  --server-address H:P   the SPIRE server over TCP with mTLS instead, with an admin X509-SVID
                         from the Workload API (--socket, default $SPIFFE_ENDPOINT_SOCKET;
                         --admin-id picks the SVID when the workload has several)
  --owner-prefix PREFIX  ID prefix of the entries this tool owns (default: the manifest's ownerPrefix, else ${DEFAULT_OWNER_PREFIX})
  --prune                also delete owned entries that are no longer declared
  --batch-size N         entries per Entry API call (apply; default 50)
  --yes                  apply without asking (apply refuses to change anything without it)
  --json                 print JSON instead of the readable diff
Exit status: 0 ok, 1 failed items or conflicts (or apply without --yes), 2 usage error.`;

const OPTIONS = {
  'server-socket': { type: 'string' },
  'server-address': { type: 'string' },
  socket: { type: 'string' },
  'admin-id': { type: 'string' },
  'owner-prefix': { type: 'string' },
  prune: { type: 'boolean' },
  'batch-size': { type: 'string' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const SYNOPSIS =
  'usage: spiffe registrar plan|apply [--server-socket PATH | --server-address HOST:PORT [--socket ADDR] [--admin-id ID]] [--owner-prefix PREFIX] [--prune] [--batch-size N] [--yes] [--json]';

type Server = { readonly kind: 'unix'; readonly socket: string } | { readonly kind: 'tcp'; readonly address: string; readonly workloadApi: string; readonly adminId: string | undefined };

interface Parsed {
  readonly server: Server;
  readonly ownerPrefix: string;
  readonly prune: boolean;
  readonly batchSize: number;
  readonly yes: boolean;
  readonly json: boolean;
}

function parseServer(values: Record<string, unknown>, io: CliIo): Server {
  const socketFlag = nonEmpty('--server-socket', stringFlag(values, 'server-socket'));
  const tcp = nonEmpty('--server-address', stringFlag(values, 'server-address'));
  if (tcp !== undefined) {
    if (socketFlag !== undefined) throw new CliUsageError(`give --server-socket or --server-address, not both\n${SYNOPSIS}`);
    const adminId = parseIdFlag(nonEmpty('--admin-id', stringFlag(values, 'admin-id')))?.toString();
    return { kind: 'tcp', address: tcp, workloadApi: resolveAddress(stringFlag(values, 'socket'), io).address, adminId };
  }
  if (values['socket'] !== undefined || values['admin-id'] !== undefined) throw new CliUsageError(`--socket and --admin-id go with --server-address\n${SYNOPSIS}`);
  const socket = socketFlag ?? io.env['SPIRE_SERVER_SOCKET'];
  if (socket === undefined || socket === '') {
    throw new CliUsageError(`no SPIRE server: give --server-socket PATH (or set SPIRE_SERVER_SOCKET), or --server-address HOST:PORT\n${SYNOPSIS}`);
  }
  return { kind: 'unix', socket };
}

function parse(args: readonly string[], io: CliIo, command: 'plan' | 'apply'): Parsed {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  const server = parseServer(values, io);
  const ownerPrefix = stringFlag(values, 'owner-prefix') ?? DEFAULT_OWNER_PREFIX;
  if (!OWNER_PREFIX_PATTERN.test(ownerPrefix)) throw new CliUsageError(`--owner-prefix must be 1-200 characters of [A-Za-z0-9._-], got ${JSON.stringify(ownerPrefix)}`);
  const batchText = stringFlag(values, 'batch-size');
  const batchSize = batchText === undefined ? 50 : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new CliUsageError(`--batch-size must be an integer from 1 to 10000, got ${JSON.stringify(batchText)}`);
  if (command === 'plan' && values['yes'] === true) throw new CliUsageError('--yes is for apply');
  return { server, ownerPrefix, prune: values['prune'] === true, batchSize, yes: values['yes'] === true, json: values['json'] === true };
}

async function connect(server: Server): Promise<{ client: EntryApiClient; close: () => Promise<void> }> {
  if (server.kind === 'unix') {
    const client = new EntryApiClient({ address: server.socket });
    return { client, close: async () => client.close() };
  }
  const { X509Source } = await import('../workloadapi/x509-source.js');
  const source = await X509Source.create({ address: server.workloadApi, ...(server.adminId === undefined ? {} : { picker: { id: server.adminId } }) });
  try {
    const client = new EntryApiClient({ address: server.address, x509Source: source });
    return {
      client,
      close: async () => {
        client.close();
        await source.close();
      },
    };
  } catch (err) {
    await source.close();
    throw err;
  }
}

function resultToJson(r: ApplyResult): Record<string, unknown> {
  return {
    ok: r.ok,
    counts: r.counts,
    items: r.items.map((it) => ({ action: it.action, id: it.id, spiffeId: it.spiffeId, outcome: it.outcome, status: it.status, ...(it.entry === undefined ? {} : { entryId: it.entry.id }) })),
  };
}

function hasChanges(p: Plan): boolean {
  return p.creates.length + p.updates.length + p.deletes.length > 0;
}

async function withPlan<T>(args: readonly string[], io: CliIo, command: 'plan' | 'apply', loadEntries: () => Promise<RegistrationEntry[]>, run: (o: Parsed, client: EntryApiClient, p: Plan) => Promise<T>): Promise<T> {
  const o = parse(args, io, command);
  const entries = await loadEntries();
  const { client, close } = await connect(o.server);
  try {
    const p = await plan(client, entries, { ownerPrefix: o.ownerPrefix, prune: o.prune });
    return await run(o, client, p);
  } finally {
    await close();
  }
}

/**
 * `spiffe registrar plan`: prints what apply would create, update and delete. Exit 1 when a
 * declared entry conflicts with a similar entry this tool does not own.
 */
export async function planCommand(args: string[], io: CliIo, loadEntries: () => Promise<RegistrationEntry[]>): Promise<number> {
  return withPlan(args, io, 'plan', loadEntries, async (o, _client, p) => {
    io.stdout(o.json ? `${JSON.stringify(planToJson(p), null, 2)}\n` : formatPlan(p));
    return p.conflicts.length > 0 ? ExitCode.failed : ExitCode.ok;
  });
}

/**
 * `spiffe registrar apply --yes`: plans, then runs the plan in batches and prints each item's
 * outcome. Without `--yes` it prints the plan and exits 1 (nothing is changed). Exit 1 when an
 * item failed or a declared entry is in conflict.
 */
export async function applyCommand(args: string[], io: CliIo, loadEntries: () => Promise<RegistrationEntry[]>): Promise<number> {
  return withPlan(args, io, 'apply', loadEntries, async (o, client, p) => {
    if (!o.yes && hasChanges(p)) {
      if (o.json) io.stdout(`${JSON.stringify({ applied: false, plan: planToJson(p) }, null, 2)}\n`);
      else io.stdout(formatPlan(p));
      io.stderr('spiffe registrar apply: nothing was changed; re-run with --yes to apply this plan.\n');
      return ExitCode.failed;
    }
    const r = await apply(client, p, { batchSize: o.batchSize });
    if (o.json) io.stdout(`${JSON.stringify({ applied: true, plan: planToJson(p), result: resultToJson(r) }, null, 2)}\n`);
    else {
      io.stdout(formatPlan(p));
      io.stdout(r.items.length > 0 ? formatApplyResult(r) : 'Nothing to do.\n');
    }
    for (const c of p.conflicts) io.stderr(`spiffe registrar apply: ${c.entry.spiffeId ?? c.entry.name} conflicts with entry ${c.current.id}, which this tool does not own; not applied.\n`);
    return r.ok && p.conflicts.length === 0 ? ExitCode.ok : ExitCode.failed;
  });
}
