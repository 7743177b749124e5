/**
 * A scriptable Workload API server for the client tests: a real @grpc/grpc-js server on a real
 * unix socket (or TCP 127.0.0.1:0) serving the same proto. Each RPC runs the handler the test
 * installs; every call is recorded with its security header, request, and whether the client
 * cancelled it. Messages are the generated ones (src/gen/workload.ts, maps as Maps, claims as
 * JSON), any field left out, encoded by the test Workload API's service definition; writing a
 * Buffer sends those bytes as the message, unencoded (for malformed messages).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { workloadApiService } from '../src/testing/workload-api-service.js';
import type { WorkloadApiRpc } from '../src/workloadapi/methods.js';

export interface RecordedCall {
  readonly rpc: WorkloadApiRpc;
  /** Every value of the `workload.spiffe.io` metadata key. */
  readonly header: readonly grpc.MetadataValue[];
  readonly request: unknown;
  cancelled: boolean;
}

export type StreamHandler = (call: grpc.ServerWritableStream<unknown, unknown>, record: RecordedCall) => void;
export type UnaryHandler = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>, record: RecordedCall) => void;

export interface Handlers {
  FetchX509SVID?: StreamHandler;
  FetchX509Bundles?: StreamHandler;
  FetchJWTBundles?: StreamHandler;
  FetchJWTSVID?: UnaryHandler;
  ValidateJWTSVID?: UnaryHandler;
}

const STREAMS = ['FetchX509SVID', 'FetchX509Bundles', 'FetchJWTBundles'] as const;
const UNARY = ['FetchJWTSVID', 'ValidateJWTSVID'] as const;

/** Polls `predicate` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ScriptedAgent {
  readonly calls: RecordedCall[] = [];
  handlers: Handlers = {};
  #server: grpc.Server | undefined;
  #dir: string | undefined;

  private constructor(
    /** The address to give the client (`unix:///…/agent.sock` or `tcp://127.0.0.1:PORT`). */
    readonly address: string,
    /** The socket path, for unix servers. */
    readonly socketPath: string | undefined,
    server: grpc.Server,
    dir: string | undefined,
  ) {
    this.#server = server;
    this.#dir = dir;
  }

  /** Starts a server on a fresh socket in a temporary directory, or on TCP 127.0.0.1:0. */
  static async start(options: { tcp?: boolean; socketPath?: string } = {}): Promise<ScriptedAgent> {
    if (options.tcp) {
      // eslint-disable-next-line prefer-const -- assigned after the server that captures it is built
      let agent: ScriptedAgent | undefined;
      const server = ScriptedAgent.#newServer(() => agent as ScriptedAgent);
      const port = await bind(server, '127.0.0.1:0');
      agent = new ScriptedAgent(`tcp://127.0.0.1:${port}`, undefined, server, undefined);
      return agent;
    }
    const dir = options.socketPath === undefined ? await mkdtemp(join(tmpdir(), 'spiffe-kit-client-')) : undefined;
    const socketPath = options.socketPath ?? join(dir as string, 'agent.sock');
    // eslint-disable-next-line prefer-const -- assigned after the server that captures it is built
    let agent: ScriptedAgent | undefined;
    const server = ScriptedAgent.#newServer(() => agent as ScriptedAgent);
    await bind(server, `unix:${socketPath}`);
    agent = new ScriptedAgent(`unix://${socketPath}`, socketPath, server, dir);
    return agent;
  }

  static #newServer(agent: () => ScriptedAgent): grpc.Server {
    // Its serializers send a Buffer written by a handler as it is (malformed messages).
    const service = workloadApiService();
    const impl: grpc.UntypedServiceImplementation = {};
    for (const rpc of STREAMS) {
      impl[rpc] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const record = agent().#record(rpc, call);
        agent().handlers[rpc]?.(call, record);
      };
    }
    for (const rpc of UNARY) {
      impl[rpc] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const record = agent().#record(rpc, call);
        agent().handlers[rpc]?.(call, callback, record);
      };
    }
    const server = new grpc.Server();
    server.addService(service, impl);
    return server;
  }

  #record(rpc: WorkloadApiRpc, call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerUnaryCall<unknown, unknown>): RecordedCall {
    const record: RecordedCall = { rpc, header: call.metadata.get('workload.spiffe.io'), request: call.request, cancelled: false };
    call.on('cancelled', () => {
      record.cancelled = true;
    });
    this.calls.push(record);
    return record;
  }

  callsOf(rpc: WorkloadApiRpc): RecordedCall[] {
    return this.calls.filter((c) => c.rpc === rpc);
  }

  /** Stops serving (open calls are cut); the socket directory stays until {@link dispose}. */
  stop(): void {
    this.#server?.forceShutdown();
    this.#server = undefined;
  }

  async dispose(): Promise<void> {
    this.stop();
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/** A backoff that always waits `delayMs` and counts its calls. */
export function countingBackoff(delayMs: number): { counts: { next: number; reset: number }; factory: () => { next(): number; reset(): void } } {
  const counts = { next: 0, reset: 0 };
  return {
    counts,
    factory: () => ({
      next: () => {
        counts.next++;
        return delayMs;
      },
      reset: () => {
        counts.reset++;
      },
    }),
  };
}

/** A gRPC status error for a handler to fail with. */
export function statusError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

/** An X509SVIDResponse with `n` SVIDs (dummy bytes: this layer does not parse certificates). */
export function x509SvidResponse(n = 1, extra: { federated?: Map<string, Buffer>; bundleBytes?: number } = {}): object {
  return {
    svids: Array.from({ length: n }, (_, i) => ({
      spiffe_id: `spiffe://example.org/w${i}`,
      x509_svid: Buffer.from(`cert-${i}`),
      x509_svid_key: Buffer.from(`SECRET-KEY-${i}`),
      bundle: Buffer.alloc(extra.bundleBytes ?? 3, 0x42),
      hint: i === 0 ? 'internal' : '',
    })),
    crl: [Buffer.from('crl')],
    federated_bundles: extra.federated ?? new Map([['spiffe://partner.org', Buffer.from('partner-ca')]]),
  };
}

/** A bundles map with `n` trust domains of `size` bytes each. */
export function bundles(n: number, size = 4): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) out.set(`spiffe://td${i}.org`, Buffer.alloc(size, i));
  return out;
}
