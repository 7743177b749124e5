/**
 * DNS names of an entry, checked as the SPIRE server checks them when it creates an entry:
 * `x509util.ValidateLabel` (SPIRE v1.15.3 pkg/common/x509util/dns.go, called from
 * pkg/server/api/entry.go) — ASCII only; at most one `*`, and only as a leading `*.`; surrounding
 * whitespace trimmed; no trailing dot; then golang.org/x/net/idna's ToASCII with
 * StrictDomainName, ValidateLabels, VerifyDNSLength, CheckJoiners, BidiRule and CheckHyphens
 * (x/net/idna/idna10.0.0.go `process` and `validateLabel`), and the result must equal the input.
 *
 * For an ASCII name that means: labels of 1–63 bytes, 253 bytes in all; no label starting or
 * ending with `-`, none of more than 4 characters with `--` in its third and fourth positions
 * (`ab--cd` is refused, UTS #46 CheckHyphens); an `xn--` label must be valid Punycode whose
 * decoded form re-encodes to exactly that label (lowercase, not an ASCII-only label) and is a
 * valid IDNA label. The ASCII labels themselves are not held to letters, digits and `-`:
 * x/net applies STD3 rules only to code points decoded from Punycode, so SPIRE accepts `_srv`
 * or `Web` in a label.
 *
 * The validity of decoded Unicode code points is approximated (x/net uses the full UTS #46
 * table): lowercase letters, other letters, marks, decimal digits and symbols are taken as valid,
 * upper- and title-case letters (mapped, so invalid) and everything else are not; a label may not
 * start with a mark, contain a joiner (ZWJ/ZWNJ), or be non-NFC.
 *
 * @module
 */

const BASE = 36;
const TMIN = 1;
const TMAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 128;

function adapt(delta: number, numPoints: number, first: boolean): number {
  let d = first ? Math.floor(delta / DAMP) : Math.floor(delta / 2);
  d += Math.floor(d / numPoints);
  let k = 0;
  while (d > ((BASE - TMIN) * TMAX) / 2) {
    d = Math.floor(d / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * d) / (d + SKEW));
}

function digitValue(c: number): number | undefined {
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 26;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  return undefined;
}

/**
 * RFC 3492 decoding of the part after `xn--`, as x/net/idna/punycode.go `decode` does it
 * (including its quirks: an empty input is the empty label, a trailing `-` ends the input).
 * `undefined` when it is not valid Punycode.
 */
function punycodeDecode(encoded: string): string | undefined {
  if (encoded === '') return '';
  const pos0 = encoded.lastIndexOf('-') + 1;
  if (pos0 === 1) return undefined;
  if (pos0 === encoded.length) return encoded.slice(0, -1);
  const output: number[] = [];
  if (pos0 !== 0) for (const ch of encoded.slice(0, pos0 - 1)) output.push(ch.codePointAt(0) ?? 0);
  let pos = pos0;
  let i = 0;
  let n = INITIAL_N;
  let bias = INITIAL_BIAS;
  const MAX = 0x7fffffff;
  while (pos < encoded.length) {
    const oldI = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (pos === encoded.length) return undefined;
      const digit = digitValue(encoded.charCodeAt(pos));
      if (digit === undefined) return undefined;
      pos++;
      i += digit * w;
      if (i > MAX) return undefined;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (digit < t) break;
      w *= BASE - t;
      if (w > MAX) return undefined;
    }
    if (output.length >= 1024) return undefined;
    const x = output.length + 1;
    bias = adapt(i - oldI, x, oldI === 0);
    n += Math.floor(i / x);
    i %= x;
    if (n < 0 || n > 0x10ffff) return undefined;
    output.splice(i, 0, n);
    i++;
  }
  try {
    return String.fromCodePoint(...output);
  } catch {
    return undefined;
  }
}

function encodeDigit(d: number): string {
  return String.fromCharCode(d < 26 ? d + 0x61 : d - 26 + 0x30);
}

