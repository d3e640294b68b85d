import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AppLogger } from './common/http/app-logger';
import { configureApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

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
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  configureApp(app, config);
  await app.listen(config.PORT);
  app.get(AppLogger).log(`listening on ${config.PUBLIC_BASE_URL} (database: ${config.DB_TYPE}, docs: ${config.PUBLIC_BASE_URL}/docs)`);
}

void main();
