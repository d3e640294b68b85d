import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AppLogger } from './common/http/app-logger';
import { configureApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

const LISTEN_BACKLOG = 4096;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, rawBody: true, bufferLogs: true });
  configureApp(app, config);
  // Node's `listen(port, backlog)`: 2000 clients connecting at once overflow the default queue of 511, and each
  // dropped SYN costs its client a retransmit 1, 3, 7 s later; a fresh client (or a health probe) waits behind them.
  // Linux caps it at net.core.somaxconn.
  await app.listen(config.PORT, LISTEN_BACKLOG as unknown as string);
  app.get(AppLogger).log(`listening on ${config.PUBLIC_BASE_URL} (database: ${config.DB_TYPE}, docs: ${config.PUBLIC_BASE_URL}/docs)`);
}

void main();
