import { DataSource, In } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { isConnectionFailure } from './db-errors';
import { DEMO_MALL_SECRET } from './demo-data/demo-data';
import { MallApp } from './entities/mall/mall-app.entity';

/** A start-up problem an operator can fix, with what to do about it. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** What went wrong with the database named by DATABASE_URL, in words, and what to do. */
export function explainDatabaseError(error: unknown, databaseUrl: string): StartupError {
  const url = new URL(databaseUrl.replace(/^mariadb:/, 'mysql:'));
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const where = `${url.hostname}:${url.port || 3306}`;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  switch (code) {
    case 'ER_BAD_DB_ERROR':
      return new StartupError(
        `database \`${database}\` does not exist on ${where}`,
        `create it, e.g. CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; the service then creates its tables itself`,
      );
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return new StartupError(`${where} refused user \`${decodeURIComponent(url.username)}\`: ${message}`, 'check the user and password in DATABASE_URL, and that the user may use the database (GRANT ALL ON db.* TO user)');
    case 'ECONNREFUSED':
      return new StartupError(`nothing accepts connections at ${where}`, 'start MySQL (or MariaDB), or fix the host and port in DATABASE_URL');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`host ${url.hostname} of DATABASE_URL is not known`, 'fix the host in DATABASE_URL');
    case 'ETIMEDOUT':
      return new StartupError(`no answer from ${where}`, 'check that the database server runs and that no firewall drops the connection');
    default:
      return new StartupError(`cannot use the database at ${where}: ${code ? `${code}: ` : ''}${message}`, 'check DATABASE_URL and the database server');
  }
}

/**
 * Connects once to the configured MySQL database before the service boots, so that a wrong DATABASE_URL is one
 * log line with what to do, rather than TypeORM's retries with a stack trace each. A database that is not up yet
 * (a container starting beside it) is waited for, up to `DB_STARTUP_WAIT_SECONDS`, with one line when the wait
 * begins: the failure that ends it is the caller's one line.
 */
export async function checkDatabase(
  config: AppConfig,
  log: (message: string, fields: Record<string, unknown>) => void,
  waitMs = config.DB_STARTUP_WAIT_SECONDS * 1000,
): Promise<void> {
  if (config.DB_TYPE !== 'mysql' || !config.DATABASE_URL) return;
  const url = config.DATABASE_URL.replace(/^mariadb:/, 'mysql:');
  // Loaded here, not at the top: on SQLite the driver is never needed and would only lengthen the start.
  const { createConnection } = await import('mysql2/promise');
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const connection = await createConnection({ uri: url, connectTimeout: 3000 });
      await connection.end();
      return;
    } catch (error) {
      const problem = explainDatabaseError(error, config.DATABASE_URL);
      if (!isConnectionFailure(error)) throw problem;
      const waited = Date.now() - started;
      if (waited >= waitMs) throw attempt === 1 ? problem : new StartupError(`${problem.message} (waited ${Math.round(waited / 1000)} s)`, problem.hint);
      if (attempt === 1) log(`database not reachable, waiting up to ${Math.round(waitMs / 1000)} s for it`, { problem: problem.message });
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, waitMs - waited)));
    }
  }
}

/** Mall secrets anyone can read (SPEC §9): an app signing with one proves nothing about who sent the request. */
const PUBLISHED_MALL_SECRETS = [DEMO_MALL_SECRET];

/**
 * Production never serves a mall app whose secret is published (SPEC §3), e.g. the demo app left in a database
 * that once ran in development: the start is refused while one is enabled, with the statement that disables it.
 */
export async function refusePublishedDevSecrets(dataSource: DataSource): Promise<void> {
  const apps = await dataSource.getRepository(MallApp).find({ select: { appId: true }, where: { secret: In(PUBLISHED_MALL_SECRETS), enabled: true } });
  if (apps.length === 0) return;
  const ids = apps.map((app) => app.appId);
  throw new StartupError(
    `mall app ${ids.join(', ')} is enabled with a published development secret, which production refuses to serve`,
    `disable it (UPDATE mall_apps SET enabled = 0 WHERE app_id IN (${ids.map((id) => `'${id}'`).join(', ')});) or delete it, then start again`,
  );
}
