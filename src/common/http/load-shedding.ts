import type { NextFunction, Request, Response } from 'express';
import { errorBody, familyOfPath } from '../envelope/envelopes';
import { ErrorCode } from '../errors/app-error';
import { AppLogger } from './app-logger';
import { requestIdOf } from './request-context';

export const OVERLOAD_MSG = '服务繁忙';
export const OVERLOAD_LOG = 'overload: requests answered 503 in the last second';
/** Seconds a refused client should wait; short, since a burst usually passes within a second. */
export const RETRY_AFTER_SECONDS = 1;

/** Paths never shed: a load balancer's probe must see the instance alive while it is busy. */
const EXEMPT = /^\/health(\/|$)/;

/**
 * Load shedding: at most `maxInFlight` requests are handled at once by this instance; the next one is
 * answered 503 `服务繁忙` with `Retry-After` at once, before its body is read, in its path's envelope.
 * Queueing them instead would make every request slow (and time out at the client) rather than some fail fast.
 * Shed requests are counted into one log line per second, and left out of the per-request access log.
 */
export function loadSheddingMiddleware(maxInFlight: number, logger: AppLogger) {
  let inFlight = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    if (EXEMPT.test(req.path)) return next();
    if (inFlight >= maxInFlight) {
      res.locals.shed = true;
      logger.tally(OVERLOAD_LOG, 'in_flight_limit');
      res
        .status(503)
        .setHeader('Retry-After', String(RETRY_AFTER_SECONDS))
        .json(errorBody(familyOfPath(req.path), { code: ErrorCode.Internal, msg: OVERLOAD_MSG, errors: { request_id: requestIdOf(req) } }));
      return;
    }
    inFlight++;
    res.once('close', () => inFlight--);
    next();
  };
}
