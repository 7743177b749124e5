/**
 * Structure checks of the certificate extensions that Go's crypto/x509 parses (parser.go
 * `processExtensions`) but spiffe-kit does not read: certificate policies, policy mappings, policy
 * constraints, inhibitAnyPolicy, CRL distribution points, authority information access, and the
 * criticality rules Go applies to the key identifiers and AIA. A certificate Go refuses for one of
 * these is refused here too; the values themselves are not kept.
 *
 * @module
 */
import { checkInteger, checkOidArcs, INTEGER, malformed, OID, type Reader, SEQUENCE, tagName, trailing } from './der-reader.js';

const EXT_SUBJECT_KEY_ID = '2.5.29.14';
const EXT_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const EXT_CERTIFICATE_POLICIES = '2.5.29.32';
const EXT_POLICY_MAPPINGS = '2.5.29.33';
const EXT_AUTHORITY_KEY_ID = '2.5.29.35';
const EXT_POLICY_CONSTRAINTS = '2.5.29.36';
const EXT_INHIBIT_ANY_POLICY = '2.5.29.54';
const EXT_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';

/** The extensions {@link checkExtensionValue} looks at, for a cheap early exit. */
const CHECKED = new Set([
  EXT_SUBJECT_KEY_ID,
  EXT_CRL_DISTRIBUTION_POINTS,
  EXT_CERTIFICATE_POLICIES,
  EXT_POLICY_MAPPINGS,
  EXT_AUTHORITY_KEY_ID,
  EXT_POLICY_CONSTRAINTS,
  EXT_INHIBIT_ANY_POLICY,
  EXT_AUTHORITY_INFO_ACCESS,
]);

/** The one SEQUENCE that is the whole extension value at [start, end); returns its contents start. */
function outerSequence(r: Reader, start: number, end: number, what: string): number {
  const seqEnd = r.expect(start, end, SEQUENCE, what);
  if (seqEnd !== end) throw trailing(what, seqEnd);
  return r.start;
}

/** An INTEGER's contents at [start, end) that Go reads into an int64: DER-minimal, at most 8 octets. */
function checkInt64(buf: Buffer, start: number, end: number, what: string): void {
  checkInteger(buf, start, end, what);
  if (end - start > 8) throw malformed(`${what}: INTEGER does not fit in 64 bits`, start);
}

/** OID contents as Go's `newOIDFromDER` takes them (any arc size, minimal arcs, not truncated). */
function checkPolicyOid(buf: Buffer, start: number, end: number, what: string): void {
  if (start >= end || ((buf[end - 1] as number) & 0x80) !== 0) throw malformed(`${what}: invalid OBJECT IDENTIFIER`, start);
  let arcStart = true;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (arcStart && b === 0x80) throw malformed(`${what}: overlong OBJECT IDENTIFIER arc`, i);
    arcStart = (b & 0x80) === 0;
  }
}

/** certificatePolicies (RFC 5280 §4.2.1.4): SEQUENCE OF PolicyInformation, each policy once. */
function checkCertificatePolicies(r: Reader, start: number, end: number): void {
  const buf = r.buf;
  const what = 'certificatePolicies';
  let p = outerSequence(r, start, end, what);
  const seen: string[] = [];
  while (p < end) {
    const infoEnd = r.expect(p, end, SEQUENCE, `${what} PolicyInformation`);
    const oidEnd = r.expect(r.start, infoEnd, OID, `${what} policyIdentifier`);
    checkPolicyOid(buf, r.start, oidEnd, `${what} policyIdentifier`);
    const key = buf.toString('latin1', r.start, oidEnd);
    if (seen.includes(key)) throw malformed(`${what}: a policy is listed twice`, p);
    seen.push(key);
    p = infoEnd; // policyQualifiers are not read (Go does not read them either)
  }
}

/** Bits returned by {@link checkExtensionValue}: policy features that need RFC 5280 §6.1 policy processing. */
export const REQUIRES_EXPLICIT_POLICY = 1;
export const MAPS_ANY_POLICY = 2;

/** The contents of anyPolicy (2.5.29.32.0). */
function isAnyPolicy(buf: Buffer, start: number, end: number): boolean {
  return end - start === 4 && buf[start] === 0x55 && buf[start + 1] === 0x1d && buf[start + 2] === 0x20 && buf[start + 3] === 0x00;
}

/** policyMappings (RFC 5280 §4.2.1.5): SEQUENCE OF SEQUENCE { issuerDomainPolicy, subjectDomainPolicy }. */
function checkPolicyMappings(r: Reader, start: number, end: number): number {
  const buf = r.buf;
  const what = 'policyMappings';
  let p = outerSequence(r, start, end, what);
  let flags = 0;
  while (p < end) {
    const mapEnd = r.expect(p, end, SEQUENCE, `${what} mapping`);
    const issuerEnd = r.expect(r.start, mapEnd, OID, `${what} issuerDomainPolicy`);
    if (isAnyPolicy(buf, r.start, issuerEnd)) flags |= MAPS_ANY_POLICY;
    const subjectEnd = r.expect(issuerEnd, mapEnd, OID, `${what} subjectDomainPolicy`);
    if (isAnyPolicy(buf, r.start, subjectEnd)) flags |= MAPS_ANY_POLICY;
    if (subjectEnd !== mapEnd) throw trailing(`${what} mapping`, subjectEnd);
    p = mapEnd;
  }
  return flags;
}

