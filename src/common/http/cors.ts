import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../../config/app-config';

/** What a page may send: the user token and the admin token, a retry key, its own request id, a JSON or form body. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
/** What a page may read besides the body: when to retry after a 429 or 503, and the id to quote to support. */
const EXPOSED_HEADERS = ['Retry-After', 'X-Request-Id'];

/**
 * Browsers on the origins of CORS_ORIGINS may call the API (SPEC §11); a page of any other origin gets no grant (no
 * `Access-Control-Allow-Origin`, and its preflight is the unknown route it asks for). Preflights are answered in
 * Fastify's `onRequest` hook, before any guard: they carry no signature or token, so they count against no rate limit
 * and never as a failed authentication. No credentials: the API reads no cookies.
 */
export function registerCors(fastify: FastifyInstance, config: AppConfig): void {
  const listed = new Set(config.corsOrigins);
  if (listed.size === 0) return;
  void fastify.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && listed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
