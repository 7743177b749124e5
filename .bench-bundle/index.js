// dist/errors.js
var BRAND = Symbol.for("spiffe-kit.error");
var SpiffeError = class extends Error {
  /** A stable, machine-readable code such as `ERR_SPIFFEID_EMPTY`. */
  code;
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
    const names = [];
    for (let p = new.target; typeof p === "function" && p !== Error; p = Object.getPrototypeOf(p)) {
      names.push(p.name);
    }
    Object.defineProperty(this, BRAND, { value: names, enumerable: false });
    Object.defineProperty(this, "name", { value: new.target.name, enumerable: false, configurable: true, writable: true });
  }
  /** Brand-based `instanceof`, so errors from another copy of spiffe-kit are recognised. */
  static [Symbol.hasInstance](value) {
    if (typeof value !== "object" || value === null)
      return false;
    const names = value[BRAND];
    return Array.isArray(names) && names.includes(this.name);
  }
};

// dist/spiffeid/errors.js
var SpiffeIdError = class extends SpiffeError {
  /** The text that was rejected, cut to 256 characters. */
  input;
  constructor(code, message, input) {
    super(code, message);
    const text = typeof input === "string" ? input : String(input);
    this.input = text.length > 256 ? `${text.slice(0, 256)}\u2026` : text;
  }
};

// dist/spiffeid/spiffe-id.js
import { inspect as inspect2 } from "node:util";

// dist/spiffeid/trust-domain.js
import { inspect } from "node:util";

// dist/spiffeid/chars.js
var TD = new Uint8Array(128);
var PATH = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const lowerOrDigit = ch >= "a" && ch <= "z" || ch >= "0" && ch <= "9";
  const upper = ch >= "A" && ch <= "Z";
  const punct = ch === "." || ch === "-" || ch === "_";
  TD[c] = lowerOrDigit || punct ? 1 : 0;
  PATH[c] = lowerOrDigit || upper || punct ? 1 : 0;
}
function isTrustDomainChar(c) {
  return c < 128 && TD[c] === 1;
}
function isPathChar(c) {
  return c < 128 && PATH[c] === 1;
}
function describeChar(s, i) {
  const c = s.charCodeAt(i);
  if (c < 32 || c === 127)
    return `control character U+${c.toString(16).padStart(4, "0").toUpperCase()}`;
  if (c > 126)
    return `non-ASCII character ${JSON.stringify(s.charAt(i))}`;
  return `'${s.charAt(i)}'`;
}

// dist/spiffeid/validate.js
var SCHEME_PREFIX = "spiffe://";
var MAX_ID_BYTES = 2048;
var MAX_TRUST_DOMAIN_BYTES = 255;
function trustDomainCharError(name, i, input) {
  const ch = name.charAt(i);
  let why = 'trust domain names may contain only lowercase letters, digits, ".", "-" and "_"';
  if (ch === ":")
    why = "ports are not allowed in a trust domain";
  else if (ch === "@")
    why = "user info is not allowed in a trust domain";
  else if (ch >= "A" && ch <= "Z")
    why = "trust domain names must be lowercase";
  else if (ch === "%")
    why = "percent-encoding is not allowed in a trust domain";
  else if (ch === "[" || ch === "]")
    why = "IPv6 literals are not allowed as a trust domain";
  return new SpiffeIdError("ERR_SPIFFEID_TRUST_DOMAIN_CHAR", `Invalid trust domain ${JSON.stringify(name)}: ${describeChar(name, i)} at position ${i} (${why})`, input);
}
function validateTrustDomainName(name, input) {
  if (name.length === 0) {
    throw new SpiffeIdError("ERR_SPIFFEID_MISSING_TRUST_DOMAIN", `Missing trust domain in ${JSON.stringify(input)}`, input);
  }
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i)))
      throw trustDomainCharError(name, i, input);
  }
  if (name.length > MAX_TRUST_DOMAIN_BYTES) {
    throw new SpiffeIdError("ERR_SPIFFEID_TRUST_DOMAIN_TOO_LONG", `Trust domain is ${name.length} bytes long; at most ${MAX_TRUST_DOMAIN_BYTES} are allowed`, input);
  }
}
function validatePath(path, input) {
  if (path.length === 0)
    return;
  if (path.charCodeAt(0) !== 47) {
    throw new SpiffeIdError("ERR_SPIFFEID_PATH_LEADING_SLASH", `Path ${JSON.stringify(path)} must start with "/"`, input);
  }
  let segStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 47;
    if (c === 47) {
      const len = i - segStart;
      if (len === 0) {
        if (i === path.length) {
          throw new SpiffeIdError("ERR_SPIFFEID_TRAILING_SLASH", `SPIFFE ID path must not end with "/": ${JSON.stringify(input)}`, input);
        }
        throw new SpiffeIdError("ERR_SPIFFEID_EMPTY_SEGMENT", `SPIFFE ID path has an empty segment ("//"): ${JSON.stringify(input)}`, input);
      }
      if (len === 1 && path.charCodeAt(segStart) === 46 || len === 2 && path.charCodeAt(segStart) === 46 && path.charCodeAt(segStart + 1) === 46) {
        throw new SpiffeIdError("ERR_SPIFFEID_DOT_SEGMENT", `SPIFFE ID path must not contain "." or ".." segments: ${JSON.stringify(input)}`, input);
      }
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      const ch = path.charAt(i);
      let why = 'path segments may contain only letters, digits, ".", "-" and "_"';
      if (ch === "?")
        why = "queries are not allowed";
      else if (ch === "#")
        why = "fragments are not allowed";
      else if (ch === "%")
        why = "percent-encoding is not allowed";
      throw new SpiffeIdError("ERR_SPIFFEID_PATH_CHAR", `Invalid SPIFFE ID path ${JSON.stringify(path)}: ${describeChar(path, i)} at position ${i} (${why})`, input);
    }
  }
}
function validateSegment(segment, input) {
  if (segment.length === 0) {
    throw new SpiffeIdError("ERR_SPIFFEID_EMPTY_SEGMENT", "Path segments must not be empty", input);
  }
  if (segment.includes("/")) {
    throw new SpiffeIdError("ERR_SPIFFEID_PATH_CHAR", `Path segment ${JSON.stringify(segment)} contains "/"; pass each segment separately`, input);
  }
  validatePath(`/${segment}`, input);
}
function parseIdParts(input) {
  if (typeof input !== "string") {
    throw new SpiffeIdError("ERR_SPIFFEID_NOT_STRING", `SPIFFE ID must be a string, got ${input === null ? "null" : typeof input}`, input);
  }
  if (input.length === 0)
    throw new SpiffeIdError("ERR_SPIFFEID_EMPTY", "SPIFFE ID is empty", input);
  if (input.length > MAX_ID_BYTES || Buffer.byteLength(input, "utf8") > MAX_ID_BYTES) {
    throw new SpiffeIdError("ERR_SPIFFEID_TOO_LONG", `SPIFFE ID is ${Buffer.byteLength(input, "utf8")} bytes long; at most ${MAX_ID_BYTES} are allowed`, input);
  }
  if (!input.startsWith(SCHEME_PREFIX)) {
    const hint = input.toLowerCase().startsWith(SCHEME_PREFIX) ? " (the scheme must be lowercase)" : "";
    throw new SpiffeIdError("ERR_SPIFFEID_SCHEME", `SPIFFE ID must start with "spiffe://"${hint}: ${JSON.stringify(input.slice(0, 64))}`, input);
  }
  const rest = input.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf("/");
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  validateTrustDomainName(trustDomain, input);
  validatePath(path, input);
  return { trustDomain, path };
}

// dist/spiffeid/trust-domain.js
var TrustDomain = class _TrustDomain {
  /** The trust domain name, e.g. `example.org`. */
  name;
  constructor(name) {
    this.name = name;
    Object.freeze(this);
  }
  /**
   * Parses a trust domain given either bare (`example.org`) or as a SPIFFE ID
   * (`spiffe://example.org`, `spiffe://example.org/any/path`).
   *
   * @throws {@link SpiffeIdError} naming the rule that was broken.
   * @example
   * ```ts
   * const td = TrustDomain.parse('spiffe://prod.example.org');
   * console.log(td.name); // 'prod.example.org'
   * ```
   */
  static parse(input) {
    if (typeof input !== "string") {
      throw new SpiffeIdError("ERR_SPIFFEID_NOT_STRING", `Trust domain must be a string, got ${input === null ? "null" : typeof input}`, input);
    }
    if (input.length === 0)
      throw new SpiffeIdError("ERR_SPIFFEID_MISSING_TRUST_DOMAIN", "Trust domain is empty", input);
    if (input.includes(":/"))
      return new _TrustDomain(parseIdParts(input).trustDomain);
    validateTrustDomainName(input, input);
    return new _TrustDomain(input);
  }
  /**
   * Accepts a `TrustDomain` as is, or parses a string.
   *
   * @example
   * ```ts
   * TrustDomain.from('example.org').name; // 'example.org'
   * ```
   */
  static from(value) {
    return value instanceof _TrustDomain ? value : _TrustDomain.parse(value);
  }
  /** @internal Creates a trust domain from an already validated name. */
  static fromValidatedName(name) {
    return new _TrustDomain(name);
  }
  /**
   * Whether `input` is a valid trust domain (bare or as a SPIFFE ID).
   *
   * @example
   * ```ts
   * TrustDomain.isValid('Example.org'); // false: uppercase
   * ```
   */
  static isValid(input) {
    try {
      _TrustDomain.parse(input);
      return true;
    } catch {
      return false;
    }
  }
  /**
   * The SPIFFE ID string of the trust domain itself, `spiffe://<name>`.
   *
   * @example
   * ```ts
   * TrustDomain.parse('example.org').idString(); // 'spiffe://example.org'
   * ```
   */
  idString() {
    return SCHEME_PREFIX + this.name;
  }
  /**
   * Whether `other` names the same trust domain.
   *
   * @example
   * ```ts
   * TrustDomain.parse('example.org').equals('spiffe://example.org'); // true
   * ```
   */
  equals(other) {
    if (other instanceof _TrustDomain)
      return other.name === this.name;
    return typeof other === "string" && _TrustDomain.isValid(other) && _TrustDomain.parse(other).name === this.name;
  }
  /** The bare name, e.g. `example.org`. */
  toString() {
    return this.name;
  }
  /** Serialises as the bare name. */
  toJSON() {
    return this.name;
  }
  [inspect.custom]() {
    return `TrustDomain(${this.name})`;
  }
};

// dist/spiffeid/spiffe-id.js
var SpiffeId = class _SpiffeId {
  /** The trust domain the ID belongs to. */
  trustDomain;
  /** The path, `''` or starting with `/` (e.g. `/ns/prod/sa/web`). */
  path;
  #text;
  constructor(trustDomain, path) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.#text = SCHEME_PREFIX + trustDomain.name + path;
    Object.freeze(this);
  }
  /**
   * Parses and validates a SPIFFE ID.
   *
   * @throws {@link SpiffeIdError} with a code naming the broken rule (empty, scheme, trust
   * domain character, path character, empty segment, dot segment, trailing slash, too long).
   * @example
   * ```ts
   * const id = SpiffeId.parse('spiffe://example.org/web');
   * ```
   */
  static parse(input) {
    const { trustDomain, path } = parseIdParts(input);
    return new _SpiffeId(TrustDomain.fromValidatedName(trustDomain), path);
  }
  /**
   * Accepts a `SpiffeId` as is, or parses a string.
   *
   * @example
   * ```ts
   * SpiffeId.from('spiffe://example.org/web').path; // '/web'
   * ```
   */
  static from(value) {
    return value instanceof _SpiffeId ? value : _SpiffeId.parse(value);
  }
  /**
   * Builds an ID from a trust domain and path segments (each without slashes).
   *
   * @example
   * ```ts
   * SpiffeId.fromSegments('example.org', 'ns', 'prod').toString(); // 'spiffe://example.org/ns/prod'
   * SpiffeId.fromSegments('example.org').toString();               // 'spiffe://example.org'
   * ```
   */
  static fromSegments(trustDomain, ...segments) {
    const td = TrustDomain.from(trustDomain);
    let path = "";
    for (const segment of segments) {
      if (typeof segment !== "string") {
        throw new SpiffeIdError("ERR_SPIFFEID_NOT_STRING", `Path segments must be strings, got ${typeof segment}`, segment);
      }
      validateSegment(segment, segment);
      path += `/${segment}`;
    }
    return _SpiffeId.checked(td, path);
  }
  /**
   * Builds an ID from a trust domain and a path that starts with `/` (or is empty).
   *
   * @example
   * ```ts
   * SpiffeId.fromPath('example.org', '/ns/prod').toString(); // 'spiffe://example.org/ns/prod'
   * ```
   */
  static fromPath(trustDomain, path) {
    const td = TrustDomain.from(trustDomain);
    if (typeof path !== "string") {
      throw new SpiffeIdError("ERR_SPIFFEID_NOT_STRING", `Path must be a string, got ${typeof path}`, path);
    }
    validatePath(path, path);
    return _SpiffeId.checked(td, path);
  }
  static checked(td, path) {
    const length = SCHEME_PREFIX.length + td.name.length + path.length;
    if (length > MAX_ID_BYTES) {
      throw new SpiffeIdError("ERR_SPIFFEID_TOO_LONG", `SPIFFE ID would be ${length} bytes long; at most ${MAX_ID_BYTES} are allowed`, path);
    }
    return new _SpiffeId(td, path);
  }
  /**
   * Whether `input` is a valid SPIFFE ID.
   *
   * @example
   * ```ts
   * SpiffeId.isValid('spiffe://example.org/a/../b'); // false
   * ```
   */
  static isValid(input) {
    try {
      parseIdParts(input);
      return true;
    } catch {
      return false;
    }
  }
  /** The path split into its segments (`[]` for the trust domain's own ID). */
  get segments() {
    return this.path === "" ? [] : this.path.slice(1).split("/");
  }
  /** Whether the ID has no path (it names the trust domain itself). */
  get isRoot() {
    return this.path === "";
  }
  /**
   * Whether the ID belongs to `trustDomain`.
   *
   * @example
   * ```ts
   * SpiffeId.parse('spiffe://example.org/web').memberOf('example.org'); // true
   * ```
   */
  memberOf(trustDomain) {
    return this.trustDomain.equals(trustDomain);
  }
  /**
   * Whether `other` is the same ID (exact, byte-wise comparison).
   *
   * @example
   * ```ts
   * SpiffeId.parse('spiffe://example.org/web').equals('spiffe://example.org/web'); // true
   * ```
   */
  equals(other) {
    return other instanceof _SpiffeId ? other.#text === this.#text : other === this.#text;
  }
  /** The ID as a string, `spiffe://<trust-domain><path>`. */
  toString() {
    return this.#text;
  }
  /** Serialises as the ID string. */
  toJSON() {
    return this.#text;
  }
  [inspect2.custom]() {
    return `SpiffeId(${this.#text})`;
  }
};

// dist/spiffeid/match.js
function matchAny() {
  return () => true;
}
function matchId(expected) {
  const want = SpiffeId.from(expected).toString();
  return (id) => id.toString() === want;
}
function matchOneOf(...expected) {
  const set = new Set(expected.map((e) => SpiffeId.from(e).toString()));
  return (id) => set.has(id.toString());
}
function matchMemberOf(trustDomain) {
  const td = TrustDomain.from(trustDomain);
  return (id) => id.trustDomain.name === td.name;
}

// dist/bundle/authority.js
import { createPublicKey, X509Certificate } from "node:crypto";

// dist/internal/der.js
var DerError = class extends SpiffeError {
  /** Byte offset of the problem in the input, when known. */
  offset;
  constructor(code, message, offset, options) {
    super(code, offset === void 0 ? message : `${message} (at byte offset ${offset})`, options);
    this.offset = offset;
  }
};
var BOOLEAN = 1;
var INTEGER = 2;
var BIT_STRING = 3;
var OCTET_STRING = 4;
var NULL = 5;
var OID = 6;
var UTC_TIME = 23;
var GENERALIZED_TIME = 24;
var SEQUENCE = 48;
var SET = 49;
var EXT_SUBJECT_KEY_ID = "2.5.29.14";
var EXT_KEY_USAGE = "2.5.29.15";
var EXT_SUBJECT_ALT_NAME = "2.5.29.17";
var EXT_BASIC_CONSTRAINTS = "2.5.29.19";
var EXT_AUTHORITY_KEY_ID = "2.5.29.35";
var EXT_EXT_KEY_USAGE = "2.5.29.37";
function malformed(message, offset) {
  return new DerError("ERR_DER_MALFORMED", message, offset);
}
function tagName(tag) {
  switch (tag) {
    case BOOLEAN:
      return "BOOLEAN";
    case INTEGER:
      return "INTEGER";
    case BIT_STRING:
      return "BIT STRING";
    case OCTET_STRING:
      return "OCTET STRING";
    case NULL:
      return "NULL";
    case OID:
      return "OBJECT IDENTIFIER";
    case UTC_TIME:
      return "UTCTime";
    case GENERALIZED_TIME:
      return "GeneralizedTime";
    case SEQUENCE:
      return "SEQUENCE";
    case SET:
      return "SET";
    default:
      if (tag > 255)
        return `high tag number ${Math.floor(tag / 256)}`;
      return `tag 0x${tag.toString(16).padStart(2, "0")}`;
  }
}
var Reader = class {
  buf;
  tag = 0;
  hdr = 0;
  start = 0;
  end = 0;
  constructor(buf) {
    this.buf = buf;
  }
  /** Reads the header of the element at `pos`, which must end at or before `limit`. Returns its end. */
  next(pos, limit, what2) {
    const buf = this.buf;
    if (pos >= limit)
      throw malformed(`${what2} is missing: its enclosing element ends at ${limit}`, pos);
    let p = pos;
    const first = buf[p++];
    let tag = first;
    if ((first & 31) === 31) {
      let n = 0;
      let count = 0;
      let b;
      do {
        if (p >= limit)
          throw malformed(`${what2}: truncated tag`, pos);
        b = buf[p++];
        if (count === 0 && b === 128)
          throw malformed(`${what2}: tag number has a leading zero octet`, pos);
        if (++count > 3)
          throw new DerError("ERR_DER_UNSUPPORTED", `${what2}: tag number too large`, pos);
        n = n * 128 + (b & 127);
      } while (b & 128);
      if (n < 31)
        throw malformed(`${what2}: tag number ${n} must use the low tag number form`, pos);
      tag = n * 256 + first;
    }
    if (p >= limit)
      throw malformed(`${what2}: truncated length`, pos);
    let len = buf[p++];
    if (len & 128) {
      const n = len & 127;
      if (n === 0)
        throw malformed(`${what2}: indefinite length is not allowed in DER`, pos);
      if (n > 4)
        throw new DerError("ERR_DER_UNSUPPORTED", `${what2}: length of ${n} octets is not supported`, pos);
      if (n > limit - p)
        throw malformed(`${what2}: truncated length`, pos);
      if (buf[p] === 0)
        throw malformed(`${what2}: non-minimal length encoding`, pos);
      len = 0;
      for (let i = 0; i < n; i++)
        len = len * 256 + buf[p++];
      if (len < 128)
        throw malformed(`${what2}: non-minimal length encoding`, pos);
    }
    if (len > limit - p) {
      throw malformed(`${what2}: length ${len} runs past the end of its enclosing element at ${limit}`, pos);
    }
    this.tag = tag;
    this.hdr = pos;
    this.start = p;
    this.end = p + len;
    return this.end;
  }
  /** {@link Reader.next} that also requires the tag. */
  expect(pos, limit, tag, what2) {
    const end = this.next(pos, limit, what2);
    if (this.tag !== tag)
      throw malformed(`${what2}: expected ${tagName(tag)}, found ${tagName(this.tag)}`, pos);
    return end;
  }
};
function trailing(what2, offset) {
  return malformed(`${what2} has unexpected trailing data`, offset);
}
function checkInteger(buf, start, end, what2) {
  if (start >= end)
    throw malformed(`${what2}: empty INTEGER`, start);
  if (end - start > 1) {
    const a = buf[start];
    const b = buf[start + 1];
    if (a === 0 && b < 128 || a === 255 && b >= 128) {
      throw malformed(`${what2}: non-minimal INTEGER encoding`, start);
    }
  }
}
function readSmallUint(buf, start, end, what2) {
  checkInteger(buf, start, end, what2);
  if (buf[start] & 128)
    throw malformed(`${what2}: negative INTEGER`, start);
  let p = start;
  if (buf[p] === 0)
    p++;
  if (end - p > 4 || end - p === 4 && buf[p] >= 128) {
    throw new DerError("ERR_DER_UNSUPPORTED", `${what2}: INTEGER too large`, start);
  }
  let v = 0;
  for (; p < end; p++)
    v = v * 256 + buf[p];
  return v;
}
function readBoolean(buf, start, end, what2) {
  if (end - start !== 1)
    throw malformed(`${what2}: BOOLEAN must have one octet`, start);
  const v = buf[start];
  if (v === 255)
    return true;
  if (v === 0)
    return false;
  throw malformed(`${what2}: BOOLEAN must be 0x00 or 0xFF in DER`, start);
}
function checkBitString(buf, start, end, what2) {
  if (start >= end)
    throw malformed(`${what2}: BIT STRING has no unused-bits octet`, start);
  const unused = buf[start];
  if (unused > 7)
    throw malformed(`${what2}: BIT STRING unused-bits octet ${unused} is above 7`, start);
  if (unused !== 0) {
    if (end - start === 1)
      throw malformed(`${what2}: empty BIT STRING with unused bits`, start);
    if ((buf[end - 1] & (1 << unused) - 1) !== 0) {
      throw malformed(`${what2}: BIT STRING padding bits are not zero`, end - 1);
    }
  }
  return unused;
}
function checkIa5(buf, start, end, what2) {
  for (let i = start; i < end; i++) {
    if (buf[i] > 127)
      throw malformed(`${what2}: not an IA5String (byte 0x${buf[i].toString(16)})`, i);
  }
}
var SMALL_EXT_OIDS = [];
for (let i = 0; i < 128; i++)
  SMALL_EXT_OIDS.push(`2.5.29.${i}`);
function decodeOid(buf, start, end, base) {
  if (start >= end)
    throw malformed("empty OBJECT IDENTIFIER", base + start);
  if (end - start === 3 && buf[start] === 85 && buf[start + 1] === 29) {
    const n = buf[start + 2];
    if (n < 128)
      return SMALL_EXT_OIDS[n];
  }
  if ((buf[end - 1] & 128) !== 0)
    throw malformed("truncated OBJECT IDENTIFIER arc", base + end - 1);
  let out = "";
  let first = true;
  let p = start;
  while (p < end) {
    const arcStart = p;
    if (buf[p] === 128)
      throw malformed("overlong OBJECT IDENTIFIER arc", base + p);
    let v = 0;
    let big;
    let b;
    do {
      if (p - arcStart >= 64)
        throw new DerError("ERR_DER_UNSUPPORTED", "OBJECT IDENTIFIER arc too large", base + arcStart);
      b = buf[p++];
      if (big !== void 0)
        big = big << 7n | BigInt(b & 127);
      else if (v < 2 ** 45)
        v = v * 128 + (b & 127);
      else
        big = BigInt(v) << 7n | BigInt(b & 127);
    } while (b & 128);
    if (first) {
      first = false;
      if (big !== void 0)
        out = `2.${big - 80n}`;
      else if (v < 40)
        out = `0.${v}`;
      else if (v < 80)
        out = `1.${v - 40}`;
      else
        out = `2.${v - 80}`;
    } else {
      out += big !== void 0 ? `.${big}` : `.${v}`;
    }
  }
  return out;
}
function wrap(err) {
  if (err instanceof DerError)
    return err;
  const why = err instanceof Error ? err.message : String(err);
  return new DerError("ERR_DER_MALFORMED", `Could not read DER: ${why}`, void 0, { cause: err });
}
function asBuffer(bytes2, what2) {
  if (Buffer.isBuffer(bytes2))
    return bytes2;
  if (!(bytes2 instanceof Uint8Array))
    throw new DerError("ERR_DER_MALFORMED", `${what2} must be a Uint8Array`);
  return Buffer.from(bytes2.buffer, bytes2.byteOffset, bytes2.byteLength);
}
function splitDerCertificates(buf, options) {
  try {
    const b = asBuffer(buf, "Concatenated certificates");
    const max = options?.maxCertificates ?? Number.POSITIVE_INFINITY;
    const r = new Reader(b);
    const out = [];
    const len = b.length;
    let p = 0;
    while (p < len) {
      if (out.length >= max) {
        throw new DerError("ERR_DER_UNSUPPORTED", `More than ${max} concatenated certificates`, p);
      }
      const end = r.expect(p, len, SEQUENCE, `Certificate #${out.length + 1}`);
      out.push(b.subarray(p, end));
      p = end;
    }
    return out;
  } catch (err) {
    throw wrap(err);
  }
}
function parseCertificate(der) {
  try {
    return parse(asBuffer(der, "Certificate"));
  } catch (err) {
    throw wrap(err);
  }
}
function readAlgorithm(r, pos, limit, what2, out) {
  const buf = r.buf;
  const end = r.expect(pos, limit, SEQUENCE, what2);
  r.expect(r.start, end, OID, `${what2}.algorithm`);
  out.oid = decodeOid(buf, r.start, r.end, 0);
  out.paramsStart = -1;
  out.paramsEnd = -1;
  let p = r.end;
  if (p < end) {
    r.next(p, end, `${what2}.parameters`);
    if (r.tag === NULL) {
      if (r.end !== r.start)
        throw malformed(`${what2}.parameters: NULL with contents`, p);
    } else {
      out.paramsStart = p;
      out.paramsEnd = r.end;
    }
    p = r.end;
    if (p !== end)
      throw trailing(what2, p);
  }
  return end;
}
function checkName(r, pos, limit, what2) {
  const end = r.expect(pos, limit, SEQUENCE, what2);
  let p = r.start;
  while (p < end) {
    const setEnd = r.expect(p, end, SET, `${what2} RDN`);
    let q = r.start;
    while (q < setEnd) {
      const atvEnd = r.expect(q, setEnd, SEQUENCE, `${what2} attribute`);
      const typeEnd = r.expect(r.start, atvEnd, OID, `${what2} attribute type`);
      if (r.end === r.start)
        throw malformed(`${what2}: empty attribute type OID`, r.hdr);
      const valueEnd = r.next(typeEnd, atvEnd, `${what2} attribute value`);
      if (valueEnd !== atvEnd)
        throw trailing(`${what2} attribute`, valueEnd);
      q = atvEnd;
    }
    p = setEnd;
  }
  return end;
}
function digit(buf, i) {
  const c = buf[i] - 48;
  if (c < 0 || c > 9)
    throw malformed(`time: expected a digit, found byte 0x${buf[i].toString(16)}`, i);
  return c;
}
function two(buf, i) {
  return digit(buf, i) * 10 + digit(buf, i + 1);
}
function readTime(r, pos, limit, what2) {
  const buf = r.buf;
  r.next(pos, limit, what2);
  const s = r.start;
  const n = r.end - s;
  let year;
  let i;
  if (r.tag === UTC_TIME) {
    if (n !== 13 || buf[s + 12] !== 90)
      throw malformed(`${what2}: UTCTime must be YYMMDDHHMMSSZ`, pos);
    const yy = two(buf, s);
    year = yy >= 50 ? 1900 + yy : 2e3 + yy;
    i = s + 2;
  } else if (r.tag === GENERALIZED_TIME) {
    if (n !== 15 || buf[s + 14] !== 90)
      throw malformed(`${what2}: GeneralizedTime must be YYYYMMDDHHMMSSZ`, pos);
    year = two(buf, s) * 100 + two(buf, s + 2);
    i = s + 4;
  } else {
    throw malformed(`${what2}: expected UTCTime or GeneralizedTime, found ${tagName(r.tag)}`, pos);
  }
  const month = two(buf, i);
  const day = two(buf, i + 2);
  const hour = two(buf, i + 4);
  const minute = two(buf, i + 6);
  const second = two(buf, i + 8);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw malformed(`${what2}: date or time out of range`, pos);
  }
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100)
    d.setUTCFullYear(year);
  return d;
}
function daysIn(year, month) {
  if (month === 2)
    return year % 4 === 0 && year % 100 !== 0 || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
var HEX = "0123456789ABCDEF";
function serialHex(buf, start, end) {
  if (buf[start] & 128) {
    let v = 0n;
    for (let i = start; i < end; i++)
      v = v << 8n | BigInt(buf[i]);
    v = (1n << BigInt((end - start) * 8)) - v;
    let h = v.toString(16).toUpperCase();
    if (h.length % 2)
      h = `0${h}`;
    return `-${h}`;
  }
  let p = start;
  while (p < end - 1 && buf[p] === 0)
    p++;
  if (buf[p] === 0)
    return "0";
  let out = "";
  for (; p < end; p++) {
    const b = buf[p];
    out += HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}
function parse(buf) {
  const r = new Reader(buf);
  const len = buf.length;
  const certEnd = r.expect(0, len, SEQUENCE, "Certificate");
  if (certEnd !== len)
    throw trailing("Certificate", certEnd);
  const tbsPos = r.start;
  const tbsEnd = r.expect(tbsPos, certEnd, SEQUENCE, "TBSCertificate");
  let p = r.start;
  let version = 1;
  r.next(p, tbsEnd, "TBSCertificate.serialNumber");
  if (r.tag === 160) {
    const vEnd = r.end;
    const intEnd = r.expect(r.start, vEnd, INTEGER, "TBSCertificate.version");
    if (intEnd !== vEnd)
      throw trailing("TBSCertificate.version", intEnd);
    const v = readSmallUint(buf, r.start, intEnd, "TBSCertificate.version");
    if (v > 2)
      throw new DerError("ERR_DER_UNSUPPORTED", `TBSCertificate.version: unknown version ${v + 1}`, p);
    version = v + 1;
    p = vEnd;
    r.next(p, tbsEnd, "TBSCertificate.serialNumber");
  }
  if (r.tag !== INTEGER)
    throw malformed(`TBSCertificate.serialNumber: expected INTEGER, found ${tagName(r.tag)}`, p);
  checkInteger(buf, r.start, r.end, "TBSCertificate.serialNumber");
  const serialNumber = serialHex(buf, r.start, r.end);
  p = r.end;
  const alg = { oid: "", paramsStart: -1, paramsEnd: -1 };
  const innerAlgPos = p;
  p = readAlgorithm(r, p, tbsEnd, "TBSCertificate.signature", alg);
  const innerAlgEnd = p;
  const issuerPos = p;
  p = checkName(r, p, tbsEnd, "TBSCertificate.issuer");
  const issuer = buf.subarray(issuerPos, p);
  const validityEnd = r.expect(p, tbsEnd, SEQUENCE, "TBSCertificate.validity");
  const notBefore = readTime(r, r.start, validityEnd, "TBSCertificate.validity.notBefore");
  const notAfter = readTime(r, r.end, validityEnd, "TBSCertificate.validity.notAfter");
  if (r.end !== validityEnd)
    throw trailing("TBSCertificate.validity", r.end);
  p = validityEnd;
  const subjectPos = p;
  p = checkName(r, p, tbsEnd, "TBSCertificate.subject");
  const subject = buf.subarray(subjectPos, p);
  const spkiPos = p;
  const spkiEnd = r.expect(p, tbsEnd, SEQUENCE, "TBSCertificate.subjectPublicKeyInfo");
  const keyAlgEnd = readAlgorithm(r, r.start, spkiEnd, "SubjectPublicKeyInfo.algorithm", alg);
  const publicKeyAlgorithm = alg.oid;
  const keyEnd = r.expect(keyAlgEnd, spkiEnd, BIT_STRING, "SubjectPublicKeyInfo.subjectPublicKey");
  checkBitString(buf, r.start, keyEnd, "SubjectPublicKeyInfo.subjectPublicKey");
  if (keyEnd !== spkiEnd)
    throw trailing("SubjectPublicKeyInfo", keyEnd);
  const subjectPublicKeyInfo = buf.subarray(spkiPos, spkiEnd);
  p = spkiEnd;
  let extensions;
  let stage = 0;
  while (p < tbsEnd) {
    r.next(p, tbsEnd, "TBSCertificate optional field");
    const tag = r.tag;
    if (tag === 129 && stage < 1 && version >= 2) {
      checkBitString(buf, r.start, r.end, "TBSCertificate.issuerUniqueID");
      stage = 1;
    } else if (tag === 130 && stage < 2 && version >= 2) {
      checkBitString(buf, r.start, r.end, "TBSCertificate.subjectUniqueID");
      stage = 2;
    } else if (tag === 163 && stage < 3 && version === 3) {
      extensions = parseExtensions(r, r.start, r.end);
      stage = 3;
    } else {
      throw malformed(`TBSCertificate: unexpected ${tagName(tag)} for a version ${version} certificate`, p);
    }
    p = r.end;
  }
  const outerAlgPos = tbsEnd;
  p = readAlgorithm(r, tbsEnd, certEnd, "Certificate.signatureAlgorithm", alg);
  if (p - outerAlgPos !== innerAlgEnd - innerAlgPos || buf.compare(buf, innerAlgPos, innerAlgEnd, outerAlgPos, p) !== 0) {
    throw malformed("Certificate.signatureAlgorithm differs from TBSCertificate.signature", outerAlgPos);
  }
  const sigEnd = r.expect(p, certEnd, BIT_STRING, "Certificate.signatureValue");
  if (r.start === sigEnd)
    throw malformed("Certificate.signatureValue: BIT STRING has no unused-bits octet", p);
  if (buf[r.start] !== 0)
    throw malformed("Certificate.signatureValue: BIT STRING has unused bits", r.start);
  const signature = buf.subarray(r.start + 1, sigEnd);
  if (sigEnd !== certEnd)
    throw trailing("Certificate", sigEnd);
  return {
    raw: buf,
    tbs: buf.subarray(tbsPos, tbsEnd),
    version,
    serialNumber,
    signatureAlgorithm: alg.oid,
    signatureAlgorithmParams: alg.paramsStart < 0 ? void 0 : buf.subarray(alg.paramsStart, alg.paramsEnd),
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo,
    publicKeyAlgorithm,
    extensions: extensions ?? emptyExtensions()
  };
}
function emptyExtensions() {
  return {
    uriSans: [],
    dnsSans: [],
    otherSanCount: 0,
    subjectAltNameCritical: void 0,
    basicConstraints: void 0,
    keyUsage: void 0,
    extKeyUsage: void 0,
    subjectKeyId: void 0,
    authorityKeyId: void 0,
    criticalExtensions: [],
    all: []
  };
}
function parseExtensions(r, start, end) {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, "Extensions");
  if (seqEnd !== end)
    throw trailing("TBSCertificate.extensions", seqEnd);
  const ext = emptyExtensions();
  const all = ext.all;
  let seen;
  let p = r.start;
  while (p < seqEnd) {
    const extEnd = r.expect(p, seqEnd, SEQUENCE, "Extension");
    const oidEnd = r.expect(r.start, extEnd, OID, "Extension.extnID");
    const oid = decodeOid(buf, r.start, oidEnd, 0);
    let critical = false;
    r.next(oidEnd, extEnd, "Extension.extnValue");
    if (r.tag === BOOLEAN) {
      critical = readBoolean(buf, r.start, r.end, "Extension.critical");
      r.next(r.end, extEnd, "Extension.extnValue");
    }
    if (r.tag !== OCTET_STRING) {
      throw malformed(`Extension ${oid}: expected OCTET STRING extnValue, found ${tagName(r.tag)}`, r.hdr);
    }
    if (r.end !== extEnd)
      throw trailing(`Extension ${oid}`, r.end);
    const vStart = r.start;
    if (seen === void 0 && all.length >= 8)
      seen = new Set(all);
    if (seen !== void 0 ? seen.has(oid) : all.includes(oid)) {
      throw malformed(`Duplicate extension ${oid}`, p);
    }
    seen?.add(oid);
    all.push(oid);
    if (critical)
      ext.criticalExtensions.push(oid);
    switch (oid) {
      case EXT_SUBJECT_ALT_NAME:
        ext.subjectAltNameCritical = critical;
        readSubjectAltName(r, vStart, extEnd, ext);
        break;
      case EXT_BASIC_CONSTRAINTS:
        ext.basicConstraints = readBasicConstraints(r, vStart, extEnd, critical);
        break;
      case EXT_KEY_USAGE:
        ext.keyUsage = readKeyUsage(r, vStart, extEnd, critical);
        break;
      case EXT_EXT_KEY_USAGE:
        ext.extKeyUsage = readExtKeyUsage(r, vStart, extEnd);
        break;
      case EXT_SUBJECT_KEY_ID: {
        const e = r.expect(vStart, extEnd, OCTET_STRING, "subjectKeyIdentifier");
        if (e !== extEnd)
          throw trailing("subjectKeyIdentifier", e);
        ext.subjectKeyId = buf.toString("hex", r.start, e);
        break;
      }
      case EXT_AUTHORITY_KEY_ID:
        ext.authorityKeyId = readAuthorityKeyId(r, vStart, extEnd);
        break;
      default:
        break;
    }
    p = extEnd;
  }
  return ext;
}
function readSubjectAltName(r, start, end, ext) {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, "subjectAltName");
  if (seqEnd !== end)
    throw trailing("subjectAltName", seqEnd);
  let p = r.start;
  while (p < seqEnd) {
    r.next(p, seqEnd, "subjectAltName GeneralName");
    switch (r.tag) {
      case 134:
        checkIa5(buf, r.start, r.end, "subjectAltName uniformResourceIdentifier");
        ext.uriSans.push(buf.toString("latin1", r.start, r.end));
        break;
      case 130:
        checkIa5(buf, r.start, r.end, "subjectAltName dNSName");
        ext.dnsSans.push(buf.toString("latin1", r.start, r.end));
        break;
      case 160:
      // otherName
      case 129:
      // rfc822Name
      case 163:
      // x400Address
      case 164:
      // directoryName
      case 165:
      // ediPartyName
      case 135:
      // iPAddress
      case 136:
        ext.otherSanCount++;
        break;
      default:
        throw malformed(`subjectAltName: ${tagName(r.tag)} is not a GeneralName`, p);
    }
    p = r.end;
  }
}
function readBasicConstraints(r, start, end, critical) {
  const buf = r.buf;
  const seqEnd = r.expect(start, end, SEQUENCE, "basicConstraints");
  if (seqEnd !== end)
    throw trailing("basicConstraints", seqEnd);
  let ca = false;
  let pathLen;
  let p = r.start;
  if (p < seqEnd) {
    r.next(p, seqEnd, "basicConstraints.cA");
    if (r.tag === BOOLEAN) {
      ca = readBoolean(buf, r.start, r.end, "basicConstraints.cA");
      p = r.end;
      if (p < seqEnd)
        r.next(p, seqEnd, "basicConstraints.pathLenConstraint");
    }
    if (p < seqEnd) {
      if (r.tag !== INTEGER)
        throw malformed(`basicConstraints: unexpected ${tagName(r.tag)}`, p);
      pathLen = readSmallUint(buf, r.start, r.end, "basicConstraints.pathLenConstraint");
      p = r.end;
    }
    if (p !== seqEnd)
      throw trailing("basicConstraints", p);
  }
  return { ca, pathLen, critical };
}
function readKeyUsage(r, start, end, critical) {
  const buf = r.buf;
  const e = r.expect(start, end, BIT_STRING, "keyUsage");
  if (e !== end)
    throw trailing("keyUsage", e);
  checkBitString(buf, r.start, e, "keyUsage");
  const n = e - r.start;
  const b0 = n > 1 ? buf[r.start + 1] : 0;
  const b1 = n > 2 ? buf[r.start + 2] : 0;
  return {
    critical,
    digitalSignature: (b0 & 128) !== 0,
    contentCommitment: (b0 & 64) !== 0,
    keyEncipherment: (b0 & 32) !== 0,
    dataEncipherment: (b0 & 16) !== 0,
    keyAgreement: (b0 & 8) !== 0,
    keyCertSign: (b0 & 4) !== 0,
    cRLSign: (b0 & 2) !== 0,
    encipherOnly: (b0 & 1) !== 0,
    decipherOnly: (b1 & 128) !== 0
  };
}
function readExtKeyUsage(r, start, end) {
  const seqEnd = r.expect(start, end, SEQUENCE, "extKeyUsage");
  if (seqEnd !== end)
    throw trailing("extKeyUsage", seqEnd);
  const out = [];
  let p = r.start;
  while (p < seqEnd) {
    p = r.expect(p, seqEnd, OID, "extKeyUsage KeyPurposeId");
    out.push(decodeOid(r.buf, r.start, p, 0));
  }
  return out;
}
function readAuthorityKeyId(r, start, end) {
  const seqEnd = r.expect(start, end, SEQUENCE, "authorityKeyIdentifier");
  if (seqEnd !== end)
    throw trailing("authorityKeyIdentifier", seqEnd);
  let keyId;
  let stage = 0;
  let p = r.start;
  while (p < seqEnd) {
    r.next(p, seqEnd, "authorityKeyIdentifier field");
    if (r.tag === 128 && stage < 1) {
      keyId = r.buf.toString("hex", r.start, r.end);
      stage = 1;
    } else if (r.tag === 161 && stage < 2) {
      stage = 2;
    } else if (r.tag === 130 && stage < 3) {
      checkInteger(r.buf, r.start, r.end, "authorityKeyIdentifier.authorityCertSerialNumber");
      stage = 3;
    } else {
      throw malformed(`authorityKeyIdentifier: unexpected ${tagName(r.tag)}`, p);
    }
    p = r.end;
  }
  return keyId;
}

