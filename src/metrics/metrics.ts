import { Counter, Histogram, Registry } from 'prom-client';
import { AppError } from '../common/errors/app-error';

/**
 * The service's counters, process-wide like the process they describe; `MetricsService` adds the gauges read at
 * scrape time (outbox, database pool) and serves them together at `GET /metrics`.
 */
export const counters = new Registry();

export const httpRequestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [counters],
});

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from request to response finished, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [counters],
});

/** Requests answered 429 (rate limited) and 503 (shed: overloaded or database unavailable). */
export const rateLimitedRequestsTotal = new Counter({
  name: 'rate_limited_requests_total',
  help: 'Requests answered 429 (rate limited)',
  registers: [counters],
});

export const shedRequestsTotal = new Counter({
  name: 'shed_requests_total',
  help: 'Requests answered 503 (load shed, or the database unavailable)',
  registers: [counters],
});

/** `channel`: balance | alipay. `outcome`: paid, pending (sent to Alipay), refused (a 4xx), error; or a settle outcome. */
export const paymentsTotal = new Counter({
  name: 'payments_total',
  help: 'Payments by channel and outcome',
  labelNames: ['channel', 'outcome'] as const,
  registers: [counters],
});

/** `channel`: balance | alipay. `outcome`: success, pending, failed, refused. */
export const refundsTotal = new Counter({
  name: 'refunds_total',
  help: 'Refunds by channel and outcome',
  labelNames: ['channel', 'outcome'] as const,
  registers: [counters],
});

/** A partner order number another instance took in the same millisecond: the INSERT is sent again under a later one. */
export const orderNumberCollisionsTotal = new Counter({
  name: 'partner_order_number_collisions_total',
  help: 'Partner order numbers found taken by another instance (each costs one more INSERT)',
  registers: [counters],
});

export const alipayNotifiesTotal = new Counter({
  name: 'alipay_notifies_total',
  help: 'Alipay notifies by outcome (settled, already_settled, bad_signature, ...) and reply (success | failure)',
  labelNames: ['outcome', 'reply'] as const,
  registers: [counters],
});

const SETTLE_OUTCOMES = new Set(['settled', 'already_settled', 'flagged_for_refund', 'unknown_payment', 'amount_mismatch']);

/** An Alipay notify by outcome and reply; one that tried to settle a payment also counts as an Alipay payment outcome. */
export function countNotify(outcome: string, reply: string): void {
  alipayNotifiesTotal.inc({ outcome, reply });
  if (SETTLE_OUTCOMES.has(outcome)) paymentsTotal.inc({ channel: 'alipay', outcome });
}

/**
 * Counts a payment use case by how it ended: `outcomeOf` names a successful result, a refusal (an `AppError`,
 * answered 4xx) is `refused`, anything else `error`. Returns the use case's own promise result.
 */
export async function countPayment<T>(channel: string, run: Promise<T>, outcomeOf: (result: T) => string): Promise<T> {
  try {
    const result = await run;
    paymentsTotal.inc({ channel, outcome: outcomeOf(result) });
    return result;
  } catch (error) {
    paymentsTotal.inc({ channel, outcome: error instanceof AppError && error.httpStatus < 500 ? 'refused' : 'error' });
    throw error;
  }
}
