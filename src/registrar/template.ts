/**
 * ClusterSPIFFEID templates checked the way spire-controller-manager treats them: parsed by Go's
 * text/template with no functions but the builtins (api/v1alpha1/clusterspiffeid_webhook.go),
 * executed over its `templateData` (pkg/spireentry/entries.go: `.TrustDomain`, `.ClusterName`,
 * `.ClusterDomain`, `.PodMeta` and `.NodeMeta` (`metav1.ObjectMeta`), `.PodSpec`
 * (`corev1.PodSpec`), `.NodeSpec` (`corev1.NodeSpec`)), and the rendered value checked: a SPIFFE
 * ID in the controller's trust domain (`renderSPIFFEID`) with a path SPIRE accepts (not empty, not
 * under `/spire`), a selector `type:value` with both parts non-empty (`parseSelector`), a DNS name
 * SPIRE accepts. A field the data does not have fails at execution in Go; it is refused here.
 *
 * Values read from the pod are not known in advance: the rendered value is checked with each
 * field replaced by a sample (`.TrustDomain` by the trust domain, a string constant by its value,
 * any other action by `x`), and only for templates without control structures (`if`, `range`,
 * `with`, …). So a value that only some pods' data makes invalid (a label with `/`, the output of
 * `urlquery`) is not caught here; the controller then fails to render that pod's entry.
 *
 * @module
 */
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { dnsNameProblem } from './dns-name.js';
import { type FieldUse, parseGoTemplate } from './go-template.js';

type Shape = 'string' | 'number' | 'bool' | 'map' | 'slice' | 'opaque' | { readonly [field: string]: Shape };

// k8s.io/apimachinery v0.36 pkg/apis/meta/v1/types.go ObjectMeta, and its Get* methods (meta.go).
const OBJECT_META: Shape = {
  Name: 'string', GenerateName: 'string', Namespace: 'string', SelfLink: 'string', UID: 'string', ResourceVersion: 'string', Generation: 'number',
  CreationTimestamp: 'opaque', DeletionTimestamp: 'opaque', DeletionGracePeriodSeconds: 'opaque', Labels: 'map', Annotations: 'map',
  OwnerReferences: 'slice', Finalizers: 'slice', ManagedFields: 'slice',
  GetNamespace: 'string', GetName: 'string', GetGenerateName: 'string', GetUID: 'string', GetResourceVersion: 'string', GetGeneration: 'number',
  GetSelfLink: 'string', GetCreationTimestamp: 'opaque', GetDeletionTimestamp: 'opaque', GetDeletionGracePeriodSeconds: 'opaque', GetLabels: 'map',
  GetAnnotations: 'map', GetFinalizers: 'slice', GetOwnerReferences: 'slice', GetManagedFields: 'slice', GetObjectMeta: 'opaque',
};
// k8s.io/api v0.36 core/v1/types.go PodSpec.
const POD_SPEC: Shape = {
  Volumes: 'slice', InitContainers: 'slice', Containers: 'slice', EphemeralContainers: 'slice', RestartPolicy: 'string', TerminationGracePeriodSeconds: 'opaque',
  ActiveDeadlineSeconds: 'opaque', DNSPolicy: 'string', NodeSelector: 'map', ServiceAccountName: 'string', DeprecatedServiceAccount: 'string',
  AutomountServiceAccountToken: 'opaque', NodeName: 'string', HostNetwork: 'bool', HostPID: 'bool', HostIPC: 'bool', ShareProcessNamespace: 'opaque',
  SecurityContext: 'opaque', ImagePullSecrets: 'slice', Hostname: 'string', Subdomain: 'string', Affinity: 'opaque', SchedulerName: 'string',
  Tolerations: 'slice', HostAliases: 'slice', PriorityClassName: 'string', Priority: 'opaque', DNSConfig: 'opaque', ReadinessGates: 'slice',
  RuntimeClassName: 'opaque', EnableServiceLinks: 'opaque', PreemptionPolicy: 'opaque', Overhead: 'map', TopologySpreadConstraints: 'slice',
  SetHostnameAsFQDN: 'opaque', OS: 'opaque', HostUsers: 'opaque', SchedulingGates: 'slice', ResourceClaims: 'slice', Resources: 'opaque',
  HostnameOverride: 'opaque', SchedulingGroup: 'opaque',
};
// k8s.io/api v0.36 core/v1/types.go NodeSpec.
const NODE_SPEC: Shape = { PodCIDR: 'string', PodCIDRs: 'slice', ProviderID: 'string', Unschedulable: 'bool', Taints: 'slice', ConfigSource: 'opaque', DoNotUseExternalID: 'string' };
const DATA: Shape = { TrustDomain: 'string', ClusterName: 'string', ClusterDomain: 'string', PodMeta: OBJECT_META, PodSpec: POD_SPEC, NodeMeta: OBJECT_META, NodeSpec: NODE_SPEC };