// dist/bundle/errors.js
var BundleError = class extends SpiffeError {
  /** The trust domain whose bundle was being read or built. */
  trustDomain;
  /** Index of the offending entry of `keys`, when one is to blame. */
  keyIndex;
  /** Index of the offending certificate, when one is to blame. */
  certificateIndex;
  /** The `kid` of the offending key, when it has one. */
  kid;
  constructor(code, message, context = {}) {
    super(code, message, context.cause === void 0 ? void 0 : { cause: context.cause });
    this.trustDomain = context.trustDomain;
    this.keyIndex = context.keyIndex;
    this.certificateIndex = context.certificateIndex;
    this.kid = context.kid;
  }
};
function quote(value, max = 64) {
  const text = typeof value === "string" ? value : String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}\u2026` : text);
}

// dist/bundle/authority.js
var DEFAULT_MAX_BUNDLE_AUTHORITIES = 4096;
var Authority = class {
  der;
  /** `der` as a latin1 string: the identity of the authority in a bundle. */
  key;
  #cert;
  constructor(der, cert) {
    this.der = der;
    this.key = der.toString("latin1");
    this.#cert = cert;
  }
  get cert() {
    this.#cert ??= new X509Certificate(this.der);
    return this.#cert;
  }
  /** The certificate's public key. */
  publicKey() {
    return this.#cert !== void 0 ? this.#cert.publicKey : certificatePublicKey(this.der);
  }
};
function checkedAuthority(der, where) {
  try {
    parseCertificate(der);
    return new Authority(der);
  } catch (derError) {
    let cert;
    try {
      cert = new X509Certificate(der);
    } catch {
    }
    if (cert !== void 0 && cert.raw.length === der.length)
      return new Authority(der, cert);
    throw new BundleError("ERR_BUNDLE_INVALID_CERTIFICATE", `${where.describe} is not a valid DER certificate (${derError.message})`, {
      trustDomain: where.trustDomain,
      keyIndex: where.keyIndex,
      certificateIndex: where.certificateIndex,
      cause: derError
    });
  }
}
function splitChecked(der, what2, where, max) {
  try {
    return splitDerCertificates(der, { maxCertificates: max });
  } catch (err) {
    const context = { trustDomain: where.trustDomain, keyIndex: where.keyIndex, certificateIndex: where.certificateIndex, cause: err };
    if (err.code === "ERR_DER_UNSUPPORTED" && err.message.startsWith("More than")) {
      throw new BundleError("ERR_BUNDLE_TOO_LARGE", `${what2} holds more than ${max} certificates`, context);
    }
    throw new BundleError("ERR_BUNDLE_INVALID_CERTIFICATE", `${what2} is not a sequence of DER certificates: ${err.message}`, context);
  }
}
function singleAuthority(der, where) {
  const parts = splitChecked(Buffer.from(der), where.describe, where, 2);
  if (parts.length !== 1) {
    throw new BundleError("ERR_BUNDLE_INVALID_CERTIFICATE", `${where.describe} holds ${parts.length === 0 ? "no certificate" : "more than one certificate"}; exactly one is expected`, { trustDomain: where.trustDomain, keyIndex: where.keyIndex, certificateIndex: where.certificateIndex });
  }
  return checkedAuthority(parts[0], where);
}
function certificatePublicKey(der) {
  try {
    return createPublicKey({ key: parseCertificate(der).subjectPublicKeyInfo, format: "der", type: "spki" });
  } catch {
    return new X509Certificate(der).publicKey;
  }
}

// dist/bundle/bundle-set.js
import { inspect as inspect3 } from "node:util";
var BundleSet = class {
  #bundles = /* @__PURE__ */ new Map();
  #sorted;
  constructor(bundles) {
    if (bundles !== void 0)
      for (const bundle of bundles)
        this.add(bundle);
  }
  /**
   * Adds `bundle`, replacing the bundle of the same trust domain if there is one.
   *
   * @example
   * ```ts
   * set.add(X509Bundle.fromDer('partner.example', der));
   * ```
   */
  add(bundle) {
    if (!this.accepts(bundle)) {
      throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `Only ${this.kind.replace(/Set$/, "")} objects can be added to a ${this.kind}`);
    }
    this.#bundles.set(bundle.trustDomain.name, bundle);
    this.#sorted = void 0;
    return this;
  }
  /**
   * Removes the bundle of `trustDomain`; returns whether there was one.
   *
   * @example
   * ```ts
   * set.remove('partner.example');
   * ```
   */
  remove(trustDomain) {
    const removed = this.#bundles.delete(nameOf(trustDomain));
    if (removed)
      this.#sorted = void 0;
    return removed;
  }
  /**
   * Whether there is a bundle for `trustDomain`.
   *
   * @example
   * ```ts
   * set.has(TrustDomain.parse('example.org'));
   * ```
   */
  has(trustDomain) {
    return this.#bundles.has(nameOf(trustDomain));
  }
  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.get('spiffe://example.org')?.empty();
   * ```
   */
  get(trustDomain) {
    return this.#bundles.get(nameOf(trustDomain));
  }
  /**
   * Removes every bundle.
   *
   * @example
   * ```ts
   * set.clear();
   * ```
   */
  clear() {
    this.#bundles.clear();
    this.#sorted = void 0;
  }
  /** Number of trust domains with a bundle. */
  get size() {
    return this.#bundles.size;
  }
  /**
   * The bundles, sorted by trust domain name (a frozen array, reused until the set changes).
   *
   * @example
   * ```ts
   * set.bundles().map((b) => b.trustDomain.name);
   * ```
   */
  bundles() {
    this.#sorted ??= Object.freeze([...this.#bundles.values()].sort((a, b) => a.trustDomain.name < b.trustDomain.name ? -1 : 1));
    return this.#sorted;
  }
  /**
   * The trust domains that have a bundle, sorted by name.
   *
   * @example
   * ```ts
   * set.trustDomains().map(String); // ['a.example', 'b.example']
   * ```
   */
  trustDomains() {
    return this.bundles().map((b) => b.trustDomain);
  }
  [Symbol.iterator]() {
    return this.bundles()[Symbol.iterator]();
  }
  /** Looks up by an already parsed trust domain, for the source interfaces. */
  lookup(trustDomain) {
    return this.#bundles.get(trustDomain.name);
  }
  /** `<Kind>(a.example, b.example)`. */
  toString() {
    return `${this.kind}(${[...this.bundles()].map((b) => b.trustDomain.name).join(", ")})`;
  }
  [inspect3.custom]() {
    return this.toString();
  }
};
function nameOf(trustDomain) {
  return trustDomain instanceof TrustDomain ? trustDomain.name : TrustDomain.parse(trustDomain).name;
}

// dist/bundle/jwt-bundle.js
import { inspect as inspect4 } from "node:util";

// dist/bundle/jwk.js
import { createPublicKey as createPublicKey2 } from "node:crypto";
var KNOWN_KTY = /* @__PURE__ */ new Set(["EC", "RSA", "OKP"]);
var PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];
var utf8 = new TextDecoder("utf-8", { fatal: true });
function readJsonInput(input, what2, trustDomain) {
  let text;
  if (typeof input === "string") {
    text = input;
  } else if (input instanceof Uint8Array) {
    try {
      text = utf8.decode(input);
    } catch (cause) {
      throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}" is not valid UTF-8`, { trustDomain, cause });
    }
  } else if (typeof input === "object" && input !== null) {
    return { value: input, text: void 0 };
  } else {
    throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `${what2} of trust domain "${trustDomain}" must be JSON text, UTF-8 bytes or an object`, {
      trustDomain
    });
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (cause) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}" is not valid JSON: ${cause.message}`, {
      trustDomain,
      cause
    });
  }
}
function jwkSetKeys(value, what2, trustDomain, maxKeys) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}" is not a JWK Set (expected a JSON object)`, { trustDomain });
  }
  const keys = value.keys;
  if (keys === void 0) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}" has no "keys" member`, { trustDomain });
  }
  if (!Array.isArray(keys)) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}": "keys" is not an array`, { trustDomain });
  }
  if (keys.length > maxKeys) {
    throw new BundleError("ERR_BUNDLE_TOO_LARGE", `${what2} of trust domain "${trustDomain}" holds ${keys.length} keys; at most ${maxKeys} are accepted`, {
      trustDomain
    });
  }
  return keys;
}
function jwkAt(keys, index, what2, trustDomain) {
  const jwk = keys[index];
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}": key #${index} is not a JSON object`, {
      trustDomain,
      keyIndex: index
    });
  }
  return jwk;
}
function hasKnownKty(jwk, index, what2, trustDomain) {
  const kty = jwk.kty;
  if (typeof kty !== "string") {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${what2} of trust domain "${trustDomain}": key #${index} has no "kty" member`, {
      trustDomain,
      keyIndex: index
    });
  }
  return KNOWN_KTY.has(kty);
}
function importPublicJwk(jwk, what2, context) {
  const where = `${what2} of trust domain "${context.trustDomain}": key #${context.keyIndex}${context.kid === void 0 ? "" : ` (kid ${quote(context.kid)})`}`;
  for (const member of PRIVATE_MEMBERS) {
    if (jwk[member] !== void 0) {
      throw new BundleError("ERR_BUNDLE_INVALID_KEY", `${where} holds private key material ("${member}"); a bundle must only hold public keys`, context);
    }
  }
  const kty = jwk.kty;
  const publicJwk = kty === "EC" ? { kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : kty === "RSA" ? { kty, n: jwk.n, e: jwk.e } : { kty, crv: jwk.crv, x: jwk.x };
  for (const [name, value] of Object.entries(publicJwk)) {
    if (typeof value !== "string") {
      throw new BundleError("ERR_BUNDLE_INVALID_KEY", `${where}: ${kty} key member "${name}" is missing or not a string`, context);
    }
  }
  try {
    return createPublicKey2({ key: publicJwk, format: "jwk" });
  } catch (cause) {
    throw new BundleError("ERR_BUNDLE_INVALID_KEY", `${where} cannot be imported as a ${kty} public key: ${cause.message}`, {
      ...context,
      cause
    });
  }
}
function toPublicKey(key, what2, context) {
  if (typeof key !== "object" || key === null || typeof key.type !== "string") {
    throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `${what2} must be a KeyObject`, context);
  }
  if (key.type === "public")
    return key;
  if (key.type === "private")
    return createPublicKey2(key);
  throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `${what2} is a secret key; JWT authorities are public keys`, context);
}
function publicKeyToJwk(key) {
  return key.export({ format: "jwk" });
}
function importJwtAuthority(jwk, index, what2, trustDomain) {
  const kid = jwk.kid;
  if (typeof kid !== "string" || kid.length === 0) {
    throw new BundleError("ERR_BUNDLE_MISSING_KID", `${what2} of trust domain "${trustDomain}": key #${index} has ${kid === void 0 ? 'no "kid"' : 'an empty or non-string "kid"'}; SPIFFE requires a key ID on every JWT authority`, { trustDomain, keyIndex: index });
  }
  return [kid, importPublicJwk(jwk, what2, { trustDomain, keyIndex: index, kid })];
}
function addParsedJwtAuthority(into, kid, key, index, what2, trustDomain) {
  const existing = into.get(kid);
  if (existing === void 0) {
    into.set(kid, key);
  } else if (!existing.equals(key)) {
    throw new BundleError("ERR_BUNDLE_DUPLICATE_KID", `${what2} of trust domain "${trustDomain}": key #${index} reuses kid ${quote(kid)} for a different key; key IDs must be unique`, { trustDomain, keyIndex: index, kid });
  }
}

// dist/bundle/jwt-bundle.js
var JWT_USES = /* @__PURE__ */ new Set([void 0, "jwt-svid", "sig"]);
var WHAT = "JWT bundle";
var JwtBundle = class _JwtBundle {
  /** The trust domain the authorities belong to. */
  trustDomain;
  #keys = /* @__PURE__ */ new Map();
  /**
   * Creates a bundle from `[kid, key]` pairs (a `Map` works). Private keys are reduced to their
   * public half.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_MISSING_KID` for an empty key ID,
   * `ERR_BUNDLE_INVALID_ARGUMENT` for a secret key or a non-key.
   * @example
   * ```ts
   * const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
   * const bundle = new JwtBundle('example.org', new Map([['key-1', publicKey]]));
   * ```
   */
  constructor(trustDomain, authorities) {
    this.trustDomain = TrustDomain.from(trustDomain);
    if (authorities !== void 0)
      for (const [kid, key] of authorities)
        this.addJwtAuthority(kid, key);
  }
  /**
   * Parses a JWK Set (RFC 7517): the Workload API's JWT bundle format, or a SPIFFE bundle (its
   * `x509-svid` keys are skipped). Keys with an unknown `kty` or a `use` other than `jwt-svid` or
   * `sig` are skipped, as the SPIFFE bundle spec says; every other key must have a `kid`.
   *
   * @param json - JSON text, UTF-8 bytes, or an already parsed object.
   * @throws {@link BundleError} `ERR_BUNDLE_MALFORMED` (not JSON, no `keys`, a key that is not an
   * object or has no `kty`), `ERR_BUNDLE_MISSING_KID`, `ERR_BUNDLE_DUPLICATE_KID`,
   * `ERR_BUNDLE_INVALID_KEY` or `ERR_BUNDLE_TOO_LARGE`, naming the trust domain and key index.
   * @example
   * ```ts
   * const bundle = JwtBundle.fromJwks('example.org', response.bundles['spiffe://example.org']);
   * bundle.findJwtAuthority('key-1'); // KeyObject | undefined
   * ```
   */
  static fromJwks(trustDomain, json, options) {
    const bundle = new _JwtBundle(trustDomain);
    const td = bundle.trustDomain.name;
    const { value } = readJsonInput(json, WHAT, td);
    const keys = jwkSetKeys(value, WHAT, td, options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES);
    for (let i = 0; i < keys.length; i++) {
      const jwk = jwkAt(keys, i, WHAT, td);
      if (!JWT_USES.has(jwk.use) || !hasKnownKty(jwk, i, WHAT, td))
        continue;
      const [kid, key] = importJwtAuthority(jwk, i, WHAT, td);
      addParsedJwtAuthority(bundle.#keys, kid, key, i, WHAT, td);
    }
    return bundle;
  }
  /**
   * The authorities by key ID (a copy).
   *
   * @example
   * ```ts
   * for (const [kid, key] of bundle.jwtAuthorities) console.log(kid, key.asymmetricKeyType);
   * ```
   */
  get jwtAuthorities() {
    return new Map(this.#keys);
  }
  /** Number of authorities. */
  get size() {
    return this.#keys.size;
  }
  /**
   * Whether the bundle has no authorities.
   *
   * @example
   * ```ts
   * if (bundle.empty()) console.warn(`no JWT keys for ${bundle.trustDomain}`);
   * ```
   */
  empty() {
    return this.#keys.size === 0;
  }
  /**
   * The public key with key ID `kid`, or `undefined`.
   *
   * @example
   * ```ts
   * const key = bundle.findJwtAuthority(header.kid);
   * ```
   */
  findJwtAuthority(kid) {
    return this.#keys.get(kid);
  }
  /**
   * Whether there is an authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.hasJwtAuthority('key-1'); // true
   * ```
   */
  hasJwtAuthority(kid) {
    return this.#keys.has(kid);
  }
  /**
   * Adds (or replaces) the authority with key ID `kid`. Private keys are reduced to their public half.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_MISSING_KID` or `ERR_BUNDLE_INVALID_ARGUMENT`.
   * @example
   * ```ts
   * bundle.addJwtAuthority('key-2', rotatedPublicKey);
   * ```
   */
  addJwtAuthority(kid, key) {
    const td = this.trustDomain.name;
    if (typeof kid !== "string" || kid.length === 0) {
      throw new BundleError("ERR_BUNDLE_MISSING_KID", `${WHAT} of trust domain "${td}": a JWT authority needs a non-empty key ID`, { trustDomain: td });
    }
    this.#keys.set(kid, toPublicKey(key, `${WHAT} of trust domain "${td}": the authority with kid ${quote(kid)}`, { trustDomain: td, kid }));
  }
  /**
   * Removes the authority with key ID `kid`. Returns whether there was one.
   *
   * @example
   * ```ts
   * bundle.removeJwtAuthority('key-1');
   * ```
   */
  removeJwtAuthority(kid) {
    return this.#keys.delete(kid);
  }
  /**
   * Replaces all authorities.
   *
   * @example
   * ```ts
   * bundle.setJwtAuthorities(new Map([['key-2', publicKey]]));
   * ```
   */
  setJwtAuthorities(authorities) {
    const next = new _JwtBundle(this.trustDomain, authorities);
    this.#keys.clear();
    for (const [kid, key] of next.#keys)
      this.#keys.set(kid, key);
  }
  /**
   * Whether `other` has the same trust domain and the same keys under the same key IDs.
   *
   * @example
   * ```ts
   * JwtBundle.fromJwks(td, bundle.toJwks()).equals(bundle); // true
   * ```
   */
  equals(other) {
    if (!(other instanceof _JwtBundle) || !other.trustDomain.equals(this.trustDomain))
      return false;
    if (other.#keys.size !== this.#keys.size)
      return false;
    for (const [kid, key] of this.#keys) {
      const theirs = other.#keys.get(kid);
      if (theirs === void 0 || theirs !== key && !theirs.equals(key))
        return false;
    }
    return true;
  }
  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.removeJwtAuthority('old');
   * ```
   */
  clone() {
    const copy = new _JwtBundle(this.trustDomain);
    for (const [kid, key] of this.#keys)
      copy.#keys.set(kid, key);
    return copy;
  }
  /**
   * The authorities as a JWK Set, each key with its `kid` (no `use`, like the Workload API's JWT
   * bundles). Round-trips through {@link JwtBundle.fromJwks}.
   *
   * @example
   * ```ts
   * res.setHeader('content-type', 'application/jwk-set+json').end(JSON.stringify(bundle.toJwks()));
   * ```
   */
  toJwks() {
    const keys = [];
    for (const [kid, key] of this.#keys)
      keys.push({ ...publicKeyToJwk(key), kid });
    return { keys };
  }
  /**
   * Returns this bundle for its own trust domain and `undefined` for any other.
   *
   * @example
   * ```ts
   * await JwtSvid.parseAndValidate(token, bundle, 'my-api'); // a single bundle is a source
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    return trustDomain.name === this.trustDomain.name ? this : void 0;
  }
  /** `JwtBundle(<trust domain>, kids: a, b)`. */
  toString() {
    return `JwtBundle(${this.trustDomain.name}, ${this.#keys.size === 0 ? "no authorities" : `kids: ${[...this.#keys.keys()].join(", ")}`})`;
  }
  /**
   * Serialises as the JWK Set of {@link JwtBundle.toJwks}.
   *
   * @example
   * ```ts
   * JSON.stringify(bundle); // '{"keys":[{"kty":"EC",…,"kid":"key-1"}]}'
   * ```
   */
  toJSON() {
    return this.toJwks();
  }
  [inspect4.custom]() {
    return this.toString();
  }
};

// dist/bundle/jwt-bundle-set.js
var JwtBundleSet = class extends BundleSet {
  get kind() {
    return "JwtBundleSet";
  }
  accepts(value) {
    return value instanceof JwtBundle;
  }
  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getJwtBundleForTrustDomain(svid.id.trustDomain);
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    return this.lookup(trustDomain);
  }
};

// dist/bundle/spiffe-bundle.js
import { inspect as inspect6 } from "node:util";

// dist/bundle/raw-json.js
var QUOTE = 34;
var BACKSLASH = 92;
var OPEN_BRACE = 123;
var CLOSE_BRACE = 125;
var OPEN_BRACKET = 91;
var CLOSE_BRACKET = 93;
var COMMA = 44;
function isWhitespace(c) {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function skipWhitespace(text, i) {
  while (i < text.length && isWhitespace(text.charCodeAt(i)))
    i++;
  return i;
}
function skipString(text, i) {
  let j = i + 1;
  for (; ; ) {
    const q = text.indexOf('"', j);
    if (q === -1)
      return text.length;
    let backslashes = 0;
    for (let k = q - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--)
      backslashes++;
    if (backslashes % 2 === 0)
      return q + 1;
    j = q + 1;
  }
}
function skipValue(text, i) {
  const c = text.charCodeAt(i);
  if (c === QUOTE)
    return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j2 = i;
    while (j2 < text.length) {
      const d = text.charCodeAt(j2);
      if (d === QUOTE) {
        j2 = skipString(text, j2);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET)
        depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0)
          return j2 + 1;
      }
      j2++;
    }
    return j2;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isWhitespace(d))
      break;
    j++;
  }
  return j;
}
function rawTopLevelMember(text, name) {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE)
    return void 0;
  i++;
  let found;
  for (; ; ) {
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) !== QUOTE)
      return found;
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i + 1, keyEnd - 1);
    const key = rawKey.includes("\\") ? JSON.parse(text.slice(i, keyEnd)) : rawKey;
    i = skipWhitespace(text, keyEnd) + 1;
    i = skipWhitespace(text, i);
    const valueEnd = skipValue(text, i);
    if (key === name)
      found = text.slice(i, valueEnd);
    i = skipWhitespace(text, valueEnd);
    if (text.charCodeAt(i) !== COMMA)
      return found;
    i++;
  }
}

// dist/bundle/x509-bundle.js
import { X509Certificate as X509Certificate2 } from "node:crypto";
import { inspect as inspect5 } from "node:util";

// dist/bundle/pem.js
var BEGIN = "-----BEGIN ";
var DASHES = "-----";
var BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
var WHITESPACE = /[ \t\r\n]+/g;
function decodePemCertificates(pem, trustDomain) {
  const out = [];
  let p = pem.indexOf(BEGIN);
  while (p !== -1) {
    const index = out.length;
    const fail = (why) => {
      throw new BundleError("ERR_BUNDLE_MALFORMED", `X.509 bundle of trust domain "${trustDomain}": PEM block #${index} ${why}`, {
        trustDomain,
        certificateIndex: index
      });
    };
    const labelStart = p + BEGIN.length;
    const labelEnd = pem.indexOf(DASHES, labelStart);
    const lineEnd = pem.indexOf("\n", labelStart);
    if (labelEnd === -1 || lineEnd !== -1 && lineEnd < labelEnd)
      fail("has an unterminated BEGIN line");
    const label = pem.slice(labelStart, labelEnd);
    if (label !== "CERTIFICATE")
      fail(`is labelled ${quote(label, 40)}; only CERTIFICATE blocks belong in a bundle`);
    const end = `-----END ${label}-----`;
    const bodyStart = labelEnd + DASHES.length;
    const bodyEnd = pem.indexOf(end, bodyStart);
    if (bodyEnd === -1)
      fail("is not closed by an END CERTIFICATE line");
    const nextBegin = pem.indexOf(BEGIN, bodyStart);
    if (nextBegin !== -1 && nextBegin < bodyEnd)
      fail("is not closed before the next BEGIN line");
    const body = pem.slice(bodyStart, bodyEnd);
    if (body.includes(":"))
      fail("has PEM headers; certificate blocks must not have any");
    const b64 = body.replace(WHITESPACE, "");
    if (b64.length === 0)
      fail("is empty");
    if (b64.length % 4 !== 0 || !BASE64.test(b64))
      fail("is not valid base64");
    out.push(Buffer.from(b64, "base64"));
    p = pem.indexOf(BEGIN, bodyEnd + end.length);
  }
  if (out.length === 0 && pem.trim().length > 0) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `X.509 bundle of trust domain "${trustDomain}": no PEM CERTIFICATE block found`, {
      trustDomain
    });
  }
  return out;
}
function encodePem(der, label = "CERTIFICATE") {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let text = `-----BEGIN ${label}-----
`;
  for (let i = 0; i < b64.length; i += 64)
    text += `${b64.slice(i, i + 64)}
`;
  return `${text}-----END ${label}-----
`;
}

// dist/bundle/x509-bundle.js
var addCheckedAuthority;
function what(trustDomain) {
  return `X.509 bundle of trust domain "${trustDomain}"`;
}
var X509Bundle = class _X509Bundle {
  /** The trust domain the authorities belong to. */
  trustDomain;
  #authorities = /* @__PURE__ */ new Map();
  #certs;
  #ders;
  /**
   * Creates a bundle from certificates (`X509Certificate` objects, or DER of one certificate
   * each). Duplicates are kept once.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` for DER that is not one certificate.
   * @example
   * ```ts
   * import { X509Certificate } from 'node:crypto';
   * const bundle = new X509Bundle('example.org', [new X509Certificate(caPem)]);
   * ```
   */
  constructor(trustDomain, authorities) {
    this.trustDomain = TrustDomain.from(trustDomain);
    if (authorities !== void 0)
      for (const cert of authorities)
        this.addX509Authority(cert);
  }
  /**
   * Parses concatenated DER CA certificates (the Workload API's bundle format). Empty input gives
   * an empty bundle. The input is copied.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` (naming the certificate index)
   * or `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = X509Bundle.fromDer('example.org', response.bundles['spiffe://example.org']);
   * ```
   */
  static fromDer(trustDomain, der, options) {
    const bundle = new _X509Bundle(trustDomain);
    if (!(der instanceof Uint8Array)) {
      throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `X.509 bundle of trust domain "${bundle.trustDomain.name}" must be DER bytes`, {
        trustDomain: bundle.trustDomain.name
      });
    }
    const td = bundle.trustDomain.name;
    const max = options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES;
    const parts = splitChecked(Buffer.from(der), what(td), { trustDomain: td }, max);
    for (let i = 0; i < parts.length; i++) {
      bundle.#add(checkedAuthority(parts[i], { describe: `${what(td)}: certificate #${i}`, trustDomain: td, certificateIndex: i }));
    }
    return bundle;
  }
  /**
   * Parses PEM `CERTIFICATE` blocks. Text between blocks is ignored (RFC 7468); any other block
   * type, PEM headers, bad base64 or a certificate that does not parse is an error. Blank input
   * gives an empty bundle.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_MALFORMED`, `ERR_BUNDLE_INVALID_CERTIFICATE` or
   * `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = X509Bundle.fromPem('example.org', await readFile('/run/spire/bundle.pem', 'utf8'));
   * ```
   */
  static fromPem(trustDomain, pem, options) {
    const bundle = new _X509Bundle(trustDomain);
    const td = bundle.trustDomain.name;
    let text;
    if (typeof pem === "string")
      text = pem;
    else if (pem instanceof Uint8Array)
      text = Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString("latin1");
    else
      throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `X.509 bundle of trust domain "${td}" must be PEM text`, { trustDomain: td });
    const max = options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES;
    const ders = decodePemCertificates(text, td);
    if (ders.length > max) {
      throw new BundleError("ERR_BUNDLE_TOO_LARGE", `${what(td)} holds more than ${max} certificates`, { trustDomain: td });
    }
    for (let i = 0; i < ders.length; i++) {
      bundle.#add(singleAuthority(ders[i], { describe: `${what(td)}: PEM block #${i}`, trustDomain: td, certificateIndex: i }));
    }
    return bundle;
  }
  /**
   * The trust anchors, in insertion order. The array is frozen and reused until the bundle
   * changes.
   *
   * @example
   * ```ts
   * for (const ca of bundle.x509Authorities) console.log(ca.subject, ca.validTo);
   * ```
   */
  get x509Authorities() {
    this.#certs ??= Object.freeze(Array.from(this.#authorities.values(), (a) => a.cert));
    return this.#certs;
  }
  /**
   * The DER of each trust anchor, in the order of {@link X509Bundle.x509Authorities}. Frozen and
   * reused until the bundle changes; do not write to the buffers.
   *
   * @example
   * ```ts
   * const anchors = bundle.x509AuthoritiesDer.map((der) => parseCertificate(der));
   * ```
   */
  get x509AuthoritiesDer() {
    this.#ders ??= Object.freeze(Array.from(this.#authorities.values(), (a) => a.der));
    return this.#ders;
  }
  /** Number of trust anchors. */
  get size() {
    return this.#authorities.size;
  }
  /**
   * Whether the bundle has no trust anchors (everything revoked, or nothing loaded yet).
   *
   * @example
   * ```ts
   * if (bundle.empty()) console.warn(`no CA for ${bundle.trustDomain}`);
   * ```
   */
  empty() {
    return this.#authorities.size === 0;
  }
  /**
   * Adds a trust anchor. Returns `false` when it was already present.
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_CERTIFICATE` for DER that is not one certificate.
   * @example
   * ```ts
   * bundle.addX509Authority(newRootCert);
   * ```
   */
  addX509Authority(cert) {
    return this.#add(this.#toAuthority(cert, this.#authorities.size));
  }
  /**
   * Removes a trust anchor (matched by DER). Returns whether it was present.
   *
   * @example
   * ```ts
   * bundle.removeX509Authority(retiredRootCert);
   * ```
   */
  removeX509Authority(cert) {
    const removed = this.#authorities.delete(keyOf(cert));
    if (removed)
      this.#changed();
    return removed;
  }
  /**
   * Whether `cert` (matched by DER) is one of the trust anchors.
   *
   * @example
   * ```ts
   * bundle.hasX509Authority(caCert); // true
   * ```
   */
  hasX509Authority(cert) {
    return this.#authorities.has(keyOf(cert));
  }
  /**
   * Replaces all trust anchors.
   *
   * @example
   * ```ts
   * bundle.setX509Authorities([rootA, rootB]);
   * ```
   */
  setX509Authorities(certs) {
    const next = [];
    for (const cert of certs)
      next.push(this.#toAuthority(cert, next.length));
    this.#authorities.clear();
    for (const authority of next)
      this.#add(authority);
    this.#changed();
  }
  /**
   * Whether `other` has the same trust domain and the same set of trust anchors.
   *
   * @example
   * ```ts
   * X509Bundle.fromDer(td, bundle.toDer()).equals(bundle); // true
   * ```
   */
  equals(other) {
    if (!(other instanceof _X509Bundle) || !other.trustDomain.equals(this.trustDomain))
      return false;
    if (other.#authorities.size !== this.#authorities.size)
      return false;
    for (const key of this.#authorities.keys())
      if (!other.#authorities.has(key))
        return false;
    return true;
  }
  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.addX509Authority(newRoot);
   * ```
   */
  clone() {
    const copy = new _X509Bundle(this.trustDomain);
    for (const [key, authority] of this.#authorities)
      copy.#authorities.set(key, authority);
    return copy;
  }
  /**
   * The trust anchors as concatenated DER (the Workload API's format).
   *
   * @example
   * ```ts
   * X509Bundle.fromDer(bundle.trustDomain, bundle.toDer());
   * ```
   */
  toDer() {
    return Buffer.concat(this.x509AuthoritiesDer);
  }
  /**
   * The trust anchors as PEM `CERTIFICATE` blocks.
   *
   * @example
   * ```ts
   * await writeFile('bundle.pem', bundle.toPem());
   * ```
   */
  toPem() {
    let out = "";
    for (const der of this.x509AuthoritiesDer)
      out += encodePem(der);
    return out;
  }
  /**
   * Returns this bundle for its own trust domain and `undefined` for any other.
   *
   * @example
   * ```ts
   * verifyX509Svid(chain, bundle); // a single bundle is a source
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    return trustDomain.name === this.trustDomain.name ? this : void 0;
  }
  /** `X509Bundle(<trust domain>, <n> authorities)`. */
  toString() {
    return `X509Bundle(${this.trustDomain.name}, ${this.#authorities.size} ${this.#authorities.size === 1 ? "authority" : "authorities"})`;
  }
  /**
   * Serialises as `{ trustDomain, x509Authorities }` with each authority as base64 DER.
   *
   * @example
   * ```ts
   * JSON.stringify(bundle); // '{"trustDomain":"example.org","x509Authorities":["MIIB…"]}'
   * ```
   */
  toJSON() {
    return { trustDomain: this.trustDomain.name, x509Authorities: this.x509AuthoritiesDer.map((der) => der.toString("base64")) };
  }
  [inspect5.custom]() {
    return this.toString();
  }
  #toAuthority(cert, index) {
    if (cert instanceof X509Certificate2)
      return new Authority(cert.raw, cert);
    if (cert instanceof Uint8Array) {
      const td = this.trustDomain.name;
      return singleAuthority(cert, { describe: `${what(td)}: authority #${index}`, trustDomain: td, certificateIndex: index });
    }
    throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", `X.509 bundle of trust domain "${this.trustDomain.name}": authority #${index} must be an X509Certificate or DER bytes`, { trustDomain: this.trustDomain.name, certificateIndex: index });
  }
  static {
    addCheckedAuthority = (bundle, authority) => bundle.#add(authority);
  }
  #add(authority) {
    const key = authority.key;
    if (this.#authorities.has(key))
      return false;
    this.#authorities.set(key, authority);
    this.#changed();
    return true;
  }
  #changed() {
    this.#certs = void 0;
    this.#ders = void 0;
  }
};
function keyOf(cert) {
  if (cert instanceof X509Certificate2)
    return cert.raw.toString("latin1");
  if (cert instanceof Uint8Array)
    return Buffer.from(cert.buffer, cert.byteOffset, cert.byteLength).toString("latin1");
  throw new BundleError("ERR_BUNDLE_INVALID_ARGUMENT", "An X.509 authority must be an X509Certificate or DER bytes");
}

