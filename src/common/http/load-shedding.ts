import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, familyOfPath } from '../envelope/envelopes';
import { ErrorCode } from '../errors/app-error';
import { AppLogger } from './app-logger';
import { pathOf } from './http-request';
import { requestIdFor } from './request-context';
import { API_ANSWER_HEADERS } from './security-headers';

export const OVERLOAD_MSG = '服务繁忙';
export const OVERLOAD_LOG = 'overload: requests answered 503 in the last second';
/** Seconds a refused client should wait (a first refusal; a connection refused again is told to wait longer). */
export const RETRY_AFTER_SECONDS = 1;

/** Paths never shed: a load balancer's probe must see the instance alive while it is busy. */
const EXEMPT = /^\/health(\/|\?|$)/;

/** The longest a connection that keeps asking while the instance is full is made to wait for its next 503. */
const MAX_HOLD_SECONDS = 8;

/**
 * Each hold is 85 to 100 % of its Retry-After, drawn at random: connections refused in the same instant (a burst
 * of new connections, accepted together) would otherwise all be answered again in the same instant, in one long
 * turn of the event loop 1, 2, 4 and 8 s later, and a health probe arriving then would wait that turn out. Never
 * longer: a client's timeout (autocannon's 10 s, say) must not run out while it is held.
 */
const HOLD_SPREAD = 0.15;

interface Refusals {
  /** Consecutive refusals on this connection. */
  streak: number;
  /** Until when (epoch ms) this connection is held: 85 to 100 % of the Retry-After it was told (HOLD_SPREAD). */
  until: number;
}

/** The limits of `withLoadShedding` (MAX_IN_FLIGHT, MAX_QUEUE, MAX_QUEUE_MS). */
export interface LoadLimits {
  maxInFlight: number;
  /** Requests that may wait for a slot at once; 0: none waits. */
  maxQueue: number;
  /** The longest a request waits for a slot before it is answered 503. */
  maxQueueMs: number;
}

/** A request waiting for a slot. */
interface Waiting {
  req: IncomingMessage;
  res: ServerResponse;
  timer: NodeJS.Timeout;
  /** Its client went away before it started. */
  gone: () => void;
}

/**
 * Load shedding, in front of Fastify (a listener of the HTTP server's `request` event that wraps the app): at
 * most `maxInFlight` requests are handled at once by this instance. The next ones wait for a slot in the order they
 * came, at most `maxQueueMs` each (85 to 100 % of it: HOLD_SPREAD) and at most `maxQueue` of them: a burst the
 * instance serves within that time (300 payments sent at once by one client) is served whole. A request that waited
 * `maxQueueMs`, or found the queue full, is answered 503 `服务繁忙` with `Retry-After`, in its path's envelope,
 * before Fastify, the access log or a body parser spends anything on it. Refusals are counted into one log line per
 * second. A waiting request costs a timer and a place in the queue: its body is parsed only once it starts.
 *
 * A flood is refused early and cheaply: once a request has been refused, the instance counts as flooded until
 * `maxQueueMs` passes without a refusal, and meanwhile a request that finds every slot taken is refused at once
 * instead of joining the queue. A queue that stays full would otherwise make every request of a flood wait its
 * `maxQueueMs` before most of them fail anyway, a fresh client included.
 *
 * A connection refused again and again is told to wait longer each time (Retry-After 1, 2, 4, 8 s), and one that
 * asks again before its Retry-After has passed, while the instance is still full, gets its 503 only when that time
 * is over (or nearly: HOLD_SPREAD). A flood of keep-alive connections that ignore Retry-After would otherwise keep
 * the process's one thread busy answering 503s (each costs a socket write) and starve the requests in flight. A
 * client that waits as told, or a new connection, is answered at once; a connection that gets in starts afresh.
 */
export function withLoadShedding(app: RequestListener, limits: LoadLimits, logger: AppLogger): RequestListener {
  let inFlight = 0;
  /** In arrival order (a Set iterates in insertion order); a request leaves it when it starts, times out or its client goes. */
  const queue = new Set<Waiting>();
  /** Until when (epoch ms) the instance counts as flooded: a request that finds every slot taken is refused at once. */
  let floodedUntil = 0;
  const refusals = new WeakMap<Socket, Refusals>();

  const start = (req: IncomingMessage, res: ServerResponse) => {
    refusals.delete(req.socket);
    inFlight++;
    res.once('close', () => {
      inFlight--;
      startWaiting();
    });
    app(req, res);
  };

  const startWaiting = () => {
    while (inFlight < limits.maxInFlight && queue.size > 0) {
      const next: Waiting = queue.values().next().value!;
      leave(next);
      start(next.req, next.res);
    }
  };

  const leave = (waiting: Waiting) => {
    queue.delete(waiting);
    clearTimeout(waiting.timer);
    waiting.res.removeListener('close', waiting.gone);
  };

  const refuseLater = (req: IncomingMessage, res: ServerResponse, reason: string) => {
    floodedUntil = Date.now() + limits.maxQueueMs;
    const socket = req.socket;
    const previous = refusals.get(socket);
    const answer = () => {
      const streak = (previous?.streak ?? 0) + 1;
      const retryAfter = Math.min(2 ** (streak - 1), MAX_HOLD_SECONDS);
      refusals.set(socket, { streak, until: Date.now() + retryAfter * 1000 * (1 - HOLD_SPREAD * Math.random()) });
      refuse(req, res, retryAfter, reason, logger);
    };
    const wait = (previous?.until ?? 0) - Date.now();
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    if (EXEMPT.test(req.url ?? '')) return app(req, res);
    if (inFlight < limits.maxInFlight && queue.size === 0) return start(req, res);
    if (Date.now() < floodedUntil) return refuseLater(req, res, 'flooded');
    if (queue.size >= limits.maxQueue || limits.maxQueueMs === 0) return refuseLater(req, res, 'queue_full');
    const waiting: Waiting = {
      req,
      res,
      // Spread as the holds are (HOLD_SPREAD): requests queued in one turn of the loop (a flood's opening) would
      // otherwise all time out in one later turn, and a health probe arriving then would wait it out.
      timer: setTimeout(
        () => {
          leave(waiting);
          refuseLater(req, res, 'queue_timeout');
        },
        limits.maxQueueMs * (1 - HOLD_SPREAD * Math.random()),
      ),
      gone: () => leave(waiting),
    };
    res.once('close', waiting.gone);
    queue.add(waiting);
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, retryAfter: number, reason: string, logger: AppLogger): void {
  logger.tally(OVERLOAD_LOG, reason);
  const requestId = requestIdFor(req);
  const path = pathOf(req);
  const body = JSON.stringify(errorBody(familyOfPath(path), { code: ErrorCode.Internal, msg: OVERLOAD_MSG, errors: { request_id: requestId } }));
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': String(retryAfter),
    'X-Request-Id': requestId,
    ...API_ANSWER_HEADERS,
  });
  res.end(body);
}
