import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppLogger, cutForLog, LineLevel } from './app-logger';
import { pathOf } from './http-request';

const REQUEST_ID_PATTERN = /^[\w.-]{1,64}$/;

/** Fastify's `genReqId`: the caller's `X-Request-Id` when sane, else a fresh one. Fastify keeps it as `request.id`. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID().replace(/-/g, '');
}

interface AccessNotes {
  level: LineLevel;
  fields: Record<string, string>;
}

const notes = new WeakMap<object, AccessNotes>();
const RANK: Record<LineLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Adds request facts to the request's access line instead of a line of their own: whoever sends a request, it
 * writes one short line (SPEC §11). Values are cut to LOG_FIELD_MAX; the line takes the highest level noted.
 */
export function noteOnAccessLine(req: object, fields: Record<string, unknown>, level: LineLevel = 'info'): void {
  const noted = notes.get(req) ?? { level: 'info', fields: {} };
  for (const [name, value] of Object.entries(fields)) noted.fields[name] = cutForLog(value);
  if (RANK[level] > RANK[noted.level]) noted.level = level;
  notes.set(req, noted);
}

/** Echoes every request's id and logs its outcome. */
export function addRequestContext(fastify: FastifyInstance, logger: AppLogger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const noted = notes.get(request);
    const line = { request_id: request.id, method: request.method, path: cutForLog(pathOf(request)), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    logger.request(noted ? { ...line, ...noted.fields } : line, noted?.level);
    done();
  });
}

export function requestIdOf(req: unknown): string {
  const id = (req as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '';
}
