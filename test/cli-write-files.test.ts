// Writing sets of files all-or-nothing: real failures (a non-empty directory where a file goes, a
// file where a directory goes, a name too long for a temporary sibling, an immutable file), in
// writeFilesAtomically itself and through `spiffe x509 --write` (one-shot and --watch across a
// rotation), `spiffe jwt --write`, `spiffe jwks --write` and `spiffe registrar render --out`.
import { X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { watchX509Files } from '../src/cli/watch.js';
import { FileWriteError } from '../src/internal/cli/write-error.js';
import { writeFilesAtomically } from '../src/internal/cli/write-files.js';
import { SpiffeError } from '../src/errors.js';
import { X509Svid } from '../src/index.js';
import { runCaptured } from './helpers/cli.js';
import { blockWithDirectory, makeImmutable, unreplaceable } from './helpers/obstruct.js';
import { onCleanup, runCleanup, scratchDir, testAgent, until } from './helpers/scratch.js';

afterEach(runCleanup);

async function writeFailure(files: Parameters<typeof writeFilesAtomically>[0]): Promise<FileWriteError> {
  try {
    await writeFilesAtomically(files);
  } catch (err) {
    expect(err).toBeInstanceOf(FileWriteError);
    expect(err).toBeInstanceOf(SpiffeError);
    return err as FileWriteError;
  }
  throw new Error('the write succeeded');
}

const read = (path: string): Promise<string> => readFile(path, 'utf8');
const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

/** A chain, a key and a bundle in `dir`, with `tag` in their contents. */
function set(dir: string, tag: string) {
  return [
    { path: join(dir, 'svid.pem'), contents: `chain ${tag}`, mode: 0o644 },
    { path: join(dir, 'svid_key.pem'), contents: `key ${tag}`, mode: 0o600 },
    { path: join(dir, 'bundle.pem'), contents: `bundle ${tag}`, mode: 0o644 },
  ];
}

async function contents(dir: string): Promise<string[]> {
  return Promise.all(['svid.pem', 'svid_key.pem', 'bundle.pem'].map((f) => read(join(dir, f)).catch((err: { code?: string }) => err.code ?? 'error')));
}

describe('writeFilesAtomically', () => {
  it('replaces every file, with its mode, and leaves nothing else behind', async () => {
    const dir = await scratchDir('write-files-');
    await writeFilesAtomically(set(dir, 'old'));
    await writeFilesAtomically(set(dir, 'new'));
    expect(await contents(dir)).toEqual(['chain new', 'key new', 'bundle new']);
    expect(await modeOf(join(dir, 'svid_key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'svid.pem'))).toBe(0o644);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
  });

  it('a key that cannot be replaced (a non-empty directory in its place): the chain already replaced is put back', async () => {
    const dir = await scratchDir('write-files-');
    await writeFilesAtomically(set(dir, 'old'));
    await blockWithDirectory(join(dir, 'svid_key.pem'));
    const err = await writeFailure(set(dir, 'new'));
    expect(err.code).toBe('ERR_WRITE_REPLACE');
    expect(err.path).toBe(join(dir, 'svid_key.pem'));
    expect(err.kept).toBe(true);
    expect(err.restored).toEqual([join(dir, 'svid.pem')]);
    expect(err.message).toBe(
      `Cannot replace ${join(dir, 'svid_key.pem')}: EISDIR: illegal operation on a directory; the previous files were kept (svid.pem, svid_key.pem, bundle.pem; svid.pem put back)`,
    );
    expect((err.cause as { code?: string }).code).toBe('EISDIR');
    expect(await read(join(dir, 'svid.pem'))).toBe('chain old');
    expect(await read(join(dir, 'bundle.pem'))).toBe('bundle old');
    expect(await readdir(join(dir, 'svid_key.pem'))).toEqual(['occupied']);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']); // no temporary file, no backup
  });

  it('on a first write, a failure removes the files already written (there was nothing before)', async () => {
    const dir = await scratchDir('write-files-');
    await blockWithDirectory(join(dir, 'bundle.pem'));
    const err = await writeFailure(set(dir, 'new'));
    expect(err.code).toBe('ERR_WRITE_REPLACE');
    expect(err.path).toBe(join(dir, 'bundle.pem'));
    expect(err.restored).toEqual([join(dir, 'svid.pem'), join(dir, 'svid_key.pem')]);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem']);
  });

  it('an immutable key (or, where chattr is not available, a directory): the previous pair stays together', async () => {
    const dir = await scratchDir('write-files-');
    await writeFilesAtomically(set(dir, 'old'));
    const { how, undo } = await unreplaceable(join(dir, 'svid_key.pem'));
    const err = await writeFailure(set(dir, 'new'));
    expect(err.code).toBe('ERR_WRITE_REPLACE');
    expect(err.path).toBe(join(dir, 'svid_key.pem'));
    expect(err.message).toMatch(how === 'immutable' ? /: EPERM: operation not permitted; the previous files were kept \(.*; svid\.pem put back\)$/ : /EISDIR/);
    const [chain, key, bundle] = await contents(dir);
    expect(chain).toBe('chain old');
    expect(bundle).toBe('bundle old');
    if (how === 'immutable') expect(key).toBe('key old'); // kept aside by copy (an immutable file cannot be linked), never needed
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
    await undo();
    await writeFilesAtomically(set(dir, 'new'));
    expect(await contents(dir)).toEqual(['chain new', 'key new', 'bundle new']);
  });

  it('a file that cannot be staged: nothing is replaced (a file where the directory goes; a name too long)', async () => {
    const dir = await scratchDir('write-files-');
    await writeFile(join(dir, 'file'), 'not a directory');
    const notDir = await writeFailure([{ path: join(dir, 'file', 'certs', 'svid.pem'), contents: 'x' }]);
    expect(notDir.code).toBe('ERR_WRITE_STAGE');
    expect(notDir.message).toMatch(/^Cannot create the directory .*\/file\/certs of .*: (ENOTDIR|EEXIST)[^;]*; nothing was replaced$/);

    await writeFilesAtomically(set(dir, 'old'));
    // The temporary sibling of a 250-character name is longer than NAME_MAX (255).
    const long = join(dir, 'x'.repeat(250));
    const err = await writeFailure([...set(dir, 'new'), { path: long, contents: 'x' }]);
    expect(err.code).toBe('ERR_WRITE_STAGE');
    expect(err.path).toBe(long);
    expect(err.kept).toBe(true);
    expect(err.message).toMatch(/: ENAMETOOLONG: name too long; nothing was replaced$/);
    expect(await contents(dir)).toEqual(['chain old', 'key old', 'bundle old']);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'file', 'svid.pem', 'svid_key.pem']);
  });
});

describe('spiffe x509 --write', () => {
  it('one-shot: a key that cannot be replaced leaves the previous chain, key and bundle; exit 1 naming the file', async () => {
    const api = await testAgent();
    const dir = await scratchDir('x509-write-');
    expect((await runCaptured(['x509', '--socket', api.address, '--write', dir])).code).toBe(0);
    const before = await contents(dir);
    await api.rotate();
    const { how } = await unreplaceable(join(dir, 'svid_key.pem'));
    const r = await runCaptured(['x509', '--socket', api.address, '--write', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^spiffe x509: cannot write to ${dir}: Cannot replace ${join(dir, 'svid_key.pem')}: \\w+: [^;]+; the previous files were kept \\(svid\\.pem, svid_key\\.pem, bundle\\.pem; svid\\.pem put back\\)\\n$`),
    );
    const after = await contents(dir);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    if (how === 'immutable') {
      expect(after[1]).toBe(before[1]);
      X509Svid.parse(after[0] as string, after[1] as string); // still a matching pair
    }
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
  });

  it('--watch: a rotation whose key cannot be written keeps the previous pair, reports it, and retries', async () => {
    const api = await testAgent();
    const dir = await scratchDir('x509-watch-');
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const done = watchX509Files(
      { address: api.address, timeoutMs: 5_000, selector: {}, dir, federated: false, json: false, retryMs: 100 },
      { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, signal: controller.signal },
    );
    onCleanup(async () => {
      controller.abort();
      await done;
    });
    const serial = async (): Promise<string> => new X509Certificate(await readFile(join(dir, 'svid.pem'))).serialNumber;
    await until('the first write', () => stdout.includes(' wrote '));
    const first = await serial();
    const firstKey = await read(join(dir, 'svid_key.pem'));
    const { how, undo } = await unreplaceable(join(dir, 'svid_key.pem'));

    const [fresh] = await api.rotate();
    const next = new X509Certificate(fresh?.certificates[0] as Buffer).serialNumber;
    await until('two failed attempts', () => (stderr.match(/cannot write to /g) ?? []).length >= 2);
    expect(stderr).toMatch(new RegExp(`spiffe x509: cannot write to ${dir}: Cannot replace ${join(dir, 'svid_key.pem')}: [^\\n]+; the previous files were kept \\([^\\n]+\\); retrying in 0\\.1 s\\n`));
    expect(await serial()).toBe(first); // never the new chain beside the old key
    if (how === 'immutable') X509Svid.parse(await readFile(join(dir, 'svid.pem')), await readFile(join(dir, 'svid_key.pem')));
    expect(stdout.match(/ wrote /g)).toHaveLength(1);

    await undo();
    await until('the retry', async () => (await serial()) === next);
    const svid = X509Svid.parse(await readFile(join(dir, 'svid.pem')), await readFile(join(dir, 'svid_key.pem')));
    expect(svid.certificatesDer[0]?.equals(fresh?.certificates[0] as Buffer)).toBe(true);
    expect(await read(join(dir, 'svid_key.pem'))).not.toBe(firstKey);
    expect(await modeOf(join(dir, 'svid_key.pem'))).toBe(0o600);
    expect(stdout.match(/ wrote /g)).toHaveLength(2);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
    controller.abort();
    expect(await done).toBe(0);
  });
});

describe('spiffe jwt --write and spiffe jwks --write', () => {
  it('jwt: a token file that cannot be replaced fails with write-failed and leaves the directory as it was', async () => {
    const api = await testAgent();
    const dir = await scratchDir('jwt-write-');
    const file = join(dir, 'token');
    await blockWithDirectory(file);
    const r = await runCaptured(['jwt', '--audience', 'api', '--write', file, '--socket', api.address]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`spiffe jwt: write-failed: Cannot replace ${file}: EISDIR: illegal operation on a directory; the previous file was kept (token)\n`);
    expect(await readdir(dir)).toEqual(['token']);
    expect(await readdir(file)).toEqual(['occupied']);
  });

  it('jwt --watch: a renewal that cannot be written keeps the previous token and retries', async () => {
    const api = await testAgent({ jwtTtlSeconds: 2 });
    const dir = await scratchDir('jwt-watch-');
    const file = join(dir, 'token');
    let stderr = '';
    const controller = new AbortController();
    const running = runCli(['jwt', '--audience', 'api', '--write', file, '--watch', '--socket', api.address], {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      env: {},
      signal: controller.signal,
    });
    onCleanup(async () => {
      controller.abort();
      await running;
    });
    await until('the first write', async () => (await read(file).catch(() => '')) !== '');
    const first = await read(file);
    const lift = makeImmutable(file);
    if (lift === undefined) {
      // Without chattr, a token file cannot be kept in place and made unreplaceable at once: the
      // one-shot test above covers the failure; here the renewal just goes on.
      await until('a renewal', async () => (await read(file)) !== first, 5_000);
    } else {
      await until('a failed renewal', () => stderr.includes('write-failed'), 5_000);
      expect(stderr).toMatch(new RegExp(`spiffe jwt: write-failed: Cannot replace ${file}: EPERM: operation not permitted; the previous file was kept \\(token\\); keeping ${file} \\(valid until \\S+\\); retrying in \\d+ s\\n`));
      expect(await read(file)).toBe(first);
      expect(await readdir(dir)).toEqual(['token']);
      lift();
      await until('a renewal once writable', async () => (await read(file)) !== first, 10_000);
    }
    controller.abort();
    expect(await running).toBe(0);
    expect(await modeOf(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['token']);
  }, 20_000);

  it('jwks: a JWKS file that cannot be replaced fails (exit 1) and the directory is as it was', async () => {
    const api = await testAgent();
    const dir = await scratchDir('jwks-write-');
    const file = join(dir, 'jwks.json');
    await blockWithDirectory(file);
    const r = await runCaptured(['jwks', '--write', file, '--socket', api.address]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`spiffe jwks: cannot write ${file}: Cannot replace ${file}: EISDIR: illegal operation on a directory; the previous file was kept (jwks.json)\n`);
    expect(await readdir(dir)).toEqual(['jwks.json']);
  });
});

describe('spiffe registrar render --out', () => {
  it('writes all the files or none', async () => {
    const manifest = fileURLToPath(new URL('./fixtures/registrar/manifest.yaml', import.meta.url));
    const out = await scratchDir('render-out-');
    const ok = await runCaptured(['registrar', 'render', '--format', 'cluster-static-entry', '--manifest', manifest, '--out', out]);
    expect(ok.code).toBe(0);
    const names = (await readdir(out)).sort();
    expect(names.length).toBeGreaterThan(1);

    const fresh = join(out, 'again');
    await mkdir(fresh);
    await blockWithDirectory(join(fresh, names.at(-1) as string));
    const r = await runCaptured(['registrar', 'render', '--format', 'cluster-static-entry', '--manifest', manifest, '--out', fresh]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^spiffe registrar render: cannot write to ${fresh}: Cannot replace ${join(fresh, names.at(-1) as string)}: EISDIR: [^;]+; the previous files were kept \\(`));
    expect(await readdir(fresh)).toEqual([names.at(-1)]); // none of the others
  });
});
