import type { PoolOptions } from 'mysql2';
import { isConnectionFailure } from './db-errors';

type ConnectionCallback = (error: Error | null, connection?: { release(): void }) => void;

/** The part of a mysql2 pool the guard stands in front of (all TypeORM's MySQL driver calls). */
export interface GuardablePool {
  getConnection(callback: ConnectionCallback): void;
  end(callback?: (error?: Error | null) => void): void;
}

function poolError(code: 'DB_UNREACHABLE' | 'DB_ACQUIRE_TIMEOUT' | 'DB_BUSY', message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Bounds how long a request can wait for a MySQL connection, and stops requests from queueing up behind a
 * database that is gone. mysql2 pools have neither: a request waits in the pool's queue for as long as it
 * takes, and while the database is unreachable every request opens its own connection attempt and waits out
 * the whole connect timeout.
 *
 * - Acquire timeout: a request that has not got a connection after `acquireTimeoutMs` fails with
 *   `DB_ACQUIRE_TIMEOUT` (answered 503); a connection that arrives later goes straight back to the pool.
 * - Bounded queue: while `maxWaiting` requests already wait for the pool, the next one fails at once with
 *   `DB_BUSY` (answered 503 `服务繁忙`): under overload a request that would wait out the acquire timeout is
 *   better refused now. (mysql2's own `queueLimit` answers an Error without a code, which would be a 500.)
 * - Fail fast: once a connection attempt has failed with a connection error, the database counts as down.
 *   One request at a time is let through to try again (the probe); every other request fails at once with
 *   `DB_UNREACHABLE`. The first success, probe or not, counts it as up again.
 *
 * A wrapper in front of the pool, not a change to it: `guardedMysql2` hands TypeORM (through its `driver` option)
 * a mysql2 whose `createPool` returns the pool behind a guard.
 */
export class PoolGuard implements GuardablePool {
  private down = false;
  private probing = false;
  /** Acquisitions the pool has not answered yet (those timed out included: they still hold a place in its queue). */
  private waiting = 0;

  constructor(
    /** The guarded mysql2 pool (its own counts are read for metrics). */
    readonly pool: GuardablePool,
    private readonly acquireTimeoutMs: number,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  end(callback?: (error?: Error | null) => void): void {
    this.pool.end(callback);
  }

  getConnection(callback: ConnectionCallback): void {
    if (this.down && this.probing) {
      callback(poolError('DB_UNREACHABLE', '数据库暂不可达'));
      return;
    }
    if (this.waiting >= this.maxWaiting) {
      callback(poolError('DB_BUSY', `${this.waiting} requests already wait for a database connection`));
      return;
    }
    const probe = this.down;
    if (probe) this.probing = true;
    this.waiting++;
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      callback(poolError('DB_ACQUIRE_TIMEOUT', `no database connection within ${this.acquireTimeoutMs} ms`));
    }, this.acquireTimeoutMs);
    this.pool.getConnection((error, connection) => {
      this.waiting--;
      if (probe) this.probing = false;
      if (!error) this.down = false;
      else if (isConnectionFailure(error)) this.down = true;
      if (answered) {
        connection?.release();
        return;
      }
      answered = true;
      clearTimeout(timer);
      callback(error, connection);
    });
  }
}

/**
 * mysql2 as TypeORM's MySQL `driver`, except that every pool it creates stands behind a `PoolGuard` (TypeORM's MySQL
 * driver takes a connection from its pool for every query runner).
 */
export function guardedMysql2(acquireTimeoutMs: number, maxWaiting?: number): object {
  // Required here, not imported at the top: on SQLite mysql2 would be loaded for nothing.
  const mysql2 = require('mysql2') as typeof import('mysql2');
  const createPool = (options: PoolOptions) => new PoolGuard(mysql2.createPool(options) as unknown as GuardablePool, acquireTimeoutMs, maxWaiting);
  // Enumerable: TypeORM takes a driver object without enumerable keys for a failed `require`.
  return Object.create(mysql2, { createPool: { value: createPool, enumerable: true } });
}
