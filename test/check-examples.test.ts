// scripts/check-examples.mjs: on a small package laid out like this one (its own typedoc.config.mjs,
// tsconfig.build.json and src/), it reports a public name without an example (an inherited method
// of an unexported base included), an example on anything no entry point reaches (an internal
// module, a private member, a local, a module comment), and examples that only restate a type or a
// value; on this repository it passes.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'check-examples.mjs');

function check(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr });
    });
  });
}

const ex = (code: string): string => ` * @example\n * \`\`\`ts\n * ${code}\n * \`\`\`\n`;

const FILES: Record<string, string> = {
  'typedoc.config.mjs': "export default { entryPoints: ['src/index.ts'] };\n",
  'tsconfig.build.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [] }, include: ['src'] }),
  'src/index.ts': [
    '/**',
    ' * The entry point.',
    ' *',
    ex("import { documented } from 'fixture';"),
    ' * @module fixture',
    ' */',
    "export { documented, undocumented, Widget, LIMIT, GOOD_LIMIT } from './public.js';",
    "export type { WidgetOptions, GoodOptions } from './public.js';",
    "export * as tools from './tools.js';",
    '',
  ].join('\n'),
  'src/public.ts': [
    `/**\n * Documented.\n *\n${ex('documented();')} */`,
    'export function documented(): void {}',
    '/** No example. */',
    'export function undocumented(): void {}',
    `/**\n * Options.\n *\n${ex("const o: WidgetOptions = { size: 1 };")} */`,
    'export interface WidgetOptions { size: number }',
    `/**\n * Options, shown where they go.\n *\n${ex('new Widget({ size: 1 });')} */`,
    'export interface GoodOptions { size: number }',
    `/**\n * A limit.\n *\n${ex('console.log(LIMIT); // 3')} */`,
    'export const LIMIT = 3;',
    `/**\n * A limit, used.\n *\n${ex('new Widget({ size: GOOD_LIMIT });')} */`,
    'export const GOOD_LIMIT = 3;',
    'class Base {',
    '  /** Inherited, without an example. */',
    '  inherited(): void {}',
    '}',
    `/**\n * A widget.\n *\n${ex('new Widget({ size: 1 });')} */`,
    'export class Widget extends Base {',
    '  constructor(readonly options: WidgetOptions) { super(); }',
    `  /**\n   * Public.\n   *\n${ex('widget.spin();').replace(/^ \*/gm, '   *')}   */`,
    '  spin(): void { this.secret(); }',
    `  /**\n   * Private.\n   *\n${ex('widget.secret();').replace(/^ \*/gm, '   *')}   */`,
    '  private secret(): void {',
    `    /**\n     * A local.\n     *\n${ex('local();').replace(/^ \*/gm, '     *')}     */`,
    '    const local = (): void => {};',
    '    local();',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/tools.ts': `/**\n * A namespace member.\n *\n${ex('tools.hammer();')} */\nexport function hammer(): void {}\n`,
  'src/internal.ts': [
    `/**\n * An internal module.\n *\n${ex('helper();')} * @module\n */`,
    "import { documented } from './public.js';",
    `/**\n * Internal.\n *\n${ex('helper();')} */`,
    'export function helper(): void { documented(); }',
    '',
  ].join('\n'),
};

describe('scripts/check-examples.mjs', () => {
  let dir: string;
  let run: { code: number; out: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-check-examples-'));
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    run = await check(['--root', dir]);
  }, 60_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('fails, and names every public name without an example, inherited methods included', () => {
    expect(run.code, run.out).toBe(1);
    const missing = run.out.slice(run.out.indexOf('@example missing'), run.out.indexOf('\n', run.out.indexOf('Widget.inherited')));
    expect(missing).toContain('undocumented (src/public.ts:');
    expect(missing).toContain('Widget.inherited (src/public.ts:');
    for (const fine of ['documented (', 'Widget.spin', 'tools.hammer', 'GoodOptions', 'GOOD_LIMIT']) expect(missing).not.toContain(`  ${fine}`);
  });

  it('reports examples on what no entry point reaches: an internal module and its exports, a private member, a local', () => {
    const strays = run.out.slice(run.out.indexOf('no public entry point exports'));
    expect(strays).toMatch(/src\/internal\.ts:1 \(module comment of an internal file\)/);
    expect(strays).toMatch(/src\/internal\.ts:\d+ helper/);
    expect(strays).toMatch(/src\/public\.ts:\d+ secret/);
    expect(strays).toMatch(/src\/public\.ts:\d+ local/);
    expect(strays).not.toMatch(/spin|hammer|index\.ts/);
  });

  it('reports an example that only restates a type or shows a value', () => {
    expect(run.out).toMatch(/WidgetOptions \(src\/public\.ts:\d+\): the example only restates the type/);
    expect(run.out).toMatch(/LIMIT \(src\/public\.ts:\d+\): the example only restates the value/);
    expect(run.out).not.toMatch(/GoodOptions \(|GOOD_LIMIT \(/);
  });

  it('passes on this repository', async () => {
    const own = await check([]);
    expect(own.code, own.out).toBe(0);
    expect(own.out).toContain('every public name has a TSDoc @example');
  }, 60_000);
});
