/**
 * A reader of Go `text/template` syntax, enough to refuse what Go's parser refuses and to list
 * what a template uses: the field chains it reads (from `.`, `$` or a variable) and the functions
 * it calls. Rules follow Go's text/template/parse (lex.go, parse.go, node.go): `{{` `}}`
 * delimiters with `{{- ` / ` -}}` trim markers, comments between `{{/*` and the closing star-slash, pipelines of commands
 * separated by `|`, `if` / `with` / `range` / `else` / `end`, `define` / `block` / `template`,
 * `break` / `continue` inside `range`, variable declarations, and function names that must be
 * defined when the template is parsed (only Go's builtins: spire-controller-manager registers no
 * functions, api/v1alpha1/clusterspiffeid_webhook.go parses with `template.New(name).Parse`).
 *
 * @module
 */

/**
 * Go's builtin template functions (text/template/funcs.go builtins()).
 */
export const GO_TEMPLATE_BUILTINS: ReadonlySet<string> = new Set(['and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery', 'eq', 'ge', 'gt', 'le', 'lt', 'ne']);

/**
 * A field chain a template reads: from the data (`.A.B` or `$.A.B`), or from a value of unknown
 * type (dot changed by `range` / `with`, a variable, a parenthesized pipeline).
 */
export interface FieldUse {
  readonly root: 'data' | 'unknown';
  readonly chain: readonly string[];
}

/**
 * What {@link parseGoTemplate} found: the syntax error Go would report (roughly worded), or the
 * field chains read and whether the template has any action at all.
 */
export type GoTemplateInfo =
  | {
      readonly ok: true;
      readonly fields: readonly FieldUse[];
      readonly functions: readonly string[];
      /** Errors Go reports whenever the template is executed, whatever the data ("nil is not a command"). */
      readonly execErrors: readonly string[];
      /** Number of actions (comments excluded). */
      readonly actions: number;
      /**
       * The template as literal text, and for each action outside any control structure the
       * field chain it prints when it is exactly one data field (`{{ .PodMeta.Name }}`), else
       * `null` (with `literal`, the value of an action that is one string constant); undefined
       * parts when the template has control structures.
       */
      readonly parts: readonly (string | { readonly field: readonly string[] | null; readonly literal?: string })[] | undefined;
    }
  | { readonly ok: false; readonly error: string };

type Tok = (
  | { k: 'field'; v: string } // ".A.B" (v = "A.B"), or "." (v = "")
  | { k: 'var'; v: string } // "$x" or "$"
  | { k: 'ident'; v: string }
  | { k: 'lit'; s?: string } // string (s: its value), raw string, char, number; bool and nil are idents
  | { k: 'pipe' }
  | { k: 'lparen' }
  | { k: 'rparen' }
  | { k: 'declare' }
  | { k: 'assign' }
  | { k: 'comma' }
  | { k: 'chain'; v: string } // ".A.B" right after ")" or a variable without space
) & { sp?: boolean }; // sp: preceded by a space

class TemplateSyntaxError extends Error {}
function fail(msg: string): never {
  throw new TemplateSyntaxError(msg);
}

const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const CONSTANTS = new Set(['true', 'false', 'nil']);

