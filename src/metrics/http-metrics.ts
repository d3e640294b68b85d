import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration, httpRequestsTotal, rateLimitedRequestsTotal, shedRequestsTotal } from './metrics';

/** The route pattern (`/admin/partner/users/:id`), never the raw path, so that labels stay few; `unmatched` for 404s. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

/** Counts and times every request by route pattern and status. */
export function httpMetricsMiddleware() {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      httpRequestsTotal.inc(labels);
      httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      if (res.statusCode === 429) rateLimitedRequestsTotal.inc();
      else if (res.statusCode === 503) shedRequestsTotal.inc();
    });
    next();
  };
}
