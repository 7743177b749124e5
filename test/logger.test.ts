/**
 * The `logger` option with the loggers people pass: the real pino (fields first), a hand-made
 * fields-first logger through `objectFirstLogger`, a winston-shaped one (message first) and a real
 * `console.Console`, each fed by a real source on the test Workload API.
 */
import { Console } from 'node:console';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Logger, objectFirstLogger, X509Source } from '../src/index.js';
import { TestWorkloadApi } from '../src/testing/index.js';
import { onCleanup, runCleanup, until } from './helpers/scratch.js';

afterEach(runCleanup);

async function agent(): Promise<TestWorkloadApi> {
  const api = await TestWorkloadApi.start({ trustDomain: 'example.org', identities: [{ id: 'spiffe://example.org/web' }] });
  onCleanup(() => api.close());
  return api;
}

async function sourceWith(api: TestWorkloadApi, logger: Logger): Promise<X509Source> {
  const source = await X509Source.create({ address: api.address, timeoutMs: 5_000, logger });
  onCleanup(() => source.close());
  return source;
}

/** A stream that collects what is written to it. */
function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('logger', () => {
  it('the real pino: fields reach the log line (pino takes them first)', async () => {
    const api = await agent();
    const out = sink();
    const logger = pino({ level: 'debug' }, out.stream);
    const source = await sourceWith(api, logger);
    source.on('svid', () => {
      throw new Error('listener boom');
    });
    await api.rotate();
    await until('the rotation and the listener failure are logged', () => /listener threw/.test(out.text()));
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const received = lines.find((l) => l['msg'] === 'X.509-SVID received');
    expect(received).toMatchObject({ level: 30, id: 'spiffe://example.org/web' });
    expect(typeof received?.['expiresAt']).toBe('string');
    expect(lines.find((l) => l['msg'] === 'X.509-SVID rotated')).toMatchObject({ id: 'spiffe://example.org/web' });
    expect(lines.find((l) => l['msg'] === 'a "svid" listener threw')).toMatchObject({ level: 40, error: 'Error: listener boom' });
    // A line without fields is just the message.
    expect(lines.find((l) => l['msg'] === 'source state connecting -> ready')).toMatchObject({ level: 20 });
    expect(out.text()).not.toMatch(/-----BEGIN|PRIVATE KEY/);
  });

  it('a pino child logger is recognised too', async () => {
    const api = await agent();
    const out = sink();
    await sourceWith(api, pino(out.stream).child({ component: 'spiffe' }));
    await until('logged', () => out.text().includes('X.509-SVID received'));
    expect(JSON.parse(out.text().trim().split('\n')[0] as string)).toMatchObject({ component: 'spiffe', msg: 'X.509-SVID received', id: 'spiffe://example.org/web' });
  });

  it('a hand-made (fields, message) logger, through objectFirstLogger', async () => {
    const api = await agent();
    const calls: Array<[unknown, unknown]> = [];
    const mine = {
      info: (fields: Record<string, unknown>, message: string) => calls.push([fields, message]),
      warn: (fields: Record<string, unknown>, message: string) => calls.push([fields, message]),
    };
    await sourceWith(api, objectFirstLogger(mine));
    const [fields, message] = calls.find(([, m]) => m === 'X.509-SVID received') ?? [];
    expect(message).toBe('X.509-SVID received');
    expect(fields).toMatchObject({ id: 'spiffe://example.org/web' });
    // Levels the logger lacks are skipped (no debug method here): nothing else was called.
    expect(calls.every(([f, m]) => typeof f === 'object' && f !== null && typeof m === 'string')).toBe(true);
  });

  it('a winston-shaped (message, meta) logger gets the message first and the fields as meta', async () => {
    const api = await agent();
    const calls: unknown[][] = [];
    // winston's Logger methods: (message: string, ...meta: any[]).
    const winstonLike = {
      info: (...args: unknown[]) => calls.push(args),
      debug: (...args: unknown[]) => calls.push(args),
    };
    await sourceWith(api, winstonLike);
    expect(calls.find((c) => c[0] === 'X.509-SVID received')?.[1]).toMatchObject({ id: 'spiffe://example.org/web' });
    // A message without fields is passed alone (no trailing `undefined` meta).
    expect(calls.find((c) => c[0] === 'source state connecting -> ready')).toEqual(['source state connecting -> ready']);
  });

  it('a real console: fields printed, no stray "undefined"', async () => {
    const api = await agent();
    const stdout = sink();
    const stderr = sink();
    await sourceWith(api, new Console({ stdout: stdout.stream, stderr: stderr.stream }));
    await until('logged', () => stdout.text().includes('X.509-SVID received'));
    expect(stdout.text()).toMatch(/X\.509-SVID received \{[^}]*id: 'spiffe:\/\/example\.org\/web'/);
    expect(stdout.text()).toContain('source state connecting -> ready\n');
    expect(stdout.text()).not.toMatch(/undefined/);
  });

  it('a logger that throws does not break the source', async () => {
    const api = await agent();
    const boom = () => {
      throw new Error('logger down');
    };
    const source = await sourceWith(api, { debug: boom, info: boom, warn: boom, error: boom });
    expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/web');
  });
});
