/**
 * Loading the optional peer dependencies (`@grpc/grpc-js` for `spiffe-kit/grpc` and the test
 * Workload API): on first use, with a
 * {@link MissingPeerDependencyError} naming the install line when the package is not installed.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { SpiffeError } from '../errors.js';

/**
 * An optional peer dependency that an entry point needs is not installed. `code` is
 * `ERR_MISSING_PEER_DEPENDENCY`; `packageName` is what to install.
 *
 * @example
 * ```ts
 * import { grpcServerCredentials, MissingPeerDependencyError } from 'spiffe-kit/grpc';
 * try {
 *   grpcServerCredentials(source, authorizeAny());
 * } catch (err) {
 *   if (err instanceof MissingPeerDependencyError) console.error(`npm install ${err.packageName}`);
 * }
 * ```
 */
export class MissingPeerDependencyError extends SpiffeError {
  declare readonly code: 'ERR_MISSING_PEER_DEPENDENCY';
  /** The package to install, e.g. `@grpc/grpc-js`. */
  readonly packageName: string;
  /** What needs it, e.g. `spiffe-kit/grpc`. */
  readonly neededBy: string;

  constructor(packageName: string, neededBy: string, options?: { cause?: unknown }) {
    super('ERR_MISSING_PEER_DEPENDENCY', `${neededBy} needs the optional peer dependency ${packageName}, which is not installed: npm install ${packageName}`, options);
    this.packageName = packageName;
    this.neededBy = neededBy;
  }
}

/** Whether `err` is Node's "package not found" for `name` itself (not for one of its own dependencies). */
function isNotFound(err: unknown, name: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`);
}

const requireHere = createRequire(import.meta.url);

/**
 * @internal `require(name)` (CommonJS peers, loaded synchronously from where a static import would
 * resolve them), or a {@link MissingPeerDependencyError}.
 */
export function requirePeer<T>(name: string, neededBy: string): T {
  try {
    return requireHere(name) as T;
  } catch (err) {
    if (isNotFound(err, name)) throw new MissingPeerDependencyError(name, neededBy, { cause: err });
    throw err;
  }
}

/** @internal `load()` (a dynamic `import()` of `name`), with a missing `name` as a {@link MissingPeerDependencyError}. */
export async function importPeer<T>(name: string, neededBy: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isNotFound(err, name)) throw new MissingPeerDependencyError(name, neededBy, { cause: err });
    throw err;
  }
}
