/**
 * Picking one X.509-SVID out of the workload's SVIDs by `--id` and `--hint`, for the `spiffe`
 * subcommands.
 *
 * @module
 */
import type { SpiffeId } from '../../spiffeid/spiffe-id.js';
import type { X509Svid } from '../../svid/x509-svid.js';

/**
 * Which SVID a command is about: the one with this ID and/or this hint; with neither, the
 * default (first) SVID.
 */
export interface SvidSelector {
  readonly id?: SpiffeId | undefined;
  readonly hint?: string | undefined;
}

/** The first SVID matching every given selector, or `undefined`. */
export function selectSvid(svids: readonly X509Svid[], selector: SvidSelector): X509Svid | undefined {
  return svids.find((s) => (selector.id === undefined || s.id.equals(selector.id)) && (selector.hint === undefined || s.hint === selector.hint));
}

/** Says in words what a selector asked for and what the agent had instead, for error messages. */
export function describeMismatch(svids: readonly X509Svid[], selector: SvidSelector): string {
  const wanted = [selector.id === undefined ? '' : `ID ${selector.id.toString()}`, selector.hint === undefined ? '' : `hint ${JSON.stringify(selector.hint)}`]
    .filter((w) => w !== '')
    .join(' and ');
  const had = svids.map((s) => (s.hint === undefined ? s.id.toString() : `${s.id.toString()} (hint ${JSON.stringify(s.hint)})`)).join(', ');
  return `no X.509-SVID with ${wanted} (the agent issued ${had === '' ? 'none' : had})`;
}
