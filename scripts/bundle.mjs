// Bundles the compiled package (dist/, from tsc) into dist/bundled/: one file per entry point of the
// `exports` map and the `spiffe` command, with the code they share in chunks, so that importing
// spiffe-kit reads a few files instead of ~70 (measured: `import('spiffe-kit')` 70 -> 25 ms on the
// same machine; see BENCHMARKS.md, "Import cost"). Dependencies stay external; dynamic imports stay
// lazy (their own chunks). Every output sits two levels below the package root, as the tsc output
// does, so `new URL('../../…', import.meta.url)` resolves the same from both.
//
//   node scripts/bundle.mjs        (run by `npm run build` after tsc)
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entryPoints = {
  index: 'dist/index.js',
  testing: 'dist/testing/index.js',
  registrar: 'dist/registrar/index.js',
  otel: 'dist/otel/index.js',
  grpc: 'dist/grpc/index.js',
  cli: 'dist/cli/main.js',
};
for (const file of Object.values(entryPoints)) {
  if (!existsSync(`${root}/${file}`)) {
    console.error(`scripts/bundle.mjs: ${file} is missing; run tsc -p tsconfig.build.json first`);
    process.exit(1);
  }
}

/** Bundles `@bufbuild/protobuf/wire` (and the package files it imports) instead of leaving it external. */
const inlineProtobufWire = {
  name: 'inline-protobuf-wire',
  setup(b) {
    b.onResolve({ filter: /^@bufbuild\/protobuf\/wire$/ }, () => ({ path: fileURLToPath(import.meta.resolve('@bufbuild/protobuf/wire')) }));
  },
};

const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist/bundled',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Dependencies (and Node's modules) are resolved at run time, as the user installed them, except
  // the protobuf wire reader/writer the generated messages of src/gen/ use (the only message code:
  // the client decodes with it, the test Workload API's lazily loaded service definition encodes
  // with it, so both share one chunk): it is inlined (≈25 KB of source, a few KB used), which saves
  // loading the package's modules on `import 'spiffe-kit'`.
  packages: 'external',
  plugins: [inlineProtobufWire],
  chunkNames: '[name]-[hash]',
  // Class and function names stay as written: errors print them, and users read them.
  keepNames: true,
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const outputs = Object.entries(result.metafile.outputs);
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`bundled spiffe-kit ${pkg.version}: ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundled`);
