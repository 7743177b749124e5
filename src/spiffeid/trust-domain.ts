import { inspect } from 'node:util';
import { SpiffeIdError } from './errors.js';
import { parseIdParts, SCHEME_PREFIX, validateTrustDomainName } from './validate.js';

/**
 * A SPIFFE trust domain: the name that anchors a set of identities (`example.org` in
 * `spiffe://example.org/web`). Instances are immutable; compare with {@link TrustDomain.equals}.
 *
 * @example
 * ```ts
 * import { TrustDomain } from 'spiffe-kit';
 * const td = TrustDomain.parse('example.org');
 * td.name;        // 'example.org'
 * td.toString();  // 'example.org'
 * td.idString();  // 'spiffe://example.org'
 * TrustDomain.parse('spiffe://example.org/web').equals(td); // true
 * ```
 */
export class TrustDomain {
  /** The trust domain name, e.g. `example.org`. */
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
    Object.freeze(this);
  }

  /**
   * Parses a trust domain given either bare (`example.org`) or as a SPIFFE ID
   * (`spiffe://example.org`, `spiffe://example.org/any/path`).
   *
   * @param input - a trust domain name (`example.org`) or a SPIFFE ID, whose trust domain is taken.
   * @throws {@link SpiffeIdError} naming the rule that was broken.
   * @example
   * ```ts
   * const td = TrustDomain.parse('spiffe://prod.example.org');
   * console.log(td.name); // 'prod.example.org'
   * ```
   */
  static parse(input: string): TrustDomain {
    if (typeof input !== 'string') {
      throw new SpiffeIdError('ERR_SPIFFEID_NOT_STRING', `Trust domain must be a string, got ${input === null ? 'null' : typeof input}`, input);
    }
    if (input.length === 0) throw new SpiffeIdError('ERR_SPIFFEID_MISSING_TRUST_DOMAIN', 'Trust domain is empty', input);
    if (input.includes(':/')) return new TrustDomain(parseIdParts(input).trustDomain);
    validateTrustDomainName(input, input);
    return new TrustDomain(input);
  }

  /**
   * Accepts a `TrustDomain` as is, or parses a string.
   *
   * @param value - a `TrustDomain` (returned as is) or its text.
   * @example
   * ```ts
   * TrustDomain.from('example.org').name; // 'example.org'
   * ```
   */
  static from(value: TrustDomain | string): TrustDomain {
    return value instanceof TrustDomain ? value : TrustDomain.parse(value);
  }

  /** @internal Creates a trust domain from an already validated name. */
  static fromValidatedName(name: string): TrustDomain {
    return new TrustDomain(name);
  }

  /**
   * Whether `input` is a valid trust domain (bare or as a SPIFFE ID).
   *
   * @param input - the text to check.
   * @example
   * ```ts
   * TrustDomain.isValid('Example.org'); // false: uppercase
   * ```
   */
  static isValid(input: string): boolean {
    try {
      TrustDomain.parse(input);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The SPIFFE ID string of the trust domain itself, `spiffe://<name>`.
   *
   * @example
   * ```ts
   * TrustDomain.parse('example.org').idString(); // 'spiffe://example.org'
   * ```
   */
  idString(): string {
    return SCHEME_PREFIX + this.name;
  }

  /**
   * Whether `other` names the same trust domain.
   *
   * @example
   * ```ts
   * TrustDomain.parse('example.org').equals('spiffe://example.org'); // true
   * ```
   */
  equals(other: TrustDomain | string): boolean {
    if (other instanceof TrustDomain) return other.name === this.name;
    return typeof other === 'string' && TrustDomain.isValid(other) && TrustDomain.parse(other).name === this.name;
  }

  /** The bare name, e.g. `example.org`. */
  toString(): string {
    return this.name;
  }

  /** Serialises as the bare name. */
  toJSON(): string {
    return this.name;
  }

  [inspect.custom](): string {
    return `TrustDomain(${this.name})`;
  }
}
