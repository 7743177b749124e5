import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { X509Bundle, X509Svid } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

interface Watcher {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<number>;
  /** Aborts (SIGINT/SIGTERM) and resolves with the exit code. */
  stop(): Promise<number>;
}

function watch(argv: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Watcher {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const done = runCli(['x509', '--watch', ...argv], {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env,
    signal: controller.signal,
  });
  const w: Watcher = {
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    stop: async () => {
      controller.abort(new Error('interrupted'));
      return done;
    },
  };
  cleanup.push(() => w.stop());
  return w;
}

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(argv, { stdout: () => undefined, stderr: (s) => (stderr += s), env: {} });
  return { code, stderr };
}

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spiffe-cli-watch-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

async function serialOnDisk(dir: string): Promise<string | undefined> {
  try {
    return new X509Certificate(await readFile(join(dir, 'svid.pem'))).serialNumber;
  } catch {
    return undefined;
  }
}

async function readSvid(dir: string): Promise<X509Svid> {
  return X509Svid.parse(await readFile(join(dir, 'svid.pem')), await readFile(join(dir, 'svid_key.pem')));
}

async function inode(path: string): Promise<{ ino: number; mtimeMs: number }> {
  const s = await stat(path);
  return { ino: s.ino, mtimeMs: s.mtimeMs };
}

