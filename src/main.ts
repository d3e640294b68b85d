import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { acceptFirst } from './common/http/accept-first';
import { AppLogger } from './common/http/app-logger';
import { GracefulShutdown } from './common/http/graceful-shutdown';
import { limitHeapGrowth } from './common/runtime/heap-growth';
import { DrainState } from './common/runtime/drain-state';
import { configureApp, createHttpAdapter, KEEP_ALIVE_TIMEOUT_MS } from './bootstrap';
import { ConfigError, loadConfig, productionWarnings } from './config/app-config';
import { checkDatabase, explainDatabaseError, StartupError } from './database/preflight';

/** Every way the start can fail, as one JSON log line with what to do; never a stack trace per retry. */
function startupFailure(error: unknown, config: { DB_TYPE: string; DATABASE_URL?: string; PORT: number; SQLITE_PATH: string } | undefined): { msg: string; hint: string } {
  if (error instanceof ConfigError) return { msg: error.message.replace(/\n\s*-\s*/g, '; ').replace(':;', ':'), hint: 'fix these environment variables (see docs/operations.md, Configuration)' };
  if (error instanceof StartupError) return { msg: error.message, hint: error.hint };
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') return { msg: `port ${config?.PORT} is in use`, hint: 'stop the process that holds it, or set PORT to another port' };
  if (typeof code === 'string' && code.startsWith('SQLITE_CANTOPEN')) return { msg: `cannot open the SQLite database ${config?.SQLITE_PATH}`, hint: 'set SQLITE_PATH to a file in a directory this user may write' };
  if (code === 'EACCES') return { msg: `no permission to listen on port ${config?.PORT}`, hint: 'use a port above 1023, or set PORT' };
  if (config?.DB_TYPE === 'mysql' && config.DATABASE_URL && typeof code === 'string' && /^(ER_|E[A-Z]+$)/.test(code)) {
    const problem = explainDatabaseError(error, config.DATABASE_URL);
    return { msg: problem.message, hint: problem.hint };
  }
  return { msg: (error as Error).message ?? String(error), hint: 'see the message; this is not one of the known start-up problems' };
}

const LISTEN_BACKLOG = 4096;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    new AppLogger().error('start-up failed', startupFailure(error, undefined));
    process.exit(1);
  }
  const logger = new AppLogger(config.LOG_LEVEL);
  for (const warning of productionWarnings(config)) logger.warn(warning);
  try {
    if (config.alipayMode === 'sandbox') (await import('./dev/alipay-sandbox/sandbox-keys')).prepareSandboxKeys(config);
    // Loaded only now, so that a first start's sandbox keys are generated while the modules load.
    const { AppModule } = await import('./app.module');
    await checkDatabase(config, (message, fields) => logger.warn(message, fields));
    // Nest's own logger stays off until configureApp installs ours: a failed start is reported below, once, as JSON.
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), { bodyParser: false, logger: false, abortOnError: false });
    configureApp(app, config);
    const shutdown = new GracefulShutdown(
      { server: app.getHttpServer(), logger: app.get(AppLogger), beginDraining: () => app.get(DrainState).begin(), close: () => app.close() },
      // Half a second before Node's own keep-alive timer would destroy an idle connection: the drain's FIN comes first.
      { timeoutMs: config.SHUTDOWN_TIMEOUT_SECONDS * 1000, idleMs: KEEP_ALIVE_TIMEOUT_MS - 500 },
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    // Listening on the HTTP server itself: Nest's app.listen() would log a refused port a second time. The backlog:
    // 2000 clients connecting at once overflow the default queue of 511, and each dropped SYN costs its client a
    // retransmit 1, 3, 7 s later; a fresh client (or a health probe) waits behind them. Linux caps it at somaxconn.
    // A burst of connections is accepted whole before any of their requests is read (see acceptFirst).
    acceptFirst(app.getHttpServer());
    await new Promise<void>((resolve, reject) => {
      const server = app.getHttpServer();
      server.once('error', reject);
      server.listen(config.PORT, LISTEN_BACKLOG, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    shutdown.listenForSignals();
    limitHeapGrowth();
    app.get(AppLogger).log(`listening on ${config.PUBLIC_BASE_URL} (database: ${config.DB_TYPE}, docs: ${config.PUBLIC_BASE_URL}/docs)`);
  } catch (error) {
    const { msg, hint } = startupFailure(error, config);
    logger.error(`start-up failed: ${msg}`, { hint });
    process.exit(1);
  }
}

void main();
