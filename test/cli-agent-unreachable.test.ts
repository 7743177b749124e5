/**
 * `spiffe jwks` and `spiffe registrar check` when the agent is not there or refuses: they answer
 * at once with the reason, as `spiffe health` does, even with a long --timeout (the test's own
 * 20 s limit is far below the 120 s they are given); --wait retries until the agent comes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestWorkloadApi } from '../src/testing/index.js';
import { runCaptured } from './helpers/cli.js';
import { onCleanup, runCleanup, scratchDir } from './helpers/scratch.js';

afterEach(runCleanup);

const LONG = '120s';

async function places(): Promise<{ dir: string; missing: string; plainFile: string; manifest: string }> {
  const dir = await scratchDir('cli-unreachable-');
  const plainFile = join(dir, 'file.sock');
  writeFileSync(plainFile, 'not a socket');
  const manifest = join(dir, 'entries.yaml');
  writeFileSync(manifest, ['defaults: { parentId: "spiffe://example.org/agent" }', 'entries:', '  - { name: web, spiffeId: "spiffe://example.org/web", selectors: ["unix:uid:1"] }', ''].join('\n'));
  return { dir, missing: `unix://${join(dir, 'none.sock')}`, plainFile: `unix://${plainFile}`, manifest };
}

async function refusingAgent(): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start({ identities: [] });
  onCleanup(() => api.close());
  return api;
}

/** Starts a test agent on `path` once the command under test is running. */
function agentLater(path: string): Promise<TestWorkloadApi> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      TestWorkloadApi.start({ socketPath: path, identities: [{ id: 'spiffe://example.org/web' }] }).then((api) => {
        onCleanup(() => api.close());
        resolve(api);
      }, reject);
    }, 300);
  });
}

describe('spiffe jwks, agent unreachable or refusing', () => {
  it('a missing socket: agent-unreachable at once, naming the socket', async () => {
    const p = await places();
    const r = await runCaptured(['jwks', '--socket', p.missing, '--timeout', LONG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^spiffe jwks: agent-unreachable: .*none\.sock.*ENOENT/);
  });

  it('a socket path that is a plain file: agent-unreachable at once', async () => {
    const p = await places();
    const r = await runCaptured(['jwks', '--socket', p.plainFile, '--timeout', LONG, '--write', join(p.dir, 'jwks.json'), '--watch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spiffe jwks: agent-unreachable: .*ECONNREFUSED/);
  });

  it('an agent that answers PermissionDenied: not-registered at once', async () => {
    const api = await refusingAgent();
    const r = await runCaptured(['jwks', '--socket', api.address, '--timeout', LONG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spiffe jwks: not-registered: .*no identity issued/);
  });

  it('--wait retries until the agent comes up', async () => {
    const p = await places();
    const path = join(p.dir, 'late.sock');
    const [r] = await Promise.all([runCaptured(['jwks', '--socket', `unix://${path}`, '--timeout', '15s', '--wait']), agentLater(path)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });
});

describe('spiffe registrar check, agent unreachable or refusing', () => {
  it('a missing socket: agent-unreachable at once (text and --json)', async () => {
    const p = await places();
    const r = await runCaptured(['registrar', 'check', '--manifest', p.manifest, '--socket', p.missing, '--timeout', LONG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spiffe registrar check: agent-unreachable: .*ENOENT/);
    const j = await runCaptured(['registrar', 'check', '--manifest', p.manifest, '--socket', p.plainFile, '--timeout', LONG, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, reason: 'agent-unreachable', error: { code: 'ERR_AGENT_UNREACHABLE', grpcStatus: 'UNAVAILABLE' } });
  });

  it('an agent that answers PermissionDenied: every declared identity is missing, and why', async () => {
    const p = await places();
    const api = await refusingAgent();
    const r = await runCaptured(['registrar', 'check', '--manifest', p.manifest, '--socket', api.address, '--timeout', LONG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 of 1 declared identities are missing');
    expect(r.stderr).toContain('spiffe://example.org/web: not served');
    expect(r.stderr).toMatch(/\(not-registered: .*no identity issued/);
    const j = await runCaptured(['registrar', 'check', '--manifest', p.manifest, '--socket', api.address, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, missing: [{ name: 'web' }], reason: 'not-registered' });
  });

  it('--wait retries until the agent comes up', async () => {
    const p = await places();
    const path = join(p.dir, 'late.sock');
    const [r] = await Promise.all([runCaptured(['registrar', 'check', '--manifest', p.manifest, '--socket', `unix://${path}`, '--timeout', '15s', '--wait']), agentLater(path)]);
    expect(r).toMatchObject({ code: 0, stdout: 'All 1 declared identities are served by the Workload API.\n' });
  });
});
