/**
 * Golden and example manifests against the CRDs they are for: each rendered ClusterStaticEntry,
 * ClusterSPIFFEID and ClusterFederatedTrustDomain, read as Kubernetes reads it (YAML 1.1), must
 * validate against the openAPIV3Schema of spire-controller-manager's CRD
 * (test/fixtures/registrar/crds/, copied from github.com/spiffe/spire-controller-manager
 * config/crd/bases at 430567cc, July 2026), and each SpiffeID of the old registrar's crd mode
 * against its CRD (SPIRE v1.5.6 support/k8s/k8s-workload-registrar/mode-crd/config), as the API
 * server checks them on `kubectl apply`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/registrar/', import.meta.url));
const example = fileURLToPath(new URL('../examples/registrar/rendered/', import.meta.url));

interface Crd {
  spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  pattern?: string;
}

/**
 * The structural-schema rules the API server applies, for the keywords these CRDs use (type,
 * properties, required, items, additionalProperties, enum, pattern — unanchored, as Go's
 * regexp.MatchString); an unknown field is an error, as with kubectl's default strict field
 * validation.
 */
function validate(schema: Schema, v: unknown, path: string, errors: string[]): void {
  const t = schema.type;
  const isObj = typeof v === 'object' && v !== null && !Array.isArray(v);
  if (t === 'string' && typeof v !== 'string') errors.push(`${path}: must be a string, got ${JSON.stringify(v)}`);
  else if (t === 'integer' && !Number.isInteger(v)) errors.push(`${path}: must be an integer`);
  else if (t === 'boolean' && typeof v !== 'boolean') errors.push(`${path}: must be a boolean, got ${JSON.stringify(v)}`);
  else if (t === 'array' && !Array.isArray(v)) errors.push(`${path}: must be an array`);
  else if (t === 'object' && !isObj) errors.push(`${path}: must be an object`);
  if (schema.enum !== undefined && !schema.enum.includes(v)) errors.push(`${path}: must be one of ${JSON.stringify(schema.enum)}`);
  if (schema.pattern !== undefined && typeof v === 'string' && !new RegExp(schema.pattern, 'u').test(v)) errors.push(`${path}: must match ${schema.pattern}`);
  if (Array.isArray(v) && schema.items !== undefined) v.forEach((x, i) => validate(schema.items!, x, `${path}[${i}]`, errors));
  if (isObj) {
    const obj = v as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path}.${r}: required`);
    if (schema.properties !== undefined || schema.additionalProperties !== undefined) {
      for (const [k, x] of Object.entries(obj)) {
        const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (sub === undefined) errors.push(`${path}.${k}: unknown field`);
        else validate(sub, x, `${path}.${k}`, errors);
      }
    }
  }
}

const validators = new Map<string, (v: unknown) => string[]>();
for (const f of readdirSync(join(fixtures, 'crds'))) {
  const crd = parse(readFileSync(join(fixtures, 'crds', f), 'utf8')) as Crd;
  const v = crd.spec.versions.find((x) => x.name === 'v1alpha1' || x.name === 'v1beta1');
  if (v !== undefined) {
    const schema = v.schema.openAPIV3Schema as Schema;
    validators.set(crd.spec.names.kind, (obj) => {
      const errors: string[] = [];
      validate(schema, obj, '$', errors);
      return errors;
    });
  }
}

function manifests(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory() || !/^(cluster-|k8s-registrar-crd$)/.test(sub.name)) continue;
    for (const f of readdirSync(join(dir, sub.name))) if (f.endsWith('.yaml')) out.push({ file: join(sub.name, f), text: readFileSync(join(dir, sub.name, f), 'utf8') });
  }
  return out;
}

function checkAgainstCrds(text: string, where: string): number {
  let n = 0;
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
    if (obj === null) continue;
    expect(obj.apiVersion, where).toBe(obj.kind === 'SpiffeID' ? 'spiffeid.spiffe.io/v1beta1' : 'spire.spiffe.io/v1alpha1');
    const check = validators.get(obj.kind ?? '');
    expect(check, `${where}: no CRD for kind ${String(obj.kind)}`).toBeDefined();
    expect(check!(obj), `${where}\n${text}`).toEqual([]);
    n++;
  }
  return n;
}

describe('rendered objects validate against the CRD schemas', () => {
  it('has the four CRDs', () => {
    expect([...validators.keys()].sort()).toEqual(['ClusterFederatedTrustDomain', 'ClusterSPIFFEID', 'ClusterStaticEntry', 'SpiffeID']);
  });

  it('the golden files and the example rendered files', () => {
    let n = 0;
    for (const dir of [join(fixtures, 'golden'), example]) for (const m of manifests(dir)) n += checkAgainstCrds(m.text, m.file);
    expect(n).toBeGreaterThan(8);
  });

  it('the schema catches what matters (a misspelled or mistyped field)', () => {
    const bad = 'apiVersion: spire.spiffe.io/v1alpha1\nkind: ClusterStaticEntry\nmetadata:\n  name: x\nspec:\n  spiffeID: spiffe://example.org/x\n  parentID: spiffe://example.org/a\n  selectors: [unix:uid:1]\n  hint: yes\n';
    const obj = parseAllDocuments(bad, { version: '1.1' })[0]!.toJS() as unknown;
    expect(validators.get('ClusterStaticEntry')!(obj)).toEqual(['$.spec.hint: must be a string, got true']);
    const typo = parseAllDocuments(bad.replace('hint: yes', 'hnit: x'), { version: '1.1' })[0]!.toJS() as unknown;
    expect(validators.get('ClusterStaticEntry')!(typo)).toEqual(['$.spec.hnit: unknown field']);
  });
});
