/**
 * Validation of declared entries with the rules the SPIRE server applies when it creates an
 * entry (SPIRE v1.15.3 pkg/server/api/entry.go `ProtoToRegistrationEntryWithMask`: SPIFFE ID in
 * the server's trust domain with a non-empty path, nothing under `/spire/` (idutil.IsReservedPath),
 * selectors `type:value` with a non-empty type without `:` and a non-empty value
 * (api/selector.go), int32 TTLs, DNS names as x509util.ValidateLabel checks them (./dns-name.ts),
 * hints of at most 1024 bytes of UTF-8), plus the registrar's own (selector keys and value shapes of
 * the attestors SPIRE ships, no control characters, unique names and entries).
 * Every problem is reported at once, each with the path of the bad field.
 *
 * Input is `unknown`: a manifest read from a file is checked field by field, so hostile input
 * (wrong types, unknown keys, control characters) is reported, never trusted.
 *
 * @module
 */
import { SpiffeIdError } from '../spiffeid/errors.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { parseTtl } from './duration.js';
import { RegistrarValidationError, type ValidationIssue, type ValidationIssueCode } from './errors.js';
import { dnsNameProblem } from './dns-name.js';
import { labelSelectorProblems } from './label-selector.js';
import { templateProblem } from './template.js';
import { DEFAULT_OWNER_PREFIX, entryKey, OWNER_PREFIX_PATTERN } from './owner.js';
import { selector as parseSelector, selectorProblem } from './selectors.js';
import type { FederatedTrustDomain, LabelSelector, Registration, RegistrationEntry, Selector } from './types.js';

export { dnsNameProblem } from './dns-name.js';

/**
 * The longest hint SPIRE accepts, in bytes of UTF-8: pkg/server/api/entry.go refuses
 * `len(e.Hint) > hintMaximumLength` (1024), and Go's `len` of a string counts bytes.
 *
 * @example
 * ```ts
 * if (Buffer.byteLength(hint, 'utf8') > MAX_HINT_LENGTH) throw new Error('hint too long');
 * ```
 */
export const MAX_HINT_LENGTH = 1024;

/**
 * The outcome of {@link validateManifest}: the registration when there are no issues.
 *
 * @example
 * ```ts
 * const r = validateManifest(JSON.parse(text));
 * if (!r.ok) console.error(r.issues);
 * ```
 */
export type ValidationResult = { readonly ok: true; readonly registration: Registration; readonly issues: readonly [] } | { readonly ok: false; readonly registration: undefined; readonly issues: readonly ValidationIssue[] };

const MANIFEST_KEYS = new Set(['$schema', 'trustDomain', 'ownerPrefix', 'defaults', 'federation', 'entries']);
const DEFAULT_KEYS = new Set(['parentId', 'x509SvidTtl', 'jwtSvidTtl']);
const ENTRY_KEYS = new Set([
  'name', 'spiffeId', 'spiffeIdTemplate', 'parentId', 'selectors', 'x509SvidTtl', 'jwtSvidTtl', 'dnsNames',
  'federatesWith', 'hint', 'admin', 'downstream', 'podSelector', 'namespaceSelector',
]);
const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

class Collector {
  readonly issues: ValidationIssue[] = [];
  readonly #seen = new Set<string>();
  /** Records an issue once (a bad default is reported once, not once per entry using it). */
  add(path: string, code: ValidationIssueCode, message: string): void {
    const key = `${path}\n${code}\n${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.issues.push({ path, code, message });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

function unknownKeys(c: Collector, path: string, obj: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) c.add(`${path}.${key}`, 'ERR_REGISTRAR_UNKNOWN_FIELD', `unknown field ${show(key)} (allowed: ${[...allowed].filter((k) => k !== '$schema').join(', ')})`);
  }
}

function optString(c: Collector, path: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    c.add(path, 'ERR_REGISTRAR_TYPE', `must be a string, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function optBool(c: Collector, path: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') {
    c.add(path, 'ERR_REGISTRAR_TYPE', `must be true or false, got ${describe(v)}`);
    return false;
  }
  return v;
}

function optArray(c: Collector, path: string, v: unknown): readonly unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    c.add(path, 'ERR_REGISTRAR_TYPE', `must be an array, got ${describe(v)}`);
    return [];
  }
  return v;
}

