/**
 * What `X509Source.create()`, `JwtSource.create()` and `BundleSource.create()` reject with when
 * their time runs out: the code of the last failure (not a bare ERR_TIMEOUT), that failure as
 * `cause`, and how long they waited. Small `timeoutMs`; no timing assertions.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleSource, JwtSource, WorkloadApiError, X509Source } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { onCleanup, runCleanup, scratchDir } from './helpers/scratch.js';

afterEach(runCleanup);

const fastBackoff = () => ({ next: () => 20, reset: () => {} });
const TIMEOUT = 250;

type Create = (options: { address: string; timeoutMs: number; backoff: typeof fastBackoff }) => Promise<{ close(): Promise<void> }>;
const sources: Array<[string, Create, RegExp]> = [
  ['X509Source', (o) => X509Source.create(o), /an X\.509-SVID/],
  ['JwtSource', (o) => JwtSource.create(o), /the JWT bundles/],
  ['BundleSource', (o) => BundleSource.create(o), /bundles/],
];

async function gaveUp(create: Create, address: string): Promise<WorkloadApiError> {
  const err = await create({ address, timeoutMs: TIMEOUT, backoff: fastBackoff }).then(
    async (s) => {
      await s.close();
      throw new Error('create() resolved');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkloadApiError);
  const e = err as WorkloadApiError;
  expect(e.timeoutMs).toBe(TIMEOUT);
  expect(e.waitedMs).toBeGreaterThanOrEqual(TIMEOUT);
  expect(e.message).toContain(`Timed out after ${e.waitedMs} ms`);
  return e;
}

describe.each(sources)('%s.create() giving up', (_name, create, what) => {
  it('a missing socket: ERR_AGENT_UNREACHABLE, caused by the failed connect (ENOENT)', async () => {
    const dir = await scratchDir('give-up-');
    const path = join(dir, 'no-agent.sock');
    const e = await gaveUp(create, `unix://${path}`);
    expect(e.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(what);
    const cause = e.cause as WorkloadApiError;
    expect(cause).toBeInstanceOf(WorkloadApiError);
    expect(cause.code).toBe('ERR_AGENT_UNREACHABLE');
    expect(cause.grpcStatus).toBe('UNAVAILABLE');
    expect((cause.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(e.grpcStatus).toBe('UNAVAILABLE');
  });

  it('a socket path that is a plain file: ERR_AGENT_UNREACHABLE, caused by ECONNREFUSED', async () => {
    const dir = await scratchDir('give-up-');
    const path = join(dir, 'agent.sock');
    writeFileSync(path, 'not a socket');
    const e = await gaveUp(create, `unix://${path}`);
    expect(e.code).toBe('ERR_AGENT_UNREACHABLE');
    const cause = e.cause as WorkloadApiError;
    expect(cause.code).toBe('ERR_AGENT_UNREACHABLE');
    expect((cause.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('an agent that answers PermissionDenied: ERR_NOT_REGISTERED, caused by that answer', async () => {
    const api = await TestWorkloadApi.start({ identities: [] });
    onCleanup(() => api.close());
    api.failWith('PERMISSION_DENIED');
    const e = await gaveUp(create, api.address);
    expect(e.code).toBe('ERR_NOT_REGISTERED');
    expect(e.message).toMatch(/no identity issued/);
    const cause = e.cause as WorkloadApiError;
    expect(cause).toBeInstanceOf(WorkloadApiError);
    expect(cause).toMatchObject({ code: 'ERR_NOT_REGISTERED', grpcStatus: 'PERMISSION_DENIED', details: 'no identity issued' });
  });

  it('an agent that accepts the connection and never answers: ERR_TIMEOUT, no cause', async () => {
    const dir = await scratchDir('give-up-');
    const path = join(dir, 'silent.sock');
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads the HTTP/2 preface and says nothing
    });
    await new Promise<void>((r) => server.listen(path, r));
    onCleanup(() => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    });
    const e = await gaveUp(create, `unix://${path}`);
    expect(e.code).toBe('ERR_TIMEOUT');
    expect(e.message).toMatch(/no answer yet/);
    expect(e.cause).toBeUndefined();
  });
});

describe('X509Source.create() with a picker nothing matches', () => {
  it('gives up with ERR_NO_SVID naming what the agent serves', async () => {
    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
    onCleanup(() => api.close());
    const err = (await X509Source.create({ address: api.address, timeoutMs: TIMEOUT, picker: { hint: 'internal' } }).catch((e: unknown) => e)) as WorkloadApiError;
    expect(err).toBeInstanceOf(WorkloadApiError);
    expect(err.code).toBe('ERR_NO_SVID');
    expect(err.message).toMatch(/hint "internal"/);
    expect(err.message).toContain('spiffe://example.org/web');
    expect((err.cause as WorkloadApiError).code).toBe('ERR_NO_SVID');
    expect(err.waitedMs).toBeGreaterThanOrEqual(TIMEOUT);
  });
});
