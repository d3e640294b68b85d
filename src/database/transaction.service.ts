import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { isRetryableTransactionError } from './db-errors';

const MAX_ATTEMPTS = 4;

/** Work appended to every transaction of one request, committed with it (see `withCommitHook`). */
export type CommitHook = (em: EntityManager) => Promise<void>;

/**
 * The one way to write. Every use case runs in one transaction opened here.
 *
 * MySQL: READ COMMITTED; a deadlock or lock-wait timeout retries the whole transaction a few times.
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
  private readonly commitHooks = new AsyncLocalStorage<CommitHook>();

  constructor(readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const hook = this.commitHooks.getStore();
    const unit = hook
      ? async (em: EntityManager) => {
          const result = await work(em);
          await hook(em);
          return result;
        }
      : work;
    return this.isSqlite ? this.queued(() => this.dataSource.transaction(unit)) : this.withRetry((runner) => inTransaction(runner, unit));
  }

  /**
   * Runs `fn` so that every transaction it opens through `run` also runs `hook` as its last statement. What the
   * hook writes commits exactly when the business change does: the idempotency layer records "this request's
   * effect is committed" that way, so a crash between COMMIT and storing the response can never let a retry
   * pay twice.
   */
  withCommitHook<T>(hook: CommitHook, fn: () => Promise<T>): Promise<T> {
    return this.commitHooks.run(hook, fn);
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

/** What `DataSource.transaction` does, on a runner whose connection is already prepared. */
async function inTransaction<T>(runner: QueryRunner, work: (em: EntityManager) => Promise<T>): Promise<T> {
  await runner.startTransaction();
  try {
    const result = await work(runner.manager);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    // A connection that died mid-transaction cannot roll back; the server discards the transaction anyway.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}
