/**
 * Fault injection for the test Workload API: gRPC status codes by name, injected failures
 * (`failWith`), and the malformed messages of `pushMalformed`.
 *
 * @module
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { TestingError } from './keys.js';
import type { WorkloadApiMethod, WorkloadApiStreamMessages, WorkloadApiStreamMethod, X509SvidMessage } from './workload-api-proto.js';

/**
 * gRPC status codes by their `@grpc/grpc-js` `status` names.
 *
 * @example
 * ```ts
 * import { GRPC_STATUS } from 'spiffe-kit/testing';
 * api.failWith(GRPC_STATUS.PERMISSION_DENIED, 'no registration entry', { rpc: 'fetchX509Svid' });
 * ```
 */
export const GRPC_STATUS = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const);

/**
 * A gRPC status name, as in `@grpc/grpc-js`'s `status` enum.
 *
 * @example
 * ```ts
 * api.failWith('UNAVAILABLE', 'the agent is restarting', { times: 2 });
 * ```
 */
export type GrpcStatusName = keyof typeof GRPC_STATUS;

/**
 * A gRPC status: its number (`grpc.status.UNAVAILABLE`) or its name (`'UNAVAILABLE'`).
 *
 * @example
 * ```ts
 * import { status } from '@grpc/grpc-js';
 * const a: GrpcStatusCode = status.PERMISSION_DENIED;
 * const b: GrpcStatusCode = 'PERMISSION_DENIED';
 * ```
 */
export type GrpcStatusCode = number | GrpcStatusName;

/** @internal A status to answer a call with. */
export interface CallStatus {
  readonly code: number;
  readonly details: string;
}

/** @internal Resolves a status name or number; rejects OK and unknown codes. */
export function resolveStatus(code: GrpcStatusCode, message: string | undefined): CallStatus {
  const number = typeof code === 'number' ? code : GRPC_STATUS[code];
  if (number === undefined || !Number.isInteger(number) || number < 1 || number > 16) {
    throw new TestingError('ERR_TESTING_INVALID_OPTION', `failWith needs a non-OK gRPC status (1-16 or a name such as 'UNAVAILABLE'), got ${JSON.stringify(code)}`);
  }
  return { code: number, details: message ?? defaultDetails(number) };
}

function defaultDetails(code: number): string {
  switch (code) {
    case GRPC_STATUS.PERMISSION_DENIED:
      return 'no identity issued';
    case GRPC_STATUS.INVALID_ARGUMENT:
      return 'security header missing from request';
    case GRPC_STATUS.UNAVAILABLE:
      return 'workload API unavailable (injected failure)';
    case GRPC_STATUS.UNIMPLEMENTED:
      return 'method not implemented (injected failure)';
    default: {
      const name = Object.entries(GRPC_STATUS).find(([, n]) => n === code)?.[0];
      return `injected failure ${name}`;
    }
  }
}

/**
 * Options of {@link TestWorkloadApi.failWith}.
 *
 * @example
 * ```ts
 * api.failWith('PERMISSION_DENIED', 'not yet registered', { rpc: 'fetchJwtSvid', times: 1 });

 * ```
 */
export interface FailWithOptions {
  /** Only this method. Default: every method. */
  readonly rpc?: WorkloadApiMethod | undefined;
  /**
   * How many new calls to answer with the status; then the server answers normally again.
   * `0` only ends the open streams. Default: every call until {@link TestWorkloadApi.clearFailure}.
   */
  readonly times?: number | undefined;
  /** End the open streams (of `rpc`, or all) with the status too. Default `true`. */
  readonly endStreams?: boolean | undefined;
}

interface FailureRule {
  readonly status: CallStatus;
  readonly rpc: WorkloadApiMethod | undefined;
  remaining: number;
}

/** @internal The injected failures, newest first wins. */
export class FailureRules {
  #rules: FailureRule[] = [];

  add(status: CallStatus, rpc: WorkloadApiMethod | undefined, times: number): void {
    if (!(times >= 0) || (Number.isFinite(times) && !Number.isInteger(times))) {
      throw new TestingError('ERR_TESTING_INVALID_OPTION', `failWith times must be a non-negative integer or Infinity, got ${times}`);
    }
    if (times > 0) this.#rules.unshift({ status, rpc, remaining: times });
  }

  clear(rpc: WorkloadApiMethod | undefined): void {
    this.#rules = rpc === undefined ? [] : this.#rules.filter((r) => r.rpc !== rpc);
  }

  /** The status to fail a new call with, consuming one of the rule's `times`. */
  take(rpc: WorkloadApiMethod): CallStatus | undefined {
    const index = this.#rules.findIndex((r) => r.rpc === undefined || r.rpc === rpc);
    const rule = this.#rules[index];
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    return rule.status;
  }
}

/**
 * The malformed messages {@link TestWorkloadApi.pushMalformed} can push:
 * - `'empty-svids'`: an X509SVIDResponse with no SVIDs (bundles kept);
 * - `'garbage-der'`: bytes that are not DER (a SEQUENCE header announcing more bytes than follow)
 *   in place of the first SVID's `x509_svid`, or of the own bundle (X.509 bundles), or non-JSON
 *   bytes in place of the own JWT bundle;
 * - `'key-mismatch'`: the first SVID with a private key that does not match its certificate;
 * - `'empty-spiffe-id'`: the first SVID with an empty `spiffe_id`;
 * - `'oversized-bundle'`: the own bundle inflated past `bytes` (default 4 MiB + 1) with copies
 *   of the root certificate (X.509) or padding (JWT).
 *
 * @example
 * ```ts
 * const kind: MalformedKind = 'key-mismatch';
 * api.pushMalformed(kind);
 * ```
 */
