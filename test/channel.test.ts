// The Workload API transport (gRPC over node:http2) against a raw HTTP/2 server on a real unix
// socket that speaks gRPC well or badly: framing, statuses, trailers-only answers, resets, GOAWAY,
// non-gRPC answers, over-size and split messages, and what the client sends.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkloadApiClient } from '../src/workloadapi/client.js';
import { workloadApiService } from '../src/testing/workload-api-service.js';

/** Encodes a response of `rpc` as the test Workload API does (the generated messages, any field left out). */
const encodeResponse = (rpc: 'FetchX509SVID' | 'FetchJWTSVID' | 'ValidateJWTSVID', message: object): Buffer => workloadApiService()[rpc]!.responseSerialize(message) as Buffer;
import { WorkloadApiError } from '../src/workloadapi/errors.js';
import { failure } from './helpers/failure.js';

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void | Promise<void>;

class RawGrpcServer {
  readonly server: http2.Http2Server;
  readonly sessions = new Set<http2.ServerHttp2Session>();
  readonly requests: http2.IncomingHttpHeaders[] = [];
  handler: Handler = () => {};

  private constructor(readonly socketPath: string) {
    this.server = http2.createServer();
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream, headers) => {
      this.requests.push(headers);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => {});
      stream.on('end', () => {
        void Promise.resolve(this.handler(stream, headers, Buffer.concat(chunks))).catch(() => {});
      });
    });
  }

  static async start(dir: string): Promise<RawGrpcServer> {
    const s = new RawGrpcServer(join(dir, 'agent.sock'));
    await new Promise<void>((resolve) => s.server.listen(s.socketPath, resolve));
    return s;
  }

  get address(): string {
    return `unix://${this.socketPath}`;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

function frame(body: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out[0] = flag;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

const JWT_MESSAGE = encodeResponse('FetchJWTSVID', { svids: [{ spiffe_id: 'spiffe://example.org/api', svid: 'a.b.c', hint: 'main' }] });

/** Answers with the given frames and a status in the trailers. */
function answer(frames: Buffer[], status = 0, message?: string): Handler {
  return (stream) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status), ...(message === undefined ? {} : { 'grpc-message': message }) }));
    for (const f of frames) stream.write(f);
    stream.end();
  };
}

let dir: string;
let server: RawGrpcServer;
const clients: WorkloadApiClient[] = [];

function client(options: { maxMessageBytes?: number; timeoutMs?: number } = {}): WorkloadApiClient {
  const c = new WorkloadApiClient({ address: server.address, timeoutMs: 3_000, ...options });
  clients.push(c);
  return c;
}


const fetchJwt = (c: WorkloadApiClient): Promise<unknown> => c.fetchJwtSvidRaw({ audience: ['api'] });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-channel-'));
  server = await RawGrpcServer.start(dir);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gRPC over node:http2: what the client sends', () => {
  it('POSTs to /SpiffeWorkloadAPI/<rpc> with the gRPC headers, the security header, a deadline and one framed message', async () => {
    let body: Buffer = Buffer.alloc(0);
    server.handler = (stream, _h, b) => {
      body = b;
      answer([frame(JWT_MESSAGE)])(stream, _h, b);
    };
    const res = await client().fetchJwtSvidRaw({ audience: ['api', 'other'] }, { timeoutMs: 2_500 });
    expect(res.svids[0]).toMatchObject({ spiffe_id: 'spiffe://example.org/api', svid: 'a.b.c', hint: 'main' });
    const h = server.requests[0] as http2.IncomingHttpHeaders;
    expect(h[':method']).toBe('POST');
    expect(h[':path']).toBe('/SpiffeWorkloadAPI/FetchJWTSVID');
    expect(h['content-type']).toBe('application/grpc');
    expect(h['te']).toBe('trailers');
    expect(h['workload.spiffe.io']).toBe('true');
    expect(h['grpc-timeout']).toBe('2500m');
    expect(h['grpc-encoding']).toBeUndefined();
    // One uncompressed message: flag 0, the length, then audience × 2.
    expect(body[0]).toBe(0);
    expect(body.readUInt32BE(1)).toBe(body.length - 5);
    expect(body.subarray(5).toString('latin1')).toContain('api');
    expect(body.subarray(5).toString('latin1')).toContain('other');
  });

  it('sends long deadlines in seconds (grpc-timeout has at most 8 digits)', async () => {
    server.handler = answer([frame(JWT_MESSAGE)]);
    await client().fetchJwtSvidRaw({ audience: ['api'] }, { timeoutMs: 2 ** 31 - 1 });
    expect(server.requests[0]?.['grpc-timeout']).toBe('2147484S');
  });

  it('sends every call of one client over one connection, and opens a new one after a GOAWAY', async () => {
    server.handler = answer([frame(JWT_MESSAGE)]);
    const c = client();
    await fetchJwt(c);
    await fetchJwt(c);
    expect(server.requests).toHaveLength(2);
    const [first] = [...server.sessions];
    expect(server.sessions.size).toBe(1);
    first?.goaway(http2.constants.NGHTTP2_NO_ERROR);
    await new Promise((r) => setTimeout(r, 50));
    await fetchJwt(c);
    expect(server.requests).toHaveLength(3);
    expect([...server.sessions].some((s) => s !== first)).toBe(true);
  });
});

