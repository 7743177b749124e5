/**
 * The error model of spiffe-kit: one base class with a stable `code`, one subclass per area.
 *
 * `instanceof` works across two copies of the package (for example a library and an app that
 * each bundle their own): every error carries a `Symbol.for` brand listing its class names.
 *
 * @module
 */

const BRAND = Symbol.for('spiffe-kit.error');

/**
 * Base class of every error thrown by spiffe-kit. Switch on {@link SpiffeError.code} to tell
 * failures apart; codes are stable across releases.
 *
 * @example
 * ```ts
 * import { SpiffeId, SpiffeError } from 'spiffe-kit';
 * try {
 *   SpiffeId.parse('spiffe://Example.org/web');
 * } catch (err) {
 *   if (err instanceof SpiffeError) console.log(err.code); // 'ERR_SPIFFEID_TRUST_DOMAIN_CHAR'
 * }
 * ```
 */
export class SpiffeError extends Error {
  /** A stable, machine-readable code such as `ERR_SPIFFEID_EMPTY`. */
  readonly code: string;
  declare readonly [BRAND]: readonly string[];

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    const names: string[] = [];
    for (let p: unknown = new.target; typeof p === 'function' && p !== Error; p = Object.getPrototypeOf(p)) {
      names.push((p as { name: string }).name);
    }
    Object.defineProperty(this, BRAND, { value: names, enumerable: false });
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true, writable: true });
  }

  /** Brand-based `instanceof`, so errors from another copy of spiffe-kit are recognised. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const names = (value as Record<symbol, unknown>)[BRAND];
    // `this` is the subclass `instanceof` was called on.
    return Array.isArray(names) && names.includes(this.name);
  }
}