/** Parses a SPIFFE ID and applies SPIRE's entry rules; returns the canonical form or undefined. */
function checkId(c: Collector, path: string, text: string, role: 'spiffeId' | 'parentId'): SpiffeId | undefined {
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(text);
  } catch (err) {
    const why = err instanceof SpiffeIdError ? `${err.message} (${err.code})` : String(err);
    c.add(path, 'ERR_REGISTRAR_SPIFFE_ID', `${show(text)} is not a SPIFFE ID: ${why}`);
    return undefined;
  }
  if (id.path === '') {
    c.add(path, 'ERR_REGISTRAR_EMPTY_PATH', `${show(text)} has no path; SPIRE refuses ${role === 'spiffeId' ? 'an entry for' : 'a parent that is'} the trust domain itself`);
    return undefined;
  }
  if (role === 'spiffeId' && (id.path === '/spire' || id.path.startsWith('/spire/'))) {
    c.add(path, 'ERR_REGISTRAR_RESERVED_PATH', `${show(text)} is under /spire/, which SPIRE reserves for its servers and agents`);
    return undefined;
  }
  return id;
}

function checkTemplate(c: Collector, path: string, text: string, trustDomain: string | undefined): void {
  if (CONTROL.test(text)) return c.add(path, 'ERR_REGISTRAR_TEMPLATE', 'the template contains a control character');
  const problem = templateProblem('spiffeId', text, trustDomain);
  if (problem !== undefined) c.add(path, 'ERR_REGISTRAR_TEMPLATE', `${show(text)}: ${problem}`);
}

function checkTtl(c: Collector, path: string, v: unknown): number {
  if (v === undefined) return 0;
  const r = parseTtl(v);
  if ('error' in r) {
    c.add(path, 'ERR_REGISTRAR_TTL', r.error);
    return 0;
  }
  return r.seconds;
}

function checkSelectors(c: Collector, path: string, v: unknown, template: boolean): Selector[] {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) {
    if (!template) c.add(path, 'ERR_REGISTRAR_NO_SELECTORS', 'at least one selector is required');
    return [];
  }
  const out: Selector[] = [];
  optArray(c, path, v).forEach((item, i) => {
    const p = `${path}[${i}]`;
    let s: Selector | undefined;
    if (typeof item === 'string') {
      s = parseSelector(item);
      if (s === undefined) {
        c.add(p, 'ERR_REGISTRAR_SELECTOR', `${show(item)} is not type:value`);
        return;
      }
    } else if (isRecord(item) && typeof item['type'] === 'string' && typeof item['value'] === 'string' && Object.keys(item).every((k) => k === 'type' || k === 'value')) {
      s = { type: item['type'], value: item['value'] };
    } else {
      c.add(p, 'ERR_REGISTRAR_SELECTOR', `must be "type:value" or { type, value }, got ${describe(item)}`);
      return;
    }
    // Template entries (ClusterSPIFFEID workloadSelectorTemplates) may hold {{ }} actions.
    const text = `${s.type}:${s.value}`;
    let problem = template && text.includes('{{') ? templateProblem('selector', text, undefined) : selectorProblem(s);
    // The registrar's typo check on a template's literal type and key (`k8s:namespace:{{ … }}`
    // renders, and matches nothing).
    if (problem === undefined && template && text.includes('{{') && !s.type.includes('{{')) {
      const colon = s.value.indexOf(':');
      const key = colon < 0 ? s.value : s.value.slice(0, colon);
      const keyProblem = colon < 0 || key.includes('{{') ? undefined : selectorProblem({ type: s.type, value: `${key}:x` });
      if (keyProblem?.includes(' is not a ') === true) problem = keyProblem;
    }
    if (problem !== undefined) c.add(p, 'ERR_REGISTRAR_SELECTOR', problem);
    else out.push({ type: s.type, value: s.value });
  });
  const unique = new Map(out.map((s) => [`${s.type}:${s.value}`, s]));
  return [...unique.values()].sort((a, b) => (a.type === b.type ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.type < b.type ? -1 : 1));
}

