import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Statement } from '../../database/sql';

const COMMIT_MARK = Symbol('commit-mark');

type WithCommitMark = { [COMMIT_MARK]?: Statement };

/** Called by the idempotency interceptor once it has claimed the request's key. */
export function setCommitMark(req: unknown, mark: Statement): void {
  (req as WithCommitMark)[COMMIT_MARK] = mark;
}

/**
 * The statement that marks this request's idempotency key committed, or undefined when the request has no key.
 * A handler whose use case writes passes it to `TransactionService.run` as `onCommit`, so the mark commits exactly
 * with the effect: a retry after a crash between COMMIT and the stored response is then refused instead of run
 * again. Passed by hand rather than through AsyncLocalStorage, whose promise hooks cost about a tenth of a
 * payment's CPU on Node 20 (README, "Performance").
 */
export const CommitMark = createParamDecorator((_: unknown, ctx: ExecutionContext): Statement | undefined => (ctx.switchToHttp().getRequest() as WithCommitMark)[COMMIT_MARK]);
