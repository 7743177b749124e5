// The README's ```ts and ```js blocks work as written: each one type-checks against the built
// package's declarations (dist/, which `npm test` builds first) and runs with Node against a test
// Workload API (SPIFFE_ENDPOINT_SOCKET), with its servers answering the requests its
// `<!-- readme-test: … -->` comment names. Blocks that need something this machine does not have
// (another service, a cloud) say so in that comment and are type-checked only. How blocks are
// marked: test/helpers/readme-blocks.ts. New blocks are picked up with no change here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpiffeBundle, X509Bundle } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { type CodeBlock, extractBlocks, type GivenData, prepareBlocks, type PreparedBlock, runBlock, typecheckBlocks } from './helpers/readme-blocks.js';
import { envWithoutEndpoint } from './helpers/run-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache');

function givenData(api: TestWorkloadApi): GivenData {
  const caPem = api.ca.rootCertificate.toString();
  return {
    caPem,
    jwksJson: JSON.stringify(api.ca.jwks()),
    bundleJson: SpiffeBundle.fromX509Bundle(X509Bundle.fromPem(api.trustDomain, caPem)).marshal(),
  };
}

/** A scratch directory inside the package (so `spiffe-kit` resolves to it), with the blocks and the givens they use. */
function scratch(blocks: readonly CodeBlock[], api: TestWorkloadApi): { dir: string; prepared: PreparedBlock[] } {
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(join(CACHE, 'readme-test-'));
  return { dir, prepared: prepareBlocks(blocks, dir, givenData(api)) };
}

const readme = extractBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

describe('README.md code blocks', () => {
  let api: TestWorkloadApi;
  let dir: string;
  let prepared: PreparedBlock[];
  let errors: Map<CodeBlock, string[]>;

  beforeAll(async () => {
    api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
    ({ dir, prepared } = scratch(readme, api));
    errors = typecheckBlocks(prepared);
  }, 120_000);

  afterAll(async () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await api?.close();
  });

  it('the README has its code blocks, each with a well-formed readme-test comment', () => {
    expect(readme.length).toBeGreaterThan(15);
    expect(readme.filter((b) => b.noRun === undefined).length).toBeGreaterThan(10);
    expect(readme.flatMap((b) => b.errors.map((e) => `README.md:${b.line}: ${e}`))).toEqual([]);
  });

  for (const block of readme) {
    const name = `${block.heading} (README.md:${block.line}, ${block.lang})`;
    it(`${name}: type-checks${block.noRun === undefined ? '' : ` (not run: ${block.noRun})`}`, () => {
      expect(errors.get(block)).toEqual([]);
    });
    if (block.noRun !== undefined) continue;
    it(`${name}: runs against the test Workload API`, { timeout: 40_000 }, async () => {
      const p = prepared.find((x) => x.block === block) as PreparedBlock;
      const run = await runBlock(p, envWithoutEndpoint({ SPIFFE_ENDPOINT_SOCKET: api.address }));
      expect(run.ok, run.out).toBe(true);
      for (const r of block.requests) expect(run.out).toMatch(new RegExp(`^readme-test: ${r.method} ${r.path} -> ${r.status ?? ''}`, 'm'));
    });
  }
});

// The harness itself: a block that is wrong in the ways README blocks were must fail.
describe('the README harness', () => {
  const markdown = [
    '# Fixture',
    '```ts',
    "import { X509Source } from 'spiffe-kit';",
    'const s = await X509Source.create();',
    'console.log(authorizeId, s.getX509Svid().id.toString());',
    '```',
    '<!-- readme-test: request GET /healthz 200; request GET /other -->',
    '```js',
    "import http from 'node:http';",
    'http.createServer((req, res) => { res.writeHead(req.url === "/healthz" ? 200 : 404).end(); if (req.url !== "/healthz") res.writeHead(404).end(); }).listen(8081);',
    '```',
    '```js',
    "Promise.reject(new Error('nobody awaits me'));",
    'setTimeout(() => {}, 60_000);',
    '```',
    '```yaml',
    '```ts',
    '```',
    '<!-- readme-test: no-run; given nothing; colour blue -->',
    '```ts',
    'export {};',
    '```',
    '- in a list:',
    '  ````ts title="exit.ts"',
    "  console.log('bye');",
    '  process.exit(0);',
    '  ````',
  ].join('\n');
  const blocks = extractBlocks(markdown);
  let api: TestWorkloadApi;
  let dir: string;
  let prepared: PreparedBlock[];

  beforeAll(async () => {
    api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
    ({ dir, prepared } = scratch(blocks, api));
  });

  afterAll(async () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await api?.close();
  });

  it('finds ts and js blocks (indented, longer fences, info strings too), skips other languages (and fences inside them), reads the comments, flags bad ones', () => {
    expect(blocks.map((b) => [b.line, b.lang, b.heading])).toEqual([
      [2, 'ts', 'Fixture'],
      [8, 'js', 'Fixture'],
      [12, 'js', 'Fixture'],
      [20, 'ts', 'Fixture'],
      [24, 'ts', 'Fixture'],
    ]);
    expect(blocks[4]?.code).toBe("console.log('bye');\nprocess.exit(0);\n");
    expect(blocks[1]?.requests).toEqual([{ method: 'GET', path: '/healthz', status: 200 }, { method: 'GET', path: '/other' }]);
    expect(blocks[3]?.errors).toEqual([
      'no-run needs a reason (why the block cannot run here)',
      expect.stringMatching(/^unknown given "nothing"/),
      expect.stringMatching(/^unknown part "colour blue"/),
    ]);
  });

  it('reports an undefined name (a missing import) at its line of the markdown file', () => {
    const errors = typecheckBlocks(prepared, 'fixture.md');
    expect(errors.get(blocks[0] as CodeBlock)).toEqual(["fixture.md:5: TS2304 Cannot find name 'authorizeId'."]);
    expect(errors.get(blocks[1] as CodeBlock)).toEqual([]);
  });

  it('fails a server block whose handler crashes on a request (ERR_HTTP_HEADERS_SENT), after the request that works', async () => {
    const run = await runBlock(prepared[1] as PreparedBlock, envWithoutEndpoint({ SPIFFE_ENDPOINT_SOCKET: api.address }));
    expect(run.out).toMatch(/^readme-test: GET \/healthz -> 200/m);
    expect(run.out).toContain('ERR_HTTP_HEADERS_SENT');
    expect(run.ok).toBe(false);
  });

  it('fails a block with an unhandled rejection, though its timers keep it alive', async () => {
    const run = await runBlock(prepared[2] as PreparedBlock, envWithoutEndpoint({ SPIFFE_ENDPOINT_SOCKET: api.address }));
    expect(run.out).toContain('nobody awaits me');
    expect(run.ok).toBe(false);
    expect(run.code).not.toBe(0);
  });

  it('accepts a block that ends itself with process.exit(0)', async () => {
    const run = await runBlock(prepared[4] as PreparedBlock, envWithoutEndpoint({ SPIFFE_ENDPOINT_SOCKET: api.address }));
    expect(run.out).toMatch(/^bye\nreadme-test: exited$/m);
    expect(run.ok, run.out).toBe(true);
  });
});
