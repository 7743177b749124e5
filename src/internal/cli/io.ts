/**
 * What a CLI command gets from the process: its output streams and environment. Commands never
 * touch `process` directly, so tests run them in-process with captured output.
 */
export interface CliIo {
  /** Writes to standard output (the text includes its own newlines). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error (the text includes its own newlines). */
  readonly stderr: (text: string) => void;
  /** The environment (`SPIFFE_ENDPOINT_SOCKET` and friends are read from here). */
  readonly env: NodeJS.ProcessEnv;
  /** Current working directory used to resolve relative paths; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** Aborted on SIGINT/SIGTERM by the real entry point; commands stop waiting when it fires. */
  readonly signal?: AbortSignal;
}

/** Exit codes shared by every `spiffe` subcommand. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The check or operation ran and failed (unhealthy, validation errors, failed items). */
  failed: 1,
  /** The command line was wrong (unknown command or flag, missing value). */
  usage: 2,
} as const;

/** A command-line usage mistake; printed with the command's usage and exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
