import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { AppError, ConflictError, ErrorCode, InvalidParamsError, ReplayError } from '../errors/app-error';
import { sha256Hex } from '../signature/hash';
import { DEDUPE_IDENTICAL, signedRequestOf } from '../signature/signature-metadata';
import { CommitMark, setCommitMark } from './commit-mark';
import { IdempotencyService, outcomeToError, StoredOutcome } from './idempotency.service';

const DAY_SECONDS = 24 * 3600;
const KEY_PATTERN = /^[\w.:-]{1,64}$/;

interface KeyPlan {
  key: string;
  ttlSeconds: number;
  mismatch: () => AppError;
  /** Content dedupe keeps only successes: a refused payment may be retried once the user tops up. */
  keepFailures: boolean;
}

/**
 * Replays the stored outcome of a signed request seen before (SPEC §3): by `Idempotency-Key` header,
 * by `nonce`, or, on routes marked `@DedupeIdenticalRequests()`, by identical content in a short window.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const plan = this.plan(req, context);
    if (!plan) return next.handle();
    return from(this.run(req, plan, sha256Hex(signedRequestOf(req)!.canonical), next));
  }

  private plan(req: Request, context: ExecutionContext): KeyPlan | null {
    const signed = signedRequestOf(req);
    if (!signed) return null;
    const scope = `${signed.scheme}:${signed.appId}`;
    const header = req.header('idempotency-key');
    if (header !== undefined) {
      if (!KEY_PATTERN.test(header)) throw new InvalidParamsError({ 'Idempotency-Key': 'Idempotency-Key 格式不正确' });
      return {
        key: `key:${scope}:${req.route?.path ?? req.path}:${header}`,
        ttlSeconds: DAY_SECONDS,
        mismatch: () => new ConflictError('Idempotency-Key 已用于不同的请求'),
        keepFailures: true,
      };
    }
    if (signed.nonce) {
      return { key: `nonce:${scope}:${signed.nonce}`, ttlSeconds: DAY_SECONDS, mismatch: () => new ReplayError('nonce 已被使用'), keepFailures: true };
    }
    const dedupe = this.reflector.get<boolean>(DEDUPE_IDENTICAL, context.getHandler());
    if (dedupe && this.config.IDEMPOTENCY_WINDOW_SECONDS > 0) {
      return {
        key: `same:${scope}:${req.route?.path ?? req.path}:${sha256Hex(signed.canonical)}`,
        ttlSeconds: this.config.IDEMPOTENCY_WINDOW_SECONDS,
        mismatch: () => new ConflictError('请求冲突'),
        keepFailures: false,
      };
    }
    return null;
  }

  private async run(req: Request, plan: KeyPlan, requestHash: string, next: CallHandler): Promise<unknown> {
    const claim = await this.idempotency.claim(plan.key, requestHash, plan.ttlSeconds, plan.mismatch);
    if (!claim.claimed) return replay(claim.outcome);
    let data: unknown;
    try {
      const mark = new CommitMark(plan.key);
      setCommitMark(req, mark);
      data = await lastValueFrom(next.handle(), { defaultValue: undefined });
      if (mark.stored(data)) return data;
    } catch (error) {
      // Once the effect is committed the failure is the request's answer, whatever it is: store it for replay.
      // Before that, a business refusal is kept only where the plan says so; anything else may be retried.
      const committed = await this.idempotency.isCommitted(plan.key).catch(() => false);
      if (committed || (plan.keepFailures && error instanceof AppError && error.httpStatus < 500)) {
        await this.idempotency.complete(plan.key, failureOutcome(error));
      } else {
        await this.idempotency.release(plan.key).catch(() => undefined);
      }
      throw error;
    }
    await this.idempotency.complete(plan.key, { ok: true, data });
    return data;
  }
}

function failureOutcome(error: unknown): Extract<StoredOutcome, { ok: false }> {
  if (error instanceof AppError) return { ok: false, code: error.code, msg: error.message, errors: error.errors, httpStatus: error.httpStatus };
  return { ok: false, code: ErrorCode.Internal, msg: '服务器内部错误', errors: {}, httpStatus: 500 };
}

function replay(outcome: StoredOutcome): unknown {
  if (outcome.ok) return outcome.data;
  throw outcomeToError(outcome);
}
