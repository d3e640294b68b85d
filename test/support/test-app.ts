import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Module } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { Engine, FreshDatabase, freshDatabase } from './engines';
import { freePort } from './service-process';

export interface TestApp {
  engine: Engine;
  app: NestFastifyApplication;
  http: TestAgent;
  config: AppConfig;
  dataSource: DataSource;
  /** The service's base URL on an ephemeral port (for callbacks such as the Alipay sandbox notify). */
  baseUrl: string;
  /** The app's database; pass it as `options.database` to boot another app on the same data (a restart). */
  database: FreshDatabase;
  /** Stops the app and drops its database, unless `keepDatabase` (to restart on it). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Test-only controllers mounted beside the real ones (e.g. probes for guards). */
  controllers?: Type<unknown>[];
  providers?: Type<unknown>[];
  /** Boot on this existing database instead of a fresh one (see `TestApp.database`). */
  database?: FreshDatabase;
  /** The address to listen on: 127.0.0.1 unless given (`0.0.0.0` for a browser on another of this machine's addresses). */
  host?: string;
}

/** Boots the whole service on a fresh database of the engine, listening on an ephemeral port. */
export async function createTestApp(engine: Engine, options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.database ?? (await freshDatabase(engine));
  // The port is chosen before boot so that PUBLIC_BASE_URL (pay URLs, notify URL, Swagger's server) is configured, not patched in.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The rate limit is off and load shedding far away unless a test asks for them: the suites send far more than a
  // client would from one address, and race hundreds of requests at once on purpose.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JOBS_ENABLED: 'false',
    DEMO_DATA: 'true',
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_IN_FLIGHT: '10000',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    ...db.env,
    ...options.env,
  });

  @Module({ imports: [AppModule.forRoot(config)], controllers: options.controllers ?? [], providers: options.providers ?? [] })
  class TestRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(TestRootModule, createHttpAdapter(config), { bodyParser: false, logger: false, abortOnError: false });
  configureApp(app, config);
  await app.listen(port, options.host ?? '127.0.0.1');
  return {
    engine,
    app,
    http: request(app.getHttpServer()),
    config,
    dataSource: app.get(DataSource),
    baseUrl,
    database: db,
    close: async ({ keepDatabase = false } = {}) => {
      await app.close();
      if (!keepDatabase) await db.drop();
    },
  };
}
