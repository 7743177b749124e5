/**
 * Turns the raw JWT messages of the Workload API into JWT-SVIDs and JWT bundles, applying the
 * Workload API rules (at least one SVID, announced SPIFFE IDs match the tokens, hints
 * de-duplicated, bundle keys are trust domains). Every violation is `ERR_MALFORMED_RESPONSE`.
 *
 * @module
 */
import { JwtBundle } from '../bundle/jwt-bundle.js';
import { JwtBundleSet } from '../bundle/jwt-bundle-set.js';
import { JwtSvid } from '../svid/jwt-svid.js';
import { malformedResponse } from './errors.js';
import type { RawJwtBundlesResponse, RawJwtSvidResponse, RawValidateJwtSvidResponse } from './messages.js';
import { bundleKeyTrustDomain, dedupeByHint } from './x509-context.js';

/** Turns a `JWTBundlesResponse` into a bundle set; throws `ERR_MALFORMED_RESPONSE`. */
export function parseJwtBundlesResponse(msg: Pick<RawJwtBundlesResponse, 'bundles'>): JwtBundleSet {
  const set = new JwtBundleSet();
  for (const [key, json] of msg.bundles) {
    const td = bundleKeyTrustDomain(key, 'bundles');
    try {
      set.add(JwtBundle.fromJwks(td, json));
    } catch (err) {
      throw malformedResponse(`the JWT bundle of ${td.name} is invalid: ${(err as Error).message}`, err);
    }
  }
  return set;
}

/**
 * Turns a `JWTSVIDResponse` into JWT-SVIDs (read without signature checks: they come from the
 * agent), duplicate non-empty hints removed; throws `ERR_MALFORMED_RESPONSE`.
 */
export function parseJwtSvidResponse(res: RawJwtSvidResponse, audience: readonly string[]): JwtSvid[] {
  if (res.svids.length === 0) throw malformedResponse(`the agent returned no JWT-SVID for audience ${JSON.stringify(audience)}`);
  const out = res.svids.map((s, i) => {
    if (s.svid === '') throw malformedResponse(`JWT-SVID #${i} is empty`);
    let svid: JwtSvid;
    try {
      svid = JwtSvid.parseInsecure(s.svid, audience, { hint: s.hint });
    } catch (err) {
      throw malformedResponse(`JWT-SVID #${i} is invalid: ${(err as Error).message}`, err);
    }
    if (s.spiffe_id !== '' && !svid.id.equals(s.spiffe_id)) {
      throw malformedResponse(`JWT-SVID #${i} is announced for ${s.spiffe_id} but its subject is ${svid.id}`);
    }
    return svid;
  });
  return dedupeByHint(out);
}

/**
 * Reads the token the agent has just validated (ValidateJWTSVID) and checks the agent's answer
 * names its subject; throws `ERR_MALFORMED_RESPONSE`.
 */
export function parseValidatedJwtSvid(token: string, audience: string, res: RawValidateJwtSvidResponse): JwtSvid {
  let svid: JwtSvid;
  try {
    svid = JwtSvid.parseInsecure(token, [audience]);
  } catch (err) {
    throw malformedResponse(`the agent accepted a token spiffe-kit cannot read: ${(err as Error).message}`, err);
  }
  if (res.spiffe_id === '' || !svid.id.equals(res.spiffe_id)) {
    throw malformedResponse(`the agent validated the token for ${JSON.stringify(res.spiffe_id)} but its subject is ${svid.id}`);
  }
  return svid;
}
