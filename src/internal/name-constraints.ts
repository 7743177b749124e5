/**
 * The nameConstraints extension (RFC 5280 §4.2.1.10): a strict reader and the matching rules,
 * both as Go's crypto/x509 has them (parser.go parseNameConstraintsExtension, verify.go
 * matchDomainConstraint / matchURIConstraint / checkNameConstraints), which is what go-spiffe
 * and SPIRE apply.
 *
 * @module
 */
import { isIP } from 'node:net';
import { expectTlv, readTlv, TlvError } from './tlv.js';

/**
 * The constraints of one CA certificate. Strings are kept as written (a leading `.` means "a
 * subdomain of, not the domain itself"); IP constraints are the 8 or 32 octets address + mask.
 */
export interface NameConstraints {
  readonly critical: boolean;
  readonly permittedDns: readonly string[];
  readonly excludedDns: readonly string[];
  readonly permittedUri: readonly string[];
  readonly excludedUri: readonly string[];
  readonly permittedEmail: readonly string[];
  readonly excludedEmail: readonly string[];
  readonly permittedIp: readonly Buffer[];
  readonly excludedIp: readonly Buffer[];
  /** Whether a constraint of a kind spiffe-kit does not apply (directoryName, otherName, …) is present. */
  readonly unhandled: boolean;
}

const SEQUENCE = 0x30;
const DNS = 0x82;
const EMAIL = 0x81;
const URI = 0x86;
const IP = 0x87;

function ia5(buf: Buffer, t: { start: number; end: number }, what: string): string {
  for (let i = t.start; i < t.end; i++) {
    if ((buf[i] as number) > 0x7f) throw new TlvError(`${what} is not an IA5String`, i);
  }
  return buf.toString('latin1', t.start, t.end);
}

/** Go's domainToReverseLabels: labels last-first, or undefined for an invalid domain. */
export function reverseLabels(domain: string): string[] | undefined {
  if (domain === '') return [];
  const labels = domain.split('.').reverse();
  // An empty last label is an absolute name; empty labels elsewhere are invalid.
  for (const label of labels) {
    if (label === '') return undefined;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (c < 33 || c > 126) return undefined;
    }
  }
  return labels;
}

function withoutDot(s: string): string {
  return s.startsWith('.') ? s.slice(1) : s;
}

/** Whether `s` is an IP address, like Go's net.ParseIP (IPv4 dotted quad without leading zeros, or IPv6). */
function looksLikeIp(s: string): boolean {
  return isIP(s) !== 0;
}

function validMask(mask: Buffer): boolean {
  // Go's isValidIPMask: ones then zeros.
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if (b === 0xff) continue;
    if (b === 0) {
      seenZero = true;
      continue;
    }
    const inv = ~b & 0xff;
    if ((inv & (inv + 1)) !== 0) return false;
    seenZero = true;
  }
  return true;
}

interface Subtrees {
  dns: string[];
  uri: string[];
  email: string[];
  ip: Buffer[];
  unhandled: boolean;
}

function readSubtrees(buf: Buffer, start: number, end: number): Subtrees {
  const out: Subtrees = { dns: [], uri: [], email: [], ip: [], unhandled: false };
  let p = start;
  while (p < end) {
    const subtree = expectTlv(buf, p, end, SEQUENCE, 'GeneralSubtree');
    const base = readTlv(buf, subtree.start, subtree.end, 'GeneralSubtree.base');
    // minimum [0] / maximum [1] may follow the base; like Go, their values are not used.
    let q = base.end;
    while (q < subtree.end) {
      const extra = readTlv(buf, q, subtree.end, 'GeneralSubtree minimum/maximum');
      if (extra.tag !== 0x80 && extra.tag !== 0x81) throw new TlvError('GeneralSubtree: unexpected element after base', q);
      q = extra.end;
    }
    switch (base.tag) {
      case DNS: {
        const v = ia5(buf, base, 'dNSName constraint');
        if (reverseLabels(withoutDot(v)) === undefined) throw new TlvError(`invalid dNSName constraint "${v}"`, base.hdr);
        out.dns.push(v);
        break;
      }
      case URI: {
        const v = ia5(buf, base, 'uniformResourceIdentifier constraint');
        if (looksLikeIp(v)) throw new TlvError(`URI constraint "${v}" cannot be an IP address`, base.hdr);
        if (reverseLabels(withoutDot(v)) === undefined) throw new TlvError(`invalid URI constraint "${v}"`, base.hdr);
        out.uri.push(v);
        break;
      }
      case EMAIL: {
        const v = ia5(buf, base, 'rfc822Name constraint');
        const domain = v.includes('@') ? v.slice(v.lastIndexOf('@') + 1) : withoutDot(v);
        if ((v.includes('@') && v.indexOf('@') === 0) || reverseLabels(domain) === undefined) {
          throw new TlvError(`invalid rfc822Name constraint "${v}"`, base.hdr);
        }
        out.email.push(v);
        break;
      }
      case IP: {
        const n = base.end - base.start;
        if (n !== 8 && n !== 32) throw new TlvError(`iPAddress constraint of ${n} octets (expected 8 or 32)`, base.hdr);
        const v = buf.subarray(base.start, base.end);
        if (!validMask(v.subarray(n / 2))) throw new TlvError('iPAddress constraint has an invalid mask', base.hdr);
        out.ip.push(v);
        break;
      }
      default:
        // otherName, x400Address, directoryName, ediPartyName, registeredID: not applied.
        out.unhandled = true;
    }
    p = subtree.end;
  }
  return out;
}

