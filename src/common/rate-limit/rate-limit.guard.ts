import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { RateLimitedError } from '../errors/app-error';
import type { HttpRequest } from '../http/http-request';
import { callerOf } from './caller';

/**
 * `RATE_LIMIT_PER_MINUTE` per caller (SPEC §8), across all routes of the caller: runs after the guard that
 * authenticated the request (signature or admin token), which named the caller. Over the limit: 42901 with
 * `Retry-After` (seconds until the caller's minute is over).
 */
@Injectable()
export class CallerRateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return callerOf(req as unknown as HttpRequest) ?? `ip:${String(req.ip)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `ops:rl:${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, _detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError();
  }
}
