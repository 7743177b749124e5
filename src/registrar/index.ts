/**
 * `spiffe-kit/registrar`: an application declares the SPIRE registration entries it needs, next
 * to its code, and the registrar validates them with SPIRE's rules, renders them for every tool
 * an operator uses (`spire-server entry create` commands and `-data` JSON, spire-controller-manager
 * ClusterStaticEntry / ClusterSPIFFEID, the older k8s-workload-registrar), plans and applies them
 * through the SPIRE Server Entry API, and checks at startup that the Workload API serves them.
 *
 * @example
 * ```ts
 * import { defineEntries, k8s, render } from 'spiffe-kit/registrar';
 * const registration = defineEntries({
 *   trustDomain: 'example.org',
 *   defaults: { parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod' },
 *   entries: [{ name: 'web', spiffeId: 'spiffe://example.org/ns/shop/sa/web', selectors: [k8s.ns('shop'), k8s.sa('web')] }],
 * });
 * console.log(render(registration, 'cmd').files[0]?.content);
 * ```
 *
 * @categoryDescription Registrar
 * Declaring, validating, rendering, planning and applying registration entries.
 * @categoryDescription Errors
 * Manifest and validation errors, with stable codes and the path of every problem.
 * @module spiffe-kit/registrar
 */
// The public surface of `spiffe-kit/registrar`, name by name: what an application or a tool calls to
// declare, validate, render, plan/apply and self-check entries. The helpers these use (shell quoting,
// TTL grammar, entry keys and diffs, per-rule checks) are internal: import them from their module.
export type { EntryDeclaration, EntryDefaults, FederatedTrustDomain, FederationDeclaration, LabelSelector, Registration, RegistrarManifest, RegistrationEntry, Selector } from './types.js';
export { ManifestError, type ManifestErrorCode, RegistrarValidationError, type ValidationIssue, type ValidationIssueCode } from './errors.js';
export { docker, k8s, selector, selectorString, systemd, unix } from './selectors.js';
export { MAX_TTL_SECONDS } from './duration.js';
export { assertValidManifest, MAX_HINT_LENGTH, validateManifest, type ValidationResult } from './validate.js';
export { defineEntries } from './define.js';
export { DEFAULT_MANIFEST_NAMES, findManifest, loadManifest, parseManifestText, readManifest } from './manifest.js';
export { DEFAULT_OWNER_PREFIX, isOwnedEntryId, ownedEntryId } from './owner.js';
export { entryCreateArgs, renderEntryCreateCommands, renderEntryCreateData, type SpireCliInput, type SpireCliRenderOptions } from './render-spire-cli.js';
export { clusterFederatedTrustDomain, clusterSpiffeId, clusterStaticEntry, type K8sRenderOptions, type RenderedFile, renderClusterFederatedTrustDomains, renderClusterSpiffeIds, renderClusterStaticEntries } from './render-k8s.js';
export {
  type DroppedField,
  type LegacyRender,
  type LegacyRenderOptions,
  renderK8sRegistrarAnnotation,
  renderK8sRegistrarCrd,
  renderK8sRegistrarLabel,
  renderK8sRegistrarServiceAccount,
  type SkippedEntry,
} from './render-legacy.js';
export { render, RENDER_FORMATS, type RenderFormat, type RenderOptions, type RenderOutput } from './render.js';
export { EntryApiClient, type EntryApiClientOptions, EntryApiError, type EntryApiErrorCode, type DeleteResults, type EntryResults } from './entry-api.js';
export { emptyEntryMask, emptyServerEntry, type EntryMask, type EntryMaskField, type EntryStatus, type ServerEntry, spiffeIdMessage, spiffeIdString } from './server-entry.js';
export {
  type EntryLister,
  type FieldChange,
  formatPlan,
  type Plan,
  plan,
  type PlanField,
  type PlannedConflict,
  type PlannedCreate,
  type PlannedDelete,
  type PlannedUnchanged,
  type PlannedUpdate,
  type PlanOptions,
  planToJson,
} from './plan.js';
export { apply, type ApplyOptions, type ApplyResult, type EntryWriter, formatApplyResult, type ItemOutcome, type ItemOutcomeKind, ItemStatus } from './apply.js';
export { checkDeclaredIdentities, type IdentityCheck, type SelfCheckReport, type SvidLister } from './self-check.js';
