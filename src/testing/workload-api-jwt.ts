/**
 * `ValidateJWTSVID` of the test Workload API: JWT-SVID validation against the JWT bundles the
 * server publishes (as the SPIRE agent does it). The claims go out as JSON; the generated encoder
 * writes them as a `google.protobuf.Struct`.
 *
 * @module
 */
import { BASE64URL, nonCanonicalBase64url } from '../internal/base64url.js';
import { SpiffeId } from '../spiffeid/spiffe-id.js';
import type { Jwk } from './jwt-issuer.js';
import { loadJose } from './keys.js';

const ALLOWED_ALGS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']);

/** @internal Leeway on `exp`/`nbf`/`iat`, as go-spiffe and the SPIRE agent apply it. */
export const VALIDATION_LEEWAY_SECONDS = 60;

/** @internal A validation failure; the server answers it with InvalidArgument and this message. */
export class JwtValidationFailure extends Error {}

/** @internal What a successful validation yields. */
export interface ValidatedJwtSvid {
  readonly spiffeId: string;
  readonly claims: Record<string, unknown>;
}

/**
 * @internal Validates a JWT-SVID for one audience. `jwksFor` returns the JWK Set of a trust
 * domain (by name), or undefined when the server has no JWT bundle for it.
 */
export async function validateJwtSvid(token: string, audience: string, jwksFor: (trustDomain: string) => { keys: readonly Jwk[] } | undefined): Promise<ValidatedJwtSvid> {
  const jose = await loadJose();
  // jose's decoder (atob / Uint8Array.fromBase64) accepts padding, whitespace and non-zero
  // trailing bits; like JwtSvid, this agent accepts each token in its one canonical spelling.
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtValidationFailure(`token is malformed: a compact JWS has 3 parts, this token has ${parts.length}`);
  for (const [i, part] of parts.entries()) {
    const problem = BASE64URL.test(part) ? nonCanonicalBase64url(part) : 'has characters outside the unpadded base64url alphabet';
    if (problem !== undefined) throw new JwtValidationFailure(`token is malformed: its ${['header', 'payload', 'signature'][i]} ${problem}`);
  }
  let header: ReturnType<typeof jose.decodeProtectedHeader>;
  let unverified: ReturnType<typeof jose.decodeJwt>;
  try {
    header = jose.decodeProtectedHeader(token);
    unverified = jose.decodeJwt(token);
  } catch (err) {
    throw new JwtValidationFailure(`token is malformed: ${(err as Error).message}`);
  }
  if (typeof header.alg !== 'string' || !ALLOWED_ALGS.has(header.alg)) {
    throw new JwtValidationFailure(`unsupported token signature algorithm ${JSON.stringify(header.alg)}`);
  }
  if (header.typ !== undefined && header.typ !== 'JWT' && header.typ !== 'JOSE') {
    throw new JwtValidationFailure(`token header "typ" must be JWT or JOSE, got ${JSON.stringify(header.typ)}`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw new JwtValidationFailure('token header missing key id');
  if (typeof unverified.sub !== 'string') throw new JwtValidationFailure('token missing subject claim');
  let subject: SpiffeId;
  try {
    subject = SpiffeId.parse(unverified.sub);
  } catch (err) {
    throw new JwtValidationFailure(`token has an invalid subject claim: ${(err as Error).message}`);
  }
  const td = subject.trustDomain.name;
  const jwks = jwksFor(td);
  if (jwks === undefined) throw new JwtValidationFailure(`no keys found for trust domain "${td}"`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (jwk === undefined) throw new JwtValidationFailure(`no key found with id "${header.kid}" for trust domain "${td}"`);

  let claims: Record<string, unknown>;
  try {
    const key = await jose.importJWK(jwk as Parameters<typeof jose.importJWK>[0], header.alg);
    const result = await jose.jwtVerify(token, key, {
      audience,
      algorithms: [header.alg],
      requiredClaims: ['exp', 'aud', 'sub'],
      clockTolerance: VALIDATION_LEEWAY_SECONDS,
    });
    claims = result.payload as Record<string, unknown>;
  } catch (err) {
    throw new JwtValidationFailure(describeJoseError(err));
  }
  return { spiffeId: subject.toString(), claims };
}

function describeJoseError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'unable to verify token signature';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (err as { claim?: unknown }).claim;
      return claim === 'aud' ? 'expected audience not present in token' : `token claim "${String(claim)}" is invalid: ${(err as Error).message}`;
    }
    default:
      return `token is invalid: ${(err as Error).message}`;
  }
}
