/**
 * The typed way to declare entries in code.
 *
 * @module
 */
import type { Registration, RegistrarManifest } from './types.js';
import { assertValidManifest } from './validate.js';

/**
 * Declares the registration entries an application needs and validates them at once (the same
 * rules as a manifest file). The result feeds the renderers, `plan`/`apply` and
 * `checkDeclaredIdentities`.
 *
 * @param manifest - the trust domain, owner prefix, defaults and entries, as in `spiffe-entries.yaml`.
 * @throws {@link RegistrarValidationError} listing every problem with the path of its field.
 * @example
 * ```ts
 * import { defineEntries, k8s } from 'spiffe-kit/registrar';
 * export default defineEntries({
 *   trustDomain: 'example.org',
 *   defaults: { parentId: 'spiffe://example.org/spire/agent/k8s_psat/prod/node-1' },
 *   entries: [
 *     { name: 'web', spiffeId: 'spiffe://example.org/ns/shop/sa/web', selectors: [k8s.ns('shop'), k8s.sa('web')], x509SvidTtl: '1h' },
 *   ],
 * });
 * ```
 */
export function defineEntries(manifest: RegistrarManifest): Registration {
  return assertValidManifest(manifest);
}
