// TypeDoc configuration for `npm run docs` (the API reference, into api-docs/). Warnings are
// errors: a broken {@link}, a parameter documented under the wrong name, an export without a
// category fail the build.
//
// Source links ("Defined in ..."): set SPIFFE_KIT_SOURCE_LINK_TEMPLATE to the URL of a source line,
// e.g. https://github.com/OWNER/spiffe-kit/blob/{gitRevision}/{path}#L{line} ({gitRevision} is the
// commit being documented, or SPIFFE_KIT_SOURCE_REVISION when set). Without it, TypeDoc derives the
// links from the `origin` git remote (GitHub, GitLab, Bitbucket); a checkout without a remote
// gets no source links (package.json names no repository to link to). TypeDoc finds the git
// repository only where `.git` is a directory, so a `git worktree` checkout gets no links either.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

const template = process.env['SPIFFE_KIT_SOURCE_LINK_TEMPLATE'];
const revision = process.env['SPIFFE_KIT_SOURCE_REVISION'];
const hasOrigin = spawnSync('git', ['remote', 'get-url', 'origin'], { cwd: root, stdio: 'ignore' }).status === 0;

const sources = template
  ? { sourceLinkTemplate: template, ...(revision ? { gitRevision: revision } : {}) }
  : hasOrigin
    ? {}
    : { disableSources: true };

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: ['src/index.ts', 'src/testing/index.ts', 'src/registrar/index.ts', 'src/otel/index.ts', 'src/grpc/index.ts'],
  tsconfig: 'tsconfig.build.json',
  out: 'api-docs',
  name: 'spiffe-kit',
  readme: 'README.md',
  excludePrivate: true,
  excludeInternal: true,
  // Paths shown (and {path} in links) relative to the package root.
  displayBasePath: root,
  plugin: ['./scripts/typedoc-categories.mjs'],
  categorizeByGroup: false,
  categoryOrder: ['Sources', 'X.509-SVIDs', 'mTLS', 'JWT', 'Health', 'SPIFFE IDs', 'Bundles', 'Federation', 'Observability', 'Testing', 'Registrar', 'Errors', '*'],
  navigation: { includeCategories: true, includeGroups: false },
  treatWarningsAsErrors: true,
  validation: { notExported: false, invalidLink: true, notDocumented: false },
  ...sources,
};
