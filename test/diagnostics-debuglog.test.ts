// NODE_DEBUG=spiffe prints every diagnostics channel message on stderr (util.debuglog); without it
// nothing subscribes. Runs the sources in a fresh process, as NODE_DEBUG is read at load.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const code = `
  import diagnostics_channel from 'node:diagnostics_channel';
  import { X509Source, diagnosticsChannels } from 'spiffe-kit';
  import { TestWorkloadApi } from 'spiffe-kit/testing';
  const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
  const source = await X509Source.create({ address: api.address, timeoutMs: 10_000 });
  const subscribed = Object.values(diagnosticsChannels).filter((n) => diagnostics_channel.hasSubscribers(n)).length;
  await source.close();
  await api.close();
  process.stdout.write(String(subscribed));
`;

function run(env: NodeJS.ProcessEnv): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

it('NODE_DEBUG=spiffe logs the channel messages to stderr, never key material', () => {
  const r = run({ NODE_DEBUG: 'spiffe' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('10');
  expect(r.stderr).toMatch(/^SPIFFE \d+: spiffe-kit:workloadapi:stream:connect \{"rpc":"FetchX509SVID","address":"unix:\/\/\/[^"]+","reconnect":false\}$/m);
  expect(r.stderr).toMatch(/^SPIFFE \d+: spiffe-kit:x509:update \{"address":"[^"]+","spiffeId":"spiffe:\/\/example\.org\/web","expiresAt":"\d{4}-[^"]+"/m);
  expect(r.stderr).toMatch(/^SPIFFE \d+: spiffe-kit:bundle:update \{[^}]*"added":\["example\.org"\]/m);
  expect(r.stderr).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
});

it('without NODE_DEBUG nothing subscribes and nothing is printed', () => {
  const r = run({ NODE_DEBUG: '' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('0');
  expect(r.stderr).toBe('');
});
