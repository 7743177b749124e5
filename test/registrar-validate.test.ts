/**
 * Validation of declared entries with hostile input: every rule of the SPIRE server that the
 * registrar mirrors, wrong types from a manifest file, injection attempts, and "every problem at
 * once, each with its path".
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SpiffeError } from '../src/errors.js';
import {
  defineEntries,
  docker,
  findManifest,
  k8s,
  loadManifest,
  ManifestError,
  RegistrarValidationError,
  selector,
  selectorString,
  systemd,
  unix,
  validateManifest,
  type ValidationIssue,
} from '../src/registrar/index.js';
import { formatGoDuration } from '../src/internal/duration.js';
import { parseTtl } from '../src/registrar/duration.js';

const PARENT = 'spiffe://example.org/spire/agent/join_token/abc';
const ok = { spiffeId: 'spiffe://example.org/web', parentId: PARENT, selectors: ['unix:uid:1000'] };

/** The issues of a manifest with one entry made of `ok` overridden by `patch`. */
function issuesOf(patch: Record<string, unknown>, manifest: Record<string, unknown> = {}): ValidationIssue[] {
  const r = validateManifest({ ...manifest, entries: [{ ...ok, ...patch }] });
  return [...r.issues];
}
const codes = (issues: readonly ValidationIssue[]) => issues.map((i) => `${i.path} ${i.code}`);

describe('a valid declaration', () => {
  it('is normalized: canonical IDs, sorted unique selectors, TTLs in seconds, lower-case DNS names', () => {
    const reg = defineEntries({
      trustDomain: 'spiffe://example.org',
      entries: [{ spiffeId: 'spiffe://example.org/web', parentId: PARENT, selectors: [k8s.sa('web'), 'k8s:ns:shop', { type: 'k8s', value: 'sa:web' }], x509SvidTtl: '1h30m', jwtSvidTtl: 300, dnsNames: ['Web.Example', 'web.example', '*.web.example'], federatesWith: ['spiffe://b.example', 'a.example'] }],
    });
    expect(reg.trustDomain).toBe('example.org');
    expect(reg.ownerPrefix).toBe('spiffe-kit.');
    expect(reg.entries[0]).toMatchObject({
      name: 'web',
      selectors: [{ type: 'k8s', value: 'ns:shop' }, { type: 'k8s', value: 'sa:web' }],
      x509SvidTtl: 5400,
      jwtSvidTtl: 300,
      dnsNames: ['*.web.example', 'web.example'],
      federatesWith: ['a.example', 'b.example'],
      hint: '',
      admin: false,
    });
    expect(Object.isFrozen(reg.entries[0])).toBe(true);
  });

  it('defaults apply where an entry is silent; /spirex is not /spire/', () => {
    const reg = defineEntries({ defaults: { parentId: PARENT, x509SvidTtl: '10m' }, entries: [{ spiffeId: 'spiffe://example.org/spirex', selectors: [unix.uid(0)] }, { spiffeId: 'spiffe://example.org/b', selectors: [unix.uid(1)], x509SvidTtl: 60 }] });
    expect(reg.entries.map((e) => [e.parentId, e.x509SvidTtl])).toEqual([[PARENT, 600], [PARENT, 60]]);
  });

  it('the selector helpers build SPIRE selectors', () => {
    const all = [k8s.ns('n'), k8s.sa('s'), k8s.podLabel('app', 'web'), k8s.containerName('c'), unix.uid(1000), unix.path('/bin/x'), docker.label('k', 'v'), docker.env('A', 'b'), systemd.id('x.service')];
    expect(all.map(selectorString)).toEqual(['k8s:ns:n', 'k8s:sa:s', 'k8s:pod-label:app:web', 'k8s:container-name:c', 'unix:uid:1000', 'unix:path:/bin/x', 'docker:label:k:v', 'docker:env:A=b', 'systemd:id:x.service']);
    expect(selector('unix:uid:1000')).toEqual({ type: 'unix', value: 'uid:1000' });
    expect(selector('nocolon')).toBeUndefined();
    expect(validateManifest({ entries: [{ ...ok, selectors: all }] }).ok).toBe(true);
  });
});

