import type { ParsedCertificate } from '../internal/der.js';
import { SpiffeIdError } from '../spiffeid/errors.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { oversizedKeyReason, weakKeyReason } from './key-strength.js';
import { X509SvidError } from './x509-errors.js';
import { publicKeyOf } from './x509-signature.js';

/**
 * The X.509-SVID rules shared by own-SVID parsing and peer verification: leaf rules, signing
 * certificate rules, and the extensions spiffe-kit understands when they are critical.
 */

/** Extensions whose semantics are applied (or harmless) when marked critical. */
const HANDLED_CRITICAL = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints, unless it holds kinds spiffe-kit does not apply (see below)
  '2.5.29.37', // extKeyUsage
]);
const NAME_CONSTRAINTS = '2.5.29.30';

/**
 * Extensions of a bundle authority that path validation does not use, which Go's crypto/x509 takes
 * as handled when critical: policy processing leaves the trust anchor out (verify.go
 * `policiesValid`), and revocation is not checked. Critical on a leaf or an intermediate they are
 * still refused.
 */
const IGNORED_ON_ANCHORS = new Set([
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
]);

/** Error context for a chain index; negative indexes (bundle authorities) have none. */
function at(index: number): { certificateIndex?: number } {
  return index >= 0 ? { certificateIndex: index } : {};
}

/** A short description of a certificate for error messages. */
export function describeCertificate(cert: ParsedCertificate, index: number): string {
  const role = index === 0 ? 'leaf' : `certificate #${index}`;
  const uri = cert.extensions.uriSans[0];
  return uri === undefined ? `${role} (serial ${cert.serialNumber})` : `${role} (${uri}, serial ${cert.serialNumber})`;
}

/** Applies the leaf rules of the X.509-SVID standard and returns the leaf's SPIFFE ID. */
export function checkLeaf(leaf: ParsedCertificate): SpiffeId {
  const ext = leaf.extensions;
  const at = { certificateIndex: 0 };
  if (ext.uriSans.length === 0) {
    throw new X509SvidError('ERR_X509SVID_NO_URI_SAN', `The leaf has no URI SAN; an X.509-SVID carries its SPIFFE ID as exactly one URI SAN`, at);
  }
  if (ext.uriSans.length > 1) {
    throw new X509SvidError(
      'ERR_X509SVID_MULTIPLE_URI_SANS',
      `The leaf has ${ext.uriSans.length} URI SANs; an X.509-SVID must have exactly one`,
      at,
    );
  }
  const uri = ext.uriSans[0] as string;
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(uri);
  } catch (err) {
    const why = err instanceof SpiffeIdError ? err.message : String(err);
    throw new X509SvidError('ERR_X509SVID_INVALID_ID', `The leaf's URI SAN is not a valid SPIFFE ID: ${why}`, { ...at, cause: err });
  }
  if (id.isRoot) {
    throw new X509SvidError(
      'ERR_X509SVID_ROOT_ID',
      `The leaf's SPIFFE ID ${id} has no path; the ID of a trust domain itself cannot be a workload identity`,
      at,
    );
  }
  if (ext.basicConstraints?.ca === true) {
    throw new X509SvidError('ERR_X509SVID_LEAF_IS_CA', `The leaf ${id} is a CA certificate (basicConstraints cA=true)`, at);
  }
  const ku = ext.keyUsage;
  if (ku?.keyCertSign) {
    throw new X509SvidError('ERR_X509SVID_LEAF_KEY_CERT_SIGN', `The leaf ${id} has keyUsage keyCertSign set`, at);
  }
  if (ku?.cRLSign) {
    throw new X509SvidError('ERR_X509SVID_LEAF_CRL_SIGN', `The leaf ${id} has keyUsage cRLSign set`, at);
  }
  if (ku === undefined) {
    throw new X509SvidError('ERR_X509SVID_KEY_USAGE', `The leaf ${id} has no keyUsage extension`, at);
  }
  if (!ku.critical) {
    throw new X509SvidError('ERR_X509SVID_KEY_USAGE', `The leaf ${id} has a keyUsage extension that is not marked critical`, at);
  }
  if (!ku.digitalSignature) {
    throw new X509SvidError('ERR_X509SVID_KEY_USAGE', `The leaf ${id} has keyUsage without digitalSignature`, at);
  }
  return id;
}

/**
 * Signing-certificate rules: cA=true and, when keyUsage is present, keyCertSign. For a bundle
 * authority (`index` < 0), also no critical extension spiffe-kit does not apply: Go's
 * crypto/x509 (verify.go `isValid`) checks that on the root as on every other certificate.
 */
