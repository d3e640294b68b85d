import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { TransactionService } from './transaction.service';
import { PoolGuard } from './pool-guard';
import { isConnectionFailure } from './db-errors';
import { DatabaseProbe } from './database-probe';

/**
 * MySQL only: bound the wait for a pooled connection and the queue, and fail fast while the database is
 * unreachable. No more requests than are in flight can wait (load shedding bounds those); jobs add a few.
 */
function guardPool(dataSource: DataSource, config: AppConfig): DataSource {
  const driver = dataSource.driver as { pool?: ConstructorParameters<typeof PoolGuard>[0] };
  if (driver.pool) new PoolGuard(driver.pool, config.DB_ACQUIRE_TIMEOUT_MS, config.MAX_IN_FLIGHT).install();
  return dataSource;
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
          useFactory: () => ({ ...buildDataSourceOptions(config), retryAttempts: 3, retryDelay: 1000, toRetry: isConnectionFailure }),
          dataSourceFactory: async (options) => guardPool(await new DataSource(options!).initialize(), config),
        }),
      ],
      providers: [TransactionService, DatabaseProbe],
      exports: [TransactionService, DatabaseProbe],
    };
  }
}
