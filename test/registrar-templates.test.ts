/**
 * ClusterSPIFFEID templates and label selectors against the code spire-controller-manager runs:
 * the Go oracle (test/registrar-oracle) parses each template with Go's text/template exactly as
 * the controller's webhook does, executes it over the controller's templateData shape (real
 * k8s.io/api Pod and Node types, sample values), and checks the rendered value as the controller
 * does (spiffeid.FromString + trust domain; selector type:value); SPIRE's own checks on the
 * rendered value (path not empty nor under /spire; x509util.ValidateLabel for DNS names) come on
 * top. Label selectors go through metav1.LabelSelectorAsSelector. Both directions: what the
 * controller renders is accepted, what it refuses or fails to render is refused.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsNameProblem } from '../src/registrar/dns-name.js';
import { parseGoTemplate } from '../src/registrar/go-template.js';
import { labelSelectorProblems } from '../src/registrar/label-selector.js';
import { templateProblem, type TemplateKind } from '../src/registrar/template.js';
import { SpiffeId } from '../src/spiffeid/spiffe-id.js';
import { buildOracle, oracle } from './helpers/registrar-oracle.js';

const TD = 'example.org';
beforeAll(async () => {
  await buildOracle();
}, 600_000);

const SPIFFE_ID_TEMPLATES = [
  'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  'spiffe://{{.TrustDomain}}/{{.ClusterName}}/{{.PodMeta.Name}}',
  'spiffe://{{ .TrustDomain }}/node/{{ .NodeMeta.Name }}/{{ .NodeMeta.UID }}',
  'spiffe://{{ .TrustDomain }}/uid/{{ .PodMeta.UID }}',
  'spiffe://{{ .TrustDomain }}/app/{{ .PodMeta.Labels.app }}',
  'spiffe://{{ .TrustDomain }}/app/{{ index .PodMeta.Labels "app.kubernetes.io/name" }}',
  'spiffe://{{ .TrustDomain }}/team/{{ .PodMeta.Annotations.team }}',
  'spiffe://{{ .TrustDomain }}/n/{{ .PodMeta.GetName }}',
  'spiffe://{{ .TrustDomain }}/{{ printf "%s-%s" .PodMeta.Namespace .PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}/{{- " x" -}}/y',
  'spiffe://{{ .TrustDomain }}/{{/* a comment */}}x',
  'spiffe://{{ .TrustDomain }}/{{- /* trimmed */ -}}x',
  'spiffe://{{ .TrustDomain }}/{{ $ns := .PodMeta.Namespace }}{{ $ns }}',
  'spiffe://{{ .TrustDomain }}/{{ if eq .PodMeta.Namespace "shop" }}shop{{ else }}other{{ end }}',
  'spiffe://{{ .TrustDomain }}/{{ range .PodSpec.Containers }}{{ .Name }}{{ end }}',
  'spiffe://{{ .TrustDomain }}/{{ with .PodSpec }}{{ .NodeName }}{{ end }}',
  'spiffe://{{ .TrustDomain }}/{{ len .PodSpec.Containers }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Namespace | printf "%s" }}',
  'spiffe://{{ .TrustDomain }}/{{ (.PodMeta).Name }}',
  'spiffe://example.org/fixed',
  'spiffe://example.org/{{ .PodMeta.Name }}',
  // Refused or not rendered by the controller (or SPIRE):
  'spiffe://other.org/{{ .PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}',
  'spiffe://{{ .TrustDomain }}/',
  'spiffe://{{ .TrustDomain }}/spire/{{ .PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}/spire',
  'https://{{ .TrustDomain }}/x',
  '{{ .TrustDomain }}/x',
  'spiffe://{{ .TrustDomain }}/{{ .Pod.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Nmae }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodSpec.ServiceAccount }}',
  'spiffe://{{ .TrustDomain }}/{{ .NodeSpec.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name.First }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodSpec.Containers.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ .Namespace }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name | lower }}',
  'spiffe://{{ .TrustDomain }}/{{ toLower .PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name }',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name }}}}',
  'spiffe://{{ .TrustDomain }}/{{ }}',
  'spiffe://{{ .TrustDomain }}/{{ if .PodMeta.Name }}x',
  'spiffe://{{ .TrustDomain }}/{{ end }}',
  'spiffe://{{ .TrustDomain }}/{{ else }}',
  'spiffe://{{ .TrustDomain }}/{{ $x }}',
  'spiffe://{{ .TrustDomain }}/{{ "unterminated }}',
  'spiffe://{{ .TrustDomain }}/{{/* unclosed comment }}',
  'spiffe://{{ .TrustDomain }}/{{/* c */ .PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name ) }}',
  'spiffe://{{ .TrustDomain }}/{{ (.PodMeta.Name }}',
  'spiffe://{{ .TrustDomain }}/{{ break }}',
  'spiffe://{{ .TrustDomain }}/{{ 3 4 }}',
  'spiffe://{{ .TrustDomain }}/a b',
  'spiffe://{{ .TrustDomain }}/a/../b',
  'spiffe://{{ .TrustDomain }}/A%20',
  'spiffe://{{ .TrustDomain }}{{ .PodMeta.Name }}',
  'spiffe://{{ .ClusterName }}/x',
];

