import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThan, LessThanOrEqual } from 'typeorm';
import { IdempotencyRecord } from '../../database/entities/common/idempotency-record.entity';
import { affectedRows, isUniqueViolation } from '../../database/db-errors';
import { insertRows } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { AppError, ErrorCode } from '../errors/app-error';
import { ClaimRecorder, ClaimTakenError, RequestClaim, StoredOutcome, Verdict } from './request-claim';

/** Expired records deleted per statement, the pause between two, and the most one purge run deletes. */
const PURGE_BATCH = 1000;
const PURGE_PAUSE_MS = 50;
const PURGE_MAX_BATCHES = 200;

export function outcomeToError(outcome: Extract<StoredOutcome, { ok: false }>): AppError {
  return new AppError(outcome.code as ErrorCode, outcome.msg, outcome.errors, outcome.httpStatus);
}

/**
 * The records behind the replay rules (SPEC §3). Every key of a request is a primary key; the request's rows are
 * inserted with its outcome, so of N identical requests at most one commits them and the others are refused or
 * replayed. Plain SQL (database/sql.ts): every signed request writes here.
 */
@Injectable()
export class IdempotencyService implements ClaimRecorder {
  constructor(private readonly tx: TransactionService) {}

  /** Inserts the claim's rows (all its keys, or those that keep failures) with `outcome`, in the caller's transaction. */
  async record(em: EntityManager, claim: RequestClaim, outcome: StoredOutcome): Promise<void> {
    const keys = claim.keysFor(outcome);
    if (keys.length === 0) return;
    const now = new Date();
    const text = JSON.stringify(outcome);
    const rows = keys.map((k) => ({ key: k.key, requestHash: claim.requestHash, outcome: text, createdAt: now, expiresAt: new Date(now.getTime() + k.ttlSeconds * 1000) }));
    try {
      await insertRows(em, IdempotencyRecord, ...rows);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ClaimTakenError();
      throw error;
    }
  }

  /** `record` as a statement of its own, for requests whose handler wrote nothing or was refused. */
  async recordAlone(claim: RequestClaim, outcome: StoredOutcome): Promise<void> {
    if (claim.keysFor(outcome).length > 0) await this.tx.runStatement((em) => this.record(em, claim, outcome));
  }

  /**
   * Judges the request by the live records of its keys: refused when one was seen with another request (the first
   * such key decides, nonce before Idempotency-Key before content), replayed when one holds this request's outcome;
   * failing those, by the handler's own rule, if it added one; new otherwise. Expired records are deleted on the way,
   * so that their keys can be recorded again.
   */
  async verdict(claim: RequestClaim): Promise<Verdict> {
    const byKeys = claim.keys.length > 0 ? await this.verdictOfKeys(claim) : { kind: 'new' as const };
    return byKeys.kind === 'new' && claim.earlierRequest ? claim.earlierRequest() : byKeys;
  }

  private async verdictOfKeys(claim: RequestClaim): Promise<Verdict> {
    const now = new Date();
    const found = await this.tx.manager.findBy(IdempotencyRecord, { key: In(claim.keys.map((k) => k.key)) });
    const live = found.filter((r) => r.expiresAt.getTime() > now.getTime());
    if (live.length < found.length) {
      const expired = found.filter((r) => !live.includes(r)).map((r) => r.key);
      await this.tx.runStatement((em) => em.delete(IdempotencyRecord, { key: In(expired), expiresAt: LessThanOrEqual(now) }));
    }
    for (const key of claim.keys) {
      const record = live.find((r) => r.key === key.key);
      if (record && record.requestHash !== claim.requestHash) return { kind: 'refuse', error: key.mismatch() };
    }
    const original = claim.keys.map((k) => live.find((r) => r.key === k.key)).find((r) => r !== undefined);
    return original ? { kind: 'replay', outcome: JSON.parse(original.outcome) as StoredOutcome } : { kind: 'new' };
  }

  /**
   * Deletes the records that expired before `now` (SPEC §11 Housekeeping), in batches of PURGE_BATCH with a short
   * pause between them, so that no statement holds many locks or runs long beside the requests that write here. Each
   * delete names its keys and still requires them expired, so instances purging at once only share the work, and a
   * key recorded again meanwhile is kept. A run stops after PURGE_MAX_BATCHES, or after the current batch once
   * `stopping` is aborted (a shutdown); the next run goes on.
   */
  async purgeExpired(now = new Date(), stopping?: AbortSignal): Promise<number> {
    let purged = 0;
    for (let batch = 1; batch <= PURGE_MAX_BATCHES && !stopping?.aborted; batch++) {
      const expired = await this.tx.manager.find(IdempotencyRecord, { select: { key: true }, where: { expiresAt: LessThan(now) }, take: PURGE_BATCH });
      if (expired.length === 0) break;
      const keys = expired.map((r) => r.key);
      purged += affectedRows(await this.tx.runStatement((em) => em.delete(IdempotencyRecord, { key: In(keys), expiresAt: LessThan(now) })));
      if (expired.length < PURGE_BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, PURGE_PAUSE_MS));
    }
    return purged;
  }
}
