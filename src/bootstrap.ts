import type { RequestListener } from 'node:http';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from './config/app-config';
import { createValidationPipe } from './common/validation/validation';
import { AppLogger } from './common/http/app-logger';
import { requestContextMiddleware } from './common/http/request-context';
import { withLoadShedding } from './common/http/load-shedding';
import { bodyDepthMiddleware, MAX_BODY_DEPTH } from './common/validation/body-depth';
import { setupSwagger } from './docs/swagger';
import { httpMetricsMiddleware } from './metrics/http-metrics';

export const BODY_LIMIT = '256kb';

/** Everything main.ts and the e2e harness share: parsers, request ids, validation, docs. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const server = app.getHttpServer();
  const [express] = server.listeners('request') as RequestListener[];
  server.removeListener('request', express);
  server.on('request', withLoadShedding(express, config.MAX_IN_FLIGHT, logger));
  app.use(requestContextMiddleware(logger));
  app.use(httpMetricsMiddleware());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  // Form keys nested deeper than the limit are refused by qs (400 `querystring.parse.rangeError`) instead of
  // being kept as literal keys; the depth check below covers both parsers the same way.
  app.useBodyParser('urlencoded', { extended: true, limit: BODY_LIMIT, parameterLimit: 2000, depth: MAX_BODY_DEPTH });
  app.use(bodyDepthMiddleware);
  app.set('query parser', 'extended');
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  // No client revalidates API answers, so hashing every response body for an ETag is CPU spent for nothing.
  app.set('etag', false);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupSwagger(app, config);
}
