/**
 * Kubernetes label selectors (`podSelector`, `namespaceSelector` of a ClusterSPIFFEID), checked as
 * spire-controller-manager checks them: `metav1.LabelSelectorAsSelector`
 * (k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go) with `labels.NewRequirement`
 * (pkg/labels/selector.go): operators `In` / `NotIn` need at least one value, `Exists` /
 * `DoesNotExist` none; keys are qualified names (`validation.IsQualifiedName`: an optional DNS-1123
 * subdomain prefix of at most 253 characters and `/`, then a name of at most 63 characters of
 * `[A-Za-z0-9._-]` starting and ending with a letter or digit); values are label values
 * (`validation.IsValidLabelValue`: empty, or such a name).
 *
 * @module
 */

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `key` is not a Kubernetes label key, or `undefined`.
 */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  const why = (s: string): string => `label key ${JSON.stringify(key)}: ${s}`;
  if (parts.length > 2) return why('a qualified name has at most one "/"');
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return why('the prefix before "/" is empty');
    if (prefix.length > 253) return why('the prefix is over 253 characters');
    if (!SUBDOMAIN.test(prefix)) return why('the prefix must be a DNS subdomain (lowercase letters, digits, "-" and ".")');
  }
  if (name === '') return why('the name is empty');
  if (name.length > 63) return why('the name is over 63 characters');
  if (!NAME.test(name)) return why('the name must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
  return undefined;
}

/**
 * Why `value` is not a Kubernetes label value, or `undefined`.
 */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `label value ${JSON.stringify(value)}: over 63 characters`;
  if (!NAME.test(value)) return `label value ${JSON.stringify(value)}: must be empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}

/**
 * Every problem of a label selector (as a plain object from a manifest), each with the path of the
 * field below `path`.
 */
export function labelSelectorProblems(sel: { readonly matchLabels?: unknown; readonly matchExpressions?: unknown }, path: string): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const labels = sel.matchLabels;
  if (typeof labels === 'object' && labels !== null && !Array.isArray(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      const kp = labelKeyProblem(k);
      if (kp !== undefined) out.push({ path: `${path}.matchLabels`, message: kp });
      if (typeof v === 'string') {
        const vp = labelValueProblem(v);
        if (vp !== undefined) out.push({ path: `${path}.matchLabels.${k}`, message: vp });
      }
    }
  }
  const exprs = sel.matchExpressions;
  if (Array.isArray(exprs)) {
    exprs.forEach((e: unknown, i) => {
      if (typeof e !== 'object' || e === null) return;
      const { key, operator, values } = e as { key?: unknown; operator?: unknown; values?: unknown };
      const p = `${path}.matchExpressions[${i}]`;
      if (typeof key === 'string') {
        const kp = labelKeyProblem(key);
        if (kp !== undefined) out.push({ path: `${p}.key`, message: kp });
      }
      const list = Array.isArray(values) ? values.filter((x): x is string => typeof x === 'string') : [];
      if (operator === 'In' || operator === 'NotIn') {
        if (list.length === 0) out.push({ path: `${p}.values`, message: `${operator} needs at least one value` });
      } else if (operator === 'Exists' || operator === 'DoesNotExist') {
        if (list.length > 0) out.push({ path: `${p}.values`, message: `${operator} takes no values` });
      }
      list.forEach((v, j) => {
        const vp = labelValueProblem(v);
        if (vp !== undefined) out.push({ path: `${p}.values[${j}]`, message: vp });
      });
    });
  }
  return out;
}
