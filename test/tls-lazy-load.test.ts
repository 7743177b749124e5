// `import 'spiffe-kit'` must not load @grpc/grpc-js or node:http2 (import cost budget); neither does
// `import 'spiffe-kit/grpc'`: its adapters load grpc-js on first use. Runs the built package in a fresh process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('grpc-js and http2 are loaded on first use, not on import of spiffe-kit or spiffe-kit/grpc', () => {
  const code = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const grpcLoaded = () => Object.keys(require.cache).some((k) => k.includes('@grpc'));
    const kit = await import('spiffe-kit');
    const grpcKit = await import('spiffe-kit/grpc');
    const afterImport = { grpc: grpcLoaded(), http2: process.moduleLoadList.some((m) => m === 'NativeModule http2') };
    const source = { getX509Svid() { throw new Error('unused'); }, getX509BundleForTrustDomain() {}, bundles() { return []; } };
    grpcKit.grpcChannelCredentials(source, kit.authorizeAny());
    process.stdout.write(JSON.stringify({ afterImport, afterUse: { grpc: grpcLoaded() } }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ afterImport: { grpc: false, http2: false }, afterUse: { grpc: true } });
});