export type MalformedKind = 'empty-svids' | 'garbage-der' | 'key-mismatch' | 'empty-spiffe-id' | 'oversized-bundle';

/**
 * Options of {@link TestWorkloadApi.pushMalformed}.
 *
 * @example
 * ```ts
 * api.pushMalformed('oversized-bundle', { rpc: 'fetchJwtBundles', bytes: 1024 * 1024 });
 * ```
 */
export interface PushMalformedOptions {
  /**
   * The streams to push on. Default `fetchX509Bundles` for `'oversized-bundle'`,
   * `fetchX509Svid` for the rest. SVID kinds exist only on `fetchX509Svid`.
   */
  readonly rpc?: WorkloadApiStreamMethod | undefined;
  /** For `'oversized-bundle'`: the minimum size of the bundle in bytes (whole certificates, so it may be a little more). Default 4 MiB + 1. */
  readonly bytes?: number | undefined;
}

/**
 * Default size of the `'oversized-bundle'` bundle: one byte over rust-spiffe's 4 MiB per-bundle
 * limit (and, with the message framing, over grpc-js's default 4 MiB receive limit).
 *
 * @example
 * ```ts
 * import { OVERSIZED_BUNDLE_BYTES } from 'spiffe-kit/testing';
 * api.pushMalformed('oversized-bundle');                     // at least OVERSIZED_BUNDLE_BYTES
 * api.pushMalformed('oversized-bundle', { bytes: 64 * 1024 }); // for a client with a lower limit
 * ```
 */
export const OVERSIZED_BUNDLE_BYTES = 4 * 1024 * 1024 + 1;

/** @internal The parts of the good state a malformed message is made from. */
export interface MalformedContext {
  readonly ownKey: string;
  readonly rootDer: Buffer;
  readonly good: { [M in WorkloadApiStreamMethod]: () => WorkloadApiStreamMessages[M] };
}

/** @internal Builds the malformed message of `kind` for `rpc`. */
export function malformedMessage<M extends WorkloadApiStreamMethod>(kind: MalformedKind, rpc: M, ctx: MalformedContext, bytes: number): WorkloadApiStreamMessages[M];
export function malformedMessage(kind: MalformedKind, rpc: WorkloadApiStreamMethod, ctx: MalformedContext, bytes: number): WorkloadApiStreamMessages[WorkloadApiStreamMethod] {
  if (rpc === 'fetchX509Svid') {
    const good = ctx.good.fetchX509Svid();
    const svids = good.svids ?? [];
    const first = svids[0];
    const withFirst = (patch: X509SvidMessage) => ({ ...good, svids: [{ ...first, ...patch }, ...svids.slice(1)] });
    switch (kind) {
      case 'empty-svids':
        return { ...good, svids: [] };
      case 'garbage-der':
        return withFirst({ x509_svid: garbageDer() });
      case 'key-mismatch':
        return withFirst({ x509_svid_key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }) });
      case 'empty-spiffe-id':
        return withFirst({ spiffe_id: '' });
      case 'oversized-bundle': {
        const big = inflate(ctx.rootDer, bytes);
        return { ...good, svids: svids.map((s) => ({ ...s, bundle: big })) };
      }
    }
  }
  if (kind === 'garbage-der' || kind === 'oversized-bundle') {
    if (rpc === 'fetchX509Bundles') {
      const good = ctx.good.fetchX509Bundles();
      return { ...good, bundles: new Map(good.bundles).set(ctx.ownKey, kind === 'garbage-der' ? garbageDer() : inflate(ctx.rootDer, bytes)) };
    }
    const good = ctx.good.fetchJwtBundles();
    const own = good.bundles?.get(ctx.ownKey) ?? Buffer.from('{"keys":[]}');
    return { ...good, bundles: new Map(good.bundles).set(ctx.ownKey, kind === 'garbage-der' ? garbageDer() : padJson(own, bytes)) };
  }
  throw new TestingError('ERR_TESTING_INVALID_OPTION', `pushMalformed('${kind}') applies to fetchX509Svid streams only, not ${rpc}`);
}

/** A DER SEQUENCE header announcing 4095 bytes, followed by 32 random ones. */
function garbageDer(): Buffer {
  return Buffer.concat([Buffer.from([0x30, 0x82, 0x0f, 0xff]), randomBytes(32)]);
}

function inflate(der: Buffer, bytes: number): Buffer {
  const copies = Math.max(1, Math.ceil(bytes / der.length));
  return Buffer.concat(Array.from({ length: copies }, () => der));
}

function padJson(json: Uint8Array, bytes: number): Buffer {
  const set = JSON.parse(Buffer.from(json).toString('utf8')) as Record<string, unknown>;
  const base = Buffer.byteLength(JSON.stringify(set));
  return Buffer.from(JSON.stringify({ ...set, spiffe_kit_padding: 'x'.repeat(Math.max(0, bytes - base - 24)) }));
}