describe('SPIFFE IDs and parent IDs (the SPIRE server rules)', () => {
  it.each([
    ['spiffe://Example.org/web', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['http://example.org/web', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/a//b', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/a/../b', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/web/', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/we b', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/web\n-selector unix:uid:0', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org/a?b', 'ERR_REGISTRAR_SPIFFE_ID'],
    ['spiffe://example.org', 'ERR_REGISTRAR_EMPTY_PATH'],
    ['spiffe://example.org/spire', 'ERR_REGISTRAR_RESERVED_PATH'],
    ['spiffe://example.org/spire/agent/x', 'ERR_REGISTRAR_RESERVED_PATH'],
    ['spiffe://example.org/spire/server', 'ERR_REGISTRAR_RESERVED_PATH'],
  ])('spiffeId %j → %s', (spiffeId, code) => {
    expect(codes(issuesOf({ spiffeId }))).toEqual([`entries[0].spiffeId ${code}`]);
  });

  it('the ID must be in the declared trust domain, and so must the parent', () => {
    expect(codes(issuesOf({ spiffeId: 'spiffe://other.org/web' }, { trustDomain: 'example.org' }))).toEqual(['entries[0].spiffeId ERR_REGISTRAR_TRUST_DOMAIN']);
    expect(codes(issuesOf({ parentId: 'spiffe://other.org/agent' }))).toEqual(['entries[0].parentId ERR_REGISTRAR_TRUST_DOMAIN']);
    expect(codes(issuesOf({}, { trustDomain: 'Bad_TD!' }))).toEqual(['trustDomain ERR_REGISTRAR_TRUST_DOMAIN']);
  });

  it('without trustDomain, all entries must share the first entry\'s trust domain', () => {
    const r = validateManifest({ entries: [ok, { ...ok, spiffeId: 'spiffe://b.org/x', parentId: 'spiffe://b.org/agent' }] });
    expect(codes(r.issues)).toEqual(['entries[1].spiffeId ERR_REGISTRAR_TRUST_DOMAIN', 'entries[1].parentId ERR_REGISTRAR_TRUST_DOMAIN']);
  });

  it('parent: required, a valid ID with a path (agent paths under /spire/ are fine)', () => {
    expect(codes(issuesOf({ parentId: undefined }))).toEqual(['entries[0].parentId ERR_REGISTRAR_REQUIRED']);
    expect(codes(issuesOf({ parentId: 'spiffe://example.org' }))).toEqual(['entries[0].parentId ERR_REGISTRAR_EMPTY_PATH']);
    expect(codes(issuesOf({ parentId: 'not an id' }))).toEqual(['entries[0].parentId ERR_REGISTRAR_SPIFFE_ID']);
    expect(codes(issuesOf({ parentId: 42 }))).toEqual(['entries[0].parentId ERR_REGISTRAR_TYPE']);
  });

  it('spiffeId or a template, not both, not neither', () => {
    expect(codes(issuesOf({ spiffeId: undefined }))).toEqual(['entries[0].spiffeId ERR_REGISTRAR_REQUIRED']);
    expect(codes(issuesOf({ spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/x' }))).toEqual(['entries[0] ERR_REGISTRAR_ID_AND_TEMPLATE']);
  });

  it('templates: Go template syntax, a SPIFFE ID in the trust domain, a path outside /spire', () => {
    const t = (spiffeIdTemplate: string) => codes(issuesOf({ spiffeId: undefined, parentId: undefined, spiffeIdTemplate }));
    expect(t('spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}')).toEqual([]);
    expect(t('https://{{ .TrustDomain }}/x')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name }')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    // The controller renders a template without actions too (every selected pod gets that ID).
    expect(t('spiffe://example.org/fixed')).toEqual([]);
    expect(codes(issuesOf({ spiffeId: undefined, parentId: undefined, spiffeIdTemplate: 'spiffe://other.org/{{ .PodMeta.Name }}' }, { trustDomain: 'example.org' }))).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}/spire/{{ .PodMeta.Name }}')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}/{{ .Pod.Name }}')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name | lower }}')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
    expect(t('spiffe://{{ .TrustDomain }}/a\nb')).toEqual(['entries[0].spiffeIdTemplate ERR_REGISTRAR_TEMPLATE']);
  });
});

describe('selectors', () => {
  it.each([
    ['nocolon', /not type:value/],
    [':value', /type is empty/],
    ['un ix:uid:1', /characters other than/],
    ['unix:', /empty value/],
    ['unix:uid:root', /unix:uid needs a number/],
    ['unix:uid:1000\n-admin', /control character/],
    ['unix:path:relative/bin', /absolute path/],
    ['unix:sha256:XYZ', /64 lowercase hex/],
    ['k8s:namespace:shop', /"namespace" is not a k8s selector/],
    ['k8s:ns', /k8s:ns needs a value/],
    ['k8s:pod-label:nocolon', /<key>:<value>/],
    ['docker:env:NOEQUALS', /<VAR>=<value>/],
    ['systemd:unit:x', /not a systemd selector/],
  ])('%j is refused (%s)', (s, why) => {
    const issues = issuesOf({ selectors: [s] });
    expect(codes(issues)).toEqual(['entries[0].selectors[0] ERR_REGISTRAR_SELECTOR']);
    expect(issues[0]?.message).toMatch(why);
  });

  it('a selector value over 1024 characters is refused', () => {
    expect(issuesOf({ selectors: [`custom:${'x'.repeat(1025)}`] })[0]?.message).toMatch(/at most 1024/);
  });

  it('selectors of other attestors pass with SPIRE\'s own rules only', () => {
    expect(issuesOf({ selectors: ['aws_iid:tag:Name:web', 'gcp_iit:project-id:p', 'spiffe_id:spiffe://example.org/x'] })).toEqual([]);
  });

  it('wrong shapes: empty list, not a list, objects with extra keys, numbers', () => {
    expect(codes(issuesOf({ selectors: [] }))).toEqual(['entries[0].selectors ERR_REGISTRAR_NO_SELECTORS']);
    expect(codes(issuesOf({ selectors: undefined }))).toEqual(['entries[0].selectors ERR_REGISTRAR_NO_SELECTORS']);
    expect(codes(issuesOf({ selectors: 'unix:uid:0' }))).toEqual(['entries[0].selectors ERR_REGISTRAR_TYPE']);
    expect(codes(issuesOf({ selectors: [{ type: 'unix', value: 'uid:0', admin: true }, 7, null] }))).toEqual([
      'entries[0].selectors[0] ERR_REGISTRAR_SELECTOR',
      'entries[0].selectors[1] ERR_REGISTRAR_SELECTOR',
      'entries[0].selectors[2] ERR_REGISTRAR_SELECTOR',
    ]);
  });
});

describe('TTLs, DNS names, federatesWith, hint, flags', () => {
  it.each([[-1], [1.5], [2 ** 31], ['1x'], ['-5s'], ['1h 30m'], [null], [true], ['99999999999s']])('x509SvidTtl %j is refused', (ttl) => {
    expect(codes(issuesOf({ x509SvidTtl: ttl }))).toEqual(['entries[0].x509SvidTtl ERR_REGISTRAR_TTL']);
  });

  it('TTL parsing and Go duration formatting', () => {
    expect(parseTtl('1d2h3m4s')).toEqual({ seconds: 93784 });
    expect(parseTtl('3600')).toEqual({ seconds: 3600 });
    expect(parseTtl(2 ** 31 - 1)).toEqual({ seconds: 2 ** 31 - 1 });
    expect([0, 59, 60, 3600, 5400, 86400].map(formatGoDuration)).toEqual(['0s', '59s', '1m0s', '1h0m0s', '1h30m0s', '24h0m0s']);
    expect(codes(issuesOf({ jwtSvidTtl: -300 }))).toEqual(['entries[0].jwtSvidTtl ERR_REGISTRAR_TTL']);
    expect(codes(issuesOf({ x509SvidTtl: undefined }, { defaults: { x509SvidTtl: 'soon' } }))).toEqual(['defaults.x509SvidTtl ERR_REGISTRAR_TTL']);
  });

  it.each([
    [''],
    ['a'.repeat(64) + '.example'],
    [`${'a'.repeat(60)}.`.repeat(5) + 'example'],
    ['ab--cd.example'],
    ['xn--zz.example'],
    ['xn--Bcher-kva.example'],
    ['-lead.example'],
    ['trail-.example'],
    ['a..b'],
    ['a.*.example'],
    ['*'],
    ['*.*.example'],
    ['example.'],
    ['wéb.example'],
  ])('DNS name %j is refused', (d) => {
    expect(codes(issuesOf({ dnsNames: [d] }))).toEqual(['entries[0].dnsNames[0] ERR_REGISTRAR_DNS_NAME']);
  });

  it.each([['under_score.example'], ['Web.Example'], ['xn--bcher-kva.example'], ['*.example.org'], ['abc--d.example'], ['web.example;rm']])('DNS name %j is accepted, as SPIRE accepts it', (d) => {
    expect(issuesOf({ dnsNames: [d] })).toEqual([]);
  });

  it('federatesWith takes trust domains, bare or as spiffe://td, not IDs with a path', () => {
    expect(issuesOf({ federatesWith: ['a.example', 'spiffe://b.example'] })).toEqual([]);
    expect(codes(issuesOf({ federatesWith: ['spiffe://b.example/path', 'UPPER.example', 3] }))).toEqual([
      'entries[0].federatesWith[0] ERR_REGISTRAR_FEDERATES_WITH',
      'entries[0].federatesWith[1] ERR_REGISTRAR_FEDERATES_WITH',
      'entries[0].federatesWith[2] ERR_REGISTRAR_TYPE',
    ]);
  });

  it("federatesWith refuses the entry's own trust domain", () => {
    expect(codes(issuesOf({ federatesWith: ['example.org', 'spiffe://example.org', 'a.example'] }))).toEqual([
      'entries[0].federatesWith[0] ERR_REGISTRAR_FEDERATES_WITH',
      'entries[0].federatesWith[1] ERR_REGISTRAR_FEDERATES_WITH',
    ]);
  });

  it('hint: at most 1024 bytes of UTF-8 (as SPIRE counts), no control characters', () => {
    expect(issuesOf({ hint: 'h'.repeat(1024) })).toEqual([]);
    expect(codes(issuesOf({ hint: 'h'.repeat(1025) }))).toEqual(['entries[0].hint ERR_REGISTRAR_HINT']);
    expect(issuesOf({ hint: 'é'.repeat(512) })).toEqual([]);
    expect(issuesOf({ hint: `${'é'.repeat(512)}x` })[0]?.message).toBe('the hint is 1025 bytes long in UTF-8; SPIRE allows at most 1024 bytes');
    expect(codes(issuesOf({ hint: '😀'.repeat(257) }))).toEqual(['entries[0].hint ERR_REGISTRAR_HINT']);
    expect(codes(issuesOf({ hint: 'a\u0000b' }))).toEqual(['entries[0].hint ERR_REGISTRAR_HINT']);
    expect(codes(issuesOf({ hint: 'a\u2028b' }))).toEqual(['entries[0].hint ERR_REGISTRAR_HINT']);
  });

  it('admin and downstream are booleans; label selectors belong to templates', () => {
    expect(codes(issuesOf({ admin: 'yes', downstream: 1 }))).toEqual(['entries[0].admin ERR_REGISTRAR_TYPE', 'entries[0].downstream ERR_REGISTRAR_TYPE']);
    expect(codes(issuesOf({ podSelector: { matchLabels: { app: 'web' } } }))).toEqual(['entries[0] ERR_REGISTRAR_LABEL_SELECTOR']);
    expect(codes(issuesOf({ spiffeId: undefined, parentId: undefined, spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/x', podSelector: { matchLabels: { app: 1 } } }))).toEqual(['entries[0].podSelector.matchLabels ERR_REGISTRAR_LABEL_SELECTOR']);
    // Selector templates: the controller's rules, and the registrar's typo check on a literal key.
    const sel = (selectors: string[]) => codes(issuesOf({ spiffeId: undefined, parentId: undefined, spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/x', selectors }));
    expect(sel(['k8s:ns:{{ .PodMeta.Namespace }}', 'k8s:pod-uid:{{ .PodMeta.UID }}', '{{ "k8s" }}:sa:{{ .PodSpec.ServiceAccountName }}'])).toEqual([]);
    expect(sel(['k8s:namespace:{{ .PodMeta.Namespace }}'])).toEqual(['entries[0].selectors[0] ERR_REGISTRAR_SELECTOR']);
    expect(sel(['k8s:ns:{{ .PodMeta.Namespac }}'])).toEqual(['entries[0].selectors[0] ERR_REGISTRAR_SELECTOR']);
    expect(sel(['k8s:{{ "" }}'])).toEqual(['entries[0].selectors[0] ERR_REGISTRAR_SELECTOR']);
    // spire-controller-manager ignores a parentId on a template entry: say so.
    const parent = issuesOf({ spiffeId: undefined, spiffeIdTemplate: 'spiffe://{{ .TrustDomain }}/x' });
    expect(codes(parent)).toEqual(['entries[0].parentId ERR_REGISTRAR_TEMPLATE_PARENT']);
    expect(parent[0]?.message).toContain('would ignore it');
  });
});

describe('the manifest as a whole', () => {
  it('non-objects are refused', () => {
    for (const input of [null, undefined, [], 'entries', 42]) expect(codes(validateManifest(input).issues)).toEqual(['$ ERR_REGISTRAR_TYPE']);
    expect(codes(validateManifest({}).issues)).toEqual(['entries ERR_REGISTRAR_REQUIRED']);
    expect(codes(validateManifest({ entries: {} }).issues)).toEqual(['entries ERR_REGISTRAR_TYPE']);
    expect(codes(validateManifest({ entries: [null, 'x'] }).issues)).toEqual(['entries[0] ERR_REGISTRAR_TYPE', 'entries[1] ERR_REGISTRAR_TYPE']);
  });

  it('unknown fields are reported (typos, and __proto__ / constructor from a JSON file)', () => {
    const raw = JSON.parse(`{"entries":[{"spiffeId":"spiffe://example.org/web","parentId":"${PARENT}","selectors":["unix:uid:0"],"x509SVIDTTL":60,"__proto__":{"admin":true},"constructor":1}],"owner":"x"}`) as unknown;
    const r = validateManifest(raw);
    expect(codes(r.issues)).toEqual(['$.owner ERR_REGISTRAR_UNKNOWN_FIELD', 'entries[0].x509SVIDTTL ERR_REGISTRAR_UNKNOWN_FIELD', 'entries[0].__proto__ ERR_REGISTRAR_UNKNOWN_FIELD', 'entries[0].constructor ERR_REGISTRAR_UNKNOWN_FIELD']);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('duplicate names and duplicate entries (same ID, parent and selector set) are refused', () => {
    const r = validateManifest({ entries: [ok, { ...ok, selectors: ['unix:uid:1000', 'unix:uid:1000'] }, { ...ok, spiffeId: 'spiffe://example.org/web2', name: 'web' }] });
    expect(codes(r.issues)).toEqual(['entries[1].name ERR_REGISTRAR_DUPLICATE', 'entries[1] ERR_REGISTRAR_DUPLICATE', 'entries[2].name ERR_REGISTRAR_DUPLICATE']);
    expect(codes(issuesOf({ name: 'Not_A_K8s_Name' }))).toEqual(['entries[0].name ERR_REGISTRAR_NAME']);
    expect(codes(issuesOf({ name: '../../etc/passwd' }))).toEqual(['entries[0].name ERR_REGISTRAR_NAME']);
  });

  it('owner prefix: SPIRE entry-ID characters only', () => {
    for (const p of ['', 'a/b', 'a b', 'x'.repeat(201), 'ü.']) expect(codes(validateManifest({ ownerPrefix: p, entries: [ok] }).issues)).toEqual(['ownerPrefix ERR_REGISTRAR_OWNER_PREFIX']);
  });

  it('every problem at once, each with its path, in one typed error', () => {
    const bad = {
      trustDomain: 'example.org',
      entries: [
        { spiffeId: 'spiffe://example.org/spire/x', parentId: PARENT, selectors: [] },
        { spiffeId: 'spiffe://example.org/ok', parentId: PARENT, selectors: ['k8s:ns:a'], x509SvidTtl: -1, dnsNames: ['ba--dname'], hint: 'x'.repeat(2000) },
      ],
    };
    let err: unknown;
    try {
      defineEntries(bad as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistrarValidationError);
    expect(err).toBeInstanceOf(SpiffeError);
    const e = err as RegistrarValidationError;
    expect(e.code).toBe('ERR_REGISTRAR_INVALID');
    expect(codes(e.issues)).toEqual([
      'entries[0].spiffeId ERR_REGISTRAR_RESERVED_PATH',
      'entries[0].selectors ERR_REGISTRAR_NO_SELECTORS',
      'entries[1].x509SvidTtl ERR_REGISTRAR_TTL',
      'entries[1].dnsNames[0] ERR_REGISTRAR_DNS_NAME',
      'entries[1].hint ERR_REGISTRAR_HINT',
    ]);
    expect(e.message).toMatch(/^5 problems in the registration entries:\n {2}entries\[0\]\.spiffeId: /);
    // The 2000-character hint is not echoed back.
    expect(e.message.length).toBeLessThan(2000);
  });

  it('a bad default is reported once, however many entries use it', () => {
    const r = validateManifest({ defaults: { parentId: 'spiffe://example.org' }, entries: [{ ...ok, parentId: undefined }, { ...ok, spiffeId: 'spiffe://example.org/b', parentId: undefined }] });
    expect(codes(r.issues)).toEqual(['defaults.parentId ERR_REGISTRAR_EMPTY_PATH']);
  });

  it('a thousand bad entries are all reported', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ ...ok, spiffeId: `spiffe://example.org/spire/${i}` }));
    expect(validateManifest({ entries }).issues).toHaveLength(1000);
  });
});

describe('manifest files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };

  it('YAML and JSON load to the same registration', async () => {
    const y = await loadManifest(write('a/m.yaml', `entries:\n  - spiffeId: spiffe://example.org/web\n    parentId: ${PARENT}\n    selectors: [unix:uid:1000]\n`));
    const j = await loadManifest(write('a/m.json', JSON.stringify({ entries: [ok] })));
    expect(y).toEqual(j);
  });

  it('package.json names the manifest ("spiffe": { "registrar": ... }), found from a sub-folder', async () => {
    write('app/package.json', JSON.stringify({ name: 'app', spiffe: { registrar: './deploy/entries.yaml' } }));
    const m = write('app/deploy/entries.yaml', 'entries: []\n');
    mkdirSync(join(dir, 'app/src/lib'), { recursive: true });
    expect(await findManifest(join(dir, 'app/src/lib'))).toBe(m);
    write('app2/package.json', JSON.stringify({ name: 'app2' }));
    const d = write('app2/spiffe-entries.yml', 'entries: []\n');
    expect(await findManifest(join(dir, 'app2'))).toBe(d);
    write('app3/package.json', JSON.stringify({ name: 'app3', spiffe: { registrar: './missing.yaml' } }));
    await expect(findManifest(join(dir, 'app3'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_MANIFEST_NOT_FOUND' });
    write('app4/package.json', JSON.stringify({ name: 'app4' }));
    await expect(findManifest(join(dir, 'app4'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_MANIFEST_NOT_FOUND', message: expect.stringMatching(/"spiffe": \{ "registrar"/) as unknown as string });
  });

  it('hostile files: a YAML alias bomb, duplicate keys, invalid syntax, a missing file', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'entries: []'].join('\n');
    await expect(loadManifest(write('bomb.yaml', bomb))).rejects.toBeInstanceOf(ManifestError);
    await expect(loadManifest(write('dup.yaml', 'entries: []\nentries: []\n'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_MANIFEST_PARSE' });
    await expect(loadManifest(write('bad.json', '{"entries": [}'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_MANIFEST_PARSE' });
    await expect(loadManifest(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_MANIFEST_NOT_FOUND' });
    await expect(loadManifest(write('invalid.yaml', 'entries:\n  - spiffeId: spiffe://example.org/spire/x\n'))).rejects.toMatchObject({ code: 'ERR_REGISTRAR_INVALID', message: expect.stringContaining('invalid.yaml') as unknown as string });
  });
});

describe('the published JSON Schema agrees with the validator', () => {
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../schema/registrar-manifest.schema.json', import.meta.url)), 'utf8')) as {
    properties: Record<string, unknown>;
    $defs: { entry: { properties: Record<string, unknown> }; spiffeId: { pattern: string }; ttl: { oneOf: [unknown, { pattern: string }] }; selector: { oneOf: [{ pattern: string }, unknown] } };
  };

  it('the same field names at the top level, in defaults and in entries', () => {
    const entryKeys = Object.keys(schema.$defs.entry.properties);
    const value = (k: string): unknown => (k === 'admin' || k === 'downstream' ? false : k.endsWith('Selector') ? {} : k.endsWith('s') || k === 'federatesWith' ? [] : 'x');
    const withAll = Object.fromEntries(entryKeys.map((k) => [k, value(k)]));
    const unknownFields = validateManifest({ entries: [withAll] }).issues.filter((i) => i.code === 'ERR_REGISTRAR_UNKNOWN_FIELD');
    expect(unknownFields).toEqual([]);
    expect(entryKeys.sort()).toEqual(['admin', 'dnsNames', 'downstream', 'federatesWith', 'hint', 'jwtSvidTtl', 'name', 'namespaceSelector', 'parentId', 'podSelector', 'selectors', 'spiffeId', 'spiffeIdTemplate', 'x509SvidTtl']);
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', 'defaults', 'entries', 'federation', 'ownerPrefix', 'trustDomain']);
  });

  it('its patterns accept what the validator accepts and refuse the obvious mistakes', () => {
    const id = new RegExp(schema.$defs.spiffeId.pattern, 'u');
    const ttl = new RegExp(schema.$defs.ttl.oneOf[1].pattern, 'u');
    const sel = new RegExp(schema.$defs.selector.oneOf[0].pattern, 'u');
    expect(['spiffe://example.org/web', 'spiffe://example.org/ns/a/sa/b'].every((s) => id.test(s))).toBe(true);
    expect(['spiffe://example.org', 'spiffe://Example.org/a', 'spiffe://example.org/a/'].some((s) => id.test(s))).toBe(false);
    expect(['1h', '90s', '1h30m', '3600'].every((s) => ttl.test(s) && 'seconds' in parseTtl(s))).toBe(true);
    expect(['1x', '-5s', '1h 30m'].some((s) => ttl.test(s))).toBe(false);
    expect(['1.5h', '90000ms', '2d', '1d2h3m4s', '.5m'].every((s) => ttl.test(s) && 'seconds' in parseTtl(s))).toBe(true);
    expect(['1.5.5s', '1h30', '', '+1h', '1e3', '\u0661s', '.'].filter((s) => ttl.test(s) || 'seconds' in parseTtl(s))).toEqual([]);
    expect(sel.test('k8s:ns:shop') && !sel.test('nocolon') && !sel.test(':x')).toBe(true);
  });

  it('the test manifest names the schema and validates', async () => {
    const text = readFileSync(fileURLToPath(new URL('./fixtures/registrar/manifest.yaml', import.meta.url)), 'utf8');
    expect(text).toContain('$schema: ../../../schema/registrar-manifest.schema.json');
    expect((await loadManifest(fileURLToPath(new URL('./fixtures/registrar/manifest.yaml', import.meta.url)))).entries).toHaveLength(6);
  });
});

describe('federation (ClusterFederatedTrustDomain), as the controller webhook checks it', () => {
  const base = { trustDomain: 'example.org', entries: [{ spiffeId: 'spiffe://example.org/a', parentId: PARENT, selectors: ['unix:uid:1'], federatesWith: ['partner.example'] }] };
  const fed = (federation: unknown) => validateManifest({ ...base, federation });
  it('accepts https_spiffe with an endpoint ID and https_web without', () => {
    const r = fed({ 'partner.example': { bundleEndpointURL: 'https://spire.partner.example:8443', bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.example/spire/server' } }, 'web.example': { bundleEndpointURL: 'https://web.example/b', bundleEndpointProfile: { type: 'https_web' } } });
    expect(r.issues).toEqual([]);
    expect(r.registration?.federation?.map((f) => [f.trustDomain, f.bundleEndpointProfile.type])).toEqual([['partner.example', 'https_spiffe'], ['web.example', 'https_web']]);
  });
  it.each([
    [{ 'partner.example': { bundleEndpointURL: 'http://p.example', bundleEndpointProfile: { type: 'https_web' } } }, 'federation.partner.example.bundleEndpointURL ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'https://user:pw@p.example', bundleEndpointProfile: { type: 'https_web' } } }, 'federation.partner.example.bundleEndpointURL ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'not a url', bundleEndpointProfile: { type: 'https_web' } } }, 'federation.partner.example.bundleEndpointURL ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'https_web', endpointSPIFFEID: 'spiffe://p/x' } } }, 'federation.partner.example.bundleEndpointProfile.endpointSPIFFEID ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'https_spiffe' } } }, 'federation.partner.example.bundleEndpointProfile.endpointSPIFFEID ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'spiffe' } } }, 'federation.partner.example.bundleEndpointProfile.type ERR_REGISTRAR_FEDERATION'],
    [{ 'Partner.Example': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'https_web' } } }, 'federation.Partner.Example ERR_REGISTRAR_FEDERATION'],
    [{ 'example.org': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'https_web' } } }, 'federation.example.org ERR_REGISTRAR_FEDERATION'],
    [{ 'partner.example': { bundleEndpointURL: 'https://p.example' } }, 'federation.partner.example.bundleEndpointProfile ERR_REGISTRAR_REQUIRED'],
    [{ 'partner.example': { bundleEndpointURL: 'https://p.example', bundleEndpointProfile: { type: 'https_web' }, trustDomainBundle: '{' } }, 'federation.partner.example.trustDomainBundle ERR_REGISTRAR_FEDERATION'],
    [[], 'federation ERR_REGISTRAR_TYPE'],
  ])('%j is refused', (federation, code) => {
    expect(codes(fed(federation).issues)).toEqual([code]);
  });
});
