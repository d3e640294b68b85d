import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ServiceBusyError } from '../common/errors/app-error';
import { sqliteReaderOptions } from './data-source-options';
import { isRetryableTransactionError } from './db-errors';
import { endWatch, TransactionLostError, watchTransaction } from './transaction-loss.subscriber';

/**
 * Lock conflicts are retried as whole transactions. Enough attempts that 50 parallel changes of one row settle, and
 * that one wallet debited through three Galera nodes at once settles (there a conflict is found only at COMMIT, by
 * certification, so a hot row's losers lose whole transactions); each attempt waits longer, with jitter so the
 * losers do not collide again in step. A conflict that still does not settle (about 4 s of waiting) is answered
 * 503, to be retried by the caller, never 500.
 */
const MAX_ATTEMPTS = 16;
const BACKOFF_BASE_MS = 8;
const BACKOFF_CAP_MS = 400;

/**
 * Something a transaction writes last, inside it, with the work's result: the idempotency layer records a request's
 * answer this way, so the answer commits exactly with the effect (common/idempotency).
 */
export interface TransactionEpilogue {
  writeIn(em: EntityManager, result: unknown): Promise<void>;
}

/**
 * The one way to write. Every use case runs in one transaction opened here, one statement per round trip: START
 * TRANSACTION, each statement, COMMIT. (Statements sent together as one multi-statement query are not safe on a
 * Galera cluster: when another node's write aborts the transaction mid-query, the rest of the query runs outside
 * it and COMMIT answers OK.)
 *
 * MySQL: READ COMMITTED; deadlocks and lock-wait timeouts (Galera certification failures included) retry the whole
 * transaction. Every write's reply must still carry the server's in-transaction flag: one that does not means the
 * server dropped the transaction under us, and the transaction fails instead of committing what is left of it
 * (transaction-loss.subscriber.ts).
 * SQLite (embedded, one process): the writer is a single connection, so transactions are queued one after another
 * instead of interleaving on it.
 *
 * Reads outside a transaction (`manager`) see only committed data. On MySQL every statement outside a transaction
 * autocommits on a pooled connection of its own. On SQLite they go to a second, read-only connection: the writer
 * may be inside a request's transaction at any await, and a read sent on it would see that transaction's
 * uncommitted writes (a debit about to be rolled back). WAL lets the reader see the last commit without waiting
 * for the writer. Queueing reads behind the writer would also be correct, but every read would then wait for
 * every transaction queued before it.
 */
@Injectable()
export class TransactionService implements OnModuleInit, OnApplicationShutdown {
  private sqliteTail: Promise<unknown> = Promise.resolve();
  private readonly isSqlite: boolean;
  /** SQLite: the read-only connection for reads outside transactions (an in-memory database has none). */
  private sqliteReader?: DataSource;
  /**
   * Pooled MySQL connections already switched to READ COMMITTED for their whole session. Setting it once per
   * connection instead of `SET TRANSACTION ISOLATION LEVEL` before every transaction saves a round trip each time.
   */
  private readonly readCommitted = new WeakSet<object>();

  constructor(readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  async onModuleInit(): Promise<void> {
    const options = sqliteReaderOptions(this.dataSource.options);
    if (options) this.sqliteReader = await new DataSource(options).initialize();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sqliteReader?.destroy();
  }

  /** For reads outside a transaction: they see committed data only. Writes go through `run` or `runStatement`. */
  get manager(): EntityManager {
    return (this.sqliteReader ?? this.dataSource).manager;
  }

  /** Runs `work` in one transaction; `epilogue` writes last, inside it, with the work's result. */
  run<T>(work: (em: EntityManager) => Promise<T>, epilogue?: TransactionEpilogue): Promise<T> {
    const whole = async (em: EntityManager) => {
      const result = await work(em);
      await epilogue?.writeIn(em, result);
      return result;
    };
    if (this.isSqlite) return this.queued(() => this.dataSource.transaction(whole));
    return this.withRetry((runner) => inTransaction(runner, whole));
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
        if (!isRetryableTransactionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new ServiceBusyError('数据冲突，请稍后重试');
      } finally {
        await runner.release();
      }
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
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

/** A MySQL transaction: START TRANSACTION, the work with every write's reply checked, COMMIT; ROLLBACK on any failure. */
async function inTransaction<T>(runner: QueryRunner, work: (em: EntityManager) => Promise<T>): Promise<T> {
  await runner.startTransaction();
  watchTransaction(runner);
  try {
    const result = await work(runner.manager);
    const lostAfter = endWatch(runner);
    if (lostAfter) throw new TransactionLostError(lostAfter);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    // The ROLLBACK goes out even after the server left the transaction: it ends whatever the connection is in.
    endWatch(runner);
    // A connection that died mid-transaction cannot roll back; the server discards the transaction anyway.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}
