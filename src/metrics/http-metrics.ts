import type { FastifyInstance } from 'fastify';
import { routeOf } from '../common/http/http-request';
import { httpRequestDuration, httpRequestsTotal, rateLimitedRequestsTotal, shedRequestsTotal } from './metrics';

/** Counts and times every request by route pattern (never the raw path, so that labels stay few; `unmatched` for 404s) and status. */
export function addHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: routeOf(request) ?? 'unmatched', status: String(reply.statusCode) };
    httpRequestsTotal.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) rateLimitedRequestsTotal.inc();
    else if (reply.statusCode === 503) shedRequestsTotal.inc();
    done();
  });
}
