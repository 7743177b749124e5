/**
 * Every string scalar of every rendered Kubernetes manifest stays a string for Kubernetes: each
 * file is read by the oracle (test/registrar-oracle: sigs.k8s.io/yaml's go-yaml v2, the YAML 1.1
 * resolver Kubernetes uses) and by the `yaml` package under YAML 1.2 and 1.1, and every scalar the
 * renderer wrote as a string must come back a string, with the same text, from all three.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEntries, loadManifest, type Registration, render, RENDER_FORMATS, type RenderFormat } from '../src/registrar/index.js';
import { isSafePlainString, toK8sYaml } from '../src/registrar/yaml-out.js';
import { buildOracle, oracle, type OracleYamlFile } from './helpers/registrar-oracle.js';

const YAML_FORMATS = RENDER_FORMATS.filter((f): f is RenderFormat => f !== 'cmd' && f !== 'json');
// Plain scalars that YAML 1.1 (go-yaml v2) or 1.2 resolve to something other than a string.
const HOSTILE = ['yes', 'no', 'on', 'off', 'Off', 'ON', 'y', 'Y', 'n', 'N', 'true', 'False', 'null', 'Null', '~', '1_000', '0o17', '0x1F', '0b101', '012', '1:20', '.5', '1e3', '+1', '-0', '.inf', '-.Inf', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '', ' lead', 'trail ', '#x', 'a #b', 'a: b', '- x', '[a]', '{a}', '*a', '&a', '!a', '%a', '@a', '`a', '"q"', "'q'", '|', '>', '?', 'é', 'a\\b', 'tab\there'];

const tmp = mkdtempSync(join(tmpdir(), 'registrar-yaml-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await buildOracle();
}, 600_000);

interface Scalar {
  readonly path: string;
  readonly role: 'key' | 'value';
  readonly kind: string;
  readonly value: string;
}

/** The scalars of a parsed JS value, in the oracle's path notation. */
function scalars(v: unknown, path: string, out: Scalar[]): void {
  if (Array.isArray(v)) v.forEach((x, i) => scalars(x, `${path}[${i}]`, out));
  else if (v instanceof Map) {
    for (const [k, x] of v) {
      out.push({ path: `${path}.${String(k)}`, role: 'key', kind: kindOf(k), value: String(k) });
      scalars(x, `${path}.${String(k)}`, out);
    }
  } else if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    for (const [k, x] of Object.entries(v)) {
      out.push({ path: `${path}.${k}`, role: 'key', kind: 'string', value: k });
      scalars(x, `${path}.${k}`, out);
    }
  } else out.push({ path, role: 'value', kind: kindOf(v), value: v instanceof Date ? v.toISOString() : String(v) });
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof Date) return 'timestamp';
  return typeof v;
}

const byPath = (list: readonly Scalar[]): Map<string, Scalar> => new Map(list.map((s) => [`${s.role} ${s.path}`, s]));

/** Renders, writes the YAML files, reads them with the oracle and both JS versions; asserts agreement. */
async function checkAll(registration: Registration, options: Parameters<typeof render>[2] = {}): Promise<number> {
  const files: { path: string; content: string }[] = [];
  for (const format of YAML_FORMATS) {
    for (const f of render(registration, format, options).files) {
      const path = join(tmp, `${format}--${f.fileName}`);
      writeFileSync(path, f.content);
      files.push({ path, content: f.content });
    }
  }
  const go = await oracle<OracleYamlFile[]>('yaml', files.map((f) => f.path));
  let strings = 0;
  files.forEach((f, i) => {
    const g = go[i]!;
    expect(g.error, `${f.path}: go-yaml v2 refused it:\n${f.content}`).toBeUndefined();
    // What the renderer meant: the 1.2 core reading of a document whose strings are all strings.
    const intended = parseAllDocuments(f.content, { version: '1.2' }).map((d) => d.toJS({ mapAsMap: false }) as unknown).filter((d) => d !== null);
    const v11 = parseAllDocuments(f.content, { version: '1.1' }).map((d) => d.toJS({ mapAsMap: true }) as unknown).filter((d) => d !== null);
    expect(g.docs.length, f.path).toBe(intended.length);
    intended.forEach((doc, d) => {
      const want: Scalar[] = [];
      scalars(doc, '$', want);
      const got11: Scalar[] = [];
      scalars(v11[d], '$', got11);
      const goMap = byPath(g.docs[d]!);
      const js11 = byPath(got11);
      for (const s of want) {
        const where = `${f.path} doc ${d} ${s.role} ${s.path} = ${JSON.stringify(s.value)}`;
        if (s.kind === 'string') strings++;
        expect(goMap.get(`${s.role} ${s.path}`), `${where}: go-yaml v2\n${f.content}`).toMatchObject({ kind: s.kind === 'float' ? 'float' : s.kind, value: s.value });
        expect(js11.get(`${s.role} ${s.path}`), `${where}: yaml 1.1\n${f.content}`).toMatchObject({ kind: s.kind, value: s.value });
      }
      expect(g.docs[d]!.length, `${f.path} doc ${d}: scalar count`).toBe(want.length);
    });
  });
  return strings;
}

