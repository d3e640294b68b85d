import { createServer, Server, Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadRequest } from '../../bench/load';
import { MysqlServer, parseMysqlServer, REPO_ROOT } from '../support/service-process';

/** Fault tests run against a real MySQL/MariaDB server (CI's), never SQLite: they kill processes and cut sockets. */
export function faultServer(): MysqlServer {
  return parseMysqlServer(process.env.TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306');
}

/** `npm run test:faults` builds first; a stale or missing build would test the wrong code. */
export function requireBuild(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (npm run test:faults does)');
}

export interface Outcome {
  kind: string;
  request: LoadRequest;
  path: string;
  /** HTTP status, or 0 when no response came back (connection refused or reset, timeout). */
  status: number;
  body: any;
  /** When it was sent (epoch ms) and how long the answer took. */
  startedAt: number;
  ms: number;
}

/** One POST with a time limit; a transport failure is an outcome too (status 0), never an exception. */
export async function send(baseUrl: string, kind: string, path: string, request: LoadRequest, timeoutMs = 15_000): Promise<Outcome> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text (notify replies) stays text
    }
    return { kind, request, path, status: res.status, body, startedAt: started, ms: Date.now() - started };
  } catch {
    return { kind, request, path, status: 0, body: null, startedAt: started, ms: Date.now() - started };
  }
}

/**
 * `workers` loops, each sending `next()`'s requests one after another until `stop()` returns true or `max`
 * requests were sent in all: bounded in count, and in time by the caller's stop condition.
 */
export async function drive(
  baseUrl: () => string,
  workers: number,
  max: number,
  next: (n: number) => { kind: string; path: string; request: LoadRequest },
  stop: () => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stop() && n < max) {
        const { kind, path, request } = next(n++);
        outcomes.push(await send(baseUrl(), kind, path, request));
      }
    }),
  );
  return outcomes;
}

/**
 * How the database goes away. `refuse`: the server is down, every open connection is reset and new ones are
 * refused at once. `blackhole`: open connections are reset and new ones are accepted but never answered, as when
 * the host is unreachable; only the driver's connect timeout ends the wait.
 */
export type CutMode = 'refuse' | 'blackhole';

/**
 * A TCP proxy between the service and the database, so a test can take the database away from one service
 * without stopping the shared server.
 */
export class DatabaseProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: CutMode | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      this.track(client);
      if (this.mode === 'blackhole') return; // accepted, never answered
      const upstream = new Socket();
      this.track(upstream);
      upstream.connect(this.target.port, this.target.host);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(mode: CutMode): Promise<void> {
    this.mode = mode;
    this.resetAll();
    if (mode === 'refuse') await this.close();
  }

  /** The database is back: new connections reach it again (open ones were reset by the cut). */
  async restore(): Promise<void> {
    this.mode = null;
    this.resetAll();
    if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    this.resetAll();
    await this.close();
  }

  private resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
