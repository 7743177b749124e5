/**
 * `spiffe x509`: shows the workload's X.509-SVID (ID, hint, validity, chain, bundles) and, with
 * `--write`, writes it to files the way spiffe-helper does, for programs that read PEM files.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import type { X509Svid } from '../svid/x509-svid.js';
import { WorkloadApiClient } from '../workloadapi/client.js';
import type { X509Context } from '../workloadapi/x509-context.js';
import { classifyFailure } from '../internal/cli/health-probe.js';
import { type CliIo, CliUsageError, ExitCode } from '../internal/cli/io.js';
import { formatSeconds, nonEmpty, parseDuration, parseFlags, parseIdFlag, resolveAddress, stringFlag } from '../internal/cli/options.js';
import { describeMismatch, selectSvid } from '../internal/cli/select.js';
import { parseWatchFlags } from './hook.js';
import { DEFAULT_X509_FILE_NAMES, watchX509Files, type X509FileNames, x509FilePaths, x509PemFiles } from './watch.js';
import { writeFilesAtomically } from '../internal/cli/write-files.js';

/** Default of `--timeout` of `spiffe x509` and `spiffe jwt`, in ms. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

const SYNOPSIS =
  'usage: spiffe x509 [--socket ADDRESS] [--timeout 5s] [--id SPIFFE_ID] [--hint HINT] [--write DIR [--cert-name F] [--key-name F] [--bundle-name F] [--federated] [--watch [--on-update CMD] [--signal-pid PID | --exec CMD] [--signal SIGHUP]]] [--json]';

/** The text of `spiffe x509 --help`. */
export const X509_USAGE = `Usage: spiffe x509 [options]

Fetches this workload's X.509-SVID from the Workload API and shows its SPIFFE ID, hint,
validity, certificate chain and bundles. The private key is never printed.

With --write DIR, writes DIR/svid.pem (the chain, leaf first), DIR/svid_key.pem (PKCS#8
private key, mode 0600) and DIR/bundle.pem (the trust bundle of the SVID's trust domain),
as one set: each goes to a temporary file first, then all are renamed into place, and a failed
rename puts back the files already replaced, so DIR holds all the old files or all the new ones.
DIR is created (mode 0700) if missing.
--cert-name, --key-name and --bundle-name change the file names; the same name for the
chain and the key writes one file with both (mode 0600), which a reader can never see
half-rotated.

With --watch as well, keeps running and rewrites the files on every change (SVID rotation,
bundle update), skipping unchanged content, then runs --on-update and/or signals --signal-pid.
One line is printed per write. While the agent is unreachable, or after it withdraws the
identity, the last files stay in place (until the SVID expires; they are never deleted).
SIGINT/SIGTERM stop it with status 0.

Exit status: 0 success, 1 failure (agent unreachable, not registered, ...), 2 usage error.

Options:
  --socket <address>     Workload API address (default: $SPIFFE_ENDPOINT_SOCKET)
  --timeout <duration>   give up after this long (default 5s)
  --id <spiffe-id>       the X.509-SVID with this SPIFFE ID (default: the first)
  --hint <hint>          the X.509-SVID with this hint
  --write <dir>          write svid.pem, svid_key.pem and bundle.pem into this directory
  --cert-name <file>     with --write: the chain's file name (default svid.pem)
  --key-name <file>      with --write: the key's file name (default svid_key.pem; the
                         --cert-name for one file with chain and key)
  --bundle-name <file>   with --write: the bundle's file name (default bundle.pem)
  --federated            with --write: add the federated bundles to bundle.pem
  --watch                with --write: keep running and rewrite the files as they change
  --on-update <command>  with --watch: run with /bin/sh -c after each write, with
                         SPIFFE_SVID_PATH, SPIFFE_KEY_PATH, SPIFFE_BUNDLE_PATH set (one at a time;
                         a failure is logged)
  --signal-pid <pid>     with --watch: send --signal to this process after each write
  --exec <command>       with --watch: start this program (/bin/sh -c) after the first write,
                         send it --signal (if given) after each later write, SIGTERM it on
                         SIGINT/SIGTERM, exit with its status when it exits (spiffe-helper's cmd)
  --signal <name>        with --signal-pid: the signal (default SIGHUP); with --exec: the
                         signal to send after each write (none unless given)
  --json                 print one JSON object on stdout
  -h, --help             show this help
`;

