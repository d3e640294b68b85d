import type { Socket } from 'node:net';
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
 *
 * A connection that asks again before its `Retry-After` has passed, while the instance is still full, gets its
 * next 503 when that second is over: a flood of keep-alive connections that ignore Retry-After would otherwise
 * spend the process's one thread on answering 503s, and starve the requests in flight. So each connection costs
 * at most one refusal a second, and a new connection (or a client that waited) is still answered at once.
 */
export function loadSheddingMiddleware(maxInFlight: number, logger: AppLogger) {
  let inFlight = 0;
  const lastRefusal = new WeakMap<Socket, number>();
  const refuse = (req: Request, res: Response) => {
    lastRefusal.set(req.socket, Date.now());
    logger.tally(OVERLOAD_LOG, 'in_flight_limit');
    res
      .status(503)
      .setHeader('Retry-After', String(RETRY_AFTER_SECONDS))
      .json(errorBody(familyOfPath(req.path), { code: ErrorCode.Internal, msg: OVERLOAD_MSG, errors: { request_id: requestIdOf(req) } }));
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (EXEMPT.test(req.path)) return next();
    if (inFlight >= maxInFlight) {
      res.locals.shed = true;
      const wait = (lastRefusal.get(req.socket) ?? 0) + RETRY_AFTER_SECONDS * 1000 - Date.now();
      if (wait > 0) setTimeout(() => refuse(req, res), wait);
      else refuse(req, res);
      return;
    }
    inFlight++;
    res.once('close', () => inFlight--);
    next();
  };
}
