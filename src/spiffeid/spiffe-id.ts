import { inspect } from 'node:util';
import { SpiffeIdError } from './errors.js';
import { TrustDomain } from './trust-domain.js';
import { MAX_ID_BYTES, parseIdParts, SCHEME_PREFIX, validatePath, validateSegment } from './validate.js';

/**
 * A SPIFFE ID: `spiffe://<trust-domain>[/<path>]`, parsed byte-wise and strictly per the SPIFFE ID
 * standard (no URL parser, no normalisation). Instances are immutable.
 *
 * @example
 * ```ts
 * import { SpiffeId } from 'spiffe-kit';
 * const id = SpiffeId.parse('spiffe://example.org/ns/prod/sa/web');
 * id.trustDomain.name; // 'example.org'
 * id.path;             // '/ns/prod/sa/web'
 * id.segments;         // ['ns', 'prod', 'sa', 'web']
 * id.memberOf('example.org'); // true
 * ```
 */
export class SpiffeId {
  /** The trust domain the ID belongs to. */
  readonly trustDomain: TrustDomain;
  /** The path, `''` or starting with `/` (e.g. `/ns/prod/sa/web`). */
  readonly path: string;
  readonly #text: string;

  private constructor(trustDomain: TrustDomain, path: string) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.#text = SCHEME_PREFIX + trustDomain.name + path;
    Object.freeze(this);
  }

  /**
   * Parses and validates a SPIFFE ID.
   *
   * @param input - the ID as text, e.g. `spiffe://example.org/web`.
   * @throws {@link SpiffeIdError} with a code naming the broken rule (empty, scheme, trust
   * domain character, path character, empty segment, dot segment, trailing slash, too long).
   * @example
   * ```ts
   * const id = SpiffeId.parse('spiffe://example.org/web');
   * ```
   */
  static parse(input: string): SpiffeId {
    const { trustDomain, path } = parseIdParts(input);
    return new SpiffeId(TrustDomain.fromValidatedName(trustDomain), path);
  }

  /**
   * Accepts a `SpiffeId` as is, or parses a string.
   *
   * @param value - a `SpiffeId` (returned as is) or its text.
   * @example
   * ```ts
   * SpiffeId.from('spiffe://example.org/web').path; // '/web'
   * ```
   */
  static from(value: SpiffeId | string): SpiffeId {
    return value instanceof SpiffeId ? value : SpiffeId.parse(value);
  }

  /**
   * Builds an ID from a trust domain and path segments (each without slashes).
   *
   * @param trustDomain - the trust domain (a name or a `TrustDomain`).
   * @param segments - the path segments, each without `/`.
   * @example
   * ```ts
   * SpiffeId.fromSegments('example.org', 'ns', 'prod').toString(); // 'spiffe://example.org/ns/prod'
   * SpiffeId.fromSegments('example.org').toString();               // 'spiffe://example.org'
   * ```
   */
  static fromSegments(trustDomain: TrustDomain | string, ...segments: string[]): SpiffeId {
    const td = TrustDomain.from(trustDomain);
    let path = '';
    for (const segment of segments) {
      if (typeof segment !== 'string') {
        throw new SpiffeIdError('ERR_SPIFFEID_NOT_STRING', `Path segments must be strings, got ${typeof segment}`, segment);
      }
      validateSegment(segment, segment);
      path += `/${segment}`;
    }
    return SpiffeId.checked(td, path);
  }

  /**
   * Builds an ID from a trust domain and a path that starts with `/` (or is empty).
   *
   * @param trustDomain - the trust domain (a name or a `TrustDomain`).
   * @param path - the path, starting with `/` (or empty).
   * @example
   * ```ts
   * SpiffeId.fromPath('example.org', '/ns/prod').toString(); // 'spiffe://example.org/ns/prod'
   * ```
   */
  static fromPath(trustDomain: TrustDomain | string, path: string): SpiffeId {
    const td = TrustDomain.from(trustDomain);
    if (typeof path !== 'string') {
      throw new SpiffeIdError('ERR_SPIFFEID_NOT_STRING', `Path must be a string, got ${typeof path}`, path);
    }
    validatePath(path, path);
    return SpiffeId.checked(td, path);
  }

  private static checked(td: TrustDomain, path: string): SpiffeId {
    const length = SCHEME_PREFIX.length + td.name.length + path.length;
    if (length > MAX_ID_BYTES) {
      throw new SpiffeIdError('ERR_SPIFFEID_TOO_LONG', `SPIFFE ID would be ${length} bytes long; at most ${MAX_ID_BYTES} are allowed`, path);
    }
    return new SpiffeId(td, path);
  }

  /**
   * Whether `input` is a valid SPIFFE ID.
   *
   * @param input - the text to check.
   * @example
   * ```ts
   * SpiffeId.isValid('spiffe://example.org/a/../b'); // false
   * ```
   */
  static isValid(input: string): boolean {
    try {
      parseIdParts(input);
      return true;
    } catch {
      return false;
    }
  }

  /** The path split into its segments (`[]` for the trust domain's own ID). */
  get segments(): string[] {
    return this.path === '' ? [] : this.path.slice(1).split('/');
  }

  /** Whether the ID has no path (it names the trust domain itself). */
  get isRoot(): boolean {
    return this.path === '';
  }

  /**
   * Whether the ID belongs to `trustDomain`.
   *
   * @param trustDomain - a trust domain name or a `TrustDomain`.
   * @example
   * ```ts
   * SpiffeId.parse('spiffe://example.org/web').memberOf('example.org'); // true
   * ```
   */
  memberOf(trustDomain: TrustDomain | string): boolean {
    return this.trustDomain.equals(trustDomain);
  }

  /**
   * Whether `other` is the same ID (exact, byte-wise comparison).
   *
   * @example
   * ```ts
   * SpiffeId.parse('spiffe://example.org/web').equals('spiffe://example.org/web'); // true
   * ```
   */
  equals(other: SpiffeId | string): boolean {
    return other instanceof SpiffeId ? other.#text === this.#text : other === this.#text;
  }

  /** The ID as a string, `spiffe://<trust-domain><path>`. */
  toString(): string {
    return this.#text;
  }

  /** Serialises as the ID string. */
  toJSON(): string {
    return this.#text;
  }

  [inspect.custom](): string {
    return `SpiffeId(${this.#text})`;
  }
}
