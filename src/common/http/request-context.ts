import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppLogger } from './app-logger';
import { pathOf } from './http-request';

const REQUEST_ID_PATTERN = /^[\w.-]{1,64}$/;

/** Fastify's `genReqId`: the caller's `X-Request-Id` when sane, else a fresh one. Fastify keeps it as `request.id`. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID().replace(/-/g, '');
}

/** Echoes every request's id and logs its outcome. */
export function addRequestContext(fastify: FastifyInstance, logger: AppLogger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logger.request({ request_id: request.id, method: request.method, path: pathOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 });
    done();
  });
}

export function requestIdOf(req: unknown): string {
  const id = (req as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '';
}