/**
 * @internal Reads the extnValue contents at [start, end) of `buf`. Throws a {@link TlvError} for
 * anything Go's parseNameConstraintsExtension refuses, including an extension with neither
 * permitted nor excluded subtrees.
 */
export function readNameConstraints(buf: Buffer, start: number, end: number, critical: boolean): NameConstraints {
  const seq = expectTlv(buf, start, end, SEQUENCE, 'NameConstraints');
  if (seq.end !== end) throw new TlvError('NameConstraints has trailing data', seq.end);
  let p = seq.start;
  let permitted: Subtrees | undefined;
  let excluded: Subtrees | undefined;
  if (p < seq.end && buf[p] === 0xa0) {
    const t = readTlv(buf, p, seq.end, 'permittedSubtrees');
    permitted = readSubtrees(buf, t.start, t.end);
    p = t.end;
  }
  if (p < seq.end && buf[p] === 0xa1) {
    const t = readTlv(buf, p, seq.end, 'excludedSubtrees');
    excluded = readSubtrees(buf, t.start, t.end);
    p = t.end;
  }
  if (p !== seq.end) throw new TlvError('NameConstraints: unexpected element', p);
  const none: Subtrees = { dns: [], uri: [], email: [], ip: [], unhandled: false };
  const pe = permitted ?? none;
  const ex = excluded ?? none;
  const count = (s: Subtrees) => s.dns.length + s.uri.length + s.email.length + s.ip.length;
  if (count(pe) + count(ex) === 0 && !pe.unhandled && !ex.unhandled) {
    // RFC 5280: "either the permittedSubtrees field or the excludedSubtrees MUST be present".
    throw new TlvError('NameConstraints has neither permitted nor excluded subtrees', start);
  }
  return {
    critical,
    permittedDns: pe.dns,
    excludedDns: ex.dns,
    permittedUri: pe.uri,
    excludedUri: ex.uri,
    permittedEmail: pe.email,
    excludedEmail: ex.email,
    permittedIp: pe.ip,
    excludedIp: ex.ip,
    unhandled: pe.unhandled || ex.unhandled,
  };
}

/** Go's matchDomainConstraint. Throws a string-carrying Error for a name that cannot be matched. */
export function matchDomainConstraint(domain: string, constraint: string): boolean {
  // Like Go (and NSS), an empty constraint matches everything.
  if (constraint === '') return true;
  const domainLabels = reverseLabels(domain);
  if (domainLabels === undefined) throw new Error(`cannot parse domain "${domain}"`);
  const mustHaveSubdomains = constraint.startsWith('.');
  const constraintLabels = reverseLabels(withoutDot(constraint));
  if (constraintLabels === undefined) throw new Error(`cannot parse constraint "${constraint}"`);
  if (domainLabels.length < constraintLabels.length || (mustHaveSubdomains && domainLabels.length === constraintLabels.length)) return false;
  for (let i = 0; i < constraintLabels.length; i++) {
    if ((constraintLabels[i] as string).toLowerCase() !== (domainLabels[i] as string).toLowerCase()) return false;
  }
  return true;
}

/**
 * The host of a URI SAN for constraint matching, as Go's matchURIConstraint takes it from
 * url.Parse: a URI without an authority host, or whose host is an IP address, cannot be matched
 * (RFC 5280: "the application MUST reject the certificate").
 */
export function uriHost(uri: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  const authority = m?.[1] ?? '';
  let host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host === '') throw new Error(`URI with empty host ("${uri}") cannot be matched against constraints`);
  if (host.includes(':') && !host.endsWith(']')) {
    const colon = host.lastIndexOf(':');
    if (!/^\d*$/.test(host.slice(colon + 1)) || host.slice(0, colon).includes(':')) throw new Error(`URI "${uri}" has an invalid port`);
    host = host.slice(0, colon);
  }
  if ((host.startsWith('[') && host.endsWith(']')) || looksLikeIp(host)) {
    throw new Error(`URI with IP ("${uri}") cannot be matched against constraints`);
  }
  return host;
}
