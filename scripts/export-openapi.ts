/** `npm run openapi`: writes the OpenAPI document to openapi.json (a test fails when the file is stale). */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app.module';
import { createHttpAdapter } from '../src/bootstrap';
import { loadConfig } from '../src/config/app-config';
import { renderOpenApiFile } from '../src/docs/openapi-file';

async function main(): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'development', DB_TYPE: 'sqlite', SQLITE_PATH: ':memory:', DEMO_DATA: 'false', JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), { logger: false });
  await app.init();
  const target = join(__dirname, '..', 'openapi.json');
  writeFileSync(target, renderOpenApiFile(app));
  await app.close();
  console.log(`openapi: wrote ${target}`);
}

main().catch((error) => {
  console.error(`openapi: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
