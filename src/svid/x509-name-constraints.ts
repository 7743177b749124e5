import type { ParsedCertificate } from '../internal/der.js';
import { matchDomainConstraint, type NameConstraints, uriHost } from '../internal/name-constraints.js';
import { X509SvidError } from './x509-errors.js';

/**
 * Name constraints of a CA applied to the names below it on the path, as Go's crypto/x509
 * (verify.go, isValid / checkNameConstraints) does for every intermediate and root candidate:
 * every URI and DNS SAN of every certificate already on the path (the leaf first) must not match
 * an excluded subtree and, when permitted subtrees of that kind exist, must match one of them.
 */

/** Go's default VerifyOptions.MaxConstraintComparisions. */
const MAX_CONSTRAINT_COMPARISONS = 250_000;

type Match = (name: string, constraint: string) => boolean;

const matchUri: Match = (name, constraint) => matchDomainConstraint(uriHost(name), constraint);

function check(
  who: string,
  kind: string,
  name: string,
  permitted: readonly string[],
  excluded: readonly string[],
  match: Match,
  count: { n: number },
): string | undefined {
  count.n += excluded.length + permitted.length;
  if (count.n > MAX_CONSTRAINT_COMPARISONS) return `${who} has too many name constraints to check`;
  try {
    for (const constraint of excluded) {
      if (match(name, constraint)) return `${kind} "${name}" is excluded by the name constraint "${constraint}" of ${who}`;
    }
    if (permitted.length > 0 && !permitted.some((constraint) => match(name, constraint))) {
      return `${kind} "${name}" is not permitted by any name constraint of ${who} (permitted: ${permitted.map((c) => `"${c}"`).join(', ')})`;
    }
  } catch (err) {
    return `${who} has name constraints and ${(err as Error).message}`;
  }
  return undefined;
}

function hasEmailOrIp(nc: NameConstraints): boolean {
  return nc.permittedEmail.length + nc.excludedEmail.length + nc.permittedIp.length + nc.excludedIp.length > 0;
}

/**
 * Throws `ERR_X509SVID_NAME_CONSTRAINTS` when `ca`'s name constraints do not allow the names of
 * `below` (the certificates of the path under it, leaf first). `index` is the CA's chain index
 * (negative for a trust anchor), for the error.
 */
export function checkNameConstraints(ca: ParsedCertificate, below: readonly ParsedCertificate[], who: string, index: number): void {
  const nc = ca.extensions.nameConstraints;
  if (nc === undefined) return;
  const count = { n: 0 };
  for (const cert of below) {
    const ext = cert.extensions;
    let why: string | undefined;
    for (const uri of ext.uriSans) {
      why ??= check(who, 'URI SAN', uri, nc.permittedUri, nc.excludedUri, matchUri, count);
    }
    for (const dns of ext.dnsSans) {
      why ??= check(who, 'DNS SAN', dns, nc.permittedDns, nc.excludedDns, matchDomainConstraint, count);
    }
    // spiffe-kit does not decode email and IP SANs; it fails closed where Go would compare them.
    if (why === undefined && ext.otherSanCount > 0 && hasEmailOrIp(nc)) {
      why = `${who} has email or IP name constraints, which spiffe-kit does not apply to the other SANs of the certificates below it`;
    }
    if (why !== undefined) {
      throw new X509SvidError('ERR_X509SVID_NAME_CONSTRAINTS', why, index >= 0 ? { certificateIndex: index } : {});
    }
  }
}