const SELECTOR_TEMPLATES = [
  'k8s:pod-uid:{{ .PodMeta.UID }}',
  'k8s:ns:{{ .PodMeta.Namespace }}',
  'k8s:sa:{{ .PodSpec.ServiceAccountName }}',
  'k8s:pod-label:app:{{ .PodMeta.Labels.app }}',
  'k8s:node-name:{{ .PodSpec.NodeName }}',
  '{{ "k8s" }}:ns:{{ .PodMeta.Namespace }}',
  'k8s:{{ .PodMeta.Name }}',
  'k8s:{{ .PodSpec.ServiceAccount }}',
  'k8s:ns:{{ .PodMeta.Namespace | upper }}',
  'k8s:ns:{{ .PodMeta.Namespace',
  '{{ .PodMeta.Name }}',
  ':{{ .PodMeta.Name }}',
  'k8s:{{ "" }}',
];

const DNS_TEMPLATES = [
  '{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc',
  '{{ .PodMeta.Name }}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}',
  '{{ .PodSpec.Hostname }}.{{ .PodSpec.Subdomain }}.{{ .PodMeta.Namespace }}.svc',
  '{{ .PodMeta.Name }}-.example',
  '{{ .PodMeta.Name }}..example',
  '{{ .PodMeta.Name }}.example.',
  'ab--{{ .PodMeta.Name }}.example',
  '{{ .PodMeta.Nam }}.example',
  '{{ .PodMeta.Name | title }}.example',
  '*.{{ .PodMeta.Namespace }}.svc',
];

interface GoTemplateResult {
  readonly parsed: boolean;
  readonly output: string;
  readonly error?: string;
  readonly rendered: boolean;
}

/** Upstream's verdict: the controller renders it, and SPIRE accepts the rendered value. */
function upstreamAccepts(kind: TemplateKind, r: GoTemplateResult): boolean {
  if (!r.rendered) return false;
  if (kind === 'spiffeId') {
    const id = SpiffeId.parse(r.output);
    return id.path !== '' && id.path !== '/spire' && !id.path.startsWith('/spire/');
  }
  if (kind === 'dnsName') return dnsNameProblem(r.output) === undefined;
  return true;
}

describe('templates: templateProblem agrees with spire-controller-manager (Go text/template, its data, its checks)', () => {
  for (const [kind, goKind, list] of [['spiffeId', 'spiffeID', SPIFFE_ID_TEMPLATES], ['selector', 'selector', SELECTOR_TEMPLATES], ['dnsName', 'dnsName', DNS_TEMPLATES]] as const) {
    it(`${kind} templates, both ways`, async () => {
      const go = await oracle<GoTemplateResult[]>('template', [], { trustDomain: TD, clusterName: 'prod', clusterDomain: 'cluster.local', cases: list.map((text) => ({ kind: goKind, text })) });
      const rows = list.map((text, i) => ({ text, upstream: upstreamAccepts(kind, go[i]!) ? 'renders' : `refused: ${go[i]!.error ?? go[i]!.output}`, ours: templateProblem(kind, text, TD) ?? 'renders' }));
      const disagree = rows.filter((r) => (r.upstream === 'renders') !== (r.ours === 'renders'));
      expect(disagree).toEqual([]);
      expect(rows.some((r) => r.ours === 'renders')).toBe(true);
      expect(rows.some((r) => r.ours !== 'renders')).toBe(true);
    });
  }
});

