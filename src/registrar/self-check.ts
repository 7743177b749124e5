/**
 * Self-check: does the Workload API give this process the identities it declared? Compares the
 * declared entries (SPIFFE ID, and hint when one is declared) with the X509-SVIDs of a source.
 *
 * @module
 */
import type { RegistrationEntry } from './types.js';

/**
 * What {@link checkDeclaredIdentities} needs of a source: its current X509-SVIDs (an
 * `X509Source` has it).
 *
 * @example
 * ```ts
 * import { X509Source } from 'spiffe-kit';
 * import { checkDeclaredIdentities } from 'spiffe-kit/registrar';
 * const source = await X509Source.create(); // an SvidLister
 * const report = checkDeclaredIdentities(source, registration.entries);
 * ```
 */
export interface SvidLister {
  getX509Svids(): readonly { readonly id: { toString(): string }; readonly hint?: string | undefined }[];
}

/**
 * One declared identity and whether it was found.
 *
 * @example
 * ```ts
 * const report = checkDeclaredIdentities(source, registration.entries);
 * for (const m of report.missing) console.error(`${m.name}: ${m.spiffeId} not served${m.servedHints ? ` (served with hints ${m.servedHints.join(', ')})` : ''}`);

 * ```
 */
export interface IdentityCheck {
  readonly name: string;
  readonly spiffeId: string;
  /** The declared hint (`''` when none was declared: any hint matches). */
  readonly hint: string;
  readonly found: boolean;
  /** When missing: the SPIFFE ID was served with another hint (these hints). */
  readonly servedHints?: readonly string[] | undefined;
}

/**
 * The outcome of {@link checkDeclaredIdentities}.
 *
 * @example
 * ```ts
 * const report = checkDeclaredIdentities(source, entries);
 * if (!report.ok) console.error(report.message);
 * ```
 */
export interface SelfCheckReport {
  /** True when every declared identity is served. */
  readonly ok: boolean;
  readonly present: readonly IdentityCheck[];
  readonly missing: readonly IdentityCheck[];
  /** SPIFFE IDs served but not declared (informational). */
  readonly undeclared: readonly string[];
  /** A human summary, one line per missing identity. */
  readonly message: string;
}

/**
 * Checks that every declared SPIFFE ID (with its hint, when declared) is among the X509-SVIDs
 * the Workload API gives this process. Template entries are not checked (their ID depends on
 * Kubernetes metadata).
 *
 * @param source - lists the X.509-SVIDs the Workload API serves (an `X509Source`).
 * @param entries - the declared entries to look for.
 * @example
 * ```ts
 * const source = await X509Source.create();
 * const report = checkDeclaredIdentities(source, validateEntries(declarations).entries);
 * if (!report.ok) {
 *   console.error(report.message);
 *   process.exitCode = 1;
 * }
 * ```
 */
export function checkDeclaredIdentities(source: SvidLister, entries: readonly RegistrationEntry[]): SelfCheckReport {
  const served = source.getX509Svids().map((s) => ({ id: s.id.toString(), hint: s.hint ?? '' }));
  const present: IdentityCheck[] = [];
  const missing: IdentityCheck[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.spiffeId === undefined) continue;
    const key = `${e.spiffeId}\n${e.hint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const sameId = served.filter((s) => s.id === e.spiffeId);
    const found = sameId.some((s) => e.hint === '' || s.hint === e.hint);
    if (found) present.push({ name: e.name, spiffeId: e.spiffeId, hint: e.hint, found });
    else missing.push({ name: e.name, spiffeId: e.spiffeId, hint: e.hint, found, ...(sameId.length > 0 ? { servedHints: sameId.map((s) => s.hint) } : {}) });
  }
  const declared = new Set(entries.map((e) => e.spiffeId));
  const undeclared = [...new Set(served.map((s) => s.id))].filter((id) => !declared.has(id)).sort();

  let message: string;
  if (missing.length === 0) message = `All ${present.length} declared identities are served by the Workload API.`;
  else {
    const lines = missing.map((m) => {
      const what = m.hint === '' ? m.spiffeId : `${m.spiffeId} (hint ${JSON.stringify(m.hint)})`;
      const why = m.servedHints !== undefined ? `served with hint ${m.servedHints.map((h) => JSON.stringify(h)).join(', ')} instead` : 'not served: no registration entry matches this process, or it has not reached the agent yet';
      return `  - ${what}: ${why}`;
    });
    const servedLine = served.length === 0 ? 'The Workload API serves no X509-SVID to this process.' : `Served: ${served.map((s) => (s.hint === '' ? s.id : `${s.id} (hint ${JSON.stringify(s.hint)})`)).join(', ')}.`;
    message = `${missing.length} of ${missing.length + present.length} declared identities are missing:\n${lines.join('\n')}\n${servedLine}`;
  }
  return { ok: missing.length === 0, present, missing, undeclared, message };
}
