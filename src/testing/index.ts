/**
 * `spiffe-kit/testing`: an in-process Workload API (`TestWorkloadApi`, real gRPC on a unix socket
 * or TCP, with rotation and fault injection), a test CA and a JWT issuer, for the tests of
 * services that use spiffe-kit and for demos without SPIRE.
 *
 * @example
 * ```ts
 * import { TestWorkloadApi } from 'spiffe-kit/testing';
 * const agent = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
 * process.env['SPIFFE_ENDPOINT_SOCKET'] = agent.address;
 * ```
 * @categoryDescription Testing
 * The test Workload API, the test CA and JWT issuer, and certificate minting.
 * @categoryDescription Errors
 * Errors of the test helpers, with stable codes.
 * @module spiffe-kit/testing
 */
export {
  IssuedX509Svid,
  type IntermediateOptions,
  type IssueIntermediateOptions,
  type IssueX509SvidOptions,
  TestCa,
  type TestCaOptions,
  type Validity,
} from './ca.js';
export {
  type Jwk,
  type JwtAlgorithm,
  type JwtKeyInfo,
  type JwtKeyOptions,
  type SignJwtSvidOptions,
  TestJwtIssuer,
  type TestJwtIssuerOptions,
} from './jwt-issuer.js';
export { generateTestKey, KEY_TYPES, type KeyType, keyTypeOf, type SignatureHash, type TestKeyPair, TestingError, type TestingErrorCode } from './keys.js';
export {
  type BasicConstraintsSpec,
  type CertificateIssuer,
  type CertificateSpec,
  EXT_KEY_USAGE,
  type ExtKeyUsageName,
  type ExtensionSpec,
  type ExtKeyUsageSpec,
  type KeyUsageName,
  type KeyUsageSpec,
  MintedCertificate,
  mintCertificate,
} from './mint.js';
export { TestWorkloadApi, type TestWorkloadApiOptions, type WorkloadApiCallCounts } from './workload-api.js';
export { TestWorkloadApiError, type TestWorkloadApiErrorCode } from './workload-api-error.js';
export { MissingPeerDependencyError } from '../internal/optional-peer.js';
export type { TestIdentity } from './workload-api-state.js';
export type { WaitForStreamsOptions } from './workload-api-streams.js';
export {
  type FailWithOptions,
  GRPC_STATUS,
  type GrpcStatusCode,
  type GrpcStatusName,
  type MalformedKind,
  OVERSIZED_BUNDLE_BYTES,
  type PushMalformedOptions,
} from './workload-api-faults.js';
export type {
  JwtBundlesResponseMessage,
  WorkloadApiMethod,
  WorkloadApiStreamMessages,
  WorkloadApiStreamMethod,
  X509BundlesResponseMessage,
  X509SvidMessage,
  X509SvidResponseMessage,
} from './workload-api-proto.js';