describe('rendered manifests read the same under YAML 1.1 (Kubernetes, go-yaml v2) and 1.2', () => {
  it('the golden fixture manifest, every Kubernetes format', async () => {
    const registration = await loadManifest(fileURLToPath(new URL('./fixtures/registrar/manifest.yaml', import.meta.url)));
    expect(await checkAll(registration)).toBeGreaterThan(50);
  });

  it('hostile strings in hints, names, selector values, label keys and values, DNS names, trust domains and options', async () => {
    const parent = 'spiffe://example.org/spire/agent/k8s_psat/prod/node-1';
    const names = ['yes', 'no', 'on', 'off', 'y', 'n', 'null', 'true', '123', '0x1f', '1e3', '2001-12-14', '012', '1.5', '0b1'];
    const entries = HOSTILE.filter((h) => !h.includes('\t')).map((h, i) => ({
      name: names[i] ?? `e-${i}`,
      spiffeId: `spiffe://example.org/${names[i] ?? `p${i}`}`,
      parentId: parent,
      selectors: [`k8s:ns:${h === '' ? 'x' : h}`, `k8s:sa:${h === '' ? 'x' : h}`, `k8s:pod-label:${h === '' ? 'k' : h}:${h}`, `k8s:container-name:${h === '' ? 'c' : h}`, `unix:user:${h === '' ? 'u' : h}`],
      ...(h === '' || /[\t]/.test(h) ? {} : { hint: h }),
      ...(/^[a-z0-9]+$/.test(h) ? { dnsNames: [h], federatesWith: [`${h}`] } : {}),
    }));
    const templates = ['yes', 'on', '1_000', 'Off', '2001-12-14', '0x1F', '012', 'N'].map((h, i) => ({
      name: `t-${i}`,
      spiffeIdTemplate: `spiffe://{{ .TrustDomain }}/t${i}/{{ .PodMeta.Name }}`,
      podSelector: { matchLabels: { [h]: h }, matchExpressions: [{ key: h, operator: 'In', values: [h, 'no'] }] },
      namespaceSelector: { matchLabels: { on: 'off' } },
      hint: h,
    }));
    const registration = defineEntries({ trustDomain: 'example.org', entries: [...entries, ...templates] });
    expect(await checkAll(registration, { className: 'yes', namespace: 'on', label: 'no', annotation: 'off' })).toBeGreaterThan(500);
  });

  it('property: any string as a value or a key comes back the same string from go-yaml v2 and both YAML versions', async () => {
    const piece = fc.constantFrom(...HOSTILE, 'a', 'Z', '0', '9', '_', '-', '.', ':', '/', ' ', '#', "'", '"', '\n', '\u0085', '\u2028', '\ufeff', 'ÿ', '😀', '\u0000', '\u001b', '\u0080', '\u009f', '\u00a0', '\ufffe', '\t', '\r');
    const str = fc.array(piece, { minLength: 0, maxLength: 4 }).map((a) => a.join(''));
    const samples = fc.sample(fc.tuple(str, str), { numRuns: 300, seed: 13 });
    const files = samples.map(([k, v], i) => {
      const path = join(tmp, `prop-${i}.yaml`);
      writeFileSync(path, toK8sYaml({ metadata: { labels: { [k]: v } }, list: [v] }));
      return path;
    });
    const go = await oracle<OracleYamlFile[]>('yaml', files);
    samples.forEach(([k, v], i) => {
      const g = go[i]!;
      const what = `${JSON.stringify([k, v])} as\n${toK8sYaml({ metadata: { labels: { [k]: v } }, list: [v] })}`;
      expect(g.error, what).toBeUndefined();
      expect(g.docs[0]!.find((s) => s.path === '$.list[0]'), what).toMatchObject({ kind: 'string', value: v });
      expect(g.docs[0]!.find((s) => s.role === 'key' && s.path === `$.metadata.labels.${k}`), what).toMatchObject({ kind: 'string' });
      for (const version of ['1.1', '1.2'] as const) {
        const js = parseAllDocuments(toK8sYaml({ metadata: { labels: { [k]: v } }, list: [v] }), { version })[0]!.toJS({ mapAsMap: true }) as Map<string, unknown>;
        const labels = (js.get('metadata') as Map<unknown, unknown>).get('labels') as Map<unknown, unknown>;
        expect([...labels.entries()], `${version}: ${what}`).toEqual([[k, v]]);
        expect(js.get('list'), `${version}: ${what}`).toEqual([v]);
      }
    });
  });

  it('isSafePlainString: plain only for what is a string in both versions', () => {
    for (const h of HOSTILE) expect(isSafePlainString(h), h).toBe(false);
    for (const ok of ['web', 'k8s:ns:shop', 'spiffe://example.org/ns/shop', '/usr/bin/x', 'a.b-c_d', 'yesno', 'Off2']) expect(isSafePlainString(ok), ok).toBe(true);
  });
});
