import { Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import { IdempotencyRecord } from '../../database/entities/common/idempotency-record.entity';
import { affectedRows, isUniqueViolation } from '../../database/db-errors';
import { execute, insertRow } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { AppError, ConflictError, ErrorCode, FieldErrors } from '../errors/app-error';

/** A finished request as it is replayed: the handler's data, or the business error it ended with. */
export type StoredOutcome =
  | { ok: true; data: unknown }
  | { ok: false; code: ErrorCode; msg: string; errors: FieldErrors; httpStatus: number };

export type ClaimResult = { claimed: true } | { claimed: false; outcome: StoredOutcome };

/**
 * A claim still `processing` after this long belongs to a request that died before committing anything; it may
 * be taken over. A `committed` claim never is: its effect exists, so a retry must not run it again.
 */
const ABANDONED_AFTER_MS = 60_000;
const WAIT_FOR_ORIGINAL_MS = 3_000;
const POLL_MS = 40;

export function outcomeToError(outcome: Extract<StoredOutcome, { ok: false }>): AppError {
  return new AppError(outcome.code, outcome.msg, outcome.errors, outcome.httpStatus);
}

/**
 * Request keys claimed under a primary key, so N identical requests make one effect on any number of
 * instances: the first claims and runs, the others wait briefly for its outcome or get 40901 请求处理中.
 * Every write here is a single statement, so it runs without a transaction around it (`runStatement`); the
 * claim and the stored answer, which every signed request writes, are plain SQL (database/sql.ts).
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly tx: TransactionService) {}

  async claim(key: string, requestHash: string, ttlSeconds: number, mismatch: () => AppError): Promise<ClaimResult> {
    const deadline = Date.now() + WAIT_FOR_ORIGINAL_MS;
    for (;;) {
      const now = new Date();
      const fresh = { key, requestHash, state: 'processing' as const, outcome: null, createdAt: now, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
      try {
        await this.tx.runStatement((em) => insertRow(em, IdempotencyRecord, fresh));
        return { claimed: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await this.tx.manager.findOneBy(IdempotencyRecord, { key });
      if (!existing) continue;
      const expired = existing.expiresAt.getTime() <= now.getTime();
      const abandoned = existing.state === 'processing' && now.getTime() - existing.createdAt.getTime() > ABANDONED_AFTER_MS;
      if (expired || abandoned) {
        if (await this.takeOver(existing, fresh)) return { claimed: true };
        continue;
      }
      if (existing.requestHash !== requestHash) throw mismatch();
      if (existing.state === 'done' && existing.outcome) return { claimed: false, outcome: JSON.parse(existing.outcome) as StoredOutcome };
      if (Date.now() >= deadline) {
        throw new ConflictError(existing.state === 'committed' ? '请求已受理，请勿重复提交，请查询处理结果' : '请求处理中，请稍后重试');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async isCommitted(key: string): Promise<boolean> {
    return this.tx.manager.existsBy(IdempotencyRecord, { key, state: 'committed' });
  }

  async complete(key: string, outcome: StoredOutcome): Promise<void> {
    await this.tx.runStatement((em) =>
      execute(em, "UPDATE idempotency_records SET state = 'done', outcome = ? WHERE `key` = ? AND state IN ('processing', 'committed')", [
        JSON.stringify(outcome),
        key,
      ]),
    );
  }

  /** Forgets a claim whose request failed before committing anything, so that a retry may run it. */
  async release(key: string): Promise<void> {
    await this.tx.runStatement((em) => em.delete(IdempotencyRecord, { key, state: 'processing' }));
  }

  async purgeExpired(now = new Date()): Promise<number> {
    return affectedRows(await this.tx.runStatement((em) => em.delete(IdempotencyRecord, { expiresAt: LessThan(now) })));
  }

  /** Conditional on the row being unchanged since we read it, so only one taker wins. */
  private async takeOver(existing: IdempotencyRecord, fresh: IdempotencyRecord): Promise<boolean> {
    const result = await this.tx.runStatement((em) =>
      em.update(IdempotencyRecord, { key: existing.key, createdAt: existing.createdAt, state: existing.state }, { ...fresh }),
    );
    return affectedRows(result) === 1;
  }
}
