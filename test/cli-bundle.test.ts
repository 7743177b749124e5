// `spiffe bundle fetch`, in process, against bundle endpoints on loopback.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpiffeBundle, X509Bundle } from '../src/index.js';
import { runCaptured } from './helpers/cli.js';
import { createPartner, ENDPOINT_ID, type Endpoint, json, PARTNER_TD, type Partner, startEndpoint } from './helpers/bundle-endpoint.js';
import { runCleanup, scratchDir, until } from './helpers/scratch.js';

const servers: Array<() => unknown> = [];
let partner: Partner;
let endpoint: Endpoint;

beforeAll(async () => {
  partner = await createPartner();
  endpoint = await startEndpoint({ cert: partner.svid.certChainPem, key: partner.svid.privateKeyPem }, servers);
});

afterEach(runCleanup);

afterAll(async () => {
  while (servers.length > 0) await servers.pop()?.();
});

async function trustFiles(): Promise<{ dir: string; pem: string; spiffe: string }> {
  const dir = await scratchDir('spiffe-bundle-');
  const pem = join(dir, 'partner.pem');
  const spiffe = join(dir, 'partner.json');
  await writeFile(pem, partner.ca.rootCertificate.toString());
  await writeFile(spiffe, partner.bundle().marshal());
  return { dir, pem, spiffe };
}

describe('spiffe bundle fetch', () => {
  it('https_spiffe: prints the SPIFFE bundle, trusting a PEM or SPIFFE bundle file', async () => {
    const files = await trustFiles();
    endpoint.route = json(partner.bundle({ sequence: 18446744073709551615n, refreshHint: 60 }).marshal());
    for (const trust of [files.pem, files.spiffe]) {
      const run = await runCaptured(['bundle', 'fetch', endpoint.url(), '--profile', 'https_spiffe', '--endpoint-id', ENDPOINT_ID, '--trust-bundle', trust]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const bundle = SpiffeBundle.parse(PARTNER_TD, run.stdout);
      expect(bundle.sequenceNumber).toBe(18446744073709551615n); // exact, beyond 2^53
      expect(bundle.jwtAuthorities.size).toBe(1);
    }
  });

  it('https_web: prints the X.509 authorities as PEM', async () => {
    const files = await trustFiles();
    endpoint.route = json(partner.bundle().marshal());
    const run = await runCaptured(['bundle', 'fetch', endpoint.url(), '--profile', 'https_web', '--trust-domain', PARTNER_TD, '--trust-bundle', files.pem, '--format', 'pem']);
    expect(run.code).toBe(0);
    expect(X509Bundle.fromPem(PARTNER_TD, run.stdout).hasX509Authority(partner.ca.rootDer)).toBe(true);
  });

  it('fails with the federation error code on an endpoint with the wrong SPIFFE ID', async () => {
    const files = await trustFiles();
    const run = await runCaptured(['bundle', 'fetch', endpoint.url(), '--profile', 'https_spiffe', '--endpoint-id', 'spiffe://partner.test/impostor', '--trust-bundle', files.pem]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('ERR_FEDERATION_ENDPOINT_AUTH');
  });

  it('refuses bad command lines', async () => {
    const files = await trustFiles();
    const usage = async (...args: string[]) => (await runCaptured(['bundle', ...args])).code;
    expect(await usage()).toBe(2);
    expect(await usage('get', endpoint.url())).toBe(2);
    expect(await usage('fetch')).toBe(2);
    expect(await usage('fetch', endpoint.url())).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_spiffe', '--trust-bundle', files.pem)).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_spiffe', '--endpoint-id', ENDPOINT_ID)).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_web')).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_web', '--trust-domain', PARTNER_TD, '--watch')).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_web', '--trust-domain', PARTNER_TD, '--format', 'der')).toBe(2);
    expect(await usage('fetch', endpoint.url(), '--profile', 'https_web', '--trust-domain', PARTNER_TD, '--trust-bundle', join(files.dir, 'missing.pem'))).toBe(2);
    const help = await runCaptured(['bundle', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('https_spiffe');
  });

  it('--write --watch: writes the bundle, rewrites it when the endpoint serves a new one, keeps it through errors', async () => {
    const files = await trustFiles();
    const out = join(files.dir, 'out', 'partner-bundle.json');
    endpoint.route = json(partner.bundle({ sequence: 1n, refreshHint: 0 }).marshal());
    const controller = new AbortController();
    const running = runCaptured(
      ['bundle', 'fetch', endpoint.url(), '--profile', 'https_spiffe', '--endpoint-id', ENDPOINT_ID, '--trust-bundle', files.pem, '--write', out, '--watch', '--min-refresh', '20ms'],
      { signal: controller.signal },
    );
    const sequenceOnDisk = async () => {
      try {
        return SpiffeBundle.parse(PARTNER_TD, await readFile(out, 'utf8')).sequenceNumber;
      } catch {
        return undefined;
      }
    };
    await until('the first write', async () => (await sequenceOnDisk()) === 1n);
    endpoint.route = json(partner.bundle({ sequence: 0n, refreshHint: 0 }).marshal()); // goes back: refused
    const hits = endpoint.hits.length;
    await until('a refetch', () => endpoint.hits.length > hits + 1);
    expect(await sequenceOnDisk()).toBe(1n);
    endpoint.route = json(partner.bundle({ sequence: 2n, refreshHint: 0 }).marshal());
    await until('the rewrite', async () => (await sequenceOnDisk()) === 2n);
    controller.abort();
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.includes('wrote'))).toHaveLength(2);
    expect(run.stderr).toContain('ERR_FEDERATION_SEQUENCE_REGRESSED');
  });
});
