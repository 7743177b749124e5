// Shared by the TLS tests: servers on 127.0.0.1 that the test's cleanup closes, and a one-method
// gRPC service with raw bytes (no proto) for handshake and identity checks.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type * as grpc from '@grpc/grpc-js';

interface Listening {
  listen(port: number, host: string): unknown;
  close(callback?: () => void): unknown;
  address(): AddressInfo | string | null;
  once(event: string, listener: () => void): unknown;
}

/** Listens on a free loopback port and registers closing (open connections included) in `cleanup`. */
export async function listenOnLoopback(server: Listening, cleanup: Array<() => unknown>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server as unknown as NodeJS.EventEmitter, 'listening');
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A unary method `/test.<service>/<method>` whose request and response are raw bytes. */
export function rawUnaryService(service: string, method: string, key: string): grpc.ServiceDefinition {
  return {
    [key]: {
      path: `/test.${service}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: Buffer) => v,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (v: Buffer) => v,
      responseDeserialize: (b: Buffer) => b,
    },
  };
}