/** policyConstraints (RFC 5280 §4.2.1.11): SEQUENCE { [0] SkipCerts OPTIONAL, [1] SkipCerts OPTIONAL }. */
function checkPolicyConstraints(r: Reader, start: number, end: number): number {
  const what = 'policyConstraints';
  let p = outerSequence(r, start, end, what);
  let stage = 0;
  let flags = 0;
  while (p < end) {
    r.next(p, end, `${what} field`);
    if (r.tag === 0x80 && stage < 1) {
      stage = 1;
      flags |= REQUIRES_EXPLICIT_POLICY;
    } else if (r.tag === 0x81 && stage < 2) stage = 2;
    else throw malformed(`${what}: unexpected ${tagName(r.tag)}`, p);
    checkInt64(r.buf, r.start, r.end, `${what} SkipCerts`);
    p = r.end;
  }
  return flags;
}

/** cRLDistributionPoints (RFC 5280 §4.2.1.13), read as far as Go reads it. */
function checkCrlDistributionPoints(r: Reader, start: number, end: number): void {
  const what = 'cRLDistributionPoints';
  let p = outerSequence(r, start, end, what);
  while (p < end) {
    const dpEnd = r.expect(p, end, SEQUENCE, `${what} DistributionPoint`);
    if (r.start < dpEnd) {
      const q = r.start;
      r.next(q, dpEnd, `${what} DistributionPoint field`);
      const tag: number = r.tag;
      if (tag === 0xa0) {
        // DistributionPointName: Go takes fullName [0] only; nameRelativeToCRLIssuer [1] is refused.
        const nameEnd = r.end;
        const fullEnd = r.expect(r.start, nameEnd, 0xa0, `${what} fullName`);
        if (fullEnd !== nameEnd) throw trailing(`${what} distributionPoint`, fullEnd);
        let g = r.start;
        while (g < fullEnd) {
          r.next(g, fullEnd, `${what} fullName GeneralName`);
          if (r.tag !== 0x86) break; // Go reads the leading URIs and stops at anything else
          g = r.end;
        }
      }
    }
    p = dpEnd;
  }
}

/** authorityInfoAccess (RFC 5280 §4.2.2.1): SEQUENCE OF AccessDescription { accessMethod, accessLocation }. */
function checkAuthorityInfoAccess(r: Reader, start: number, end: number): void {
  const buf = r.buf;
  const what = 'authorityInfoAccess';
  let p = outerSequence(r, start, end, what);
  while (p < end) {
    const adEnd = r.expect(p, end, SEQUENCE, `${what} AccessDescription`);
    const methodEnd = r.expect(r.start, adEnd, OID, `${what} accessMethod`);
    checkOidArcs(buf, r.start, methodEnd, `${what} accessMethod`);
    // RFC 5280 requires accessLocation; Go reads it only when it is a URI and skips it otherwise,
    // absent included: a certificate without it is not refused for that (it is never used).
    if (methodEnd < adEnd) {
      const locEnd = r.next(methodEnd, adEnd, `${what} accessLocation`);
      if (locEnd !== adEnd) throw trailing(`${what} AccessDescription`, locEnd);
    }
    p = adEnd;
  }
}

/**
 * Checks the value at [start, end) of extension `oid` when it is one Go parses and spiffe-kit does
 * not read; the others are left to their readers in `der.ts` (or not read at all). Returns
 * {@link REQUIRES_EXPLICIT_POLICY} / {@link MAPS_ANY_POLICY} bits, else 0.
 */
export function checkExtensionValue(r: Reader, oid: string, start: number, end: number, critical: boolean, at: number): number {
  if (!CHECKED.has(oid)) return 0;
  switch (oid) {
    case EXT_SUBJECT_KEY_ID:
    case EXT_AUTHORITY_KEY_ID:
    case EXT_AUTHORITY_INFO_ACCESS:
      // RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.2.1: conforming CAs MUST mark these non-critical; Go refuses them critical.
      if (critical) throw malformed(`Extension ${oid} must not be marked critical`, at);
      if (oid === EXT_AUTHORITY_INFO_ACCESS) checkAuthorityInfoAccess(r, start, end);
      return 0; // the key identifiers are read by der.ts
    case EXT_CERTIFICATE_POLICIES:
      checkCertificatePolicies(r, start, end);
      return 0;
    case EXT_POLICY_MAPPINGS:
      return checkPolicyMappings(r, start, end);
    case EXT_POLICY_CONSTRAINTS:
      return checkPolicyConstraints(r, start, end);
    case EXT_INHIBIT_ANY_POLICY: {
      // InhibitAnyPolicy ::= SkipCerts ::= INTEGER (0..MAX)
      const e = r.expect(start, end, INTEGER, 'inhibitAnyPolicy');
      if (e !== end) throw trailing('inhibitAnyPolicy', e);
      checkInt64(r.buf, r.start, e, 'inhibitAnyPolicy');
      return 0;
    }
    default:
      checkCrlDistributionPoints(r, start, end);
      return 0;
  }
}
