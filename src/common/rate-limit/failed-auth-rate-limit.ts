import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { RateLimitedError } from '../errors/app-error';
import type { HttpReply, HttpRequest } from '../http/http-request';

const MINUTE_MS = 60_000;

/**
 * Requests whose signature or admin token fails name no caller we can trust, so they count against their
 * client IP (`RATE_LIMIT_PER_MINUTE` per minute); past it the refusal is 42901 with `Retry-After` instead of 401.
 * Requests that authenticate are never refused here: an office behind one address keeps working while
 * somebody on it floods bad signatures.
 */
@Injectable()
export class FailedAuthRateLimit {
  constructor(
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {}

  async count(req: HttpRequest, res: HttpReply): Promise<void> {
    const limit = this.config.RATE_LIMIT_PER_MINUTE;
    if (limit === 0) return;
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(`ops:rl:failed-auth:ip:${req.ip}`, MINUTE_MS, limit, MINUTE_MS, 'failed-auth');
    if (isBlocked) {
      res.header('Retry-After', String(Math.max(1, timeToBlockExpire)));
      throw new RateLimitedError();
    }
  }
}
