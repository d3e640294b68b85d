import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { AppError, ConflictError, InvalidParamsError, ReplayError } from '../errors/app-error';
import { headerOf, HttpRequest, pathOf, routeOf } from '../http/http-request';
import { sha256Hex } from '../signature/hash';
import { DEDUPE_IDENTICAL, signedRequestOf } from '../signature/signature-metadata';
import { ClaimTakenError, IdempotencyService, outcomeToError, Verdict } from './idempotency.service';
import { attachClaim, ClaimKey, RequestClaim, StoredOutcome } from './request-claim';

const DAY_SECONDS = 24 * 3600;
const KEY_PATTERN = /^[\w.:-]{1,64}$/;
/** Rounds of "run, find the key taken, judge" before giving up on a key that keeps changing hands. */
const MAX_ROUNDS = 3;

/**
 * The replay rules of SPEC §3 for signed requests. Every rule that applies to a request names a key: its `nonce`
 * (scoped to the caller; the stored hash covers route and parameters, so the nonce names one request), its
 * `Idempotency-Key` header (scoped to caller and route) and, on routes marked `@DedupeIdenticalRequests()`, its
 * content within a short window. The request is a replay when any of its keys says so: the header is not signed,
 * so it only ever adds a key and never removes one.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const claim = this.claimOf(req, context);
    if (!claim) return next.handle();
    attachClaim(req, claim);
    return from(this.run(claim, next));
  }

  private claimOf(req: HttpRequest, context: ExecutionContext): RequestClaim | null {
    const signed = signedRequestOf(req);
    if (!signed) return null;
    const scope = `${signed.scheme}:${signed.appId}`;
    const route = routeOf(req) ?? pathOf(req);
    const keys: ClaimKey[] = [];
    if (signed.nonce) {
      keys.push({ key: `nonce:${scope}:${signed.nonce}`, ttlSeconds: DAY_SECONDS, mismatch: () => new ReplayError('nonce 已被使用'), keepFailures: true });
    }
    const header = headerOf(req, 'idempotency-key');
    if (header !== undefined) {
      if (!KEY_PATTERN.test(header)) throw new InvalidParamsError({ 'Idempotency-Key': 'Idempotency-Key 格式不正确' });
      keys.push({ key: `key:${scope}:${route}:${header}`, ttlSeconds: DAY_SECONDS, mismatch: () => new ConflictError('Idempotency-Key 已用于不同的请求'), keepFailures: true });
    }
    if (this.config.IDEMPOTENCY_WINDOW_SECONDS > 0 && this.reflector.get<boolean>(DEDUPE_IDENTICAL, context.getHandler())) {
      // Only successes: a payment refused for want of balance may be retried at once after a top-up.
      keys.push({ key: `same:${scope}:${route}:${sha256Hex(signed.canonical)}`, ttlSeconds: this.config.IDEMPOTENCY_WINDOW_SECONDS, mismatch: () => new ConflictError('请求冲突'), keepFailures: false });
    }
    if (keys.length === 0) return null;
    return new RequestClaim(keys, sha256Hex(`${route}\n${signed.canonical}`), this.idempotency);
  }

  private async run(claim: RequestClaim, next: CallHandler): Promise<unknown> {
    for (let round = 1; ; round++) {
      try {
        const data = await lastValueFrom(next.handle(), { defaultValue: undefined });
        if (!claim.recorded) await this.idempotency.recordAlone(claim, { ok: true, data });
        return data;
      } catch (error) {
        if (error instanceof ClaimTakenError) {
          const verdict = await this.idempotency.verdict(claim);
          if (verdict.kind !== 'new') return answerOf(verdict);
          // The record that took the key expired (now deleted) or vanished: run the request anew.
          if (round >= MAX_ROUNDS) throw new ConflictError('请求处理中，请稍后重试');
          continue;
        }
        if (error instanceof AppError && error.httpStatus < 500) return this.refused(claim, error);
        throw error;
      }
    }
  }

  /**
   * A business refusal may be the shadow of an identical request that won (its debit left too little balance): if a
   * key names a recorded request, that one is the answer. Otherwise the refusal is recorded under the keys that
   * keep failures, so that a replay gets it back.
   */
  private async refused(claim: RequestClaim, error: AppError): Promise<unknown> {
    const verdict = await this.idempotency.verdict(claim);
    if (verdict.kind !== 'new') return answerOf(verdict);
    try {
      await this.idempotency.recordAlone(claim, failureOutcome(error));
    } catch (recordError) {
      if (!(recordError instanceof ClaimTakenError)) throw recordError;
      const again = await this.idempotency.verdict(claim);
      if (again.kind !== 'new') return answerOf(again);
    }
    throw error;
  }
}

function failureOutcome(error: AppError): Extract<StoredOutcome, { ok: false }> {
  return { ok: false, code: error.code, msg: error.message, errors: error.errors, httpStatus: error.httpStatus };
}

/** The answer a judged request gets: the stored outcome (returned or thrown again), or the refusal. */
function answerOf(verdict: Exclude<Verdict, { kind: 'new' }>): unknown {
  if (verdict.kind === 'refuse') throw verdict.error;
  if (verdict.outcome.ok) return verdict.outcome.data;
  throw outcomeToError(verdict.outcome);
}