/** RFC 3492 encoding with the `xn--` prefix (x/net/idna/punycode.go `encode`). */
function punycodeEncode(label: string): string {
  const cps = [...label].map((c) => c.codePointAt(0) ?? 0);
  let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
  const b = out.length;
  let h = b;
  if (b > 0) out += '-';
  let n = INITIAL_N;
  let delta = 0;
  let bias = INITIAL_BIAS;
  while (h < cps.length) {
    const m = Math.min(...cps.filter((c) => c >= n));
    delta += (m - n) * (h + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
          if (q < t) break;
          out += encodeDigit(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += encodeDigit(q);
        bias = adapt(delta, h + 1, h === b);
        delta = 0;
        h++;
      }
    }
    delta++;
    n++;
  }
  return `xn--${out}`;
}

const VALID_DECODED = /^[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{Nd}\p{S}]$/u;

// x/net/idna validateLabel: CheckHyphens (V2, V3), a leading combining mark (V5), joiners.
function labelRuleProblem(label: string, shown: string): string | undefined {
  if (label.length > 4 && label[2] === '-' && label[3] === '-') return `label ${JSON.stringify(shown)} has "--" in its third and fourth positions (IDNA CheckHyphens; only a valid xn-- label may)`;
  if (label.startsWith('-') || label.endsWith('-')) return `label ${JSON.stringify(shown)} starts or ends with "-"`;
  if (/^\p{M}/u.test(label)) return `label ${JSON.stringify(shown)} starts with a combining mark`;
  if (/[\u200c\u200d]/.test(label)) return `label ${JSON.stringify(shown)} contains a zero-width joiner`;
  return undefined;
}

function punycodeLabelProblem(label: string): string | undefined {
  const u = punycodeDecode(label.slice(4));
  if (u === undefined) return `label ${JSON.stringify(label)} is not valid Punycode`;
  if (u === '') return `label ${JSON.stringify(label)} is empty once decoded`;
  if (u.normalize('NFC') !== u) return `label ${JSON.stringify(label)} decodes to a string that is not in NFC`;
  for (const ch of u) {
    if (ch === '-' || /^[a-z0-9]$/.test(ch)) continue;
    if (/^[\x00-\x7f]$/.test(ch) || !VALID_DECODED.test(ch)) return `label ${JSON.stringify(label)} decodes to ${JSON.stringify(u)}, which holds ${JSON.stringify(ch)}, not valid in an IDNA label`;
  }
  const rule = labelRuleProblem(u, label);
  if (rule !== undefined) return rule;
  // ToASCII re-encodes the decoded label; SPIRE refuses a name that does not come back the same.
  const again = /^[\x00-\x7f]*$/.test(u) ? u : punycodeEncode(u);
  if (again !== label) return `label ${JSON.stringify(label)} is not the canonical Punycode form of ${JSON.stringify(u)} (${JSON.stringify(again)})`;
  return undefined;
}

/**
 * Why `name` is not a DNS name the SPIRE server accepts in an entry, or `undefined` when it is
 * (see the module notes for the rules and their sources).
 */
export function dnsNameProblem(name: string): string | undefined {
  if (!/^[\x00-\x7f]*$/.test(name)) return `${JSON.stringify(name)} is not ASCII; SPIRE takes an internationalized name only in its xn-- (Punycode) form`;
  const stars = name.split('*').length - 1;
  let domain = name;
  if (stars > 1) return `${JSON.stringify(name)} has more than one "*"`;
  if (stars === 1) {
    if (!name.startsWith('*.')) return `${JSON.stringify(name)}: a wildcard must be the whole first label ("*.")`;
    domain = name.slice(2);
  }
  // Go's strings.TrimSpace on ASCII: \t \n \v \f \r and space.
  domain = domain.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
  if (domain === '') return 'the DNS name is empty';
  if (domain.endsWith('.')) return `${JSON.stringify(name)} ends with a dot`;
  if (domain.length > 253) return `the DNS name is ${domain.length} characters long; at most 253 are allowed`;
  for (const label of domain.split('.')) {
    if (label === '') return `${JSON.stringify(name)} has an empty label`;
    if (label.length > 63) return `label ${JSON.stringify(label)} is over 63 characters`;
    const problem = label.startsWith('xn--') ? punycodeLabelProblem(label) : labelRuleProblem(label, label);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
