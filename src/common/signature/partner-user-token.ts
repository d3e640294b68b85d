import { createPublicKey, KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { AppConfig, ConfigError } from '../../config/app-config';
import { UserTokenError } from '../errors/app-error';
import { headerOf, HttpRequest } from '../http/http-request';

type Algorithm = 'HS256' | 'RS256' | 'ES256';

interface VerificationKey {
  key: KeyObject | Uint8Array;
  algorithm: Algorithm;
}

/**
 * The partner user token (SPEC §3): `Authorization: Bearer <JWT>` from the partner's login service says which user
 * the request acts for, which the signature, made with a key shipped inside the partner's apps, cannot. Verified by
 * jose with the one algorithm the configured key is for (so `alg: none` and an HS256 token "signed" with a public
 * key are refused); `exp` is required, `iss`/`aud` are checked when configured, and `sub` must be the `user_id`.
 */
export class PartnerUserTokens {
  private readonly mode: AppConfig['partnerUserTokenMode'];
  private readonly key?: VerificationKey;

  /** Parses the key once; a public key that is not RSA or P-256 stops the start. */
  constructor(private readonly config: AppConfig) {
    this.mode = config.partnerUserTokenMode;
    if (this.mode !== 'off') this.key = verificationKey(config);
  }

  /**
   * The subject of the request's valid token for `userId`, or undefined when it carries none and none is required.
   * Throws 40103 for a token that is missing where required, malformed, forged, expired or another user's.
   */
  async subjectFor(req: HttpRequest, userId: string): Promise<string | undefined> {
    if (this.mode === 'off' || !this.key) return undefined;
    const header = headerOf(req, 'authorization')?.trim() ?? '';
    if (header === '') {
      if (this.mode === 'required') throw new UserTokenError('缺少用户令牌 Authorization: Bearer <token>');
      return undefined;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (!bearer) throw new UserTokenError('用户令牌格式错误');
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(bearer[1], this.key.key, {
        algorithms: [this.key.algorithm],
        issuer: this.config.PARTNER_USER_TOKEN_ISSUER,
        audience: this.config.PARTNER_USER_TOKEN_AUDIENCE,
        requiredClaims: ['exp'],
      });
      subject = payload.sub;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new UserTokenError('用户令牌已过期');
      if (error instanceof errors.JOSEError) throw new UserTokenError();
      throw error;
    }
    if (subject !== userId) throw new UserTokenError('用户令牌不属于该 user_id');
    return subject;
  }
}

function verificationKey(config: AppConfig): VerificationKey | undefined {
  const secret = config.partnerUserTokenSecret;
  if (secret !== undefined) return { key: new TextEncoder().encode(secret), algorithm: 'HS256' };
  const pem = config.PARTNER_USER_TOKEN_PUBLIC_KEY;
  if (pem === undefined) return undefined;
  let key: KeyObject;
  try {
    // Env files often carry a PEM on one line with `\n` escapes.
    key = createPublicKey(pem.replace(/\\n/g, '\n'));
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  - PARTNER_USER_TOKEN_PUBLIC_KEY: not a PEM public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' };
  throw new ConfigError('Invalid configuration:\n  - PARTNER_USER_TOKEN_PUBLIC_KEY: an RSA key (RS256) or a P-256 EC key (ES256) is needed');
}
