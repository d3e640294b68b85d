/**
 * Alipay's TRADE_SUCCESS notify of a partner order with nothing but its SQL (raw-server.ts: node:http and a mysql2
 * pool, as the raw reference is built). `POST /` takes the very form the service's `POST /payments/alipay/notify`
 * takes (bench/requests.ts `signedNotifies`) and sends, on one pooled connection, the statements the service sends to
 * settle it, listed in STATEMENTS below in the order they go. It does not verify the notify's RSA2 signature, which
 * the service does before anything else: the service's figures include that check, this server's do not. No
 * validation, framework or ORM either.
 */
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { GRANT_PAID_BENEFITS_SQL } from '../src/partner/paid-benefits';
import { PARTNER_ORDER_COLUMNS, RawRequest, selectSql, serveRaw } from './raw-server';

const PAYMENT_COLUMNS = [
  'id', 'out_trade_no', 'biz_type', 'biz_no', 'channel', 'amount', 'refunded_amount', 'subject', 'status', 'trade_no', 'notify_raw',
  'needs_refund', 'created_at', 'expires_at', 'paid_at', 'closed_at',
];
const PENDING = 0;
const PAID = 1;

/**
 * The statements of one settling notify, in the order they are sent: they mirror what test/budgets/
 * query-budget.e2e-spec.ts counts for "notify TRADE_SUCCESS" (src/payments/payment.service.ts `settle`,
 * src/partner/partner-order.settlement.ts). Keep them in step with the service.
 */
const STATEMENTS = {
  begin: 'START TRANSACTION',
  payment: selectSql('payments', PAYMENT_COLUMNS, 'WHERE out_trade_no = ?'),
  paymentPaid: 'UPDATE `payments` SET `status` = ?, `trade_no` = ?, `notify_raw` = ?, `paid_at` = ? WHERE `id` = ? AND `status` = ?',
  order: selectSql('partner_orders', PARTNER_ORDER_COLUMNS, 'WHERE order_no = ?'),
  orderPaid: 'UPDATE `partner_orders` SET `paid_at` = ?, `third_order_no` = ?, `bill_no` = ?, `order_status` = ? WHERE `order_no` = ? AND `order_status` = ?',
  benefits: GRANT_PAID_BENEFITS_SQL,
  commit: 'COMMIT',
};

async function settle(c: PoolConnection, { body }: RawRequest): Promise<void> {
  const params = Object.fromEntries(new URLSearchParams(body));
  await c.query(STATEMENTS.begin);
  const [[payment]] = await c.query<RowDataPacket[]>(STATEMENTS.payment, [params.out_trade_no]);
  if (!payment) throw new Error(`payment ${params.out_trade_no} not found`);
  if (Number(payment.t_amount) !== Math.round(Number(params.total_amount) * 100)) throw new Error(`payment ${params.out_trade_no}: amount mismatch`);
  if (Number(payment.t_status) !== PENDING) throw new Error(`payment ${params.out_trade_no} is not pending`);
  const paidAt = new Date();
  const [marked] = await c.query<ResultSetHeader>(STATEMENTS.paymentPaid, [PAID, params.trade_no, JSON.stringify(params), paidAt, payment.t_id, PENDING]);
  if (marked.affectedRows !== 1) throw new Error(`payment ${params.out_trade_no} changed meanwhile`);
  const [[order]] = await c.query<RowDataPacket[]>(STATEMENTS.order, [payment.t_biz_no]);
  if (!order) throw new Error(`partner order ${payment.t_biz_no} not found`);
  const [moved] = await c.query<ResultSetHeader>(STATEMENTS.orderPaid, [paidAt, params.trade_no, payment.t_out_trade_no, PAID, order.t_order_no, PENDING]);
  if (moved.affectedRows !== 1) throw new Error(`partner order ${order.t_order_no} is not awaiting payment`);
  await c.query(STATEMENTS.benefits, [order.t_grant_level_id, order.t_grant_level_id, order.t_grant_level_id, Number(order.t_order_score), order.t_user_id]);
  await c.query(STATEMENTS.commit);
}

serveRaw(settle);
