import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Statement } from '../../database/sql';

/**
 * What a request with an idempotency key writes as the last statement of its business transaction
 * (`TransactionService.run`'s `onCommit`), so that it commits exactly with the effect: a retry after a crash between
 * COMMIT and the stored answer is then refused or replayed, never run again.
 *
 * Handed to the handler by hand (`@RequestCommitMark()`) rather than through AsyncLocalStorage, whose promise hooks
 * cost about a tenth of a payment's CPU on Node 20 (README, "Performance").
 */
export class CommitMark {
  private answer: { value: unknown } | undefined;

  constructor(private readonly key: string) {}

  /** The key now stands for a committed effect; its answer is stored once the handler returns it. */
  get committed(): Statement {
    return { sql: "UPDATE idempotency_records SET state = 'committed' WHERE `key` = ? AND state = 'processing'", params: [this.key] };
  }

  /**
   * For a use case whose transaction result is the request's answer: the key is done, with that answer stored in
   * the same commit, and nothing is left to write afterwards.
   */
  readonly answeredWith = (answer: unknown): Statement => {
    this.answer = { value: answer };
    return {
      sql: "UPDATE idempotency_records SET state = 'done', outcome = ? WHERE `key` = ? AND state = 'processing'",
      params: [JSON.stringify({ ok: true, data: answer }), this.key],
    };
  };

  /** Whether `data`, what the handler returned, is the answer stored with the commit. */
  stored(data: unknown): boolean {
    return this.answer !== undefined && this.answer.value === data;
  }
}

const COMMIT_MARK = Symbol('commit-mark');

type WithCommitMark = { [COMMIT_MARK]?: CommitMark };

/** Called by the idempotency interceptor once it has claimed the request's key. */
export function setCommitMark(req: unknown, mark: CommitMark): void {
  (req as WithCommitMark)[COMMIT_MARK] = mark;
}

/** The request's commit mark, or undefined when the request has no idempotency key. */
export const RequestCommitMark = createParamDecorator((_: unknown, ctx: ExecutionContext): CommitMark | undefined => (ctx.switchToHttp().getRequest() as WithCommitMark)[COMMIT_MARK]);
