// The harness itself: a failed bring-up leaves nothing behind, stop() kills everything it started
// (and checks), and the watchdog kills a SPIRE process whose test process died by SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertNoSpireLeftovers, freePort, guardProcess, SpireHarness, spireBinaries, spireLeftovers, waitFor } from './harness.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the SPIRE harness cleans up', () => {
  const started: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await assertNoSpireLeftovers();
  });

  it('a bring-up that fails (server port taken) throws, kills what it started and removes its folder', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const stderr = process.stderr.write.bind(process.stderr);
    let printed = '';
    // The harness prints the logs of a failed bring-up; capture them instead of flooding the output.
    process.stderr.write = ((chunk: string | Uint8Array) => ((printed += String(chunk)), true)) as typeof process.stderr.write;
    let err: unknown;
    try {
      err = await SpireHarness.start({ port }).then(
        (h) => h.stop().then(() => undefined),
        (e: unknown) => e,
      );
    } finally {
      process.stderr.write = stderr;
      await new Promise((r) => squatter.close(r));
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/spire-server exited .* before it was healthy/);
    expect(printed).toMatch(/SPIRE bring-up failed/);
    expect(printed).toMatch(/address already in use/);
    expect(spireLeftovers()).toEqual([]);
    const dir = /see (\/\S+)\/server\.log/.exec((err as Error).message)?.[1];
    expect(dir).toBeDefined();
    if (process.env['SPIRE_KEEP_DIR'] === undefined) expect(existsSync(dir!)).toBe(false);
  });

  it('a bring-up that takes too long (timeoutMs) throws and kills what it started', async () => {
    const stderr = process.stderr.write.bind(process.stderr);
    let printed = '';
    process.stderr.write = ((chunk: string | Uint8Array) => ((printed += String(chunk)), true)) as typeof process.stderr.write;
    let err: unknown;
    try {
      err = await SpireHarness.start({ timeoutMs: 50 }).then(
        (h) => h.stop().then(() => undefined),
        (e: unknown) => e,
      );
    } finally {
      process.stderr.write = stderr;
    }
    expect((err as Error | undefined)?.message).toMatch(/spire-server not healthy after \d+ ms/);
    expect(printed).toMatch(/SPIRE bring-up failed/);
    expect(spireLeftovers()).toEqual([]);
  });

  it('stop() kills the server and every agent run, and leaves nothing running', async () => {
    const spire = await SpireHarness.start();
    await spire.restartAgent(); // a second agent process
    const pids = spire.pids;
    expect(pids).toHaveLength(3); // server, agent, agent again
    expect(spire.leftovers().map((l) => l.pid).sort()).toEqual(pids.slice(0, 1).concat(pids.slice(2)).sort()); // the first agent was killed
    await spire.stop();
    expect(spire.leftovers()).toEqual([]);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(spire.dir)).toBe(process.env['SPIRE_KEEP_DIR'] !== undefined);
  });

  it('the watchdog kills a guarded SPIRE process when its test process is SIGKILLed', async () => {
    const { agent } = spireBinaries();
    // A stand-in for the test process, and a real SPIRE program as its child: `spire-agent run`
    // with a config that keeps it waiting for a server that never answers.
    const fakeParent = spawn('sleep', ['120'], { stdio: 'ignore' });
    started.push(fakeParent);
    const dir = mkdtempSync(join(tmpdir(), 'spire-guard-'));
    writeFileSync(
      `${dir}/agent.conf`,
      `agent {
  trust_domain = "example.org"
  server_address = "127.0.0.1"
  server_port = ${await freePort()}
  socket_path = "${dir}/api.sock"
  data_dir = "${dir}"
  insecure_bootstrap = true
}
plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`,
    );
    const victim = spawn(agent, ['run', '-config', `${dir}/agent.conf`, '-joinToken', 'nope'], { stdio: 'ignore' });
    started.push(victim);
    try {
      const dog = guardProcess(victim.pid!, fakeParent.pid!);
      await new Promise((r) => setTimeout(r, 1_200)); // off the watchdog's 0.5 s beat
      expect(alive(victim.pid!)).toBe(true); // parent alive: the watchdog waits
      const t0 = Date.now();
      fakeParent.kill('SIGKILL');
      const gone = new Promise<NodeJS.Signals | null>((r) => victim.once('exit', (_code, signal) => r(signal)));
      await waitFor('the guarded spire-agent to be killed', () => !alive(victim.pid!) || victim.exitCode !== null || victim.signalCode !== null, 5_000, 50);
      expect(await gone).toBe('SIGKILL');
      console.log(`watchdog killed the orphaned spire-agent ${Date.now() - t0} ms after its parent died`);
      await waitFor('the watchdog to exit', () => !alive(dog.pid!), 5_000, 50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