// dist/bundle/spiffe-bundle.js
var MAX_SEQUENCE = (1n << 64n) - 1n;
var DIGITS = /^(?:0|[1-9][0-9]*)$/;
var BASE642 = /^[A-Za-z0-9+/]*={0,2}$/;
var WHAT2 = "SPIFFE bundle";
var KEY_MEMBERS = { EC: ["x", "y"], RSA: ["n", "e"], OKP: ["x"] };
function checkRefreshHint(value, trustDomain) {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${WHAT2} of trust domain "${trustDomain}": "spiffe_refresh_hint" must be a non-negative integer number of seconds`, { trustDomain });
  }
  return value;
}
function checkSequence(value, raw, trustDomain) {
  const bad = (why) => {
    throw new BundleError("ERR_BUNDLE_MALFORMED", `${WHAT2} of trust domain "${trustDomain}": "spiffe_sequence" ${why}`, { trustDomain });
  };
  let sequence;
  if (raw !== void 0) {
    if (typeof value !== "number" || !DIGITS.test(raw))
      bad("must be a non-negative integer written with digits only");
    sequence = BigInt(raw);
  } else if (typeof value === "bigint") {
    sequence = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value))
      bad("must be a non-negative integer");
    if (!Number.isSafeInteger(value))
      bad("is beyond 2^53 and has lost precision; pass the JSON text (or a bigint) instead");
    sequence = BigInt(value);
  } else {
    return bad("must be a non-negative integer");
  }
  if (sequence < 0n)
    bad("must not be negative");
  if (sequence > MAX_SEQUENCE)
    bad("exceeds 2^64 - 1");
  return sequence;
}
function readX509Entry(jwk, index, trustDomain) {
  const describe = `${WHAT2} of trust domain "${trustDomain}": key #${index} (x509-svid)`;
  const context = { trustDomain, keyIndex: index };
  const x5c = jwk.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 1) {
    const found = Array.isArray(x5c) ? `${x5c.length} certificates` : x5c === void 0 ? 'no "x5c"' : 'an "x5c" that is not an array';
    throw new BundleError("ERR_BUNDLE_X5C", `${describe} must hold exactly one certificate in "x5c"; found ${found}`, context);
  }
  const b64 = x5c[0];
  if (typeof b64 !== "string" || b64.length === 0 || b64.length % 4 !== 0 || !BASE642.test(b64)) {
    throw new BundleError("ERR_BUNDLE_INVALID_CERTIFICATE", `${describe}: "x5c"[0] is not a base64-encoded certificate`, context);
  }
  const authority = singleAuthority(Buffer.from(b64, "base64"), { describe, ...context });
  const members = KEY_MEMBERS[jwk.kty] ?? [];
  if (members.some((m) => jwk[m] !== void 0)) {
    const jwkKey = importPublicJwk(jwk, WHAT2, context);
    if (!jwkKey.equals(authority.publicKey())) {
      throw new BundleError("ERR_BUNDLE_KEY_MISMATCH", `${describe}: the JWK's key parameters are not the public key of its "x5c" certificate`, context);
    }
  }
  return authority;
}
var SpiffeBundle = class _SpiffeBundle {
  /** The trust domain the authorities belong to. */
  trustDomain;
  #x509;
  #jwt;
  #refreshHint;
  #sequence;
  /**
   * Creates a bundle from authorities and metadata.
   *
   * @throws {@link BundleError} for invalid certificates, keys, refresh hint or sequence number.
   * @example
   * ```ts
   * const bundle = new SpiffeBundle('example.org', {
   *   x509Authorities: [caCert],
   *   jwtAuthorities: new Map([['key-1', jwtPublicKey]]),
   *   refreshHint: 300,
   * });
   * ```
   */
  constructor(trustDomain, options = {}) {
    this.trustDomain = TrustDomain.from(trustDomain);
    this.#x509 = new X509Bundle(this.trustDomain, options.x509Authorities);
    this.#jwt = new JwtBundle(this.trustDomain, options.jwtAuthorities);
    if (options.refreshHint !== void 0)
      this.refreshHint = options.refreshHint;
    if (options.sequenceNumber !== void 0)
      this.sequenceNumber = options.sequenceNumber;
  }
  /**
   * Parses a SPIFFE bundle. Keys with `use: "x509-svid"` must hold exactly one certificate in
   * `x5c` (base64 DER; key parameters, when present, must match it); keys with `use: "jwt-svid"`
   * must have a `kid`. Keys with another (or no) `use`, or an unknown `kty`, are skipped.
   * `keys` must be present; it may be empty.
   *
   * @param json - JSON text or UTF-8 bytes (so that `spiffe_sequence` is read exactly), or an
   * already parsed object (its `spiffe_sequence` must then be a safe integer or a bigint).
   * @throws {@link BundleError} naming the trust domain and key index: `ERR_BUNDLE_MALFORMED`,
   * `ERR_BUNDLE_X5C`, `ERR_BUNDLE_INVALID_CERTIFICATE`, `ERR_BUNDLE_KEY_MISMATCH`,
   * `ERR_BUNDLE_MISSING_KID`, `ERR_BUNDLE_DUPLICATE_KID`, `ERR_BUNDLE_INVALID_KEY`, `ERR_BUNDLE_TOO_LARGE`.
   * @example
   * ```ts
   * const bundle = SpiffeBundle.parse('example.org', '{"keys":[],"spiffe_sequence":18446744073709551615}');
   * bundle.sequenceNumber; // 18446744073709551615n
   * ```
   */
  static parse(trustDomain, json, options) {
    const bundle = new _SpiffeBundle(trustDomain);
    const td = bundle.trustDomain.name;
    const { value, text } = readJsonInput(json, WHAT2, td);
    const keys = jwkSetKeys(value, WHAT2, td, options?.maxAuthorities ?? DEFAULT_MAX_BUNDLE_AUTHORITIES);
    const set = value;
    if (set.spiffe_sequence !== void 0) {
      bundle.#sequence = checkSequence(set.spiffe_sequence, text === void 0 ? void 0 : rawTopLevelMember(text, "spiffe_sequence"), td);
    }
    if (set.spiffe_refresh_hint !== void 0)
      bundle.#refreshHint = checkRefreshHint(set.spiffe_refresh_hint, td);
    const jwtKeys = /* @__PURE__ */ new Map();
    for (let i = 0; i < keys.length; i++) {
      const jwk = jwkAt(keys, i, WHAT2, td);
      if (jwk.use === "x509-svid") {
        if (hasKnownKty(jwk, i, WHAT2, td))
          addCheckedAuthority(bundle.#x509, readX509Entry(jwk, i, td));
      } else if (jwk.use === "jwt-svid") {
        if (!hasKnownKty(jwk, i, WHAT2, td))
          continue;
        const [kid, key] = importJwtAuthority(jwk, i, WHAT2, td);
        addParsedJwtAuthority(jwtKeys, kid, key, i, WHAT2, td);
      }
    }
    bundle.#jwt.setJwtAuthorities(jwtKeys);
    return bundle;
  }
  /**
   * A SPIFFE bundle holding the authorities of an X.509 bundle (copied).
   *
   * @example
   * ```ts
   * const spiffe = SpiffeBundle.fromX509Bundle(X509Bundle.fromPem('example.org', pem));
   * ```
   */
  static fromX509Bundle(bundle) {
    return new _SpiffeBundle(bundle.trustDomain, { x509Authorities: bundle.x509AuthoritiesDer });
  }
  /**
   * A SPIFFE bundle holding the authorities of a JWT bundle (copied).
   *
   * @example
   * ```ts
   * const spiffe = SpiffeBundle.fromJwtBundle(JwtBundle.fromJwks('example.org', jwks));
   * ```
   */
  static fromJwtBundle(bundle) {
    return new _SpiffeBundle(bundle.trustDomain, { jwtAuthorities: bundle.jwtAuthorities });
  }
  /**
   * The X.509 authorities as a live {@link X509Bundle} view: changes through either object show in both.
   *
   * @example
   * ```ts
   * const x509 = spiffeBundle.x509Bundle();
   * x509.toPem();
   * ```
   */
  x509Bundle() {
    return this.#x509;
  }
  /**
   * The JWT authorities as a live {@link JwtBundle} view: changes through either object show in both.
   *
   * @example
   * ```ts
   * spiffeBundle.jwtBundle().findJwtAuthority('key-1');
   * ```
   */
  jwtBundle() {
    return this.#jwt;
  }
  /** The X.509 authorities (see {@link X509Bundle.x509Authorities}). */
  get x509Authorities() {
    return this.#x509.x509Authorities;
  }
  /** The DER of the X.509 authorities (see {@link X509Bundle.x509AuthoritiesDer}). */
  get x509AuthoritiesDer() {
    return this.#x509.x509AuthoritiesDer;
  }
  /** The JWT authorities by key ID (a copy). */
  get jwtAuthorities() {
    return this.#jwt.jwtAuthorities;
  }
  /**
   * `spiffe_refresh_hint`: how often, in seconds, consumers should poll for a new bundle.
   *
   * @example
   * ```ts
   * setTimeout(refresh, (bundle.refreshHint ?? 300) * 1000);
   * ```
   */
  get refreshHint() {
    return this.#refreshHint;
  }
  set refreshHint(seconds) {
    this.#refreshHint = seconds === void 0 ? void 0 : checkRefreshHint(seconds, this.trustDomain.name);
  }
  /**
   * `spiffe_sequence`, exact (a `bigint`).
   *
   * @example
   * ```ts
   * if ((next.sequenceNumber ?? 0n) > (current.sequenceNumber ?? 0n)) current = next;
   * ```
   */
  get sequenceNumber() {
    return this.#sequence;
  }
  set sequenceNumber(value) {
    this.#sequence = value === void 0 ? void 0 : checkSequence(value, void 0, this.trustDomain.name);
  }
  /**
   * Whether the bundle has neither X.509 nor JWT authorities.
   *
   * @example
   * ```ts
   * SpiffeBundle.parse('example.org', '{"keys":[]}').empty(); // true
   * ```
   */
  empty() {
    return this.#x509.empty() && this.#jwt.empty();
  }
  /**
   * Adds an X.509 authority; `false` when it was already present.
   *
   * @example
   * ```ts
   * bundle.addX509Authority(newRoot);
   * ```
   */
  addX509Authority(cert) {
    return this.#x509.addX509Authority(cert);
  }
  /**
   * Removes an X.509 authority; returns whether it was present.
   *
   * @example
   * ```ts
   * bundle.removeX509Authority(oldRoot);
   * ```
   */
  removeX509Authority(cert) {
    return this.#x509.removeX509Authority(cert);
  }
  /**
   * Whether `cert` is an X.509 authority.
   *
   * @example
   * ```ts
   * bundle.hasX509Authority(root); // true
   * ```
   */
  hasX509Authority(cert) {
    return this.#x509.hasX509Authority(cert);
  }
  /**
   * Adds (or replaces) the JWT authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.addJwtAuthority('key-2', publicKey);
   * ```
   */
  addJwtAuthority(kid, key) {
    this.#jwt.addJwtAuthority(kid, key);
  }
  /**
   * Removes the JWT authority with key ID `kid`; returns whether there was one.
   *
   * @example
   * ```ts
   * bundle.removeJwtAuthority('key-1');
   * ```
   */
  removeJwtAuthority(kid) {
    return this.#jwt.removeJwtAuthority(kid);
  }
  /**
   * Whether there is a JWT authority with key ID `kid`.
   *
   * @example
   * ```ts
   * bundle.hasJwtAuthority('key-1'); // true
   * ```
   */
  hasJwtAuthority(kid) {
    return this.#jwt.hasJwtAuthority(kid);
  }
  /**
   * The JWT authority with key ID `kid`, or `undefined`.
   *
   * @example
   * ```ts
   * bundle.findJwtAuthority('key-1');
   * ```
   */
  findJwtAuthority(kid) {
    return this.#jwt.findJwtAuthority(kid);
  }
  /**
   * Whether `other` has the same trust domain, authorities, refresh hint and sequence number.
   *
   * @example
   * ```ts
   * SpiffeBundle.parse(td, bundle.marshal()).equals(bundle); // true
   * ```
   */
  equals(other) {
    return other instanceof _SpiffeBundle && other.trustDomain.equals(this.trustDomain) && other.#refreshHint === this.#refreshHint && other.#sequence === this.#sequence && other.#x509.equals(this.#x509) && other.#jwt.equals(this.#jwt);
  }
  /**
   * A copy that can be changed independently.
   *
   * @example
   * ```ts
   * const next = bundle.clone();
   * next.sequenceNumber = (bundle.sequenceNumber ?? 0n) + 1n;
   * ```
   */
  clone() {
    return new _SpiffeBundle(this.trustDomain, {
      x509Authorities: this.#x509.x509AuthoritiesDer,
      jwtAuthorities: this.#jwt.jwtAuthorities,
      refreshHint: this.#refreshHint,
      sequenceNumber: this.#sequence
    });
  }
  /**
   * Serialises to the SPIFFE bundle JSON format: X.509 authorities as `x509-svid` keys with one
   * `x5c` certificate, JWT authorities as `jwt-svid` keys with their `kid`, then
   * `spiffe_refresh_hint` and `spiffe_sequence` (written exactly, even beyond 2^53).
   *
   * @throws {@link BundleError} `ERR_BUNDLE_INVALID_KEY` for a key type JWK cannot express.
   * @example
   * ```ts
   * res.setHeader('content-type', 'application/json').end(bundle.marshal());
   * ```
   */
  marshal() {
    const td = this.trustDomain.name;
    const keys = [];
    const ders = this.#x509.x509AuthoritiesDer;
    for (let i = 0; i < ders.length; i++) {
      const der = ders[i];
      keys.push({ use: "x509-svid", ...exportJwk(() => certificatePublicKey(der), `X.509 authority #${i}`, td), x5c: [der.toString("base64")] });
    }
    for (const [kid, key] of this.#jwt.jwtAuthorities) {
      keys.push({ use: "jwt-svid", ...exportJwk(() => key, `the JWT authority with kid ${JSON.stringify(kid)}`, td), kid });
    }
    let json = `{"keys":${JSON.stringify(keys)}`;
    if (this.#refreshHint !== void 0)
      json += `,"spiffe_refresh_hint":${this.#refreshHint}`;
    if (this.#sequence !== void 0)
      json += `,"spiffe_sequence":${this.#sequence.toString()}`;
    return `${json}}`;
  }
  /**
   * Returns the X.509 view for this bundle's trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * verifyX509Svid(chain, spiffeBundle);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    return trustDomain.name === this.trustDomain.name ? this.#x509 : void 0;
  }
  /**
   * Returns the JWT view for this bundle's trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * await JwtSvid.parseAndValidate(token, spiffeBundle, 'my-api');
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    return trustDomain.name === this.trustDomain.name ? this.#jwt : void 0;
  }
  /**
   * Returns this bundle for its own trust domain, `undefined` for any other.
   *
   * @example
   * ```ts
   * bundle.getSpiffeBundleForTrustDomain(bundle.trustDomain) === bundle; // true
   * ```
   */
  getSpiffeBundleForTrustDomain(trustDomain) {
    return trustDomain.name === this.trustDomain.name ? this : void 0;
  }
  /** `SpiffeBundle(<trust domain>, <n> X.509, <m> JWT authorities, sequence <s>)`. */
  toString() {
    const sequence = this.#sequence === void 0 ? "" : `, sequence ${this.#sequence}`;
    return `SpiffeBundle(${this.trustDomain.name}, ${this.#x509.size} X.509 and ${this.#jwt.size} JWT authorities${sequence})`;
  }
  [inspect6.custom]() {
    return this.toString();
  }
};
function exportJwk(key, describe, trustDomain) {
  try {
    return publicKeyToJwk(key());
  } catch (cause) {
    throw new BundleError("ERR_BUNDLE_INVALID_KEY", `${WHAT2} of trust domain "${trustDomain}": ${describe} cannot be written as a JWK`, {
      trustDomain,
      cause
    });
  }
}

// dist/bundle/spiffe-bundle-set.js
var SpiffeBundleSet = class extends BundleSet {
  get kind() {
    return "SpiffeBundleSet";
  }
  accepts(value) {
    return value instanceof SpiffeBundle;
  }
  /**
   * The X.509 view of the bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getX509BundleForTrustDomain(id.trustDomain)?.x509Authorities;
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    return this.lookup(trustDomain)?.x509Bundle();
  }
  /**
   * The JWT view of the bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getJwtBundleForTrustDomain(id.trustDomain)?.findJwtAuthority(kid);
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    return this.lookup(trustDomain)?.jwtBundle();
  }
  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getSpiffeBundleForTrustDomain(td)?.sequenceNumber;
   * ```
   */
  getSpiffeBundleForTrustDomain(trustDomain) {
    return this.lookup(trustDomain);
  }
};

// dist/bundle/x509-bundle-set.js
var X509BundleSet = class extends BundleSet {
  get kind() {
    return "X509BundleSet";
  }
  accepts(value) {
    return value instanceof X509Bundle;
  }
  /**
   * The bundle of `trustDomain`, or `undefined`.
   *
   * @example
   * ```ts
   * set.getX509BundleForTrustDomain(id.trustDomain);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    return this.lookup(trustDomain);
  }
};

// dist/svid/jwt-svid.js
import { inspect as inspect7 } from "node:util";

// dist/svid/jwt-errors.js
var JwtSvidError = class extends SpiffeError {
  /** The claim at fault, when one is. */
  claim;
  /** The header parameter at fault, when one is. */
  header;
  /** The token's subject, when it was read. */
  subject;
  /** The subject's trust domain, when it was read. */
  trustDomain;
  /** The token's `kid`, when it was read. */
  kid;
  /** The audiences the caller expected, for audience errors. */
  expectedAudience;
  constructor(code, message, context = {}) {
    super(code, message, context.cause === void 0 ? void 0 : { cause: context.cause });
    this.claim = context.claim;
    this.header = context.header;
    this.subject = context.subject;
    this.trustDomain = context.trustDomain;
    this.kid = context.kid;
    this.expectedAudience = context.expectedAudience;
  }
};

// dist/svid/jwt-claims.js
import { isUtf8 } from "node:buffer";
function show(value, max = 64) {
  const text = typeof value === "string" ? value : typeof value === "object" && value !== null ? Array.isArray(value) ? "(an array)" : "(an object)" : String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}\u2026` : text);
}
function showList(values) {
  const shown = values.slice(0, 8).map((v) => show(v, 64));
  if (values.length > 8)
    shown.push(`\u2026 ${values.length - 8} more`);
  return `[${shown.join(", ")}]`;
}
function isoOf(seconds) {
  const date = new Date(seconds * 1e3);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
function decodeJsonPart(part, what2) {
  const fail = (why) => {
    throw new JwtSvidError("ERR_JWT_MALFORMED", `The JWT-SVID ${what2} ${why}`);
  };
  if (part.length % 4 === 1)
    fail("is not valid base64url (bad length)");
  const bytes2 = Buffer.from(part, "base64url");
  if (!isUtf8(bytes2))
    fail("is not UTF-8");
  let value;
  try {
    value = JSON.parse(bytes2.toString("utf8"));
  } catch {
    fail("is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("is not a JSON object");
  return value;
}
function allStrings(values) {
  for (let i = 0; i < values.length; i++)
    if (typeof values[i] !== "string")
      return false;
  return true;
}
function typeError(claim, expected, kid, set) {
  return new JwtSvidError("ERR_JWT_CLAIM_TYPE", `JWT-SVID claim "${claim}"${set ? ` of ${set.subject}` : ""} must be ${expected}`, {
    claim,
    kid,
    subject: set?.subject,
    trustDomain: set?.trustDomain
  });
}
function numeric(claim, value, kid, set) {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw typeError(claim, "a number (seconds since the epoch)", kid, set);
  return value;
}
function checkClaims(payloadText, expected, now, leeway, kid) {
  const claims = decodeJsonPart(payloadText, "payload");
  const sub = claims.sub;
  if (sub === void 0)
    throw new JwtSvidError("ERR_JWT_SUBJECT", 'JWT-SVID claim "sub" is missing', { claim: "sub", kid });
  if (typeof sub !== "string")
    throw typeError("sub", "a string", kid);
  let id;
  try {
    id = SpiffeId.parse(sub);
  } catch (cause) {
    const why = cause.message;
    throw new JwtSvidError("ERR_JWT_SUBJECT", `JWT-SVID claim "sub" ${show(sub)} is not a SPIFFE ID: ${why.length > 160 ? `${why.slice(0, 160)}\u2026` : why}`, {
      claim: "sub",
      kid,
      cause
    });
  }
  const subject = id.toString();
  const trustDomain = id.trustDomain.name;
  const where = { subject, trustDomain };
  const aud = claims.aud;
  let audience;
  if (typeof aud === "string")
    audience = [aud];
  else if (Array.isArray(aud) && allStrings(aud))
    audience = aud.slice();
  else if (aud === void 0) {
    throw new JwtSvidError("ERR_JWT_AUDIENCE", `JWT-SVID of ${subject} has no "aud" claim`, { claim: "aud", kid, expectedAudience: expected, ...where });
  } else {
    throw typeError("aud", "a string or an array of strings", kid, where);
  }
  if (audience.length === 0) {
    throw new JwtSvidError("ERR_JWT_AUDIENCE", `JWT-SVID of ${subject} has an empty "aud" claim`, { claim: "aud", kid, expectedAudience: expected, ...where });
  }
  if (!intersects(expected, audience)) {
    throw new JwtSvidError("ERR_JWT_AUDIENCE", `JWT-SVID of ${subject} has audience ${showList(audience)}, which includes none of the expected ${showList(expected)}`, { claim: "aud", kid, expectedAudience: expected, ...where });
  }
  if (claims.exp === void 0) {
    throw new JwtSvidError("ERR_JWT_MISSING_EXP", `JWT-SVID of ${subject} has no "exp" claim; it is required`, { claim: "exp", kid, ...where });
  }
  const exp = numeric("exp", claims.exp, kid, where);
  if (exp <= now - leeway) {
    throw new JwtSvidError("ERR_JWT_EXPIRED", `JWT-SVID of ${subject} expired at ${isoOf(exp)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: "exp",
      kid,
      ...where
    });
  }
  const nbf = claims.nbf === void 0 ? void 0 : numeric("nbf", claims.nbf, kid, where);
  if (nbf !== void 0 && nbf > now + leeway) {
    throw new JwtSvidError("ERR_JWT_NOT_YET_VALID", `JWT-SVID of ${subject} is not valid before ${isoOf(nbf)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: "nbf",
      kid,
      ...where
    });
  }
  const iat = claims.iat === void 0 ? void 0 : numeric("iat", claims.iat, kid, where);
  if (iat !== void 0 && iat > now + leeway) {
    throw new JwtSvidError("ERR_JWT_ISSUED_IN_FUTURE", `JWT-SVID of ${subject} was issued in the future, at ${isoOf(iat)} (now ${isoOf(now)}, leeway ${leeway} s)`, {
      claim: "iat",
      kid,
      ...where
    });
  }
  return { id, subject, trustDomain, audience: Object.freeze(audience), claims: Object.freeze(claims), exp, nbf, iat };
}
function intersects(expected, actual) {
  for (let i = 0; i < expected.length; i++)
    if (actual.includes(expected[i]))
      return true;
  return false;
}

// dist/internal/lru.js
var Lru = class {
  #map = /* @__PURE__ */ new Map();
  #capacity;
  constructor(capacity) {
    this.#capacity = capacity;
  }
  get(key) {
    const value = this.#map.get(key);
    if (value !== void 0) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key, value) {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done)
        this.#map.delete(oldest.value);
    }
  }
  get size() {
    return this.#map.size;
  }
  clear() {
    this.#map.clear();
  }
};

// dist/svid/jwt-token.js
var JWT_SVID_ALGORITHMS = /* @__PURE__ */ new Set(["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]);
var MAX_TOKEN_LENGTH = 64 * 1024;
var DEFAULT_LEEWAY_SECONDS = 60;
var COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
var headerCache = new Lru(256);
var MAX_CACHED_HEADER = 512;
function expectedAudienceOf(audience) {
  const list2 = typeof audience === "string" ? [audience] : audience;
  if (!Array.isArray(list2)) {
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "The expected audience must be a string or an array of strings");
  }
  if (list2.length === 0) {
    throw new JwtSvidError("ERR_JWT_AUDIENCE_EMPTY_EXPECTED", "The expected audience list is empty; pass at least one audience (an empty list does not skip the audience check)");
  }
  for (let i = 0; i < list2.length; i++) {
    const value = list2[i];
    if (typeof value !== "string" || value.length === 0) {
      throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "Every expected audience must be a non-empty string");
    }
  }
  return list2;
}
function timeOf(options) {
  const now = options?.now;
  const leeway = options?.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (now !== void 0 && (!(now instanceof Date) || Number.isNaN(now.getTime()))) {
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "options.now must be a valid Date");
  }
  if (typeof leeway !== "number" || !Number.isFinite(leeway) || leeway < 0) {
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "options.leewaySeconds must be a finite number of seconds, 0 or more");
  }
  return { now: (now === void 0 ? Date.now() : now.getTime()) / 1e3, leeway };
}
function malformed2(message) {
  throw new JwtSvidError("ERR_JWT_MALFORMED", message);
}
function structureError(token) {
  if (token.trimStart().startsWith("{"))
    malformed2("JWT-SVIDs must use the JWS compact serialization; the JSON serialization is not accepted");
  let dots = 0;
  for (let i = token.indexOf("."); i !== -1; i = token.indexOf(".", i + 1))
    dots++;
  if (dots !== 2)
    malformed2(`A JWT-SVID has exactly 3 dot-separated parts (compact JWS); this token has ${dots + 1}`);
  malformed2("A JWT-SVID is 3 base64url parts (compact JWS) with a non-empty header and payload; this token has other characters or an empty part");
}
function checkHeader(headerText) {
  const header = decodeJsonPart(headerText, "header");
  const alg = header.alg;
  if (typeof alg !== "string" || !JWT_SVID_ALGORITHMS.has(alg)) {
    throw new JwtSvidError("ERR_JWT_ALG_NOT_ALLOWED", `JWT-SVID header "alg" ${alg === void 0 ? "is missing" : `${show(alg, 32)} is not allowed`}; allowed: ${[...JWT_SVID_ALGORITHMS].join(", ")}`, { header: "alg" });
  }
  const typ = header.typ;
  if (typ !== void 0 && typ !== "JWT" && typ !== "JOSE") {
    throw new JwtSvidError("ERR_JWT_TYP", `JWT-SVID header "typ" ${show(typ, 32)} is not allowed; it must be "JWT" or "JOSE" when present`, {
      header: "typ"
    });
  }
  const kid = header.kid;
  if (typeof kid !== "string" || kid.length === 0) {
    throw new JwtSvidError("ERR_JWT_MISSING_KID", `JWT-SVID header "kid" ${kid === void 0 ? "is missing" : "is not a non-empty string"}; it is required`, {
      header: "kid"
    });
  }
  for (const name of Object.keys(header)) {
    if (name !== "alg" && name !== "typ" && name !== "kid") {
      throw new JwtSvidError("ERR_JWT_HEADER_NOT_ALLOWED", `JWT-SVID header parameter ${show(name, 32)} is not allowed; only "alg", "typ" and "kid" are`, {
        header: name,
        kid
      });
    }
  }
  const checked = { alg, kid };
  if (headerText.length <= MAX_CACHED_HEADER)
    headerCache.set(headerText, checked);
  return checked;
}
function checkToken(token, expected, now, leeway) {
  if (typeof token !== "string")
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", `The token must be a string, got ${token === null ? "null" : typeof token}`);
  if (token.length > MAX_TOKEN_LENGTH)
    malformed2(`The JWT-SVID is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`);
  if (!COMPACT.test(token))
    structureError(token);
  const dot1 = token.indexOf(".");
  const dot2 = token.indexOf(".", dot1 + 1);
  const headerText = token.slice(0, dot1);
  const { alg, kid } = headerCache.get(headerText) ?? checkHeader(headerText);
  const set = checkClaims(token.slice(dot1 + 1, dot2), expected, now, leeway, kid);
  return { alg, kid, id: set.id, audience: set.audience, claims: set.claims, exp: set.exp, iat: set.iat };
}

// dist/svid/jwt-svid.js
var jose;
var EC_CURVES = { ES256: "prime256v1", ES384: "secp384r1", ES512: "secp521r1" };
var VERIFY_OPTIONS = Object.fromEntries(["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"].map((alg) => [alg, { algorithms: [alg] }]));
function keyProblem(key, alg) {
  const type = key.asymmetricKeyType;
  if (alg.charCodeAt(0) === 69) {
    if (type !== "ec")
      return `it is ${type === void 0 ? "not an asymmetric key" : `an ${type.toUpperCase()} key`}`;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === EC_CURVES[alg] ? void 0 : `it is an EC key on curve ${curve}`;
  }
  if (type !== "rsa" && !(type === "rsa-pss" && alg.charCodeAt(0) === 80)) {
    return `it is ${type === void 0 ? "not an asymmetric key" : `an ${type.toUpperCase()} key`}`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits >= 2048 ? void 0 : `its modulus has ${bits} bits; at least 2048 are required`;
}
var JwtSvid = class _JwtSvid {
  /** The subject: the SPIFFE ID the token identifies. */
  id;
  /** The token's `aud` claim, as a list. */
  audience;
  /** The `exp` claim. */
  expiresAt;
  /** The `iat` claim, when present. */
  issuedAt;
  /** Every claim of the token (the object is frozen). */
  claims;
  /** The operator-assigned label from the Workload API, when there is one. */
  hint;
  #token;
  constructor(token, checked, hint) {
    this.#token = token;
    this.id = checked.id;
    this.audience = checked.audience;
    this.expiresAt = new Date(checked.exp * 1e3);
    this.issuedAt = checked.iat === void 0 ? void 0 : new Date(checked.iat * 1e3);
    this.claims = checked.claims;
    this.hint = hint === "" ? void 0 : hint;
  }
  /**
   * Parses a JWT-SVID and validates it fully: structure (compact JWS), header (`alg` allowed,
   * `typ`, required `kid`, no other parameter), claims (`sub` a SPIFFE ID, `aud` holding one of
   * `audience`, `exp` required, `exp` / `nbf` / `iat` within the leeway), then the signature,
   * with the authority `kid` of the JWT bundle of the **subject's** trust domain.
   *
   * @param token - the compact JWS (e.g. from `Authorization: Bearer <token>`).
   * @param bundles - where JWT authorities come from: a {@link JwtBundle}, a {@link JwtBundleSet},
   *   a {@link SpiffeBundle} or a live source.
   * @param audience - the audience(s) this service accepts; the token must name at least one.
   * @throws {@link JwtSvidError} with the code of the first rule broken.
   * @example
   * ```ts
   * try {
   *   const svid = await JwtSvid.parseAndValidate(token, bundles, ['my-api', 'my-api.internal']);
   *   console.log(`request from ${svid.id}`);
   * } catch (err) {
   *   if (err instanceof JwtSvidError) return res.writeHead(401).end(err.code);
   *   throw err;
   * }
   * ```
   */
  static async parseAndValidate(token, bundles, audience, options) {
    const expected = expectedAudienceOf(audience);
    const { now, leeway } = timeOf(options);
    const checked = checkToken(token, expected, now, leeway);
    const { alg, kid, id } = checked;
    const subject = id.toString();
    const trustDomain = id.trustDomain.name;
    const bundle = bundles.getJwtBundleForTrustDomain(id.trustDomain);
    if (bundle === void 0) {
      throw new JwtSvidError("ERR_JWT_NO_BUNDLE", `No JWT bundle for trust domain "${trustDomain}" (subject ${subject}); the token cannot be verified`, {
        subject,
        trustDomain,
        kid
      });
    }
    const key = bundle.findJwtAuthority(kid);
    if (key === void 0) {
      throw new JwtSvidError("ERR_JWT_UNKNOWN_KID", `The JWT bundle of trust domain "${trustDomain}" has no authority with kid ${show(kid)} (subject ${subject})`, {
        subject,
        trustDomain,
        kid
      });
    }
    const problem = keyProblem(key, alg);
    if (problem !== void 0) {
      throw new JwtSvidError("ERR_JWT_KEY_ALG_MISMATCH", `The authority with kid ${show(kid)} of trust domain "${trustDomain}" cannot verify ${alg}: ${problem} (subject ${subject})`, { subject, trustDomain, kid, header: "alg" });
    }
    try {
      jose ??= await import("jose");
      await jose.compactVerify(token, key, VERIFY_OPTIONS[alg] ?? { algorithms: [alg] });
    } catch (cause) {
      const code = cause.code;
      const unsuitable = code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" && code !== "ERR_JWS_INVALID";
      throw new JwtSvidError(unsuitable ? "ERR_JWT_KEY_ALG_MISMATCH" : "ERR_JWT_SIGNATURE", unsuitable ? `The authority with kid ${show(kid)} of trust domain "${trustDomain}" cannot verify ${alg}: ${cause.message} (subject ${subject})` : `The ${alg} signature of the JWT-SVID of ${subject} does not verify with the authority with kid ${show(kid)} of trust domain "${trustDomain}"`, { subject, trustDomain, kid, cause });
    }
    return new _JwtSvid(token, checked, options?.hint);
  }
  /**
   * Parses a JWT-SVID and checks everything except the signature (and so needs no bundle):
   * structure, header, `sub`, `aud` against `audience`, `exp` / `nbf` / `iat`. Only for tokens
   * from a trusted channel, such as the Workload API handing this workload its own JWT-SVID;
   * never for tokens presented by a peer.
   *
   * @throws {@link JwtSvidError} with the code of the first rule broken.
   * @example
   * ```ts
   * const svid = JwtSvid.parseInsecure(response.svids[0].svid, ['sts.example.com'], { hint: 'external' });
   * fetch(url, { headers: { authorization: `Bearer ${svid.token}` } });
   * ```
   */
  static parseInsecure(token, audience, options) {
    const expected = expectedAudienceOf(audience);
    const { now, leeway } = timeOf(options);
    return new _JwtSvid(token, checkToken(token, expected, now, leeway), options?.hint);
  }
  /**
   * The compact JWS, to send as `Authorization: Bearer <token>`. A bearer credential: do not log it.
   *
   * @example
   * ```ts
   * headers.set('authorization', `Bearer ${svid.token}`);
   * ```
   */
  get token() {
    return this.#token;
  }
  /**
   * The compact JWS (same as {@link JwtSvid.token}, named as in go-spiffe).
   *
   * @example
   * ```ts
   * metadata.set('authorization', `Bearer ${svid.marshal()}`);
   * ```
   */
  marshal() {
    return this.#token;
  }
  /**
   * Whether the token expires within `seconds` of `now` (e.g. to refresh it ahead of time).
   *
   * @example
   * ```ts
   * if (svid.expiresWithin(30)) svid = await jwtSource.fetchJwtSvid({ audience: ['sts.example.com'] });
   * ```
   */
  expiresWithin(seconds, now = /* @__PURE__ */ new Date()) {
    return this.expiresAt.getTime() - now.getTime() <= seconds * 1e3;
  }
  /** `JwtSvid(<id>, aud: …, exp: …)`, without the token. */
  toString() {
    return `JwtSvid(${this.id}, aud: ${this.audience.join(", ")}, exp: ${this.expiresAt.toISOString()}${this.hint ? `, hint: ${this.hint}` : ""})`;
  }
  /**
   * A loggable summary, without the token: `{ id, audience, expiresAt, issuedAt?, hint? }`.
   *
   * @example
   * ```ts
   * logger.info({ svid }, 'authenticated'); // never logs the bearer token
   * ```
   */
  toJSON() {
    return {
      id: this.id.toString(),
      audience: this.audience,
      expiresAt: this.expiresAt.toISOString(),
      ...this.issuedAt === void 0 ? {} : { issuedAt: this.issuedAt.toISOString() },
      ...this.hint === void 0 ? {} : { hint: this.hint }
    };
  }
  [inspect7.custom]() {
    return this.toString();
  }
};

// dist/svid/x509-errors.js
var X509SvidError = class extends SpiffeError {
  /** Index in the presented chain of the certificate at fault (0 = leaf), when there is one. */
  certificateIndex;
  constructor(code, message, options) {
    super(code, message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.certificateIndex = options?.certificateIndex;
  }
};

// dist/svid/x509-svid.js
import { createPrivateKey as createPrivateKey2, createPublicKey as createPublicKey3, X509Certificate as X509Certificate3 } from "node:crypto";
import { inspect as inspect8 } from "node:util";

// dist/svid/ec-key.js
import { createECDH, createPrivateKey } from "node:crypto";
function tlv(buf, pos, limit) {
  if (pos + 2 > limit)
    return void 0;
  const tag = buf[pos];
  let len = buf[pos + 1];
  let start = pos + 2;
  if (len & 128) {
    const n = len & 127;
    if (n === 0 || n > 2 || start + n > limit)
      return void 0;
    len = 0;
    for (let i = 0; i < n; i++)
      len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit)
    return void 0;
  return { tag, start, end };
}
var OID_EC_PUBLIC_KEY = "06072a8648ce3d0201";
var CURVES = /* @__PURE__ */ new Map([
  ["06082a8648ce3d030107", { openssl: "prime256v1", jwk: "P-256", size: 32 }],
  ["06052b81040022", { openssl: "secp384r1", jwk: "P-384", size: 48 }],
  ["06052b81040023", { openssl: "secp521r1", jwk: "P-521", size: 66 }]
]);
function hex(buf, t, headerStart) {
  return buf.toString("hex", headerStart, t.end);
}
function readEcAlgorithm(buf, pos, limit) {
  const alg = tlv(buf, pos, limit);
  if (alg === void 0 || alg.tag !== 48)
    return void 0;
  const oid = tlv(buf, alg.start, alg.end);
  if (oid === void 0 || oid.tag !== 6 || hex(buf, oid, alg.start) !== OID_EC_PUBLIC_KEY)
    return void 0;
  const curve = tlv(buf, oid.end, alg.end);
  if (curve === void 0 || curve.tag !== 6 || curve.end !== alg.end)
    return void 0;
  return { curve: hex(buf, curve, oid.end), next: alg.end };
}
function readEcSpki(spki) {
  const outer = tlv(spki, 0, spki.length);
  if (outer === void 0 || outer.tag !== 48 || outer.end !== spki.length)
    return void 0;
  const alg = readEcAlgorithm(spki, outer.start, outer.end);
  if (alg === void 0)
    return void 0;
  const bits = tlv(spki, alg.next, outer.end);
  if (bits === void 0 || bits.tag !== 3 || bits.end !== outer.end || bits.end - bits.start < 2)
    return void 0;
  if (spki[bits.start] !== 0)
    return void 0;
  return { curve: alg.curve, point: spki.subarray(bits.start + 1, bits.end) };
}
function readEcPkcs8(der) {
  const outer = tlv(der, 0, der.length);
  if (outer === void 0 || outer.tag !== 48 || outer.end !== der.length)
    return void 0;
  const version = tlv(der, outer.start, outer.end);
  if (version === void 0 || version.tag !== 2 || version.end - version.start !== 1 || der[version.start] !== 0)
    return void 0;
  const alg = readEcAlgorithm(der, version.end, outer.end);
  if (alg === void 0)
    return void 0;
  const octets = tlv(der, alg.next, outer.end);
  if (octets === void 0 || octets.tag !== 4)
    return void 0;
  const ec = tlv(der, octets.start, octets.end);
  if (ec === void 0 || ec.tag !== 48 || ec.end !== octets.end)
    return void 0;
  const ecVersion = tlv(der, ec.start, ec.end);
  if (ecVersion === void 0 || ecVersion.tag !== 2 || ecVersion.end - ecVersion.start !== 1 || der[ecVersion.start] !== 1) {
    return void 0;
  }
  const d = tlv(der, ecVersion.end, ec.end);
  if (d === void 0 || d.tag !== 4 || d.end === d.start)
    return void 0;
  return { curve: alg.curve, d: der.subarray(d.start, d.end) };
}
function importEcPrivateKey(pkcs8, leafSpki) {
  const key = readEcPkcs8(pkcs8);
  if (key === void 0)
    return { kind: "unsupported" };
  const curve = CURVES.get(key.curve);
  const leaf = readEcSpki(leafSpki);
  if (curve === void 0 || leaf === void 0)
    return { kind: "unsupported" };
  if (leaf.curve !== key.curve)
    return { kind: "mismatch" };
  if (key.d.length > curve.size)
    return { kind: "invalid" };
  let point;
  try {
    const ecdh = createECDH(curve.openssl);
    ecdh.setPrivateKey(key.d);
    point = ecdh.getPublicKey();
  } catch {
    return { kind: "invalid" };
  }
  if (!point.equals(leaf.point))
    return { kind: "mismatch" };
  const d = Buffer.alloc(curve.size);
  key.d.copy(d, curve.size - key.d.length);
  try {
    const imported = createPrivateKey({
      key: {
        kty: "EC",
        crv: curve.jwk,
        d: d.toString("base64url"),
        x: point.subarray(1, 1 + curve.size).toString("base64url"),
        y: point.subarray(1 + curve.size).toString("base64url")
      },
      format: "jwk"
    });
    return { kind: "ok", key: imported };
  } catch {
    return { kind: "unsupported" };
  } finally {
    d.fill(0);
  }
}

// dist/svid/x509-rules.js
var HANDLED_CRITICAL = /* @__PURE__ */ new Set([
  "2.5.29.15",
  // keyUsage
  "2.5.29.17",
  // subjectAltName
  "2.5.29.19",
  // basicConstraints
  "2.5.29.37"
  // extKeyUsage
]);
function at(index) {
  return index >= 0 ? { certificateIndex: index } : {};
}
function describeCertificate(cert, index) {
  const role = index === 0 ? "leaf" : `certificate #${index}`;
  const uri = cert.extensions.uriSans[0];
  return uri === void 0 ? `${role} (serial ${cert.serialNumber})` : `${role} (${uri}, serial ${cert.serialNumber})`;
}
function checkLeaf(leaf) {
  const ext = leaf.extensions;
  const at2 = { certificateIndex: 0 };
  if (ext.uriSans.length === 0) {
    throw new X509SvidError("ERR_X509SVID_NO_URI_SAN", `The leaf has no URI SAN; an X.509-SVID carries its SPIFFE ID as exactly one URI SAN`, at2);
  }
  if (ext.uriSans.length > 1) {
    throw new X509SvidError("ERR_X509SVID_MULTIPLE_URI_SANS", `The leaf has ${ext.uriSans.length} URI SANs; an X.509-SVID must have exactly one`, at2);
  }
  const uri = ext.uriSans[0];
  let id;
  try {
    id = SpiffeId.parse(uri);
  } catch (err) {
    const why = err instanceof SpiffeIdError ? err.message : String(err);
    throw new X509SvidError("ERR_X509SVID_INVALID_ID", `The leaf's URI SAN is not a valid SPIFFE ID: ${why}`, { ...at2, cause: err });
  }
  if (id.isRoot) {
    throw new X509SvidError("ERR_X509SVID_ROOT_ID", `The leaf's SPIFFE ID ${id} has no path; the ID of a trust domain itself cannot be a workload identity`, at2);
  }
  if (ext.basicConstraints?.ca === true) {
    throw new X509SvidError("ERR_X509SVID_LEAF_IS_CA", `The leaf ${id} is a CA certificate (basicConstraints cA=true)`, at2);
  }
  const ku = ext.keyUsage;
  if (ku?.keyCertSign) {
    throw new X509SvidError("ERR_X509SVID_LEAF_KEY_CERT_SIGN", `The leaf ${id} has keyUsage keyCertSign set`, at2);
  }
  if (ku?.cRLSign) {
    throw new X509SvidError("ERR_X509SVID_LEAF_CRL_SIGN", `The leaf ${id} has keyUsage cRLSign set`, at2);
  }
  if (ku === void 0) {
    throw new X509SvidError("ERR_X509SVID_KEY_USAGE", `The leaf ${id} has no keyUsage extension`, at2);
  }
  if (!ku.critical) {
    throw new X509SvidError("ERR_X509SVID_KEY_USAGE", `The leaf ${id} has a keyUsage extension that is not marked critical`, at2);
  }
  if (!ku.digitalSignature) {
    throw new X509SvidError("ERR_X509SVID_KEY_USAGE", `The leaf ${id} has keyUsage without digitalSignature`, at2);
  }
  return id;
}
function checkSigningCertificate(cert, index, role) {
  const ext = cert.extensions;
  const who = role ?? describeCertificate(cert, index);
  if (ext.basicConstraints?.ca !== true) {
    throw new X509SvidError("ERR_X509SVID_INTERMEDIATE_NOT_CA", `${who} signs another certificate but is not a CA (basicConstraints cA is not true)`, at(index));
  }
  if (ext.keyUsage !== void 0 && !ext.keyUsage.keyCertSign) {
    throw new X509SvidError("ERR_X509SVID_INTERMEDIATE_KEY_USAGE", `${who} signs another certificate but its keyUsage lacks keyCertSign`, at(index));
  }
}
function checkCriticalExtensions(cert, index, role) {
  for (const oid of cert.extensions.criticalExtensions) {
    if (!HANDLED_CRITICAL.has(oid)) {
      throw new X509SvidError("ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION", `${role ?? describeCertificate(cert, index)} has a critical extension spiffe-kit does not understand (OID ${oid})`, at(index));
    }
  }
}
function checkValidity(cert, index, now, role) {
  const who = role ?? describeCertificate(cert, index);
  if (now < cert.notBefore.getTime()) {
    throw new X509SvidError("ERR_X509SVID_NOT_YET_VALID", `${who} is not valid before ${cert.notBefore.toISOString()}`, at(index));
  }
  if (now > cert.notAfter.getTime()) {
    throw new X509SvidError("ERR_X509SVID_EXPIRED", `${who} expired at ${cert.notAfter.toISOString()}`, at(index));
  }
}

// dist/svid/x509-svid.js
var MAX_SVID_CHAIN_LENGTH = 16;
function pemBlocks(pem, label) {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, "g");
  const out = [];
  for (const m of pem.matchAll(re))
    out.push(Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64"));
  return out;
}
function toPem(label, der) {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----
${lines.join("\n")}
-----END ${label}-----
`;
}
function keyMismatch(id) {
  return new X509SvidError("ERR_X509SVID_KEY_MISMATCH", `The private key does not match the public key of the leaf certificate of ${id}`);
}
function importAndMatch(keyDer, leaf, id) {
  let key;
  try {
    key = createPrivateKey2({ key: keyDer, format: "der", type: "pkcs8" });
  } catch {
    throw new X509SvidError("ERR_X509SVID_PRIVATE_KEY", `The private key of ${id} is not an unencrypted PKCS#8 DER key`);
  }
  let matches = false;
  try {
    matches = createPublicKey3(key).equals(createPublicKey3({ key: leaf.subjectPublicKeyInfo, format: "der", type: "spki" }));
  } catch {
    matches = false;
  }
  if (!matches)
    throw keyMismatch(id);
  return key;
}
var X509Svid = class _X509Svid {
  /** The SPIFFE ID from the leaf's URI SAN. */
  id;
  /** The chain as DER, leaf first. */
  certificatesDer;
  /** When the leaf expires. */
  expiresAt;
  /** When the leaf became valid. */
  notBefore;
  /** The operator-given label of this SVID, if any. */
  hint;
  #privateKey;
  #certificates;
  constructor(id, ders, leaf, key, hint) {
    this.id = id;
    this.certificatesDer = Object.freeze(ders);
    this.expiresAt = leaf.notAfter;
    this.notBefore = leaf.notBefore;
    this.hint = hint === "" ? void 0 : hint;
    this.#privateKey = key;
  }
  /**
   * The chain, leaf first, as Node `X509Certificate`s (built on first read: parsing with
   * node:crypto costs more than the SPIFFE checks themselves, and most users only need the DER).
   */
  get certificates() {
    this.#certificates ??= Object.freeze(this.certificatesDer.map((d) => new X509Certificate3(d)));
    return this.#certificates;
  }
  /** The private key (PKCS#8-capable `KeyObject`). */
  get privateKey() {
    return this.#privateKey;
  }
  /**
   * Parses an SVID from DER: `certsDer` is the concatenated chain (leaf first), `keyDer` an
   * unencrypted PKCS#8 private key — the Workload API's `x509_svid` and `x509_svid_key` fields.
   *
   * @throws {@link X509SvidError} naming the broken rule.
   * @example
   * ```ts
   * const svid = X509Svid.parseRaw(msg.x509_svid, msg.x509_svid_key, { hint: msg.hint });
   * ```
   */
  static parseRaw(certsDer, keyDer, options = {}) {
    let ders;
    try {
      if (certsDer instanceof Uint8Array)
        ders = splitDerCertificates(certsDer, { maxCertificates: MAX_SVID_CHAIN_LENGTH });
      else if (Array.isArray(certsDer))
        ders = certsDer.map((c) => Buffer.from(c));
      else
        throw new TypeError("not bytes");
    } catch (err) {
      if (err instanceof DerError) {
        throw new X509SvidError("ERR_X509SVID_MALFORMED_CERTIFICATE", `The SVID certificate chain is not valid DER: ${err.message}`, {
          cause: err
        });
      }
      throw new X509SvidError("ERR_X509SVID_BAD_INPUT", "The SVID certificates must be DER bytes or an array of DER certificates");
    }
    if (ders.length === 0)
      throw new X509SvidError("ERR_X509SVID_EMPTY_CHAIN", "The SVID has no certificate");
    if (ders.length > MAX_SVID_CHAIN_LENGTH) {
      throw new X509SvidError("ERR_X509SVID_CHAIN_TOO_LONG", `The SVID has ${ders.length} certificates; at most ${MAX_SVID_CHAIN_LENGTH} are accepted`);
    }
    const parsed = ders.map((der, index) => {
      try {
        return parseCertificate(der);
      } catch (err) {
        throw new X509SvidError("ERR_X509SVID_MALFORMED_CERTIFICATE", `Certificate #${index} of the SVID cannot be parsed: ${err.message}`, { certificateIndex: index, cause: err });
      }
    });
    const leaf = parsed[0];
    const id = checkLeaf(leaf);
    for (let i = 1; i < parsed.length; i++)
      checkSigningCertificate(parsed[i], i);
    if (options.expectedId !== void 0 && !id.equals(options.expectedId)) {
      throw new X509SvidError("ERR_X509SVID_ID_MISMATCH", `The SVID is announced as ${String(options.expectedId)} but its leaf certificate holds ${id}`);
    }
    if (!(keyDer instanceof Uint8Array) || keyDer.length === 0) {
      throw new X509SvidError("ERR_X509SVID_PRIVATE_KEY", `The private key of ${id} is missing`);
    }
    const keyBytes = Buffer.from(keyDer);
    const fast = importEcPrivateKey(keyBytes, leaf.subjectPublicKeyInfo);
    if (fast.kind === "mismatch")
      throw keyMismatch(id);
    if (fast.kind === "invalid") {
      throw new X509SvidError("ERR_X509SVID_PRIVATE_KEY", `The private key of ${id} is not a valid EC private key (its scalar is out of range)`);
    }
    const key = fast.kind === "ok" ? fast.key : importAndMatch(keyBytes, leaf, id);
    return new _X509Svid(id, ders, leaf, key, options.hint);
  }
  /**
   * Parses an SVID from PEM: one or more `CERTIFICATE` blocks (leaf first) and a `PRIVATE KEY`
   * (PKCS#8) block.
   *
   * @example
   * ```ts
   * const svid = X509Svid.parse(fs.readFileSync('svid.pem', 'utf8'), fs.readFileSync('svid_key.pem', 'utf8'));
   * ```
   */
  static parse(certPem, keyPem, options = {}) {
    const certText = typeof certPem === "string" ? certPem : Buffer.from(certPem).toString("utf8");
    const keyText = typeof keyPem === "string" ? keyPem : Buffer.from(keyPem).toString("utf8");
    const certs = pemBlocks(certText, "CERTIFICATE");
    if (certs.length === 0)
      throw new X509SvidError("ERR_X509SVID_EMPTY_CHAIN", "No CERTIFICATE block found in the PEM input");
    const keys = pemBlocks(keyText, "PRIVATE KEY");
    if (keys.length !== 1) {
      throw new X509SvidError("ERR_X509SVID_PRIVATE_KEY", `Expected exactly one "PRIVATE KEY" (PKCS#8) PEM block, found ${keys.length}`);
    }
    return _X509Svid.parseRaw(certs, keys[0], options);
  }
  /** The leaf certificate. */
  get leaf() {
    return this.certificates[0];
  }
  /** The chain as PEM (leaf first). */
  get certificatesPem() {
    return this.certificatesDer.map((d) => toPem("CERTIFICATE", d)).join("");
  }
  /**
   * Encodes the SVID as PEM: the chain (leaf first) and the PKCS#8 private key. The result holds
   * the private key in clear: write it with mode 0600.
   *
   * @example
   * ```ts
   * const { certificates, privateKey } = svid.marshal();
   * ```
   */
  marshal() {
    return {
      certificates: this.certificatesPem,
      privateKey: this.#privateKey.export({ format: "pem", type: "pkcs8" }).toString()
    };
  }
  /**
   * Seconds until the leaf expires at `now` (negative once expired).
   *
   * @example
   * ```ts
   * if (svid.secondsUntilExpiry() < 300) console.warn('SVID expires in under 5 minutes');
   * ```
   */
  secondsUntilExpiry(now = /* @__PURE__ */ new Date()) {
    return Math.floor((this.expiresAt.getTime() - now.getTime()) / 1e3);
  }
  /**
   * Whether this SVID has the same chain and key as `other`.
   *
   * @example
   * ```ts
   * const changed = !previous.equals(current);
   * ```
   */
  equals(other) {
    if (other === this)
      return true;
    if (other.certificatesDer.length !== this.certificatesDer.length || other.hint !== this.hint)
      return false;
    for (let i = 0; i < this.certificatesDer.length; i++) {
      if (!this.certificatesDer[i].equals(other.certificatesDer[i]))
        return false;
    }
    return this.#privateKey.equals(other.#privateKey);
  }
  /** A JSON view without the private key. */
  toJSON() {
    return { id: this.id.toString(), hint: this.hint, expiresAt: this.expiresAt.toISOString(), certificates: this.certificatesPem };
  }
  [inspect8.custom]() {
    const hint = this.hint === void 0 ? "" : `, hint: ${JSON.stringify(this.hint)}`;
    return `X509Svid { id: ${this.id}${hint}, expiresAt: ${this.expiresAt.toISOString()}, certificates: ${this.certificatesDer.length}, privateKey: [redacted] }`;
  }
};

// dist/svid/x509-verify.js
import { X509Certificate as X509Certificate5 } from "node:crypto";

// dist/svid/x509-signature.js
import { createPublicKey as createPublicKey4, verify, X509Certificate as X509Certificate4 } from "node:crypto";
var DIGESTS = /* @__PURE__ */ new Map([
  ["1.2.840.10045.4.3.2", "sha256"],
  // ecdsa-with-SHA256
  ["1.2.840.10045.4.3.3", "sha384"],
  // ecdsa-with-SHA384
  ["1.2.840.10045.4.3.4", "sha512"],
  // ecdsa-with-SHA512
  ["1.2.840.113549.1.1.11", "sha256"],
  // sha256WithRSAEncryption
  ["1.2.840.113549.1.1.12", "sha384"],
  // sha384WithRSAEncryption
  ["1.2.840.113549.1.1.13", "sha512"],
  // sha512WithRSAEncryption
  ["1.3.101.112", null]
  // Ed25519
]);
var RSA_PSS = "1.2.840.113549.1.1.10";
function keyTypeFits(oid, key) {
  const type = key.asymmetricKeyType;
  if (oid.startsWith("1.2.840.10045.4.3."))
    return type === "ec";
  if (oid === RSA_PSS)
    return type === "rsa" || type === "rsa-pss";
  if (oid.startsWith("1.2.840.113549.1.1."))
    return type === "rsa";
  if (oid === "1.3.101.112")
    return type === "ed25519";
  return false;
}
function isSupportedSignatureAlgorithm(oid) {
  return DIGESTS.has(oid) || oid === RSA_PSS;
}
var keyCache = new Lru(512);
var verdictCache = new Lru(4096);
function publicKeyOf(cert) {
  const spki = cert.subjectPublicKeyInfo;
  const cacheKey = spki.toString("base64");
  let key = keyCache.get(cacheKey);
  if (key === void 0) {
    key = createPublicKey4({ key: spki, format: "der", type: "spki" });
    keyCache.set(cacheKey, key);
  }
  return key;
}
function isSignedBy(cert, issuer) {
  const cacheKey = `${issuer.subjectPublicKeyInfo.toString("base64")}|${cert.raw.toString("base64")}`;
  const cached2 = verdictCache.get(cacheKey);
  if (cached2 !== void 0)
    return cached2;
  let ok = false;
  try {
    const key = publicKeyOf(issuer);
    const oid = cert.signatureAlgorithm;
    if (keyTypeFits(oid, key)) {
      if (oid === RSA_PSS) {
        ok = new X509Certificate4(cert.raw).verify(key);
      } else {
        const digest = DIGESTS.get(oid);
        if (digest !== void 0)
          ok = verify(digest, cert.tbs, key, cert.signature);
      }
    }
  } catch {
    ok = false;
  }
  verdictCache.set(cacheKey, ok);
  return ok;
}

// dist/svid/x509-verify.js
var MAX_PEER_CHAIN_LENGTH = 16;
var anchorsByList = /* @__PURE__ */ new WeakMap();
var anchorsByDer = new Lru(1024);
function parseAnchor(der) {
  const key = der.toString("base64");
  let parsed = anchorsByDer.get(key);
  if (parsed === void 0) {
    try {
      parsed = parseCertificate(der);
    } catch {
      parsed = null;
    }
    anchorsByDer.set(key, parsed);
  }
  return parsed;
}
function toDer(input, index) {
  if (input instanceof X509Certificate5)
    return input.raw;
  if (input instanceof Uint8Array)
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (typeof input === "object" && input !== null && input.raw instanceof Uint8Array) {
    const raw = input.raw;
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  throw new X509SvidError("ERR_X509SVID_BAD_INPUT", `Chain element #${index} is not a certificate (expected DER bytes, an X509Certificate, or an object with raw DER)`, { certificateIndex: index });
}
function parseChain(chain) {
  let ders;
  if (chain instanceof Uint8Array) {
    try {
      ders = splitDerCertificates(chain, { maxCertificates: MAX_PEER_CHAIN_LENGTH + 1 });
    } catch (err) {
      throw new X509SvidError("ERR_X509SVID_MALFORMED_CERTIFICATE", `The certificate chain is not valid DER: ${err.message}`, {
        cause: err
      });
    }
  } else if (Array.isArray(chain)) {
    ders = chain.map(toDer);
  } else {
    throw new X509SvidError("ERR_X509SVID_BAD_INPUT", "The chain must be an array of certificates or concatenated DER bytes");
  }
  if (ders.length === 0)
    throw new X509SvidError("ERR_X509SVID_EMPTY_CHAIN", "The peer presented no certificate");
  if (ders.length > MAX_PEER_CHAIN_LENGTH) {
    throw new X509SvidError("ERR_X509SVID_CHAIN_TOO_LONG", `The peer presented ${ders.length} certificates; at most ${MAX_PEER_CHAIN_LENGTH} are accepted`);
  }
  return ders.map((der, index) => {
    try {
      return parseCertificate(der);
    } catch (err) {
      const why = err instanceof DerError ? err.message : String(err);
      throw new X509SvidError("ERR_X509SVID_MALFORMED_CERTIFICATE", `Certificate #${index} of the chain cannot be parsed: ${why}`, {
        certificateIndex: index,
        cause: err
      });
    }
  });
}
function issuedBy(child, parent) {
  if (child.issuer.equals(parent.subject))
    return true;
  const akid = child.extensions.authorityKeyId;
  return akid !== void 0 && akid === parent.extensions.subjectKeyId;
}
function note(search, err) {
  search.firstError ??= err;
}
function build(search, current, index, used) {
  if (!isSupportedSignatureAlgorithm(current.signatureAlgorithm)) {
    note(search, new X509SvidError("ERR_X509SVID_UNSUPPORTED_ALGORITHM", `${describeCertificate(current, index)} is signed with an unsupported algorithm (OID ${current.signatureAlgorithm})`, { certificateIndex: index }));
    return void 0;
  }
  for (const anchor of search.anchors) {
    if (!issuedBy(current, anchor))
      continue;
    if (!isSignedBy(current, anchor)) {
      note(search, new X509SvidError("ERR_X509SVID_SIGNATURE", `The signature of ${describeCertificate(current, index)} does not verify with the matching authority of trust domain "${search.trustDomain}"`, { certificateIndex: index }));
      continue;
    }
    try {
      const role = `the authority of trust domain "${search.trustDomain}" (serial ${anchor.serialNumber})`;
      checkSigningCertificate(anchor, -1, role);
      checkValidity(anchor, -1, search.now, role);
      checkPathLength(anchor, used.length, role);
    } catch (err) {
      note(search, err);
      continue;
    }
    return [anchor];
  }
  for (let i = 1; i < search.presented.length; i++) {
    if (used.includes(i))
      continue;
    const candidate = search.presented[i];
    if (!issuedBy(current, candidate))
      continue;
    if (!isSignedBy(current, candidate)) {
      note(search, new X509SvidError("ERR_X509SVID_SIGNATURE", `The signature of ${describeCertificate(current, index)} does not verify with the key of ${describeCertificate(candidate, i)}`, { certificateIndex: index }));
      continue;
    }
    try {
      checkSigningCertificate(candidate, i);
      checkValidity(candidate, i, search.now);
      checkCriticalExtensions(candidate, i);
      checkPathLength(candidate, used.length, describeCertificate(candidate, i));
    } catch (err) {
      note(search, err);
      continue;
    }
    const rest = build(search, candidate, i, [...used, i]);
    if (rest !== void 0)
      return [candidate, ...rest];
  }
  return void 0;
}
function checkPathLength(ca, below, who) {
  const pathLen = ca.extensions.basicConstraints?.pathLen;
  if (pathLen !== void 0 && below > pathLen) {
    throw new X509SvidError("ERR_X509SVID_PATH_LENGTH", `${who} allows at most ${pathLen} intermediate(s) below it (pathLenConstraint) but the path has ${below}`);
  }
}
function anchorsOf(bundle) {
  const list2 = bundle.x509AuthoritiesDer;
  let anchors = anchorsByList.get(list2);
  if (anchors === void 0) {
    anchors = list2.map(parseAnchor).filter((a) => a !== null);
    anchorsByList.set(list2, anchors);
  }
  return anchors;
}
function verifyX509Svid(chain, bundles, options = {}) {
  const presented = parseChain(chain);
  const leaf = presented[0];
  const id = checkLeaf(leaf);
  const bundle = bundles.getX509BundleForTrustDomain(id.trustDomain);
  if (bundle === void 0) {
    throw new X509SvidError("ERR_X509SVID_NO_BUNDLE", `No X.509 bundle for trust domain "${id.trustDomain.name}" of ${id}; the peer cannot be authenticated`);
  }
  const now = (options.now ?? /* @__PURE__ */ new Date()).getTime();
  if (Number.isNaN(now))
    throw new X509SvidError("ERR_X509SVID_BAD_INPUT", "options.now is not a valid date");
  checkValidity(leaf, 0, now, `The leaf ${id}`);
  checkCriticalExtensions(leaf, 0, `The leaf ${id}`);
  const search = { presented, anchors: anchorsOf(bundle), now, trustDomain: id.trustDomain.name, firstError: void 0 };
  const path = build(search, leaf, 0, []);
  if (path === void 0) {
    throw search.firstError ?? new X509SvidError("ERR_X509SVID_UNKNOWN_AUTHORITY", `The chain of ${id} does not lead to any authority in the bundle of trust domain "${id.trustDomain.name}"`, { certificateIndex: presented.length - 1 });
  }
  return { id, chain: [leaf.raw, ...path.map((c) => c.raw)] };
}

// dist/health/check.js
function checkHealth(sources, options = {}) {
  const minTtl = options.minSvidTtlSeconds ?? 0;
  const problems = [];
  const warnings = [];
  const snapshots = [];
  let live = sources.length > 0;
  let ready = sources.length > 0;
  if (sources.length === 0)
    problems.push("no source to check");
  sources.forEach((source, i) => {
    let h;
    try {
      h = source.health();
    } catch (err) {
      live = false;
      ready = false;
      problems.push(`source #${i}: health() failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    snapshots.push(h);
    const name = h.spiffeId ?? `source #${i}`;
    if (h.state === "closed") {
      live = false;
      problems.push(`${name}: closed`);
    }
    if (h.svidExpiresInSeconds !== void 0 && h.svidExpiresInSeconds <= 0) {
      live = false;
      problems.push(`${name}: SVID expired`);
    }
    if (!h.ready) {
      ready = false;
      problems.push(`${name}: not ready (state ${h.state}${h.lastError ? `, last error ${h.lastError.code}: ${h.lastError.message}` : ""})`);
    } else if (h.svidExpiresInSeconds !== void 0 && h.svidExpiresInSeconds < minTtl) {
      ready = false;
      problems.push(`${name}: SVID expires in ${h.svidExpiresInSeconds} s (< ${minTtl} s)`);
    } else if (h.state === "stale") {
      warnings.push(`${name}: stale, serving its last state${h.lastError ? ` (last error ${h.lastError.code}: ${h.lastError.message})` : ""}`);
    }
  });
  return { live, ready, problems, warnings, sources: snapshots };
}

// dist/health/handler.js
function healthHandler(sources, options = {}) {
  const livePath = options.livePath ?? "/healthz";
  const readyPath = options.readyPath ?? "/readyz";
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const isLive = path === livePath;
    const isReady = path === readyPath;
    if (!isLive && !isReady) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return false;
    }
    let status = 503;
    let body;
    try {
      const report = checkHealth(sources, options);
      const ok = isLive ? report.live : report.ready;
      status = ok ? 200 : 503;
      body = JSON.stringify({
        status: ok ? "ok" : "fail",
        problems: report.problems,
        warnings: report.warnings,
        sources: report.sources.map((s) => ({
          state: s.state,
          ready: s.ready,
          spiffeId: s.spiffeId,
          svidExpiresInSeconds: s.svidExpiresInSeconds,
          bundleCount: s.bundleCount,
          lastUpdateAgeMs: s.lastUpdateAgeMs,
          lastError: s.lastError === void 0 ? void 0 : { code: s.lastError.code, message: s.lastError.message }
        }))
      });
    } catch {
      body = '{"status":"fail","problems":["health check failed"]}';
    }
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? void 0 : body);
    return true;
  };
}

// dist/workloadapi/address.js
import { isIPv4, isIPv6 } from "node:net";

// dist/workloadapi/errors.js
var EndpointAddressError = class extends SpiffeError {
  /** The rejected text, cut to 256 characters (empty for `ERR_ENDPOINT_ADDRESS_MISSING`). */
  input;
  /** Where the address came from. */
  origin;
  /** A corrected address, when one is obvious. */
  suggestion;
  /** The rule that was broken, in words (the message without the address). */
  reason;
  constructor(code, message, details) {
    super(code, message);
    const text = typeof details.input === "string" ? details.input : String(details.input);
    this.input = text.length > 256 ? `${text.slice(0, 256)}\u2026` : text;
    this.origin = details.origin ?? "argument";
    this.suggestion = details.suggestion;
    this.reason = details.reason ?? message;
  }
};
var WorkloadApiError = class extends SpiffeError {
  /** The RPC, as the proto names it (`FetchX509SVID`, `FetchJWTSVID`, …). */
  rpc;
  /** The gRPC target of the agent (`unix:/run/spire/agent.sock`, `ipv4:127.0.0.1:8081`). */
  address;
  /** The numeric gRPC status code, when the failure came from a gRPC status. */
  grpcCode;
  /** The gRPC status name (`UNAVAILABLE`, `PERMISSION_DENIED`, …), when `grpcCode` is set. */
  grpcStatus;
  /** The gRPC status details (the server's message, or the transport's). */
  details;
  /** For `ERR_MALFORMED_RESPONSE` (and `ERR_RESOURCE_LIMIT`): what is wrong with the message. */
  reason;
  /** For `ERR_TIMEOUT`: the time that ran out. */
  timeoutMs;
  /** For `ERR_RESOURCE_LIMIT`: the limit that was exceeded. */
  limit;
  constructor(code, message, context = {}) {
    super(code, message, "cause" in context ? { cause: context.cause } : void 0);
    this.rpc = context.rpc;
    this.address = context.address;
    this.grpcCode = context.grpcCode;
    this.grpcStatus = context.grpcCode === void 0 ? void 0 : grpcStatusName(context.grpcCode);
    this.details = context.details;
    this.reason = context.reason;
    this.timeoutMs = context.timeoutMs;
    this.limit = context.limit;
  }
  /**
   * Whether a watcher stops for good after this error: `ERR_PROTOCOL_MISUSE` and
   * `ERR_UNIMPLEMENTED` (the spec says do not retry), `ERR_CLOSED`, `ERR_ABORTED`, `ERR_BAD_REQUEST`.
   */
  get fatal() {
    switch (this.code) {
      case "ERR_PROTOCOL_MISUSE":
      case "ERR_TOKEN_REJECTED":
      case "ERR_UNIMPLEMENTED":
      case "ERR_CLOSED":
      case "ERR_ABORTED":
      case "ERR_BAD_REQUEST":
        return true;
      default:
        return false;
    }
  }
};
function malformedResponse(reason, cause) {
  return new WorkloadApiError("ERR_MALFORMED_RESPONSE", `malformed Workload API response: ${reason}`, cause === void 0 ? { reason } : { reason, cause });
}
var GRPC_STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED"
];
var GrpcStatus = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16
});
function grpcStatusName(code) {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}
var PARSE_ERROR_PREFIX = "Response message parsing error";
function fromGrpcStatus(status, context) {
  const { rpc, address, where } = context;
  const details = status.details ?? "";
  const name = grpcStatusName(status.code);
  const ctx = { rpc, address, grpcCode: status.code, details, ...status instanceof Error ? { cause: status } : {} };
  const said = details === "" ? name : `${name}: ${details}`;
  switch (status.code) {
    case GrpcStatus.UNAVAILABLE:
      return new WorkloadApiError("ERR_AGENT_UNREACHABLE", `the Workload API at ${where} is unreachable (${rpc}: ${said})`, ctx);
    case GrpcStatus.PERMISSION_DENIED:
      return new WorkloadApiError("ERR_NOT_REGISTERED", `the agent at ${where} has no identity for this workload (${rpc}: ${said}); is a registration entry missing or not yet propagated?`, ctx);
    case GrpcStatus.INVALID_ARGUMENT:
      return new WorkloadApiError("ERR_PROTOCOL_MISUSE", `the agent at ${where} rejected the ${rpc} request (${said})`, ctx);
    case GrpcStatus.UNIMPLEMENTED:
      return new WorkloadApiError("ERR_UNIMPLEMENTED", `the agent at ${where} does not implement ${rpc} (${said})`, ctx);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new WorkloadApiError("ERR_TIMEOUT", `timed out${context.timeoutMs === void 0 ? "" : ` after ${context.timeoutMs} ms`} waiting for ${rpc} from the Workload API at ${where} (${said})`, { ...ctx, timeoutMs: context.timeoutMs });
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new WorkloadApiError("ERR_RESOURCE_LIMIT", `the ${rpc} response from ${where} exceeds a resource limit (${said})`, {
        ...ctx,
        reason: details,
        .../larger than max/i.test(details) ? { limit: "maxMessageBytes" } : {}
      });
    case GrpcStatus.CANCELLED:
      return new WorkloadApiError("ERR_AGENT_ERROR", `${rpc} at ${where} was cancelled by the agent or the connection (${said})`, ctx);
    case GrpcStatus.INTERNAL:
      if (details.startsWith(PARSE_ERROR_PREFIX)) {
        return new WorkloadApiError("ERR_MALFORMED_RESPONSE", `malformed ${rpc} response from ${where}: ${details}`, { ...ctx, reason: details });
      }
      break;
  }
  return new WorkloadApiError("ERR_AGENT_ERROR", `${rpc} failed at ${where}: ${said}`, ctx);
}

