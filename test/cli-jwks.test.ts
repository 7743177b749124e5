// `spiffe jwks` against the test Workload API on a real unix socket: the JWKS printed or written
// (public keys only, one per JWT authority), kept fresh across a key rotation with --on-update,
// trust domain selection with federation, and the failures.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { JwtSource } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { runCaptured } from './helpers/cli.js';
import { onCleanup, runCleanup, scratchDir, testAgent, until } from './helpers/scratch.js';

afterEach(runCleanup);

const agent = (): Promise<TestWorkloadApi> => testAgent({ identities: [{ id: 'spiffe://example.org/api' }] });
const scratch = (): Promise<string> => scratchDir('spiffe-jwks-');

type Jwks = { keys: Record<string, unknown>[] };

describe('spiffe jwks', () => {
  it('prints the JWKS of the only trust domain: public keys that verify the JWT-SVIDs the agent issues', async () => {
    const api = await agent();
    const r = await runCaptured(['jwks', '--socket', api.address]);
    expect(r.code, r.stderr).toBe(0);
    const jwks = JSON.parse(r.stdout) as Jwks;
    expect(jwks.keys).toHaveLength(1);
    const key = jwks.keys[0] as Record<string, unknown>;
    expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    // A token from the agent verifies with the printed key (as a validator reading the file would).
    const source = await JwtSource.create({ address: api.address });
    onCleanup(() => source.close());
    const token = (await source.fetchJwtSvid({ audience: 'api' })).token;
    const verified = await jwtVerify(token, await importJWK(key, key['alg'] as string), { audience: 'api' });
    expect(verified.payload.sub).toBe('spiffe://example.org/api');
  });

  it('needs --trust-domain when the agent has several JWT bundles, and fails on an unknown one', async () => {
    const api = await agent();
    await api.setFederatedBundle('partner.test', await TestCa.create({ trustDomain: 'partner.test' }));
    const ambiguous = await runCaptured(['jwks', '--socket', api.address]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/missing-bundle: the agent has JWT bundles for (example\.org, partner\.test|partner\.test, example\.org); choose one with --trust-domain/);
    const partner = await runCaptured(['jwks', '--socket', api.address, '--trust-domain', 'spiffe://partner.test']);
    expect(partner.code, partner.stderr).toBe(0);
    expect((JSON.parse(partner.stdout) as Jwks).keys).toHaveLength(1);
    const unknown = await runCaptured(['jwks', '--socket', api.address, '--trust-domain', 'nope.test']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/missing-bundle: the agent has no JWT bundle for nope\.test/);
  });

  it('writes the file (0644) and, with --watch, rewrites it on a key rotation and runs --on-update', async () => {
    const api = await agent();
    const dir = await scratch();
    const file = join(dir, 'jwks.json');
    const hookLog = join(dir, 'hook.log');
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const done = runCli(['jwks', '--socket', api.address, '--write', file, '--watch', '--json', '--on-update', `echo "$SPIFFE_JWKS_PATH" >> ${hookLog}`], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      env: { PATH: process.env.PATH },
      signal: controller.signal,
    });
    onCleanup(() => controller.abort());
    await until('the first write', () => stdout.includes('"written"'));
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    const first = JSON.parse(await readFile(file, 'utf8')) as Jwks;
    expect(first.keys).toHaveLength(1);

    const kid = await api.addJwtKey();
    await until('the rewrite with the new key', async () => ((JSON.parse(await readFile(file, 'utf8')) as Jwks).keys.length === 2));
    expect((JSON.parse(await readFile(file, 'utf8')) as Jwks).keys.map((k) => k['kid'])).toContain(kid);
    await until('the hook twice', async () => (await readFile(hookLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= 2);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; file: string; trustDomain: string; kids: string[] });
    expect(events.map((e) => e.kids.length)).toEqual([1, 2]);
    expect(events[1]).toMatchObject({ event: 'written', file, trustDomain: 'example.org' });

    // The same JWT bundle delivered again: nothing is rewritten, the hook does not run.
    expect(api.refresh({ rpc: 'fetchJwtBundles', force: true })).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await done).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(2);
    expect((await readFile(hookLog, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    expect(stderr).toMatch(/spiffe jwks: stopped\n$/);
  });

  it('fails without writing when the agent is unreachable, and refuses inconsistent flags', async () => {
    const dir = await scratch();
    const down = await runCaptured(['jwks', '--socket', `unix://${join(dir, 'none.sock')}`, '--timeout', '1s', '--write', join(dir, 'jwks.json')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^spiffe jwks: (agent-unreachable|timeout): /);
    await expect(stat(join(dir, 'jwks.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    for (const [args, message] of [
      [['--watch'], /--watch needs --write/],
      [['--json'], /--json needs --write/],
      [['--trust-domain', 'not a domain'], /--trust-domain "not a domain"/],
      [['--write', 'f', '--signal-pid', '1'], /need --watch/],
    ] as [string[], RegExp][]) {
      const r = await runCaptured(['jwks', '--socket', 'unix:///tmp/none.sock', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
