/**
 * The rules Go's crypto/x509 applies to a uniformResourceIdentifier SAN (parser.go
 * `parseSANExtension`): the text must parse with Go's `net/url.Parse` (net/url/url.go, Go 1.26),
 * and a non-empty host must pass x509's `domainNameValid`. A certificate whose URI SAN Go refuses
 * is refused by the DER reader too. Only the checks are carried over; nothing is decoded or kept.
 *
 * @module
 */

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** ASCII bytes a host may hold unescaped (Go's `shouldEscape(c, encodeHost)` is false). */
const HOST_BYTES = new Uint8Array(128);
for (let c = 0; c < 128; c++) HOST_BYTES[c] = isAlnum(c) || "!$&'()*+,;=:[]<>\"-_.~".includes(String.fromCharCode(c)) ? 1 : 0;

function hostByte(c: number): boolean {
  return c < 128 && HOST_BYTES[c] === 1;
}

type Mode = 'host' | 'zone' | 'other';

/** Go's `unescape` checks: every % is followed by two hex digits, plus the host and zone rules. Returns the decoded text or undefined. */
function unescape(s: string, mode: Mode): string | undefined {
  if (!s.includes('%')) {
    if (mode !== 'other') {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80 && !hostByte(c)) return undefined;
      }
    }
    return s;
  }
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return undefined;
      const v = (hexValue(s.charCodeAt(i + 1)) << 4) | hexValue(s.charCodeAt(i + 2));
      const is25 = s.slice(i, i + 3) === '%25';
      if (mode === 'host' && hexValue(s.charCodeAt(i + 1)) < 8 && !is25) return undefined;
      if (mode === 'zone' && !is25 && v !== 0x20 && !hostByte(v)) return undefined; // no escaped non-host bytes, non-ASCII included
      out += String.fromCharCode(v);
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && !hostByte(c)) return undefined;
      out += s[i];
      i++;
    }
  }
  return out;
}

/** `^(:\d*)?$` */
function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  for (let i = 1; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function validUserinfo(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c) && !"-._:~!$&'()*+,;=%@".includes(s[i] as string)) return false;
  }
  return true;
}

/**
 * An IPv6 address as Go's `netip.ParseAddr` takes it between brackets: eight groups of up to four
 * hex digits, one `::`, an optional trailing dotted IPv4, an optional `%zone`; not an IPv4 address.
 */
function isIpv6Literal(s: string): boolean {
  let addr = s;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === s.length - 1) return false; // empty zone
    addr = s.slice(0, pct);
  }
  if (addr.indexOf('::') !== addr.lastIndexOf('::')) return false;
  const halves = addr.split('::');
  const groups = (part: string): string[] | undefined => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] as string;
    if (i === all.length - 1 && g.includes('.')) {
      const quad = g.split('.');
      if (quad.length !== 4 || !quad.every((q) => /^(0|[1-9][0-9]{0,2})$/.test(q) && Number(q) < 256)) return false;
      count += 2;
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
      count += 1;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

/** Go's `parseHost`: returns the decoded host or undefined. */
function parseHost(scheme: string, host: string): string | undefined {
  const open = host.lastIndexOf('[');
  if (open > 0) return undefined;
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) return undefined;
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return undefined;
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    let decoded: string | undefined;
    if (zone >= 0) {
      const a = unescape(hostname.slice(0, zone), 'host');
      const b = unescape(hostname.slice(zone), 'zone');
      decoded = a === undefined || b === undefined ? undefined : a + b;
    } else {
      decoded = unescape(hostname, 'host');
    }
    if (decoded === undefined || !isIpv6Literal(decoded)) return undefined;
    return `[${decoded}]${colonPort}`;
  }
  let i = host.indexOf(':');
  if (i >= 0) {
    const last = host.lastIndexOf(':');
    // Go 1.26 takes the first colon as the port separator for http(s) (strict colons), the last otherwise.
    if (last !== i && scheme !== 'http' && scheme !== 'https') i = last;
    if (!validOptionalPort(host.slice(i))) return undefined;
  }
  return unescape(host, 'host');
}

/** x509's `domainNameValid(s, false)` for a non-empty host: printable ASCII, no empty label, no trailing dot. */
function domainNameValid(s: string): boolean {
  if (s.endsWith('.')) return false;
  let label = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (i < s.length && (c < 33 || c > 126)) return false;
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
    } else {
      label++;
    }
  }
  return true;
}

/**
 * Why Go's crypto/x509 would refuse this URI SAN (an IA5 string already), or undefined when it
 * takes it.
 */
export function uriSanProblem(uri: string): string | undefined {
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'a control character';
  }
  const hash = uri.indexOf('#');
  const u = hash < 0 ? uri : uri.slice(0, hash);
  if (hash >= 0 && unescape(uri.slice(hash + 1), 'other') === undefined) return 'an invalid escape in the fragment';
  if (u === '*') return undefined;
  // getScheme
  let scheme = '';
  let rest = u;
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) break;
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) return 'a missing scheme';
      scheme = u.slice(0, i).toLowerCase();
      rest = u.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    if (scheme !== '') return undefined; // opaque
    const segment = rest.split('/')[0] as string;
    if (segment.includes(':')) return 'a colon in the first path segment';
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = '';
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    const host = parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
    if (host === undefined) return 'an invalid host';
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) return 'invalid userinfo';
      const colon = userinfo.indexOf(':');
      const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
      if (parts.some((part) => unescape(part, 'other') === undefined)) return 'an invalid escape in the userinfo';
    }
    if (host.length > 0 && !domainNameValid(host)) return 'an invalid domain';
  }
  if (unescape(rest, 'other') === undefined) return 'an invalid escape in the path';
  return undefined;
}