// dist/workloadapi/address.js
var ENDPOINT_SOCKET_ENV = "SPIFFE_ENDPOINT_SOCKET";
var EXAMPLES = "unix:///path/to/agent.sock or tcp://IP:PORT";
var Rejecter = class {
  input;
  origin;
  constructor(input, origin) {
    this.input = input;
    this.origin = origin;
  }
  fail(code, rule, suggestion) {
    const from = this.origin === "SPIFFE_ENDPOINT_SOCKET" ? ` (from ${ENDPOINT_SOCKET_ENV})` : "";
    const hint = suggestion === void 0 ? "" : `; did you mean ${suggestion}?`;
    const shown = this.input.length > 200 ? `${this.input.slice(0, 200)}\u2026` : this.input;
    return new EndpointAddressError(code, `invalid Workload API address ${JSON.stringify(shown)}${from}: ${rule}${hint}`, {
      input: this.input,
      origin: this.origin,
      suggestion,
      reason: rule
    });
  }
};
var SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
function splitUri(rest, scheme) {
  let s = rest;
  let fragment;
  const hash = s.indexOf("#");
  if (hash !== -1) {
    fragment = s.slice(hash + 1);
    s = s.slice(0, hash);
  }
  let query;
  const q = s.indexOf("?");
  if (q !== -1) {
    query = s.slice(q + 1);
    s = s.slice(0, q);
  }
  let authority;
  if (s.startsWith("//")) {
    const end = s.indexOf("/", 2);
    authority = end === -1 ? s.slice(2) : s.slice(2, end);
    s = end === -1 ? "" : s.slice(end);
  }
  return { scheme, authority, path: s, query, fragment };
}
function controlChar(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c >= 127 && c <= 159)
      return i;
  }
  return -1;
}
function parseEndpointAddress(address) {
  return parseFrom(address, "argument");
}
function parseFrom(input, origin) {
  if (typeof input !== "string") {
    throw new EndpointAddressError("ERR_ENDPOINT_ADDRESS_NOT_STRING", `the Workload API address must be a string, got ${input === null ? "null" : typeof input}`, {
      input,
      origin,
      reason: "the address must be a string"
    });
  }
  const r = new Rejecter(input, origin);
  if (input === "")
    throw r.fail("ERR_ENDPOINT_ADDRESS_EMPTY", `the address is empty; use ${EXAMPLES}`);
  const bad = controlChar(input);
  if (bad !== -1) {
    const hex2 = input.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0");
    throw r.fail("ERR_ENDPOINT_ADDRESS_CONTROL_CHAR", `control character U+${hex2} at index ${bad}; addresses must not contain control characters`);
  }
  const m = SCHEME.exec(input);
  if (m === null) {
    const suggestion = input.startsWith("/") ? `unix://${input}` : void 0;
    throw r.fail("ERR_ENDPOINT_ADDRESS_NO_SCHEME", `the address has no scheme; use ${EXAMPLES}`, suggestion);
  }
  const scheme = m[0].slice(0, -1).toLowerCase();
  const parts = splitUri(input.slice(m[0].length), scheme);
  if (scheme === "unix")
    return parseUnix(r, parts);
  if (scheme === "tcp")
    return parseTcp(r, parts);
  throw r.fail("ERR_ENDPOINT_ADDRESS_SCHEME", `the scheme "${scheme}" is not supported; only unix and tcp are (${EXAMPLES})`);
}
function checkQueryAndFragment(r, parts, kind) {
  if (parts.query !== void 0)
    throw r.fail("ERR_ENDPOINT_ADDRESS_QUERY", `a ${kind} address must not have a query ("?\u2026")`);
  if (parts.fragment !== void 0)
    throw r.fail("ERR_ENDPOINT_ADDRESS_FRAGMENT", `a ${kind} address must not have a fragment ("#\u2026")`);
}
function parseUnix(r, parts) {
  const { authority, path } = parts;
  if (authority === void 0 && path !== "" && !path.startsWith("/")) {
    throw r.fail("ERR_ENDPOINT_ADDRESS_OPAQUE", "a unix address must not be opaque: the socket path must be absolute (unix:///abs/path)");
  }
  if (authority?.includes("@")) {
    throw r.fail("ERR_ENDPOINT_ADDRESS_USERINFO", 'a unix address must not have user info ("user@")');
  }
  if (authority !== void 0 && authority !== "") {
    throw r.fail("ERR_ENDPOINT_ADDRESS_AUTHORITY", `a unix address must not have an authority: "${authority}" would be read as a host, not as part of the path`, `unix:///${authority}${path}`);
  }
  if (path === "")
    throw r.fail("ERR_ENDPOINT_ADDRESS_NO_PATH", "a unix address must include the socket path (unix:///path/to/agent.sock)");
  checkQueryAndFragment(r, parts, "unix");
  let decoded;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw r.fail("ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING", "the socket path has a malformed percent-escape");
  }
  if (decoded !== path && controlChar(decoded) !== -1) {
    throw r.fail("ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING", "the socket path encodes a control character");
  }
  const target = `unix:/${decoded.replace(/^\/+/, "")}`;
  return Object.freeze({ scheme: "unix", path: decoded, target, address: r.input });
}
function parseTcp(r, parts) {
  const { authority, path } = parts;
  if (authority === void 0) {
    if (path !== "" && !path.startsWith("/")) {
      throw r.fail("ERR_ENDPOINT_ADDRESS_OPAQUE", "a tcp address must not be opaque: write tcp://IP:PORT", `tcp://${path}`);
    }
    throw r.fail("ERR_ENDPOINT_ADDRESS_NO_HOST", "a tcp address must include a host and port: tcp://IP:PORT");
  }
  if (authority.includes("@"))
    throw r.fail("ERR_ENDPOINT_ADDRESS_USERINFO", 'a tcp address must not have user info ("user@")');
  let host;
  let portText;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1)
      throw r.fail("ERR_ENDPOINT_ADDRESS_HOST_NOT_IP", 'the IPv6 address has no closing "]"');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":"))
      throw r.fail("ERR_ENDPOINT_ADDRESS_PORT", `unexpected "${after}" after the IPv6 address; write tcp://[IPv6]:PORT`);
    portText = after === "" ? void 0 : after.slice(1);
    if (host === "")
      throw r.fail("ERR_ENDPOINT_ADDRESS_NO_HOST", "a tcp address must include a host: tcp://IP:PORT");
    if (!isIPv6(host) || host.includes("%"))
      throw r.fail("ERR_ENDPOINT_ADDRESS_HOST_NOT_IP", `"${host}" is not an IPv6 address`);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? void 0 : authority.slice(colon + 1);
    if (host === "")
      throw r.fail("ERR_ENDPOINT_ADDRESS_NO_HOST", "a tcp address must include a host: tcp://IP:PORT");
    if (host.includes(":")) {
      throw r.fail("ERR_ENDPOINT_ADDRESS_HOST_NOT_IP", "an IPv6 address must be written in brackets: tcp://[IPv6]:PORT", isIPv6(authority) ? void 0 : `tcp://[${host}]:${portText ?? "PORT"}`);
    }
    if (!isIPv4(host)) {
      throw r.fail("ERR_ENDPOINT_ADDRESS_HOST_NOT_IP", `the host must be an IP address, not a name ("${host}"); DNS names are not allowed`);
    }
  }
  if (portText === void 0 || portText === "")
    throw r.fail("ERR_ENDPOINT_ADDRESS_NO_PORT", "a tcp address must include a port: tcp://IP:PORT");
  if (!/^[0-9]{1,5}$/.test(portText))
    throw r.fail("ERR_ENDPOINT_ADDRESS_PORT", `the port "${portText}" is not a number from 1 to 65535`);
  const port = Number(portText);
  if (port < 1 || port > 65535)
    throw r.fail("ERR_ENDPOINT_ADDRESS_PORT", `the port ${port} is out of range (1\u201365535)`);
  if (path !== "")
    throw r.fail("ERR_ENDPOINT_ADDRESS_PATH", `a tcp address must not have a path ("${path}")`);
  checkQueryAndFragment(r, parts, "tcp");
  const v6 = authority.startsWith("[");
  const target = v6 ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return Object.freeze({ scheme: "tcp", host, port, target, address: r.input });
}
function resolveEndpointAddress(explicit, env = process.env) {
  if (explicit !== void 0)
    return parseFrom(explicit, "argument");
  const fromEnv = env[ENDPOINT_SOCKET_ENV];
  if (fromEnv === void 0) {
    throw new EndpointAddressError("ERR_ENDPOINT_ADDRESS_MISSING", `no Workload API address: neither an explicit address was given nor ${ENDPOINT_SOCKET_ENV} is set (e.g. ${ENDPOINT_SOCKET_ENV}=unix:///run/spire/agent-sockets/spire-agent.sock)`, { input: "", origin: "SPIFFE_ENDPOINT_SOCKET", reason: "no address given" });
  }
  return parseFrom(fromEnv, "SPIFFE_ENDPOINT_SOCKET");
}
function describeEndpointAddress(address) {
  if (address.scheme === "unix")
    return `unix socket ${address.path}`;
  return address.host.includes(":") ? `tcp://[${address.host}]:${address.port}` : `tcp://${address.host}:${address.port}`;
}

