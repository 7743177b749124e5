#!/usr/bin/env node
/**
 * The `spiffe` command. Subcommands are loaded on demand so `spiffe health` (run by container
 * probes every few seconds) pays only for what it uses.
 *
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { CliUsageError, type CliIo, ExitCode } from '../internal/cli/io.js';

const USAGE = `Usage: spiffe <command> [options]

Commands:
  health      check that this workload has its SPIFFE identity (for liveness/readiness probes)
  x509        show this workload's X.509-SVID, or write it to PEM files (--write DIR [--watch])
  jwt         fetch a JWT-SVID for an audience and print the token, or keep it in a file
  jwks        print a trust domain's JWT bundle as a JWKS document, or keep it in a file
  bundle      fetch a trust domain's bundle from its SPIFFE Federation bundle endpoint (bundle fetch URL)
  registrar   validate, render, plan and apply declared SPIRE registration entries
  dev-agent   run a development Workload API (no SPIRE needed), printing SPIFFE_ENDPOINT_SOCKET

Run 'spiffe <command> --help' for the options of a command.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  health: async () => (await import('./health.js')).healthCommand,
  x509: async () => (await import('./x509.js')).x509Command,
  jwt: async () => (await import('./jwt.js')).jwtCommand,
  jwks: async () => (await import('./jwks.js')).jwksCommand,
  bundle: async () => (await import('./bundle.js')).bundleCommand,
  registrar: async () => (await import('../registrar/cli.js')).registrarCommand,
  'dev-agent': async () => (await import('./dev-agent.js')).devAgentCommand,
};

/** Runs the `spiffe` command line in-process and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(USAGE);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    io.stdout(`${pkg.version}\n`);
    return ExitCode.ok;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (load === undefined) {
    io.stderr(`spiffe: unknown command '${name}'\n\n${USAGE}`);
    return ExitCode.usage;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr(`spiffe ${name}: ${err.message}\nRun 'spiffe ${name} --help' for usage.\n`);
      return ExitCode.usage;
    }
    io.stderr(`spiffe ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failed;
  }
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(argv1)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = code;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