const OPTIONS = {
  socket: { type: 'string' },
  timeout: { type: 'string' },
  id: { type: 'string' },
  hint: { type: 'string' },
  write: { type: 'string' },
  'cert-name': { type: 'string' },
  'key-name': { type: 'string' },
  'bundle-name': { type: 'string' },
  federated: { type: 'boolean' },
  watch: { type: 'boolean' },
  'on-update': { type: 'string' },
  'signal-pid': { type: 'string' },
  signal: { type: 'string' },
  exec: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** One certificate of the chain, as `spiffe x509 --json` shows it. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly isCa: boolean;
  readonly fingerprint256: string;
}

/** What `spiffe x509 --json` prints (never the key). */
export interface X509Summary {
  readonly spiffeId: string;
  readonly hint?: string;
  readonly notBefore: string;
  readonly expiresAt: string;
  readonly expiresInSeconds: number;
  readonly chain: readonly CertificateSummary[];
  readonly bundles: ReadonlyArray<{ readonly trustDomain: string; readonly authorities: number }>;
  /** With `--write`: the files written (absolute paths). */
  readonly written?: { readonly certificates: string; readonly key: string; readonly bundle: string };
}

/**
 * Runs `spiffe x509` and resolves with its exit code.
 *
 * @throws {@link CliUsageError} on a bad command line (exit code 2 from the entry point).
 */
export async function x509Command(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, OPTIONS, SYNOPSIS);
  if (values.help === true) {
    io.stdout(X509_USAGE);
    return ExitCode.ok;
  }
  const timeoutText = stringFlag(values, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_FETCH_TIMEOUT_MS : parseDuration(timeoutText, '--timeout');
  if (timeoutMs <= 0) throw new CliUsageError(`--timeout must be longer than 0\n${SYNOPSIS}`);
  const selector = { id: parseIdFlag(nonEmpty('--id', stringFlag(values, 'id'))), hint: nonEmpty('--hint', stringFlag(values, 'hint')) };
  const writeDir = nonEmpty('--write', stringFlag(values, 'write'));
  if (values.federated === true && writeDir === undefined) throw new CliUsageError(`--federated needs --write\n${SYNOPSIS}`);
  const names = parseFileNames(values, writeDir !== undefined);
  const { watch, onUpdate, signalPid, signal, exec } = parseWatchFlags(values, writeDir !== undefined, SYNOPSIS, true);
  const address = resolveAddress(stringFlag(values, 'socket'), io);

  if (watch && writeDir !== undefined) {
    return watchX509Files(
      {
        address: address.address,
        timeoutMs,
        selector,
        dir: resolve(io.cwd ?? process.cwd(), writeDir),
        names,
        federated: values.federated === true,
        json: values.json === true,
        onUpdate,
        signalPid,
        signal,
        exec,
      },
      io,
    );
  }

  let ctx: X509Context;
  const client = new WorkloadApiClient({ address: address.address, timeoutMs });
  try {
    ctx = await client.fetchX509Context({ timeoutMs, signal: io.signal });
  } catch (err) {
    const { reason, message } = classifyFailure(err);
    io.stderr(`spiffe x509: ${reason}: ${message}\n`);
    return ExitCode.failed;
  } finally {
    client.close();
  }
  const svid = selectSvid(ctx.svids, selector);
  if (svid === undefined) {
    io.stderr(`spiffe x509: wrong-identity: ${describeMismatch(ctx.svids, selector)}\n`);
    return ExitCode.failed;
  }

  let written: X509Summary['written'];
  if (writeDir !== undefined) {
    const dir = resolve(io.cwd ?? process.cwd(), writeDir);
    written = x509FilePaths(dir, names);
    const own = ctx.bundles.get(svid.id.trustDomain);
    const bundles = values.federated === true ? ctx.bundles.bundles() : own === undefined ? [] : [own];
    try {
      await writeFilesAtomically(x509PemFiles(written, svid, bundles));
    } catch (err) {
      io.stderr(`spiffe x509: cannot write to ${dir}: ${err instanceof Error ? err.message : String(err)}\n`);
      return ExitCode.failed;
    }
  }

  const summary = summarize(svid, ctx, written);
  io.stdout(values.json === true ? `${JSON.stringify(summary)}\n` : render(summary));
  return ExitCode.ok;
}

