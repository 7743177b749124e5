import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('packaging', () => {
  it('CommonJS callers can require("spiffe-kit") (require of ESM, Node >= 20.19)', () => {
    const script = `
      const kit = require('spiffe-kit');
      const id = kit.SpiffeId.parse('spiffe://example.org/web');
      process.stdout.write(JSON.stringify({ id: String(id), td: id.trustDomain.name, hasError: typeof kit.SpiffeError }));
    `;
    const out = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ id: 'spiffe://example.org/web', td: 'example.org', hasError: 'function' });
  });

  it('ESM callers can import the package by name', () => {
    const script = `import('spiffe-kit').then((kit) => process.stdout.write(kit.TrustDomain.parse('example.org').idString()))`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(out).toBe('spiffe://example.org');
  });
});
