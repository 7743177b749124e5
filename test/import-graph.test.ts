import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The folder layering of `src/` (docs/ARCHITECTURE.md, "Layers"): a folder may import only folders
 * before it in this list. `errors` is `src/errors.ts`, `index` is `src/index.ts`; the subfolders of
 * `internal/` are units of their own: `internal/grpc` (the gRPC transport, on `errors`/`internal` at
 * most) sits right above `internal`, `internal/cli` (plumbing of the two commands) high up.
 */
const LAYERS = [
  'errors',
  'internal',
  'internal/grpc',
  'gen',
  'diagnostics',
  'spiffeid',
  'bundle',
  'svid',
  'workloadapi',
  'tls',
  'jwt',
  'health',
  'federation',
  'grpc',
  'otel',
  'internal/cli',
  'registrar',
  'testing',
  'cli',
  'index',
] as const;

/** Imports allowed against the order, each with its reason. None remain. */
const ALLOWED: ReadonlyArray<{ readonly from: string; readonly to: string; readonly reason: string }> = [];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Drops comments (TSDoc examples show imports that are not the module's own). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Relative specifiers of `import … from`, `import type … from`, `export … from`, side-effect
 * `import '…'` and `import('…')`.
 */
function relativeImports(text: string): string[] {
  const specs: string[] = [];
  const re = /\b(?:from\s*|import\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const m of stripComments(text).matchAll(re)) specs.push(m[2]!);
  return specs;
}

/** The layer unit a file under `src/` belongs to. */
function unitOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return parts[0] === 'errors.ts' ? 'errors' : parts[0] === 'index.ts' ? 'index' : parts[0]!;
  if (parts[0] === 'internal' && parts.length > 2) return `internal/${parts[1]!}`;
  return parts[0]!;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly spec: string;
}

function folderEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) throw new Error(`${relative(SRC, file)} imports ${spec}, outside src/`);
      const from = unitOf(file);
      const to = unitOf(target);
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), spec });
    }
  }
  return edges;
}

/** Folder cycles, each as a path `a -> b -> … -> a` (Tarjan's strongly connected components). */
function folderCycles(edges: ReadonlyArray<{ readonly from: string; readonly to: string }>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return components;
}

describe('import graph of src/', () => {
  const edges = folderEdges();

  it('reads the imports it is meant to check (the parser is not vacuous)', () => {
    expect(sourceFiles(SRC).length).toBeGreaterThan(100);
    // Known edges of every import form the parser must see.
    expect(edges).toContainEqual(expect.objectContaining({ from: 'cli', to: 'registrar', file: join('cli', 'main.ts') }));
    expect(edges).toContainEqual(expect.objectContaining({ from: 'bundle', to: 'spiffeid' }));
    expect(relativeImports("import type { A } from './a.js';\nexport { B } from '../b.js';\nimport './c.js';\nconst d = import('../d.js');"))
      .toEqual(['./a.js', '../b.js', './c.js', '../d.js']);
    expect(relativeImports("/**\n * import { X } from '../x.js';\n */\n// import { Y } from '../y.js';\nimport { z } from 'node:z';")).toEqual([]);
  });

  it('finds a cycle when there is one (the checker is not vacuous)', () => {
    expect(folderCycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' }])).toEqual([['a', 'b', 'c']]);
    expect(folderCycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }])).toEqual([]);
  });

  it('names every folder in the layer order', () => {
    const units = new Set(sourceFiles(SRC).map(unitOf));
    expect([...units].filter((u) => !(LAYERS as readonly string[]).includes(u))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  it('has no folder importing a folder above it in the layer order', () => {
    const rank = (unit: string): number => (LAYERS as readonly string[]).indexOf(unit);
    const upward = edges
      .filter((e) => rank(e.to) > rank(e.from))
      .filter((e) => !ALLOWED.some((a) => a.from === e.from && a.to === e.to))
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    expect(upward).toEqual([]);
  });
});
