// Peer chains built to make path building explode (security issue 17): many certificates sharing
// one issuer name, with keys arranged so that depth-first search meets many valid-looking paths
// and none reaches an authority. Shared by the verification tests and bench/x509-hostile.bench.ts.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type CertificateIssuer, type CertificateSpec, type MintedCertificate, mintCertificate } from '../../src/testing/mint.js';

const HOUR = 3_600_000;

/** The shared issuer/subject name of the hostile CAs. */
export const HOSTILE_NAME = 'O=hostile, CN=same name';

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function keyPair(curve: 'P-256' | 'P-521' = 'P-256'): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

function ca(subject: string, key: KeyPair, issuer: CertificateIssuer | undefined, extra: Partial<CertificateSpec> = {}): Promise<MintedCertificate> {
  const now = Date.now();
  return mintCertificate({
    subject,
    key,
    ...(issuer === undefined ? {} : { issuer }),
    basicConstraints: { ca: true, critical: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'], critical: true },
    notBefore: new Date(now - 24 * HOUR),
    notAfter: new Date(now + 24 * HOUR),
    // Without key identifiers nothing orders the candidates: the worst case for the search.
    subjectKeyIdentifier: false,
    authorityKeyIdentifier: false,
    ...extra,
  });
}

/** A signer with `key` whose subject is `name` (not presented: it only names the issuer). */
async function signer(name: string, key: KeyPair): Promise<MintedCertificate> {
  return ca(name, key, undefined);
}

function leafSpec(id: string, issuer: CertificateIssuer, key?: KeyPair): CertificateSpec {
  const now = Date.now();
  return {
    subject: 'CN=hostile leaf',
    issuer,
    ...(key === undefined ? {} : { key }),
    uris: [id],
    basicConstraints: { ca: false, critical: true },
    keyUsage: { usages: ['digitalSignature'], critical: true },
    extKeyUsage: ['serverAuth', 'clientAuth'],
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + HOUR),
    authorityKeyIdentifier: false,
  };
}

/** A hostile chain: the leaf first, then the CAs; `leafKey` signs handshakes with the leaf. */
export interface HostileChain {
  /** For {@link sameNameSameKey}: the self-signed root with that name and key (a hostile federated authority). */
  readonly root?: MintedCertificate;
  readonly leaf: MintedCertificate;
  readonly cas: readonly MintedCertificate[];
  readonly der: readonly Buffer[];
}

function chainOf(leaf: MintedCertificate, cas: readonly MintedCertificate[]): HostileChain {
  return { leaf, cas, der: [leaf.der, ...cas.map((c) => c.der)] };
}

/**
 * The leaf plus `n` self-issued CAs that share one name and one key: without loop avoidance every
 * ordering of them is a path (n! of them).
 */
export async function sameNameSameKey(id: string, n: number): Promise<HostileChain & { readonly root: MintedCertificate; readonly leafKey: KeyObject }> {
  const key = keyPair();
  const leafKeyPair = keyPair();
  const self = await signer(HOSTILE_NAME, key);
  const cas: MintedCertificate[] = [];
  for (let i = 0; i < n; i++) cas.push(await ca(HOSTILE_NAME, key, self, { serialNumber: BigInt(i + 1) }));
  return { ...chainOf(await mintCertificate(leafSpec(id, self, leafKeyPair)), cas), root: self, leafKey: leafKeyPair.privateKey };
}

/**
 * A cycle of `n` self-issued CAs with one name and distinct keys, CA i signed by the key of CA
 * i+1 (mod n), presented in the order that makes depth-first search try every wrong one first.
 */
export async function cycle(id: string, n: number): Promise<HostileChain> {
  const keys = Array.from({ length: n }, () => keyPair());
  const signers = await Promise.all(keys.map((k) => signer(HOSTILE_NAME, k)));
  const cas: MintedCertificate[] = [];
  for (let i = 0; i < n; i++) cas.push(await ca(HOSTILE_NAME, keys[i] as KeyPair, signers[(i + 1) % n]));
  return chainOf(await mintCertificate(leafSpec(id, signers[0] as CertificateIssuer)), cas.reverse());
}

/**
 * Cross-signed candidates: `keys` keys under one name, each certified by the next `signersPerKey`
 * keys (mod `keys`), so that every step has several valid parents and the paths multiply.
 * `top`, when given, certifies key 0 under the shared name and is presented first: a real path
 * to `top`'s authority (what a TLS stack with a flat trust list finds), which the SPIFFE
 * verifier, limited to the leaf's own trust domain, cannot use.
 */
export async function crossSigned(
  id: string,
  keys: number,
  signersPerKey: number,
  top?: CertificateIssuer,
  curve: 'P-256' | 'P-521' = 'P-256',
): Promise<HostileChain & { readonly leafKey: KeyObject }> {
  const pairs = Array.from({ length: keys }, () => keyPair(curve));
  const signers = await Promise.all(pairs.map((k) => signer(HOSTILE_NAME, k)));
  const cas: MintedCertificate[] = [];
  if (top !== undefined) cas.push(await ca(HOSTILE_NAME, pairs[0] as KeyPair, top, { authorityKeyIdentifier: true }));
  for (let a = 0; a < keys; a++) {
    for (let s = 1; s <= signersPerKey; s++) cas.push(await ca(HOSTILE_NAME, pairs[a] as KeyPair, signers[(a + s) % keys]));
  }
  const leafKey = keyPair();
  const leaf = await mintCertificate(leafSpec(id, signers[0] as CertificateIssuer, leafKey));
  return { ...chainOf(leaf, cas), leafKey: leafKey.privateKey };
}
