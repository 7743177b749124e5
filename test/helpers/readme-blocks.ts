// The ```ts and ```js code blocks of a markdown file (README.md), as test/readme.test.ts checks
// them: each block is type-checked with TypeScript against the built package's declarations
// (`spiffe-kit` resolves to this package, through its `exports`), then run with Node as its own
// ES module (test/helpers/readme-runner.mjs).
//
// An HTML comment on the line before a block's fence, invisible on GitHub, tells the harness what
// the block needs; parts are separated by `;`:
//
//   <!-- readme-test: given source, app -->      names the block uses that earlier blocks made
//                                                (see GIVENS); the harness defines them first
//   <!-- readme-test: request GET /healthz 200 --> after the block's top level has run, send this
//                                                request to the http server it started (the
//                                                status is optional); repeatable
//   <!-- readme-test: no-run needs X, because Y --> type-check only; the reason is required
//
// A block without a comment is type-checked and run as is. An unknown part, an unknown given or a
// `no-run` without a reason is an error of the block, so a typo cannot turn a check off.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import ts from 'typescript';

const RUNNER = fileURLToPath(new URL('./readme-runner.mjs', import.meta.url));

/** One request a block's server must answer (`request METHOD PATH [STATUS]`). */
export interface BlockRequest {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
}

/** A code block of the markdown file. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  /** The nearest heading above the block. */
  readonly heading: string;
  readonly code: string;
  readonly given: readonly string[];
  readonly requests: readonly BlockRequest[];
  /** Why the block is type-checked only; undefined when it runs. */
  readonly noRun: string | undefined;
  /** Problems with the block's `readme-test` comment. */
  readonly errors: readonly string[];
}

/**
 * What earlier blocks of the README made and later ones use, defined for a block that names them
 * in `given`: each is a module of its own in the block's directory, run against the same test
 * Workload API (SPIFFE_ENDPOINT_SOCKET). `data` holds values of the test Workload API (PEMs,
 * JSON) that the test passes in.
 */
export interface GivenData {
  readonly caPem: string;
  readonly jwksJson: string;
  readonly bundleJson: string;
}

interface Given {
  readonly file: string;
  readonly code: (data: GivenData) => string;
}

const GIVENS: Readonly<Record<string, Given>> = {
  // "const source = await X509Source.create();" (Getting your identity, mTLS between services)
  source: { file: 'given-source.mts', code: () => `import { X509Source } from 'spiffe-kit';\nexport const source = await X509Source.create();\n` },
  // "const jwtSource = await JwtSource.create();" (JWT-SVIDs)
  jwtSource: { file: 'given-jwtSource.mts', code: () => `import { JwtSource } from 'spiffe-kit';\nexport const jwtSource = await JwtSource.create();\n` },
  // a JWT-SVID for the audience "orders", as a caller sends it
  token: {
    file: 'given-token.mts',
    code: () => `import { jwtSource } from './given-jwtSource.mjs';\nexport const token: string = (await jwtSource.fetchJwtSvid({ audience: 'orders' })).token;\n`,
  },
  // the peer's certificate chain, leaf first, as a TLS socket gives it
  peerCertificates: {
    file: 'given-peerCertificates.mts',
    code: () => `import { source } from './given-source.mjs';\nexport const peerCertificates = source.getX509Svid().certificates;\n`,
  },
  // an express app (express ships no types; a .mjs module, so it is `any` as in JavaScript)
  app: { file: 'given-app.mjs', code: () => `import express from 'express';\nexport const app = express();\n` },
  // a response callback of https.get
  onResponse: {
    file: 'given-onResponse.mts',
    code: () => `import type { IncomingMessage } from 'node:http';\nexport const onResponse = (res: IncomingMessage): void => { res.resume(); };\n`,
  },
  // the generated service definition and client of a gRPC service "Orders" with one method "get"
  OrdersService: {
    file: 'given-orders.mts',
    code: () =>
      [
        `import * as grpc from '@grpc/grpc-js';`,
        `const json = { serialize: (v: unknown) => Buffer.from(JSON.stringify(v)), deserialize: (b: Buffer): any => JSON.parse(b.toString()) };`,
        `export const OrdersService: grpc.ServiceDefinition = {`,
        `  get: { path: '/orders.Orders/Get', requestStream: false, responseStream: false, originalName: 'get',`,
        `    requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },`,
        `};`,
        `export const OrdersClient = grpc.makeGenericClientConstructor(OrdersService, 'Orders');`,
        ``,
      ].join('\n'),
  },
  OrdersClient: { file: 'given-orders.mts', code: (d) => GIVENS['OrdersService']!.code(d) },
  // the trust bundle of example.org as PEM, a JWK Set, a SPIFFE bundle (JSON text)
  caPem: { file: 'given-caPem.mts', code: (d) => `export const caPem = ${JSON.stringify(d.caPem)};\n` },
  jwksJson: { file: 'given-jwksJson.mts', code: (d) => `export const jwksJson = ${JSON.stringify(d.jwksJson)};\n` },
  bundleJson: { file: 'given-bundleJson.mts', code: (d) => `export const bundleJson = ${JSON.stringify(d.bundleJson)};\n` },
};
// Givens that use other givens.
const GIVEN_NEEDS: Readonly<Record<string, readonly string[]>> = { token: ['jwtSource'], peerCertificates: ['source'] };

