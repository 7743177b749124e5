/**
 * The shapes shared by every part of the registrar: what an application declares, and the
 * normalized entry that validation produces and that renderers and the Entry API client consume.
 *
 * @packageDocumentation
 */

/**
 * A selector as SPIRE stores it: `type` and `value` (for `unix:uid:1000`, type `unix`, value
 * `uid:1000`).
 *
 * @example
 * ```ts
 * import { k8s, selector, selectorString } from 'spiffe-kit/registrar';
 * const ns = k8s.ns('payments'); // { type: 'k8s', value: 'ns:payments' }
 * const uid = selector('unix:uid:1000'); // { type: 'unix', value: 'uid:1000' }
 * console.log(selectorString(ns)); // k8s:ns:payments
 * ```
 */
export interface Selector {
  readonly type: string;
  readonly value: string;
}

/**
 * One registration entry as an application declares it (in code with `defineEntries`, or in a
 * manifest file). Durations are seconds (numbers) or strings such as `"1h"`, `"90s"`.
 *
 * Exactly one of `spiffeId` and `spiffeIdTemplate` is given: a template is for
 * spire-controller-manager's ClusterSPIFFEID (Go template over Kubernetes metadata, e.g.
 * `spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}`)
 * and renders only to that format.
 *
 * @example
 * ```ts
 * import { defineEntries, k8s } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   entries: [
 *     {
 *       spiffeId: 'spiffe://example.org/ns/shop/sa/web',
 *       parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod/node-1',
 *       selectors: [k8s.ns('shop'), k8s.sa('web')],
 *       x509SvidTtl: '1h',
 *       hint: 'internal',
 *     },
 *   ],
 * });
 * ```
 */
export interface EntryDeclaration {
  /** The SPIFFE ID to issue. */
  readonly spiffeId?: string | undefined;
  /** A ClusterSPIFFEID `spiffeIDTemplate` instead of a fixed ID. */
  readonly spiffeIdTemplate?: string | undefined;
  /** The agent (or node alias) allowed to obtain it; required for fixed IDs. */
  readonly parentId?: string | undefined;
  /**
   * Workload selectors, as helpers build them or as `type:value` strings. Required (non-empty)
   * for a fixed ID; for a template entry they become `workloadSelectorTemplates`.
   */
  readonly selectors?: readonly (Selector | string)[] | undefined;
  /** X.509-SVID TTL (seconds or a duration string); 0 / absent = server default. */
  readonly x509SvidTtl?: number | string | undefined;
  /** JWT-SVID TTL (seconds or a duration string); 0 / absent = server default. */
  readonly jwtSvidTtl?: number | string | undefined;
  /** DNS SANs added to the X.509-SVID. */
  readonly dnsNames?: readonly string[] | undefined;
  /** Trust domains whose bundles the workload receives (names or `spiffe://` IDs). */
  readonly federatesWith?: readonly string[] | undefined;
  /** The Workload API `hint` (at most 1024 bytes of UTF-8, as SPIRE counts). */
  readonly hint?: string | undefined;
  /** Grants access to the SPIRE Server APIs. */
  readonly admin?: boolean | undefined;
  /** Marks a downstream SPIRE server. */
  readonly downstream?: boolean | undefined;
  /** Kubernetes selection for ClusterSPIFFEID (label selectors). */
  readonly podSelector?: LabelSelector | undefined;
  /** Kubernetes selection for ClusterSPIFFEID (label selectors). */
  readonly namespaceSelector?: LabelSelector | undefined;
  /** A name for the entry, used in reports, file names and Kubernetes object names. */
  readonly name?: string | undefined;
}

/**
 * A Kubernetes label selector (`matchLabels` / `matchExpressions`).
 *
 * @example
 * ```ts
 * import { defineEntries, render } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   trustDomain: 'example.org',
 *   entries: [{ spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}', podSelector: { matchLabels: { app: 'web' } } }],
 * });
 * const out = render(registration, 'cluster-spiffeid');
 * ```
 */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[] | undefined;
}

/**
 * An entry after validation: IDs canonical, selectors split, TTLs in seconds, lists sorted and
 * de-duplicated, so two declarations of the same entry are equal field by field.
 *
 * @example
 * ```ts
 * const [entry] = validateEntries(declarations).entries;
 * console.log(entry.spiffeId, entry.selectors);
 * ```
 */