describe('gRPC over node:http2: TCP', () => {
  it('reaches an agent on tcp://[::1]:port (IPv6) and tcp://127.0.0.1:port, with host:port as :authority', async () => {
    for (const host of ['::1', '127.0.0.1']) {
      const tcp = http2.createServer();
      const seen: http2.IncomingHttpHeaders[] = [];
      tcp.on('stream', (stream, headers) => {
        seen.push(headers);
        stream.on('data', () => {});
        stream.on('end', () => answer([frame(JWT_MESSAGE)])(stream, headers, Buffer.alloc(0)));
      });
      await new Promise<void>((resolve) => tcp.listen(0, host, resolve));
      const { port } = tcp.address() as { port: number };
      const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const c = new WorkloadApiClient({ address: `tcp://${shown}`, timeoutMs: 3_000 });
      try {
        const res = await c.fetchJwtSvidRaw({ audience: ['api'] });
        expect(res.svids[0]?.spiffe_id).toBe('spiffe://example.org/api');
        expect(seen[0]?.[':authority']).toBe(shown);
      } finally {
        c.close();
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
      }
    }
  });
});

describe('gRPC over node:http2: messages', () => {
  it('reads a message that arrives one byte per DATA frame', async () => {
    server.handler = async (stream) => {
      stream.respond(OK_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      for (const byte of frame(JWT_MESSAGE)) {
        stream.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      stream.end();
    };
    const res = await client().fetchJwtSvidRaw({ audience: ['api'] });
    expect(res.svids[0]?.svid).toBe('a.b.c');
  });

  it('rejects a message over maxMessageBytes from its prefix alone, without waiting for the body', async () => {
    server.handler = (stream) => {
      stream.respond(OK_HEADERS);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(64 * 1024 * 1024, 1);
      stream.write(prefix); // the 64 MiB body never comes
    };
    const err = await failure(fetchJwt(client({ maxMessageBytes: 1024 })));
    expect(err.code).toBe('ERR_RESOURCE_LIMIT');
    expect(err.limit).toBe('maxMessageBytes');
    expect(err.message).toContain('67108864 vs. 1024');
  });

  it('refuses a compressed message (none was asked for)', async () => {
    server.handler = answer([frame(JWT_MESSAGE, 1)]);
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_AGENT_ERROR');
    expect(err.grpcCode).toBe(13);
    expect(err.message).toContain('compressed');
  });

  it('refuses a message prefix whose flag is neither 0 nor 1', async () => {
    server.handler = answer([frame(JWT_MESSAGE, 2)]);
    const err = await failure(fetchJwt(client()));
    expect(err.grpcCode).toBe(13);
    expect(err.message).toContain('invalid message prefix (flag 2)');
  });

  it('reports a stream that ends inside a message as malformed', async () => {
    server.handler = answer([frame(JWT_MESSAGE).subarray(0, 9)]);
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(err.message).toMatch(/ended inside a message/);
  });

  it('reports bytes that are not the response message as malformed', async () => {
    server.handler = answer([frame(Buffer.from([0x0a, 0x7f, 0x01]))]);
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_MALFORMED_RESPONSE');
  });

  it('requires exactly one message from a unary call', async () => {
    server.handler = answer([]);
    const none = await failure(fetchJwt(client()));
    expect(none.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(none.message).toContain('no response message');
    server.handler = answer([frame(JWT_MESSAGE), frame(JWT_MESSAGE)]);
    const two = await failure(fetchJwt(client()));
    expect(two.code).toBe('ERR_MALFORMED_RESPONSE');
    expect(two.message).toContain('more than one');
  });

  it('refuses, as ERR_MALFORMED_RESPONSE, the wire-format breaks the generated decoder alone would read', async () => {
    const cases: [string, Buffer][] = [
      ['field number 0', Buffer.from([0x00, 0x00])],
      ['a stray end-group', Buffer.from([0x0c])],
      ['a tag over 32 bits that aliases field 1', Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00])],
      // A bundles entry of 2^32 + 2 bytes: BinaryReader.uint32() alone reads 2, and the entry would be the next 2 bytes.
      ['a length over 32 bits', Buffer.from([0x0a, 0x82, 0x80, 0x80, 0x80, 0x10, 0x0a, 0x00])],
      // The bundles entry is 3 bytes long, but its key announces 5: the bytes after it would be read as the key.
      ['a field past its message', Buffer.from([0x0a, 0x03, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65])],
    ];
    for (const [what, bytes] of cases) {
      server.handler = answer([frame(bytes)]);
      const err = await failure(client().fetchJwtBundlesRaw());
      expect([what, err.code]).toEqual([what, 'ERR_MALFORMED_RESPONSE']);
    }
  });

  it('a "__proto__" bundle key or claim from the agent is data, not a prototype', async () => {
    server.handler = answer([frame(encodeResponse('FetchX509SVID', { federated_bundles: new Map([['__proto__', Buffer.from([1, 2, 3])]]) }))]);
    const x509 = await client().fetchX509SvidRaw();
    expect(x509.federated_bundles.get('__proto__')).toEqual(Buffer.from([1, 2, 3]));
    expect(Object.getPrototypeOf(x509)).toBe(Object.prototype);
    const claims: unknown = JSON.parse('{"__proto__":{"admin":true},"sub":"spiffe://example.org/api"}');
    server.handler = answer([frame(encodeResponse('ValidateJWTSVID', { spiffe_id: 'spiffe://example.org/api', claims }))]);
    const res = await client().validateJwtSvidRaw('a.b.c', 'api');
    expect((res.claims as Record<string, unknown>)['admin']).toBeUndefined();
    expect(Object.getPrototypeOf(res.claims)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(res.claims, '__proto__')?.value).toEqual({ admin: true });
    expect(res.claims['sub']).toBe('spiffe://example.org/api');
  });

  it('accepts an empty message (zero-length frame) where the message may be empty', async () => {
    server.handler = answer([frame(Buffer.alloc(0))]);
    const res = await client().fetchJwtBundlesRaw();
    expect(res.bundles).toEqual(new Map());
  });
});

describe('gRPC over node:http2: statuses', () => {
  it('reads the status of a trailers-only answer and percent-decodes grpc-message', async () => {
    server.handler = (stream) => {
      stream.respond({ ...OK_HEADERS, 'grpc-status': '7', 'grpc-message': 'no identity issued %E2%9C%97' }, { endStream: true });
    };
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_NOT_REGISTERED');
    expect(err.details).toBe('no identity issued ✗');
  });

  it('reads the status from the trailers after the messages', async () => {
    server.handler = answer([], 3, 'security header missing');
    const err = await failure(client().fetchX509SvidRaw());
    expect(err.code).toBe('ERR_PROTOCOL_MISUSE');
    expect(err.details).toBe('security header missing');
  });

  it('treats an invalid grpc-status as UNKNOWN', async () => {
    server.handler = (stream) => stream.respond({ ...OK_HEADERS, 'grpc-status': 'seven' }, { endStream: true });
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_AGENT_ERROR');
    expect(err.grpcCode).toBe(2);
    expect(err.message).toContain('invalid grpc-status');
  });

  it('reports a call that ends without any status', async () => {
    server.handler = (stream) => {
      stream.respond(OK_HEADERS);
      stream.end(frame(JWT_MESSAGE));
    };
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_AGENT_ERROR');
    expect(err.message).toContain('without a gRPC status');
  });

  it('maps HTTP answers that are not gRPC as the gRPC protocol says', async () => {
    const cases: [number, string][] = [
      [404, 'ERR_UNIMPLEMENTED'],
      [503, 'ERR_AGENT_UNREACHABLE'],
      [403, 'ERR_NOT_REGISTERED'],
      [500, 'ERR_AGENT_ERROR'],
    ];
    for (const [httpStatus, code] of cases) {
      server.handler = (stream) => stream.respond({ ':status': httpStatus, 'content-type': 'text/plain' }, { endStream: true });
      const err = await failure(fetchJwt(client()));
      expect(err.code, `HTTP ${httpStatus}`).toBe(code);
      expect(err.message).toContain(`HTTP status code ${httpStatus}`);
    }
  });

  it('refuses a 200 answer that is not application/grpc', async () => {
    server.handler = (stream) => stream.respond({ ':status': 200, 'content-type': 'text/html' }, { endStream: true });
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_AGENT_ERROR');
    expect(err.message).toContain('text/html');
  });

  it('maps stream resets: REFUSED_STREAM is unreachable (retry), ENHANCE_YOUR_CALM a resource limit', async () => {
    server.handler = (stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    expect((await failure(fetchJwt(client()))).code).toBe('ERR_AGENT_UNREACHABLE');
    server.handler = (stream) => stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect((await failure(fetchJwt(client()))).code).toBe('ERR_RESOURCE_LIMIT');
    server.handler = (stream) => stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
    expect((await failure(fetchJwt(client()))).grpcCode).toBe(13);
  });

  it('reports a connection that drops in the middle of a call as unreachable', async () => {
    server.handler = (stream) => {
      stream.respond(OK_HEADERS);
      stream.session?.destroy();
    };
    const err = await failure(fetchJwt(client()));
    expect(err.code).toBe('ERR_AGENT_UNREACHABLE');
  });
});

describe('gRPC over node:http2: hostile byte streams', () => {
  it('any bytes, split anywhere, with or without a status: every call settles with a value or a typed error', async () => {
    // A good frame, mutated frames and random bytes, cut into random chunks.
    const good = frame(JWT_MESSAGE);
    const bodies = fc.oneof(
      fc.constant(good),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
        const copy = Buffer.from(good);
        copy[at] = byte;
        return copy;
      }),
      fc.nat(good.length).map((n) => good.subarray(0, n)),
      fc.constant(Buffer.concat([good, good])),
    );
    const scenario = fc.record({
      body: bodies,
      cuts: fc.array(fc.nat(400), { maxLength: 6 }),
      status: fc.option(fc.oneof(fc.integer({ min: 0, max: 16 }).map(String), fc.constantFrom('', 'x', '99', '-1')), { nil: undefined }),
      rpc: fc.constantFrom('jwt', 'bundles'),
    });
    const c = client({ timeoutMs: 2_000 });
    let outcomes = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ body, cuts, status, rpc }) => {
        server.handler = async (stream) => {
          stream.respond(OK_HEADERS, { waitForTrailers: status !== undefined });
          if (status !== undefined) stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status }));
          let at = 0;
          for (const cut of [...cuts].sort((a, b) => a - b).filter((n) => n < body.length)) {
            stream.write(body.subarray(at, cut));
            at = cut;
            await new Promise((r) => setImmediate(r));
          }
          if (!stream.destroyed) stream.end(body.subarray(at));
        };
        const t0 = Date.now();
        const call = rpc === 'jwt' ? c.fetchJwtSvidRaw({ audience: ['api'] }) : c.fetchJwtBundlesRaw();
        const outcome = await call.then(
          () => 'value',
          (err: unknown) => {
            expect(err).toBeInstanceOf(WorkloadApiError);
            return (err as WorkloadApiError).code;
          },
        );
        // Settled by what the server sent, not by the client's 2 s deadline (a DEADLINE_EXCEEDED
        // status from the server is an ERR_TIMEOUT too, so time it).
        expect(Date.now() - t0, `${rpc}: ${outcome}`).toBeLessThan(1_500);
        outcomes++;
      }),
      { numRuns: 150 },
    );
    expect(outcomes).toBe(150);
  }, 120_000);
});

