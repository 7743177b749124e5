/**
 * spiffe-kit: SPIFFE identity for Node.js services.
 *
 * @example
 * ```ts
 * import { SpiffeId } from 'spiffe-kit';
 * const id = SpiffeId.parse('spiffe://example.org/web');
 * ```
 * @module
 */
export { SpiffeError } from './errors.js';
export * from './spiffeid/index.js';
