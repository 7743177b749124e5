/**
 * Typed builders of SPIRE selectors (`k8s.ns('shop')` is `k8s:ns:shop`) and the syntax checks the
 * registrar applies to selectors however they were written.
 *
 * @module
 */
import type { Selector } from './types.js';

const sel = (type: string, value: string): Selector => Object.freeze({ type, value });

/**
 * Selectors of SPIRE's Kubernetes workload attestor (`k8s:…`).
 *
 * @example
 * ```ts
 * const selectors = [k8s.ns('shop'), k8s.sa('web'), k8s.podLabel('app', 'web')];
 * ```
 */
export const k8s = Object.freeze({
  /** `k8s:ns:<namespace>` */
  ns: (namespace: string) => sel('k8s', `ns:${namespace}`),
  /** `k8s:sa:<service account>` */
  sa: (serviceAccount: string) => sel('k8s', `sa:${serviceAccount}`),
  /** `k8s:pod-label:<key>:<value>` */
  podLabel: (key: string, value: string) => sel('k8s', `pod-label:${key}:${value}`),
  /** `k8s:ns-label:<key>:<value>` */
  nsLabel: (key: string, value: string) => sel('k8s', `ns-label:${key}:${value}`),
  /** `k8s:container-name:<name>` */
  containerName: (name: string) => sel('k8s', `container-name:${name}`),
  /** `k8s:container-image:<image>` */
  containerImage: (image: string) => sel('k8s', `container-image:${image}`),
  /** `k8s:pod-name:<name>` */
  podName: (name: string) => sel('k8s', `pod-name:${name}`),
  /** `k8s:pod-uid:<uid>` */
  podUid: (uid: string) => sel('k8s', `pod-uid:${uid}`),
  /** `k8s:node-name:<name>` */
  nodeName: (name: string) => sel('k8s', `node-name:${name}`),
  /** `k8s:pod-owner:<Kind>:<name>` */
  podOwner: (kind: string, name: string) => sel('k8s', `pod-owner:${kind}:${name}`),
  /** `k8s:pod-image:<image>` */
  podImage: (image: string) => sel('k8s', `pod-image:${image}`),
});

/**
 * Selectors of SPIRE's unix workload attestor (`unix:…`).
 *
 * @example
 * ```ts
 * const selectors = [unix.uid(1000), unix.path('/usr/local/bin/web')];
 * ```
 */
export const unix = Object.freeze({
  /** `unix:uid:<n>` */
  uid: (uid: number) => sel('unix', `uid:${uid}`),
  /** `unix:user:<name>` */
  user: (name: string) => sel('unix', `user:${name}`),
  /** `unix:gid:<n>` */
  gid: (gid: number) => sel('unix', `gid:${gid}`),
  /** `unix:group:<name>` */
  group: (name: string) => sel('unix', `group:${name}`),
  /** `unix:path:<absolute path of the binary>` */
  path: (path: string) => sel('unix', `path:${path}`),
  /** `unix:sha256:<hex digest of the binary>` */
  sha256: (hex: string) => sel('unix', `sha256:${hex}`),
});

/**
 * Selectors of SPIRE's docker workload attestor (`docker:…`).
 *
 * @example
 * ```ts
 * const s = docker.label('com.example.service', 'web');
 * ```
 */
export const docker = Object.freeze({
  /** `docker:label:<key>:<value>` */
  label: (key: string, value: string) => sel('docker', `label:${key}:${value}`),
  /** `docker:env:<VAR>=<value>` */
  env: (name: string, value: string) => sel('docker', `env:${name}=${value}`),
  /** `docker:image_id:<name:tag>` */
  imageId: (image: string) => sel('docker', `image_id:${image}`),
});

/**
 * Selectors of SPIRE's systemd workload attestor (`systemd:…`).
 *
 * @example
 * ```ts
 * const s = systemd.id('web.service');
 * ```
 */
export const systemd = Object.freeze({
  /** `systemd:id:<unit>` */
  id: (unit: string) => sel('systemd', `id:${unit}`),
  /** `systemd:fragment_path:<path>` */
  fragmentPath: (path: string) => sel('systemd', `fragment_path:${path}`),
});

/**
 * A selector from its `type:value` form, split at the first colon (`unix:uid:1000` → type
 * `unix`, value `uid:1000`), as `spire-server entry create -selector` does. Returns `undefined`
 * when there is no colon.
 *
 * @example
 * ```ts
 * selector('k8s:pod-label:app:web'); // { type: 'k8s', value: 'pod-label:app:web' }
 * ```
 */
export function selector(text: string): Selector | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return sel(text.slice(0, colon), text.slice(colon + 1));
}

/**
 * The `type:value` form of a selector.
 *
 * @example
 * ```ts
 * selectorString(k8s.ns('shop')); // 'k8s:ns:shop'
 * ```
 */
export function selectorString(s: Selector): string {
  return `${s.type}:${s.value}`;
}

/**
 * The selectors of an entry as sorted `type:value` strings, without duplicates: the selector set
 * SPIRE compares.
 */
export function selectorStrings(selectors: readonly Selector[]): string[] {
  return [...new Set(selectors.map(selectorString))].sort();
}

