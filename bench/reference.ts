/**
 * The raw reference (`../shared/bench-ref/server.js`, see its README): node:http + mysql2, one ledger insert, one
 * conditional update, COMMIT per request. The bench runs it as it is, read-only, from the shared folder, on a scratch
 * schema of its own on the same MariaDB as the service, and judges the service as a ratio to it.
 */
import { execSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { connectMysql, freePort, MysqlServer, REPO_ROOT, ScratchDatabase, scratchDatabase } from '../test/support/service-process';
import type { GetRequest } from './load';
import { RUN_ID } from './requests';

export const REFERENCE_WALLETS = 10_000;
export const REFERENCE_BALANCE = 1_000_000_000;
/** As the reference's README starts it. */
export const REFERENCE_POOL = 10;

/**
 * `BENCH_REF_DIR` when set; otherwise `shared/bench-ref` beside the repository's root. From a git worktree that lies
 * elsewhere (e.g. /work/wt/bench), the main checkout's root is tried as well (`git rev-parse --git-common-dir`).
 */
export function referenceDir(): string {
  if (process.env.BENCH_REF_DIR) {
    const dir = resolve(process.env.BENCH_REF_DIR);
    if (!existsSync(join(dir, 'server.js'))) throw new Error(`BENCH_REF_DIR=${dir} holds no server.js`);
    return dir;
  }
  const roots = [REPO_ROOT];
  try {
    const common = execSync('git rev-parse --path-format=absolute --git-common-dir', { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    roots.push(dirname(common));
  } catch {
    // not a git checkout: the repository root alone
  }
  const tried = [...new Set(roots.map((root) => resolve(root, '..', 'shared', 'bench-ref')))];
  const found = tried.find((dir) => existsSync(join(dir, 'server.js')));
  if (!found) throw new Error(`the raw reference is not in ${tried.join(' or ')}: set BENCH_REF_DIR to the folder holding its server.js`);
  return found;
}

export interface ReferenceServer {
  baseUrl: string;
  pid: number;
  db: ScratchDatabase;
  /** Ledger rows and money debited so far (to check the reference did what it answered). */
  ledger(): Promise<{ rows: number; debitedCents: number; missingCents: number }>;
  stop(): Promise<void>;
}

/** Creates the reference's schema with its 10 000 wallets (README), starts `server.js` on it and waits for it to listen. */
export async function startReference(server: MysqlServer, dir: string): Promise<ReferenceServer> {
  const db = await scratchDatabase(server, 'ops_benchref');
  let conn: Connection | undefined;
  try {
    conn = await connectMysql(server, db.name);
    await conn.query('CREATE TABLE wallet (id INT PRIMARY KEY, balance DECIMAL(14,2) NOT NULL)');
    await conn.query(
      'CREATE TABLE wallet_txn (id BIGINT AUTO_INCREMENT PRIMARY KEY, wallet_id INT NOT NULL, amount DECIMAL(14,2) NOT NULL, request_no VARCHAR(64) NOT NULL UNIQUE)',
    );
    const wallets = Array.from({ length: REFERENCE_WALLETS }, (_, i) => `(${i + 1},${REFERENCE_BALANCE})`);
    await conn.query(`INSERT INTO wallet (id, balance) VALUES ${wallets.join(',')}`);
  } catch (error) {
    await conn?.end();
    await db.drop();
    throw error;
  }
  const port = await freePort();
  const credentials = server.password ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}` : encodeURIComponent(server.user);
  // server.js requires mysql2 from the shared folder, which has no node_modules: it resolves through NODE_PATH.
  const child = spawn(process.execPath, [join(dir, 'server.js')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `mysql://${credentials}@${server.host}:${server.port}/${db.name}`,
      PORT: String(port),
      POOL: String(REFERENCE_POOL),
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`the raw reference did not listen within 15 s:\n${output}`)), 15_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening')) {
          clearTimeout(timer);
          ready();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`the raw reference exited (${code ?? signal}):\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await conn.end();
    await db.drop();
    throw error;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    db,
    ledger: async () => {
      const [rows] = await conn!.query(
        `SELECT (SELECT COUNT(*) FROM wallet_txn) AS n, (SELECT COALESCE(SUM(amount), 0) * 100 FROM wallet_txn) AS debited,
                (SELECT ? * COUNT(*) - SUM(balance) FROM wallet) * 100 AS missing`,
        [REFERENCE_BALANCE],
      );
      const [r] = rows as Array<{ n: number; debited: string; missing: string }>;
      return { rows: Number(r.n), debitedCents: Math.round(Number(r.debited)), missingCents: Math.round(Number(r.missing)) };
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await conn!.end();
      await db.drop();
    },
  };
}

/** `GET /?req=<unique>`: a debit of 0.01 from a random wallet, as the reference's README loads it. */
export function referencePay(round: string, n: number): GetRequest {
  return { method: 'GET', path: `/?req=${RUN_ID}-${round}-${n}` };
}

export const referenceOk = (_status: number, body: string) => body === '{"code":200}';
