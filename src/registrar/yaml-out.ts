/**
 * The YAML writer of every Kubernetes renderer. Kubernetes reads manifests with go-yaml v2
 * (sigs.k8s.io/yaml), which follows YAML 1.1's resolution rules: plain `yes`, `no`, `on`, `Off`,
 * `y`, `N` are booleans, `1_000`, `0o17`, `0x1f`, `1:20` and `.5` numbers, `~` null, `2001-12-14`
 * a timestamp, `<<` a merge key (go.yaml.in/yaml/v2 resolve.go; Go's strconv.ParseInt with base
 * 0 accepts `_` and `0o`). A YAML 1.2 writer leaves those plain because 1.2 reads them as strings.
 * So every string scalar, value or key, is written plain only when it is plainly a string under
 * both versions (it starts with a letter or `/`, holds only `[A-Za-z0-9_./@-]` and `:` between
 * them, and is not one of the 1.1 boolean or null words); anything else is double-quoted, with
 * every character outside YAML's printable set escaped (go-yaml v2 folds a raw U+0085 into a
 * space and refuses C1 controls; go.yaml.in/yaml/v2 readerc.go, scannerc.go).
 *
 * The output is block style, two-space indents, sequences indented under their key.
 *
 * @module
 */

// go.yaml.in/yaml/v2 resolve.go: the plain words that resolve to booleans and null.
const WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL']);
const SAFE_PLAIN = /^[A-Za-z/][A-Za-z0-9_./@-]*(:[A-Za-z0-9_./@-]+)*$/;
// Outside YAML's printable set (c-printable), a line break YAML 1.1 knows beyond \n and \r, a
// byte order mark, or a lone surrogate (one UTF-16 unit of the surrogate range).
function mustEscape(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff || cp === 0xfffe || cp === 0xffff || (cp >= 0xd800 && cp <= 0xdfff);
}
// The `yaml` package's YAML 1.1 schema reads `e-15` as a float: never plain either.
const EXPONENT_ONLY = /^[eE][-+]?[0-9]/;

/**
 * Whether `s` can be written as a plain scalar and still read back as the same string under YAML
 * 1.1 (Kubernetes, go-yaml v2) and YAML 1.2.
 */
export function isSafePlainString(s: string): boolean {
  return SAFE_PLAIN.test(s) && !WORDS.has(s) && !EXPONENT_ONLY.test(s);
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (mustEscape(ch.codePointAt(0) ?? 0)) out += `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return isSafePlainString(v) ? v : quote(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot write ${v} in a manifest`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  throw new TypeError(`cannot write a ${typeof v} in a manifest`);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function block(v: unknown, indent: string, out: string[]): void {
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if (isMap(x) && Object.keys(x).length > 0) {
        out.push(`${indent}${scalar(k)}:`);
        block(x, `${indent}  `, out);
      } else if (Array.isArray(x) && x.length > 0) {
        out.push(`${indent}${scalar(k)}:`);
        block(x, `${indent}  `, out);
      } else out.push(`${indent}${scalar(k)}: ${inline(x)}`);
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) {
      if ((isMap(x) && Object.keys(x).length > 0) || (Array.isArray(x) && x.length > 0)) {
        const inner: string[] = [];
        block(x, `${indent}  `, inner);
        out.push(`${indent}- ${(inner[0] ?? '').slice(indent.length + 2)}`, ...inner.slice(1));
      } else out.push(`${indent}- ${inline(x)}`);
    }
    return;
  }
  out.push(`${indent}${scalar(v)}`);
}

function inline(v: unknown): string {
  if (isMap(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  return scalar(v);
}

/**
 * `doc` (plain objects, arrays, strings, finite numbers, booleans, null) as a YAML document in
 * which every string reads back as the same string under YAML 1.1 and 1.2.
 *
 * @throws TypeError for other values (undefined members are left out).
 */
export function toK8sYaml(doc: unknown): string {
  const out: string[] = [];
  block(doc, '', out);
  return `${out.join('\n')}\n`;
}