// A fence: up to 3 spaces, 3+ backticks, an info string whose first word is the language.
const FENCE = /^( {0,3})(`{3,})\s*([^\s`]*)[^`]*$/;
const DIRECTIVE = /^<!--\s*readme-test:(.*)-->\s*$/;
const LANGS: Readonly<Record<string, 'ts' | 'js'>> = { ts: 'ts', typescript: 'ts', mts: 'ts', js: 'js', javascript: 'js', mjs: 'js' };

/** The ```ts / ```js blocks of `markdown` (other languages are skipped), with their `readme-test` comments. */
export function extractBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const open = FENCE.exec(line);
    if (open === null) {
      if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '').trim();
      continue;
    }
    const [, indent = '', ticks = '', info = ''] = open;
    const start = i;
    const body: string[] = [];
    const close = new RegExp(`^ {0,3}\`{${ticks.length},}\\s*$`);
    for (i++; i < lines.length && !close.test(lines[i] as string); i++) body.push((lines[i] as string).replace(new RegExp(`^ {0,${indent.length}}`), ''));
    const lang = LANGS[info.toLowerCase()];
    if (lang === undefined) continue;
    let prev = start - 1;
    while (prev >= 0 && (lines[prev] as string).trim() === '') prev--;
    const directive = prev >= 0 ? DIRECTIVE.exec((lines[prev] as string).trim()) : null;
    blocks.push({ line: start + 1, lang, heading, code: body.join('\n') + '\n', ...parseDirective(directive?.[1] ?? '') });
  }
  return blocks;
}

function parseDirective(text: string): Pick<CodeBlock, 'given' | 'requests' | 'noRun' | 'errors'> {
  const given: string[] = [];
  const requests: BlockRequest[] = [];
  const errors: string[] = [];
  let noRun: string | undefined;
  for (const part of text.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key = '', ...rest] = part.split(/\s+/);
    const value = part.slice(key.length).trim();
    if (key === 'given') {
      for (const name of value.split(',').map((n) => n.trim()).filter((n) => n !== '')) {
        if (GIVENS[name] === undefined) errors.push(`unknown given "${name}" (known: ${Object.keys(GIVENS).join(', ')})`);
        else given.push(name);
      }
    } else if (key === 'request') {
      const [method = '', path = '', status] = rest;
      if (!/^[A-Z]+$/.test(method) || !path.startsWith('/') || (status !== undefined && !/^\d{3}$/.test(status)) || rest.length > 3) {
        errors.push(`bad request "${value}" (want: request METHOD /path [STATUS])`);
      } else {
        requests.push(status === undefined ? { method, path } : { method, path, status: Number(status) });
      }
    } else if (key === 'no-run') {
      if (value.length < 10) errors.push('no-run needs a reason (why the block cannot run here)');
      noRun = value;
    } else {
      errors.push(`unknown part "${part}" (known: given, request, no-run)`);
    }
  }
  if (noRun !== undefined && requests.length > 0) errors.push('a no-run block cannot have requests');
  return { given, requests, noRun, errors };
}