export interface RegistrationEntry {
  /** A name for reports and file names (declared, or derived from the SPIFFE ID path). */
  readonly name: string;
  /** Canonical SPIFFE ID, or undefined for a template entry. */
  readonly spiffeId: string | undefined;
  /** The ClusterSPIFFEID template, for a template entry. */
  readonly spiffeIdTemplate: string | undefined;
  /** Canonical parent ID (undefined only for template entries). */
  readonly parentId: string | undefined;
  /** Selectors sorted by type then value, without duplicates. */
  readonly selectors: readonly Selector[];
  /** Seconds; 0 = server default. */
  readonly x509SvidTtl: number;
  /** Seconds; 0 = server default. */
  readonly jwtSvidTtl: number;
  /** Sorted, de-duplicated, lower-case. */
  readonly dnsNames: readonly string[];
  /** Sorted, de-duplicated trust domain names (no `spiffe://`). */
  readonly federatesWith: readonly string[];
  /** The hint, or `''`. */
  readonly hint: string;
  readonly admin: boolean;
  readonly downstream: boolean;
  readonly podSelector: LabelSelector | undefined;
  readonly namespaceSelector: LabelSelector | undefined;
}

/**
 * Values applied to every entry that does not set them.
 *
 * @example
 * ```ts
 * import { defineEntries, k8s } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   defaults: { parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod', x509SvidTtl: '1h' },
 *   entries: [{ spiffeId: 'spiffe://example.org/ns/shop/sa/web', selectors: [k8s.ns('shop'), k8s.sa('web')] }],
 * });
 * ```
 */
export interface EntryDefaults {
  readonly parentId?: string | undefined;
  readonly x509SvidTtl?: number | string | undefined;
  readonly jwtSvidTtl?: number | string | undefined;
}

/**
 * What an application declares: its entries, the trust domain they live in, and the prefix of
 * the entry IDs this tool owns on the server. The same shape is read from a JSON or YAML
 * manifest file (schema: `spiffe-kit/schema/registrar-manifest.schema.json`).
 *
 * @example
 * ```ts
 * import { defineEntries, k8s } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   trustDomain: 'example.org',
 *   ownerPrefix: 'shop.',
 *   defaults: { parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod' },
 *   entries: [{ spiffeId: 'spiffe://example.org/ns/shop/sa/web', selectors: [k8s.ns('shop'), k8s.sa('web')] }],
 * });
 * ```
 */
export interface RegistrarManifest {
  /** The SPIRE server's trust domain; every ID must belong to it (default: that of the first entry). */
  readonly trustDomain?: string | undefined;
  /** Prefix of the entry IDs this tool creates and manages (default `spiffe-kit.`). */
  readonly ownerPrefix?: string | undefined;
  readonly defaults?: EntryDefaults | undefined;
  /** Bundle endpoints of the trust domains the entries federate with, by trust domain name. */
  readonly federation?: Readonly<Record<string, FederationDeclaration>> | undefined;
  readonly entries: readonly EntryDeclaration[];
}

/**
 * How to get the bundle of a trust domain the entries federate with: spire-controller-manager's
 * ClusterFederatedTrustDomain (`bundleEndpointURL`, `bundleEndpointProfile`). SPIRE refuses an
 * entry whose `federatesWith` names a trust domain it has no bundle for, so the bundle must be
 * there (this relationship, or `spire-server bundle set`) before such entries are created.
 *
 * @example
 * ```ts
 * import { defineEntries, k8s } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   trustDomain: 'example.org',
 *   federation: {
 *     'partner.example': {
 *       bundleEndpointURL: 'https://spire.partner.example:8443',
 *       bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.example/spire/server' },
 *     },
 *   },
 *   entries: [{ spiffeId: 'spiffe://example.org/web', parentId: 'spiffe://example.org/node', selectors: [k8s.ns('shop')], federatesWith: ['partner.example'] }],
 * });

 * ```
 */
export interface FederationDeclaration {
  /** An `https://` URL without user info (spireapi.ValidateBundleEndpointURL). */
  readonly bundleEndpointURL: string;
  /** `https_spiffe` (with the endpoint's SPIFFE ID) or `https_web` (Web PKI, no SPIFFE ID). */
  readonly bundleEndpointProfile: { readonly type: 'https_spiffe' | 'https_web'; readonly endpointSPIFFEID?: string | undefined };
  /** The trust domain's bundle (SPIFFE bundle JSON), to start from before the first fetch. */
  readonly trustDomainBundle?: string | undefined;
}

/**
 * A validated federation declaration, with its trust domain name.
 *
 * @example
 * ```ts
 * for (const f of registration.federation ?? []) console.log(f.trustDomain, f.bundleEndpointURL);
 * ```
 */
export interface FederatedTrustDomain extends FederationDeclaration {
  readonly trustDomain: string;
}

/**
 * A validated manifest: what renderers, plan/apply and the self-check take.
 *
 * @example
 * ```ts
 * const reg: Registration = defineEntries({ entries: [...] });
 * console.log(reg.trustDomain, reg.entries.length);
 * ```
 */
export interface Registration {
  /** The trust domain of the entries (undefined only when there are no fixed IDs). */
  readonly trustDomain: string | undefined;
  readonly ownerPrefix: string;
  readonly entries: readonly RegistrationEntry[];
  /** The declared federation relationships, sorted by trust domain (absent: none). */
  readonly federation?: readonly FederatedTrustDomain[] | undefined;
}
