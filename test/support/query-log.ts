import type { Logger } from 'typeorm';
import { TransactionService } from '../../src/database/transaction.service';
import type { TestApp } from './test-app';

/**
 * Every query TypeORM's query runners send (they call `logger.logQuery` before each, on both drivers): one round
 * trip each. Statements sent together in one multi-statement query (MySQL) are joined by ";\n" (database/sql.ts,
 * database/transaction.service.ts).
 */
export class QueryLog implements Logger {
  queries: string[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** A query log of the test app, from its `beforeAll` on: its writes, and its reads outside transactions (SQLite's read connection). */
export function useQueryLog(ctx: () => TestApp): QueryLog {
  const log = new QueryLog();
  beforeAll(() => {
    // The query runners read `dataSource.logger` on every statement, so swapping it logs from here on.
    for (const source of new Set([ctx().dataSource, ctx().app.get(TransactionService).manager.connection])) (source as { logger: Logger }).logger = log;
  });
  return log;
}
