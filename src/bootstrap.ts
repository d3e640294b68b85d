import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from './config/app-config';
import { createValidationPipe } from './common/validation/validation';
import { AppLogger } from './common/http/app-logger';
import { requestContextMiddleware } from './common/http/request-context';
import { setupSwagger } from './docs/swagger';
import { httpMetricsMiddleware } from './metrics/http-metrics';

export const BODY_LIMIT = '256kb';

/** Everything main.ts and the e2e harness share: parsers, request ids, validation, docs. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  app.use(requestContextMiddleware(logger));
  app.use(httpMetricsMiddleware());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { extended: true, limit: BODY_LIMIT, parameterLimit: 2000 });
  app.set('query parser', 'extended');
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  // No client revalidates API answers, so hashing every response body for an ETag is CPU spent for nothing.
  app.set('etag', false);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupSwagger(app, config);
}
