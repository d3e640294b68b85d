import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AppConfig } from '../../config/app-config';
import { AppError, ConflictError, InvalidParamsError, ReplayError } from '../errors/app-error';
import { headerOf, HttpRequest, pathOf, routeOf } from '../http/http-request';
import { callerOf } from '../rate-limit/caller';
import { sha256Hex } from '../signature/hash';
import { DEDUPE_IDENTICAL, signedRequestOf } from '../signature/signature-metadata';
import { IdempotencyService, outcomeToError } from './idempotency.service';
import { attachClaim, ClaimKey, ClaimTakenError, RequestClaim, StoredOutcome, Verdict } from './request-claim';

const DAY_SECONDS = 24 * 3600;
/** The shape of an `Idempotency-Key` header (SPEC §3). */
const IDEMPOTENCY_KEY_PATTERN = /^[\w.:-]{1,64}$/;
/** Rounds of "run, find the key taken, judge" before giving up on a key that keeps changing hands. */
const MAX_ROUNDS = 3;

/**
 * The replay rules of SPEC §3, for signed requests and for the admin routes that accept an `Idempotency-Key`. Every
 * rule that applies to a request names a key: its `nonce` (scoped to the caller; the stored hash covers route and
 * parameters, so the nonce names one request), its `Idempotency-Key` header (scoped to caller and route: the signed
 * client, or the hash of the admin token) and, on routes marked `@DedupeIdenticalRequests()`, its content within a
 * short window. The request is a replay when any of its keys says so: the header is not signed, so it only ever adds
 * a key and never removes one. A signed request always gets a claim, even without keys, since its handler may add a
 * rule of its own (`RequestClaim.alsoRecognizedBy`); this is the one place that judges whether a request was seen.
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
    const route = routeOf(req) ?? pathOf(req);
    const signed = signedRequestOf(req);
    if (!signed) {
      // An operator's request: only its header names it, scoped to (the hash of) the token that authenticated it and
      // to the path, which names the object acted on (the order refunded), as the signed routes' bodies do.
      const path = pathOf(req);
      const key = idempotencyKeyOf(req, `${callerOf(req) ?? 'anonymous'}:${path}`);
      return key ? new RequestClaim([key], sha256Hex(`${path}\n${stableJson(req.body ?? {})}`), this.idempotency) : null;
    }
    const scope = `${signed.scheme}:${signed.appId}`;
    const keys: ClaimKey[] = [];
    if (signed.nonce) {
      keys.push({ key: `nonce:${scope}:${signed.nonce}`, ttlSeconds: DAY_SECONDS, mismatch: () => new ReplayError('nonce 已被使用'), keepFailures: true });
    }
    const key = idempotencyKeyOf(req, `${scope}:${route}`);
    if (key) keys.push(key);
    if (this.config.IDEMPOTENCY_WINDOW_SECONDS > 0 && this.reflector.get<boolean>(DEDUPE_IDENTICAL, context.getHandler())) {
      // Only successes: a payment refused for want of balance may be retried at once after a top-up.
      keys.push({ key: `same:${scope}:${route}:${sha256Hex(signed.canonical)}`, ttlSeconds: this.config.IDEMPOTENCY_WINDOW_SECONDS, mismatch: () => new ConflictError('请求冲突'), keepFailures: false });
    }
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

/** The request's `Idempotency-Key` header as a claim key in `scope` (caller and route); null without the header. */
function idempotencyKeyOf(req: HttpRequest, scope: string): ClaimKey | null {
  const header = headerOf(req, 'idempotency-key');
  if (header === undefined) return null;
  if (!IDEMPOTENCY_KEY_PATTERN.test(header)) throw new InvalidParamsError({ 'Idempotency-Key': 'Idempotency-Key 格式不正确' });
  return { key: `key:${scope}:${header}`, ttlSeconds: DAY_SECONDS, mismatch: () => new ConflictError('Idempotency-Key 已用于不同的请求'), keepFailures: true };
}

/** JSON with object keys sorted: a body's hash must not depend on the order its client wrote the fields in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
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
