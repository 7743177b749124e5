// Generates the protobuf message code of src/gen/ from proto/workload.proto (the Workload API) and
// proto/spire/api/server/entry/v1/entry.proto (the SPIRE Server Entry API the registrar calls, with
// the spire/api/types files it imports):
//
//   npm run gen          (buf generate with ts-proto, then the patches below)
//
// buf (from the @bufbuild/buf npm package) compiles the protos (google/protobuf/struct.proto and
// wrappers.proto are built into buf) and runs ts-proto's plugin with the options of buf.gen.yaml. The output is
// committed; CI does not run this. Then, because the generated decoders are more lenient than Go's
// on hostile bytes (see src/internal/proto-wire.ts), and ts-proto's Struct unwrap writes keys with
// `object[key] = …` (a "__proto__" key would replace the prototype), each file gets these patches,
// applied to exact strings so that a change of the generator's output fails here instead of being
// silently left unpatched:
//
//   1. `const tag = reader.uint32();` → `const tag = readTag(reader);` (32-bit tags, field 0,
//      end-group, wire types 6/7 refused);
//   2. before each decoder's `return message;`: `endOfMessage(reader, end);` (a field may not run
//      past its message's length);
//   3. `reader.skip(tag & 7);` → `skipField(reader, tag);` (a skipped group must end with its own
//      field number; a skipped length gets the check of 7);
//   4. Struct.unwrap defines each key as an own property (Object.defineProperty), so "__proto__"
//      is a claim like any other;
//   5. Value.unwrap reads a Value with no member set as null (JSON has no undefined; ts-proto
//      would leave the value undefined, which drops a struct key and leaves a hole in a list);
//   6. bytes fields are Buffer views of the received message (`bytesView`), not copies, as the
//      earlier hand codec gave them: copying a 1,000-SVID response doubled its decode time.
//   7. every length read (`reader.bytes()`, `reader.string()`, an embedded message's
//      `reader.uint32()`) goes through `lengthChecked(reader)` first: a length over 32 bits is
//      refused, where `uint32()` alone would keep its low 32 bits.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'src/gen');
rmSync(out, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', 'proto', '--template', 'buf.gen.yaml', '--path', 'proto/workload.proto', '--path', 'proto/spire/api/server/entry/v1/entry.proto'], { cwd: root, stdio: 'inherit' });

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function replaceAll(text, from, to, file, expected) {
  const parts = text.split(from);
  if (parts.length - 1 < expected) throw new Error(`scripts/gen.mjs: ${relative(root, file)}: expected ${expected}+ of ${JSON.stringify(from)}, found ${parts.length - 1}`);
  return parts.join(to);
}

for (const file of files(out)) {
  let text = readFileSync(file, 'utf8');
  const decoders = text.split('const end = length === undefined ? reader.len : reader.pos + length;').length - 1;
  if (decoders === 0) throw new Error(`scripts/gen.mjs: ${relative(root, file)} has no decoder`);
  const helper = relative(dirname(file), join(root, 'src/internal/proto-wire.js')).replaceAll('\\', '/');
  text = replaceAll(text, 'import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";\n', `import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";\nimport { endOfMessage, readTag } from "${helper.startsWith('.') ? helper : `./${helper}`}";\n`, file, 1);
  if (text.includes('Buffer.from(reader.bytes())')) {
    text = replaceAll(text, 'Buffer.from(reader.bytes())', 'bytesView(reader.bytes())', file, 1);
    text = text.replace('import { endOfMessage, readTag }', 'import { bytesView, endOfMessage, readTag }');
  }
  text = replaceAll(text, 'const tag = reader.uint32();', 'const tag = readTag(reader);', file, decoders);
  for (const read of ['reader.bytes()', 'reader.string()', '(reader, reader.uint32())']) {
    if (text.includes(read)) text = replaceAll(text, read, read.replace('reader.', 'lengthChecked(reader).'), file, 1);
  }
  text = text.replace('import { bytesView, endOfMessage, readTag }', 'import { bytesView, endOfMessage, lengthChecked, readTag, skipField }').replace('import { endOfMessage, readTag }', 'import { endOfMessage, lengthChecked, readTag, skipField }');
  text = replaceAll(text, '        reader.skip(tag & 7);\n      }\n      return message;\n', '        skipField(reader, tag);\n      }\n      endOfMessage(reader, end);\n      return message;\n', file, decoders);
  if (file.endsWith('struct.ts')) {
    text = replaceAll(
      text,
      '        object[key] = message.fields.get(key);\n',
      '        globalThis.Object.defineProperty(object, key, { value: message.fields.get(key), enumerable: true, writable: true, configurable: true });\n',
      file,
      1,
    );
  }
  if (file.endsWith('struct.ts')) {
    text = replaceAll(
      text,
      'return (message.kind?.$case === "null_value") ? null : message.kind?.value;',
      'return (message.kind === undefined || message.kind.$case === "null_value") ? null : message.kind.value;',
      file,
      1,
    );
  }
  if (text.includes('object[key] =')) throw new Error(`scripts/gen.mjs: ${relative(root, file)} still assigns object[key]`);
  writeFileSync(file, text);
}
console.log(`scripts/gen.mjs: generated ${files(out).map((f) => relative(root, f)).join(', ')}`);
