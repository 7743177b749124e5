// `npm run pack:check`: what `npm publish` would ship, checked by publint and by
// arethetypeswrong with its full ("strict") profile: node10, node16 from CommonJS and from ESM,
// and bundlers, for every entry point of the `exports` map.
//
// One attw rule is ignored, `cjs-resolves-to-esm` ("a require call resolved to an ESM JavaScript
// file"): spiffe-kit is an ESM-only package on purpose, and CommonJS code uses it through
// require(esm), which Node runs unflagged from 20.19 on, the oldest Node that `engines` allows
// (test/cjs.test.ts and test/pack.test.ts require it). attw models require(esm) as an error
// because the TypeScript it ships (5.6) predates TypeScript's `module: node20`/`nodenext`
// support for it (5.8+); test/pack.test.ts compiles a `.cts` consumer with `module: nodenext`
// and runs it. With `module: node16`, TypeScript still reports TS1479 for such a require; the
// fix there is `module: nodenext`, not a CommonJS build. Every other rule stays on, so node10
// (`typesVersions`) and the types of each entry point are checked.
//
//   npm run pack:check       (packs with `npm pack`, whose `prepack` script builds)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run('npm', ['pack', '--dry-run']);
run('npx', ['publint']);
run('npx', ['attw', '--pack', '.', '--profile', 'strict', '--ignore-rules', 'cjs-resolves-to-esm']);
