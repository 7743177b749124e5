/**
 * The `SpiffeWorkloadAPI` service definition the test Workload API serves with `@grpc/grpc-js`:
 * call paths, streaming flags, and serializers on the generated messages of `src/gen/workload.ts`
 * (the ones the client decodes with; no `@grpc/proto-loader` / protobufjs at run time, whose
 * start-up cost is in BENCHMARKS.md, section `X509Source.create()`). Loaded on first use with
 * grpc-js (see `./workload-api-proto.ts`).

 *
 * The serializers take a message with any field left out (what `pushRaw` is for): a missing field
 * gets its proto3 default from the generated decoder, a field of the wrong kind is a
 * {@link TestingError} naming it. A `Uint8Array` is taken as an encoded message and sent as is,
 * so that a message encoded once (to fingerprint it) is not encoded again. Request deserializers
 * refuse malformed bytes with a {@link ProtoWireFormatError} (`src/internal/proto-wire.ts`).
 *
 * @module
 */
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as gen from '../gen/workload.js';
import { decodeWire } from '../internal/proto-wire.js';
import type { WorkloadApiRpc } from '../workloadapi/methods.js';
import { TestingError } from './keys.js';

/** A generated message's functions. */
interface MessageFns<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): T;
}

/** One message type: its proto name, generated functions, and the message type of each repeated message field. */
interface MessageType {
  readonly name: string;
  readonly fns: MessageFns<object>;
  readonly nested?: Readonly<Record<string, MessageType>>;
}

const type = <T extends object>(name: string, fns: MessageFns<T>, nested?: Record<string, MessageType>): MessageType =>
  Object.freeze({ name, fns: fns as unknown as MessageFns<object>, ...(nested && { nested: Object.freeze(nested) }) });

const X509_SVID = type('X509SVID', gen.X509SVID);
const JWT_SVID = type('JWTSVID', gen.JWTSVID);

interface Rpc {
  readonly name: WorkloadApiRpc;
  /** proto-loader's `originalName` (camelCase of the RPC name; grpc-js accepts handlers under it). */
  readonly originalName: string;
  readonly responseStream: boolean;
  readonly request: MessageType;
  readonly response: MessageType;
}

const RPCS: readonly Rpc[] = [
  { name: 'FetchX509SVID', originalName: 'fetchX509Svid', responseStream: true, request: type('X509SVIDRequest', gen.X509SVIDRequest), response: type('X509SVIDResponse', gen.X509SVIDResponse, { svids: X509_SVID }) },
  { name: 'FetchX509Bundles', originalName: 'fetchX509Bundles', responseStream: true, request: type('X509BundlesRequest', gen.X509BundlesRequest), response: type('X509BundlesResponse', gen.X509BundlesResponse) },
  { name: 'FetchJWTSVID', originalName: 'fetchJwtsvid', responseStream: false, request: type('JWTSVIDRequest', gen.JWTSVIDRequest), response: type('JWTSVIDResponse', gen.JWTSVIDResponse, { svids: JWT_SVID }) },
  { name: 'FetchJWTBundles', originalName: 'fetchJwtBundles', responseStream: true, request: type('JWTBundlesRequest', gen.JWTBundlesRequest), response: type('JWTBundlesResponse', gen.JWTBundlesResponse) },
  { name: 'ValidateJWTSVID', originalName: 'validateJwtsvid', responseStream: false, request: type('ValidateJWTSVIDRequest', gen.ValidateJWTSVIDRequest), response: type('ValidateJWTSVIDResponse', gen.ValidateJWTSVIDResponse) },
];

const EMPTY = new Uint8Array(0);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map) return 'a Map';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function refuse(where: string, want: string, value: unknown): never {
  throw new TestingError('ERR_TESTING_INVALID_OPTION', `${where} must be ${want}, got ${kindOf(value)}`);
}

/** `value` checked against the kind of the field's default (`like`); bytes may be any `Uint8Array`. */
function field(like: unknown, value: unknown, where: string, nested: MessageType | undefined): unknown {
  if (typeof like === 'string') return typeof value === 'string' ? value : refuse(where, 'a string', value);
  if (like instanceof Uint8Array) return value instanceof Uint8Array ? value : refuse(where, 'bytes (a Buffer or Uint8Array)', value);
  if (like instanceof Map) {
    if (!(value instanceof Map)) refuse(where, 'a Map (from trust domain ID to bytes)', value);
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (typeof k !== 'string') refuse(`${where} key`, 'a string', k);
      if (!(v instanceof Uint8Array)) refuse(`${where}.get(${JSON.stringify(k.slice(0, 100))})`, 'bytes (a Buffer or Uint8Array)', v);
    }
    return value;
  }
  if (Array.isArray(like)) {
    if (!Array.isArray(value)) refuse(where, 'an array', value);
    return (value as unknown[]).map((item, i) => {
      const here = `${where}[${i}]`;
      if (nested !== undefined) return complete(nested, item, here);
      if (typeof item === 'string' || item instanceof Uint8Array) return item;
      return refuse(here, 'a string or bytes', item);
    });
  }
  // A message field (only `claims`, a google.protobuf.Struct as JSON: the generated encoder wraps it).
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : refuse(where, 'an object', value);
}

/**
 * `message` with every missing field set to the generated decoder's default (a fresh object, so
 * the caller's is not changed) and every present field checked against the field's kind.
 */
function complete(type: MessageType, message: unknown, where: string): object {
  if (typeof message !== 'object' || message === null || Array.isArray(message) || message instanceof Uint8Array) refuse(where, `a ${type.name} message (an object)`, message);
  const out = type.fns.decode(EMPTY) as Record<string, unknown>;
  for (const [key, value] of Object.entries(message as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(out, key)) throw new TestingError('ERR_TESTING_INVALID_OPTION', `${where} has no field ${JSON.stringify(key)} (the fields of ${type.name}: ${Object.keys(out).join(', ') || 'none'})`);
    out[key] = field(out[key], value, `${where}.${key}`, type.nested?.[key]);
  }
  return out;
}

function serializer(type: MessageType): (value: unknown) => Buffer {
  return (value) => {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const bytes = type.fns.encode(complete(type, value, type.name)).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(type: MessageType): (bytes: Buffer) => object {
  return (bytes) => decodeWire(type.fns, bytes, type.name);
}

let service: ServiceDefinition | undefined;

/**
 * @internal The `SpiffeWorkloadAPI` service definition (paths `/SpiffeWorkloadAPI/<rpc>`,
 * streaming flags, the generated messages' serializers), in the form `@grpc/proto-loader`
 * produces minus its descriptor fields (`requestType`, `responseType`, `options`, used only by gRPC
 * reflection). Needs no gRPC runtime: grpc-js takes it as a plain object. Cached.
 */
export function workloadApiService(): ServiceDefinition {
  service ??= Object.freeze(
    Object.fromEntries(
      RPCS.map((rpc) => [
        rpc.name,
        Object.freeze({
          path: `/SpiffeWorkloadAPI/${rpc.name}`,
          requestStream: false,
          responseStream: rpc.responseStream,
          requestSerialize: serializer(rpc.request),
          requestDeserialize: deserializer(rpc.request),
          responseSerialize: serializer(rpc.response),
          responseDeserialize: deserializer(rpc.response),
          originalName: rpc.originalName,
        }),
      ]),
    ),
  ) as ServiceDefinition;
  return service;
}