function fieldProblem(use: FieldUse): string | undefined {
  if (use.root !== 'data') return undefined;
  let shape: Shape = DATA;
  let where = '.';
  for (const name of use.chain) {
    if (shape === 'opaque') return undefined;
    if (shape === 'map') {
      shape = 'string';
      where = `${where === '.' ? '' : where}.${name}`;
      continue;
    }
    if (typeof shape === 'string') return `${where} is a ${shape === 'slice' ? 'list' : shape}: it has no field ${JSON.stringify(name)}`;
    const next: Shape | undefined = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (next === undefined) {
      const known = Object.keys(shape).filter((k) => !k.startsWith('Get'));
      return `${where === '.' ? 'the template data' : where} has no field ${JSON.stringify(name)} (spire-controller-manager provides ${known.map((k) => `${where === '.' ? '' : where}.${k}`).join(', ')})`;
    }
    shape = next;
    where = `${where === '.' ? '' : where}.${name}`;
  }
  return undefined;
}

/**
 * What a template renders to: a SPIFFE ID, a workload selector, or a DNS name.
 */
export type TemplateKind = 'spiffeId' | 'selector' | 'dnsName';

/**
 * Why spire-controller-manager (or SPIRE, for the rendered value) would refuse or fail to render
 * `text`, or `undefined` when it renders. `trustDomain` is the trust domain of the controller's
 * SPIRE server (unknown: any trust domain is taken).
 */
export function templateProblem(kind: TemplateKind, text: string, trustDomain: string | undefined): string | undefined {
  const info = parseGoTemplate(text);
  if (!info.ok) return `Go's text/template refuses it: ${info.error}`;
  const always = info.execErrors[0];
  if (always !== undefined) return `it always fails when executed: ${always}`;
  for (const use of info.fields) {
    const p = fieldProblem(use);
    if (p !== undefined) return p;
  }
  if (info.parts === undefined) return undefined;
  const td = trustDomain ?? 'example.org';
  const sample = info.parts.map((p) => (typeof p === 'string' ? p : p.literal ?? (p.field !== null && p.field.length === 1 && p.field[0] === 'TrustDomain' ? td : 'x'))).join('');
  const shown = JSON.stringify(sample);
  switch (kind) {
    case 'spiffeId': {
      let id: SpiffeId;
      try {
        id = SpiffeId.parse(sample);
      } catch (err) {
        return `it renders to ${shown} (fields as samples), which is not a SPIFFE ID: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (trustDomain !== undefined && id.trustDomain.name !== trustDomain) return `it renders to an ID in trust domain ${id.trustDomain.name}; the controller only renders IDs of its trust domain ${trustDomain} (use {{ .TrustDomain }})`;
      if (id.path === '') return `it renders to ${shown}, which has no path; SPIRE refuses an entry for the trust domain itself`;
      if (id.path === '/spire' || id.path.startsWith('/spire/')) return `it renders to ${shown}, under /spire/, which SPIRE reserves for its servers and agents`;
      return undefined;
    }
    case 'selector': {
      const colon = sample.indexOf(':');
      if (colon < 0) return `it renders to ${shown}, with no ":" between the selector type and value`;
      if (colon === 0) return `it renders to ${shown}: the selector type is empty`;
      if (colon === sample.length - 1) return `it renders to ${shown}: the selector value is empty`;
      return undefined;
    }
    case 'dnsName': {
      const p = dnsNameProblem(sample);
      return p === undefined ? undefined : `it renders to ${shown} (fields as samples), which SPIRE refuses as a DNS name: ${p}`;
    }
  }
}
