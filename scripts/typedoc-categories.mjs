// TypeDoc plugin (typedoc.config.mjs): files every export of the API reference under a category
// (Sources, mTLS, JWT, Health, Errors, SPIFFE IDs, Bundles, ...) by the folder that declares it
// (errors by name), as if its TSDoc comment had an `@category` tag. An `@category` written in a comment wins. A rule
// by folder rather than a tag on each of ~250 comments keeps new exports categorized with no extra
// step; the order and the descriptions of the categories are in typedoc.config.mjs and in the
// `@categoryDescription` tags of each entry point's module comment.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

const root = fileURLToPath(new URL('..', import.meta.url));

/** First match wins; paths are relative to the package root. */
export const CATEGORY_RULES = [
  [/^src\/(.+\/)?([a-z0-9-]+-)?errors?\.ts$/, 'Errors'],
  [/^src\/workloadapi\//, 'Sources'],
  [/^src\/svid\/jwt-/, 'JWT'],
  [/^src\/jwt\//, 'JWT'],
  [/^src\/svid\//, 'X.509-SVIDs'],
  [/^src\/tls\//, 'mTLS'],
  [/^src\/grpc\/credentials\.ts$/, 'mTLS'],
  [/^src\/grpc\/bearer-/, 'JWT'],
  [/^src\/health\//, 'Health'],
  [/^src\/diagnostics\//, 'Observability'],
  [/^src\/otel\//, 'Observability'],
  [/^src\/federation\//, 'Federation'],
  [/^src\/spiffeid\//, 'SPIFFE IDs'],
  [/^src\/bundle\//, 'Bundles'],
  [/^src\/federation\//, 'Federation'],
  [/^src\/diagnostics\//, 'Observability'],
  [/^src\/otel\//, 'Observability'],
  [/^src\/testing\//, 'Testing'],
  [/^src\/registrar\//, 'Registrar'],
];

/**
 * The category of the export `name` declared in `file` (relative to the package root), or
 * undefined: error classes and their code and context types go under Errors wherever they are
 * declared, the rest by folder.
 */
export function categoryOf(name, file) {
  if (/Error(Code|Context)?$/.test(name)) return 'Errors';
  return CATEGORY_RULES.find(([re]) => re.test(file))?.[1];
}

function hasCategory(refl) {
  const comments = [refl.comment, ...(refl.signatures ?? []).map((s) => s.comment)];
  return comments.some((c) => c?.blockTags.some((t) => t.tag === '@category'));
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const declaredIn = new Map();
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, refl) => {
    const file = context.getSymbolFromReflection(refl)?.declarations?.[0]?.getSourceFile().fileName;
    if (file !== undefined) declaredIn.set(refl, relative(root, file).split('\\').join('/'));
  });
  // Before the CategoryPlugin (priority -200) groups the reflections.
  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      for (const refl of Object.values(context.project.reflections)) {
        if (!refl.isDeclaration() || refl.kindOf(ReflectionKind.SomeModule) || !refl.parent?.kindOf(ReflectionKind.SomeModule | ReflectionKind.Project) || hasCategory(refl)) continue;
        const file = declaredIn.get(refl);
        const category = file === undefined ? undefined : categoryOf(refl.name, file);
        if (category === undefined) {
          app.logger.warn(`typedoc-categories: no category for ${refl.getFriendlyFullName()} (${file ?? 'unknown file'}); add a rule to scripts/typedoc-categories.mjs or an @category tag`);
          continue;
        }
        const tag = new CommentTag('@category', [{ kind: 'text', text: category }]);
        const target = refl.comment ?? refl.signatures?.find((s) => s.comment !== undefined)?.comment;
        if (target !== undefined) target.blockTags.push(tag);
        else refl.comment = new Comment([], [tag]);
      }
    },
    0,
  );
}
