export { SpiffeIdError, type SpiffeIdErrorCode } from './errors.js';
export { type Matcher, matchAny, matchId, matchMemberOf, matchOneOf } from './match.js';
export { SpiffeId } from './spiffe-id.js';
export { TrustDomain } from './trust-domain.js';
export { MAX_ID_BYTES, MAX_TRUST_DOMAIN_BYTES } from './validate.js';
