import { AfterQueryEvent, BeforeQueryEvent, EntitySubscriberInterface, EventSubscriber, QueryRunner } from 'typeorm';

/** The server's "in transaction" flag in the status of every OK packet (MySQL protocol, SERVER_STATUS_IN_TRANS). */
const SERVER_STATUS_IN_TRANS = 0x0001;

/**
 * The server left the transaction while we were still writing in it (see `TransactionService`): the write it answers
 * ran on its own. Never retried, since that write may have committed alone; logged as the defect it would be.
 */
export class TransactionLostError extends Error {
  constructor(sql: string) {
    super(`the server is no longer in the transaction after: ${sql.slice(0, 120)}`);
  }
}

/** The open transactions whose replies are checked, each with the write after which the server had left it, if any. */
const watched = new WeakMap<QueryRunner, { lostAfter?: string }>();

/**
 * MySQL: every write's reply inside a transaction must carry the server's in-transaction flag. One that does not
 * means the server dropped the transaction under us, so that write ran on its own; every later statement of the
 * transaction, its COMMIT included, then fails before it is sent, instead of committing what is left of it.
 * A TypeORM query subscriber (registered in data-source-options.ts) sees every reply and every statement before it
 * goes out, on the runners `TransactionService` watches.
 */
@EventSubscriber()
export class TransactionLossSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent<unknown>): void {
    const watch = watched.get(event.queryRunner);
    const status = (event.rawResults as { serverStatus?: number } | null | undefined)?.serverStatus;
    if (watch && !watch.lostAfter && status !== undefined && (status & SERVER_STATUS_IN_TRANS) === 0) watch.lostAfter = event.query;
  }

  beforeQuery(event: BeforeQueryEvent<unknown>): void {
    const lostAfter = watched.get(event.queryRunner)?.lostAfter;
    if (lostAfter) throw new TransactionLostError(lostAfter);
  }
}

/** Checks the replies of the transaction just started on `runner`, until `endWatch`. */
export function watchTransaction(runner: QueryRunner): void {
  watched.set(runner, {});
}

/** Stops checking `runner`; the write after which the server had left the transaction, if it did. */
export function endWatch(runner: QueryRunner): string | undefined {
  const lostAfter = watched.get(runner)?.lostAfter;
  watched.delete(runner);
  return lostAfter;
}
