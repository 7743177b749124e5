// A subscriber that throws cannot stop a source or a handshake: Node delivers to the other
// subscribers, the publisher goes on, and the error surfaces as an uncaught exception (here caught
// by the child's handler). In a fresh process, since an uncaught exception would fail the runner.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('a throwing subscriber on every channel leaves rotation and the JWT cache working', () => {
  const code = `
    import diagnostics_channel from 'node:diagnostics_channel';
    import { JwtSource, X509Source, diagnosticsChannels } from 'spiffe-kit';
    import { TestWorkloadApi } from 'spiffe-kit/testing';
    let thrown = 0;
    process.on('uncaughtException', (err) => { if (err.message === 'hostile subscriber') thrown++; else throw err; });
    const seen = [];
    for (const name of Object.values(diagnosticsChannels)) {
      diagnostics_channel.subscribe(name, () => { throw new Error('hostile subscriber'); });
      diagnostics_channel.subscribe(name, () => seen.push(name));
    }
    const api = await TestWorkloadApi.start({ identities: [{ id: 'spiffe://example.org/web' }] });
    const x509 = await X509Source.create({ address: api.address, timeoutMs: 10_000 });
    const jwt = await JwtSource.create({ address: api.address, timeoutMs: 10_000 });
    const first = x509.getX509Svid();
    const rotated = new Promise((r) => x509.once('svid', r));
    await api.rotate();
    await rotated;
    const a = await jwt.fetchJwtSvid({ audience: 'x' });
    const b = await jwt.fetchJwtSvid({ audience: 'x' });
    await new Promise((r) => setTimeout(r, 20));
    const result = { rotated: !x509.getX509Svid().equals(first), sameToken: a.token === b.token, state: x509.state, thrownEqualsSeen: thrown === seen.length, seen: seen.length > 5 };
    await x509.close();
    await jwt.close();
    await api.close();
    process.stdout.write(JSON.stringify(result));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ rotated: true, sameToken: true, state: 'ready', thrownEqualsSeen: true, seen: true });
});
