import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { TransactionService } from './transaction.service';
import { guardedMysql2 } from './pool-guard';
import { isConnectionFailure } from './db-errors';
import { DatabaseProbe } from './database-probe';
import { SqliteUpgrades } from './sqlite-upgrades';

/**
 * The service's data source. On MySQL its pool stands behind a guard (pool-guard.ts): a bounded wait for a
 * connection and a bounded queue, and failing fast while the database is unreachable. No more requests than are
 * in flight can wait (load shedding bounds those); jobs add a few.
 */
function serviceDataSourceOptions(config: AppConfig): DataSourceOptions {
  const options = buildDataSourceOptions(config);
  if (options.type !== 'mysql' && options.type !== 'mariadb') return options;
  return { ...options, driver: guardedMysql2(config.DB_ACQUIRE_TIMEOUT_MS, config.MAX_IN_FLIGHT), connectorPackage: 'mysql2' };
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // main.ts has checked the database first (preflight.ts) and reports a failed start as one log line; a
          // connection that fails now (a busy server) is tried again, any other error (a bad migration) ends the start.
          useFactory: () => ({ ...serviceDataSourceOptions(config), retryAttempts: 3, retryDelay: 1000, toRetry: isConnectionFailure }),
          dataSourceFactory: (options) => new DataSource(options!).initialize(),
        }),
      ],
      providers: [TransactionService, DatabaseProbe, SqliteUpgrades],
      exports: [TransactionService, DatabaseProbe],
    };
  }
}
