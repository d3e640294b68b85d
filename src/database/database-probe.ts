import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { PoolConnection } from 'mysql2';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { GuardablePool, PoolGuard } from './pool-guard';

/**
 * Whether the database answers, for `/health`. On MySQL it asks over a connection of its own, outside the
 * service's pool: under overload every pooled connection is busy and requests queue for them, and a load
 * balancer's probe must not wait in that queue (nor be refused by it) while the database itself is fine.
 * The same guard as the pool's bounds the wait and fails fast while the database is unreachable.
 */
@Injectable()
export class DatabaseProbe implements OnModuleDestroy {
  private readonly pool?: PoolGuard;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    if (config.DB_TYPE !== 'mysql' || !config.DATABASE_URL) return;
    // Required here, not imported at the top: on SQLite mysql2 would be loaded for nothing (60 ms of the start).
    const { createPool } = require('mysql2') as typeof import('mysql2');
    const pool = createPool({ uri: config.DATABASE_URL.replace(/^mariadb:/, 'mysql:'), connectionLimit: 1, connectTimeout: 3000, enableKeepAlive: true });
    this.pool = new PoolGuard(pool as unknown as GuardablePool, config.DB_ACQUIRE_TIMEOUT_MS);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** A read on the probe's own connection (the service's data source on SQLite). */
  query<T>(sql: string): Promise<T[]> {
    const pool = this.pool;
    if (!pool) return this.dataSource.query(sql);
    return new Promise<T[]>((resolve, reject) =>
      pool.getConnection((failed, lent) => {
        if (failed) return reject(failed);
        const connection = lent as PoolConnection;
        connection.query(sql, (error, rows) => {
          connection.release();
          if (error) reject(error);
          else resolve(rows as T[]);
        });
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await new Promise<void>((resolve) => (this.pool ? this.pool.end(() => resolve()) : resolve()));
  }
}