function checkLabelSelector(c: Collector, path: string, v: unknown): LabelSelector | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    c.add(path, 'ERR_REGISTRAR_LABEL_SELECTOR', `must be a Kubernetes label selector object, got ${describe(v)}`);
    return undefined;
  }
  unknownKeys(c, path, v, new Set(['matchLabels', 'matchExpressions']));
  const labels = v['matchLabels'];
  if (labels !== undefined && (!isRecord(labels) || !Object.values(labels).every((x) => typeof x === 'string'))) {
    c.add(`${path}.matchLabels`, 'ERR_REGISTRAR_LABEL_SELECTOR', 'must map label keys to string values');
  }
  const exprs = v['matchExpressions'];
  optArray(c, `${path}.matchExpressions`, exprs).forEach((e, i) => {
    const ok = isRecord(e) && typeof e['key'] === 'string' && ['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e['operator'] as string) && (e['values'] === undefined || (Array.isArray(e['values']) && e['values'].every((x) => typeof x === 'string')));
    if (!ok) c.add(`${path}.matchExpressions[${i}]`, 'ERR_REGISTRAR_LABEL_SELECTOR', 'must be { key, operator: In | NotIn | Exists | DoesNotExist, values? }');
    else unknownKeys(c, `${path}.matchExpressions[${i}]`, e, new Set(['key', 'operator', 'values']));
  });
  for (const p of labelSelectorProblems(v, path)) c.add(p.path, 'ERR_REGISTRAR_LABEL_SELECTOR', p.message);
  return v as LabelSelector;
}

function derivedName(spiffeId: string | undefined, template: string | undefined, index: number): string {
  const source = spiffeId !== undefined ? SpiffeId.parse(spiffeId).path : (template ?? '').replace(/\{\{[^}]*\}\}/g, 'x').replace(/^spiffe:\/\/[^/]*/, '');
  const name = source.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name === '' ? `entry-${index}` : name;
}

interface Defaults {
  parentId: unknown;
  x509SvidTtl: unknown;
  jwtSvidTtl: unknown;
}

