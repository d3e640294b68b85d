import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { isRetryableTransactionError } from './db-errors';
import { assertNoFailedCheck, execute, forgetFailedChecks, HeldStatements, Statement } from './sql';

const MAX_ATTEMPTS = 4;

/**
 * The one way to write. Every use case runs in one transaction opened here.
 *
 * MySQL: READ COMMITTED; a deadlock or lock-wait timeout retries the whole transaction a few times. Every
 * statement is a round trip, and on this kind of machine the socket write of each one is the largest single cost
 * of a request (README, "Performance"), so transaction control travels with the statements around it:
 * START TRANSACTION goes out with the transaction's first statement, and COMMIT with its last (`onCommit`), as one
 * multi-statement query each. The server runs them in order and stops at the first error, as one by one.
 * SQLite (embedded, one process): better-sqlite3 has a single connection, so transactions are queued
 * one after another instead of interleaving on it.
 */
@Injectable()
export class TransactionService {
  private sqliteTail: Promise<unknown> = Promise.resolve();
  private readonly isSqlite: boolean;
  /**
   * Pooled MySQL connections already switched to READ COMMITTED for their whole session. Setting it once per
   * connection instead of `SET TRANSACTION ISOLATION LEVEL` before every transaction saves a round trip each time.
   */
  private readonly readCommitted = new WeakSet<object>();

  constructor(readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Runs `work` in one transaction. `onCommit` is a statement written last and committed with the work, exactly
   * when it commits (a function of the work's result when it records that result): the idempotency layer records
   * "this request's effect is committed" that way, so a crash between COMMIT and storing the response can never
   * let a retry pay twice.
   */
  run<T>(work: (em: EntityManager) => Promise<T>, onCommit?: OnCommit<T>): Promise<T> {
    if (!this.isSqlite) return this.withRetry((runner) => inTransaction(runner, work, onCommit));
    return this.queued(() =>
      this.dataSource.transaction(async (em) => {
        forgetFailedChecks(em);
        const result = await work(em);
        assertNoFailedCheck(em);
        if (onCommit) {
          const last = lastStatement(onCommit, result);
          await execute(em, last.sql, last.params);
        }
        return result;
      }),
    );
  }

  /**
   * A write that is a single statement and so needs no transaction around it. On MySQL it autocommits, which
   * spares the START TRANSACTION and COMMIT round trips (and is retried whole, like a transaction, on a deadlock).
   * On SQLite it still waits its turn in the queue: the one shared connection may be inside another use case's
   * transaction, which the statement would otherwise silently join.
   */
  runStatement<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.isSqlite ? this.queued(() => work(this.dataSource.manager)) : this.withRetry((runner) => work(runner.manager));
  }

  private async withRetry<T>(attemptOnce: (runner: QueryRunner) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const runner = this.dataSource.createQueryRunner();
      try {
        await this.useReadCommitted(runner);
        return await attemptOnce(runner);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      } finally {
        await runner.release();
      }
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
    }
  }

  private async useReadCommitted(runner: QueryRunner): Promise<void> {
    const connection = (await runner.connect()) as object;
    if (this.readCommitted.has(connection)) return;
    await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    this.readCommitted.add(connection);
  }

  private queued<T>(task: () => Promise<T>): Promise<T> {
    const result = this.sqliteTail.then(task, task);
    this.sqliteTail = result.catch(() => undefined);
    return result;
  }
}

/** The last statement of a transaction, committed with it; a function of the work's result when it records it. */
export type OnCommit<T> = Statement | ((result: T) => Statement);

const lastStatement = <T>(onCommit: OnCommit<T>, result: T): Statement => (typeof onCommit === 'function' ? onCommit(result) : onCommit);

const BEGIN: Statement = { sql: 'START TRANSACTION', params: [] };
const COMMIT: Statement = { sql: 'COMMIT', params: [] };

/**
 * A MySQL transaction on a runner whose connection is already prepared. It is marked active at once (TypeORM's
 * own writes then open none of their own), but START TRANSACTION is held back to go out with the first statement,
 * and COMMIT goes out with the deferred writes and `onCommit`.
 */
async function inTransaction<T>(runner: QueryRunner, work: (em: EntityManager) => Promise<T>, onCommit?: OnCommit<T>): Promise<T> {
  const held = new HeldStatements(runner, [BEGIN]);
  markActive(runner, true);
  try {
    const result = await work(runner.manager);
    assertNoFailedCheck(runner.manager);
    const untouched = !held.sent && held.pending === 1;
    if (!untouched || onCommit) await held.flush(onCommit ? [lastStatement(onCommit, result), COMMIT] : [COMMIT]);
    return result;
  } catch (error) {
    // A connection that died mid-transaction cannot roll back; the server discards the transaction anyway.
    if (held.sent) await held.sendAlone('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    markActive(runner, false);
  }
}

/** TypeORM's own writes open no transaction of their own on a runner marked active. */
function markActive(runner: QueryRunner, active: boolean): void {
  (runner as { isTransactionActive: boolean }).isTransactionActive = active;
}
