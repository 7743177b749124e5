/**
 * One entry point for every output format, as the CLI's `render --format` names them.
 *
 * @module
 */
import { type K8sRenderOptions, type RenderedFile, renderClusterFederatedTrustDomains, renderClusterSpiffeIds, renderClusterStaticEntries } from './render-k8s.js';
import {
  type DroppedField,
  type LegacyRenderOptions,
  renderK8sRegistrarAnnotation,
  renderK8sRegistrarCrd,
  renderK8sRegistrarLabel,
  renderK8sRegistrarServiceAccount,
  type SkippedEntry,
} from './render-legacy.js';
import { renderEntryCreateCommands, renderEntryCreateData, type SpireCliRenderOptions } from './render-spire-cli.js';
import type { Registration } from './types.js';

/**
 * The output formats.
 *
 * @example
 * ```ts
 * import { render } from 'spiffe-kit/registrar';
 * const out = render(registration, 'cluster-static-entry');
 * for (const file of out.files) console.log(file.fileName);
 * ```
 */
export type RenderFormat = 'cmd' | 'json' | 'cluster-static-entry' | 'cluster-spiffeid' | 'cluster-federated-trust-domain' | 'k8s-registrar-crd' | 'k8s-registrar-annotation' | 'k8s-registrar-label' | 'k8s-registrar-sa';

/**
 * Every {@link RenderFormat}, in the order `--help` lists them.
 *
 * @example
 * ```ts
 * RENDER_FORMATS.includes('json'); // true
 * ```
 */
export const RENDER_FORMATS: readonly RenderFormat[] = Object.freeze(['cmd', 'json', 'cluster-static-entry', 'cluster-spiffeid', 'cluster-federated-trust-domain', 'k8s-registrar-crd', 'k8s-registrar-annotation', 'k8s-registrar-label', 'k8s-registrar-sa']);

/**
 * Options of every renderer together.
 *
 * @example
 * ```ts
 * import { render } from 'spiffe-kit/registrar';
 * const commands = render(registration, 'cmd', { socketPath: '/run/spire/server/api.sock' });
 * const crds = render(registration, 'cluster-static-entry', { className: 'spire-system-spire' });

 * ```
 */
export type RenderOptions = SpireCliRenderOptions & K8sRenderOptions & LegacyRenderOptions;

/**
 * What {@link render} produces: files, the entries the format cannot express, and the declared
 * fields it renders without.
 *
 * @example
 * ```ts
 * const out: RenderOutput = render(registration, 'json');
 * ```
 */
export interface RenderOutput {
  readonly files: readonly RenderedFile[];
  /** The names of the entries the files express, in declaration order. */
  readonly rendered: readonly string[];
  /** The entries the format cannot express, and why (they are in no file). */
  readonly skipped: readonly SkippedEntry[];
  /** Declared fields the format renders without (the old registrar's formats); empty otherwise. */
  readonly dropped: readonly DroppedField[];
}

const templateSkips = (r: Registration): SkippedEntry[] => r.entries.filter((e) => e.spiffeId === undefined).map((e) => ({ name: e.name, reason: 'a template entry renders to ClusterSPIFFEID only' }));

/**
 * Renders a registration in one format. Pure: same input, same bytes. Every entry is either in
 * `rendered` or in `skipped` (with the reason); when `rendered` is empty the files express
 * nothing (a single-file format still returns its file, holding only comments).
 *
 * @param registration - validated entries (from `defineEntries` or `loadManifest`).
 * @param format - `cmd`, `json`, `cluster-static-entry`, `cluster-spiffeid` or a `k8s-registrar-*` format.
 * @param options - per-format options (server socket, class name, ...).
 * @example
 * ```ts
 * const { files, skipped } = render(registration, 'cluster-static-entry');
 * for (const f of files) writeFileSync(join('deploy/spire', f.fileName), f.content);
 * ```
 */
export function render(registration: Registration, format: RenderFormat, options: RenderOptions = {}): RenderOutput {
  const out = renderFormat(registration, format, options);
  const left = new Set(out.skipped.map((s) => s.name));
  const dropped = 'dropped' in out ? (out.dropped ?? []) : [];
  return { files: out.files, rendered: registration.entries.map((e) => e.name).filter((name) => !left.has(name)), skipped: out.skipped, dropped };
}

function renderFormat(registration: Registration, format: RenderFormat, options: RenderOptions): { files: readonly RenderedFile[]; skipped: readonly SkippedEntry[]; dropped?: readonly DroppedField[] } {
  switch (format) {
    case 'cmd':
      return { files: [{ fileName: 'entries.sh', content: renderEntryCreateCommands(registration, options) }], skipped: templateSkips(registration) };
    case 'json':
      return { files: [{ fileName: 'entries.json', content: renderEntryCreateData(registration, options) }], skipped: templateSkips(registration) };
    case 'cluster-static-entry':
      return { files: renderClusterStaticEntries(registration, options), skipped: templateSkips(registration) };
    case 'cluster-spiffeid':
      return {
        files: renderClusterSpiffeIds(registration, options),
        skipped: registration.entries.filter((e) => e.spiffeIdTemplate === undefined).map((e) => ({ name: e.name, reason: 'a fixed-ID entry renders to ClusterStaticEntry (cluster-static-entry)' })),
      };
    case 'cluster-federated-trust-domain':
      return renderClusterFederatedTrustDomains(registration, options);
    case 'k8s-registrar-crd':
      return renderK8sRegistrarCrd(registration, options);
    case 'k8s-registrar-annotation':
      return renderK8sRegistrarAnnotation(registration, options);
    case 'k8s-registrar-label':
      return renderK8sRegistrarLabel(registration, options);
    case 'k8s-registrar-sa':
      return renderK8sRegistrarServiceAccount(registration);
  }
}