export function checkSigningCertificate(cert: ParsedCertificate, index: number, role?: string): void {
  const ext = cert.extensions;
  const who = role ?? describeCertificate(cert, index);
  if (index < 0) unhandledCritical(cert, index, who);
  if (ext.basicConstraints?.ca !== true) {
    throw new X509SvidError(
      'ERR_X509SVID_INTERMEDIATE_NOT_CA',
      `${who} signs another certificate but is not a CA (basicConstraints cA is not true)`,
      at(index),
    );
  }
  if (ext.keyUsage !== undefined && !ext.keyUsage.keyCertSign) {
    throw new X509SvidError(
      'ERR_X509SVID_INTERMEDIATE_KEY_USAGE',
      `${who} signs another certificate but its keyUsage lacks keyCertSign`,
      at(index),
    );
  }
}

/**
 * Whether a critical subjectAltName holds a name spiffe-kit (and Go's crypto/x509, parser.go
 * `processExtensions`) reads: URI, DNS, rfc822Name or iPAddress. One with only other kinds of
 * names is an unhandled critical extension.
 */
function sanHandled(cert: ParsedCertificate): boolean {
  const ext = cert.extensions;
  return ext.uriSans.length + ext.dnsSans.length + ext.emailOrIpSanCount > 0;
}

function unhandledCritical(cert: ParsedCertificate, index: number, who: string): void {
  for (const oid of cert.extensions.criticalExtensions) {
    if (index < 0 && IGNORED_ON_ANCHORS.has(oid)) continue;
    // Like Go (parser.go): a critical nameConstraints with a directoryName, otherName, … subtree is
    // unhandled, and so is a critical subjectAltName without any name Go reads.
    if (
      !HANDLED_CRITICAL.has(oid) ||
      (oid === NAME_CONSTRAINTS && cert.extensions.nameConstraints?.unhandled === true) ||
      (oid === '2.5.29.17' && !sanHandled(cert))
    ) {
      throw new X509SvidError('ERR_X509SVID_UNHANDLED_CRITICAL_EXTENSION', `${who} has a critical extension spiffe-kit does not understand (OID ${oid})`, at(index));
    }
  }
}

/**
 * Rejects a certificate of the path (leaf or intermediate) with an extension spiffe-kit cannot
 * apply: a critical one it does not understand, or policy constraints that only RFC 5280 §6.1
 * policy processing can honour (requireExplicitPolicy, a policy mapping from or to anyPolicy),
 * which spiffe-kit does not do. Go's crypto/x509 (verify.go `policiesValid`) refuses such paths
 * when no policy is asserted, as in SPIFFE deployments; refusing them always is the fail-closed side.
 */
export function checkCriticalExtensions(cert: ParsedCertificate, index: number, role?: string): void {
  const who = role ?? describeCertificate(cert, index);
  unhandledCritical(cert, index, who);
  const ext = cert.extensions;
  // Policy processing leaves the trust anchor out (Go's verify.go policiesValid): only the path below it.
  if (index >= 0 && (ext.requireExplicitPolicy || ext.mapsAnyPolicy)) {
    const what = ext.requireExplicitPolicy ? 'policyConstraints requireExplicitPolicy' : 'a policy mapping from or to anyPolicy';
    throw new X509SvidError('ERR_X509SVID_UNSUPPORTED_POLICY', `${who} has ${what}; spiffe-kit does no certificate policy processing`, at(index));
  }
}

/** Checks `now` against the validity window. */
export function checkValidity(cert: ParsedCertificate, index: number, now: number, role?: string): void {
  const who = role ?? describeCertificate(cert, index);
  if (now < cert.notBefore.getTime()) {
    throw new X509SvidError('ERR_X509SVID_NOT_YET_VALID', `${who} is not valid before ${cert.notBefore.toISOString()}`, at(index));
  }
  if (now > cert.notAfter.getTime()) {
    throw new X509SvidError('ERR_X509SVID_EXPIRED', `${who} expired at ${cert.notAfter.toISOString()}`, at(index));
  }
}

/** Public key algorithms whose strength {@link checkKeyStrength} reads from the key. */
const RSA_KEY_ALGORITHMS = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.10']);

/**
 * Applies the shared key floor (key-strength.ts) and the RSA size ceiling to a certificate's key: every CA of a path, and
 * a leaf with an RSA key (EC leaf keys are left to the TLS handshake, which uses them).
 */
export function checkKeyStrength(cert: ParsedCertificate, index: number, role?: string, onlyRsa = false): void {
  if (onlyRsa && !RSA_KEY_ALGORITHMS.has(cert.publicKeyAlgorithm)) return;
  let why: string | undefined;
  try {
    const key = publicKeyOf(cert);
    why = weakKeyReason(key) ?? oversizedKeyReason(key);
  } catch (err) {
    why = `its public key cannot be read (${(err as Error).message})`;
  }
  if (why !== undefined) {
    throw new X509SvidError('ERR_X509SVID_WEAK_KEY', `${role ?? describeCertificate(cert, index)} has a key spiffe-kit does not accept: ${why}`, at(index));
  }
}