/** Splits text and actions; returns the actions' token lists (null entries are comments). */
function lex(src: string): { texts: string[]; actions: (Tok[] | null)[] } {
  const texts: string[] = [];
  const actions: (Tok[] | null)[] = [];
  let i = 0;
  let text = '';
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      text += src.slice(i);
      break;
    }
    text += src.slice(i, open);
    let j = open + 2;
    // "{{- " trims the text before; "{{-3}}" is the number -3.
    if (src[j] === '-' && SPACE.test(src[j + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 2;
    }
    // Comments: "{{/*" up to the closing star-slash and "}}" (lex.go lexComment), possibly with trim markers.
    let k = j;
    while (SPACE.test(src[k] ?? '') && k > open + 2) k++;
    if (src.startsWith('/*', k)) {
      const end = src.indexOf('*/', k + 2);
      if (end < 0) fail('unclosed comment');
      let after = end + 2;
      let trimAfter = false;
      if (src.startsWith(' -}}', after) || src.startsWith('\t-}}', after) || src.startsWith('\n-}}', after) || src.startsWith('\r-}}', after)) {
        trimAfter = true;
        after += 4;
      } else if (src.startsWith('}}', after)) after += 2;
      else fail('comment ends before closing delimiter');
      texts.push(text);
      actions.push(null);
      text = '';
      i = after;
      if (trimAfter) while (SPACE.test(src[i] ?? '')) i++;
      continue;
    }
    const toks: Tok[] = [];
    let spaced = false;
    const push = (t: Tok): void => {
      toks.push({ ...t, sp: spaced });
      spaced = false;
    };
    // lex.go atTerminator: what may follow a field, variable or identifier.
    const terminated = (at: number): void => {
      const n = src[at] ?? '';
      if (n === '' || SPACE.test(n) || '.,|:()'.includes(n) || src.startsWith('}}', at)) return;
      fail(`bad character ${JSON.stringify(n)}`);
    };
    let depth = 0;
    let closed = false;
    let trimAfter = false;
    while (j < src.length) {
      const c = src[j] ?? '';
      if (SPACE.test(c)) {
        // " -}}" closes with a right trim marker.
        let s = j;
        while (SPACE.test(src[s] ?? '')) s++;
        if (src.startsWith('-}}', s)) {
          trimAfter = true;
          j = s + 3;
          closed = true;
          break;
        }
        spaced = true;
        j = s;
        continue;
      }
      if (src.startsWith('}}', j)) {
        j += 2;
        closed = true;
        break;
      }
      if (c === '|') {
        push({ k: 'pipe' });
        j++;
      } else if (c === '(') {
        depth++;
        push({ k: 'lparen' });
        j++;
      } else if (c === ')') {
        depth--;
        if (depth < 0) fail(`unexpected right paren`);
        push({ k: 'rparen' });
        j++;
        if (src[j] === '.') {
          const m = /^(\.[\p{L}_][\p{L}\p{Nd}_]*)+/u.exec(src.slice(j));
          if (m === null) fail('bad character after )');
          push({ k: 'chain', v: m![0].slice(1) });
          j += m![0].length;
        }
      } else if (c === ':' && src[j + 1] === '=') {
        push({ k: 'declare' });
        j += 2;
      } else if (c === '=') {
        push({ k: 'assign' });
        j++;
      } else if (c === ',') {
        push({ k: 'comma' });
        j++;
      } else if (c === '"') {
        let e = j + 1;
        for (; e < src.length && src[e] !== '"'; e++) {
          if (src[e] === '\\') e++;
          if (src[e] === '\n') fail('unterminated quoted string');
        }
        if (e >= src.length) fail('unterminated quoted string');
        const body = src.slice(j + 1, e);
        if (/\\(?![abfnrtv\\"'0-7xuU])/.test(body)) fail(`invalid syntax in string "${body}"`);
        let value: string | undefined;
        try {
          value = JSON.parse(`"${body}"`) as string;
        } catch {
          value = undefined;
        }
        push(value === undefined ? { k: 'lit' } : { k: 'lit', s: value });
        j = e + 1;
      } else if (c === '`') {
        const e = src.indexOf('`', j + 1);
        if (e < 0) fail('unterminated raw quoted string');
        push({ k: 'lit', s: src.slice(j + 1, e).replace(/\r/g, '') });
        j = e + 1;
      } else if (c === "'") {
        const m = /^'(\\.[^']*|[^'\\\n])'/su.exec(src.slice(j));
        if (m === null) fail('unterminated character constant');
        push({ k: 'lit' });
        j += m![0].length;
      } else if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(src[j + 1] ?? '')) || (c === '.' && /[0-9]/.test(src[j + 1] ?? ''))) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|([0-9][0-9_]*)?\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(src.slice(j));
        const num = m?.[0] ?? '';
        if (num === '' || num === '+' || num === '-' || ALNUM.test(src[j + num.length] ?? '') || src[j + num.length] === '.') fail(`bad number syntax: "${src.slice(j, j + num.length + 1)}"`);
        // What strconv then accepts (parse/node.go newNumber): a digit somewhere, hex floats with a p exponent.
        const body = num.replace(/^[+-]/, '').replace(/i$/, '');
        if (!/[0-9]/.test(body) || (/^0[xX]/.test(body) && body.includes('.') && !/[pP]/.test(body)) || /^\.?[eE_]/.test(body) || /_$|__|_\.|\._/.test(body)) fail(`illegal number syntax: "${num}"`);
        push({ k: 'lit' });
        j += num.length;
      } else if (c === '.') {
        const m = /^(\.[\p{L}_][\p{L}\p{Nd}_]*)*/u.exec(src.slice(j));
        const chain = m?.[0] ?? '';
        if (chain === '') {
          if (ALNUM.test(src[j + 1] ?? '')) fail('bad character after .');
          terminated(j + 1);
          push({ k: 'field', v: '' });
          j++;
        } else {
          push({ k: 'field', v: chain.slice(1) });
          j += chain.length;
          terminated(j);
        }
      } else if (c === '$') {
        const m = /^\$[\p{L}\p{Nd}_]*/u.exec(src.slice(j));
        const name = m?.[0] ?? '$';
        push({ k: 'var', v: name });
        j += name.length;
        if (src[j] === '.' && /[\p{L}_]/u.test(src[j + 1] ?? '')) {
          const c2 = /^(\.[\p{L}_][\p{L}\p{Nd}_]*)+/u.exec(src.slice(j));
          push({ k: 'chain', v: (c2?.[0] ?? '').slice(1) });
          j += (c2?.[0] ?? '').length;
        }
        terminated(j);
      } else if (/[\p{L}_]/u.test(c)) {
        const m = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(src.slice(j));
        const name = m?.[0] ?? '';
        j += name.length;
        if (src[j] === '.' && /[\p{L}_]/u.test(src[j + 1] ?? '') && !KEYWORDS.has(name)) fail(`unexpected . after term "${name}"`);
        terminated(j);
        push({ k: 'ident', v: name });
      } else fail(`unrecognized character in action: ${JSON.stringify(c)}`);
    }
    if (!closed) fail('unclosed action');
    if (depth > 0) fail('unclosed left paren');
    texts.push(text);
    actions.push(toks);
    text = '';
    i = j;
    if (trimAfter) while (SPACE.test(src[i] ?? '')) i++;
  }
  texts.push(text);
  return { texts, actions };
}

