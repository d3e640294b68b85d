import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { TransactionLossSubscriber } from './transaction-loss.subscriber';

/**
 * One description of the database for the service, the tests and the TypeORM CLI (`ormconfig.ts`).
 * SQLite is the embedded default and the only engine that may `synchronize`; MySQL runs migrations.
 */
export function buildDataSourceOptions(config: Pick<AppConfig, 'DB_TYPE' | 'SQLITE_PATH' | 'DATABASE_URL' | 'DB_POOL_SIZE'>): DataSourceOptions {
  const common = { entities: ENTITIES, namingStrategy: new SnakeNamingStrategy(), logging: false } as const;
  if (config.DB_TYPE === 'mysql') {
    // A `mariadb://` URL selects TypeORM's MariaDB dialect (same mysql2 driver), whose schema introspection
    // reads MariaDB's column defaults correctly; `mysql://` is MySQL 8.
    const mariadb = config.DATABASE_URL?.startsWith('mariadb://') ?? false;
    return {
      ...common,
      type: mariadb ? 'mariadb' : 'mysql',
      url: mariadb ? config.DATABASE_URL!.replace(/^mariadb:/, 'mysql:') : config.DATABASE_URL,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      // BIGINT money columns come back as numbers (exact: every stored value is far below 2^53, SPEC §1),
      // in raw SQL results as in entities; only a value beyond 2^53 would come back as a string.
      bigNumberStrings: false,
      synchronize: false,
      migrations: MIGRATIONS,
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      subscribers: [TransactionLossSubscriber],
      extra: {
        connectionLimit: config.DB_POOL_SIZE,
        waitForConnections: true,
        // The pool guard bounds the queue (pool-guard.ts); mysql2's own limit would fail with a code-less Error.
        queueLimit: 0,
        connectTimeout: 3000,
        enableKeepAlive: true,
        dateStrings: false,
        // mysql2 otherwise captures a stack trace for every query, to decorate errors; at hundreds of queries a
        // second that costs more CPU than the queries' own packet handling, and our errors carry the SQL anyway.
        trace: false,
      },
    };
  }
  if (config.SQLITE_PATH !== ':memory:') mkdirSync(dirname(config.SQLITE_PATH), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.SQLITE_PATH,
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
    },
    synchronize: true,
  };
}

/**
 * The second connection to the embedded SQLite file, for reads outside transactions (transaction.service.ts): read-only,
 * and with WAL (set by the writer, above) it reads the last committed state even while the writer is inside a
 * transaction. None for an in-memory database, which no second connection can open.
 */
export function sqliteReaderOptions(writer: DataSourceOptions): Extract<DataSourceOptions, { type: 'better-sqlite3' }> | undefined {
  if (writer.type !== 'better-sqlite3' || writer.database === ':memory:') return undefined;
  return { ...writer, readonly: true, enableWAL: false, synchronize: false, migrationsRun: false };
}
