import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppLogger } from './app-logger';

export interface RequestWithContext extends Request {
  requestId: string;
  /** The raw body text, kept for signature checks and notify audit. */
  rawBody?: Buffer;
}

const REQUEST_ID_PATTERN = /^[\w.-]{1,64}$/;

/** Gives every request an id (the caller's `X-Request-Id` when sane), echoes it, and logs the outcome. */
export function requestContextMiddleware(logger: AppLogger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID().replace(/-/g, '');
    (req as RequestWithContext).requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.request({ request_id: requestId, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 });
    });
    next();
  };
}

export function requestIdOf(req: unknown): string {
  return (req as Partial<RequestWithContext>)?.requestId ?? '';
}