// dist/workloadapi/backoff.js
var DEFAULT_BACKOFF_INITIAL_MS = 100;
var DEFAULT_BACKOFF_MAX_MS = 5e3;
function positive(name, value, fallback, min) {
  if (value === void 0)
    return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new WorkloadApiError("ERR_BAD_REQUEST", `exponentialBackoff: ${name} must be a finite number \u2265 ${min}, got ${String(value)}`);
  }
  return value;
}
function exponentialBackoff(options = {}) {
  const initial = positive("initialMs", options.initialMs, DEFAULT_BACKOFF_INITIAL_MS, 1);
  const max = positive("maxMs", options.maxMs, DEFAULT_BACKOFF_MAX_MS, initial);
  const factor = positive("factor", options.factor, 2, 1);
  const random = options.random ?? Math.random;
  let ceiling = initial;
  return {
    next() {
      const current = ceiling;
      ceiling = Math.min(max, ceiling * factor);
      const r = random();
      const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
      return Math.min(Math.floor(unit * current), Math.max(0, Math.ceil(current) - 1));
    },
    reset() {
      ceiling = initial;
    }
  };
}

// dist/workloadapi/bundle-diff.js
function diffBundleSets(before, after) {
  const added = [];
  const removed = [];
  const updated = [];
  for (const bundle of after.bundles()) {
    const old = before?.get(bundle.trustDomain);
    if (old === void 0)
      added.push(bundle.trustDomain);
    else if (!old.equals(bundle))
      updated.push(bundle.trustDomain);
  }
  for (const bundle of before?.bundles() ?? []) {
    if (after.get(bundle.trustDomain) === void 0)
      removed.push(bundle.trustDomain);
  }
  return added.length + removed.length + updated.length === 0 ? void 0 : { added, removed, updated };
}

// dist/workloadapi/source-base.js
import { EventEmitter } from "node:events";

