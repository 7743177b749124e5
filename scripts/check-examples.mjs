// Fails when an exported name of the public entry points has no TSDoc `@example`.
//
//   node scripts/check-examples.mjs            (runs typedoc --json into a temp file)
//
// Checks every top-level export (classes, functions, interfaces, type aliases, variables, enums)
// and the public methods and accessors of exported classes. Reads the entry points from typedoc.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-tsdoc-'));
const out = join(dir, 'api.json');
try {
  execFileSync('npx', ['typedoc', '--json', out, '--logLevel', 'Error', ...process.argv.slice(2)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const api = JSON.parse(readFileSync(out, 'utf8'));
  const missing = [];
  const hasExample = (r) => {
    const sigs = r.signatures ?? (r.getSignature ? [r.getSignature] : []);
    const comments = [r.comment, ...sigs.map((s) => s.comment)].filter(Boolean);
    return comments.some((c) => (c.blockTags ?? []).some((t) => t.tag === '@example'));
  };
  const TOP = new Set([128 /* class */, 64 /* function */, 256 /* interface */, 2097152 /* type alias */, 32 /* variable */, 8 /* enum */]);
  const walk = (node, path) => {
    for (const child of node.children ?? []) {
      if (child.kind === 2 /* module */) {
        walk(child, `${path}${child.name}/`);
        continue;
      }
      if (!TOP.has(child.kind)) continue;
      if (!hasExample(child)) missing.push(`${path}${child.name}`);
      if (child.kind === 128) {
        for (const m of child.children ?? []) {
          const isMethodOrAccessor = m.kind === 2048 || m.kind === 262144;
          if (!isMethodOrAccessor || m.flags?.isPrivate || m.flags?.isProtected || m.inheritedFrom) continue;
          if (m.name.startsWith('[') || m.name === 'toString' || m.name === 'toJSON') continue; // symbol-named and standard protocol methods
          if (m.kind === 262144) continue; // accessors: a one-line description is enough
          if (!hasExample(m)) missing.push(`${path}${child.name}.${m.name}`);
        }
      }
    }
  };
  walk(api, '');
  if (missing.length > 0) {
    console.error(`TSDoc @example missing on ${missing.length} public name(s):\n  ${missing.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('every public name has a TSDoc @example');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