// What the value of a selector of a known type must look like (key → value rule).
type ValueRule = RegExp | undefined;
const ANY = /^.+$/s;
// The selectors the k8s and docker attestors add when sigstore verification is on (SPIRE v1.15.3
// pkg/agent/common/sigstore/sigstore.go: `image-signature:verified`, `image-attestations:verified`,
// and one `image-signature-<detail>:<value>` per detail of each signature).
const SIGSTORE: Readonly<Record<string, ValueRule>> = {
  'image-signature': /^verified$/,
  'image-attestations': /^verified$/,
  'image-signature-subject': ANY,
  'image-signature-issuer': ANY,
  'image-signature-value': ANY,
  'image-signature-log-id': ANY,
  'image-signature-log-index': ANY,
  'image-signature-integrated-time': ANY,
  'image-signature-signed-entry-timestamp': ANY,
};
const KNOWN: Readonly<Record<string, Readonly<Record<string, ValueRule>>>> = {
  unix: {
    uid: /^\d{1,10}$/,
    gid: /^\d{1,10}$/,
    user: ANY,
    group: ANY,
    supplementary_gid: /^\d{1,10}$/,
    supplementary_group: ANY,
    path: /^\/.*$/s,
    sha256: /^[0-9a-f]{64}$/,
  },
  k8s: {
    ns: ANY,
    sa: ANY,
    'node-name': ANY,
    'pod-uid': ANY,
    'pod-name': ANY,
    'pod-label': /^[^:]+:.*$/s,
    'pod-owner': /^[^:]+:.+$/s,
    'pod-owner-uid': /^[^:]+:.+$/s,
    'pod-image': ANY,
    'pod-image-count': /^\d+$/,
    'pod-init-image': ANY,
    'pod-init-image-count': /^\d+$/,
    'container-name': ANY,
    'container-image': ANY,
    'ns-label': /^[^:]+:.*$/s,
    ...SIGSTORE,
  },
  docker: {
    label: /^[^:]+:.*$/s,
    env: /^[^=]+=.*$/s,
    image_id: ANY,
    image_config_digest: /^sha256:[0-9a-f]{64}$/,
    ...SIGSTORE,
  },
  systemd: {
    id: ANY,
    fragment_path: /^\/.*$/s,
  },
};

const VALUE_HINT: Readonly<Record<string, string>> = {
  'unix:uid': 'a number', 'unix:gid': 'a number', 'unix:supplementary_gid': 'a number', 'unix:path': 'an absolute path',
  'unix:sha256': '64 lowercase hex digits', 'k8s:pod-label': '<key>:<value>', 'k8s:ns-label': '<key>:<value>',
  'k8s:pod-owner': '<Kind>:<name>', 'k8s:pod-owner-uid': '<Kind>:<uid>', 'k8s:pod-image-count': 'a number', 'k8s:pod-init-image-count': 'a number',
  'k8s:image-signature': '"verified"', 'k8s:image-attestations': '"verified"', 'docker:image-signature': '"verified"', 'docker:image-attestations': '"verified"',
  'docker:label': '<key>:<value>', 'docker:env': '<VAR>=<value>', 'docker:image_config_digest': 'sha256:<64 hex digits>', 'systemd:fragment_path': 'an absolute path',
};

// C0 controls, DEL and the Unicode line/paragraph separators never belong in a selector.
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * Why a selector is not one SPIRE (or the attestor it names) accepts, or `undefined` when it is
 * fine. SPIRE itself requires a non-empty type without `:` and a non-empty value (v1.15.3
 * pkg/server/api/selector.go SelectorsFromProto). The registrar's own rules go further, on
 * selectors SPIRE would store but no attestor it ships ever emits, so they would silently match
 * nothing: a type of letters, digits, `_` and `-` (the names of SPIRE's attestor plugins), no
 * control characters, a value of at most 1024 characters (SQLite takes any length, the MySQL
 * datastore 255), and for the `unix`, `k8s`, `docker` and `systemd` attestors the keys and value
 * shapes they emit (pkg/agent/plugin/workloadattestor/…, pkg/agent/common/sigstore), so typos
 * such as `k8s:namespace:shop` are caught.
 */
export function selectorProblem(s: Selector): string | undefined {
  if (s.type === '') return 'the selector type is empty';
  if (s.type.includes(':')) return `the selector type ${JSON.stringify(s.type)} contains ":"`;
  if (!/^[A-Za-z0-9_-]+$/.test(s.type)) return `the selector type ${JSON.stringify(s.type)} has characters other than letters, digits, "_" and "-"`;
  if (s.value === '') return `the selector ${s.type}: has an empty value`;
  if (CONTROL.test(s.value)) return `the selector value ${JSON.stringify(s.value)} contains a control character`;
  if (s.value.length > 1024) return `the selector value is ${s.value.length} characters long; at most 1024 are allowed`;
  const keys = KNOWN[s.type];
  if (keys === undefined) return undefined;
  const colon = s.value.indexOf(':');
  const key = colon < 0 ? s.value : s.value.slice(0, colon);
  if (!Object.hasOwn(keys, key)) return `${JSON.stringify(key)} is not a ${s.type} selector (known: ${Object.keys(keys).join(', ')})`;
  const rest = colon < 0 ? '' : s.value.slice(colon + 1);
  const rule = keys[key];
  if (colon < 0 || (rule !== undefined && !rule.test(rest))) {
    const want = VALUE_HINT[`${s.type}:${key}`] ?? 'a value';
    return `${s.type}:${key} needs ${want}, got ${JSON.stringify(rest)}`;
  }
  return undefined;
}
