import type { RequestListener } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse as parseQueryString } from 'qs';
import { DataSource } from 'typeorm';
import { AppConfig } from './config/app-config';
import { answerRouterRefusal } from './common/envelope/exception.filters';
import { createValidationPipe } from './common/validation/validation';
import { AppLogger } from './common/http/app-logger';
import { registerBodyParsers } from './common/http/body-parsers';
import { registerCors } from './common/http/cors';
import { addRequestContext, requestIdFor } from './common/http/request-context';
import { addSecurityHeaders } from './common/http/security-headers';
import { withLoadShedding } from './common/http/load-shedding';
import { addParameterChecks } from './common/validation/exact-params';
import { refusePublishedDevSecrets } from './database/preflight';
import { setupSwagger } from './docs/swagger';
import { addHttpMetrics } from './metrics/http-metrics';

/** Node's keep-alive timeout, which the service has always run with (Fastify's default is 72 s); the drain on SIGTERM waits it out for idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * The HTTP server under Nest: Fastify, for its lower CPU per request (docs/performance-history.md, "Fastify adapter"). It sends
 * no ETag (no client revalidates API answers) and no X-Powered-By of its own.
 */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    // `request.ip` (the rate limit of refused requests per IP, the logs) is the socket's peer unless it is one of the
    // proxies named by TRUST_PROXY: anybody can write an X-Forwarded-For header.
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    frameworkErrors: answerRouterRefusal,
    routerOptions: {
      // Query strings nest (`a[b]=1`) as body forms do.
      querystringParser: (query) => parseQueryString(query, { allowPrototypes: true }),
      // Routes match as they did under Express: with a trailing slash, in any case, parameters of any length.
      ignoreTrailingSlash: true,
      caseSensitive: false,
      maxParamLength: 8 * 1024,
    },
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: 300_000,
    // While draining on SIGTERM, a request on a connection already open is answered, not refused.
    return503OnClosing: false,
    // No Nest middleware: the request id, the access log and the metrics are Fastify hooks.
    skipMiddie: true,
  });
}

/** Everything main.ts and the e2e harness share: parsers, request ids, validation, docs. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const server = app.getHttpServer();
  const [fastify] = server.listeners('request') as RequestListener[];
  server.removeListener('request', fastify);
  server.on('request', withLoadShedding(fastify, { maxInFlight: config.MAX_IN_FLIGHT, maxQueue: config.MAX_QUEUE, maxQueueMs: config.MAX_QUEUE_MS }, logger));
  const instance = app.getHttpAdapter().getInstance();
  addRequestContext(instance, logger);
  addSecurityHeaders(instance, config.PUBLIC_BASE_URL);
  registerCors(instance, config);
  addHttpMetrics(instance);
  registerBodyParsers(instance);
  addParameterChecks(instance);
  app.useGlobalPipes(createValidationPipe());
  setupSwagger(app, config);
  // Before the port opens: the database's mall apps are only known once the modules have connected it.
  if (config.isProduction) instance.addHook('onReady', () => refusePublishedDevSecrets(app.get(DataSource)));
}
