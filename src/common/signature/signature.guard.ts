import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { select } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { ReplayError, SignatureError, UserTokenError } from '../errors/app-error';
import type { HttpReply, HttpRequest } from '../http/http-request';
import { setCaller } from '../rate-limit/caller';
import { FailedAuthRateLimit } from '../rate-limit/failed-auth-rate-limit';
import { Params } from './canonical';
import { mallCanonical, verifyMallSign } from './mall-signature';
import { partnerCanonical, verifyPartnerSign } from './partner-signature';
import { PartnerUserTokens } from './partner-user-token';
import { SIGNED, SignatureScheme, SignedRequest } from './signature-metadata';

function paramsOf(req: HttpRequest): Params {
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};
  return { ...(req.query as Params), ...body };
}

/**
 * Verifies the route's signature scheme, timestamp window and nonce shape, and on partner routes the user token,
 * before any business code runs, and names the caller for the rate limit (the token's subject or the partner
 * `user_id`, the mall `app_id`); a refused request counts against its client IP.
 */
@Injectable()
export class SignatureGuard implements CanActivate {
  private readonly userTokens: PartnerUserTokens;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly failedAuth: FailedAuthRateLimit,
  ) {
    this.userTokens = new PartnerUserTokens(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scheme = this.reflector.getAllAndOverride<SignatureScheme>(SIGNED, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    const req = http.getRequest<HttpRequest & { signed?: SignedRequest }>();
    const params = paramsOf(req);
    try {
      req.signed = await this.verify(scheme, params);
      if (req.signed.scheme === 'mall') {
        setCaller(req, `mall:${req.signed.appId}`);
      } else {
        const userId = typeof params.user_id === 'string' || typeof params.user_id === 'number' ? String(params.user_id) : '';
        const subject = await this.userTokens.subjectFor(req, userId);
        setCaller(req, `partner:${subject ?? userId}`);
      }
    } catch (error) {
      if (error instanceof SignatureError || error instanceof ReplayError || error instanceof UserTokenError) {
        await this.failedAuth.count(req, http.getResponse<HttpReply>());
      }
      throw error;
    }
    return true;
  }

  private async verify(scheme: SignatureScheme, params: Params): Promise<SignedRequest> {
    if (typeof params.sign !== 'string' || params.sign === '') throw new SignatureError('缺少签名 sign');

    let appId = '';
    if (scheme === 'partner') {
      if (!verifyPartnerSign(params, this.config.PARTNER_SIGN_KEY)) throw new SignatureError();
    } else {
      appId = typeof params.app_id === 'string' || typeof params.app_id === 'number' ? String(params.app_id) : '';
      // Plain SQL: every mall request runs this, and a TypeORM findOne costs more CPU than the query (docs/performance-history.md).
      const [app] = appId ? await select<{ secret: string; enabled: number | boolean }>(this.tx.manager, 'SELECT secret, enabled FROM mall_apps WHERE app_id = ?', [appId]) : [];
      if (!app || !Number(app.enabled)) throw new SignatureError('app_id 无效或已停用');
      if (!verifyMallSign(params, app.secret)) throw new SignatureError();
    }

    this.checkFreshness(params);
    return {
      scheme,
      canonical: scheme === 'partner' ? partnerCanonical(params) : mallCanonical(params),
      appId,
      nonce: typeof params.nonce === 'string' || typeof params.nonce === 'number' ? String(params.nonce) : '',
    };
  }

  private checkFreshness(params: Params): void {
    const { timestamp, nonce } = params;
    const hasTimestamp = timestamp !== undefined && timestamp !== null && timestamp !== '';
    const hasNonce = nonce !== undefined && nonce !== null && nonce !== '';
    if (this.config.requireTimestamp && (!hasTimestamp || !hasNonce)) {
      throw new ReplayError('缺少 timestamp 或 nonce');
    }
    if (hasNonce && !/^[\w.-]{1,64}$/.test(String(nonce))) throw new ReplayError('nonce 格式不正确');
    if (!hasTimestamp) return;
    const text = String(timestamp);
    if (!/^\d{10}$|^\d{13}$/.test(text)) throw new ReplayError('timestamp 格式不正确');
    const ms = text.length === 13 ? Number(text) : Number(text) * 1000;
    if (Math.abs(Date.now() - ms) > this.config.SIGN_TIMESTAMP_WINDOW_SECONDS * 1000) {
      throw new ReplayError('timestamp 已过期');
    }
  }
}