describe('Go template syntax: parseGoTemplate refuses exactly what text/template/parse refuses', () => {
  it('property: random actions built from the pieces of the grammar', async () => {
    const inner = fc.constantFrom(' ', '.', '.PodMeta', '.PodMeta.Name', '.Name', '$', '$x', ' $x := ', ' | ', '(', ')', '"s"', '`r`', 'if ', 'end', 'else', 'else if ', 'range ', 'with ', 'printf ', 'len ', 'index ', 'x', '/*', '*/', '1', '-1', '1.5e3', '0x1F', 'nil', 'true', 'lower', ',', ' = ', "'a'", 'break', 'continue', 'define "a"', 'template "a"', 'block "b" .', '-', '"a\\qb"', '.A.B', ').X', '$.TrustDomain');
    const action = fc.tuple(fc.constantFrom('{{', '{{- ', '{{-'), fc.array(inner, { minLength: 0, maxLength: 5 }), fc.constantFrom('}}', ' -}}', '-}}')).map(([a, b, c]) => a + b.join('') + c);
    const texts = fc.sample(fc.array(fc.oneof(action, action, fc.constantFrom('x', '/', ' ')), { minLength: 1, maxLength: 4 }).map((a) => a.join('')), { numRuns: 5000, seed: 13 });
    const go = await oracle<GoTemplateResult[]>('template', [], { trustDomain: TD, clusterName: 'prod', clusterDomain: 'cluster.local', cases: texts.map((text) => ({ kind: 'dnsName', text })) });
    const rows = texts.map((t, i) => {
      const r = parseGoTemplate(t);
      return { t, go: go[i]!.parsed ? 'ok' : go[i]!.error, ours: r.ok ? 'ok' : r.error };
    });
    expect(rows.filter((r) => (r.go === 'ok') !== (r.ours === 'ok'))).toEqual([]);
    expect(rows.filter((r) => r.go === 'ok').length).toBeGreaterThan(300);
    expect(rows.filter((r) => r.go !== 'ok').length).toBeGreaterThan(2000);
  });
});

const LABEL_SELECTORS: Record<string, unknown>[] = [
  { matchLabels: { app: 'web' } },
  { matchLabels: { 'app.kubernetes.io/name': 'web', tier: '' } },
  { matchLabels: { 'spiffe.io/spire-managed-identity': 'true' } },
  { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] },
  { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
  { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b-c', 'd.e_f'] }] },
  {},
  { matchLabels: { '-app': 'web' } },
  { matchLabels: { 'a/b/c': 'web' } },
  { matchLabels: { '/app': 'web' } },
  { matchLabels: { 'Example.com/app': 'web' } },
  { matchLabels: { [`${'a'.repeat(64)}`]: 'web' } },
  { matchLabels: { app: 'a/b' } },
  { matchLabels: { app: '-web' } },
  { matchLabels: { app: 'x'.repeat(64) } },
  { matchLabels: { app: 'web app' } },
  { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
  { matchExpressions: [{ key: 'app', operator: 'In' }] },
  { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] },
  { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] },
  { matchExpressions: [{ key: 'app', operator: 'DoesNotExist', values: ['x'] }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['ok', 'not ok'] }] },
  { matchExpressions: [{ key: 'bad key', operator: 'Exists' }] },
  { matchExpressions: [{ key: '', operator: 'Exists' }] },
];

describe('label selectors: labelSelectorProblems agrees with metav1.LabelSelectorAsSelector', () => {
  it('every case, both ways', async () => {
    const go = await oracle<{ ok: boolean; error?: string }[]>('labels', [], LABEL_SELECTORS);
    const rows = LABEL_SELECTORS.map((sel, i) => ({ sel, upstream: go[i]!.ok ? 'ok' : go[i]!.error, ours: labelSelectorProblems(sel, 'podSelector').map((p) => p.message).join('; ') || 'ok' }));
    expect(rows.filter((r) => (r.upstream === 'ok') !== (r.ours === 'ok'))).toEqual([]);
    expect(rows.filter((r) => r.ours === 'ok').length).toBeGreaterThan(5);
    expect(rows.filter((r) => r.ours !== 'ok').length).toBeGreaterThan(10);
  });
});
