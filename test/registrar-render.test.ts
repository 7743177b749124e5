/**
 * Golden tests of every registrar renderer: the manifest under test/fixtures/registrar/ is
 * rendered in each format and compared byte for byte with the files under golden/<format>/.
 * Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run test/registrar-render.test.ts`
 * and review the diff.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineEntries,
  entryCreateArgs,
  k8s,
  loadManifest,
  ownedEntryId,
  type Registration,
  render,
  RENDER_FORMATS,
  renderEntryCreateCommands,
  renderEntryCreateData,
  renderK8sRegistrarLabel,
  renderK8sRegistrarServiceAccount,
  unix,
} from '../src/registrar/index.js';
import { shellQuote } from '../src/registrar/shell-quote.js';

const fixtures = fileURLToPath(new URL('./fixtures/registrar/', import.meta.url));
const goldenDir = join(fixtures, 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';
const registration = await loadManifest(join(fixtures, 'manifest.yaml'));

const tmp = mkdtempSync(join(tmpdir(), 'registrar-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('golden output of every format', () => {
  for (const format of RENDER_FORMATS) {
    it(format, () => {
      const out = render(registration, format);
      const dir = join(goldenDir, format);
      const actual = new Map(out.files.map((f) => [f.fileName, f.content]));
      actual.set('skipped.json', `${JSON.stringify(out.skipped, null, 2)}\n`);
      if (out.dropped.length > 0) actual.set('dropped.json', `${JSON.stringify(out.dropped, null, 2)}\n`);
      if (update) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const [name, content] of actual) writeFileSync(join(dir, name), content);
      }
      expect(readdirSync(dir).sort()).toEqual([...actual.keys()].sort());
      for (const [name, content] of actual) expect(content, `${format}/${name}`).toBe(readFileSync(join(dir, name), 'utf8'));
    });
  }

  it('is deterministic: declaration order of selectors, DNS names and federated domains does not matter', () => {
    const a = defineEntries({ entries: [{ spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://example.org/agent', selectors: [k8s.sa('a'), k8s.ns('x')], dnsNames: ['b.example', 'a.example'] }] });
    const b = defineEntries({ entries: [{ spiffeId: 'spiffe://example.org/a', parentId: 'spiffe://example.org/agent', selectors: ['k8s:ns:x', 'k8s:sa:a', 'k8s:ns:x'], dnsNames: ['A.example', 'b.example'] }] });
    for (const format of RENDER_FORMATS) expect(render(a, format)).toEqual(render(b, format));
  });
});

describe('spire-server entry create commands', () => {
  it('the shell passes every argument through unchanged, whatever the declared values hold', () => {
    // A fake spire-server on PATH records its argv as JSON; the rendered script runs under sh.
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(tmp, 'argv.jsonl');
    writeFileSync(join(bin, 'spire-server'), `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
    chmodSync(join(bin, 'spire-server'), 0o755);
    const hostile = defineEntries({
      entries: [
        {
          spiffeId: 'spiffe://example.org/x',
          parentId: 'spiffe://example.org/agent',
          selectors: ["docker:label:a'b:$(touch pwned)", 'docker:env:X=`touch pwned`;echo', 'unix:user:-rf *', 'k8s:pod-label:a:"b c"\\'],
          hint: "'; touch pwned; echo '\\$HOME ${IFS} !! #",
        },
      ],
    });
    const script = renderEntryCreateCommands(hostile, { socketPath: '/tmp/has space/api.sock' });
    writeFileSync(join(tmp, 'entries.sh'), script);
    execFileSync('sh', [join(tmp, 'entries.sh')], { cwd: tmp, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(existsSync(join(tmp, 'pwned'))).toBe(false);
    const recorded = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(recorded).toEqual(entryCreateArgs(hostile, { socketPath: '/tmp/has space/api.sock' }));
  });

  it('quotes only when needed', () => {
    expect(shellQuote('spiffe://example.org/a')).toBe('spiffe://example.org/a');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellQuote('a\nb')).toBe("'a\nb'");
    expect(shellQuote('*')).toBe("'*'");
  });

  it('entry IDs: owned IDs by default (what plan/apply recognise), none with entryIds: false', () => {
    const [first] = registration.entries;
    expect(renderEntryCreateCommands(registration)).toContain(`-entryID ${ownedEntryId('shop.', first!)}`);
    expect(renderEntryCreateCommands(registration, { entryIds: false })).not.toContain('-entryID');
    const data = JSON.parse(renderEntryCreateData(registration.entries, { entryIds: false })) as { entries: Record<string, unknown>[] };
    expect(data.entries[0]).not.toHaveProperty('entry_id');
    // A bare entry list uses the default owner prefix.
    expect((JSON.parse(renderEntryCreateData(registration.entries)) as { entries: { entry_id: string }[] }).entries[0]?.entry_id).toMatch(/^spiffe-kit\.[0-9a-f]{32}$/);
  });
});

describe('Kubernetes YAML', () => {
  it('every ClusterStaticEntry / ClusterSPIFFEID file is exactly one YAML document', () => {
    for (const format of ['cluster-static-entry', 'cluster-spiffeid', 'k8s-registrar-crd'] as const) {
      for (const f of render(registration, format).files) {
        const docs = parseAllDocuments(f.content);
        expect(docs, `${format}/${f.fileName}`).toHaveLength(1);
        const obj = parseYaml(f.content) as { kind: string; metadata: { name: string } };
        expect(`${obj.metadata.name}.yaml`).toBe(f.fileName);
      }
    }
  });

  it('YAML round-trips hostile strings (the hint with quotes, $() and backquotes)', () => {
    const file = render(registration, 'cluster-static-entry').files.find((f) => f.fileName === 'legacy-batch.yaml');
    const obj = parseYaml(file?.content ?? '') as { spec: { hint: string } };
    expect(obj.spec.hint).toBe(registration.entries.find((e) => e.name === 'legacy-batch')?.hint);
  });

  it('strings that look like YAML syntax stay strings', () => {
    const tricky = ['yes', 'null', '~', '- x', 'key: value', '#comment', '*alias', '&anchor', '!tag x', '|', '>', '"q"', "'s'", '0x10', '1e3', '2026-01-01', '{{ .PodMeta.Name }}', '%TAG', '--- x', '... x', '@x', '`x`', 'ä ö'];
    const reg = defineEntries({ entries: tricky.map((hint, i) => ({ name: `e${i}`, spiffeId: `spiffe://example.org/e${i}`, parentId: 'spiffe://example.org/agent', selectors: ['k8s:ns:shop', `k8s:pod-image:${hint}`], hint })) });
    const static_ = render(reg, 'cluster-static-entry').files.map((f) => parseYaml(f.content) as { spec: { hint: string; selectors: string[] } });
    expect(static_.map((d) => d.spec.hint)).toEqual(tricky);
    expect(static_.map((d) => d.spec.selectors[1])).toEqual(tricky.map((h) => `k8s:pod-image:${h}`));
    // The old registrar types every arbitrary selector k8s: the value goes without the type.
    const crd = render(reg, 'k8s-registrar-crd').files.map((f) => parseYaml(f.content) as { spec: { selector: { arbitrary: string[] } } });
    expect(crd.map((d) => d.spec.selector.arbitrary[0])).toEqual(tricky.map((h) => `pod-image:${h}`));
  });

  it('pod_label mode: multi-segment paths cannot be label values and are reported', () => {
    const reg: Registration = defineEntries({ entries: [
      { spiffeId: 'spiffe://example.org/web', parentId: 'spiffe://example.org/agent', selectors: [k8s.ns('shop')] },
      { spiffeId: 'spiffe://example.org/ns/shop/web', parentId: 'spiffe://example.org/agent', selectors: [k8s.ns('shop')] },
    ] });
    const out = renderK8sRegistrarLabel(reg, { label: 'spire-workload' });
    expect(out.files[0]?.content).toContain('spire-workload: web');
    expect(out.skipped).toEqual([{ name: 'ns-shop-web', reason: expect.stringMatching(/not a valid label value/) as unknown as string }]);
  });

  it('service-account mode: only IDs equal to spiffe://<td>/ns/<ns>/sa/<sa> are covered', () => {
    const reg = defineEntries({ entries: [
      { name: 'ok', spiffeId: 'spiffe://example.org/ns/shop/sa/web', parentId: 'spiffe://example.org/agent', selectors: [k8s.ns('shop'), k8s.sa('web')] },
      { name: 'other', spiffeId: 'spiffe://example.org/web', parentId: 'spiffe://example.org/agent', selectors: [k8s.ns('shop'), k8s.sa('web'), k8s.containerName('c')] },
      { name: 'host', spiffeId: 'spiffe://example.org/host', parentId: 'spiffe://example.org/agent', selectors: [unix.uid(0)] },
    ] });
    const out = renderK8sRegistrarServiceAccount(reg);
    expect(out.skipped.map((s) => s.name)).toEqual(['other', 'host']);
    expect(parseYaml(out.files[0]?.content ?? '')).toEqual({ workloads: [{ name: 'ok', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://example.org/ns/shop/sa/web' }] });
  });
});

describe('the example app', () => {
  it('its rendered files are what the manifest renders to today', async () => {
    const root = fileURLToPath(new URL('../examples/registrar/', import.meta.url));
    const reg = await loadManifest(join(root, 'spiffe-entries.yaml'));
    for (const format of ['cluster-static-entry', 'cluster-spiffeid', 'cmd', 'json'] as const) {
      const files = render(reg, format).files;
      expect(readdirSync(join(root, 'rendered', format)).sort()).toEqual(files.map((f) => f.fileName).sort());
      for (const f of files) expect(readFileSync(join(root, 'rendered', format, f.fileName), 'utf8'), `${format}/${f.fileName}`).toBe(f.content);
    }
  });
});

describe('the old k8s-workload-registrar (SPIRE v1.5.6) formats', () => {
  const parent = 'spiffe://example.org/spire/agent/k8s_psat/prod/node-1';
  it('crd: k8s selectors map to fields or untyped arbitrary values; k8s_psat:cluster to cluster; other types and a missing namespace are skipped', () => {
    const reg = defineEntries({ entries: [
      { name: 'img', spiffeId: 'spiffe://example.org/img', parentId: parent, selectors: ['k8s:ns:shop', 'k8s:ns:zone', 'k8s:pod-image:reg/web:1', 'k8s:pod-label:app:web', 'k8s:pod-label:app:api'], x509SvidTtl: 60, hint: 'h', admin: true },
      { name: 'psat', spiffeId: 'spiffe://example.org/psat', parentId: parent, selectors: ['k8s_psat:cluster:prod', 'k8s_psat:agent_node_uid:1234'] },
      { name: 'unix', spiffeId: 'spiffe://example.org/unix', parentId: parent, selectors: ['k8s:ns:shop', 'unix:uid:0'] },
      { name: 'psat-ns', spiffeId: 'spiffe://example.org/psat-ns', parentId: parent, selectors: ['k8s_psat:agent_ns:spire'] },
      { name: 'no-ns', spiffeId: 'spiffe://example.org/no-ns', parentId: parent, selectors: ['k8s:sa:web'] },
    ] });
    const out = render(reg, 'k8s-registrar-crd', { namespace: 'spire-system' });
    const docs = Object.fromEntries(out.files.map((f) => [f.fileName, parseYaml(f.content) as { metadata: { namespace: string }; spec: { selector: Record<string, unknown> } }]));
    expect(Object.keys(docs)).toEqual(['img.yaml', 'psat.yaml']);
    expect(docs['img.yaml']?.metadata.namespace).toBe('shop');
    expect(docs['img.yaml']?.spec.selector).toEqual({ namespace: 'shop', podLabel: { app: 'api' }, arbitrary: ['ns:zone', 'pod-image:reg/web:1', 'pod-label:app:web'] });
    expect(docs['psat.yaml']?.metadata.namespace).toBe('spire-system');
    expect(docs['psat.yaml']?.spec.selector).toEqual({ agent_node_uid: '1234', cluster: 'prod' });
    expect(out.skipped.map((s) => [s.name, s.reason.split(':')[0]])).toEqual([['unix', 'the selectors unix'], ['psat-ns', 'the selectors k8s_psat'], ['no-ns', 'no k8s']]);
    expect(out.dropped.map((d) => [d.name, d.field])).toEqual([['img', 'x509SvidTtl'], ['img', 'hint'], ['img', 'admin']]);
  });

  it('pod_label / pod_annotation / service-account: every field the registrar does not carry is reported, kube-system entries are skipped', () => {
    const reg = defineEntries({ trustDomain: 'example.org', entries: [
      { name: 'web', spiffeId: 'spiffe://example.org/ns/shop/sa/web', parentId: parent, selectors: ['k8s:ns:shop', 'k8s:sa:web', 'k8s:container-name:app'], dnsNames: ['web.shop.svc'], x509SvidTtl: 600, federatesWith: ['partner.example'] },
      { name: 'dns', spiffeId: 'spiffe://example.org/ns/kube-system/sa/coredns', parentId: parent, selectors: ['k8s:ns:kube-system', 'k8s:sa:coredns'] },
    ] });
    const single = defineEntries({ trustDomain: 'example.org', entries: [
      { name: 'web', spiffeId: 'spiffe://example.org/web', parentId: parent, selectors: ['k8s:ns:shop', 'k8s:sa:web', 'k8s:container-name:app'], dnsNames: ['web.shop.svc'], x509SvidTtl: 600, federatesWith: ['partner.example'] },
      { name: 'dns', spiffeId: 'spiffe://example.org/coredns', parentId: parent, selectors: ['k8s:ns:kube-system', 'k8s:sa:coredns'] },
    ] });
    for (const format of ['k8s-registrar-label', 'k8s-registrar-annotation', 'k8s-registrar-sa'] as const) {
      const out = render(format === 'k8s-registrar-sa' ? reg : single, format);
      expect(out.skipped.map((s) => s.name), format).toContain('dns');
      expect(out.skipped.find((s) => s.name === 'dns')?.reason, format).toContain('ignores pods in kube-system');
      const fields = out.dropped.filter((d) => d.name === 'web').map((d) => d.field);
      expect(fields, format).toEqual(expect.arrayContaining(['dnsNames', 'x509SvidTtl', 'federatesWith', 'parentId', 'selectors: k8s:container-name:app']));
      expect(fields.includes('selectors: k8s:sa:web'), format).toBe(format !== 'k8s-registrar-sa');
      expect(out.files.map((f) => f.content).join(''), format).not.toContain('coredns');
    }
    // The federation annotation goes into the patch.
    expect(render(reg, 'k8s-registrar-annotation').files[0]?.content).toContain('spiffe.io/federatesWith: partner.example');
  });
});

describe('cluster-federated-trust-domain', () => {
  it('renders declared relationships, and names the trust domains SPIRE still needs a bundle for', () => {
    const out = render(registration, 'cluster-federated-trust-domain');
    expect(out.files.map((f) => f.fileName)).toEqual(['partner.example.yaml', 'web-pki.example.yaml']);
    expect(parseYaml(out.files[0]!.content)).toEqual({
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterFederatedTrustDomain',
      metadata: { name: 'partner.example' },
      spec: { trustDomain: 'partner.example', bundleEndpointURL: 'https://spire.partner.example:8443', bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.example/spire/server' } },
    });
    expect(out.files[0]!.content).toContain('SPIRE refuses entries that federate with partner.example until it holds its bundle');
    expect(out.files[0]!.content).toContain('(needed by web)');
    // web also federates with other.example, which has no declared bundle endpoint.
    expect(out.skipped).toEqual([{ name: 'other.example', reason: expect.stringContaining('SPIRE needs its bundle before web can be created') as unknown }]);
    // And the entry itself says so.
    expect(render(registration, 'cluster-static-entry').files.find((f) => f.fileName === 'web.yaml')?.content).toContain('SPIRE creates this entry only once it holds the bundle of other.example, partner.example');
  });
});
