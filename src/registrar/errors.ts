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
 * import { validateManifest } from 'spiffe-kit/registrar';
 * const result = validateManifest(JSON.parse(text));
 * for (const issue of result.issues) {
 *   switch (issue.code) {
 *     case 'ERR_REGISTRAR_UNKNOWN_FIELD':
 *       console.warn(`${issue.path}: ${issue.message} (a typo?)`);
 *       break;
 *     case 'ERR_REGISTRAR_RESERVED_PATH':
 *       console.error(`${issue.path}: /spire/ IDs belong to SPIRE itself`);
 *       break;
 *     default:
 *       console.error(`${issue.path}: ${issue.message}`);
 *   }
 * }
 * ```
 */
export type ValidationIssueCode =
  /** A field of the wrong JSON type (a number where a string goes, an object where an array goes). */
  | 'ERR_REGISTRAR_TYPE'
  /** A field the manifest format does not have (a typo such as `spiffeID`). */
  | 'ERR_REGISTRAR_UNKNOWN_FIELD'
  /** A required field is missing: `spiffeId` (or `spiffeIdTemplate`), `parentId` (here or in `defaults`), `bundleEndpointURL`. */
  | 'ERR_REGISTRAR_REQUIRED'
  /** Both `spiffeId` and `spiffeIdTemplate` are given. */
  | 'ERR_REGISTRAR_ID_AND_TEMPLATE'
  /** A `spiffeId` or `parentId` that is not a SPIFFE ID. */
  | 'ERR_REGISTRAR_SPIFFE_ID'
  /** A SPIFFE ID without a path (the trust domain itself), which SPIRE refuses. */
  | 'ERR_REGISTRAR_EMPTY_PATH'
  /** A SPIFFE ID under `/spire/`, which SPIRE reserves for its servers and agents. */
  | 'ERR_REGISTRAR_RESERVED_PATH'
  /** `trustDomain` is not a trust domain, or an ID is not in it. */
  | 'ERR_REGISTRAR_TRUST_DOMAIN'
  /** A `spiffeIdTemplate` that is not a valid Go template over the ClusterSPIFFEID fields. */
  | 'ERR_REGISTRAR_TEMPLATE'
  /** A template entry with a `parentId` (spire-controller-manager sets the parent itself). */
  | 'ERR_REGISTRAR_TEMPLATE_PARENT'
  /** A selector that is not `type:value`, or breaks its type's rules. */
  | 'ERR_REGISTRAR_SELECTOR'
  /** An entry with a fixed ID and no selector. */
  | 'ERR_REGISTRAR_NO_SELECTORS'
  /** A TTL that is not a duration, is negative, or is over `MAX_TTL_SECONDS`. */
  | 'ERR_REGISTRAR_TTL'
  /** A `dnsNames` item that is not a DNS name SPIRE accepts. */
  | 'ERR_REGISTRAR_DNS_NAME'
  /** A `federatesWith` item that is not a trust domain, or is the entry's own. */
  | 'ERR_REGISTRAR_FEDERATES_WITH'
  /** A `federation` item that SPIRE would refuse: a key that is not a trust domain, a bundle endpoint URL that is not `https://host` without user info, a profile or `endpointSPIFFEID` that does not fit, a `trustDomainBundle` that is not a SPIFFE bundle. */
  | 'ERR_REGISTRAR_FEDERATION'
  /** A hint over `MAX_HINT_LENGTH` bytes, or with a control character. */
  | 'ERR_REGISTRAR_HINT'
  /** An entry `name` that is not a Kubernetes object name. */
  | 'ERR_REGISTRAR_NAME'
  /** Two entries with the same `name`, or the same SPIFFE ID, parent ID and selectors. */
  | 'ERR_REGISTRAR_DUPLICATE'
  /** An `ownerPrefix` that SPIRE would not take in an entry ID (1-200 characters of `[A-Za-z0-9._-]`). */
  | 'ERR_REGISTRAR_OWNER_PREFIX'
  /** A `podSelector` / `namespaceSelector` that is not a Kubernetes label selector. */
  | 'ERR_REGISTRAR_LABEL_SELECTOR';

/**
 * One problem in a declaration: where (`entries[1].selectors[0]`), which rule, and why.
 *
 * @example
 * ```ts
 * import { defineEntries, RegistrarValidationError } from 'spiffe-kit/registrar';
 * try {
 *   defineEntries(manifest);
 * } catch (err) {
 *   if (!(err instanceof RegistrarValidationError)) throw err;
 *   for (const issue of err.issues) console.error(`${issue.path} (${issue.code}): ${issue.message}`); // entries[0].hint (ERR_REGISTRAR_HINT): …
 * }
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
 * import { loadManifest, ManifestError } from 'spiffe-kit/registrar';
 * try {
 *   await loadManifest('./spiffe-entries.yaml');
 * } catch (err) {
 *   if (!(err instanceof ManifestError)) throw err;
 *   switch (err.code) {
 *     case 'ERR_REGISTRAR_MANIFEST_NOT_FOUND':
 *       console.error(`no manifest at ${err.file}`);
 *       break;
 *     case 'ERR_REGISTRAR_MANIFEST_PARSE':
 *       console.error(`${err.file} is not valid YAML/JSON: ${err.message}`);
 *       break;
 *   }
 * }

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