/** A block written to disk: the source to type-check, the module to run. */
export interface PreparedBlock {
  readonly block: CodeBlock;
  readonly source: string;
  readonly module: string;
  /** Lines the harness put before the block's code. */
  readonly prelude: number;
}

/** Writes every block, and the givens they use, into `dir` (which must sit inside this package, so `spiffe-kit` resolves to it). */
export function prepareBlocks(blocks: readonly CodeBlock[], dir: string, data: GivenData): PreparedBlock[] {
  mkdirSync(dir, { recursive: true });
  const givens = new Set<string>();
  const add = (name: string): void => {
    if (givens.has(name)) return;
    givens.add(name);
    for (const need of GIVEN_NEEDS[name] ?? []) add(need);
  };
  for (const b of blocks) b.given.forEach(add);
  for (const name of givens) {
    const given = GIVENS[name] as Given;
    writeFileSync(join(dir, given.file), given.code(data));
    if (given.file.endsWith('.mts')) writeFileSync(join(dir, given.file.replace(/\.mts$/, '.mjs')), transpile(given.code(data)));
  }
  return blocks.map((block) => {
    const base = join(dir, `block-${String(block.line).padStart(4, '0')}`);
    const imports = block.given.map((name) => `import { ${name} } from './${(GIVENS[name] as Given).file.replace(/\.mts$/, '.mjs')}';`).join(' ');
    const code = (imports === '' ? '' : `${imports}\n`) + block.code;
    const source = `${base}.${block.lang === 'ts' ? 'mts' : 'mjs'}`;
    writeFileSync(source, code);
    if (block.lang === 'ts') writeFileSync(`${base}.mjs`, transpile(code));
    return { block, source, module: `${base}.mjs`, prelude: imports === '' ? 0 : 1 };
  });
}

function transpile(code: string): string {
  return transformSync(code, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: 'block.mts' }).code;
}

/**
 * Type-checks the prepared blocks (strict, `module: nodenext`, Node's types; `js` blocks with
 * checkJs and implicit `any` allowed) and returns each block's errors as `README.md:LINE: TSxxxx
 * message`, with the line in the markdown file.
 */
export function typecheckBlocks(prepared: readonly PreparedBlock[], file = 'README.md'): Map<CodeBlock, string[]> {
  const result = new Map<CodeBlock, string[]>();
  // JavaScript blocks have no annotations to write, so an implicit `any` is no error of theirs.
  for (const lang of ['ts', 'js'] as const) {
    const mine = prepared.filter((p) => p.block.lang === lang);
    if (mine.length === 0) continue;
    const program = ts.createProgram(
      mine.map((p) => p.source),
      { ...COMPILER_OPTIONS, noImplicitAny: lang === 'ts' },
    );
    for (const p of mine) {
      const sf = program.getSourceFile(p.source);
      const diagnostics = sf === undefined ? [] : [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
      result.set(
        p.block,
        diagnostics.map((d) => {
          const at = d.start === undefined ? 0 : sf!.getLineAndCharacterOfPosition(d.start).line;
          return `${file}:${p.block.line + 1 + at - p.prelude}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
        }),
      );
    }
    // Errors in the givens are errors of the harness: report them on every block that uses them.
    for (const d of ts.getPreEmitDiagnostics(program).filter((x) => x.file !== undefined && /\/given-[^/]+$/.test(x.file.fileName))) {
      for (const p of mine) result.get(p.block)!.push(`harness given ${d.file!.fileName}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return result;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  allowJs: true,
  checkJs: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
};

/** How a block's run ended. */
export interface BlockRun {
  /** Exit code 0 after the runner's "done" (or the block's own `process.exit(0)` when it asks for no requests): the block ran, its servers answered as asked. */
  readonly ok: boolean;
  readonly code: number | null;
  readonly out: string;
}

/** Runs a prepared block with Node (see readme-runner.mjs); killed after `timeoutMs`. */
export function runBlock(p: PreparedBlock, env: NodeJS.ProcessEnv, timeoutMs = 25_000): Promise<BlockRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, p.module, JSON.stringify(p.block.requests)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      out += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && (/^readme-test: done/m.test(out) || (p.block.requests.length === 0 && /^readme-test: exited/m.test(out))), code, out });
    });
  });
}
