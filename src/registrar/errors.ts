/**
 * The registrar's errors: a declaration that SPIRE would refuse (every problem at once, each with
 * the path of the bad field), and a manifest that cannot be found or read.
 *
 * @module
 */
import { SpiffeError } from '../errors.js';

/**
 * Stable codes of the individual problems a validation reports (see {@link ValidationIssue}).
 *
 * @example
 * ```ts
 * const code: ValidationIssueCode = 'ERR_REGISTRAR_RESERVED_PATH';
 * ```
 */
export type ValidationIssueCode =
  | 'ERR_REGISTRAR_TYPE'
  | 'ERR_REGISTRAR_UNKNOWN_FIELD'
  | 'ERR_REGISTRAR_REQUIRED'
  | 'ERR_REGISTRAR_ID_AND_TEMPLATE'
  | 'ERR_REGISTRAR_SPIFFE_ID'
  | 'ERR_REGISTRAR_EMPTY_PATH'
  | 'ERR_REGISTRAR_RESERVED_PATH'
  | 'ERR_REGISTRAR_TRUST_DOMAIN'
  | 'ERR_REGISTRAR_TEMPLATE'
  | 'ERR_REGISTRAR_TEMPLATE_PARENT'
  | 'ERR_REGISTRAR_SELECTOR'
  | 'ERR_REGISTRAR_NO_SELECTORS'
  | 'ERR_REGISTRAR_TTL'
  | 'ERR_REGISTRAR_DNS_NAME'
  | 'ERR_REGISTRAR_FEDERATES_WITH'
  | 'ERR_REGISTRAR_FEDERATION'
  | 'ERR_REGISTRAR_HINT'
  | 'ERR_REGISTRAR_NAME'
  | 'ERR_REGISTRAR_DUPLICATE'
  | 'ERR_REGISTRAR_OWNER_PREFIX'
  | 'ERR_REGISTRAR_LABEL_SELECTOR';

/**
 * One problem in a declaration: where (`entries[1].selectors[0]`), which rule, and why.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { path: 'entries[0].hint', code: 'ERR_REGISTRAR_HINT', message: 'hint is 2000 characters long; at most 1024 are allowed' };
 * ```
 */
export interface ValidationIssue {
  /** The path of the bad field from the root of the manifest. */
  readonly path: string;
  readonly code: ValidationIssueCode;
  readonly message: string;
}

/**
 * Declarations that SPIRE would refuse. {@link RegistrarValidationError.issues} lists every
 * problem found, not just the first.
 *
 * @example
 * ```ts
 * try {
 *   defineEntries({ entries: [{ spiffeId: 'spiffe://example.org/spire/x', parentId, selectors: [] }] });
 * } catch (err) {
 *   if (err instanceof RegistrarValidationError) for (const i of err.issues) console.error(`${i.path}: ${i.message}`);
 * }
 * ```
 */
export class RegistrarValidationError extends SpiffeError {
  declare readonly code: 'ERR_REGISTRAR_INVALID';
  /** Every problem found, in document order. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], source?: string) {
    const head = `${issues.length} problem${issues.length === 1 ? '' : 's'} in the registration entries${source === undefined ? '' : ` of ${source}`}`;
    super('ERR_REGISTRAR_INVALID', `${head}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * Codes of {@link ManifestError}: `ERR_REGISTRAR_MANIFEST_NOT_FOUND` (no manifest at the path,
 * or none named by package.json), `ERR_REGISTRAR_MANIFEST_PARSE` (not valid JSON / YAML).
 *
 * @example
 * ```ts
 * const code: ManifestErrorCode = 'ERR_REGISTRAR_MANIFEST_PARSE';
 * ```
 */
export type ManifestErrorCode = 'ERR_REGISTRAR_MANIFEST_NOT_FOUND' | 'ERR_REGISTRAR_MANIFEST_PARSE';

/**
 * A manifest file that could not be found or parsed. `file` is the path that was tried.
 *
 * @example
 * ```ts
 * try {
 *   await loadManifest('./spiffe-entries.yaml');
 * } catch (err) {
 *   if (err instanceof ManifestError && err.code === 'ERR_REGISTRAR_MANIFEST_NOT_FOUND') console.error(err.file);
 * }
 * ```
 */
export class ManifestError extends SpiffeError {
  declare readonly code: ManifestErrorCode;
  /** The file that was tried. */
  readonly file: string;

  constructor(code: ManifestErrorCode, message: string, file: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.file = file;
  }
}
