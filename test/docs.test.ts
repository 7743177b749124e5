// `npm run docs` (typedoc.config.mjs, scripts/typedoc-categories.mjs): the API reference builds
// without a warning, its modules carry the package's import names, every export sits in a named
// category, and the main public functions document each parameter.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPEDOC = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');

interface Parameter { name: string; comment?: unknown }
interface Signature { parameters?: Parameter[] }
interface Reflection { id: number; name: string; children?: Reflection[]; signatures?: Signature[]; categories?: Array<{ title: string; description?: unknown; children: number[] }> }

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 170_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr });
    });
  });
}

describe('the API reference (typedoc)', () => {
  let dir: string;
  let run: { code: number; out: string };
  let modules: Map<string, Reflection>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-kit-docs-'));
    run = await node([TYPEDOC, '--out', join(dir, 'html'), '--json', join(dir, 'api.json')]);
    const project = run.code === 0 ? (JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as Reflection) : { id: 0, name: '', children: [] };
    modules = new Map((project.children ?? []).map((m) => [m.name, m]));
  }, 180_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('builds with warnings treated as errors, and none', () => {
    expect(run.out).not.toMatch(/\[(warning|error)\]/);
    expect(run.code, run.out).toBe(0);
  });

  it('names the modules as they are imported', () => {
    expect([...modules.keys()].sort()).toEqual(['spiffe-kit', 'spiffe-kit/grpc', 'spiffe-kit/otel', 'spiffe-kit/registrar', 'spiffe-kit/testing']);
  });

  it('groups the exports of spiffe-kit by category, in order, each described, with nothing left in "Other"', () => {
    const categories = modules.get('spiffe-kit')?.categories ?? [];
    expect(categories.map((c) => c.title)).toEqual(['Sources', 'X.509-SVIDs', 'mTLS', 'JWT', 'Health', 'SPIFFE IDs', 'Bundles', 'Federation', 'Observability', 'Errors']);
    expect(categories.filter((c) => c.description === undefined).map((c) => c.title)).toEqual([]);
    expect(modules.get('spiffe-kit/testing')?.categories?.map((c) => c.title)).toEqual(['Testing', 'Errors']);
    expect(modules.get('spiffe-kit/registrar')?.categories?.map((c) => c.title)).toEqual(['Registrar', 'Errors']);
    expect(modules.get('spiffe-kit/grpc')?.categories?.map((c) => c.title)).toEqual(['mTLS', 'JWT', 'Errors']);
    expect(modules.get('spiffe-kit/otel')?.categories?.map((c) => c.title)).toEqual(['Observability']);
    // Every export is in exactly the categories' lists.
    for (const m of modules.values()) {
      expect((m.categories ?? []).flatMap((c) => c.children).sort(), m.name).toEqual((m.children ?? []).map((c) => c.id).sort());
    }
  });

  it('files error classes under Errors and the mTLS helpers under mTLS', () => {
    const members = (module: string, category: string): string[] => {
      const m = modules.get(module);
      const ids = new Set(m?.categories?.find((c) => c.title === category)?.children ?? []);
      return (m?.children ?? []).filter((c) => ids.has(c.id)).map((c) => c.name);
    };
    expect(members('spiffe-kit', 'Errors')).toEqual(expect.arrayContaining(['SpiffeError', 'TlsError', 'AuthorizationError', 'WorkloadApiError', 'BearerAuthError', 'SpiffeIdError']));
    expect(members('spiffe-kit', 'mTLS')).toEqual(expect.arrayContaining(['createHttpsServer', 'attachSpiffeAuth', 'authorizeId', 'peerSpiffeId']));
    expect(members('spiffe-kit/grpc', 'mTLS')).toEqual(expect.arrayContaining(['grpcServerCredentials', 'grpcChannelCredentials', 'grpcAuthInterceptor']));
    expect(members('spiffe-kit/grpc', 'Errors')).toEqual(['MissingPeerDependencyError']);
    expect(members('spiffe-kit', 'Federation')).toEqual(expect.arrayContaining(['FederatedBundleSource', 'fetchBundle', 'bundleEndpointHandler']));
    expect(members('spiffe-kit', 'Sources')).toEqual(expect.arrayContaining(['X509Source', 'JwtSource', 'BundleSource', 'WorkloadApiClient']));
    expect(members('spiffe-kit/registrar', 'Errors')).toEqual(expect.arrayContaining(['ManifestError', 'EntryApiError']));
  });

  it('documents every parameter of the main public functions', () => {
    const main: Record<string, string[]> = {
      'spiffe-kit': [
        'attachSpiffeAuth', 'authenticateBearer', 'authorizeId', 'authorizeMatching', 'authorizeMemberOf', 'authorizeOneOf', 'bearerHeader', 'checkHealth',
        'createHttp2SecureServer', 'createHttpsServer', 'createTlsServer', 'extractBearerToken',
        'healthHandler', 'jwksForTrustDomain', 'matchId', 'matchMemberOf', 'matchOneOf', 'mtlsClientOptions', 'mtlsServerOptions',
        'parseEndpointAddress', 'peerSpiffeId', 'spiffeHttpsAgent', 'spiffeUndiciConnect', 'verifyX509Svid',
        'X509Source.create', 'JwtSource.create', 'JwtSource.fetchJwtSvid', 'JwtSource.fetchJwtSvids', 'JwtSource.validateJwtSvid', 'BundleSource.create',
        'SpiffeId.parse', 'SpiffeId.from', 'SpiffeId.fromSegments', 'SpiffeId.fromPath', 'SpiffeId.isValid', 'SpiffeId.memberOf', 'TrustDomain.parse', 'TrustDomain.from',
        'X509Bundle.fromPem', 'X509Bundle.fromDer', 'JwtBundle.fromJwks', 'SpiffeBundle.parse', 'X509Svid.parse', 'X509Svid.parseRaw', 'JwtSvid.parseAndValidate', 'JwtSvid.parseInsecure',
      ],
      'spiffe-kit/grpc': ['grpcBearerMetadata', 'grpcChannelCredentials', 'grpcServerCredentials', 'grpcAuthInterceptor'],
      'spiffe-kit/testing': ['TestWorkloadApi.start', 'TestCa.create', 'TestCa.issueX509Svid'],
      'spiffe-kit/registrar': ['defineEntries', 'render', 'plan', 'apply', 'checkDeclaredIdentities', 'validateManifest', 'loadManifest'],
    };
    const undocumented: string[] = [];
    for (const [module, names] of Object.entries(main)) {
      for (const name of names) {
        let refl: Reflection | undefined = modules.get(module);
        for (const part of name.split('.')) refl = refl?.children?.find((c) => c.name === part);
        if (refl?.signatures === undefined) {
          undocumented.push(`${module} ${name}: not found`);
          continue;
        }
        for (const sig of refl.signatures) for (const p of sig.parameters ?? []) if (p.comment === undefined) undocumented.push(`${module} ${name}(${p.name})`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('typedoc.config.mjs source links', () => {
  const config = (env: NodeJS.ProcessEnv) => node(['--input-type=module', '-e', "const { default: c } = await import('./typedoc.config.mjs'); console.log(JSON.stringify(c));"], env);

  it('links sources to SPIFFE_KIT_SOURCE_LINK_TEMPLATE at SPIFFE_KIT_SOURCE_REVISION when set', async () => {
    const template = 'https://example.test/spiffe-kit/blob/{gitRevision}/{path}#L{line}';
    const r = await config({ SPIFFE_KIT_SOURCE_LINK_TEMPLATE: template, SPIFFE_KIT_SOURCE_REVISION: 'v1.2.3' });
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ sourceLinkTemplate: template, gitRevision: 'v1.2.3', treatWarningsAsErrors: true });
  });
});
