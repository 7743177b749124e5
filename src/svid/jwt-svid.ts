import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { JwtBundleSource } from '../bundle/jwt-bundle.js';
import type { SpiffeId } from '../spiffeid/spiffe-id.js';
import { JwtSvidError } from './jwt-errors.js';
import { show } from './jwt-claims.js';
import { type CheckedJwt, checkToken, expectedAudienceOf, timeOf } from './jwt-token.js';
import { weakKeyReason } from './key-strength.js';

/** jose, loaded on the first signature check: processes that never validate a token skip its load. */
let jose: typeof import('jose') | undefined;

/**
 * Options of {@link JwtSvid.parseAndValidate} and {@link JwtSvid.parseInsecure}.
 *
 * @example
 * ```ts
 * const svid = await JwtSvid.parseAndValidate(token, bundles, 'my-api', { leewaySeconds: 30 });
 * ```
 */
export interface JwtSvidOptions {
  /** The time to check `exp`, `nbf` and `iat` against. Default: the current time. */
  readonly now?: Date | undefined;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 60 (as go-spiffe). */
  readonly leewaySeconds?: number | undefined;
  /** An operator-assigned label to attach (the Workload API's `hint`). */
  readonly hint?: string | undefined;
}

/** Curves of the ES algorithms, as Node names them. */
const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const VERIFY_OPTIONS: Readonly<Record<string, { algorithms: string[] }>> = Object.fromEntries(
  ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'].map((alg) => [alg, { algorithms: [alg] }]),
);

/** Why `key` cannot verify `alg`, or `undefined` when it can. */
function keyProblem(key: KeyObject, alg: string): string | undefined {
  const type = key.asymmetricKeyType;
  if (alg.charCodeAt(0) === 0x45 /* E */) {
    if (type !== 'ec') return `it is ${type === undefined ? 'not an asymmetric key' : `an ${type.toUpperCase()} key`}`;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === EC_CURVES[alg] ? undefined : `it is an EC key on curve ${curve}`;
  }
  if (type !== 'rsa' && !(type === 'rsa-pss' && alg.charCodeAt(0) === 0x50) /* P */) {
    return `it is ${type === undefined ? 'not an asymmetric key' : `an ${type.toUpperCase()} key`}`;
  }
  return weakKeyReason(key);
}

/**
 * A JWT-SVID: a JWT whose subject is a SPIFFE ID, signed by a JWT authority of that SPIFFE ID's
 * trust domain. Obtain one with {@link JwtSvid.parseAndValidate} (a token presented by a peer) or
 * {@link JwtSvid.parseInsecure} (a token the Workload API just handed to this workload).
 *
 * The token is a bearer credential: it is available as {@link JwtSvid.token} but is left out of
 * `util.inspect`, `toString` and `toJSON` output.
 *
 * @example
 * ```ts
 * import { JwtSvid } from 'spiffe-kit';
 * const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
 * const svid = await JwtSvid.parseAndValidate(token, jwtSource, 'my-api');
 * svid.id.toString();    // 'spiffe://example.org/ns/prod/sa/web'
 * svid.audience;         // ['my-api']
 * svid.expiresAt;        // Date
 * ```
 */
export class JwtSvid {
  /** The subject: the SPIFFE ID the token identifies. */
  readonly id: SpiffeId;
  /** The token's `aud` claim, as a list. */
  readonly audience: readonly string[];
  /** The `exp` claim. */
  readonly expiresAt: Date;
  /** The `iat` claim, when present. */
  readonly issuedAt: Date | undefined;
  /**
   * Every claim of the token (the object is frozen). Member names are unique; a `__proto__` claim
   * is an ordinary own member (copy with `{ ...claims }`, which keeps it one, not `Object.assign`).
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The operator-assigned label from the Workload API, when there is one. */
  readonly hint: string | undefined;
  readonly #token: string;

  private constructor(token: string, checked: CheckedJwt, hint: string | undefined) {
    this.#token = token;
    this.id = checked.id;
    this.audience = checked.audience;
    this.expiresAt = new Date(checked.exp * 1000);
    this.issuedAt = checked.iat === undefined ? undefined : new Date(checked.iat * 1000);
    this.claims = checked.claims;
    this.hint = hint === '' ? undefined : hint;
  }

