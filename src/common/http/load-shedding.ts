import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, familyOfPath } from '../envelope/envelopes';
import { ErrorCode } from '../errors/app-error';
import { AppLogger } from './app-logger';

export const OVERLOAD_MSG = '服务繁忙';
export const OVERLOAD_LOG = 'overload: requests answered 503 in the last second';
/** Seconds a refused client should wait; short, since a burst usually passes within a second. */
export const RETRY_AFTER_SECONDS = 1;

/** Paths never shed: a load balancer's probe must see the instance alive while it is busy. */
const EXEMPT = /^\/health(\/|\?|$)/;

/**
 * Load shedding, in front of Express (a listener of the HTTP server's `request` event that wraps the app): at
 * most `maxInFlight` requests are handled at once by this instance; the next one is answered 503 `服务繁忙` with
 * `Retry-After` at once, in its path's envelope, before Express, the access log or a body parser spends anything
 * on it. Queueing instead would make every request slow (and time out at its client) rather than some fail fast.
 * Refusals are counted into one log line per second.
 *
 * A connection that asks again before its `Retry-After` has passed, while the instance is still full, gets its
 * next 503 when that time is over: a flood of keep-alive connections that ignore Retry-After would otherwise keep
 * the process's one thread busy answering 503s and starve the requests in flight. So a connection costs at most one
 * refusal per Retry-After, and a new connection (or a client that waited) is still answered at once.
 */
export function withLoadShedding(app: RequestListener, maxInFlight: number, logger: AppLogger): RequestListener {
  let inFlight = 0;
  const lastRefusal = new WeakMap<Socket, number>();
  return (req: IncomingMessage, res: ServerResponse) => {
    if (EXEMPT.test(req.url ?? '')) return app(req, res);
    if (inFlight >= maxInFlight) {
      const wait = (lastRefusal.get(req.socket) ?? 0) + RETRY_AFTER_SECONDS * 1000 - Date.now();
      const answer = () => {
        lastRefusal.set(req.socket, Date.now());
        refuse(req, res, logger);
      };
      if (wait > 0) setTimeout(answer, wait);
      else answer();
      return;
    }
    inFlight++;
    res.once('close', () => inFlight--);
    return app(req, res);
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, logger: AppLogger): void {
  logger.tally(OVERLOAD_LOG, 'in_flight_limit');
  const requestId = randomUUID().replace(/-/g, '');
  const path = (req.url ?? '/').split('?')[0];
  const body = JSON.stringify(errorBody(familyOfPath(path), { code: ErrorCode.Internal, msg: OVERLOAD_MSG, errors: { request_id: requestId } }));
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': String(RETRY_AFTER_SECONDS),
    'X-Request-Id': requestId,
  });
  res.end(body);
}
