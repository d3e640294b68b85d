import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config';
import { SignatureError } from '../errors/app-error';
import { headerOf, HttpReply, HttpRequest } from '../http/http-request';
import { setCaller } from '../rate-limit/caller';
import { FailedAuthRateLimit } from '../rate-limit/failed-auth-rate-limit';
import { CallerRateLimitGuard } from '../rate-limit/rate-limit.guard';
import { hexEquals, sha256Hex } from '../signature/hash';

/** `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time. A wrong token counts against the client IP. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly failedAuth: FailedAuthRateLimit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    await this.check(http.getRequest<HttpRequest>(), http.getResponse<HttpReply>());
    return true;
  }

  /** Throws 40101 unless the request carries the admin token; a wrong one counts against the client IP. */
  async check(req: HttpRequest, res: HttpReply): Promise<void> {
    const header = headerOf(req, 'authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const tokenHash = match ? sha256Hex(match[1]) : '';
    if (!match || !hexEquals(sha256Hex(this.config.ADMIN_TOKEN), tokenHash)) {
      await this.failedAuth.count(req, res);
      throw new SignatureError('管理员令牌无效');
    }
    setCaller(req, `admin:${tokenHash.slice(0, 16)}`);
  }
}

/** Operators' API: bearer token, documented in Swagger; the token is a caller of its own for the rate limit. */
export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard, CallerRateLimitGuard), ApiBearerAuth('admin'));