describe('gRPC over node:http2: process lifetime', () => {
  it('an idle client does not keep the process alive; an open watch does until closed', async () => {
    // FetchJWTSVID is answered; the FetchJWTBundles stream is left open (never answered).
    server.handler = (stream, headers, body) => {
      if (headers[':path'] === '/SpiffeWorkloadAPI/FetchJWTSVID') answer([frame(JWT_MESSAGE)])(stream, headers, body);
    };
    // The built package (npm test builds it first): the child runs plain node.
    const clientModule = new URL('../dist/workloadapi/client.js', import.meta.url).pathname;
    const script = `
      const { WorkloadApiClient } = await import(${JSON.stringify(clientModule)});
      const c = new WorkloadApiClient({ address: ${JSON.stringify(server.address)} });
      await c.fetchJwtSvidRaw({ audience: ['api'] });
      if (process.argv[1] === 'watch') {
        c.watchJwtBundlesRaw({ onUpdate() {} });
        setTimeout(() => { console.log('closing'); c.close(); }, 400);
      }
      console.log('fetched');
    `;
    const run = (mode: string): Promise<{ code: number | null; out: string; ms: number }> =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(killer);
          resolve({ code, out, ms: Date.now() - t0 });
        });
      });
    const idle = await run('idle');
    expect(idle).toMatchObject({ code: 0, out: 'fetched\n' });
    // The watch's stream stays open until close() at 400 ms, and keeps the process alive until then.
    const watching = await run('watch');
    expect(watching.code).toBe(0);
    expect(watching.out).toBe('fetched\nclosing\n');
    expect(watching.ms).toBeGreaterThanOrEqual(400);
  }, 30_000);
});
