import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export type Engine = 'sqlite' | 'mysql';

/**
 * SQLite (unless TEST_SKIP_SQLITE=1, for a second run on another MySQL dialect) and MySQL whenever TEST_MYSQL_URL is
 * set: `mariadb://` selects TypeORM's MariaDB dialect, `mysql://` the MySQL 8 dialect.
 */
export function enginesUnderTest(): Engine[] {
  const sqlite: Engine[] = process.env.TEST_SKIP_SQLITE === '1' ? [] : ['sqlite'];
  return process.env.TEST_MYSQL_URL ? [...sqlite, 'mysql'] : sqlite;
}

export interface FreshDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A database nobody else uses: a new SQLite file, or a new MySQL schema on the TEST_MYSQL_URL server. */
export async function freshDatabase(engine: Engine): Promise<FreshDatabase> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = join(tmpdir(), 'ops-e2e', suffix);
    mkdirSync(dir, { recursive: true });
    return { env: { DB_TYPE: 'sqlite', SQLITE_PATH: join(dir, 'app.sqlite'), DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const server = new URL(process.env.TEST_MYSQL_URL!);
  const database = `ops_e2e_${suffix}`;
  const admin = await createConnection({ host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  const dir = join(tmpdir(), 'ops-e2e', suffix);
  mkdirSync(dir, { recursive: true });
  return {
    env: { DB_TYPE: 'mysql', DATABASE_URL: url.toString(), DATA_DIR: dir },
    drop: async () => {
      const conn = await createConnection({ host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
