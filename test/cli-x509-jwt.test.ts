import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtBundle, JwtSvid, X509Bundle, X509Svid } from '../src/index.js';
import { TestCa, TestWorkloadApi } from '../src/testing/index.js';
import { type CliRun, runCaptured } from './helpers/cli.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

function run(argv: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliRun> {
  return runCaptured(argv, { env, cwd });
}

async function agent(options: Parameters<typeof TestWorkloadApi.start>[0] = {}): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start(options);
  cleanup.push(() => api.close());
  return api;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spiffe-cli-x509-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('spiffe x509', () => {
  it('shows the ID, hint, validity, chain and bundles, never the key', async () => {
    const api = await agent({ intermediate: true, identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }] });
    const r = await run(['x509', '--socket', api.address]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('SPIFFE ID:  spiffe://example.org/web');
    expect(lines[1]).toBe('hint:       internal');
    expect(lines[2]).toMatch(/^valid: {6}\S+ to \S+ \(expires in 59m\d+s\)$/);
    expect(lines[3]).toBe('chain:      2 certificates, leaf first');
    expect(lines[4]).toMatch(/^ {2}\[0\] leaf subject /);
    expect(lines[5]).toMatch(/^ {2}\[1\] CA {3}subject /);
    expect(lines[6]).toBe('bundles:    example.org (1 authority)');
    expect(r.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
  });

  it('--json describes each certificate of the chain', async () => {
    const api = await agent({ intermediate: true });
    const r = await run(['x509', '--json'], { SPIFFE_ENDPOINT_SOCKET: api.address });
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    const issued = api.svid();
    expect(info).toMatchObject({ spiffeId: 'spiffe://example.org/workload', expiresAt: issued?.expiresAt.toISOString(), bundles: [{ trustDomain: 'example.org', authorities: 1 }] });
    expect(info.chain).toHaveLength(2);
    expect(info.chain.map((c: { isCa: boolean }) => c.isCa)).toEqual([false, true]);
    const leaf = new X509Certificate(issued?.certificates[0] as Buffer);
    expect(info.chain[0]).toMatchObject({ serialNumber: leaf.serialNumber, fingerprint256: leaf.fingerprint256 });
    expect(info.written).toBeUndefined();
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('--write writes svid.pem, svid_key.pem (0600) and bundle.pem that parse back to the same SVID', async () => {
    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    const api = await agent({ federatedBundles: { 'partner.test': partner } });
    const dir = await tempDir();
    const out = join(dir, 'certs');
    const r = await run(['x509', '--socket', api.address, '--write', 'certs'], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`written:    ${join(out, 'svid.pem')}, ${join(out, 'svid_key.pem')} (mode 0600), ${join(out, 'bundle.pem')}`);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    expect((await readdir(out)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
    expect((await stat(join(out, 'svid_key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'svid.pem'))).mode & 0o777).toBe(0o644);
    expect((await stat(out)).mode & 0o777).toBe(0o700);

    const svid = X509Svid.parse(await readFile(join(out, 'svid.pem')), await readFile(join(out, 'svid_key.pem')));
    expect(svid.id.toString()).toBe('spiffe://example.org/workload');
    expect(svid.certificatesDer[0]?.equals(api.svid()?.certificates[0] as Buffer)).toBe(true);
    // Without --federated, only the SVID's own trust domain.
    const bundle = X509Bundle.fromPem('example.org', await readFile(join(out, 'bundle.pem')));
    expect(bundle.size).toBe(1);
    expect(bundle.hasX509Authority(api.ca.rootDer)).toBe(true);
  });

  it('--write replaces existing files atomically and --federated adds the federated bundles', async () => {
    const partner = await TestCa.create({ trustDomain: 'partner.test' });
    const api = await agent({ federatedBundles: { 'partner.test': partner } });
    const dir = await tempDir();
    await writeFile(join(dir, 'svid_key.pem'), 'old key', { mode: 0o644 });
    const r = await run(['x509', '--socket', api.address, '--write', dir, '--federated', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).written).toEqual({ certificates: join(dir, 'svid.pem'), key: join(dir, 'svid_key.pem'), bundle: join(dir, 'bundle.pem') });
    // The old file was replaced by a new inode with the key's mode; no temporary file is left.
    expect((await stat(join(dir, 'svid_key.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'svid_key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'svid.pem', 'svid_key.pem']);
    const pem = await readFile(join(dir, 'bundle.pem'), 'utf8');
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(X509Bundle.fromPem('x.test', pem).hasX509Authority(partner.rootDer)).toBe(true);
  });

  it('--cert-name/--key-name/--bundle-name rename the files; one name for chain and key writes one 0600 file with both', async () => {
    const api = await agent();
    const dir = await tempDir();
    const named = await run(['x509', '--socket', api.address, '--write', dir, '--cert-name', 'tls.crt', '--key-name', 'tls.key', '--bundle-name', 'ca.crt']);
    expect(named.code, named.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(X509Svid.parse(await readFile(join(dir, 'tls.crt')), await readFile(join(dir, 'tls.key'))).id.toString()).toBe('spiffe://example.org/workload');

    const combined = join(dir, 'combined');
    const one = await run(['x509', '--socket', api.address, '--write', combined, '--cert-name', 'svid.pem', '--key-name', 'svid.pem', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).written).toEqual({ certificates: join(combined, 'svid.pem'), key: join(combined, 'svid.pem'), bundle: join(combined, 'bundle.pem') });
    expect((await readdir(combined)).sort()).toEqual(['bundle.pem', 'svid.pem']);
    expect((await stat(join(combined, 'svid.pem'))).mode & 0o777).toBe(0o600);
    const pem = await readFile(join(combined, 'svid.pem'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]*-----BEGIN PRIVATE KEY-----[\s\S]*-----END PRIVATE KEY-----\n$/);
    // The one file serves as both cert and key, as HAProxy or nginx (same file twice) read it.
    expect(() => createSecureContext({ cert: pem, key: pem })).not.toThrow();
    const text = await run(['x509', '--socket', api.address, '--write', combined, '--cert-name', 'svid.pem', '--key-name', 'svid.pem']);
    expect(text.stdout).toContain(`written:    ${join(combined, 'svid.pem')} (chain and key, mode 0600), ${join(combined, 'bundle.pem')}`);
  });

  it('fails with the reason when the agent has no identity or not the one asked for', async () => {
    const none = await agent({ identities: [] });
    const denied = await run(['x509', '--socket', none.address]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(/^spiffe x509: not-registered: /);

    const api = await agent();
    const dir = await tempDir();
    const wrong = await run(['x509', '--socket', api.address, '--id', 'spiffe://example.org/db', '--write', dir]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('spiffe x509: wrong-identity: no X.509-SVID with ID spiffe://example.org/db (the agent issued spiffe://example.org/workload)\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects bad flags with exit 2', async () => {
    for (const args of [
      ['--federated'],
      ['--write', ''],
      ['--bogus'],
      ['--timeout', 'x'],
      ['--cert-name', 'a.pem'],
      ['--write', 'd', '--key-name', 'sub/key.pem'],
      ['--write', 'd', '--bundle-name', '..'],
      ['--write', 'd', '--bundle-name', 'svid.pem'],
      ['--write', 'd', '--key-name', ''],
    ]) {
      const r = await run(['x509', '--socket', 'unix:///tmp/never.sock', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^spiffe x509: /);
    }
    expect((await run(['x509', '--help'])).stdout).toMatch(/^Usage: spiffe x509 \[options\]/);
  });
});

describe('spiffe jwt', () => {
  it('prints only the token, which validates for the audience', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }, { id: 'spiffe://example.org/db' }] });
    const r = await run(['jwt', '--audience', 'vault', '--socket', api.address]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const svid = await JwtSvid.parseAndValidate(r.stdout.trim(), JwtBundle.fromJwks('example.org', JSON.stringify(api.ca.jwt.jwks())), ['vault']);
    expect(svid.id.toString()).toBe('spiffe://example.org/web');
  });

  it('--id picks the identity; --json adds the claims summary', async () => {
    const api = await agent({ identities: [{ id: 'spiffe://example.org/web' }, { id: 'spiffe://example.org/db' }] });
    const r = await run(['jwt', '--audience', 'a', '--audience', 'b', '--id', 'spiffe://example.org/db', '--json', '--socket', api.address]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['spiffeId', 'audience', 'expiresAt', 'issuedAt', 'token']);
    expect(out).toMatchObject({ spiffeId: 'spiffe://example.org/db', audience: ['a', 'b'] });
    expect(JwtSvid.parseInsecure(out.token, ['a']).id.toString()).toBe('spiffe://example.org/db');
  });

  it('fails with the reason, and requires --audience', async () => {
    const api = await agent({ identities: [] });
    const denied = await run(['jwt', '--audience', 'vault', '--socket', api.address]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(/^spiffe jwt: not-registered: /);
    const missing = await run(['jwt', '--socket', api.address]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--audience is required/);
    expect((await run(['jwt', '--audience', '', '--socket', api.address])).code).toBe(2);
  });
});
