/**
 * Manifest files: the declarations of an application in JSON or YAML, found at a given path or
 * through the app's package.json (`"spiffe": { "registrar": "./spiffe-entries.yaml" }`), else as
 * `spiffe-entries.yaml`, `spiffe-entries.yml` or `spiffe-entries.json` beside package.json.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ManifestError } from './errors.js';
import type { Registration } from './types.js';
import { assertValidManifest } from './validate.js';

/**
 * The file names tried, in order, when package.json names no manifest.
 *
 * @example
 * ```ts
 * import { existsSync } from 'node:fs';
 * import { DEFAULT_MANIFEST_NAMES, loadManifest } from 'spiffe-kit/registrar';
 * // A tool that takes a directory looks for the same files the registrar does.
 * const file = DEFAULT_MANIFEST_NAMES.find((name) => existsSync(`${dir}/${name}`));
 * if (file !== undefined) await loadManifest(`${dir}/${file}`);

 * ```
 */
export const DEFAULT_MANIFEST_NAMES: readonly string[] = Object.freeze(['spiffe-entries.yaml', 'spiffe-entries.yml', 'spiffe-entries.json']);

/** Manifests are small; anything bigger is refused before parsing. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Parses manifest text: JSON when the file name ends in `.json`, YAML otherwise (YAML is a
 * superset of JSON). YAML aliases are limited, so a "billion laughs" document is refused.
 *
 * @throws {@link ManifestError} `ERR_REGISTRAR_MANIFEST_PARSE`.
 * @example
 * ```ts
 * const raw = parseManifestText('entries: []\n', 'spiffe-entries.yaml');
 * ```
 */
export function parseManifestText(text: string, fileName: string): unknown {
  try {
    if (fileName.endsWith('.json')) return JSON.parse(text) as unknown;
    return parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: true }) as unknown;
  } catch (err) {
    throw new ManifestError('ERR_REGISTRAR_MANIFEST_PARSE', `${fileName} is not valid ${fileName.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`, fileName, err);
  }
}

/**
 * Finds the manifest of the app whose package.json is in `dir` (or above it): the path in
 * `package.json` → `spiffe.registrar`, else one of {@link DEFAULT_MANIFEST_NAMES} beside it.
 *
 * @throws {@link ManifestError} `ERR_REGISTRAR_MANIFEST_NOT_FOUND`.
 * @example
 * ```ts
 * const file = await findManifest(process.cwd()); // '/app/spiffe-entries.yaml'
 * ```
 */
export async function findManifest(dir: string): Promise<string> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const pkgPath = join(d, 'package.json');
    if (existsSync(pkgPath)) {
      const pkg = parseManifestText(await readFile(pkgPath, 'utf8'), pkgPath) as { spiffe?: { registrar?: unknown } } | null;
      const named = pkg?.spiffe?.registrar;
      if (named !== undefined) {
        if (typeof named !== 'string' || named === '') throw new ManifestError('ERR_REGISTRAR_MANIFEST_NOT_FOUND', `${pkgPath}: "spiffe.registrar" must be a path to the manifest`, pkgPath);
        const file = resolve(d, named);
        if (!existsSync(file)) throw new ManifestError('ERR_REGISTRAR_MANIFEST_NOT_FOUND', `${pkgPath} names the registrar manifest ${named}, but ${file} does not exist`, file);
        return file;
      }
      for (const name of DEFAULT_MANIFEST_NAMES) if (existsSync(join(d, name))) return join(d, name);
      throw new ManifestError('ERR_REGISTRAR_MANIFEST_NOT_FOUND', `no registrar manifest for ${pkgPath}: add "spiffe": { "registrar": "./spiffe-entries.yaml" } to it, or create ${DEFAULT_MANIFEST_NAMES.join(' / ')}`, d);
    }
    if (dirname(d) === d) break;
  }
  for (const name of DEFAULT_MANIFEST_NAMES) if (existsSync(join(dir, name))) return resolve(dir, name);
  throw new ManifestError('ERR_REGISTRAR_MANIFEST_NOT_FOUND', `no package.json and no ${DEFAULT_MANIFEST_NAMES.join(' / ')} in or above ${dir}`, dir);
}

/**
 * Reads, parses and validates a manifest file.
 *
 * @param file - path of the YAML or JSON manifest.
 * @throws {@link ManifestError} when it cannot be read or parsed; {@link RegistrarValidationError}
 * listing every problem when an entry is invalid.
 * @example
 * ```ts
 * const registration = await loadManifest('./spiffe-entries.yaml');
 * ```
 */
export async function loadManifest(file: string): Promise<Registration> {
  return assertValidManifest(await readManifest(file), file);
}

/**
 * Reads and parses a manifest file without validating it (for tools that report the issues
 * themselves, such as `spiffe registrar validate`).
 *
 * @throws {@link ManifestError}.
 * @example
 * ```ts
 * const r = validateManifest(await readManifest('spiffe-entries.yaml'));
 * ```
 */
export async function readManifest(file: string): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new ManifestError('ERR_REGISTRAR_MANIFEST_NOT_FOUND', `cannot read the registrar manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file, err);
  }
  if (size > MAX_MANIFEST_BYTES) throw new ManifestError('ERR_REGISTRAR_MANIFEST_PARSE', `${file} is ${size} bytes; a registrar manifest is at most ${MAX_MANIFEST_BYTES}`, file);
  return parseManifestText(await readFile(file, 'utf8'), file);
}
