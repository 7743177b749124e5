// Runs an example script the way a user runs it (plain node, a fresh process) and collects what it
// prints (stdout and stderr together); killed after `timeoutMs`.
import { spawn } from 'node:child_process';

export interface ExampleRun {
  readonly code: number | null;
  readonly out: string;
}

export function runExample(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The environment of this process without `SPIFFE_ENDPOINT_SOCKET` (examples start their own Workload API unless given one). */
export function envWithoutEndpoint(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base['SPIFFE_ENDPOINT_SOCKET'];
  return { ...base, ...extra };
}
