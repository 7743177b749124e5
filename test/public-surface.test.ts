/**
 * The internals that the entry points stopped exporting (CHANGELOG [Unreleased], "Breaking") stay
 * out of them: each is still defined in its own module, and the names a user calls are still there.
 */
import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as registrar from '../src/registrar/index.js';

const REMOVED_FROM_REGISTRAR: ReadonlyArray<readonly [string, string]> = [
  ['shellQuote', '../src/registrar/shell-quote.js'],
  ['parseTtl', '../src/registrar/duration.js'],
  ['entryKey', '../src/registrar/owner.js'],
  ['OWNER_PREFIX_PATTERN', '../src/registrar/owner.js'],
  ['selectorStrings', '../src/registrar/selectors.js'],
  ['selectorProblem', '../src/registrar/selectors.js'],
  ['dnsNameProblem', '../src/registrar/dns-name.js'],
  ['entryApiTarget', '../src/registrar/entry-api.js'],
  ['diffEntry', '../src/registrar/plan.js'],
  ['toServerEntry', '../src/registrar/plan.js'],
  ['updateMask', '../src/registrar/plan.js'],
];

describe('the public surface', () => {
  it.each(REMOVED_FROM_REGISTRAR)('spiffe-kit/registrar does not export %s (still in %s)', async (name, module) => {
    expect(Object.keys(registrar)).not.toContain(name);
    expect(typeof ((await import(module)) as Record<string, unknown>)[name]).not.toBe('undefined');
  });

  it('spiffe-kit/registrar no longer has goDuration (the Go formatter is internal/duration.ts formatGoDuration)', () => {
    expect(Object.keys(registrar)).not.toContain('goDuration');
  });

  it('spiffe-kit does not export peerCertificateChain (verifyTlsPeer reads a socket chain itself)', () => {
    expect(Object.keys(main)).not.toContain('peerCertificateChain');
    expect(typeof main.verifyPeerChain).toBe('function');
    expect(typeof main.verifyTlsPeer).toBe('function');
  });

  it('keeps what a user of the registrar calls', () => {
    for (const name of ['defineEntries', 'validateManifest', 'assertValidManifest', 'loadManifest', 'readManifest', 'parseManifestText', 'findManifest', 'render', 'renderEntryCreateCommands', 'entryCreateArgs', 'clusterStaticEntry', 'plan', 'formatPlan', 'planToJson', 'apply', 'formatApplyResult', 'EntryApiClient', 'emptyServerEntry', 'checkDeclaredIdentities', 'k8s', 'unix', 'docker', 'systemd', 'selector', 'selectorString', 'ownedEntryId', 'isOwnedEntryId', 'DEFAULT_OWNER_PREFIX', 'MAX_TTL_SECONDS', 'MAX_HINT_LENGTH', 'ItemStatus', 'ManifestError', 'RegistrarValidationError', 'EntryApiError']) {
      expect(Object.keys(registrar), name).toContain(name);
    }
  });
});
