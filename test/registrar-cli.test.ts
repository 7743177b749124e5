/**
 * `spiffe registrar` in-process: validate, render (stdout, --out, --json), manifest discovery,
 * exit codes, and plan/apply end to end against a local fake of the SPIRE Entry API.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { CliUsageError } from '../src/internal/cli/io.js';
import { registrarCommand } from '../src/registrar/cli.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { FakeEntryServer } from './helpers/fake-entry-server.js';

const fixtures = fileURLToPath(new URL('./fixtures/registrar/', import.meta.url));
const manifest = join(fixtures, 'manifest.yaml');
const dir = mkdtempSync(join(tmpdir(), 'registrar-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['registrar', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd });
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('spiffe registrar validate', () => {
  it('a valid manifest: exit 0 and a summary', async () => {
    const r = await run(['validate', '--manifest', manifest]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/6 entries valid \(5 with a fixed SPIFFE ID, 1 template\) in trust domain example\.org, owner prefix shop\./);
  });

  it('--json prints the normalized entries', async () => {
    const r = await run(['validate', '-f', manifest, '--json']);
    const out = JSON.parse(r.stdout) as { ok: boolean; entries: { name: string; x509SvidTtl: number }[] };
    expect(out.ok).toBe(true);
    expect(out.entries.map((e) => e.name)).toEqual(['web', 'payments-db', 'legacy-batch', 'downstream-spire', 'cart', 'default-sa']);
  });

  it('an invalid manifest: exit 1, every problem with its path (text and --json)', async () => {
    const bad = write('bad.yaml', 'entries:\n  - spiffeId: spiffe://example.org/spire/x\n    parentId: spiffe://example.org/agent\n    selectors: ["k8s:namespace:x"]\n    hint: "ok"\n    x509SvidTtl: -1\n');
    const r = await run(['validate', '--manifest', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('3 problems in the registration entries of');
    expect(r.stderr).toContain('entries[0].spiffeId: ');
    expect(r.stderr).toContain('entries[0].selectors[0]: ');
    expect(r.stderr).toContain('entries[0].x509SvidTtl: ');
    const j = await run(['validate', '--manifest', bad, '--json']);
    expect(j.code).toBe(1);
    expect((JSON.parse(j.stdout) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['entries[0].spiffeId', 'entries[0].selectors[0]', 'entries[0].x509SvidTtl']);
  });

  it('finds the manifest through package.json in the working directory; a missing one is exit 1', async () => {
    write('app/package.json', JSON.stringify({ name: 'app', spiffe: { registrar: './entries.json' } }));
    write('app/entries.json', JSON.stringify({ entries: [{ spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://example.org/agent', selectors: ['unix:uid:1'] }] }));
    expect((await run(['validate'], {}, join(dir, 'app'))).code).toBe(0);
    write('empty/package.json', '{}');
    const r = await run(['validate'], {}, join(dir, 'empty'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no registrar manifest/);
    const y = await run(['validate', '--manifest', write('broken.yaml', 'entries: [\n')]);
    expect(y.code).toBe(1);
    expect(y.stderr).toMatch(/not valid YAML/);
  });
});

describe('spiffe registrar render', () => {
  it('prints the golden output of each single-file format', async () => {
    for (const [format, file] of [['cmd', 'entries.sh'], ['json', 'entries.json'], ['k8s-registrar-annotation', 'pod-annotations.yaml']] as const) {
      const r = await run(['render', '--format', format, '--manifest', manifest]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(readFileSync(join(fixtures, 'golden', format, file), 'utf8'));
      expect(r.stderr).toMatch(/skipped default-sa: a template entry renders to ClusterSPIFFEID only/);
    }
  });

  it('the old registrar formats report every dropped field on stderr and in --json', async () => {
    const r = await run(['render', '--format', 'k8s-registrar-crd', '--manifest', manifest]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('spiffe registrar render: web: hint dropped: a SpiffeID has no such field; set it on the server');
    expect(r.stderr).toContain('spiffe registrar render: skipped payments-db: the selectors unix:path:');
    const j = JSON.parse((await run(['render', '--format', 'k8s-registrar-sa', '--manifest', manifest, '--json'])).stdout) as { dropped: { name: string; field: string }[] };
    expect(j.dropped).toEqual(JSON.parse(readFileSync(join(fixtures, 'golden', 'k8s-registrar-sa', 'dropped.json'), 'utf8')));
  });

  it('--out writes one file per object; the shell script is executable', async () => {
    const out = join(dir, 'out');
    const r = await run(['render', '--format', 'cluster-static-entry', '--manifest', manifest, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(readdirSync(join(fixtures, 'golden', 'cluster-static-entry')).filter((f) => f !== 'skipped.json').sort());
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(fixtures, 'golden', 'cluster-static-entry', f), 'utf8'));
    await run(['render', '--format', 'cmd', '--manifest', manifest, '--out', out]);
    expect(statSync(join(out, 'entries.sh')).mode & 0o111).not.toBe(0);
  });

  it('--json, --socket-path and --class-name', async () => {
    const r = await run(['render', '--format', 'cluster-spiffeid', '--manifest', manifest, '--class-name', 'spire-system-spire', '--json']);
    const out = JSON.parse(r.stdout) as { files: { fileName: string; content: string }[]; skipped: { name: string }[] };
    expect(out.files[0]?.content).toContain('className: spire-system-spire');
    expect(out.skipped.map((s) => s.name)).toEqual(['web', 'payments-db', 'legacy-batch', 'downstream-spire', 'cart']);
    const cmd = await run(['render', '--format', 'cmd', '--manifest', manifest, '--socket-path', '/run/spire server/api.sock', '--no-entry-ids']);
    expect(cmd.stdout).toContain("-socketPath '/run/spire server/api.sock'");
    expect(cmd.stdout).not.toContain('-entryID');
  });

  it('nothing rendered: says what was skipped and why on stderr, writes nothing, exits 1 (text, --out and --json)', async () => {
    const fixedOnly = write('fixed-only.yaml', ['trustDomain: example.org', 'defaults: { parentId: "spiffe://example.org/agent" }', 'entries:', '  - { name: web, spiffeId: "spiffe://example.org/web", selectors: ["unix:uid:1"] }', '  - { name: api, spiffeId: "spiffe://example.org/api", selectors: ["unix:uid:2"] }', ''].join('\n'));
    const r = await run(['render', '--format', 'cluster-spiffeid', '--manifest', fixedOnly]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('skipped web: a fixed-ID entry renders to ClusterStaticEntry (cluster-static-entry)');
    expect(r.stderr).toContain('skipped api: a fixed-ID entry renders to ClusterStaticEntry (cluster-static-entry)');
    expect(r.stderr).toMatch(/nothing to render as cluster-spiffeid: the format cannot express any of the 2 declared entries/);

    const out = join(dir, 'nothing-out');
    const o = await run(['render', '--format', 'cluster-spiffeid', '--manifest', fixedOnly, '--out', out]);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/no file written/);
    expect(() => readdirSync(out)).toThrow(/ENOENT/);

    const j = await run(['render', '--format', 'cluster-spiffeid', '--manifest', fixedOnly, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({
      format: 'cluster-spiffeid',
      files: [],
      rendered: [],
      skipped: [
        { name: 'web', reason: 'a fixed-ID entry renders to ClusterStaticEntry (cluster-static-entry)' },
        { name: 'api', reason: 'a fixed-ID entry renders to ClusterStaticEntry (cluster-static-entry)' },
      ],
      dropped: [],
    });
    expect(j.stderr).toContain('skipped web: ');

    // The other formats, each with a manifest none of whose entries it can express.
    const templateOnly = write('template-only.yaml', ['trustDomain: example.org', 'entries:', '  - name: default-sa', '    spiffeIdTemplate: "spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}"', ''].join('\n'));
    const notK8s = write('not-k8s.yaml', ['trustDomain: example.org', 'defaults: { parentId: "spiffe://example.org/agent" }', 'entries:', '  - { name: batch, spiffeId: "spiffe://example.org/a/b", selectors: ["unix:uid:1"] }', ''].join('\n'));
    const cases: Array<[string, string, RegExp]> = [
      ['cmd', templateOnly, /skipped default-sa: a template entry renders to ClusterSPIFFEID only/],
      ['json', templateOnly, /skipped default-sa: a template entry renders to ClusterSPIFFEID only/],
      ['cluster-static-entry', templateOnly, /skipped default-sa: a template entry renders to ClusterSPIFFEID only/],
      ['k8s-registrar-crd', templateOnly, /skipped default-sa: a template entry renders to ClusterSPIFFEID only/],
      ['k8s-registrar-annotation', notK8s, /skipped batch: not a Kubernetes workload \(no k8s selectors\)/],
      ['k8s-registrar-label', notK8s, /skipped batch: not a Kubernetes workload/],
      ['k8s-registrar-sa', notK8s, /skipped batch: no k8s:ns and k8s:sa selectors/],
    ];
    for (const [format, file, skipped] of cases) {
      const c = await run(['render', '--format', format, '--manifest', file]);
      expect({ format, code: c.code, stdout: c.stdout }).toEqual({ format, code: 1, stdout: '' });
      expect(c.stderr).toMatch(skipped);
      expect(c.stderr).toContain(`nothing to render as ${format}: the format cannot express any of the 1 declared entry`);
    }
  });

  it('some skipped, some rendered: exit 0, the output, and every skipped entry on stderr (also with --json)', async () => {
    const r = await run(['render', '--format', 'cluster-spiffeid', '--manifest', manifest]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(fixtures, 'golden', 'cluster-spiffeid', 'default-sa.yaml'), 'utf8'));
    for (const name of ['web', 'payments-db', 'legacy-batch', 'downstream-spire', 'cart']) expect(r.stderr).toContain(`skipped ${name}: a fixed-ID entry renders to ClusterStaticEntry`);
    expect(r.stderr).not.toMatch(/nothing to render/);
    const j = await run(['render', '--format', 'k8s-registrar-label', '--manifest', manifest, '--json']);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout) as { rendered: string[]; skipped: { name: string }[] };
    expect(out.rendered.length).toBeGreaterThan(0);
    for (const s of out.skipped) expect(j.stderr).toContain(`skipped ${s.name}: `);
  });

  it('fields a k8s-registrar mode cannot carry are named on stderr (and in --json), the entry rendered without them', async () => {
    const r = await run(['render', '--format', 'k8s-registrar-annotation', '--manifest', manifest]);
    expect(r.code).toBe(0);
    for (const field of ['dnsNames', 'x509SvidTtl', 'jwtSvidTtl', 'hint', 'federatesWith', 'parentId']) {
      expect(r.stderr).toContain(`spiffe registrar render: web: ${field} dropped: `);
    }
    for (const field of ['jwtSvidTtl', 'admin', 'downstream']) expect(r.stderr).toContain(`spiffe registrar render: downstream-spire: ${field} dropped: `);
    const crd = await run(['render', '--format', 'k8s-registrar-crd', '--manifest', manifest, '--json']);
    const out = JSON.parse(crd.stdout) as { dropped: { name: string; field: string; reason: string }[] };
    expect(out.dropped.filter((d) => d.name === 'web')).toEqual(
      ['x509SvidTtl', 'jwtSvidTtl', 'hint'].map((field) => ({ name: 'web', field, reason: 'a SpiffeID has no such field; set it on the server' })),
    );
    expect(crd.stderr).toContain('spiffe registrar render: web: hint dropped: a SpiffeID has no such field');
    // Formats that carry every field drop nothing.
    for (const format of ['cmd', 'json', 'cluster-static-entry', 'cluster-spiffeid']) {
      const j = await run(['render', '--format', format, '--manifest', manifest, '--json']);
      expect((JSON.parse(j.stdout) as { dropped: unknown[] }).dropped).toEqual([]);
      expect(j.stderr).not.toMatch(/ dropped: /);
    }
  });

  it('usage mistakes exit 2 through the spiffe command', async () => {
    expect((await run(['render', '--manifest', manifest])).code).toBe(2);
    const r = await run(['render', '--format', 'helm', '--manifest', manifest]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --format "helm"/);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['validate', '--bogus'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect((await run(['--help'])).stdout).toMatch(/^Usage: spiffe registrar/);
    await expect(registrarCommand(['render', '--format'], { stdout: () => {}, stderr: () => {}, env: {} })).rejects.toBeInstanceOf(CliUsageError);
  });
});

describe('spiffe registrar plan / apply (against a local fake of the Entry API)', () => {
  let fake: FakeEntryServer;
  const simple = () =>
    write('simple.yaml', ['ownerPrefix: demo.', 'defaults: { parentId: "spiffe://example.org/agent" }', 'entries:', '  - { name: a, spiffeId: "spiffe://example.org/a", selectors: ["unix:uid:1"] }', '  - { name: b, spiffeId: "spiffe://example.org/b", selectors: ["unix:uid:2"], hint: x }', ''].join('\n'));

  beforeEach(async () => {
    fake = await FakeEntryServer.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('plan shows the diff; apply needs --yes; apply is idempotent; the manifest\'s owner prefix is used', async () => {
    const m = simple();
    const env = { SPIRE_SERVER_SOCKET: fake.socket };
    const p = await run(['plan', '--manifest', m], env);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^\+ spiffe:\/\/example\.org\/a .*\[demo\.[0-9a-f]{32}\]$/m);
    expect(p.stdout).toMatch(/Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged/);
    const dry = await run(['apply', '--manifest', m], env);
    expect(dry.code).toBe(1);
    expect(fake.entries.size).toBe(0);
    const a = await run(['apply', '--manifest', m, '--yes', '--json'], env);
    expect(a.code).toBe(0);
    expect((JSON.parse(a.stdout) as { result: { counts: { created: number } } }).result.counts.created).toBe(2);
    expect([...fake.entries.keys()].every((id) => id.startsWith('demo.'))).toBe(true);
    const again = await run(['apply', '--manifest', m, '--yes'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged/);
  });

  it('an invalid manifest never reaches the server; no server is a usage error', async () => {
    const bad = write('bad2.yaml', 'entries: [{ spiffeId: "spiffe://example.org/spire/x", parentId: "spiffe://example.org/a", selectors: ["unix:uid:1"] }]\n');
    expect((await run(['apply', '--manifest', bad, '--yes'], { SPIRE_SERVER_SOCKET: fake.socket })).code).toBe(1);
    expect(fake.calls).toEqual([]);
    expect((await run(['plan', '--manifest', simple()], {})).code).toBe(2);
  });
});

describe('spiffe registrar check (against the test Workload API)', () => {
  const m = () =>
    write('check.yaml', ['defaults: { parentId: "spiffe://example.org/agent" }', 'entries:', '  - { name: web, spiffeId: "spiffe://example.org/web", selectors: ["unix:uid:1"], hint: internal }', '  - { name: db, spiffeId: "spiffe://example.org/db", selectors: ["unix:uid:2"] }', ''].join('\n'));

  it('exit 0 when the declared identities are served; 1 with a report of what is missing', async () => {
    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web', hint: 'internal' }] });
    try {
      const ok = await run(['check', '--manifest', m(), '--entry', 'web', '--socket', api.address]);
      expect(ok).toMatchObject({ code: 0, stdout: 'All 1 declared identities are served by the Workload API.\n' });
      const missing = await run(['check', '--manifest', m()], { SPIFFE_ENDPOINT_SOCKET: api.address });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('spiffe://example.org/db: not served');
      const json = await run(['check', '--manifest', m(), '--socket', api.address, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, missing: [{ name: 'db' }], present: [{ name: 'web' }] });
      expect((await run(['check', '--manifest', m(), '--entry', 'nope', '--socket', api.address])).code).toBe(2);
    } finally {
      await api.close();
    }
  });
});