// dist/workloadapi/call.js
function runOneShot(o, start) {
  const { signal } = o;
  if (signal?.aborted)
    return Promise.reject(abortedError(o, signal));
  return new Promise((resolve, reject) => {
    let done = false;
    let call;
    const finish = (err, value) => {
      if (done)
        return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      o.inflight.delete(onClose);
      call?.cancel();
      if (err === void 0)
        resolve(value);
      else
        reject(err);
    };
    const onAbort = () => finish(abortedError(o, signal));
    const onClose = (err) => finish(err);
    const timer = setTimeout(() => finish(new WorkloadApiError("ERR_TIMEOUT", `timed out after ${o.timeoutMs} ms waiting for ${o.waitingFor} from the Workload API at ${o.where}`, {
      rpc: o.rpc,
      address: o.target,
      timeoutMs: o.timeoutMs
    })), o.timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    o.inflight.add(onClose);
    try {
      call = start({ ok: (value) => finish(void 0, value), fail: (err) => finish(err) });
    } catch (err) {
      finish(err instanceof WorkloadApiError ? err : new WorkloadApiError("ERR_AGENT_ERROR", `${o.rpc} could not be started at ${o.where}: ${err instanceof Error ? err.message : String(err)}`, {
        rpc: o.rpc,
        address: o.target,
        cause: err
      }));
    }
    if (done)
      call?.cancel();
  });
}
function abortedError(o, signal) {
  return new WorkloadApiError("ERR_ABORTED", `the wait for ${o.waitingFor} from the Workload API at ${o.where} was aborted`, {
    rpc: o.rpc,
    address: o.target,
    cause: signal.reason
  });
}

// dist/workloadapi/channel.js
import { createRequire } from "node:module";
import { connect as netConnect } from "node:net";
var USER_AGENT = "spiffe-kit (node http2)";
var STREAM_WINDOW = 4 * 1024 * 1024;
var SESSION_WINDOW = 16 * 1024 * 1024;
var http2Module;
function http2() {
  http2Module ??= createRequire(import.meta.url)("node:http2");
  return http2Module;
}
var GrpcChannel = class {
  #address;
  #authority;
  #maxMessageBytes;
  #headers;
  #open = /* @__PURE__ */ new Map();
  #session;
  #closed = false;
  constructor(address, options) {
    this.#address = address;
    this.#authority = address.scheme === "unix" ? "localhost" : address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#headers = options.headers ?? {};
  }
  /**
   * Starts a call with one request message. For a unary RPC the listener hears one message and
   * then the status; for a server stream, every message until the status.
   *
   * @throws {Error} when the channel is closed.
   * @example
   * ```ts
   * const call = channel.call(method, request, { message: onMessage, status: onStatus }, { timeoutMs: 10_000 });
   * ```
   */
  call(method, request, listener, options = {}) {
    if (this.#closed)
      throw new Error("the gRPC channel is closed");
    const body = method.requestSerialize(request);
    const session = this.#currentSession();
    const headers = {
      ":method": "POST",
      ":scheme": "http",
      ":path": method.path,
      ":authority": this.#authority,
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": USER_AGENT,
      ...this.#headers
    };
    if (options.timeoutMs !== void 0)
      headers["grpc-timeout"] = grpcTimeout(options.timeoutMs);
    this.#retain(session);
    let stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch (err) {
      this.#release(session);
      const details = err instanceof Error ? err.message : String(err);
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled)
          listener.status({ code: GrpcStatus.UNAVAILABLE, details });
      });
      return { cancel: () => void (cancelled = true) };
    }
    const call = new StreamCall(session, stream, method.responseDeserialize, listener, this.#maxMessageBytes, () => this.#release(session));
    stream.end(frame(body));
    return call;
  }
  /**
   * Closes the connection; open calls end silently (their callers cancel them first). Idempotent.
   *
   * @example
   * ```ts
   * channel.close();
   * ```
   */
  close() {
    if (this.#closed)
      return;
    this.#closed = true;
    for (const session of this.#open.keys())
      session.destroy();
    this.#session?.destroy();
    this.#open.clear();
    this.#session = void 0;
  }
  #currentSession() {
    const current = this.#session;
    if (current !== void 0 && !current.closed && !current.destroyed)
      return current;
    const address = this.#address;
    const session = http2().connect(`http://${this.#authority}`, {
      createConnection: () => address.scheme === "unix" ? netConnect({ path: address.path }) : netConnect({ host: address.host, port: address.port, noDelay: true }),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW }
    });
    const forget = () => {
      if (this.#session === session)
        this.#session = void 0;
    };
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", () => {
      forget();
      this.#open.delete(session);
    });
    session.once("connect", () => {
      try {
        session.setLocalWindowSize(SESSION_WINDOW);
      } catch {
      }
    });
    this.#session = session;
    return session;
  }
  /** A session keeps the process alive while it has open calls. */
  #retain(session) {
    const n = this.#open.get(session) ?? 0;
    this.#open.set(session, n + 1);
    if (n === 0)
      session.ref();
  }
  #release(session) {
    const n = (this.#open.get(session) ?? 1) - 1;
    if (n > 0) {
      this.#open.set(session, n);
      return;
    }
    this.#open.delete(session);
    if (!session.destroyed)
      session.unref();
  }
};
var StreamCall = class {
  #stream;
  #session;
  #decode;
  #listener;
  #max;
  #onDone;
  #done = false;
  #status;
  #error;
  #httpStatus;
  // Receive buffer: chunks not yet consumed, their length, and the length of the message being
  // read (-1 while reading a prefix).
  #chunks = [];
  #buffered = 0;
  #need = -1;
  constructor(session, stream, decode, listener, max, onDone) {
    this.#session = session;
    this.#stream = stream;
    this.#decode = decode;
    this.#listener = listener;
    this.#max = max;
    this.#onDone = onDone;
    stream.on("response", (headers) => this.#onResponse(headers));
    stream.on("data", (chunk) => this.#onData(chunk));
    stream.on("trailers", (trailers) => this.#onTrailers(trailers));
    stream.on("error", (err) => {
      this.#error ??= err;
    });
    stream.on("close", () => this.#onClose());
  }
  cancel() {
    if (this.#done)
      return;
    this.#finishSilently();
  }
  #onResponse(headers) {
    if (this.#done)
      return;
    this.#httpStatus = Number(headers[":status"]);
    if (headers["grpc-status"] !== void 0) {
      this.#status = readStatus(headers);
      return;
    }
    if (this.#httpStatus !== 200) {
      this.#fail(httpStatusToGrpc(this.#httpStatus), `Received HTTP status code ${this.#httpStatus}`);
      return;
    }
    const type = headers["content-type"];
    if (typeof type !== "string" || !/^application\/grpc([+;]|$)/.test(type)) {
      this.#fail(GrpcStatus.UNKNOWN, `the server answered with content-type ${JSON.stringify(type ?? "")}, not application/grpc`);
    }
  }
  #onTrailers(trailers) {
    if (this.#done)
      return;
    this.#status = readStatus(trailers);
  }
  #onData(chunk) {
    if (this.#done)
      return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#done) {
      if (this.#need < 0) {
        if (this.#buffered < 5)
          return;
        const prefix = this.#take(5);
        const flag = prefix[0];
        const length = prefix.readUInt32BE(1);
        if (flag !== 0) {
          this.#fail(GrpcStatus.INTERNAL, flag === 1 ? "the server sent a compressed message, but none was asked for" : `invalid message prefix (flag ${flag})`);
          return;
        }
        if (length > this.#max) {
          this.#fail(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.#max})`);
          return;
        }
        this.#need = length;
      }
      if (this.#buffered < this.#need)
        return;
      const bytes2 = this.#take(this.#need);
      this.#need = -1;
      let message;
      try {
        message = this.#decode(bytes2);
      } catch (err) {
        this.#fail(GrpcStatus.INTERNAL, `Response message parsing error: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.#listener.message(message);
    }
  }
  #take(n) {
    if (n === 0)
      return Buffer.alloc(0);
    const first = this.#chunks[0];
    let out;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n)
        this.#chunks.shift();
      else
        this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at2 = 0;
      while (at2 < n) {
        const c = this.#chunks[0];
        const used = Math.min(c.length, n - at2);
        c.copy(out, at2, 0, used);
        at2 += used;
        if (used === c.length)
          this.#chunks.shift();
        else
          this.#chunks[0] = c.subarray(used);
      }
    }
    this.#buffered -= n;
    return out;
  }
  #onClose() {
    if (this.#done)
      return;
    this.#done = true;
    this.#onDone();
    this.#listener.status(this.#finalStatus());
  }
  #finalStatus() {
    if (this.#status !== void 0) {
      if (this.#status.code === GrpcStatus.OK && this.#buffered > 0) {
        return { code: GrpcStatus.INTERNAL, details: `Response message parsing error: the stream ended inside a message (${this.#buffered} bytes left over)` };
      }
      return this.#status;
    }
    const rst = this.#stream.rstCode;
    const { constants: constants2 } = http2();
    const err = this.#error;
    if (err !== void 0) {
      if (err.code === "ERR_HTTP2_STREAM_ERROR" && rst !== void 0 && rst !== constants2.NGHTTP2_NO_ERROR)
        return rstStatus(rst, err.message);
      const cause = err.cause instanceof Error ? err.cause.message : void 0;
      return { code: GrpcStatus.UNAVAILABLE, details: cause ?? err.message };
    }
    if (this.#session.destroyed)
      return { code: GrpcStatus.UNAVAILABLE, details: "the connection to the Workload API was lost before the call ended" };
    if (rst !== void 0 && rst !== constants2.NGHTTP2_NO_ERROR)
      return rstStatus(rst, `Received RST_STREAM with code ${rst}`);
    if (this.#httpStatus === void 0)
      return { code: GrpcStatus.UNAVAILABLE, details: "the connection closed before the server answered" };
    return { code: GrpcStatus.UNKNOWN, details: "the server ended the call without a gRPC status" };
  }
  /** Ends the call with a status of ours and resets the stream. */
  #fail(code, details) {
    this.#finishSilently();
    this.#listener.status({ code, details });
  }
  #finishSilently() {
    this.#done = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.#onDone();
    const stream = this.#stream;
    if (!stream.destroyed && !stream.closed)
      stream.close(http2().constants.NGHTTP2_CANCEL);
  }
};
function frame(body) {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}
function grpcTimeout(ms) {
  const n = Math.max(1, Math.ceil(ms));
  if (n < 1e8)
    return `${n}m`;
  return `${Math.min(99999999, Math.ceil(n / 1e3))}S`;
}
function readStatus(headers) {
  const raw = headers["grpc-status"];
  const code = typeof raw === "string" && /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
  const message = headers["grpc-message"];
  const details = typeof message === "string" ? percentDecode(message) : "";
  if (!Number.isInteger(code) || code > 16) {
    return { code: GrpcStatus.UNKNOWN, details: `invalid grpc-status ${JSON.stringify(raw ?? "")}${details === "" ? "" : `: ${details}`}` };
  }
  return { code, details };
}
function percentDecode(s) {
  if (!s.includes("%"))
    return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
function httpStatusToGrpc(status) {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
function rstStatus(rst, details) {
  const { constants: constants2 } = http2();
  switch (rst) {
    case constants2.NGHTTP2_REFUSED_STREAM:
      return { code: GrpcStatus.UNAVAILABLE, details };
    case constants2.NGHTTP2_CANCEL:
      return { code: GrpcStatus.CANCELLED, details };
    case constants2.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: GrpcStatus.RESOURCE_EXHAUSTED, details };
    case constants2.NGHTTP2_INADEQUATE_SECURITY:
      return { code: GrpcStatus.PERMISSION_DENIED, details };
    default:
      return { code: GrpcStatus.INTERNAL, details };
  }
}

// dist/workloadapi/x509-context.js
function dedupeByHint(items) {
  const seen = /* @__PURE__ */ new Set();
  const out = [];
  for (const item of items) {
    const hint = item.hint ?? "";
    if (hint !== "") {
      if (seen.has(hint))
        continue;
      seen.add(hint);
    }
    out.push(item);
  }
  return out;
}
function bundleKeyTrustDomain(key, field) {
  try {
    return TrustDomain.parse(key);
  } catch (err) {
    throw malformedResponse(`${field} has a key that is not a trust domain: ${JSON.stringify(key.slice(0, 100))}`, err);
  }
}
function parseX509SvidResponse(msg) {
  const rawSvids = msg.svids ?? [];
  if (rawSvids.length === 0)
    throw malformedResponse("the X509SVIDResponse holds no SVID");
  const svids = [];
  const bundles = new X509BundleSet();
  rawSvids.forEach((raw, i) => {
    const where = `SVID #${i}`;
    if (!raw.spiffe_id)
      throw malformedResponse(`${where} has an empty spiffe_id`);
    if (!raw.x509_svid || raw.x509_svid.length === 0)
      throw malformedResponse(`${where} (${raw.spiffe_id}) has no certificates`);
    if (!raw.x509_svid_key || raw.x509_svid_key.length === 0)
      throw malformedResponse(`${where} (${raw.spiffe_id}) has no private key`);
    let svid;
    try {
      svid = X509Svid.parseRaw(raw.x509_svid, raw.x509_svid_key, { hint: raw.hint ?? "", expectedId: raw.spiffe_id });
    } catch (err) {
      throw malformedResponse(`${where} (${raw.spiffe_id}) is invalid: ${err.message}`, err);
    }
    svids.push(svid);
    const td = svid.id.trustDomain;
    if (!bundles.has(td)) {
      try {
        bundles.add(raw.bundle && raw.bundle.length > 0 ? X509Bundle.fromDer(td, raw.bundle) : new X509Bundle(td));
      } catch (err) {
        throw malformedResponse(`the bundle of ${td.name} sent with ${where} is invalid: ${err.message}`, err);
      }
    }
  });
  for (const [key, der] of Object.entries(msg.federated_bundles ?? {})) {
    const td = bundleKeyTrustDomain(key, "federated_bundles");
    if (bundles.has(td))
      continue;
    try {
      bundles.add(X509Bundle.fromDer(td, der));
    } catch (err) {
      throw malformedResponse(`the federated bundle of ${td.name} is invalid: ${err.message}`, err);
    }
  }
  return { svids: dedupeByHint(svids), bundles };
}
function parseX509BundlesResponse(msg) {
  const set = new X509BundleSet();
  for (const [key, der] of Object.entries(msg.bundles ?? {})) {
    const td = bundleKeyTrustDomain(key, "bundles");
    try {
      set.add(X509Bundle.fromDer(td, der));
    } catch (err) {
      throw malformedResponse(`the X.509 bundle of ${td.name} is invalid: ${err.message}`, err);
    }
  }
  return set;
}

// dist/workloadapi/jwt-responses.js
function parseJwtBundlesResponse(msg) {
  const set = new JwtBundleSet();
  for (const [key, json] of Object.entries(msg.bundles ?? {})) {
    const td = bundleKeyTrustDomain(key, "bundles");
    try {
      set.add(JwtBundle.fromJwks(td, json));
    } catch (err) {
      throw malformedResponse(`the JWT bundle of ${td.name} is invalid: ${err.message}`, err);
    }
  }
  return set;
}
function parseJwtSvidResponse(res, audience) {
  if (res.svids.length === 0)
    throw malformedResponse(`the agent returned no JWT-SVID for audience ${JSON.stringify(audience)}`);
  const out = res.svids.map((s, i) => {
    if (s.svid === "")
      throw malformedResponse(`JWT-SVID #${i} is empty`);
    let svid;
    try {
      svid = JwtSvid.parseInsecure(s.svid, audience, { hint: s.hint });
    } catch (err) {
      throw malformedResponse(`JWT-SVID #${i} is invalid: ${err.message}`, err);
    }
    if (s.spiffe_id !== "" && !svid.id.equals(s.spiffe_id)) {
      throw malformedResponse(`JWT-SVID #${i} is announced for ${s.spiffe_id} but its subject is ${svid.id}`);
    }
    return svid;
  });
  return dedupeByHint(out);
}
function parseValidatedJwtSvid(token, audience, res) {
  let svid;
  try {
    svid = JwtSvid.parseInsecure(token, [audience]);
  } catch (err) {
    throw malformedResponse(`the agent accepted a token spiffe-kit cannot read: ${err.message}`, err);
  }
  if (res.spiffe_id === "" || !svid.id.equals(res.spiffe_id)) {
    throw malformedResponse(`the agent validated the token for ${JSON.stringify(res.spiffe_id)} but its subject is ${svid.id}`);
  }
  return svid;
}

// dist/workloadapi/limits.js
var DEFAULT_LIMITS = Object.freeze({ maxSvids: 100, maxBundles: 200, maxBundleBytes: 4 * 1024 * 1024 });
function resolveLimits(limits) {
  const out = { ...DEFAULT_LIMITS };
  for (const name of ["maxSvids", "maxBundles", "maxBundleBytes"]) {
    const v = limits?.[name];
    if (v === void 0)
      continue;
    if (!Number.isSafeInteger(v) || v < 1)
      throw new WorkloadApiError("ERR_BAD_REQUEST", `limits.${name} must be a positive integer, got ${String(v)}`);
    out[name] = v;
  }
  return Object.freeze(out);
}
function checkBundleMap(field, map, limits, ownBundles = 0) {
  if (map === void 0)
    return void 0;
  const keys = Object.keys(map);
  const count = keys.length + ownBundles;
  if (count > limits.maxBundles)
    return { limit: "maxBundles", reason: `${count} bundles (${field}); the limit is ${limits.maxBundles}` };
  for (const key of keys) {
    const size = map[key]?.length ?? 0;
    if (size > limits.maxBundleBytes) {
      return { limit: "maxBundleBytes", reason: `the bundle ${JSON.stringify(key.slice(0, 100))} in ${field} is ${size} bytes; the limit is ${limits.maxBundleBytes}` };
    }
  }
  return void 0;
}
function checkLimits(msg, limits) {
  const svids = msg.svids ?? [];
  if (svids.length > limits.maxSvids)
    return { limit: "maxSvids", reason: `${svids.length} SVIDs; the limit is ${limits.maxSvids}` };
  for (const [i, svid] of svids.entries()) {
    const size = svid.bundle?.length ?? 0;
    if (size > limits.maxBundleBytes)
      return { limit: "maxBundleBytes", reason: `the bundle of SVID #${i} is ${size} bytes; the limit is ${limits.maxBundleBytes}` };
  }
  const ownDomains = new Set(svids.map((s) => trustDomainOf(s.spiffe_id ?? "")));
  const federated = msg.federated_bundles;
  const extraOwn = federated === void 0 ? 0 : [...ownDomains].filter((td) => td !== "" && !Object.hasOwn(federated, td)).length;
  return checkBundleMap("bundles", msg.bundles, limits) ?? checkBundleMap("federated_bundles", federated, limits, extraOwn);
}
function trustDomainOf(id) {
  if (!id.startsWith("spiffe://"))
    return "";
  const slash = id.indexOf("/", "spiffe://".length);
  return slash === -1 ? id : id.slice(0, slash);
}

// dist/workloadapi/logger.js
var silentLogger = Object.freeze({});
function log(logger, level, message, fields) {
  try {
    const fn = logger[level];
    if (typeof fn === "function")
      fn.call(logger, message, fields);
  } catch {
  }
}

// dist/workloadapi/messages.js
var MAX_STRUCT_DEPTH = 64;
function object(value, where) {
  if (value === void 0 || value === null)
    return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw malformedResponse(`${where} is not a message`);
  return value;
}
function bytes(value, where) {
  if (value === void 0 || value === null)
    return Buffer.alloc(0);
  if (Buffer.isBuffer(value))
    return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw malformedResponse(`${where} is not bytes`);
}
function string(value, where) {
  if (value === void 0 || value === null)
    return "";
  if (typeof value !== "string")
    throw malformedResponse(`${where} is not a string`);
  return value;
}
function list(value, where) {
  if (value === void 0 || value === null)
    return [];
  if (!Array.isArray(value))
    throw malformedResponse(`${where} is not a repeated field`);
  return value;
}
function put(target, key, value) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
function bytesMap(value, where) {
  const out = {};
  for (const [key, v] of Object.entries(object(value, where)))
    put(out, key, bytes(v, `${where}[${JSON.stringify(key.slice(0, 100))}]`));
  return out;
}
function x509Svid(value, i) {
  const where = `svids[${i}]`;
  const m = object(value, where);
  const svid = {
    spiffe_id: string(m["spiffe_id"], `${where}.spiffe_id`),
    x509_svid: bytes(m["x509_svid"], `${where}.x509_svid`),
    bundle: bytes(m["bundle"], `${where}.bundle`),
    hint: string(m["hint"], `${where}.hint`)
  };
  Object.defineProperty(svid, "x509_svid_key", { value: bytes(m["x509_svid_key"], `${where}.x509_svid_key`), enumerable: false, writable: true, configurable: true });
  return svid;
}
function toRawX509SvidResponse(value) {
  const m = object(value, "X509SVIDResponse");
  return {
    svids: list(m["svids"], "svids").map(x509Svid),
    crl: list(m["crl"], "crl").map((c, i) => bytes(c, `crl[${i}]`)),
    federated_bundles: bytesMap(m["federated_bundles"], "federated_bundles")
  };
}
function toRawX509BundlesResponse(value) {
  const m = object(value, "X509BundlesResponse");
  return {
    crl: list(m["crl"], "crl").map((c, i) => bytes(c, `crl[${i}]`)),
    bundles: bytesMap(m["bundles"], "bundles")
  };
}
function toRawJwtBundlesResponse(value) {
  const m = object(value, "JWTBundlesResponse");
  return { bundles: bytesMap(m["bundles"], "bundles") };
}
function toRawJwtSvidResponse(value) {
  const m = object(value, "JWTSVIDResponse");
  return {
    svids: list(m["svids"], "svids").map((s, i) => {
      const where = `svids[${i}]`;
      const o = object(s, where);
      return { spiffe_id: string(o["spiffe_id"], `${where}.spiffe_id`), svid: string(o["svid"], `${where}.svid`), hint: string(o["hint"], `${where}.hint`) };
    })
  };
}
function toRawValidateJwtSvidResponse(value) {
  const m = object(value, "ValidateJWTSVIDResponse");
  return { spiffe_id: string(m["spiffe_id"], "spiffe_id"), claims: structToJson(m["claims"], "claims", 0) };
}
function structToJson(value, where = "struct", depth = 0) {
  if (depth > MAX_STRUCT_DEPTH)
    throw malformedResponse(`${where} is nested deeper than ${MAX_STRUCT_DEPTH} levels`);
  const m = object(value, where);
  const out = {};
  for (const [key, v] of Object.entries(object(m["fields"], `${where}.fields`))) {
    put(out, key, valueToJson(v, `${where}.${key.slice(0, 100)}`, depth + 1));
  }
  return out;
}
var VALUE_KINDS = {
  nullValue: "null",
  null_value: "null",
  numberValue: "number",
  number_value: "number",
  stringValue: "string",
  string_value: "string",
  boolValue: "bool",
  bool_value: "bool",
  structValue: "struct",
  struct_value: "struct",
  listValue: "list",
  list_value: "list"
};
function valueKind(m) {
  const kind = m["kind"];
  if (typeof kind === "string" && Object.hasOwn(VALUE_KINDS, kind))
    return kind;
  for (const k of Object.keys(VALUE_KINDS)) {
    if (m[k] !== void 0 && m[k] !== null)
      return k;
  }
  return void 0;
}
function valueToJson(value, where, depth) {
  if (depth > MAX_STRUCT_DEPTH)
    throw malformedResponse(`${where} is nested deeper than ${MAX_STRUCT_DEPTH} levels`);
  const m = object(value, where);
  const kind = valueKind(m);
  if (kind === void 0)
    return null;
  const v = m[kind];
  switch (VALUE_KINDS[kind]) {
    case "null":
      return null;
    case "number":
      if (typeof v !== "number")
        throw malformedResponse(`${where} is not a number`);
      return v;
    case "string":
      if (typeof v !== "string")
        throw malformedResponse(`${where} is not a string`);
      return v;
    case "bool":
      if (typeof v !== "boolean")
        throw malformedResponse(`${where} is not a boolean`);
      return v;
    case "struct":
      return structToJson(v, where, depth + 1);
    case "list":
      return list(object(v, where)["values"], where).map((item, i) => valueToJson(item, `${where}[${i}]`, depth + 1));
  }
}

// dist/workloadapi/proto.js
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

// dist/workloadapi/codec.js
var MAX_NESTING_DEPTH = 100;
var ProtobufWireError = class extends SpiffeError {
  /** Byte offset of the problem in the decoded bytes, when decoding. */
  offset;
  constructor(code, message, offset) {
    super(code, offset === void 0 ? message : `${message} (at byte offset ${offset})`);
    this.offset = offset;
  }
};
function invalid(where, expected, value) {
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  return new ProtobufWireError("ERR_PROTOBUF_INVALID_VALUE", `${where}: expected ${expected}, got ${got}`);
}
function messageInput(value, where) {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(where, "an object", value);
  return value;
}
function optionalMessage(value, where) {
  return value === void 0 || value === null ? void 0 : messageInput(value, where);
}
function repeatedInput(value, where) {
  if (value === void 0 || value === null)
    return void 0;
  if (!Array.isArray(value))
    throw invalid(where, "an array", value);
  return value;
}
function mapInput(value, where) {
  return optionalMessage(value, where);
}
function bytesInput(value, where) {
  if (value instanceof Uint8Array)
    return value;
  if (typeof value === "string")
    return Buffer.from(value, "base64");
  if (Array.isArray(value))
    return Buffer.from(value);
  throw invalid(where, "bytes (a Uint8Array, a base64 string or an array of bytes)", value);
}
var WireType = Object.freeze({
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5
});
var WireReader = class {
  /** The input, as a `Buffer` view. */
  buf;
  /** The next byte to read. */
  pos = 0;
  /** The end of the message being read (exclusive); never beyond `buf.length`. */
  limit;
  /** The high 32 bits of the last varint read by {@link WireReader.varint}. */
  #high = 0;
  constructor(bytes2) {
    this.buf = Buffer.isBuffer(bytes2) ? bytes2 : Buffer.from(bytes2.buffer, bytes2.byteOffset, bytes2.byteLength);
    this.limit = this.buf.length;
  }
  /**
   * Reads a varint of up to 10 bytes (64 bits); returns its low 32 bits, unsigned. The high 32
   * bits are in {@link WireReader.high} until the next varint.
   *
   * @example
   * ```ts
   * const low = r.varint();
   * const isZero = low === 0 && r.high === 0;
   * ```
   */
  varint() {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    if (pos < limit) {
      const first = buf[pos];
      if (first < 128) {
        this.pos = pos + 1;
        this.#high = 0;
        return first;
      }
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= limit)
        throw new ProtobufWireError("ERR_PROTOBUF_TRUNCATED", "the bytes end inside a varint", pos);
      const b = buf[pos++];
      if (i < 4)
        lo |= (b & 127) << 7 * i;
      else if (i === 4) {
        lo |= (b & 15) << 28;
        hi = (b & 127) >> 4;
      } else
        hi |= (b & 127) << 7 * i - 32;
      if (b < 128) {
        if (i === 9 && b > 1)
          throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", "a varint is over 64 bits", pos - 1);
        this.pos = pos;
        this.#high = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", "a varint is longer than 10 bytes", pos - 1);
  }
  /**
   * The high 32 bits of the last varint read.
   *
   * @example
   * ```ts
   * r.varint();
   * if (r.high !== 0) throw new Error('over 32 bits');
   * ```
   */
  get high() {
    return this.#high;
  }
  /**
   * Reads a tag (`field << 3 | wireType`) and checks it: at most 32 bits, field number ≥ 1, wire
   * type 0–5. Compare it whole against the expected tag: a known field with another wire type
   * then falls to {@link WireReader.skip} as unknown, as Go's protobuf does.
   *
   * @example
   * ```ts
   * const tag = r.tag(); // 0x0a: field 1, length-delimited
   * ```
   */
  tag() {
    const at2 = this.pos;
    const tag = this.varint();
    if (this.#high !== 0)
      throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", "a tag is over 32 bits", at2);
    if (tag >>> 3 === 0)
      throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", "field number 0", at2);
    if ((tag & 7) > 5)
      throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", `invalid wire type ${tag & 7}`, at2);
    return tag;
  }
  /**
   * Reads the length prefix of a length-delimited field and checks that that many bytes remain
   * before {@link WireReader.limit}.
   *
   * @example
   * ```ts
   * const end = r.length() + r.pos;
   * ```
   */
  length() {
    const at2 = this.pos;
    const len = this.varint();
    if (this.#high !== 0 || len > this.limit - this.pos) {
      throw new ProtobufWireError("ERR_PROTOBUF_TRUNCATED", `a length-delimited field announces ${this.#high !== 0 ? "over 4 GiB" : `${len} bytes`} but ${this.limit - this.pos} remain`, at2);
    }
    return len;
  }
  /**
   * Reads a length-delimited field as a `Buffer` view of the input.
   *
   * @example
   * ```ts
   * const der: Buffer = r.bytes();
   * ```
   */
  bytes() {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }
  /**
   * Reads a length-delimited field as UTF-8 text (invalid sequences become U+FFFD, as in
   * protobufjs on Node).
   *
   * @example
   * ```ts
   * const id: string = r.string();
   * ```
   */
  string() {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return len === 0 ? "" : this.buf.toString("utf8", start, start + len);
  }
  /**
   * Reads an `int32` varint (the low 32 bits, signed).
   *
   * @example
   * ```ts
   * const n: number = r.int32();
   * ```
   */
  int32() {
    return this.varint() | 0;
  }
  /**
   * Reads a `bool` varint (any non-zero value of the 64 bits is true).
   *
   * @example
   * ```ts
   * const b: boolean = r.bool();
   * ```
   */
  bool() {
    return this.varint() !== 0 || this.#high !== 0;
  }
  /**
   * Reads a `double` (8 bytes, little-endian).
   *
   * @example
   * ```ts
   * const x: number = r.double();
   * ```
   */
  double() {
    const pos = this.pos;
    if (this.limit - pos < 8)
      throw new ProtobufWireError("ERR_PROTOBUF_TRUNCATED", "the bytes end inside a 64-bit value", pos);
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }
  /**
   * Runs `read` over the embedded message that starts here (its length prefix first), with
   * {@link WireReader.limit} set to its end; `depth` is the nesting depth of that message.
   *
   * @throws {@link ProtobufWireError} `ERR_PROTOBUF_TOO_DEEP` past {@link MAX_NESTING_DEPTH}.
   * @example
   * ```ts
   * case 0x12: claims = r.message(depth + 1, readStruct); break;
   * ```
   */
  message(depth, read) {
    if (depth > MAX_NESTING_DEPTH)
      throw new ProtobufWireError("ERR_PROTOBUF_TOO_DEEP", `messages are nested deeper than ${MAX_NESTING_DEPTH} levels`, this.pos);
    const len = this.length();
    const outer = this.limit;
    const end = this.pos + len;
    this.limit = end;
    const value = read(this, depth);
    this.limit = outer;
    this.pos = end;
    return value;
  }
  /**
   * Skips the value of a field of any wire type, given its tag (as {@link WireReader.tag}
   * returned it); `depth` is the nesting depth of the message that holds the field.
   *
   * @throws {@link ProtobufWireError} when the value is truncated or malformed, or groups nest too deeply.
   * @example
   * ```ts
   * default: r.skip(tag, depth);
   * ```
   */
  skip(tag, depth) {
    const at2 = this.pos;
    switch (tag & 7) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.#advance(8, at2);
        return;
      case WireType.LengthDelimited: {
        const len = this.length();
        this.pos += len;
        return;
      }
      case WireType.Fixed32:
        this.#advance(4, at2);
        return;
      case WireType.StartGroup: {
        if (depth + 1 > MAX_NESTING_DEPTH)
          throw new ProtobufWireError("ERR_PROTOBUF_TOO_DEEP", `groups are nested deeper than ${MAX_NESTING_DEPTH} levels`, at2);
        const field = tag >>> 3;
        for (; ; ) {
          if (this.pos >= this.limit)
            throw new ProtobufWireError("ERR_PROTOBUF_TRUNCATED", `the bytes end inside group ${field}`, this.pos);
          const inner = this.tag();
          if ((inner & 7) === WireType.EndGroup) {
            if (inner >>> 3 !== field)
              throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", `group ${field} ends with the end-group of field ${inner >>> 3}`, this.pos);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        throw new ProtobufWireError("ERR_PROTOBUF_MALFORMED", `an end-group of field ${tag >>> 3} without its start`, at2);
    }
  }
  #advance(n, at2) {
    if (this.limit - this.pos < n)
      throw new ProtobufWireError("ERR_PROTOBUF_TRUNCATED", `the bytes end inside a ${n * 8}-bit value`, at2);
    this.pos += n;
  }
};
var INITIAL_SIZE = 256;
var WireWriter = class {
  #buf = Buffer.allocUnsafe(INITIAL_SIZE);
  #pos = 0;
  #reserve(n) {
    if (this.#pos + n <= this.#buf.length)
      return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n)
      size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
  /**
   * Writes a tag.
   *
   * @example
   * ```ts
   * w.tag(2, 1).double(1.5); // field 2, fixed 64-bit
   * ```
   */
  tag(field, wireType) {
    return this.uint32((field << 3 | wireType) >>> 0);
  }
  /**
   * Writes an unsigned 32-bit varint.
   *
   * @example
   * ```ts
   * w.uint32(300); // 0xac 0x02
   * ```
   */
  uint32(value) {
    this.#reserve(5);
    const buf = this.#buf;
    let pos = this.#pos;
    let v = value >>> 0;
    while (v > 127) {
      buf[pos++] = v & 127 | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.#pos = pos;
    return this;
  }
  /**
   * Writes an `int32` varint as protobuf does: negative values take 10 bytes (sign-extended to 64
   * bits), others their unsigned 32-bit form.
   *
   * @example
   * ```ts
   * w.tag(1, 0).int32(-1); // 0x08 0xff ×9 0x01
   * ```
   */
  int32(value) {
    if (!(value < 0))
      return this.uint32(value);
    let big = Number.isFinite(value) ? BigInt.asUintN(64, BigInt(Math.trunc(value))) : 0n;
    this.#reserve(10);
    const buf = this.#buf;
    while (big > 0x7fn) {
      buf[this.#pos++] = Number(big & 0x7fn) | 128;
      big >>= 7n;
    }
    buf[this.#pos++] = Number(big);
    return this;
  }
  /**
   * Writes a `bool` varint (0 or 1).
   *
   * @example
   * ```ts
   * w.tag(4, 0).bool(true);
   * ```
   */
  bool(value) {
    return this.uint32(value ? 1 : 0);
  }
  /**
   * Writes a `double` (8 bytes, little-endian).
   *
   * @example
   * ```ts
   * w.tag(2, 1).double(1700000000);
   * ```
   */
  double(value) {
    this.#reserve(8);
    this.#buf.writeDoubleLE(value, this.#pos);
    this.#pos += 8;
    return this;
  }
  /**
   * Writes a length-delimited field's length and bytes.
   *
   * @example
   * ```ts
   * w.tag(2, 2).bytes(certChainDer);
   * ```
   */
  bytes(value) {
    const len = value.byteLength;
    this.uint32(len);
    this.#reserve(len);
    this.#buf.set(value, this.#pos);
    this.#pos += len;
    return this;
  }
  /**
   * Writes a length-delimited field's length and UTF-8 text.
   *
   * @example
   * ```ts
   * w.tag(1, 2).string('spiffe://example.org/web');
   * ```
   */
  string(value) {
    const len = Buffer.byteLength(value, "utf8");
    this.uint32(len);
    this.#reserve(len);
    if (len > 0)
      this.#buf.write(value, this.#pos, len, "utf8");
    this.#pos += len;
    return this;
  }
  /**
   * Starts an embedded message (after its tag): reserves its length prefix and returns the
   * position to give {@link WireWriter.ldelim} once its fields are written.
   *
   * @example
   * ```ts
   * const at = w.tag(1, 2).fork();
   * writeSvid(w, svid);
   * w.ldelim(at);
   * ```
   */
  fork() {
    this.#reserve(1);
    const at2 = this.#pos;
    this.#pos = at2 + 1;
    return at2;
  }
  /**
   * Ends the embedded message started by {@link WireWriter.fork} at `at`: writes its length.
   *
   * @example
   * ```ts
   * w.ldelim(at);
   * ```
   */
  ldelim(at2) {
    const start = at2 + 1;
    const len = this.#pos - start;
    let size = 1;
    for (let v2 = len >>> 7; v2 > 0; v2 >>>= 7)
      size++;
    if (size > 1) {
      this.#reserve(size - 1);
      this.#buf.copyWithin(start + size - 1, start, this.#pos);
      this.#pos += size - 1;
    }
    const buf = this.#buf;
    let pos = at2;
    let v = len;
    while (v > 127) {
      buf[pos++] = v & 127 | 128;
      v >>>= 7;
    }
    buf[pos] = v;
    return this;
  }
  /**
   * The bytes written so far (a view of the writer's buffer).
   *
   * @example
   * ```ts
   * const message: Buffer = w.finish();
   * ```
   */
  finish() {
    return this.#buf.subarray(0, this.#pos);
  }
};
function setEntry(target, key, value) {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else
    target[key] = value;
}
function readStruct(r, depth) {
  const fields = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) {
      const [key, value] = r.message(depth, readFieldsEntry);
      setEntry(fields, key, value);
    } else
      r.skip(tag, depth);
  }
  return { fields };
}
function readFieldsEntry(r, depth) {
  let key = "";
  let value;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      key = r.string();
    else if (tag === 18)
      value = r.message(depth + 1, readValue);
    else
      r.skip(tag, depth);
  }
  return [key, value ?? {}];
}
function readValue(r, depth) {
  let value = {};
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 8: {
        const n = r.int32();
        value = { nullValue: n === 0 ? "NULL_VALUE" : n, kind: "nullValue" };
        break;
      }
      case 17:
        value = { numberValue: r.double(), kind: "numberValue" };
        break;
      case 26:
        value = { stringValue: r.string(), kind: "stringValue" };
        break;
      case 32:
        value = { boolValue: r.bool(), kind: "boolValue" };
        break;
      case 42:
        value = { structValue: r.message(depth + 1, readStruct), kind: "structValue" };
        break;
      case 50:
        value = { listValue: r.message(depth + 1, readListValue), kind: "listValue" };
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return value;
}
function readListValue(r, depth) {
  const values = [];
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      values.push(r.message(depth + 1, readValue));
    else
      r.skip(tag, depth);
  }
  return { values };
}
function tooDeep(where, depth) {
  if (depth > MAX_NESTING_DEPTH)
    throw new ProtobufWireError("ERR_PROTOBUF_TOO_DEEP", `${where}: messages are nested deeper than ${MAX_NESTING_DEPTH} levels`);
}
function writeStruct(w, struct, depth, where) {
  tooDeep(where, depth);
  const fields = mapInput(struct["fields"], `${where}.fields`);
  if (fields === void 0)
    return;
  for (const key of Object.keys(fields)) {
    const here = `${where}.fields[${JSON.stringify(key.slice(0, 100))}]`;
    const value = messageInput(fields[key], here);
    const entry = w.tag(1, 2).fork();
    w.tag(1, 2).string(key);
    const at2 = w.tag(2, 2).fork();
    writeValue(w, value, depth + 1, here);
    w.ldelim(at2).ldelim(entry);
  }
}
function writeValue(w, value, depth, where) {
  tooDeep(where, depth);
  const nullValue = value["nullValue"];
  if (nullValue === "NULL_VALUE")
    w.tag(1, 0).uint32(0);
  else if (typeof nullValue === "number")
    w.tag(1, 0).int32(nullValue);
  if (value["numberValue"] !== void 0 && value["numberValue"] !== null)
    w.tag(2, 1).double(Number(value["numberValue"]));
  if (value["stringValue"] !== void 0 && value["stringValue"] !== null)
    w.tag(3, 2).string(String(value["stringValue"]));
  if (value["boolValue"] !== void 0 && value["boolValue"] !== null)
    w.tag(4, 0).bool(Boolean(value["boolValue"]));
  const struct = optionalMessage(value["structValue"], `${where}.structValue`);
  if (struct !== void 0) {
    const at2 = w.tag(5, 2).fork();
    writeStruct(w, struct, depth + 1, `${where}.structValue`);
    w.ldelim(at2);
  }
  const list2 = optionalMessage(value["listValue"], `${where}.listValue`);
  if (list2 !== void 0) {
    const at2 = w.tag(6, 2).fork();
    writeListValue(w, list2, depth + 1, `${where}.listValue`);
    w.ldelim(at2);
  }
}
function writeListValue(w, list2, depth, where) {
  tooDeep(where, depth);
  const values = repeatedInput(list2["values"], `${where}.values`) ?? [];
  for (let i = 0; i < values.length; i++) {
    const value = messageInput(values[i], `${where}.values[${i}]`);
    const at2 = w.tag(1, 2).fork();
    writeValue(w, value, depth + 1, `${where}.values[${i}]`);
    w.ldelim(at2);
  }
}
function codec(name, write, read) {
  return Object.freeze({
    name,
    encode(value) {
      const w = new WireWriter();
      write(w, messageInput(value, name), 0, name);
      return w.finish();
    },
    decode(bytes2) {
      if (!(bytes2 instanceof Uint8Array))
        throw new ProtobufWireError("ERR_PROTOBUF_INVALID_VALUE", `${name}: expected bytes to decode`);
      return read(new WireReader(bytes2), 0);
    }
  });
}
function present(value) {
  return value !== void 0 && value !== null;
}
function writeString(w, field, value) {
  if (present(value))
    w.tag(field, 2).string(String(value));
}
function writeBytes(w, field, value, where) {
  if (present(value))
    w.tag(field, 2).bytes(bytesInput(value, where));
}
function writeRepeatedBytes(w, field, value, where) {
  const list2 = repeatedInput(value, where);
  if (list2 === void 0)
    return;
  for (let i = 0; i < list2.length; i++)
    w.tag(field, 2).bytes(bytesInput(list2[i], `${where}[${i}]`));
}
function writeBytesMap(w, field, value, where) {
  const map = mapInput(value, where);
  if (map === void 0)
    return;
  for (const key of Object.keys(map)) {
    const bytes2 = bytesInput(map[key], `${where}[${JSON.stringify(key.slice(0, 100))}]`);
    const at2 = w.tag(field, 2).fork();
    w.tag(1, 2).string(key).tag(2, 2).bytes(bytes2);
    w.ldelim(at2);
  }
}
function writeMessages(w, field, value, depth, where, write) {
  const list2 = repeatedInput(value, where);
  if (list2 === void 0)
    return;
  for (let i = 0; i < list2.length; i++) {
    const here = `${where}[${i}]`;
    const m = messageInput(list2[i], here);
    const at2 = w.tag(field, 2).fork();
    write(w, m, depth + 1, here);
    w.ldelim(at2);
  }
}
function readBytesEntry(r, depth) {
  let key = "";
  let value;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      key = r.string();
    else if (tag === 18)
      value = r.bytes();
    else
      r.skip(tag, depth);
  }
  return [key, value ?? Buffer.alloc(0)];
}
function readEntryInto(r, depth, map) {
  const [key, value] = r.message(depth, readBytesEntry);
  setEntry(map, key, value);
}
function readEmpty(r, depth) {
  while (r.pos < r.limit)
    r.skip(r.tag(), depth);
  return {};
}
function writeEmpty() {
}
function readX509Svid(r, depth) {
  let spiffeId = "";
  let svid;
  let key;
  let bundle;
  let hint = "";
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        spiffeId = r.string();
        break;
      case 18:
        svid = r.bytes();
        break;
      case 26:
        key = r.bytes();
        break;
      case 34:
        bundle = r.bytes();
        break;
      case 42:
        hint = r.string();
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return { spiffe_id: spiffeId, x509_svid: svid ?? Buffer.alloc(0), x509_svid_key: key ?? Buffer.alloc(0), bundle: bundle ?? Buffer.alloc(0), hint };
}
function writeX509Svid(w, m, _depth, where) {
  writeString(w, 1, m["spiffe_id"]);
  writeBytes(w, 2, m["x509_svid"], `${where}.x509_svid`);
  writeBytes(w, 3, m["x509_svid_key"], `${where}.x509_svid_key`);
  writeBytes(w, 4, m["bundle"], `${where}.bundle`);
  writeString(w, 5, m["hint"]);
}
function readX509SvidResponse(r, depth) {
  const out = { svids: [], crl: [], federated_bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        out.svids.push(r.message(depth + 1, readX509Svid));
        break;
      case 18:
        out.crl.push(r.bytes());
        break;
      case 26:
        readEntryInto(r, depth, out.federated_bundles);
        break;
      default:
        r.skip(tag, depth);
    }
  }
  return out;
}
function writeX509SvidResponse(w, m, depth, where) {
  writeMessages(w, 1, m["svids"], depth, `${where}.svids`, writeX509Svid);
  writeRepeatedBytes(w, 2, m["crl"], `${where}.crl`);
  writeBytesMap(w, 3, m["federated_bundles"], `${where}.federated_bundles`);
}
function readX509BundlesResponse(r, depth) {
  const out = { crl: [], bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.crl.push(r.bytes());
    else if (tag === 18)
      readEntryInto(r, depth, out.bundles);
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeX509BundlesResponse(w, m, _depth, where) {
  writeRepeatedBytes(w, 1, m["crl"], `${where}.crl`);
  writeBytesMap(w, 2, m["bundles"], `${where}.bundles`);
}
function readJwtSvidRequest(r, depth) {
  const out = { audience: [], spiffe_id: "" };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.audience.push(r.string());
    else if (tag === 18)
      out.spiffe_id = r.string();
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeJwtSvidRequest(w, m, _depth, where) {
  for (const a of repeatedInput(m["audience"], `${where}.audience`) ?? [])
    w.tag(1, 2).string(String(a));
  writeString(w, 2, m["spiffe_id"]);
}
function readJwtSvid(r, depth) {
  const out = { spiffe_id: "", svid: "", hint: "" };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.spiffe_id = r.string();
    else if (tag === 18)
      out.svid = r.string();
    else if (tag === 26)
      out.hint = r.string();
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeJwtSvid(w, m) {
  writeString(w, 1, m["spiffe_id"]);
  writeString(w, 2, m["svid"]);
  writeString(w, 3, m["hint"]);
}
function readJwtSvidResponse(r, depth) {
  const out = { svids: [] };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.svids.push(r.message(depth + 1, readJwtSvid));
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeJwtSvidResponse(w, m, depth, where) {
  writeMessages(w, 1, m["svids"], depth, `${where}.svids`, writeJwtSvid);
}
function readJwtBundlesResponse(r, depth) {
  const out = { bundles: {} };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      readEntryInto(r, depth, out.bundles);
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeJwtBundlesResponse(w, m, _depth, where) {
  writeBytesMap(w, 1, m["bundles"], `${where}.bundles`);
}
function readValidateJwtSvidRequest(r, depth) {
  const out = { audience: "", svid: "" };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.audience = r.string();
    else if (tag === 18)
      out.svid = r.string();
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeValidateJwtSvidRequest(w, m) {
  writeString(w, 1, m["audience"]);
  writeString(w, 2, m["svid"]);
}
function readValidateJwtSvidResponse(r, depth) {
  const out = { spiffe_id: "", claims: null };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10)
      out.spiffe_id = r.string();
    else if (tag === 18)
      out.claims = r.message(depth + 1, readStruct);
    else
      r.skip(tag, depth);
  }
  return out;
}
function writeValidateJwtSvidResponse(w, m, depth, where) {
  writeString(w, 1, m["spiffe_id"]);
  const claims = optionalMessage(m["claims"], `${where}.claims`);
  if (claims !== void 0) {
    const at2 = w.tag(2, 2).fork();
    writeStruct(w, claims, depth + 1, `${where}.claims`);
    w.ldelim(at2);
  }
}
var X509_SVID_REQUEST = codec("X509SVIDRequest", writeEmpty, readEmpty);
var X509_SVID_RESPONSE = codec("X509SVIDResponse", writeX509SvidResponse, readX509SvidResponse);
var X509_BUNDLES_REQUEST = codec("X509BundlesRequest", writeEmpty, readEmpty);
var X509_BUNDLES_RESPONSE = codec("X509BundlesResponse", writeX509BundlesResponse, readX509BundlesResponse);
var JWT_SVID_REQUEST = codec("JWTSVIDRequest", writeJwtSvidRequest, readJwtSvidRequest);
var JWT_SVID_RESPONSE = codec("JWTSVIDResponse", writeJwtSvidResponse, readJwtSvidResponse);
var JWT_BUNDLES_REQUEST = codec("JWTBundlesRequest", writeEmpty, readEmpty);
var JWT_BUNDLES_RESPONSE = codec("JWTBundlesResponse", writeJwtBundlesResponse, readJwtBundlesResponse);
var VALIDATE_JWT_SVID_REQUEST = codec("ValidateJWTSVIDRequest", writeValidateJwtSvidRequest, readValidateJwtSvidRequest);
var VALIDATE_JWT_SVID_RESPONSE = codec("ValidateJWTSVIDResponse", writeValidateJwtSvidResponse, readValidateJwtSvidResponse);

// dist/workloadapi/proto.js
var WORKLOAD_PROTO_PATH = fileURLToPath(new URL("../../proto/workload.proto", import.meta.url));
var PROTO_LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  // google/protobuf/struct.proto resolves from protobufjs' bundled common types; the include
  // directory covers the import path form.
  includeDirs: [dirname(WORKLOAD_PROTO_PATH)]
});
var RPCS = [
  { name: "FetchX509SVID", originalName: "fetchX509Svid", responseStream: true, request: X509_SVID_REQUEST, response: X509_SVID_RESPONSE },
  { name: "FetchX509Bundles", originalName: "fetchX509Bundles", responseStream: true, request: X509_BUNDLES_REQUEST, response: X509_BUNDLES_RESPONSE },
  { name: "FetchJWTSVID", originalName: "fetchJwtsvid", responseStream: false, request: JWT_SVID_REQUEST, response: JWT_SVID_RESPONSE },
  { name: "FetchJWTBundles", originalName: "fetchJwtBundles", responseStream: true, request: JWT_BUNDLES_REQUEST, response: JWT_BUNDLES_RESPONSE },
  { name: "ValidateJWTSVID", originalName: "validateJwtsvid", responseStream: false, request: VALIDATE_JWT_SVID_REQUEST, response: VALIDATE_JWT_SVID_RESPONSE }
];
var service;
function workloadApiService() {
  service ??= Object.freeze(Object.fromEntries(RPCS.map((rpc) => [
    rpc.name,
    Object.freeze({
      path: `/SpiffeWorkloadAPI/${rpc.name}`,
      requestStream: false,
      responseStream: rpc.responseStream,
      requestSerialize: rpc.request.encode,
      requestDeserialize: rpc.request.decode,
      responseSerialize: rpc.response.encode,
      responseDeserialize: rpc.response.decode,
      originalName: rpc.originalName
    })
  ])));
  return service;
}

// dist/workloadapi/watcher.js
var StreamWatcher = class {
  #call;
  #timer;
  #stopped = false;
  /** Consecutive clean ends of stream that delivered nothing (hot-loop guard). */
  #emptyEnds = 0;
  #config;
  #handler;
  #onStop;
  constructor(config, handler, onStop) {
    this.#config = config;
    this.#handler = handler;
    this.#onStop = onStop;
  }
  get stopped() {
    return this.#stopped;
  }
  /** Opens the first stream (on a microtask, so that the caller holds the handle first). */
  start() {
    queueMicrotask(() => this.#connect());
  }
  close() {
    if (this.#stopped)
      return;
    this.#stopped = true;
    if (this.#timer !== void 0)
      clearTimeout(this.#timer);
    this.#timer = void 0;
    const call = this.#call;
    this.#call = void 0;
    call?.cancel();
    this.#onStop();
  }
  #connect() {
    this.#timer = void 0;
    if (this.#stopped)
      return;
    const attempt = { call: void 0 };
    let received = false;
    const current = () => !this.#stopped && attempt.call !== void 0 && attempt.call === this.#call;
    try {
      attempt.call = this.#config.open({
        message: (message) => {
          if (!current())
            return;
          this.#config.backoff.reset();
          this.#emptyEnds = 0;
          if (!received) {
            received = true;
            this.#safe("onConnected", () => this.#handler.onConnected?.());
          }
          this.#deliver(message);
        },
        // The channel reports the status once, after every message.
        status: (s) => {
          if (current())
            this.#streamEnded(s, received);
        }
      });
    } catch (err) {
      const e = err instanceof WorkloadApiError ? err : new WorkloadApiError("ERR_AGENT_ERROR", `${this.#config.what} could not be opened: ${String(err)}`, { cause: err });
      this.#fatal(e);
      return;
    }
    this.#call = attempt.call;
  }
  #deliver(message) {
    let value;
    try {
      value = this.#config.decode(message);
    } catch (err) {
      const e = err instanceof WorkloadApiError ? err : new WorkloadApiError("ERR_MALFORMED_RESPONSE", `malformed message on ${this.#config.what}: ${String(err)}`, { reason: String(err), cause: err });
      log(this.#config.logger, "warn", `discarded a message on ${this.#config.what}`, { code: e.code, error: e.message });
      this.#report(e, { fatal: false, retryInMs: void 0, discarded: true });
      return;
    }
    this.#safe("onUpdate", () => this.#handler.onUpdate(value));
  }
  #streamEnded(status, received) {
    this.#call = void 0;
    if (status.code === GrpcStatus.OK) {
      const delay2 = received || this.#emptyEnds === 0 ? 0 : this.#config.backoff.next();
      if (!received)
        this.#emptyEnds++;
      log(this.#config.logger, received ? "debug" : "warn", `${this.#config.what} ended cleanly; reconnecting in ${delay2} ms`);
      this.#schedule(delay2);
      return;
    }
    const err = this.#config.mapStatus(status);
    if (status.code === GrpcStatus.INVALID_ARGUMENT || status.code === GrpcStatus.UNIMPLEMENTED) {
      this.#fatal(err);
      return;
    }
    const delay = this.#config.backoff.next();
    log(this.#config.logger, "warn", `${this.#config.what} failed; retrying in ${delay} ms`, { code: err.code, error: err.message });
    this.#report(err, { fatal: false, retryInMs: delay, discarded: false });
    this.#schedule(delay);
  }
  #fatal(err) {
    log(this.#config.logger, "error", `${this.#config.what} stopped: ${err.message}`, { code: err.code });
    this.close();
    this.#report(err, { fatal: true, retryInMs: void 0, discarded: false });
  }
  #schedule(delay) {
    if (this.#stopped)
      return;
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
  #report(err, info) {
    this.#safe("onError", () => this.#handler.onError?.(err, info.fatal, info));
  }
  #safe(name, fn) {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((err) => log(this.#config.logger, "warn", `the ${name} handler of ${this.#config.what} rejected`, { error: String(err) }));
      }
    } catch (err) {
      log(this.#config.logger, "warn", `the ${name} handler of ${this.#config.what} threw`, { error: String(err) });
    }
  }
};

// dist/workloadapi/client.js
var SECURITY_HEADER = "workload.spiffe.io";
var DEFAULT_TIMEOUT_MS = 1e4;
var DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
var WorkloadApiClient = class {
  /** The parsed Workload API address. */
  address;
  /** The limits in force. */
  limits;
  #where;
  #timeoutMs;
  #maxMessageBytes;
  #backoff;
  #logger;
  #watches = /* @__PURE__ */ new Set();
  #inflight = /* @__PURE__ */ new Set();
  #channel;
  #closed = false;
  /**
   * @throws {@link EndpointAddressError} when the address (or `SPIFFE_ENDPOINT_SOCKET`) is missing or invalid.
   * @throws {@link WorkloadApiError} `ERR_BAD_REQUEST` on an invalid option.
   */
  constructor(options = {}) {
    this.address = resolveEndpointAddress(options.address);
    this.#where = describeEndpointAddress(this.address);
    this.#timeoutMs = checkTimeout(options.timeoutMs, "timeoutMs") ?? DEFAULT_TIMEOUT_MS;
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1 || max > 2147483647) {
      throw new WorkloadApiError("ERR_BAD_REQUEST", `maxMessageBytes must be an integer from 1 to 2^31-1, got ${String(max)}`);
    }
    this.#maxMessageBytes = max;
    this.limits = resolveLimits(options.limits);
    this.#backoff = options.backoff ?? (() => exponentialBackoff());
    this.#logger = options.logger ?? silentLogger;
  }
  /** Whether {@link WorkloadApiClient.close} was called. */
  get closed() {
    return this.#closed;
  }
  /** Number of open watches (for diagnostics). */
  get watchCount() {
    return this.#watches.size;
  }
  // ---- one-shot calls: raw ----------------------------------------------------------------------
  /**
   * Opens `FetchX509SVID`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { svids, federated_bundles } = await client.fetchX509SvidRaw();
   * ```
   */
  fetchX509SvidRaw(options = {}) {
    return this.#firstMessage("FetchX509SVID", "the first X509SVIDResponse", options, toRawX509SvidResponse);
  }
  /**
   * Opens `FetchX509Bundles`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { bundles } = await client.fetchX509BundlesRaw();
   * ```
   */
  fetchX509BundlesRaw(options = {}) {
    return this.#firstMessage("FetchX509Bundles", "the first X509BundlesResponse", options, toRawX509BundlesResponse);
  }
  /**
   * Opens `FetchJWTBundles`, takes the first message and cancels the stream.
   *
   * @example
   * ```ts
   * const { bundles } = await client.fetchJwtBundlesRaw();
   * ```
   */
  fetchJwtBundlesRaw(options = {}) {
    return this.#firstMessage("FetchJWTBundles", "the first JWTBundlesResponse", options, toRawJwtBundlesResponse);
  }
  /**
   * Calls `FetchJWTSVID`. An empty audience (or an empty string in it) is `ERR_BAD_REQUEST`,
   * before anything is sent.
   *
   * @example
   * ```ts
   * const { svids } = await client.fetchJwtSvidRaw({ audience: ['sts.example.com'] });
   * ```
   */
  async fetchJwtSvidRaw(params, options = {}) {
    const audience = normalizeAudience(params?.audience);
    const spiffeId = params.spiffeId ?? "";
    if (typeof spiffeId !== "string")
      throw new WorkloadApiError("ERR_BAD_REQUEST", "spiffeId must be a string");
    const res = await this.#unary("FetchJWTSVID", `a JWT-SVID for audience ${JSON.stringify(audience)}`, { audience, spiffe_id: spiffeId }, options, toRawJwtSvidResponse);
    this.#enforceLimits("FetchJWTSVID", res);
    return res;
  }
  /**
   * Calls `ValidateJWTSVID`: the agent checks the token for one audience. The claims come back
   * as plain JSON.
   *
   * @example
   * ```ts
   * const { spiffe_id, claims } = await client.validateJwtSvidRaw(token, 'my-api');
   * ```
   */
  validateJwtSvidRaw(token, audience, options = {}) {
    if (typeof token !== "string" || token === "")
      return Promise.reject(new WorkloadApiError("ERR_BAD_REQUEST", "validateJwtSvid needs a non-empty token"));
    if (typeof audience !== "string" || audience === "")
      return Promise.reject(new WorkloadApiError("ERR_BAD_REQUEST", "validateJwtSvid needs a non-empty audience (one string)"));
    return this.#unary("ValidateJWTSVID", `the validation of a JWT-SVID for audience ${JSON.stringify(audience)}`, { audience, svid: token }, options, toRawValidateJwtSvidResponse).catch((err) => {
      if (err instanceof WorkloadApiError && err.code === "ERR_PROTOCOL_MISUSE") {
        throw new WorkloadApiError("ERR_TOKEN_REJECTED", `The Workload API at ${this.#where} rejected the JWT-SVID for audience ${JSON.stringify(audience)}: ${err.details ?? err.message}`, { rpc: err.rpc, address: err.address, grpcCode: err.grpcCode, details: err.details, cause: err });
      }
      throw err;
    });
  }
  // ---- one-shot calls: typed --------------------------------------------------------------------
  /**
   * Fetches the current X.509 context: every SVID and the X.509 bundles.
   *
   * @example
   * ```ts
   * const { svids, bundles } = await client.fetchX509Context();
   * ```
   */
  async fetchX509Context(options = {}) {
    return parseX509SvidResponse(await this.fetchX509SvidRaw(options));
  }
  /**
   * Fetches the default X.509-SVID (the first the agent lists).
   *
   * @example
   * ```ts
   * const svid = await client.fetchX509Svid({ timeoutMs: 5_000 });
   * ```
   */
  async fetchX509Svid(options = {}) {
    return (await this.fetchX509Context(options)).svids[0];
  }
  /**
   * Fetches every X.509-SVID the workload is entitled to.
   *
   * @example
   * ```ts
   * for (const svid of await client.fetchX509Svids()) console.log(svid.id.toString(), svid.hint);
   * ```
   */
  async fetchX509Svids(options = {}) {
    return (await this.fetchX509Context(options)).svids;
  }
  /**
   * Fetches the X.509 bundles (own trust domain and federated ones).
   *
   * @example
   * ```ts
   * const bundles = await client.fetchX509Bundles();
   * ```
   */
  async fetchX509Bundles(options = {}) {
    return parseX509BundlesResponse(await this.fetchX509BundlesRaw(options));
  }
  /**
   * Fetches the JWT bundles (a JWK Set per trust domain).
   *
   * @example
   * ```ts
   * const bundles = await client.fetchJwtBundles();
   * ```
   */
  async fetchJwtBundles(options = {}) {
    return parseJwtBundlesResponse(await this.fetchJwtBundlesRaw(options));
  }
  /**
   * Fetches JWT-SVIDs for an audience: every identity of the workload, or only `spiffeId`.
   *
   * @example
   * ```ts
   * const svids = await client.fetchJwtSvids({ audience: ['sts.amazonaws.com'] });
   * ```
   */
  async fetchJwtSvids(params, options = {}) {
    const audience = normalizeAudience(params?.audience);
    return parseJwtSvidResponse(await this.fetchJwtSvidRaw({ ...params, audience }, options), audience);
  }
  /**
   * Fetches one JWT-SVID for an audience: the one with `hint` if given, else the first.
   *
   * @example
   * ```ts
   * const jwt = await client.fetchJwtSvid({ audience: 'https://api.example.org' });
   * await fetch(url, { headers: { authorization: `Bearer ${jwt.token}` } });
   * ```
   */
  async fetchJwtSvid(params, options = {}) {
    const svids = await this.fetchJwtSvids(params, options);
    if (params.hint === void 0)
      return svids[0];
    const match = svids.find((s) => s.hint === params.hint);
    if (match === void 0) {
      throw new WorkloadApiError("ERR_NO_SVID", `the Workload API at ${this.#where} returned no JWT-SVID with hint ${JSON.stringify(params.hint)}`, {
        rpc: "FetchJWTSVID",
        address: this.address.target
      });
    }
    return match;
  }
  /**
   * Has the agent validate a JWT-SVID for one audience (ValidateJWTSVID) and returns it read.
   *
   * @example
   * ```ts
   * const svid = await client.validateJwtSvid(token, 'my-api');
   * console.log(svid.id.toString());
   * ```
   */
  async validateJwtSvid(token, audience, options = {}) {
    return parseValidatedJwtSvid(token, audience, await this.validateJwtSvidRaw(token, audience, options));
  }
  // ---- watches ----------------------------------------------------------------------------------
  /**
   * Watches `FetchX509SVID` until closed: every message (the complete X.509 state) goes to
   * `onUpdate`, failures to `onError`. Messages over the resource limits are reported and skipped.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchX509ContextRaw({ onUpdate: (msg) => use(msg), onError: (err, fatal) => warn(err, fatal) });
   * watch.close();
   * ```
   */
  watchX509ContextRaw(handler, options = {}) {
    return this.#watch("FetchX509SVID", (m) => this.#checked("FetchX509SVID", toRawX509SvidResponse(m)), handler, options);
  }
  /**
   * Watches `FetchX509Bundles` until closed.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchX509BundlesRaw({ onUpdate: (msg) => console.log(Object.keys(msg.bundles)) });
   * ```
   */
  watchX509BundlesRaw(handler, options = {}) {
    return this.#watch("FetchX509Bundles", (m) => this.#checked("FetchX509Bundles", toRawX509BundlesResponse(m)), handler, options);
  }
  /**
   * Watches `FetchJWTBundles` until closed.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED` when the client is closed.
   * @example
   * ```ts
   * const watch = client.watchJwtBundlesRaw({ onUpdate: (msg) => console.log(Object.keys(msg.bundles)) });
   * ```
   */
  watchJwtBundlesRaw(handler, options = {}) {
    return this.#watch("FetchJWTBundles", (m) => this.#checked("FetchJWTBundles", toRawJwtBundlesResponse(m)), handler, options);
  }
  /**
   * Watches the X.509 context (SVIDs and bundles, parsed); a message that breaks the Workload API
   * is reported as `ERR_MALFORMED_RESPONSE` and skipped.
   *
   * @example
   * ```ts
   * const watch = client.watchX509Context({ onUpdate: (ctx) => console.log(ctx.svids[0]?.id.toString()) });
   * ```
   */
  watchX509Context(handler, options = {}) {
    return this.#watch("FetchX509SVID", (m) => parseX509SvidResponse(this.#checked("FetchX509SVID", toRawX509SvidResponse(m))), handler, options);
  }
  /**
   * Watches the X.509 bundles (parsed).
   *
   * @example
   * ```ts
   * const watch = client.watchX509Bundles({ onUpdate: (set) => console.log(set.size) });
   * ```
   */
  watchX509Bundles(handler, options = {}) {
    return this.#watch("FetchX509Bundles", (m) => parseX509BundlesResponse(this.#checked("FetchX509Bundles", toRawX509BundlesResponse(m))), handler, options);
  }
  /**
   * Watches the JWT bundles (parsed).
   *
   * @example
   * ```ts
   * const watch = client.watchJwtBundles({ onUpdate: (set) => console.log(set.size) });
   * ```
   */
  watchJwtBundles(handler, options = {}) {
    return this.#watch("FetchJWTBundles", (m) => parseJwtBundlesResponse(this.#checked("FetchJWTBundles", toRawJwtBundlesResponse(m))), handler, options);
  }
  // ---- closing ----------------------------------------------------------------------------------
  /**
   * Stops every watch (silently), fails pending calls with `ERR_CLOSED`, and closes the channel.
   * Idempotent.
   *
   * @example
   * ```ts
   * client.close();
   * ```
   */
  close() {
    if (this.#closed)
      return;
    this.#closed = true;
    for (const w of [...this.#watches])
      w.close();
    this.#watches.clear();
    const err = this.#closedError();
    for (const fail of [...this.#inflight])
      fail(err);
    this.#inflight.clear();
    this.#channel?.close();
    this.#channel = void 0;
  }
  /**
   * Closes the client (`await using client = new WorkloadApiClient()`).
   *
   * @example
   * ```ts
   * await client[Symbol.asyncDispose]();
   * ```
   */
  async [Symbol.asyncDispose]() {
    this.close();
  }
  // ---- internals --------------------------------------------------------------------------------
  #closedError() {
    return new WorkloadApiError("ERR_CLOSED", `the Workload API client for ${this.#where} is closed`, { address: this.address.target });
  }
  /** The channel, created on first use. */
  #open(rpc, request, listener, timeoutMs) {
    if (this.#closed)
      throw this.#closedError();
    this.#channel ??= new GrpcChannel(this.address, { maxMessageBytes: this.#maxMessageBytes, headers: { [SECURITY_HEADER]: "true" } });
    return this.#channel.call(workloadApiService()[rpc], request, listener, { timeoutMs });
  }
  #mapStatus(rpc, status) {
    return fromGrpcStatus(status, { rpc, address: this.address.target, where: this.#where });
  }
  #oneShot(rpc, waitingFor, options) {
    if (this.#closed)
      throw this.#closedError();
    return {
      rpc,
      target: this.address.target,
      where: this.#where,
      waitingFor,
      timeoutMs: checkTimeout(options.timeoutMs, "timeoutMs") ?? this.#timeoutMs,
      signal: options.signal,
      inflight: this.#inflight
    };
  }
  #enforceLimits(rpc, msg) {
    const violation = checkLimits(msg, this.limits);
    if (violation !== void 0) {
      throw new WorkloadApiError("ERR_RESOURCE_LIMIT", `the ${rpc} response from ${this.#where} is over a resource limit: ${violation.reason}`, {
        rpc,
        address: this.address.target,
        limit: violation.limit,
        reason: violation.reason
      });
    }
  }
  #checked(rpc, msg) {
    this.#enforceLimits(rpc, msg);
    return msg;
  }
  async #firstMessage(rpc, waitingFor, options, decode) {
    const o = this.#oneShot(rpc, waitingFor, options);
    const message = await runOneShot(o, (settle) => this.#open(rpc, {}, {
      message: (m) => settle.ok(m),
      status: (s) => {
        if (s.code !== GrpcStatus.OK)
          settle.fail(this.#mapStatus(rpc, s));
        else {
          settle.fail(new WorkloadApiError("ERR_AGENT_ERROR", `the agent at ${this.#where} ended the ${rpc} stream without sending a message`, { rpc, address: this.address.target, grpcCode: 0 }));
        }
      }
    }));
    return this.#checked(rpc, decode(message));
  }
  async #unary(rpc, waitingFor, request, options, decode) {
    const o = this.#oneShot(rpc, waitingFor, options);
    const message = await runOneShot(o, (settle) => {
      let response;
      let extra = false;
      return this.#open(rpc, request, {
        message: (m) => {
          if (response === void 0)
            response = { value: m };
          else
            extra = true;
        },
        status: (s) => {
          if (s.code !== GrpcStatus.OK)
            settle.fail(this.#mapStatus(rpc, s));
          else if (response === void 0 || extra) {
            const what2 = response === void 0 ? "no response message" : "more than one response message";
            settle.fail(new WorkloadApiError("ERR_MALFORMED_RESPONSE", `malformed ${rpc} response from ${this.#where}: the agent sent ${what2} for a unary call`, {
              rpc,
              address: this.address.target,
              grpcCode: 0,
              reason: what2
            }));
          } else
            settle.ok(response.value);
        }
      }, o.timeoutMs);
    });
    return decode(message);
  }
  #watch(rpc, decode, handler, options) {
    if (this.#closed)
      throw this.#closedError();
    const { signal } = options;
    const onAbort = () => watcher.close();
    const watcher = new StreamWatcher({
      what: `the ${rpc} stream from ${this.#where}`,
      open: (listener) => this.#open(rpc, {}, listener),
      decode,
      mapStatus: (s) => this.#mapStatus(rpc, s),
      backoff: this.#backoff(),
      logger: this.#logger
    }, handler, () => {
      this.#watches.delete(watcher);
      signal?.removeEventListener("abort", onAbort);
    });
    this.#watches.add(watcher);
    if (signal?.aborted) {
      watcher.close();
      return watcher;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    watcher.start();
    return watcher;
  }
};
function checkTimeout(value, name) {
  if (value === void 0)
    return void 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 2147483647) {
    throw new WorkloadApiError("ERR_BAD_REQUEST", `${name} must be a finite number of milliseconds > 0, got ${String(value)}`);
  }
  return value;
}
function normalizeAudience(audience) {
  const list2 = typeof audience === "string" ? [audience] : Array.isArray(audience) ? [...audience] : [];
  if (list2.length === 0 || list2.some((a) => typeof a !== "string" || a === "")) {
    throw new WorkloadApiError("ERR_BAD_REQUEST", "a JWT-SVID needs at least one audience, and no audience may be empty");
  }
  return list2;
}

// dist/workloadapi/source-base.js
var SourceBase = class extends EventEmitter {
  #state = "connecting";
  #lastError;
  #lastUpdateAt;
  #connected = false;
  #iterators = /* @__PURE__ */ new Set();
  logger;
  /** The client the source reads from. */
  client;
  /** The streams the source keeps open. */
  watches = [];
  #ownsClient;
  #readyWaiter;
  constructor(options) {
    super({ captureRejections: false });
    this.logger = options.logger ?? silentLogger;
    if (options.client !== void 0) {
      this.client = options.client;
      this.#ownsClient = false;
    } else {
      const { client: _c, signal: _s, timeoutMs: _t, callTimeoutMs, ...clientOptions } = options;
      this.client = new WorkloadApiClient({ ...clientOptions, ...callTimeoutMs === void 0 ? {} : { timeoutMs: callTimeoutMs } });
      this.#ownsClient = true;
    }
  }
  /** The Workload API address the source reads from. */
  get address() {
    return this.client.address.address;
  }
  /** Throws `ERR_CLOSED` once the source is closed. */
  assertOpen() {
    if (this.closed) {
      throw new WorkloadApiError("ERR_CLOSED", `The source reading ${this.address} is closed`, { address: this.address });
    }
  }
  /** Emits `error` only when someone listens (an unheard `error` event must not crash the process). */
  emitError(err) {
    if (this.listenerCount("error") > 0)
      this.emitSafely("error", err);
  }
  /**
   * Waits for the first `ready` state; rejects on timeout, abort or `failReady`,
   * closing the source. `what` names what was awaited in messages.
   */
  async waitForReady(options, what2) {
    if (this.state === "ready")
      return;
    const timeoutMs = options.timeoutMs ?? 3e4;
    const signal = options.signal;
    let timer;
    let onAbort;
    try {
      await new Promise((resolve, reject) => {
        this.#readyWaiter = { resolve, reject };
        const onState = (state) => {
          if (state === "ready")
            resolve();
        };
        this.on("state", onState);
        if (signal?.aborted) {
          reject(new WorkloadApiError("ERR_ABORTED", `Aborted while waiting for ${what2} from the Workload API at ${this.address}`, { address: this.address, cause: signal.reason }));
          return;
        }
        onAbort = () => reject(new WorkloadApiError("ERR_ABORTED", `Aborted while waiting for ${what2} from the Workload API at ${this.address}`, { address: this.address, cause: signal?.reason }));
        signal?.addEventListener("abort", onAbort, { once: true });
        timer = setTimeout(() => {
          const last = this.#lastError;
          const why = last === void 0 ? "no answer yet" : `last error: ${last.message}`;
          const code = last?.code === "ERR_NOT_REGISTERED" ? "ERR_NOT_REGISTERED" : "ERR_TIMEOUT";
          reject(new WorkloadApiError(code, `Timed out after ${timeoutMs} ms waiting for ${what2} from the Workload API at ${this.address} (${why})`, { address: this.address }));
        }, timeoutMs);
      });
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      this.#readyWaiter = void 0;
      if (timer !== void 0)
        clearTimeout(timer);
      if (onAbort !== void 0)
        signal?.removeEventListener("abort", onAbort);
    }
  }
  /**
   * The default reaction to a stream error: a discarded message (malformed, over a limit) keeps
   * the state; a broken stream marks a ready source `stale`; a fatal error fails `create()`.
   */
  onStreamError(err, fatal) {
    this.recordError(err);
    if (err.code !== "ERR_MALFORMED_RESPONSE" && err.code !== "ERR_RESOURCE_LIMIT") {
      this.setConnected(false);
      if (this.state === "ready")
        this.setState("stale");
    }
    this.emitError(err);
    if (fatal)
      this.failReady(err);
  }
  /** Fails a pending `waitForReady` (fatal errors). */
  failReady(err) {
    this.#readyWaiter?.reject(err);
  }
  /** The common part of a health snapshot. */
  healthSnapshot(parts) {
    const at2 = this.#lastUpdateAt;
    return {
      state: this.state,
      connected: this.#connected,
      address: this.address,
      lastUpdateAt: at2,
      lastUpdateAgeMs: at2 === void 0 ? void 0 : Date.now() - at2.getTime(),
      lastError: this.#lastError,
      ...parts
    };
  }
  /**
   * Stops the streams, releases the client if the source created it, ends `updates()` iterators
   * and removes listeners. Idempotent.
   *
   * @example
   * ```ts
   * await source.close();
   * ```
   */
  async close() {
    if (this.closed)
      return;
    for (const w of this.watches)
      w.close();
    this.watches.length = 0;
    if (this.#ownsClient)
      this.client.close();
    this.#readyWaiter?.reject(new WorkloadApiError("ERR_CLOSED", `The source reading ${this.address} was closed`, { address: this.address }));
    this.finishClose();
  }
  /** Closes the source (`await using source = await X509Source.create()`). */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
  /** The current state: `connecting`, `ready`, `stale` or `closed`. */
  get state() {
    return this.#state;
  }
  /** Whether the source has been closed. */
  get closed() {
    return this.#state === "closed";
  }
  get lastError() {
    return this.#lastError;
  }
  get lastUpdateAt() {
    return this.#lastUpdateAt;
  }
  get connected() {
    return this.#connected;
  }
  setConnected(value) {
    this.#connected = value;
  }
  recordError(err) {
    const e = err instanceof SpiffeError ? err : void 0;
    this.#lastError = {
      code: e?.code ?? "ERR_UNKNOWN",
      message: err instanceof Error ? err.message : String(err),
      at: /* @__PURE__ */ new Date()
    };
  }
  recordUpdate() {
    this.#lastUpdateAt = /* @__PURE__ */ new Date();
    this.#lastError = void 0;
    this.#connected = true;
  }
  setState(next) {
    const previous = this.#state;
    if (previous === next || previous === "closed")
      return;
    this.#state = next;
    log(this.logger, "debug", `source state ${previous} -> ${next}`);
    this.emitSafely("state", next, previous);
  }
  /**
   * Emits to every listener, isolating each one: a listener that throws is logged and does not
   * stop the others nor reach the source. An `error` event with no listener is only logged.
   */
  emitSafely(event, ...args) {
    for (const listener of this.rawListeners(event)) {
      try {
        const result = listener.apply(this, args);
        if (result instanceof Promise) {
          result.catch((err) => log(this.logger, "warn", `a "${event}" listener rejected`, { error: String(err) }));
        }
      } catch (err) {
        log(this.logger, "warn", `a "${event}" listener threw`, { error: String(err) });
      }
    }
  }
  /** Hands an update to every `updates()` iterator. */
  pushUpdate(update) {
    for (const it of this.#iterators)
      it.push(update);
  }
  /**
   * Iterates over updates as they arrive (starting with the current state, if any), until the
   * source closes or the loop breaks. Slow consumers see only the newest pending update.
   */
  updates() {
    let pending;
    let done = this.closed;
    let wake;
    const sink = {
      push: (v) => {
        pending = { value: v };
        wake?.();
      },
      end: () => {
        done = true;
        wake?.();
      }
    };
    const current = this.currentUpdate();
    if (current !== void 0)
      pending = { value: current };
    if (!done)
      this.#iterators.add(sink);
    const iterators = this.#iterators;
    const iterator = {
      async next() {
        while (pending === void 0 && !done) {
          await new Promise((resolve) => {
            wake = resolve;
          });
          wake = void 0;
        }
        if (pending !== void 0) {
          const { value } = pending;
          pending = void 0;
          return { value, done: false };
        }
        return { value: void 0, done: true };
      },
      async return() {
        done = true;
        pending = void 0;
        iterators.delete(sink);
        wake?.();
        return { value: void 0, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      }
    };
    return iterator;
  }
  /** Ends every iterator and removes listeners; subclasses stop their streams first. */
  finishClose() {
    this.setState("closed");
    this.#state = "closed";
    this.#connected = false;
    for (const it of this.#iterators)
      it.end();
    this.#iterators.clear();
    this.emitSafely("close");
    this.removeAllListeners();
  }
};

// dist/workloadapi/bundle-source.js
var BundleSource = class _BundleSource extends SourceBase {
  #x509;
  #jwt;
  constructor(options) {
    super(options);
  }
  /**
   * Connects and resolves once both the X.509 and the JWT bundles have arrived.
   *
   * @example
   * ```ts
   * const bundles = await BundleSource.create({ address: 'unix:///run/spire/agent.sock' });
   * ```
   */
  static async create(options = {}) {
    const source = new _BundleSource(options);
    const onError = (err, fatal) => source.onStreamError(err, fatal);
    source.watches.push(source.client.watchX509Bundles({ onUpdate: (set) => source.#onX509(set), onError }), source.client.watchJwtBundles({ onUpdate: (set) => source.#onJwt(set), onError }));
    await source.waitForReady(options, "the X.509 and JWT bundles");
    return source;
  }
  #onX509(set) {
    const changes = diffBundleSets(this.#x509, set);
    const first = this.#x509 === void 0;
    this.#x509 = set;
    this.#updated(first || changes !== void 0);
    if (changes !== void 0)
      this.emitSafely("x509-bundles", changes);
  }
  #onJwt(set) {
    const changes = diffBundleSets(this.#jwt, set);
    const first = this.#jwt === void 0;
    this.#jwt = set;
    this.#updated(first || changes !== void 0);
    if (changes !== void 0)
      this.emitSafely("jwt-bundles", changes);
  }
  #updated(changed) {
    this.recordUpdate();
    if (this.#x509 === void 0 || this.#jwt === void 0)
      return;
    this.setState("ready");
    if (changed) {
      const update = this.currentUpdate();
      this.emitSafely("update", update);
      this.pushUpdate(update);
    }
  }
  /**
   * The X.509 bundle of `trustDomain`, if trusted.
   *
   * @example
   * ```ts
   * const bundle = bundleSource.getX509BundleForTrustDomain(TrustDomain.parse('example.org'));
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    return this.closed ? void 0 : this.#x509?.get(trustDomain);
  }
  /**
   * The JWT bundle of `trustDomain`, if trusted.
   *
   * @example
   * ```ts
   * const bundle = bundleSource.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'));
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    return this.closed ? void 0 : this.#jwt?.get(trustDomain);
  }
  /** The X.509 bundles currently held. */
  get x509Bundles() {
    return this.#x509 ?? new X509BundleSet();
  }
  /** The JWT bundles currently held. */
  get jwtBundles() {
    return this.#jwt ?? new JwtBundleSet();
  }
  currentUpdate() {
    if (this.#x509 === void 0 || this.#jwt === void 0)
      return void 0;
    return { x509: this.#x509, jwt: this.#jwt };
  }
  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * console.log(bundles.health().bundleCount);
   * ```
   */
  health() {
    return this.healthSnapshot({
      // Like an X509Source: while stale it still serves its last bundles.
      ready: !this.closed && this.#x509 !== void 0 && this.#jwt !== void 0 && this.state !== "connecting",
      svidExpiresInSeconds: void 0,
      spiffeId: void 0,
      bundleCount: (this.#x509?.size ?? 0) + (this.#jwt?.size ?? 0)
    });
  }
};

// dist/workloadapi/jwt-cache.js
var DEFAULT_MAX_ENTRIES = 1e3;
function staleTimeOf(svid, fetchedAt) {
  const exp = svid.expiresAt.getTime();
  const iat = svid.issuedAt?.getTime();
  if (iat !== void 0 && exp > iat) {
    const half = iat + (exp - iat) / 2;
    if (half > fetchedAt)
      return half;
  }
  const remaining = exp - fetchedAt;
  return remaining <= 0 ? fetchedAt : fetchedAt + remaining / 4;
}
function badRequest(message) {
  return new WorkloadApiError("ERR_BAD_REQUEST", message);
}
function audiencesOf(request) {
  if (request === null || typeof request !== "object")
    throw badRequest("the JWT-SVID request must be an object with an audience");
  const { audience, extraAudiences } = request;
  const list2 = typeof audience === "string" ? [audience] : Array.isArray(audience) ? [...audience] : [];
  if (extraAudiences !== void 0) {
    if (!Array.isArray(extraAudiences))
      throw badRequest("extraAudiences must be an array of strings");
    list2.push(...extraAudiences);
  }
  if (list2.length === 0)
    throw badRequest("a JWT-SVID needs at least one audience");
  for (const a of list2)
    if (typeof a !== "string" || a === "")
      throw badRequest(`every audience must be a non-empty string, got ${JSON.stringify(a)}`);
  return [...new Set(list2)].sort();
}
function subjectOf(request) {
  const s = request.subject ?? request.spiffeId;
  if (s === void 0)
    return void 0;
  if (typeof s !== "string" && (typeof s !== "object" || s === null))
    throw badRequest("subject must be a SPIFFE ID");
  const text = String(s);
  return text === "" ? void 0 : text;
}
var JwtSvidCache = class {
  #simple = /* @__PURE__ */ new Map();
  #general = /* @__PURE__ */ new Map();
  #max;
  #refreshAhead;
  #now;
  #fetcher;
  #onBackgroundError;
  #tick = 0;
  #closed = false;
  constructor(fetcher, options = {}, onBackgroundError = () => {
  }) {
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 1)
      throw badRequest(`cache.maxEntries must be a positive integer, got ${String(max)}`);
    this.#max = max;
    this.#refreshAhead = options.refreshAhead === true;
    this.#now = options.now ?? Date.now;
    this.#fetcher = fetcher;
    this.#onBackgroundError = onBackgroundError;
  }
  /** Number of cached keys. */
  get size() {
    return this.#simple.size + this.#general.size;
  }
  /** A fresh cached SVID for the simplest request shape (`{ audience: 'x' }`), else `undefined`. */
  peek(request) {
    const audience = request.audience;
    if (typeof audience !== "string" || request.extraAudiences !== void 0 || request.subject !== void 0 || request.spiffeId !== void 0 || request.hint !== void 0) {
      return void 0;
    }
    const entry = this.#simple.get(audience);
    if (entry === void 0 || entry.svids === void 0)
      return void 0;
    const now = this.#now();
    if (now >= entry.staleAt)
      return void 0;
    entry.used = true;
    entry.tick = ++this.#tick;
    return entry.svids[0];
  }
  /** SVIDs for `request` (`all`: every identity, else the one picked by hint or the first), cached. */
  async fetch(request, all, wait) {
    const audience = audiencesOf(request);
    const subject = subjectOf(request);
    const hint = request.hint;
    if (hint !== void 0 && typeof hint !== "string")
      throw badRequest("hint must be a string");
    const simple = !all && subject === void 0 && hint === void 0 && audience.length === 1;
    const key = simple ? audience[0] : JSON.stringify([all ? 1 : 0, subject ?? null, hint ?? null, audience]);
    const map = simple ? this.#simple : this.#general;
    let entry = map.get(key);
    const now = this.#now();
    if (entry !== void 0) {
      entry.tick = ++this.#tick;
      if (entry.svids !== void 0 && now < entry.staleAt) {
        entry.used = true;
        return entry.svids;
      }
      if (entry.inflight !== void 0)
        return wait(entry.inflight);
    } else {
      entry = {
        key,
        simple,
        subject,
        audience,
        hint,
        all,
        svids: void 0,
        subjects: [],
        fetchedAt: 0,
        staleAt: 0,
        used: false,
        tick: ++this.#tick,
        inflight: void 0,
        timer: void 0
      };
      map.set(key, entry);
      this.#trim();
    }
    return wait(this.#load(entry));
  }
  /** Starts the agent call of `entry` (single-flight) and stores its result. */
  #load(entry) {
    if (entry.inflight !== void 0)
      return entry.inflight;
    const promise = this.#fetcher(entry.subject, entry.audience).then((svids) => {
      entry.inflight = void 0;
      const picked = entry.all ? svids : [pick(svids, entry.hint)];
      if (entry.subject === void 0)
        this.#keepOnly(new Set(svids.map((s) => s.id.toString())), entry);
      if (this.#closed || this.#entry(entry) !== entry)
        return picked;
      const fetchedAt = this.#now();
      entry.svids = picked;
      entry.subjects = picked.map((s) => s.id.toString());
      entry.fetchedAt = fetchedAt;
      entry.used = false;
      entry.staleAt = Math.min(...picked.map((s) => staleTimeOf(s, fetchedAt)));
      this.#schedule(entry);
      return picked;
    }, (err) => {
      entry.inflight = void 0;
      if (err instanceof WorkloadApiError && err.code === "ERR_NOT_REGISTERED") {
        if (entry.subject === void 0)
          this.clear();
        else
          this.evictSubject(entry.subject);
      } else if (entry.svids === void 0 && this.#entry(entry) === entry) {
        this.#delete(entry);
      }
      throw err;
    });
    promise.catch(() => {
    });
    entry.inflight = promise;
    return promise;
  }
  #schedule(entry) {
    if (entry.timer !== void 0)
      clearTimeout(entry.timer);
    entry.timer = void 0;
    if (!this.#refreshAhead || this.#closed)
      return;
    const at2 = entry.fetchedAt + (entry.staleAt - entry.fetchedAt) * 0.9;
    const delay = Math.max(0, at2 - this.#now());
    entry.timer = setTimeout(() => {
      entry.timer = void 0;
      if (this.#closed || this.#entry(entry) !== entry)
        return;
      if (!entry.used)
        return;
      this.#load(entry).catch((err) => this.#onBackgroundError(err));
    }, delay);
    entry.timer.unref();
  }
  #entry(entry) {
    return (entry.simple ? this.#simple : this.#general).get(entry.key);
  }
  #delete(entry) {
    if (entry.timer !== void 0)
      clearTimeout(entry.timer);
    entry.timer = void 0;
    (entry.simple ? this.#simple : this.#general).delete(entry.key);
  }
  /** Drops the least recently used keys past the bound (never one with a call in flight, if avoidable). */
  #trim() {
    while (this.size > this.#max) {
      let victim;
      for (const map of [this.#simple, this.#general]) {
        for (const e of map.values()) {
          if (e.inflight !== void 0)
            continue;
          if (victim === void 0 || e.tick < victim.tick)
            victim = e;
        }
      }
      if (victim === void 0) {
        for (const map of [this.#simple, this.#general]) {
          for (const e of map.values())
            if (victim === void 0 || e.tick < victim.tick)
              victim = e;
        }
      }
      if (victim === void 0)
        return;
      this.#delete(victim);
    }
  }
  /** Evicts every key for `subject` (requested or returned). Returns how many. */
  evictSubject(subject) {
    let n = 0;
    for (const map of [this.#simple, this.#general]) {
      for (const e of [...map.values()]) {
        if (e.subject === subject || e.subjects.includes(subject)) {
          this.#delete(e);
          n++;
        }
      }
    }
    return n;
  }
  /** Evicts keys whose tokens name a subject the workload no longer has. */
  #keepOnly(subjects, except) {
    for (const map of [this.#simple, this.#general]) {
      for (const e of [...map.values()]) {
        if (e === except)
          continue;
        if (e.subject !== void 0 && !subjects.has(e.subject) || e.subjects.some((s) => !subjects.has(s)))
          this.#delete(e);
      }
    }
  }
  /** Forgets everything (calls in flight still answer their callers). */
  clear() {
    for (const map of [this.#simple, this.#general]) {
      for (const e of map.values())
        if (e.timer !== void 0)
          clearTimeout(e.timer);
      map.clear();
    }
  }
  /** Clears and stops refreshing. */
  close() {
    this.#closed = true;
    this.clear();
  }
};
function pick(svids, hint) {
  if (hint === void 0)
    return svids[0];
  const match = svids.find((s) => s.hint === hint);
  if (match === void 0)
    throw new WorkloadApiError("ERR_NO_SVID", `the Workload API returned no JWT-SVID with hint ${JSON.stringify(hint)}`, { rpc: "FetchJWTSVID" });
  return match;
}

// dist/workloadapi/jwt-source.js
var JwtSource = class _JwtSource extends SourceBase {
  #bundles;
  #cache;
  constructor(options) {
    super(options);
    const cache = options.cache ?? true;
    this.#cache = cache === false ? void 0 : new JwtSvidCache((subject, audience) => this.client.fetchJwtSvids({ audience, spiffeId: subject }), cache === true ? {} : cache, (err) => log(this.logger, "warn", "background JWT-SVID refresh failed", { error: String(err) }));
  }
  /**
   * Connects and resolves once the first JWT bundles arrive; rejects on timeout (default 30 s),
   * abort or a fatal error.
   *
   * @example
   * ```ts
   * const jwtSource = await JwtSource.create({ timeoutMs: 10_000 });
   * ```
   */
  static async create(options = {}) {
    const source = new _JwtSource(options);
    source.watches.push(source.client.watchJwtBundles({
      onUpdate: (set) => source.#onBundles(set),
      onError: (err, fatal) => source.#onError(err, fatal)
    }));
    await source.waitForReady(options, "the JWT bundles");
    return source;
  }
  #onBundles(set) {
    const changes = diffBundleSets(this.#bundles, set);
    const first = this.#bundles === void 0;
    this.#bundles = set;
    this.recordUpdate();
    this.setState("ready");
    if (changes !== void 0)
      this.emitSafely("bundles", changes);
    if (changes !== void 0 || first) {
      this.emitSafely("update", set);
      this.pushUpdate(set);
    }
  }
  #onError(err, fatal) {
    this.recordError(err);
    if (err.code === "ERR_NOT_REGISTERED")
      this.#cache?.clear();
    if (err.code !== "ERR_MALFORMED_RESPONSE" && err.code !== "ERR_RESOURCE_LIMIT") {
      this.setConnected(false);
      if (this.state === "ready")
        this.setState("stale");
    }
    this.emitError(err);
    if (fatal)
      this.failReady(err);
  }
  /**
   * A JWT-SVID for `audience` (plus `extraAudiences`), of `subject` (default: the workload's
   * default identity) or with `hint`. Served from the cache while the token is younger than half
   * its lifetime; concurrent callers for one key share one agent call; a failure is not cached.
   * With `cache: false`, every call asks the agent.
   *
   * A caller's `signal` / `timeoutMs` bound that caller's wait; the shared agent call itself runs
   * with the source's deadline (`callTimeoutMs`, default 10 s).
   *
   * @throws {@link WorkloadApiError} `ERR_BAD_REQUEST` (no or empty audience), `ERR_NOT_REGISTERED`
   * (the identity was removed: its cached tokens are evicted), `ERR_NO_SVID` (no SVID with `hint`), …
   * @example
   * ```ts
   * const { token } = await jwtSource.fetchJwtSvid({ audience: 'sts.amazonaws.com' });
   * const svid = await jwtSource.fetchJwtSvid({ audience: ['vault', 'backup'], subject: 'spiffe://example.org/batch' });
   * ```
   */
  async fetchJwtSvid(params, options = {}) {
    this.assertOpen();
    const cache = this.#cache;
    if (cache === void 0)
      return this.client.fetchJwtSvid(uncachedParams(params), options);
    const hit = cache.peek(params);
    if (hit !== void 0)
      return hit;
    return (await cache.fetch(params, false, (p) => this.#wait(p, options)))[0];
  }
  /**
   * JWT-SVIDs for `audience` for every identity of the workload (or only `subject`), cached like
   * {@link JwtSource.fetchJwtSvid}.
   *
   * @example
   * ```ts
   * const all = await jwtSource.fetchJwtSvids({ audience: 'my-api' });
   * ```
   */
  async fetchJwtSvids(params, options = {}) {
    this.assertOpen();
    const cache = this.#cache;
    if (cache === void 0)
      return this.client.fetchJwtSvids(uncachedParams(params), options);
    return (await cache.fetch(params, true, (p) => this.#wait(p, options))).slice();
  }
  /**
   * Forgets every cached JWT-SVID (e.g. after learning out of band that an identity was removed).
   *
   * @example
   * ```ts
   * x509Source.on('svid', () => jwtSource.clearCache());
   * ```
   */
  clearCache() {
    this.#cache?.clear();
  }
  /** Number of keys in the JWT-SVID cache (0 when it is off). */
  get cacheSize() {
    return this.#cache?.size ?? 0;
  }
  /**
   * Validates a JWT-SVID presented by a peer, for `audience`, and returns it read.
   *
   * - Local (default): {@link JwtSvid.parseAndValidate} against this source's JWT bundles. No
   *   round trip; accepts several audiences; needs the bundle of the token's trust domain
   *   (federated ones included).
   * - `remote: true`: the agent's ValidateJWTSVID decides (one RPC per token, one audience). The
   *   token is first read locally (structure, claims, expiry, audience) so that the same
   *   {@link JwtSvidError} codes come out; what the agent rejects after that becomes
   *   `ERR_JWT_NO_BUNDLE`, `ERR_JWT_UNKNOWN_KID` or `ERR_JWT_SIGNATURE` (cause: the agent's error).
   *   Agent failures (unreachable, timeout) stay {@link WorkloadApiError}s.
   *
   * @throws {@link JwtSvidError} when the token is not acceptable.
   * @example
   * ```ts
   * const caller = await jwtSource.validateJwtSvid(token, 'my-api');
   * const same = await jwtSource.validateJwtSvid(token, 'my-api', { remote: true });
   * ```
   */
  async validateJwtSvid(token, audience, options = {}) {
    this.assertOpen();
    const { remote, signal, timeoutMs, ...jwtOptions } = options;
    if (remote !== true)
      return JwtSvid.parseAndValidate(token, this, audience, jwtOptions);
    const list2 = typeof audience === "string" ? [audience] : audience;
    if (Array.isArray(list2) && list2.length > 1) {
      throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", `Remote validation takes exactly one audience (ValidateJWTSVID), got ${list2.length}`, { expectedAudience: list2 });
    }
    const read = JwtSvid.parseInsecure(token, audience, jwtOptions);
    const callOptions = { ...signal === void 0 ? {} : { signal }, ...timeoutMs === void 0 ? {} : { timeoutMs } };
    try {
      return await this.client.validateJwtSvid(token, list2[0], callOptions);
    } catch (err) {
      if (err instanceof WorkloadApiError && err.code === "ERR_TOKEN_REJECTED") {
        const subject = read.id.toString();
        const detail = err.details ?? err.message;
        throw new JwtSvidError(remoteCode(detail), `The Workload API rejected the JWT-SVID of ${subject}: ${detail}`, {
          subject,
          trustDomain: read.id.trustDomain.name,
          cause: err
        });
      }
      throw err;
    }
  }
  /** Waits for a shared call, honouring this caller's signal and timeout only. */
  #wait(shared, options) {
    const { signal, timeoutMs } = options;
    if (signal === void 0 && timeoutMs === void 0)
      return shared;
    return new Promise((resolve, reject) => {
      let timer;
      const done = () => {
        if (timer !== void 0)
          clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        reject(new WorkloadApiError("ERR_ABORTED", `Aborted while waiting for a JWT-SVID from the Workload API at ${this.address}`, { address: this.address, cause: signal?.reason }));
      };
      if (signal?.aborted)
        return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== void 0) {
        timer = setTimeout(() => {
          done();
          reject(new WorkloadApiError("ERR_TIMEOUT", `Timed out after ${timeoutMs} ms waiting for a JWT-SVID from the Workload API at ${this.address}`, { address: this.address }));
        }, timeoutMs);
      }
      shared.then((v) => {
        done();
        resolve(v);
      }, (e) => {
        done();
        reject(e);
      });
    });
  }
  async close() {
    this.#cache?.close();
    await super.close();
  }
  /**
   * The JWT bundle of `trustDomain`, if the workload trusts it.
   *
   * @example
   * ```ts
   * const keys = jwtSource.getJwtBundleForTrustDomain(TrustDomain.parse('example.org'))?.jwtAuthorities;
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain) {
    if (this.closed)
      return void 0;
    return this.#bundles?.get(trustDomain);
  }
  /** All JWT bundles currently held. */
  get bundles() {
    return this.#bundles ?? new JwtBundleSet();
  }
  currentUpdate() {
    return this.#bundles;
  }
  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * console.log(jwtSource.health().bundleCount);
   * ```
   */
  health() {
    return this.healthSnapshot({
      // Like an X509Source: while stale it still validates with its last bundles (and serves cached tokens).
      ready: !this.closed && this.#bundles !== void 0 && this.state !== "connecting",
      svidExpiresInSeconds: void 0,
      spiffeId: void 0,
      bundleCount: this.#bundles?.size ?? 0
    });
  }
};
function uncachedParams(params) {
  if (params === null || typeof params !== "object")
    throw new WorkloadApiError("ERR_BAD_REQUEST", "the JWT-SVID request must be an object with an audience");
  const audience = typeof params.audience === "string" ? [params.audience] : [...params.audience ?? []];
  if (params.extraAudiences !== void 0)
    audience.push(...params.extraAudiences);
  const subject = params.subject ?? params.spiffeId;
  return {
    audience: [...new Set(audience)],
    ...subject === void 0 ? {} : { spiffeId: String(subject) },
    ...params.hint === void 0 ? {} : { hint: params.hint }
  };
}
function remoteCode(detail) {
  if (/no keys found for trust domain|no bundle/i.test(detail))
    return "ERR_JWT_NO_BUNDLE";
  if (/no key found|no JWT authority|key id|kid|public key .* not found/i.test(detail))
    return "ERR_JWT_UNKNOWN_KID";
  if (/expired/i.test(detail))
    return "ERR_JWT_EXPIRED";
  if (/audience/i.test(detail))
    return "ERR_JWT_AUDIENCE";
  return "ERR_JWT_SIGNATURE";
}

// dist/workloadapi/x509-source.js
function makePicker(picker) {
  if (picker === void 0)
    return (svids) => svids[0];
  if (typeof picker === "function")
    return picker;
  if ("hint" in picker)
    return (svids) => svids.find((s) => s.hint === picker.hint);
  const id = SpiffeId.from(picker.id);
  return (svids) => svids.find((s) => s.id.equals(id));
}
function describePicker(picker) {
  if (picker === void 0)
    return "an X.509-SVID";
  if (typeof picker === "function")
    return "an X.509-SVID accepted by the picker";
  if ("hint" in picker)
    return `an X.509-SVID with hint ${JSON.stringify(picker.hint)}`;
  return `the X.509-SVID of ${String(picker.id)}`;
}
var X509Source = class _X509Source extends SourceBase {
  #context;
  #svid;
  #redactedAt;
  #pick;
  #redaction;
  #what;
  constructor(options) {
    super(options);
    this.#pick = makePicker(options.picker);
    this.#redaction = options.redaction ?? "keep-until-expiry";
    this.#what = describePicker(options.picker);
  }
  /**
   * Connects to the Workload API and resolves once the first X.509-SVID arrives; rejects on
   * timeout (default 30 s), abort, or a fatal error, with a message naming the socket and what
   * was missing.
   *
   * @example
   * ```ts
   * const source = await X509Source.create({ address: 'unix:///run/spire/agent.sock', picker: { hint: 'internal' } });
   * ```
   */
  static async create(options = {}) {
    const source = new _X509Source(options);
    source.watches.push(source.client.watchX509Context({
      onUpdate: (ctx) => source.#onContext(ctx),
      onError: (err, fatal) => source.#onError(err, fatal)
    }));
    await source.waitForReady(options, source.#what);
    return source;
  }
  #onContext(ctx) {
    const picked = this.#pick(ctx.svids);
    const previousBundles = this.#context?.bundles;
    this.#context = ctx;
    this.recordUpdate();
    const bundleChanges = diffBundleSets(previousBundles, ctx.bundles);
    let changed = bundleChanges !== void 0;
    if (picked === void 0) {
      this.#redact(`the agent no longer lists ${this.#what}`);
    } else {
      this.#redactedAt = void 0;
      const previous = this.#svid;
      if (previous === void 0 || !previous.equals(picked)) {
        this.#svid = picked;
        changed = true;
        log(this.logger, "info", `X.509-SVID ${previous === void 0 ? "received" : "rotated"}`, {
          id: picked.id.toString(),
          expiresAt: picked.expiresAt.toISOString()
        });
        this.emitSafely("svid", { previous, current: picked });
      }
      this.setState("ready");
    }
    if (bundleChanges !== void 0)
      this.emitSafely("bundles", bundleChanges);
    if (changed) {
      this.emitSafely("update", ctx);
      this.pushUpdate(ctx);
    }
  }
  #redact(reason) {
    if (this.#svid === void 0)
      return;
    if (this.#redactedAt === void 0) {
      this.#redactedAt = /* @__PURE__ */ new Date();
      log(this.logger, "warn", `identity withdrawn: ${reason}`, { policy: this.#redaction });
      if (this.#redaction === "drop")
        this.#svid = void 0;
      this.setState("stale");
      this.emitSafely("redacted", { reason, policy: this.#redaction });
    }
  }
  #onError(err, fatal) {
    this.recordError(err);
    if (err.code === "ERR_MALFORMED_RESPONSE" || err.code === "ERR_RESOURCE_LIMIT") {
      this.emitError(err);
      return;
    }
    this.setConnected(false);
    if (err.code === "ERR_NOT_REGISTERED")
      this.#redact(err.message);
    else if (this.state === "ready")
      this.setState("stale");
    this.emitError(err);
    if (fatal)
      this.failReady(err);
  }
  /**
   * The X.509-SVID currently served.
   *
   * @throws {@link WorkloadApiError} `ERR_CLOSED`, `ERR_NO_SVID` (withdrawn under the `drop`
   * policy), or `ERR_SVID_EXPIRED` (not renewed before it expired).
   * @example
   * ```ts
   * const { id, certificates, privateKey } = source.getX509Svid();
   * ```
   */
  getX509Svid() {
    this.assertOpen();
    const svid = this.#svid;
    if (svid === void 0) {
      throw new WorkloadApiError("ERR_NO_SVID", `No X.509-SVID to serve: ${this.#redactedAt ? "the agent withdrew it" : "none received yet"} (${this.address})`, {
        address: this.address
      });
    }
    if (Date.now() > svid.expiresAt.getTime()) {
      throw new WorkloadApiError("ERR_SVID_EXPIRED", `The X.509-SVID of ${svid.id} expired at ${svid.expiresAt.toISOString()} and was not renewed (${this.address})`, {
        address: this.address
      });
    }
    return svid;
  }
  /**
   * Every X.509-SVID of the last update (after hint de-duplication).
   *
   * @example
   * ```ts
   * for (const svid of source.getX509Svids()) console.log(svid.id.toString(), svid.hint);
   * ```
   */
  getX509Svids() {
    this.assertOpen();
    return this.#context?.svids ?? [];
  }
  /**
   * The X.509 bundle of `trustDomain`, if the workload trusts it.
   *
   * @example
   * ```ts
   * const roots = x509Source.getX509BundleForTrustDomain(TrustDomain.parse('example.org'))?.x509Authorities;
   * ```
   */
  getX509BundleForTrustDomain(trustDomain) {
    if (this.closed)
      return void 0;
    return this.#context?.bundles.get(trustDomain);
  }
  /** All X.509 bundles currently held. */
  get bundles() {
    return this.#context?.bundles ?? new X509BundleSet();
  }
  currentUpdate() {
    return this.#context;
  }
  /**
   * A health snapshot for probes and metrics.
   *
   * @example
   * ```ts
   * const { ready, svidExpiresInSeconds } = source.health();
   * ```
   */
  health() {
    const svid = this.#svid;
    const expiresIn = svid === void 0 ? void 0 : Math.floor((svid.expiresAt.getTime() - Date.now()) / 1e3);
    const ready = !this.closed && svid !== void 0 && expiresIn !== void 0 && expiresIn > 0 && this.state !== "connecting";
    return this.healthSnapshot({
      ready,
      svidExpiresInSeconds: expiresIn,
      spiffeId: svid?.id.toString(),
      bundleCount: this.#context?.bundles.size ?? 0
    });
  }
  on(event, listener) {
    return super.on(event, listener);
  }
};

// dist/jwt/bearer.js
import { createRequire as createRequire2 } from "node:module";

// dist/jwt/bearer-error.js
var BearerAuthError = class extends SpiffeError {
  /** 401 (no acceptable token) or 403 (valid token, subject not authorized). */
  status;
  /** The `WWW-Authenticate` header value to send, e.g. `Bearer error="invalid_token"`. */
  wwwAuthenticate;
  /** The subject of the token, once validated (for 403). */
  subject;
  constructor(code, message, context = {}) {
    super(code, message, context.cause === void 0 ? void 0 : { cause: context.cause });
    this.status = code === "ERR_BEARER_FORBIDDEN" ? 403 : 401;
    this.subject = context.subject;
    const params = [];
    if (context.realm !== void 0)
      params.push(`realm="${quotable(context.realm)}"`);
    if (code === "ERR_BEARER_FORBIDDEN")
      params.push('error="insufficient_scope"');
    else if (code !== "ERR_BEARER_MISSING" && code !== "ERR_BEARER_SCHEME")
      params.push('error="invalid_token"');
    if (context.description !== void 0 && params.length > (context.realm === void 0 ? 0 : 1))
      params.push(`error_description="${quotable(context.description)}"`);
    this.wwwAuthenticate = params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
  }
  /**
   * The response headers to send with {@link BearerAuthError.status}.
   *
   * @example
   * ```ts
   * res.writeHead(err.status, err.headers).end();
   * ```
   */
  get headers() {
    return { "www-authenticate": this.wwwAuthenticate };
  }
};
function quotable(text) {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "");
}

// dist/jwt/bearer.js
var TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
function tokenOf(svid) {
  const token = typeof svid === "string" ? svid : svid instanceof JwtSvid ? svid.token : void 0;
  if (token === void 0 || !TOKEN68.test(token)) {
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "A bearer token must be a JwtSvid or a non-empty token68 string (a compact JWS)");
  }
  return token;
}
function bearerHeader(svid) {
  return { authorization: `Bearer ${tokenOf(svid)}` };
}
var grpcMetadata;
function grpcBearerMetadata(svid) {
  const value = `Bearer ${tokenOf(svid)}`;
  grpcMetadata ??= createRequire2(import.meta.url)("@grpc/grpc-js").Metadata;
  const metadata = new grpcMetadata();
  metadata.set("authorization", value);
  return metadata;
}
function authorizationValues(input) {
  if (input === null || typeof input !== "object")
    return [];
  const o = input;
  if (typeof o.getMap === "function" && typeof o.get === "function")
    return o.get("authorization") ?? [];
  const metadata = o.metadata;
  if (metadata !== null && typeof metadata === "object" && typeof metadata.getMap === "function")
    return authorizationValues(metadata);
  if (Array.isArray(o.rawHeaders)) {
    const raw = o.rawHeaders;
    const out2 = [];
    for (let i = 0; i + 1 < raw.length; i += 2)
      if (typeof raw[i] === "string" && raw[i].toLowerCase() === "authorization")
        out2.push(raw[i + 1]);
    return out2;
  }
  if (typeof o.get === "function") {
    const v = o.get("authorization");
    return v === null || v === void 0 ? [] : [v];
  }
  if (o.headers !== null && typeof o.headers === "object")
    return authorizationValues(o.headers);
  const out = [];
  for (const key of Object.keys(o)) {
    if (key.toLowerCase() !== "authorization")
      continue;
    const v = o[key];
    if (Array.isArray(v))
      out.push(...v);
    else if (v !== void 0)
      out.push(v);
  }
  return out;
}
function extractBearerToken(input, options = {}) {
  const realm = options.realm;
  const values = authorizationValues(input);
  if (values.length === 0)
    return void 0;
  if (values.length > 1)
    throw new BearerAuthError("ERR_BEARER_MULTIPLE", `The request has ${values.length} Authorization headers; exactly one is allowed`, { realm, description: "Multiple Authorization headers" });
  const value = values[0];
  if (typeof value !== "string")
    throw new BearerAuthError("ERR_BEARER_MALFORMED", "The Authorization header is not text", { realm, description: "Malformed Authorization header" });
  const space = value.indexOf(" ");
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") {
    throw new BearerAuthError("ERR_BEARER_SCHEME", `The Authorization header does not use the Bearer scheme`, { realm });
  }
  const token = space === -1 ? "" : value.slice(space + 1);
  if (!TOKEN68.test(token)) {
    throw new BearerAuthError("ERR_BEARER_MALFORMED", token === "" ? "The Bearer token is empty" : 'The Authorization header is not "Bearer" + one space + a token68 token', {
      realm,
      description: "Malformed bearer token"
    });
  }
  return token;
}
function authenticateBearer(source, options) {
  if (options === null || typeof options !== "object")
    throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "authenticateBearer needs options with an audience");
  const audience = typeof options.audience === "string" ? [options.audience] : [...options.audience ?? []];
  if (audience.length === 0)
    throw new JwtSvidError("ERR_JWT_AUDIENCE_EMPTY_EXPECTED", "authenticateBearer needs at least one audience");
  for (const a of audience)
    if (typeof a !== "string" || a === "")
      throw new JwtSvidError("ERR_JWT_INVALID_ARGUMENT", "Every audience must be a non-empty string");
  const { authorize: authorize2, realm, leewaySeconds } = options;
  const jwtOptions = leewaySeconds === void 0 ? void 0 : { leewaySeconds };
  return async (input) => {
    const token = extractBearerToken(input, { realm });
    if (token === void 0)
      throw new BearerAuthError("ERR_BEARER_MISSING", "The request has no Authorization header", { realm });
    let svid;
    try {
      svid = await JwtSvid.parseAndValidate(token, source, audience, jwtOptions);
    } catch (err) {
      if (!(err instanceof JwtSvidError))
        throw err;
      throw new BearerAuthError("ERR_BEARER_INVALID", `The bearer token is not a valid JWT-SVID: ${err.message}`, {
        realm,
        subject: err.subject,
        description: err.code === "ERR_JWT_EXPIRED" ? "The token expired" : "The token is invalid",
        cause: err
      });
    }
    if (authorize2 !== void 0 && !authorize2(svid.id)) {
      throw new BearerAuthError("ERR_BEARER_FORBIDDEN", `${svid.id} is not authorized`, { realm, subject: svid.id.toString() });
    }
    return svid;
  };
}

// dist/jwt/oidc.js
var EC_ALGS = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };
function toOidcJwks(bundle) {
  const keys = [];
  for (const jwk of bundle.toJwks().keys) {
    const { use: _use, alg: _alg, ...rest } = jwk;
    const alg = jwk.kty === "EC" ? EC_ALGS[jwk.crv ?? ""] : jwk.kty === "RSA" ? "RS256" : void 0;
    keys.push({ ...rest, use: "sig", ...alg === void 0 ? {} : { alg } });
  }
  return { keys };
}
function jwksForTrustDomain(source, trustDomain) {
  const bundle = source.getJwtBundleForTrustDomain(TrustDomain.from(trustDomain));
  return bundle === void 0 ? void 0 : toOidcJwks(bundle);
}

// dist/tls/errors.js
var TlsError = class extends SpiffeError {
  constructor(code, message, options) {
    super(code, message, options);
  }
};
var AuthorizationError = class extends TlsError {
  /** The verified SPIFFE ID of the refused peer. */
  peerId;
  /** A description of the rule the peer failed, e.g. `id is spiffe://example.org/db`. */
  rule;
  constructor(peerId, rule) {
    super("ERR_TLS_UNAUTHORIZED", `Peer ${peerId.toString()} is not authorized: expected ${rule}`);
    this.peerId = peerId;
    this.rule = rule;
  }
};

// dist/tls/authorizer.js
function authorizeAny() {
  return () => {
  };
}
function authorizeId(expected) {
  const want = SpiffeId.from(expected).toString();
  const rule = `id ${want}`;
  return (id) => {
    if (id.toString() !== want)
      throw new AuthorizationError(id, rule);
  };
}
function authorizeOneOf(...expected) {
  const set = new Set(expected.map((e) => SpiffeId.from(e).toString()));
  const rule = `one of ${[...set].join(", ") || "(none)"}`;
  return (id) => {
    if (!set.has(id.toString()))
      throw new AuthorizationError(id, rule);
  };
}
function authorizeMemberOf(trustDomain) {
  const td = TrustDomain.from(trustDomain);
  const rule = `a member of trust domain ${td.name}`;
  return (id) => {
    if (id.trustDomain.name !== td.name)
      throw new AuthorizationError(id, rule);
  };
}
function authorizeMatching(predicate, description) {
  const rule = description ?? `an ID accepted by ${predicate.name || "the predicate"}`;
  return (id) => {
    if (!predicate(id))
      throw new AuthorizationError(id, rule);
  };
}

// dist/tls/verify-peer.js
function peerCertificateChain(leaf) {
  const out = [];
  let current = leaf;
  while (current && current.raw !== void 0 && out.length <= MAX_PEER_CHAIN_LENGTH) {
    out.push(current.raw);
    const next = current.issuerCertificate;
    if (next === void 0 || next === current || next.raw === void 0 || next.raw.equals(current.raw))
      break;
    current = next;
  }
  return out;
}
var verdicts = new Lru(1024);
function cached(leaf, bundles, now) {
  const hit = verdicts.get(leaf.toString("latin1"));
  if (hit === void 0)
    return void 0;
  if (now < hit.notBefore || now > hit.notAfter || bundles.getX509BundleForTrustDomain(hit.id.trustDomain)?.x509AuthoritiesDer !== hit.authorities) {
    return void 0;
  }
  return hit;
}
function verifyAndRemember(chain, bundles, now) {
  let verified;
  try {
    verified = verifyX509Svid(chain, bundles, { now: new Date(now) });
  } catch (err) {
    const why = err instanceof X509SvidError ? err.message : String(err);
    throw new TlsError("ERR_TLS_PEER_VERIFICATION", `The peer's X.509-SVID is not valid: ${why}`, { cause: err });
  }
  let notBefore = Number.NEGATIVE_INFINITY;
  let notAfter = Number.POSITIVE_INFINITY;
  for (const der of verified.chain) {
    const c = parseCertificate(der);
    notBefore = Math.max(notBefore, c.notBefore.getTime());
    notAfter = Math.min(notAfter, c.notAfter.getTime());
  }
  const authorities = bundles.getX509BundleForTrustDomain(verified.id.trustDomain)?.x509AuthoritiesDer;
  const verdict = { id: verified.id, chain: verified.chain, authorities: authorities ?? [], notBefore, notAfter };
  if (authorities !== void 0)
    verdicts.set(chain[0].toString("latin1"), verdict);
  return verdict;
}
function authorize(verdict, authorizer) {
  try {
    authorizer(verdict.id, verdict.chain);
  } catch (err) {
    if (err instanceof Error)
      throw err;
    throw new AuthorizationError(verdict.id, String(err));
  }
  return verdict.id;
}
function verifyPeerChain(chain, bundles, authorizer) {
  const leaf = chain[0];
  if (leaf === void 0)
    throw new TlsError("ERR_TLS_NO_PEER_CERTIFICATE", "The peer presented no certificate");
  const now = Date.now();
  return authorize(cached(leaf, bundles, now) ?? verifyAndRemember(chain, bundles, now), authorizer);
}
function verifyTlsPeer(socket, bundles, authorizer) {
  const leaf = socket.getPeerCertificate(false)?.raw;
  if (leaf === void 0) {
    if (socket.isSessionReused()) {
      throw new TlsError("ERR_TLS_SESSION_RESUMED", "The TLS session was resumed and carries no peer certificate to verify");
    }
    throw new TlsError("ERR_TLS_NO_PEER_CERTIFICATE", "The peer presented no certificate");
  }
  const now = Date.now();
  const hit = cached(leaf, bundles, now);
  if (hit !== void 0)
    return authorize(hit, authorizer);
  const chain = peerCertificateChain(socket.getPeerCertificate(true));
  if (chain.length === 0 || !chain[0].equals(leaf))
    chain.unshift(leaf);
  return authorize(verifyAndRemember(chain, bundles, now), authorizer);
}

// dist/tls/peer-identity.js
var PEER_ID = Symbol("spiffe-kit.peerSpiffeId");
var bySocket = /* @__PURE__ */ new WeakMap();
function setPeerSpiffeId(socket, id) {
  bySocket.set(socket, id);
  Object.defineProperty(socket, PEER_ID, { value: id, enumerable: false, configurable: true });
}
function lookup(candidate) {
  if (typeof candidate !== "object" || candidate === null)
    return void 0;
  const direct = bySocket.get(candidate);
  if (direct !== void 0)
    return direct;
  try {
    const viaProxy = candidate[PEER_ID];
    return viaProxy === void 0 ? void 0 : viaProxy;
  } catch {
    return void 0;
  }
}
function peerSpiffeId(from) {
  const seen = /* @__PURE__ */ new Set();
  const queue = [from];
  while (queue.length > 0) {
    const item = queue.shift();
    if (typeof item !== "object" || item === null || seen.has(item))
      continue;
    seen.add(item);
    const id = lookup(item);
    if (id !== void 0)
      return id;
    const o = item;
    for (const key of ["socket", "stream", "session", "call", "nextCall"]) {
      try {
        const next = o[key];
        if (next !== void 0)
          queue.push(next);
      } catch {
      }
    }
    if (seen.size > 16)
      break;
  }
  return void 0;
}

// dist/tls/options.js
import { constants } from "node:crypto";
import { createSecureContext, Server } from "node:tls";

// dist/tls/source.js
var pemByBundle = /* @__PURE__ */ new WeakMap();
function bundlePem(bundle) {
  const key = bundle.x509AuthoritiesDer;
  let pem = pemByBundle.get(key);
  if (pem === void 0) {
    pem = bundle.toPem();
    pemByBundle.set(key, pem);
  }
  return pem;
}
function trustedAuthoritiesPem(source) {
  let list2;
  if (typeof source.bundles === "function") {
    list2 = source.bundles();
  } else if (typeof source.bundles === "object") {
    list2 = source.bundles.bundles();
  } else if (typeof source.x509Bundles === "object") {
    list2 = source.x509Bundles.bundles();
  } else {
    list2 = [source];
  }
  return list2.filter((b) => b.x509AuthoritiesDer.length > 0).map(bundlePem);
}
var pemBySvid = /* @__PURE__ */ new WeakMap();
function svidPem(svid) {
  let pem = pemBySvid.get(svid);
  if (pem === void 0) {
    const m = svid.marshal();
    pem = { cert: m.certificates, key: m.privateKey };
    pemBySvid.set(svid, pem);
  }
  return pem;
}

// dist/tls/options.js
var MIN_VERSION = "TLSv1.2";
var NO_RESUMPTION = constants.SSL_OP_NO_TICKET;
function spiffeCheckServerIdentity(bundles, authorizer, onVerified) {
  return (_hostname, cert) => {
    try {
      const id = verifyPeerChain(peerCertificateChain(cert), bundles, authorizer);
      onVerified?.(id);
      return void 0;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
}
function mtlsServerBase(bundles) {
  return {
    minVersion: MIN_VERSION,
    ca: trustedAuthoritiesPem(bundles),
    requestCert: true,
    rejectUnauthorized: true,
    secureOptions: NO_RESUMPTION
  };
}
var attachedServers = /* @__PURE__ */ new WeakSet();
function markServerAttached(server) {
  attachedServers.add(server);
}
function notAttachedSniCallback(_servername, callback) {
  const server = this?.server;
  if (server instanceof Server && !attachedServers.has(server)) {
    callback(new TlsError("ERR_TLS_SERVER_NOT_ATTACHED", "This server was built from mtlsServerOptions() / mtlsWebServerOptions(), which carry no server certificate and authorize no client: call attachSpiffeAuth(server, source, authorizer) right after creating it"));
    return;
  }
  callback(null);
}
function mtlsServerOptions(source, _authorizer) {
  return { ...mtlsServerBase(source), SNICallback: notAttachedSniCallback };
}
function mtlsServerHelperOptions(bundles) {
  return mtlsServerBase(bundles);
}
function mtlsServerContextOptions(source) {
  const { cert, key } = svidPem(source.getX509Svid());
  return { ...mtlsServerBase(source), cert, key };
}
function tlsServerOptions(source) {
  const { cert, key } = svidPem(source.getX509Svid());
  return { minVersion: MIN_VERSION, cert, key, requestCert: false };
}
function mtlsWebServerOptions(_webCert, source, _authorizer) {
  return { ...mtlsServerBase(source), SNICallback: notAttachedSniCallback };
}
function mtlsWebServerContextOptions(webCert, source) {
  return { ...mtlsServerBase(source), cert: webCert.cert, key: webCert.key };
}
function clientBase(bundles, authorizer, onVerified) {
  return {
    minVersion: MIN_VERSION,
    ca: trustedAuthoritiesPem(bundles),
    rejectUnauthorized: true,
    checkServerIdentity: spiffeCheckServerIdentity(bundles, authorizer, onVerified)
  };
}
function mtlsClientConnectOptions(source, authorizer, onVerified) {
  const { cert, key } = svidPem(source.getX509Svid());
  return { ...clientBase(source, authorizer, onVerified), cert, key };
}
function tlsClientConnectOptions(bundles, authorizer, onVerified) {
  return clientBase(bundles, authorizer, onVerified);
}
var contexts = /* @__PURE__ */ new WeakMap();
var CONTEXT_OPTIONS = [
  "pfx",
  "passphrase",
  "ciphers",
  "ecdhCurve",
  "sigalgs",
  "privateKeyEngine",
  "privateKeyIdentifier",
  "secureProtocol",
  "secureOptions",
  "honorCipherOrder",
  "crl",
  "dhparam",
  "clientCertEngine",
  "sessionIdContext",
  "ticketKeys",
  "sessionTimeout",
  "secureContext"
];
function customizesContext(options) {
  const o = options;
  return CONTEXT_OPTIONS.some((k) => o[k] !== void 0);
}
function clientSecureContext(source, withSvid, maxVersion) {
  const ca = trustedAuthoritiesPem(source);
  const svid = withSvid ? source.getX509Svid() : void 0;
  const key = svid ?? source;
  let byVersion = contexts.get(key);
  if (byVersion === void 0) {
    byVersion = /* @__PURE__ */ new Map();
    contexts.set(key, byVersion);
  }
  const hit = byVersion.get(maxVersion ?? "");
  if (hit !== void 0 && hit.ca.length === ca.length && hit.ca.every((pem, i) => pem === ca[i]))
    return hit.context;
  const options = { minVersion: MIN_VERSION, ca };
  if (maxVersion !== void 0)
    options.maxVersion = maxVersion;
  if (svid !== void 0) {
    const { cert, key: privateKey } = svidPem(svid);
    options.cert = cert;
    options.key = privateKey;
  }
  const context = createSecureContext(options);
  byVersion.set(maxVersion ?? "", { ca, context });
  return context;
}

// dist/tls/agent.js
import { Agent } from "node:https";
import { isIP } from "node:net";
import { connect } from "node:tls";
function openVerified(base, fresh, context) {
  let socket;
  const shared = !customizesContext(base);
  const options = { ...base, ...fresh((id) => setPeerSpiffeId(socket, id)) };
  if (shared)
    options.secureContext = context(base.maxVersion);
  delete options.session;
  socket = connect(options);
  socket.once("secureConnect", () => {
    if (socket.isSessionReused()) {
      socket.destroy(new TlsError("ERR_TLS_SESSION_RESUMED", "The TLS session was resumed; spiffe-kit connections must verify the peer on every handshake"));
    }
  });
  return socket;
}
var SpiffeHttpsAgent = class extends Agent {
  #fresh;
  #context;
  constructor(source, authorizer, options = {}, mode = "mtls") {
    super({ ...options, maxCachedSessions: 0 });
    this.#fresh = mode === "mtls" ? (cb) => mtlsClientConnectOptions(source, authorizer, cb) : (cb) => tlsClientConnectOptions(source, authorizer, cb);
    this.#context = (maxVersion) => clientSecureContext(source, mode === "mtls", maxVersion);
  }
  /**
   * Opens a new connection with the newest SVID and bundles and verifies the server by SPIFFE ID
   * (called by `https` for each new socket; not usually called directly).
   *
   * @example
   * ```ts
   * const socket = agent.createConnection({ host: '127.0.0.1', port: 8443 });
   * ```
   */
  createConnection(options) {
    return openVerified(options, this.#fresh, this.#context);
  }
};
function spiffeHttpsAgent(source, authorizer, options = {}) {
  return new SpiffeHttpsAgent(source, authorizer, options, "mtls");
}
function rotatingCreateConnection(fresh, context) {
  return (target, options) => {
    if (target instanceof URL) {
      const host = target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname;
      const base = { ...options, host, port: Number(target.port) || 443, ALPNProtocols: ["h2"] };
      delete base.servername;
      if (isIP(host) === 0)
        base.servername = host;
      return openVerified(base, fresh, context);
    }
    return openVerified(target, fresh, context);
  };
}
function mtlsClientOptions(source, authorizer) {
  return {
    ...mtlsClientConnectOptions(source, authorizer),
    agent: new SpiffeHttpsAgent(source, authorizer, {}, "mtls"),
    createConnection: rotatingCreateConnection((cb) => mtlsClientConnectOptions(source, authorizer, cb), (maxVersion) => clientSecureContext(source, true, maxVersion))
  };
}
function tlsClientOptions(bundles, authorizer) {
  return {
    ...tlsClientConnectOptions(bundles, authorizer),
    agent: new SpiffeHttpsAgent(bundles, authorizer, {}, "tls"),
    createConnection: rotatingCreateConnection((cb) => tlsClientConnectOptions(bundles, authorizer, cb), (maxVersion) => clientSecureContext(bundles, false, maxVersion))
  };
}
function spiffeUndiciConnect(source, authorizer) {
  return (options, callback) => {
    const port = Number(options.port) || 443;
    const base = { host: options.hostname, port, ALPNProtocols: ["http/1.1"] };
    if (typeof options.servername === "string" && options.servername !== "" && isIP(options.servername) === 0)
      base.servername = options.servername;
    if (typeof options.localAddress === "string")
      base.localAddress = options.localAddress;
    if (options.httpSocket !== void 0)
      base.socket = options.httpSocket;
    const socket = openVerified(base, (cb) => mtlsClientConnectOptions(source, authorizer, cb), (maxVersion) => clientSecureContext(source, true, maxVersion));
    let done = false;
    const finish = (err) => {
      if (done)
        return;
      done = true;
      socket.off("error", onError);
      if (err === null)
        callback(null, socket);
      else
        callback(err, null);
    };
    const onError = (err) => finish(err);
    socket.once("secureConnect", () => {
      if (!socket.destroyed)
        finish(null);
    });
    socket.on("error", onError);
    return socket;
  };
}

// dist/tls/server.js
import { createServer as createHttps } from "node:https";
import { createServer as createTls } from "node:tls";
function attachSpiffeRotation(server, source, build2, onError) {
  const events = source;
  if (typeof events.on !== "function" || typeof events.off !== "function")
    return () => {
    };
  const update = () => {
    try {
      server.setSecureContext(build2());
    } catch (err) {
      onError?.(err);
    }
  };
  events.on("svid", update);
  events.on("bundles", update);
  let attached = true;
  const detach = () => {
    if (!attached)
      return;
    attached = false;
    events.off?.("svid", update);
    events.off?.("bundles", update);
  };
  server.once("close", detach);
  return detach;
}
function attachSpiffeAuth(server, source, authorizer, options = {}) {
  const webCert = options.webCert;
  const own = options.secureContextOptions ?? {};
  const build2 = webCert === void 0 ? () => ({ ...own, ...mtlsServerContextOptions(source) }) : () => ({ ...own, ...mtlsWebServerContextOptions(webCert, source) });
  server.setSecureContext(build2());
  markServerAttached(server);
  const inner = server.listeners("secureConnection");
  server.removeAllListeners("secureConnection");
  server.on("secureConnection", (socket) => {
    let id;
    try {
      id = verifyTlsPeer(socket, source, authorizer);
    } catch (err) {
      socket.destroy();
      options.onRejected?.(err, socket);
      return;
    }
    setPeerSpiffeId(socket, id);
    for (const listener of inner)
      listener.call(server, socket);
  });
  return attachSpiffeRotation(server, source, build2, options.onRotationError);
}
function createTlsServer(source, authorizer, connectionListener, extra = {}) {
  const server = createTls({ ...extra, ...mtlsServerHelperOptions(source) }, connectionListener);
  attachSpiffeAuth(server, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}
function createHttpsServer(source, authorizer, requestListener, extra = {}) {
  const server = createHttps({ ...extra, ...mtlsServerHelperOptions(source) }, requestListener);
  attachSpiffeAuth(server, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}
function createHttp2SecureServer(source, authorizer, requestListener, extra = {}) {
  const options = { ...extra, ...mtlsServerHelperOptions(source) };
  const { createSecureServer } = process.getBuiltinModule("node:http2");
  const server = requestListener === void 0 ? createSecureServer(options) : createSecureServer(options, requestListener);
  attachSpiffeAuth(server, source, authorizer, { secureContextOptions: extra, ...extra });
  return server;
}
function createTlsOnlyHttpsServer(source, requestListener, extra = {}) {
  const server = createHttps({ ...extra, ...tlsServerOptions(source) }, requestListener);
  attachSpiffeRotation(server, source, () => ({ ...extra, ...tlsServerOptions(source) }));
  return server;
}

// dist/tls/grpc.js
import { createRequire as createRequire3 } from "node:module";
import { isIP as isIP2 } from "node:net";
var grpcModule;
function loadGrpc() {
  grpcModule ??= createRequire3(import.meta.url)("@grpc/grpc-js");
  return grpcModule;
}
var SourceCertificateProvider = class {
  #source;
  #ca = /* @__PURE__ */ new Set();
  #identity = /* @__PURE__ */ new Set();
  #subscribed = false;
  #onBundles = () => {
    for (const l of this.#ca)
      this.#sendCa(l);
  };
  #onSvid = () => {
    for (const l of this.#identity)
      this.#sendIdentity(l);
  };
  constructor(source) {
    this.#source = source;
  }
  #sendCa(listener) {
    setImmediate(() => {
      if (!this.#ca.has(listener))
        return;
      listener({ caCertificate: Buffer.from(trustedAuthoritiesPem(this.#source).join("")) });
    });
  }
  #sendIdentity(listener) {
    setImmediate(() => {
      if (!this.#identity.has(listener))
        return;
      const { cert, key } = svidPem(this.#source.getX509Svid());
      listener({ certificate: Buffer.from(cert), privateKey: Buffer.from(key) });
    });
  }
  #sync() {
    const events = this.#source;
    if (typeof events.on !== "function" || typeof events.off !== "function")
      return;
    const want = this.#ca.size + this.#identity.size > 0;
    if (want && !this.#subscribed) {
      events.on("bundles", this.#onBundles);
      events.on("svid", this.#onSvid);
    } else if (!want && this.#subscribed) {
      events.off("bundles", this.#onBundles);
      events.off("svid", this.#onSvid);
    }
    this.#subscribed = want;
  }
  /**
   * grpc-js's certificate-provider hook: `listener` gets the trusted CAs now (asynchronously) and
   * again on every bundle update.
   *
   * @example
   * ```ts
   * provider.addCaCertificateListener((update) => console.log(update?.caCertificate.length));
   * ```
   */
  addCaCertificateListener(listener) {
    this.#ca.add(listener);
    this.#sync();
    this.#sendCa(listener);
  }
  /**
   * Stops CA updates to `listener`; the source is unsubscribed when no listener remains.
   *
   * @example
   * ```ts
   * provider.removeCaCertificateListener(onCa);
   * ```
   */
  removeCaCertificateListener(listener) {
    this.#ca.delete(listener);
    this.#sync();
  }
  /**
   * grpc-js's certificate-provider hook: `listener` gets the SVID's chain and key now
   * (asynchronously) and again on every rotation.
   *
   * @example
   * ```ts
   * provider.addIdentityCertificateListener((update) => console.log(update !== null));
   * ```
   */
  addIdentityCertificateListener(listener) {
    this.#identity.add(listener);
    this.#sync();
    this.#sendIdentity(listener);
  }
  /**
   * Stops SVID updates to `listener`; the source is unsubscribed when no listener remains.
   *
   * @example
   * ```ts
   * provider.removeIdentityCertificateListener(onIdentity);
   * ```
   */
  removeIdentityCertificateListener(listener) {
    this.#identity.delete(listener);
    this.#sync();
  }
};
function grpcChannelCredentials(source, authorizer) {
  const provider = new SourceCertificateProvider(source);
  const creds = loadGrpc().experimental.createCertificateProviderChannelCredentials(provider, provider, {
    checkServerIdentity: spiffeCheckServerIdentity(source, authorizer),
    rejectUnauthorized: true
  });
  withoutIpServerName(creds);
  return creds;
}
function targetHost(path) {
  const first = path.split(",")[0] ?? "";
  if (first.startsWith("["))
    return first.slice(1, first.indexOf("]"));
  const colon = first.indexOf(":");
  return colon === -1 || first.indexOf(":", colon + 1) !== -1 ? first : first.slice(0, colon);
}
function withoutIpServerName(creds) {
  const target = creds;
  const original = target._createSecureConnector;
  if (typeof original !== "function")
    return;
  target._createSecureConnector = function(channelTarget, options, callCredentials) {
    const named = typeof options?.["grpc.ssl_target_name_override"] === "string" && options["grpc.ssl_target_name_override"] !== "";
    const ip = typeof channelTarget?.path === "string" && isIP2(targetHost(channelTarget.path)) !== 0;
    return original.call(this, !named && ip ? { ...channelTarget, path: "" } : channelTarget, options, callCredentials);
  };
}
var verifiedSessions = /* @__PURE__ */ new WeakMap();
function authorizeCall(call, source, authorizer) {
  const session = call.stream?.session;
  if (session !== void 0) {
    const cached2 = verifiedSessions.get(session);
    if (cached2 !== void 0)
      return cached2;
  }
  let outcome;
  try {
    const socket = session?.socket;
    outcome = socket !== void 0 ? verifyTlsPeer(socket, source, authorizer) : verifyPeerChain(peerCertificateChain(call.getAuthContext().sslPeerCertificate), source, authorizer);
  } catch (err) {
    outcome = err instanceof Error ? err : new Error(String(err));
  }
  if (session !== void 0) {
    verifiedSessions.set(session, outcome);
    if (!(outcome instanceof Error))
      setPeerSpiffeId(session, outcome);
  }
  return outcome;
}
function grpcAuthInterceptor(source, authorizer) {
  const grpc = loadGrpc();
  return (_method, call) => {
    const responder = new grpc.ResponderBuilder().withStart((next) => {
      const listener = new grpc.ServerListenerBuilder().withOnReceiveMetadata((metadata, mdNext) => {
        const outcome = authorizeCall(call, source, authorizer);
        if (outcome instanceof Error) {
          call.sendStatus({ code: grpc.status.PERMISSION_DENIED, details: outcome.message, metadata: new grpc.Metadata() });
        } else {
          mdNext(metadata);
        }
      }).build();
      next(listener);
    }).build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}
function grpcServerCredentials(source, authorizer) {
  const grpc = loadGrpc();
  const provider = new SourceCertificateProvider(source);
  const creds = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
  return grpc.experimental.createServerCredentialsWithInterceptors(creds, [grpcAuthInterceptor(source, authorizer)]);
}
export {
  AuthorizationError,
  BearerAuthError,
  BundleError,
  BundleSet,
  BundleSource,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_LIMITS,
  DEFAULT_MAX_BUNDLE_AUTHORITIES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_TIMEOUT_MS,
  ENDPOINT_SOCKET_ENV,
  EndpointAddressError,
  JwtBundle,
  JwtBundleSet,
  JwtSource,
  JwtSvid,
  JwtSvidError,
  MAX_ID_BYTES,
  MAX_PEER_CHAIN_LENGTH,
  MAX_SVID_CHAIN_LENGTH,
  MAX_TRUST_DOMAIN_BYTES,
  SECURITY_HEADER,
  SourceCertificateProvider,
  SpiffeBundle,
  SpiffeBundleSet,
  SpiffeError,
  SpiffeHttpsAgent,
  SpiffeId,
  SpiffeIdError,
  TlsError,
  TrustDomain,
  WorkloadApiClient,
  WorkloadApiError,
  X509Bundle,
  X509BundleSet,
  X509Source,
  X509Svid,
  X509SvidError,
  attachSpiffeAuth,
  attachSpiffeRotation,
  authenticateBearer,
  authorizeAny,
  authorizeId,
  authorizeMatching,
  authorizeMemberOf,
  authorizeOneOf,
  bearerHeader,
  checkHealth,
  createHttp2SecureServer,
  createHttpsServer,
  createTlsOnlyHttpsServer,
  createTlsServer,
  dedupeByHint,
  describeEndpointAddress,
  exponentialBackoff,
  extractBearerToken,
  grpcAuthInterceptor,
  grpcBearerMetadata,
  grpcChannelCredentials,
  grpcServerCredentials,
  healthHandler,
  jwksForTrustDomain,
  matchAny,
  matchId,
  matchMemberOf,
  matchOneOf,
  mtlsClientOptions,
  mtlsServerOptions,
  mtlsWebServerOptions,
  parseEndpointAddress,
  peerCertificateChain,
  peerSpiffeId,
  resolveEndpointAddress,
  silentLogger,
  spiffeCheckServerIdentity,
  spiffeHttpsAgent,
  spiffeUndiciConnect,
  tlsClientOptions,
  tlsServerOptions,
  toOidcJwks,
  verifyPeerChain,
  verifyTlsPeer,
  verifyX509Svid
};