  /**
   * Parses a JWT-SVID and validates it fully: structure (compact JWS), header (`alg` allowed,
   * `typ`, required `kid`, no other parameter), claims (`sub` a SPIFFE ID, `aud` holding one of
   * `audience`, `exp` required, `exp` / `nbf` / `iat` within the leeway), then the signature,
   * with the authority `kid` of the JWT bundle of the **subject's** trust domain.
   *
   * @param token - the compact JWS (e.g. from `Authorization: Bearer <token>`).
   * @param bundles - where JWT authorities come from: a {@link JwtBundle}, a {@link JwtBundleSet},
   *   a {@link SpiffeBundle} or a live source.
   * @param audience - the audience(s) this service accepts; the token must name at least one.
   * @param options - `now`, `leewaySeconds` of the time checks, `hint`.
   * @throws {@link JwtSvidError} with the code of the first rule broken.
   * @example
   * ```ts
   * try {
   *   const svid = await JwtSvid.parseAndValidate(token, bundles, ['my-api', 'my-api.internal']);
   *   console.log(`request from ${svid.id}`);
   * } catch (err) {
   *   if (err instanceof JwtSvidError) return res.writeHead(401).end(err.code);
   *   throw err;
   * }
   * ```
   */
  static async parseAndValidate(token: string, bundles: JwtBundleSource, audience: string | readonly string[], options?: JwtSvidOptions): Promise<JwtSvid> {
    const expected = expectedAudienceOf(audience);
    const { now, leeway } = timeOf(options);
    const checked = checkToken(token, expected, now, leeway);
    const { alg, kid, id } = checked;
    const subject = id.toString();
    const trustDomain = id.trustDomain.name;
    // `== null`: a hand-written bundle source that answers null has no bundle either (fails closed, typed).
    const bundle = bundles.getJwtBundleForTrustDomain(id.trustDomain) as ReturnType<JwtBundleSource['getJwtBundleForTrustDomain']> | null;
    if (bundle === undefined || bundle === null) {
      throw new JwtSvidError('ERR_JWT_NO_BUNDLE', `No JWT bundle for trust domain "${trustDomain}" (subject ${subject}); the token cannot be verified`, {
        subject,
        trustDomain,
        kid,
      });
    }
    const key = bundle.findJwtAuthority(kid) as ReturnType<typeof bundle.findJwtAuthority> | null;
    if (key === undefined || key === null) {
      throw new JwtSvidError('ERR_JWT_UNKNOWN_KID', `The JWT bundle of trust domain "${trustDomain}" has no authority with kid ${show(kid)} (subject ${subject})`, {
        subject,
        trustDomain,
        kid,
      });
    }
    const problem = keyProblem(key, alg);
    if (problem !== undefined) {
      throw new JwtSvidError(
        'ERR_JWT_KEY_ALG_MISMATCH',
        `The authority with kid ${show(kid)} of trust domain "${trustDomain}" cannot verify ${alg}: ${problem} (subject ${subject})`,
        { subject, trustDomain, kid, header: 'alg' },
      );
    }
    try {
      jose ??= await import('jose');
      await jose.compactVerify(token, key, VERIFY_OPTIONS[alg] ?? { algorithms: [alg] });
    } catch (cause) {
      // jose reports a bad signature as JWSSignatureVerificationFailed (or JWSInvalid for an
      // undecodable one); anything else (TypeError, JOSENotSupported, WebCrypto's DataError) means
      // the key could not be used for this algorithm.
      const code = (cause as { code?: unknown }).code;
      const unsuitable = code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' && code !== 'ERR_JWS_INVALID';
      throw new JwtSvidError(
        unsuitable ? 'ERR_JWT_KEY_ALG_MISMATCH' : 'ERR_JWT_SIGNATURE',
        unsuitable
          ? `The authority with kid ${show(kid)} of trust domain "${trustDomain}" cannot verify ${alg}: ${(cause as Error).message} (subject ${subject})`
          : `The ${alg} signature of the JWT-SVID of ${subject} does not verify with the authority with kid ${show(kid)} of trust domain "${trustDomain}"`,
        { subject, trustDomain, kid, cause },
      );
    }
    return new JwtSvid(token, checked, options?.hint);
  }

  /**
   * Parses a JWT-SVID and checks everything except the signature (and so needs no bundle):
   * structure, header, `sub`, `aud` against `audience`, `exp` / `nbf` / `iat`. Only for tokens
   * from a trusted channel, such as the Workload API handing this workload its own JWT-SVID;
   * never for tokens presented by a peer.
   *
   * @param token - the JWT-SVID.
   * @param audience - the audience(s) to accept.
   * @param options - `now`, `leewaySeconds` of the time checks, `hint`.
   * @throws {@link JwtSvidError} with the code of the first rule broken.
   * @example
   * ```ts
   * const svid = JwtSvid.parseInsecure(response.svids[0].svid, ['sts.example.com'], { hint: 'external' });
   * fetch(url, { headers: { authorization: `Bearer ${svid.token}` } });
   * ```
   */
  static parseInsecure(token: string, audience: string | readonly string[], options?: JwtSvidOptions): JwtSvid {
    const expected = expectedAudienceOf(audience);
    const { now, leeway } = timeOf(options);
    return new JwtSvid(token, checkToken(token, expected, now, leeway), options?.hint);
  }

  /**
   * The compact JWS, to send as `Authorization: Bearer <token>`. A bearer credential: do not log it.
   *
   * @example
   * ```ts
   * headers.set('authorization', `Bearer ${svid.token}`);
   * ```
   */
  get token(): string {
    return this.#token;
  }

  /**
   * The compact JWS (same as {@link JwtSvid.token}, named as in go-spiffe).
   *
   * @example
   * ```ts
   * metadata.set('authorization', `Bearer ${svid.marshal()}`);
   * ```
   */
  marshal(): string {
    return this.#token;
  }

  /**
   * Whether the token expires within `seconds` of `now` (e.g. to refresh it ahead of time).
   *
   * @example
   * ```ts
   * if (svid.expiresWithin(30)) svid = await jwtSource.fetchJwtSvid({ audience: ['sts.example.com'] });
   * ```
   */
  expiresWithin(seconds: number, now: Date = new Date()): boolean {
    return this.expiresAt.getTime() - now.getTime() <= seconds * 1000;
  }

  /** `JwtSvid(<id>, aud: …, exp: …)`, without the token. */
  toString(): string {
    return `JwtSvid(${this.id}, aud: ${this.audience.join(', ')}, exp: ${this.expiresAt.toISOString()}${this.hint ? `, hint: ${this.hint}` : ''})`;
  }

  /**
   * A loggable summary, without the token: `{ id, audience, expiresAt, issuedAt?, hint? }`.
   *
   * @example
   * ```ts
   * logger.info({ svid }, 'authenticated'); // never logs the bearer token
   * ```
   */
  toJSON(): { id: string; audience: readonly string[]; expiresAt: string; issuedAt?: string; hint?: string } {
    return {
      id: this.id.toString(),
      audience: this.audience,
      expiresAt: this.expiresAt.toISOString(),
      ...(this.issuedAt === undefined ? {} : { issuedAt: this.issuedAt.toISOString() }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
    };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