describe('spiffe x509 --write DIR --watch', () => {
  it('writes at once, rewrites on rotation atomically, skips unchanged re-deliveries', async () => {
    const api = await agent();
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir]);
    const first = await waitFor('first write', () => lines(w.stdout()).length === 1 && serialOnDisk(dir));
    expect(first).toBe(new X509Certificate(api.svid()?.certificates[0] as Buffer).serialNumber);
    expect((await readSvid(dir)).id.toString()).toBe('spiffe://example.org/workload');
    expect((await stat(join(dir, 'svid_key.pem'))).mode & 0o777).toBe(0o600);
    expect(w.stdout()).toMatch(/ wrote .*svid\.pem, .*svid_key\.pem, .*bundle\.pem \(spiffe:\/\/example\.org\/workload, serial [0-9A-F]+, expires \S+\)\n$/);
    expect(w.stdout()).not.toMatch(/PRIVATE KEY|BEGIN/);

    // Poll-read while rotating a few times: every read parses (never a partial file).
    let reading = true;
    let reads = 0;
    let pairRaces = 0;
    const poller = (async () => {
      while (reading) {
        const [cert, key] = await Promise.all([readFile(join(dir, 'svid.pem')), readFile(join(dir, 'svid_key.pem'))]);
        createPrivateKey(key); // the key file is always whole
        try {
          X509Svid.parse(cert, key); // the chain is always whole, and parses
          reads++;
        } catch (err) {
          // The chain and the key are two files renamed one after the other: a read between the
          // two renames pairs a new chain with the old key. That is not a partial file.
          if ((err as { code?: string }).code !== 'ERR_X509SVID_KEY_MISMATCH') throw err;
          pairRaces++;
        }
      }
    })().catch((err: unknown) => err);
    const bundleBefore = await inode(join(dir, 'bundle.pem'));
    for (let i = 1; i <= 3; i++) {
      const [fresh] = await api.rotate();
      const serial = new X509Certificate(fresh?.certificates[0] as Buffer).serialNumber;
      await waitFor(`rotation ${i}`, async () => (await serialOnDisk(dir)) === serial && lines(w.stdout()).length === 1 + i);
      expect((await stat(join(dir, 'svid_key.pem'))).mode & 0o777).toBe(0o600);
    }
    reading = false;
    expect(await poller).toBeUndefined();
    expect(reads).toBeGreaterThan(0);
    expect(pairRaces).toBeLessThan(reads);
    const svid = await readSvid(dir); // the pair matches once the write is done
    expect(svid.certificatesDer[0]?.equals(api.svid()?.certificates[0] as Buffer)).toBe(true);
    // Rotation of the SVID only: bundle.pem was left alone.
    expect(await inode(join(dir, 'bundle.pem'))).toEqual(bundleBefore);
    expect(lines(w.stdout())[1]).not.toContain('bundle.pem');

    // The same SVIDs again: nothing is rewritten.
    const before = await Promise.all(['svid.pem', 'svid_key.pem', 'bundle.pem'].map((f) => inode(join(dir, f))));
    expect(api.refresh({ rpc: 'fetchX509Svid', force: true })).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await Promise.all(['svid.pem', 'svid_key.pem', 'bundle.pem'].map((f) => inode(join(dir, f))))).toEqual(before);
    expect(lines(w.stdout())).toHaveLength(4);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);

    expect(await w.stop()).toBe(0);
    await waitFor('streams closed', () => api.activeStreams === 0);
  });

  it('with one file for chain and key, a rotation rewrites that file once, chain and key together', async () => {
    const api = await agent();
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir, '--cert-name', 'tls.pem', '--key-name', 'tls.pem', '--bundle-name', 'ca.pem']);
    await waitFor('first write', () => lines(w.stdout()).length === 1);
    expect((await readdir(dir)).sort()).toEqual(['ca.pem', 'tls.pem']);
    const before = await readFile(join(dir, 'tls.pem'), 'utf8');
    await api.rotate();
    await waitFor('the rotation', async () => (await readFile(join(dir, 'tls.pem'), 'utf8')) !== before);
    const pem = await readFile(join(dir, 'tls.pem'), 'utf8');
    const svid = X509Svid.parse(pem, pem.slice(pem.indexOf('-----BEGIN PRIVATE KEY-----')));
    expect(svid.certificatesDer[0]?.equals(api.svid()?.certificates[0] as Buffer)).toBe(true);
    expect(lines(w.stdout())[1]).toMatch(/ wrote \S*tls\.pem \(/);
    expect(await w.stop()).toBe(0);
  });

  it('rewrites bundle.pem on a CA rotation and on a federated bundle change (--federated)', async () => {
    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    const api = await agent({ federatedBundles: { 'partner.test': partner } });
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir, '--federated', '--json']);
    await waitFor('first write', () => lines(w.stdout()).length === 1);
    const event = JSON.parse(lines(w.stdout())[0] as string);
    expect(event).toMatchObject({ event: 'written', spiffeId: 'spiffe://example.org/workload', files: [join(dir, 'svid.pem'), join(dir, 'svid_key.pem'), join(dir, 'bundle.pem')] });
    expect((await readFile(join(dir, 'bundle.pem'), 'utf8')).match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    const ca = await api.rotateCa();
    await waitFor('new root in bundle.pem', async () => X509Bundle.fromPem('x.test', await readFile(join(dir, 'bundle.pem'))).hasX509Authority(ca.rootDer));
    await waitFor('new SVID', async () => (await readSvid(dir).catch(() => undefined))?.certificatesDer[0]?.equals(api.svid()?.certificates[0] as Buffer));
    expect((await stat(join(dir, 'svid_key.pem'))).mode & 0o777).toBe(0o600);

    // Only the federated bundle changes: bundle.pem is rewritten, the SVID files are not.
    const svidFiles = await Promise.all(['svid.pem', 'svid_key.pem'].map((f) => inode(join(dir, f))));
    const n = lines(w.stdout()).length;
    const partner2 = await TestCa.create({ trustDomain: 'partner.test' });
    await api.setFederatedBundle('partner.test', partner2);
    await waitFor('new partner root', async () => X509Bundle.fromPem('x.test', await readFile(join(dir, 'bundle.pem'))).hasX509Authority(partner2.rootDer));
    await waitFor('one more line', () => lines(w.stdout()).length === n + 1);
    expect(JSON.parse(lines(w.stdout())[n] as string).files).toEqual([join(dir, 'bundle.pem')]);
    expect(await Promise.all(['svid.pem', 'svid_key.pem'].map((f) => inode(join(dir, f))))).toEqual(svidFiles);
    expect(await w.stop()).toBe(0);
  });

  it('--on-update runs with the paths in its environment; its failures are logged, not fatal', async () => {
    const api = await agent();
    const dir = await tempDir();
    const log = join(await tempDir(), 'hook.log');
    const w = watch(['--socket', api.address, '--write', dir, '--on-update', `echo "$SPIFFE_SVID_PATH $SPIFFE_KEY_PATH $SPIFFE_BUNDLE_PATH" >> '${log}'; echo hook-output; exit 3`]);
    const expected = `${join(dir, 'svid.pem')} ${join(dir, 'svid_key.pem')} ${join(dir, 'bundle.pem')}`;
    await waitFor('first hook', async () => (await readFile(log, 'utf8').catch(() => '')) === `${expected}\n` && /exited with status 3/.test(w.stderr()));
    expect(w.stderr()).toContain('hook-output');
    expect(w.stdout()).not.toContain('hook-output');
    await api.rotate();
    await waitFor('second hook', async () => (await readFile(log, 'utf8').catch(() => '')) === `${expected}\n${expected}\n`);
    expect(lines(w.stdout())).toHaveLength(2);
    expect(await w.stop()).toBe(0);
  });

  it('--on-update never runs twice at once: updates during a run are coalesced', async () => {
    const api = await agent();
    const dir = await tempDir();
    const log = join(await tempDir(), 'hook.log');
    const w = watch(['--socket', api.address, '--write', dir, '--on-update', `echo start >> '${log}'; sleep 0.4; echo end >> '${log}'`]);
    await waitFor('first hook started', async () => (await readFile(log, 'utf8').catch(() => '')).startsWith('start'));
    for (let i = 0; i < 3; i++) await api.rotate();
    const serial = new X509Certificate(api.svid()?.certificates[0] as Buffer).serialNumber;
    await waitFor('last rotation written', async () => (await serialOnDisk(dir)) === serial);
    // Writes are coalesced too (a write in progress takes the newest state next).
    expect(lines(w.stdout()).length).toBeGreaterThanOrEqual(2);
    const firstRunStillGoing = (await readFile(log, 'utf8')) === 'start\n';
    await waitFor('hooks done', async () => /^(start\nend\n){2,}$/.test(await readFile(log, 'utf8')), 3_000);
    await new Promise((r) => setTimeout(r, 600));
    const runs = await readFile(log, 'utf8');
    expect(runs).toMatch(/^(start\nend\n)+$/); // never two at once
    // Every write during the first run is folded into one more run.
    if (firstRunStillGoing) expect(runs).toBe('start\nend\nstart\nend\n');
    expect(await w.stop()).toBe(0);
  });

  it('--signal-pid signals a process after each write; a missing process is logged', async () => {
    const api = await agent();
    const dir = await tempDir();
    const child: ChildProcess = spawn(process.execPath, [
      '-e',
      "let n = 0; process.on('SIGUSR1', () => process.stdout.write(`${++n}\\n`)); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);",
    ]);
    cleanup.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('child ready', () => out.includes('ready'));
    const w = watch(['--socket', api.address, '--write', dir, '--signal-pid', String(child.pid), '--signal', 'usr1']);
    await waitFor('first signal', () => lines(out).at(-1) === '1');
    await api.rotate();
    await waitFor('second signal', () => lines(out).at(-1) === '2');
    expect(await w.stop()).toBe(0);

    // A process that is gone: logged, the watcher goes on.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const dir2 = await tempDir();
    const w2 = watch(['--socket', api.address, '--write', dir2, '--signal-pid', String(gone.pid)]);
    await waitFor('logged', () => w2.stderr().includes(`cannot send SIGHUP to process ${gone.pid}: no such process`));
    await api.rotate();
    await waitFor('still writing', () => lines(w2.stdout()).length === 2);
    expect(await w2.stop()).toBe(0);
  });

  it('keeps the files while the agent is down and writes the next rotation after it is back', async () => {
    const api = await agent();
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir]);
    await waitFor('first write', () => lines(w.stdout()).length === 1);
    const before = await inode(join(dir, 'svid.pem'));
    await api.stop();
    await waitFor('logged', () => /lost the Workload API/.test(w.stderr()));
    await new Promise((r) => setTimeout(r, 200));
    expect(await inode(join(dir, 'svid.pem'))).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
    await api.restart();
    await api.waitForStreams(1, { rpc: 'fetchX509Svid', timeoutMs: 10_000 });
    const [fresh] = await api.rotate();
    const serial = new X509Certificate(fresh?.certificates[0] as Buffer).serialNumber;
    await waitFor('rotation after restart', async () => (await serialOnDisk(dir)) === serial, 10_000);
    expect(await w.stop()).toBe(0);
    await waitFor('streams closed', () => api.activeStreams === 0);
  }, 20_000);

  it('keeps the files when the identity is withdrawn (--id)', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }, { id: 'spiffe://example.org/db' }] });
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir, '--id', 'spiffe://example.org/db']);
    await waitFor('first write', () => lines(w.stdout()).length === 1);
    expect((await readSvid(dir)).id.toString()).toBe('spiffe://example.org/db');
    const before = await inode(join(dir, 'svid_key.pem'));
    await api.removeIdentity('spiffe://example.org/db');
    await waitFor('logged', () => /identity withdrawn .*; keeping the files until it expires at /.test(w.stderr()));
    expect(await inode(join(dir, 'svid_key.pem'))).toEqual(before);
    expect(lines(w.stdout())).toHaveLength(1);
    expect(await w.stop()).toBe(0);
  });

  it('exits 1 when the first SVID does not come within --timeout, and 0 when aborted', async () => {
    const api = await agent({ identities: [] });
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', join(dir, 'certs'), '--timeout', '300ms']);
    expect(await w.done).toBe(1);
    expect(w.stderr()).toMatch(/^spiffe x509: not-registered: /);
    expect(await readdir(dir)).toEqual([]);
    await waitFor('streams closed', () => api.activeStreams === 0);

    // Interrupted while waiting for the first SVID: a clean stop.
    const waiting = watch(['--socket', `unix://${join(dir, 'nobody.sock')}`, '--write', dir]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await waiting.stop()).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('exits 1 when the first write fails', async () => {
    const api = await agent();
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'not a directory');
    const w = watch(['--socket', api.address, '--write', join(dir, 'file', 'certs')]);
    expect(await w.done).toBe(1);
    expect(w.stderr()).toMatch(/cannot write to /);
    await waitFor('streams closed', () => api.activeStreams === 0);
  });

  it('--exec starts the program once the files exist, signals it after each write, SIGTERMs it on stop and exits with its status', async () => {
    const api = await agent();
    const dir = await tempDir();
    const log = join(dir, 'program.log');
    // A program that records what it sees: the files at start, each HUP, then TERM (exit 7).
    const program = [
      `trap 'echo hup >> ${log}' HUP`,
      `trap 'echo term >> ${log}; exit 7' TERM`,
      `test -s "$SPIFFE_SVID_PATH" && test -s "$SPIFFE_KEY_PATH" && echo "started $SPIFFE_SVID_PATH" >> ${log}`,
      'echo program ready',
      'while :; do sleep 0.05; done',
    ].join('\n');
    const certs = join(dir, 'certs');
    const w = watch(['--socket', api.address, '--write', certs, '--exec', program, '--signal', 'HUP']);
    const read = async (): Promise<string[]> => lines(await readFile(log, 'utf8').catch(() => ''));
    await waitFor('the program to start', async () => (await read())[0] === `started ${join(certs, 'svid.pem')}`);
    await waitFor('its output on stdout', () => w.stdout().includes('program ready\n'));
    expect(w.stderr()).toMatch(/started the --exec program \(pid \d+\)/);
    await api.rotate();
    await waitFor('a HUP after the rotation', async () => (await read()).includes('hup'));
    expect(await w.stop()).toBe(7);
    expect((await read()).slice(-1)).toEqual(['term']);
    expect(w.stderr()).toMatch(/the --exec program exited with status 7/);
  });

  it('--exec: when the program ends on its own, the watch ends with its status', async () => {
    const api = await agent();
    const dir = await tempDir();
    const w = watch(['--socket', api.address, '--write', dir, '--exec', 'sleep 0.2; exit 3']);
    expect(await w.done).toBe(3);
    expect(w.stderr()).toMatch(/the --exec program exited with status 3\n[\s\S]*stopped\n$/);
    await waitFor('streams closed', () => api.activeStreams === 0);
  });

  it('rejects bad flags with exit 2', async () => {
    const base = ['x509', '--socket', 'unix:///tmp/never.sock'];
    for (const args of [
      ['--watch'],
      ['--write', '/tmp/x', '--on-update', 'true'],
      ['--write', '/tmp/x', '--signal-pid', '1'],
      ['--write', '/tmp/x', '--watch', '--signal', 'SIGHUP'],
      ['--write', '/tmp/x', '--watch', '--signal-pid', '1', '--signal', 'SIGNOPE'],
      ['--write', '/tmp/x', '--watch', '--signal-pid', 'x'],
      ['--write', '/tmp/x', '--watch', '--signal-pid', '0'],
      ['--write', '/tmp/x', '--watch', '--on-update', ''],
      ['--write', '/tmp/x', '--exec', 'true'],
      ['--write', '/tmp/x', '--watch', '--exec', 'true', '--signal-pid', '1'],
      ['--write', '/tmp/x', '--watch', '--exec', ''],
    ]) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^spiffe x509: /);
    }
  });
});
