import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';

/**
 * The built service (`dist/main.js`) as a separate process on a scratch MySQL database: what the bench and
 * the fault tests run, so they measure and kill the real thing rather than an in-process Nest app.
 */

export const REPO_ROOT = resolve(__dirname, '../..');

export interface MysqlServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `mariadb:` or `mysql:`, kept so the service picks the same dialect. */
  protocol: string;
}

export function parseMysqlServer(url: string): MysqlServer {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), protocol: u.protocol };
}

export function connectMysql(server: MysqlServer, database?: string): Promise<Connection> {
  // The service stores DATETIME as UTC ('Z'); read it the same way.
  return createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database, timezone: 'Z' });
}

export interface ScratchDatabase {
  name: string;
  /** The service's DATABASE_URL for it, through `host:port` (a proxy's, for the fault tests). */
  urlVia(host: string, port: number): string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty schema that nobody else uses; the service migrates it at start. */
export async function scratchDatabase(server: MysqlServer, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = await connectMysql(server);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const credentials = server.password ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}` : encodeURIComponent(server.user);
  const urlVia = (host: string, port: number) => `${server.protocol}//${credentials}@${host}:${port}/${name}`;
  return {
    name,
    urlVia,
    url: urlVia(server.host, server.port),
    drop: async () => {
      const conn = await connectMysql(server);
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServiceOptions {
  databaseUrl: string;
  /** Local state (Alipay sandbox keys); a fresh temporary directory unless given, kept across restarts when given. */
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** The service's entry script, `dist/main.js` unless given (e.g. a copy of an older build, to compare). */
  entry?: string;
}

export interface ServiceProcess {
  baseUrl: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** The last lines the service wrote to stdout and stderr (its warnings and errors). */
  output(): string;
  /** Bytes written to stdout and stderr since the start. */
  outputBytes(): number;
  /** SIGTERM (graceful) and wait for the exit, or SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, no goodbye: what a crashed host or an OOM kill does. */
  kill(): Promise<void>;
}

const OUTPUT_KEEP = 20_000;

/** Starts `node dist/main.js` (run `npm run build` first) and resolves once `/health` answers 200. */
export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ops-service-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry ?? join(REPO_ROOT, 'dist/main.js')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      PUBLIC_BASE_URL: baseUrl,
      DB_TYPE: 'mysql',
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: dataDir,
      DEMO_DATA: 'true',
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      // Load from one address and a handful of users is what the bench and fault tests are for; a test of the
      // limiter turns it back on through `env`.
      RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let outputBytes = 0;
  const keep = (chunk: Buffer) => {
    outputBytes += chunk.length;
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const stopWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`service exited during start (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      // Connection: close, so that no idle connection of ours makes a later SIGTERM wait out the keep-alive timeout.
      const res = await fetch(`${baseUrl}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        return { baseUrl, port, dataDir, child, output: () => output, outputBytes: () => outputBytes, stop: (graceMs = 10_000) => stopWith('SIGTERM', graceMs), kill: () => stopWith('SIGKILL', 0) };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopWith('SIGKILL', 0);
  throw new Error(`service did not become healthy in time:\n${output}`);
}

/** Removes a data directory made by `startService`. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