/** `--cert-name`, `--key-name`, `--bundle-name`: plain file names in the `--write` directory. */
function parseFileNames(values: Record<string, unknown>, writes: boolean): X509FileNames {
  const read = (flag: 'cert-name' | 'key-name' | 'bundle-name', fallback: string): string => {
    const value = nonEmpty(`--${flag}`, stringFlag(values, flag));
    if (value === undefined) return fallback;
    if (!writes) throw new CliUsageError(`--${flag} needs --write\n${SYNOPSIS}`);
    if (value === '.' || value === '..' || /[/\\\0]/.test(value)) {
      throw new CliUsageError(`--${flag} ${JSON.stringify(value)} must be a file name in the --write directory, not a path`);
    }
    return value;
  };
  const names = {
    certificates: read('cert-name', DEFAULT_X509_FILE_NAMES.certificates),
    key: read('key-name', DEFAULT_X509_FILE_NAMES.key),
    bundle: read('bundle-name', DEFAULT_X509_FILE_NAMES.bundle),
  };
  if (names.bundle === names.certificates || names.bundle === names.key) {
    throw new CliUsageError(`--bundle-name ${JSON.stringify(names.bundle)} must differ from the chain's and the key's file names`);
  }
  return names;
}

function summarize(svid: X509Svid, ctx: X509Context, written: X509Summary['written']): X509Summary {
  return {
    spiffeId: svid.id.toString(),
    ...(svid.hint === undefined ? {} : { hint: svid.hint }),
    notBefore: svid.notBefore.toISOString(),
    expiresAt: svid.expiresAt.toISOString(),
    expiresInSeconds: svid.secondsUntilExpiry(),
    chain: svid.certificatesDer.map((der) => describeCertificate(new X509Certificate(der))),
    bundles: ctx.bundles.bundles().map((b) => ({ trustDomain: b.trustDomain.name, authorities: b.size })),
    ...(written === undefined ? {} : { written }),
  };
}

function describeCertificate(cert: X509Certificate): CertificateSummary {
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serialNumber: cert.serialNumber,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    isCa: cert.ca,
    fingerprint256: cert.fingerprint256,
  };
}

/** Node prints distinguished names one attribute per line. */
function oneLine(dn: string): string {
  return dn.split('\n').filter((p) => p !== '').join(', ');
}

function render(s: X509Summary): string {
  const expiry = s.expiresInSeconds > 0 ? `in ${formatSeconds(s.expiresInSeconds)}` : `expired ${formatSeconds(s.expiresInSeconds)} ago`;
  const lines = [
    `SPIFFE ID:  ${s.spiffeId}`,
    ...(s.hint === undefined ? [] : [`hint:       ${s.hint}`]),
    `valid:      ${s.notBefore} to ${s.expiresAt} (expires ${expiry})`,
    `chain:      ${s.chain.length} certificate${s.chain.length === 1 ? '' : 's'}, leaf first`,
    ...s.chain.map((c, i) => `  [${i}] ${c.isCa ? 'CA  ' : 'leaf'} subject "${c.subject}", issuer "${c.issuer}", serial ${c.serialNumber}, until ${c.notAfter}`),
    `bundles:    ${s.bundles.map((b) => `${b.trustDomain} (${b.authorities} ${b.authorities === 1 ? 'authority' : 'authorities'})`).join(', ')}`,
    ...(s.written === undefined
      ? []
      : [
          s.written.certificates === s.written.key
            ? `written:    ${s.written.key} (chain and key, mode 0600), ${s.written.bundle}`
            : `written:    ${s.written.certificates}, ${s.written.key} (mode 0600), ${s.written.bundle}`,
        ]),
  ];
  return `${lines.join('\n')}\n`;
}