interface Scope {
  vars: Set<string>;
}

/**
 * Parses `src` as Go's text/template parser does (no functions besides the builtins) and lists
 * the fields it reads.
 */
export function parseGoTemplate(src: string): GoTemplateInfo {
  try {
    return parse(src);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

function parse(src: string): GoTemplateInfo {
  const { texts, actions } = lex(src);
  const fields: FieldUse[] = [];
  const functions = new Set<string>();
  const execErrors = new Set<string>();
  // The control stack: what each open block is, and whether dot is still the data inside it.
  const stack: { kind: string; dotIsData: boolean; vars: Set<string>; sawElse: boolean }[] = [];
  const root = { vars: new Set<string>(['$']) };
  let count = 0;
  const parts: (string | { field: string[] | null; literal?: string })[] = [];
  let control = false;
  const dotIsData = (): boolean => stack.every((s) => s.dotIsData);
  const known = (v: string): boolean => root.vars.has(v) || stack.some((s) => s.vars.has(v));

  // One pipeline: decl? cmd ("|" cmd)*. Returns nothing; records uses.
  const pipeline = (toks: Tok[], ctx: string, scope: Scope, allowDecl: boolean): void => {
    let p = 0;
    // Variable declarations: "$x :=" or "$x, $y :=" (range), or assignment "$x =".
    if (toks[0]?.k === 'var' && (toks[1]?.k === 'declare' || toks[1]?.k === 'assign' || toks[1]?.k === 'comma')) {
      const names: string[] = [toks[0].v];
      p = 1;
      if (toks[p]?.k === 'comma') {
        if (ctx !== 'range') fail(`too many declarations in ${ctx}`);
        if (toks[p + 1]?.k !== 'var') fail('expected variable after comma');
        names.push((toks[p + 1] as { v: string }).v);
        p += 2;
      }
      const op = toks[p];
      if (op?.k !== 'declare' && op?.k !== 'assign') fail('expected := or =');
      if (op?.k === 'assign' && !names.every(known)) fail(`undefined variable "${names[0] ?? ''}"`);
      if (!allowDecl && op?.k === 'declare' && ctx === 'command') fail('unexpected declaration');
      p++;
      for (const n of names) scope.vars.add(n);
    }
    const rest = toks.slice(p);
    if (rest.length === 0) fail(`missing value for ${ctx}`);
    const cmds: Tok[][] = [[]];
    let depth = 0;
    for (const t of rest) {
      if (t.k === 'lparen') depth++;
      if (t.k === 'rparen') depth--;
      if (t.k === 'pipe' && depth === 0) cmds.push([]);
      else cmds[cmds.length - 1]?.push(t);
    }
    // parse.go pipeline: a pipe may end the pipeline ("{{ x | }}"), but no command may be empty
    // before it; only the first command may start with a non-executable operand (checkPipeline).
    if (cmds.length > 1 && cmds[cmds.length - 1]?.length === 0) cmds.pop();
    cmds.forEach((cmd, idx) => {
      const h = cmd[0];
      if (idx > 0 && h !== undefined && (h.k === 'lit' || (h.k === 'field' && h.v === '') || (h.k === 'ident' && CONSTANTS.has(h.v)))) fail(`non executable command in pipeline stage ${idx + 1}`);
      command(cmd, idx > 0);
    });
  };

  const command = (cmd: Tok[], piped: boolean): void => {
    if (cmd.length === 0) fail('missing value for command');
    let q = 0;
    const operand = (first: boolean): void => {
      const t = cmd[q];
      if (t === undefined) fail('missing value');
      q++;
      switch (t!.k) {
        case 'field':
          if (dotIsData()) fields.push({ root: 'data', chain: t!.v === '' ? [] : t!.v.split('.') });
          else if (t!.v !== '') fields.push({ root: 'unknown', chain: t!.v.split('.') });
          break;
        case 'var':
          if (!known(t!.v)) fail(`undefined variable "${t!.v}"`);
          if (cmd[q]?.k === 'chain') {
            const c = (cmd[q] as { v: string }).v.split('.');
            fields.push(t!.v === '$' ? { root: 'data', chain: c } : { root: 'unknown', chain: c });
            q++;
          }
          break;
        case 'ident':
          if (CONSTANTS.has(t!.v)) {
            if (t!.v === 'nil' && first && cmd.length === 1 && !piped) execErrors.add('nil is not a command');
            break;
          }
          if (KEYWORDS.has(t!.v)) fail(`unexpected <${t!.v}> in command`);
          if (!GO_TEMPLATE_BUILTINS.has(t!.v)) fail(`function "${t!.v}" not defined`);
          functions.add(t!.v);
          break;
        case 'lit':
          break;
        case 'lparen': {
          let depth = 1;
          const start = q;
          while (q < cmd.length && depth > 0) {
            if (cmd[q]?.k === 'lparen') depth++;
            if (cmd[q]?.k === 'rparen') depth--;
            q++;
          }
          const inner = cmd.slice(start, q - 1);
          pipeline(inner, 'parenthesized pipeline', { vars: new Set() }, false);
          if (cmd[q]?.k === 'chain') {
            fields.push({ root: 'unknown', chain: (cmd[q] as { v: string }).v.split('.') });
            q++;
          }
          break;
        }
        default:
          fail(`unexpected ${t!.k} in operand`);
      }
    };
    const head = cmd[0];
    operand(true);
    // Only a function (or a method/field via chain) takes arguments; a literal or field with
    // arguments is refused at execution, not parse time, except for plain literals.
    while (q < cmd.length) {
      // parse.go command: after an operand comes a space, a pipe, ")" or the end of the action.
      if (cmd[q]?.sp !== true) fail(`unexpected ${cmd[q]?.k ?? 'token'} in operand`);
      // Parsed, but always an error when executed (exec.go evalCommand / evalArg).
      if (head?.k === 'lit' || (head?.k === 'ident' && CONSTANTS.has(head.v))) execErrors.add("can't give argument to non-function");
      operand(false);
    }
  };

  texts.forEach((t, idx) => {
    if (t !== '') parts.push(t);
    const toks = actions[idx];
    if (toks === undefined || toks === null) return;
    count++;
    const head = toks[0];
    if (head === undefined) fail('missing value for command');
    const kw = head.k === 'ident' && KEYWORDS.has(head.v) ? head.v : undefined;
    if (kw !== undefined) control = true;
    const simple = kw === undefined && toks.length === 1 && stack.length === 0;
    if (simple && head.k === 'lit' && head.s !== undefined) parts.push({ field: null, literal: head.s });
    else parts.push({ field: simple && head.k === 'field' ? (head.v === '' ? [] : head.v.split('.')) : null });
    const args = toks.slice(1);
    const innermost = stack[stack.length - 1];
    switch (kw) {
      case 'if':
      case 'with':
      case 'range': {
        const scope = { vars: new Set<string>() };
        pipeline(args, kw, scope, true);
        stack.push({ kind: kw, dotIsData: kw === 'if', vars: scope.vars, sawElse: false });
        break;
      }
      case 'else': {
        if (innermost === undefined || innermost.kind === 'define' || innermost.kind === 'block') fail('unexpected {{else}}');
        if (innermost!.sawElse) fail('expected end; found {{else}}');
        if (args[0]?.k === 'ident' && (args[0].v === 'if' || args[0].v === 'with')) {
          // "else if" / "else with": a nested branch of the same block.
          pipeline(args.slice(1), args[0].v, { vars: new Set() }, true);
          innermost!.dotIsData = args[0].v === 'if' ? stack.slice(0, -1).every((s) => s.dotIsData) : false;
        } else {
          if (args.length > 0) fail('unexpected tokens after else');
          innermost!.sawElse = true;
          // In an else branch, dot is what it was outside the block.
          innermost!.dotIsData = true;
        }
        break;
      }
      case 'end':
        if (args.length > 0) fail('unexpected tokens after end');
        if (stack.length === 0) fail('unexpected {{end}}');
        stack.pop();
        break;
      case 'define':
      case 'block': {
        if (args[0]?.k !== 'lit') fail(`expected string constant in ${kw} clause`);
        if (kw === 'define' && stack.length > 0) fail('unexpected <define> in command');
        if (kw === 'block') pipeline(args.slice(1), 'block', { vars: new Set() }, false);
        stack.push({ kind: kw, dotIsData: false, vars: new Set(['$']), sawElse: false });
        break;
      }
      case 'template':
        if (args[0]?.k !== 'lit') fail('expected string constant in template clause');
        if (args.length > 1) pipeline(args.slice(1), 'template', { vars: new Set() }, false);
        break;
      case 'break':
      case 'continue':
        if (!stack.some((s) => s.kind === 'range')) fail(`{{${kw}}} outside {{range}}`);
        if (args.length > 0) fail(`unexpected tokens after ${kw}`);
        break;
      default: {
        const scope = innermost === undefined ? root : { vars: innermost.vars };
        pipeline(toks, 'command', scope, true);
      }
    }
  });
  if (stack.length > 0) fail(`unexpected EOF (an {{${stack[stack.length - 1]?.kind ?? ''}}} has no {{end}})`);
  return { ok: true, fields, functions: [...functions], execErrors: [...execErrors], actions: count, parts: control ? undefined : parts };
}
