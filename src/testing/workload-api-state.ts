/**
 * What the test Workload API serves: its CA, the identities and their X.509-SVIDs, federated
 * bundles, and the Workload API messages built from them.
 *
 * @module
 */
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import { TrustDomain } from '../spiffeid/trust-domain.js';
import { type IssuedX509Svid, TestCa } from './ca.js';
import type { Jwk } from './jwt-issuer.js';
import { type KeyType, TestingError } from './keys.js';
import type {
  JwtBundlesResponseMessage,
  WorkloadApiStreamMessages,
  WorkloadApiStreamMethod,
  X509BundlesResponseMessage,
  X509SvidResponseMessage,
} from './workload-api-proto.js';

/**
 * An identity the test agent issues X.509-SVIDs (and JWT-SVIDs) for.
 *
 * @example
 * ```ts
 * const svid = await api.addIdentity({ id: 'spiffe://example.org/web', hint: 'internal', ttlMs: 5_000 });

 * ```
 */
export interface TestIdentity {
  /** The SPIFFE ID; must be in the server's trust domain. */
  readonly id: SpiffeId | string;
  /** The Workload API `hint`. Default: none. */
  readonly hint?: string | undefined;
  /** X.509-SVID lifetime. Default one hour (cut to the CA's validity). */
  readonly ttlMs?: number | undefined;
  /** X.509-SVID key type. Default the CA's (`ec-p256`). */
  readonly keyType?: KeyType | undefined;
}

/** @internal An identity and its current X.509-SVID. */
export interface IdentityState {
  readonly id: SpiffeId;
  readonly hint: string | undefined;
  readonly ttlMs: number | undefined;
  readonly keyType: KeyType | undefined;
  svid: IssuedX509Svid;
  /** PKCS#8 DER, exported once per issuance. */
  keyDer: Buffer;
}

/** @internal The served state. Mutations are serialized by the caller. */
export class WorkloadState {
  readonly trustDomain: TrustDomain;
  readonly identities = new Map<string, IdentityState>();
  readonly federated = new Map<string, TestCa | Buffer>();
  ca: TestCa;
  #previousRoots: Buffer[] = [];

  constructor(ca: TestCa) {
    this.ca = ca;
    this.trustDomain = ca.trustDomain;
  }

  identity(id: SpiffeId | string): IdentityState {
    const state = this.identities.get(SpiffeId.from(id).toString());
    if (!state) throw new TestingError('ERR_TESTING_INVALID_OPTION', `No identity ${String(id)} on the test Workload API`);
    return state;
  }

  async addIdentity(identity: TestIdentity): Promise<IssuedX509Svid> {
    const id = SpiffeId.from(identity.id);
    if (!id.memberOf(this.trustDomain)) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Identity ${id} is not in the server's trust domain ${this.trustDomain.name}`);
    if (this.identities.has(id.toString())) throw new TestingError('ERR_TESTING_INVALID_OPTION', `Identity ${id} already exists`);
    const spec = { id, hint: identity.hint, ttlMs: identity.ttlMs, keyType: identity.keyType };
    const svid = await this.ca.issueX509Svid(spec);
    this.identities.set(id.toString(), { ...spec, svid, keyDer: svid.privateKeyDer });
    return svid;
  }

  /** Re-issues the X.509-SVIDs of `targets` (default: all) with the current CA. */
  async reissue(targets: readonly IdentityState[] = [...this.identities.values()]): Promise<IssuedX509Svid[]> {
    await Promise.all(
      targets.map(async (state) => {
        const svid = await this.ca.issueX509Svid(state);
        state.svid = svid;
        state.keyDer = svid.privateKeyDer;
      }),
    );
    return targets.map((t) => t.svid);
  }

  async rotateCa(keepPrevious: boolean): Promise<TestCa> {
    const next = await this.ca.rotate();
    this.#previousRoots = keepPrevious ? [this.ca.rootDer, ...this.#previousRoots] : [];
    this.ca = next;
    await this.reissue();
    return next;
  }

  /** The name of a federated trust domain; refuses the own one. */
  federatedName(trustDomain: TrustDomain | string): string {
    const td = TrustDomain.from(trustDomain);
    if (td.equals(this.trustDomain)) throw new TestingError('ERR_TESTING_INVALID_OPTION', `${td.name} is the server's own trust domain, not a federated one`);
    return td.name;
  }

  /** The JWK Set of a trust domain (own, or a federated {@link TestCa}), by name. */
  jwksFor(trustDomain: string): { keys: readonly Jwk[] } | undefined {
    if (trustDomain === this.trustDomain.name) return this.ca.jwks();
    const federated = this.federated.get(trustDomain);
    return federated instanceof TestCa ? federated.jwks() : undefined;
  }

  message<M extends WorkloadApiStreamMethod>(rpc: M): WorkloadApiStreamMessages[M];
  message(rpc: WorkloadApiStreamMethod): WorkloadApiStreamMessages[WorkloadApiStreamMethod] {
    return rpc === 'fetchX509Svid' ? this.x509SvidMessage() : rpc === 'fetchX509Bundles' ? this.x509BundlesMessage() : this.jwtBundlesMessage();
  }

  x509SvidMessage(): X509SvidResponseMessage {
    const bundle = this.#bundleDer();
    return {
      svids: [...this.identities.values()].map((s) => ({ spiffe_id: s.id.toString(), x509_svid: s.svid.certChainDer, x509_svid_key: s.keyDer, bundle, hint: s.hint ?? '' })),
      crl: [],
      federated_bundles: this.#federatedX509(),
    };
  }

  x509BundlesMessage(): X509BundlesResponseMessage {
    return { crl: [], bundles: new Map([[this.trustDomain.idString(), this.#bundleDer()], ...this.#federatedX509()]) };
  }

  jwtBundlesMessage(): JwtBundlesResponseMessage {
    const bundles = new Map<string, Buffer>([[this.trustDomain.idString(), Buffer.from(JSON.stringify(this.ca.jwks()))]]);
    for (const [td, b] of this.federated) if (b instanceof TestCa) bundles.set(`spiffe://${td}`, Buffer.from(JSON.stringify(b.jwks())));
    return { bundles };
  }

  #bundleDer(): Buffer {
    return Buffer.concat([this.ca.bundleDer(), ...this.#previousRoots]);
  }

  #federatedX509(): Map<string, Buffer> {
    const bundles = new Map<string, Buffer>();
    for (const [td, b] of this.federated) bundles.set(`spiffe://${td}`, b instanceof TestCa ? b.bundleDer() : b);
    return bundles;
  }
}