function checkEntry(c: Collector, path: string, raw: unknown, index: number, defaults: Defaults, trustDomain: { name: string | undefined; from: string }): RegistrationEntry | undefined {
  if (!isRecord(raw)) {
    c.add(path, 'ERR_REGISTRAR_TYPE', `each entry must be an object, got ${describe(raw)}`);
    return undefined;
  }
  const before = c.issues.length;
  unknownKeys(c, path, raw, ENTRY_KEYS);
  const idText = optString(c, `${path}.spiffeId`, raw['spiffeId']);
  const template = optString(c, `${path}.spiffeIdTemplate`, raw['spiffeIdTemplate']);
  const isTemplate = template !== undefined && idText === undefined;
  if (idText !== undefined && template !== undefined) c.add(path, 'ERR_REGISTRAR_ID_AND_TEMPLATE', 'give either spiffeId or spiffeIdTemplate, not both');
  if (idText === undefined && template === undefined && raw['spiffeId'] === undefined && raw['spiffeIdTemplate'] === undefined) c.add(`${path}.spiffeId`, 'ERR_REGISTRAR_REQUIRED', 'spiffeId (or spiffeIdTemplate) is required');

  const checkTd = (p: string, id: SpiffeId): void => {
    if (trustDomain.name === undefined) {
      trustDomain.name = id.trustDomain.name;
      trustDomain.from = p;
    } else if (id.trustDomain.name !== trustDomain.name) {
      c.add(p, 'ERR_REGISTRAR_TRUST_DOMAIN', `${show(id.toString())} is not in trust domain ${trustDomain.name} (${trustDomain.from}); a SPIRE server issues IDs of its own trust domain only`);
    }
  };

  let spiffeId: string | undefined;
  if (idText !== undefined) {
    const id = checkId(c, `${path}.spiffeId`, idText, 'spiffeId');
    if (id !== undefined) {
      checkTd(`${path}.spiffeId`, id);
      spiffeId = id.toString();
    }
  }
  if (isTemplate) checkTemplate(c, `${path}.spiffeIdTemplate`, template, trustDomain.name);

  // spire-controller-manager sets the parent of a ClusterSPIFFEID's entries itself (the agent of
  // the pod's node, pkg/spireentry/entries.go renderPodEntry); a parentId there would be ignored.
  if (isTemplate && raw['parentId'] !== undefined) {
    c.add(`${path}.parentId`, 'ERR_REGISTRAR_TEMPLATE_PARENT', 'a template entry has no parentId: spire-controller-manager gives each rendered entry the agent of the pod\'s node as parent (spiffe://<td>/spire/agent/k8s_psat/<cluster>/<node UID>) and would ignore it; remove it');
  }
  const parentPath = raw['parentId'] === undefined && defaults.parentId !== undefined ? 'defaults.parentId' : `${path}.parentId`;
  const parentText = isTemplate ? undefined : optString(c, parentPath, raw['parentId'] === undefined ? defaults.parentId : raw['parentId']);
  let parentId: string | undefined;
  if (parentText !== undefined) {
    const id = checkId(c, parentPath, parentText, 'parentId');
    if (id !== undefined) {
      checkTd(parentPath, id);
      parentId = id.toString();
    }
  } else if (!isTemplate && raw['parentId'] === undefined) {
    c.add(`${path}.parentId`, 'ERR_REGISTRAR_REQUIRED', 'parentId is required (the agent or node alias allowed to obtain this identity), here or in defaults');
  }

  const selectors = checkSelectors(c, `${path}.selectors`, raw['selectors'], isTemplate);
  const x509SvidTtl = checkTtl(c, raw['x509SvidTtl'] === undefined && defaults.x509SvidTtl !== undefined ? 'defaults.x509SvidTtl' : `${path}.x509SvidTtl`, raw['x509SvidTtl'] === undefined ? defaults.x509SvidTtl : raw['x509SvidTtl']);
  const jwtSvidTtl = checkTtl(c, raw['jwtSvidTtl'] === undefined && defaults.jwtSvidTtl !== undefined ? 'defaults.jwtSvidTtl' : `${path}.jwtSvidTtl`, raw['jwtSvidTtl'] === undefined ? defaults.jwtSvidTtl : raw['jwtSvidTtl']);

  const dnsNames = new Set<string>();
  optArray(c, `${path}.dnsNames`, raw['dnsNames']).forEach((d, i) => {
    const p = `${path}.dnsNames[${i}]`;
    if (typeof d !== 'string') return c.add(p, 'ERR_REGISTRAR_TYPE', `must be a string, got ${describe(d)}`);
    const problem = isTemplate && d.includes('{{') ? templateProblem('dnsName', d, trustDomain.name) : dnsNameProblem(d);
    if (problem !== undefined) c.add(p, 'ERR_REGISTRAR_DNS_NAME', problem);
    else dnsNames.add(isTemplate ? d : d.toLowerCase());
  });

  const federatesWith = new Set<string>();
  optArray(c, `${path}.federatesWith`, raw['federatesWith']).forEach((f, i) => {
    const p = `${path}.federatesWith[${i}]`;
    if (typeof f !== 'string') return c.add(p, 'ERR_REGISTRAR_TYPE', `must be a trust domain name, got ${describe(f)}`);
    try {
      const td = TrustDomain.parse(f);
      if (f.startsWith('spiffe://') && f.replace(/\/+$/, '') !== td.idString()) throw new Error('a trust domain, not a SPIFFE ID with a path');
      if (td.name === trustDomain.name) {
        c.add(p, 'ERR_REGISTRAR_FEDERATES_WITH', `${show(f)} is the entry's own trust domain; federatesWith names other trust domains`);
        return;
      }
      federatesWith.add(td.name);
    } catch (err) {
      c.add(p, 'ERR_REGISTRAR_FEDERATES_WITH', `${show(f)} is not a trust domain: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  const hint = optString(c, `${path}.hint`, raw['hint']) ?? '';
  const hintBytes = Buffer.byteLength(hint, 'utf8');
  if (hintBytes > MAX_HINT_LENGTH) c.add(`${path}.hint`, 'ERR_REGISTRAR_HINT', `the hint is ${hintBytes} bytes long in UTF-8; SPIRE allows at most ${MAX_HINT_LENGTH} bytes`);
  // The registrar's own rule (SPIRE accepts them): a hint is shown to people and rendered into
  // shell commands and YAML.
  else if (CONTROL.test(hint)) c.add(`${path}.hint`, 'ERR_REGISTRAR_HINT', 'the hint contains a control character');

  const admin = optBool(c, `${path}.admin`, raw['admin']);
  const downstream = optBool(c, `${path}.downstream`, raw['downstream']);
  const podSelector = checkLabelSelector(c, `${path}.podSelector`, raw['podSelector']);
  const namespaceSelector = checkLabelSelector(c, `${path}.namespaceSelector`, raw['namespaceSelector']);
  if (!isTemplate && (podSelector !== undefined || namespaceSelector !== undefined)) {
    c.add(path, 'ERR_REGISTRAR_LABEL_SELECTOR', 'podSelector and namespaceSelector belong to template entries (ClusterSPIFFEID); use k8s selectors for a fixed ID');
  }

  const declaredName = optString(c, `${path}.name`, raw['name']);
  if (declaredName !== undefined && !NAME.test(declaredName)) {
    c.add(`${path}.name`, 'ERR_REGISTRAR_NAME', `${show(declaredName)} must be a Kubernetes object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`);
  }
  if (c.issues.length > before) return undefined;
  return Object.freeze({
    name: declaredName ?? derivedName(spiffeId, template, index),
    spiffeId,
    spiffeIdTemplate: isTemplate ? template : undefined,
    parentId,
    selectors: Object.freeze(selectors),
    x509SvidTtl,
    jwtSvidTtl,
    dnsNames: Object.freeze([...dnsNames].sort()),
    federatesWith: Object.freeze([...federatesWith].sort()),
    hint,
    admin,
    downstream,
    podSelector,
    namespaceSelector,
  });
}

/**
 * The `federation` map, checked as spire-controller-manager's ClusterFederatedTrustDomain webhook
 * does (api/v1alpha1/clusterfederatedtrustdomain_webhook.go, pkg/spireapi/types.go
 * ValidateBundleEndpointURL): a trust domain name, an https URL with a host and no user info,
 * `https_spiffe` with a SPIFFE ID or `https_web` without one.
 */
function checkFederation(c: Collector, v: unknown, own: string | undefined): readonly FederatedTrustDomain[] | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    c.add('federation', 'ERR_REGISTRAR_TYPE', `must map trust domain names to bundle endpoints, got ${describe(v)}`);
    return undefined;
  }
  const out: FederatedTrustDomain[] = [];
  for (const [name, decl] of Object.entries(v)) {
    const path = `federation.${name}`;
    let tdName: string | undefined;
    try {
      tdName = TrustDomain.parse(name).name;
      if (name.startsWith('spiffe://')) throw new Error('use the trust domain name as the key, without spiffe://');
      if (tdName === own) throw new Error("it is the entries' own trust domain");
    } catch (err) {
      c.add(path, 'ERR_REGISTRAR_FEDERATION', `${show(name)} is not a trust domain to federate with: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (!isRecord(decl)) {
      c.add(path, 'ERR_REGISTRAR_TYPE', `must be { bundleEndpointURL, bundleEndpointProfile }, got ${describe(decl)}`);
      continue;
    }
    unknownKeys(c, path, decl, new Set(['bundleEndpointURL', 'bundleEndpointProfile', 'trustDomainBundle']));
    const url = optString(c, `${path}.bundleEndpointURL`, decl['bundleEndpointURL']);
    if (url === undefined) c.add(`${path}.bundleEndpointURL`, 'ERR_REGISTRAR_REQUIRED', 'bundleEndpointURL is required');
    else {
      let u: URL | undefined;
      try {
        u = new URL(url);
      } catch {
        u = undefined;
      }
      if (u === undefined) c.add(`${path}.bundleEndpointURL`, 'ERR_REGISTRAR_FEDERATION', `${show(url)} is not a URL`);
      else if (u.protocol !== 'https:') c.add(`${path}.bundleEndpointURL`, 'ERR_REGISTRAR_FEDERATION', `${show(url)}: the scheme must be https`);
      else if (u.hostname === '') c.add(`${path}.bundleEndpointURL`, 'ERR_REGISTRAR_FEDERATION', `${show(url)}: a host is required`);
      else if (u.username !== '' || u.password !== '' || /^https:\/\/[^/]*@/.test(url)) c.add(`${path}.bundleEndpointURL`, 'ERR_REGISTRAR_FEDERATION', `${show(url)} must not contain user info`);
    }
    const profile = decl['bundleEndpointProfile'];
    let type: 'https_spiffe' | 'https_web' | undefined;
    let endpointId: string | undefined;
    if (!isRecord(profile)) c.add(`${path}.bundleEndpointProfile`, 'ERR_REGISTRAR_REQUIRED', 'bundleEndpointProfile { type: https_spiffe | https_web, endpointSPIFFEID? } is required');
    else {
      unknownKeys(c, `${path}.bundleEndpointProfile`, profile, new Set(['type', 'endpointSPIFFEID']));
      const t = profile['type'];
      const id = optString(c, `${path}.bundleEndpointProfile.endpointSPIFFEID`, profile['endpointSPIFFEID']);
      if (t === 'https_web') {
        type = t;
        if (id !== undefined && id !== '') c.add(`${path}.bundleEndpointProfile.endpointSPIFFEID`, 'ERR_REGISTRAR_FEDERATION', 'not applicable to the https_web profile');
      } else if (t === 'https_spiffe') {
        type = t;
        try {
          endpointId = SpiffeId.parse(id ?? '').toString();
        } catch (err) {
          c.add(`${path}.bundleEndpointProfile.endpointSPIFFEID`, 'ERR_REGISTRAR_FEDERATION', `the https_spiffe profile needs the bundle endpoint's SPIFFE ID: ${err instanceof Error ? err.message : String(err)}`);
        }
      } else c.add(`${path}.bundleEndpointProfile.type`, 'ERR_REGISTRAR_FEDERATION', `must be https_spiffe or https_web, got ${typeof t === 'string' ? show(t) : describe(t)}`);
    }
    const bundle = optString(c, `${path}.trustDomainBundle`, decl['trustDomainBundle']);
    if (bundle !== undefined) {
      try {
        JSON.parse(bundle);
      } catch {
        c.add(`${path}.trustDomainBundle`, 'ERR_REGISTRAR_FEDERATION', 'must be a SPIFFE bundle (JSON)');
      }
    }
    if (tdName !== undefined && url !== undefined && type !== undefined) {
      out.push(Object.freeze({ trustDomain: tdName, bundleEndpointURL: url, bundleEndpointProfile: Object.freeze(type === 'https_spiffe' ? { type, endpointSPIFFEID: endpointId } : { type }), ...(bundle === undefined ? {} : { trustDomainBundle: bundle }) }));
    }
  }
  return Object.freeze(out.sort((a, b) => (a.trustDomain < b.trustDomain ? -1 : 1)));
}

/**
 * Validates a manifest (from {@link defineEntries}'s argument, or parsed from a file) and
 * returns every problem at once.
 *
 * @param input - a parsed manifest (any JSON value).
 * @example
 * ```ts
 * const r = validateManifest(YAML.parse(text));
 * if (!r.ok) for (const i of r.issues) console.error(`${i.path}: ${i.message}`);
 * else console.log(`${r.registration.entries.length} entries`);
 * ```
 */
export function validateManifest(input: unknown): ValidationResult {
  const c = new Collector();
  if (!isRecord(input)) {
    c.add('$', 'ERR_REGISTRAR_TYPE', `the manifest must be an object with "entries", got ${describe(input)}`);
    return { ok: false, registration: undefined, issues: c.issues };
  }
  unknownKeys(c, '$', input, MANIFEST_KEYS);
  const td = { name: undefined as string | undefined, from: 'trustDomain' };
  const tdText = optString(c, 'trustDomain', input['trustDomain']);
  if (tdText !== undefined) {
    try {
      td.name = TrustDomain.parse(tdText).name;
    } catch (err) {
      c.add('trustDomain', 'ERR_REGISTRAR_TRUST_DOMAIN', `${show(tdText)} is not a trust domain: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const ownerPrefix = optString(c, 'ownerPrefix', input['ownerPrefix']) ?? DEFAULT_OWNER_PREFIX;
  if (!OWNER_PREFIX_PATTERN.test(ownerPrefix)) c.add('ownerPrefix', 'ERR_REGISTRAR_OWNER_PREFIX', `${show(ownerPrefix)} must be 1-200 characters of [A-Za-z0-9._-] (SPIRE's rule for entry IDs)`);

  const defaults: Defaults = { parentId: undefined, x509SvidTtl: undefined, jwtSvidTtl: undefined };
  const rawDefaults = input['defaults'];
  if (rawDefaults !== undefined) {
    if (!isRecord(rawDefaults)) c.add('defaults', 'ERR_REGISTRAR_TYPE', `must be an object, got ${describe(rawDefaults)}`);
    else {
      unknownKeys(c, 'defaults', rawDefaults, DEFAULT_KEYS);
      defaults.parentId = rawDefaults['parentId'];
      defaults.x509SvidTtl = rawDefaults['x509SvidTtl'];
      defaults.jwtSvidTtl = rawDefaults['jwtSvidTtl'];
    }
  }

  if (input['entries'] === undefined) c.add('entries', 'ERR_REGISTRAR_REQUIRED', 'entries is required (an array of entries)');
  const entries: RegistrationEntry[] = [];
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  optArray(c, 'entries', input['entries']).forEach((raw, i) => {
    const path = `entries[${i}]`;
    const e = checkEntry(c, path, raw, i, defaults, td);
    if (e === undefined) return;
    const sameName = names.get(e.name);
    if (sameName !== undefined) c.add(`${path}.name`, 'ERR_REGISTRAR_DUPLICATE', `the name ${show(e.name)} is also used by ${sameName}; names must be unique (they name files and Kubernetes objects)`);
    names.set(e.name, path);
    if (e.spiffeId !== undefined) {
      const key = entryKey(e);
      const same = keys.get(key);
      if (same !== undefined) c.add(path, 'ERR_REGISTRAR_DUPLICATE', `the same SPIFFE ID, parent ID and selectors as ${same}; SPIRE keeps only one such entry`);
      keys.set(key, path);
    }
    entries.push(e);
  });
  const federation = checkFederation(c, input['federation'], td.name);
  if (c.issues.length > 0) return { ok: false, registration: undefined, issues: c.issues };
  return { ok: true, registration: Object.freeze({ trustDomain: td.name, ownerPrefix, entries: Object.freeze(entries), ...(federation === undefined ? {} : { federation }) }), issues: [] };
}

/**
 * Validates a manifest and returns the registration, or throws every problem at once.
 *
 * @throws {@link RegistrarValidationError} listing each problem with the path of its field.
 * @example
 * ```ts
 * const registration = assertValidManifest(JSON.parse(text), 'spiffe-entries.json');
 * ```
 */
export function assertValidManifest(input: unknown, source?: string): Registration {
  const r = validateManifest(input);
  if (!r.ok) throw new RegistrarValidationError(r.issues, source);
  return r.registration;
}
