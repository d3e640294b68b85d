import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BENCH_PACK, Fixtures, MALL_GOODS_STOCK } from './fixtures';
import { MALL_OUTSIDE_SN_PREFIX, PendingPayment, RUN_ID } from './requests';

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

/** How many 2xx each kind of effect got: the database must hold exactly these effects. */
export interface Accepted {
  balancePays: number;
  hotWalletPays: number;
  alipayOrders: number;
  notifies: number;
  mallCreates: number;
}

async function one(db: Connection, sql: string, params: unknown[] = []): Promise<Record<string, number>> {
  const [rows] = await db.query<RowDataPacket[]>(sql, params);
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v ?? 0)]));
}

function check(name: string, actual: number, expected: number, what: string): Invariant {
  return { name, ok: actual === expected, detail: `${what}: ${actual} (expected ${expected})` };
}

/** Reads the database after the load and checks money, stock and counts against what the clients were told. */
export async function checkInvariants(db: Connection, fixtures: Fixtures, accepted: Accepted): Promise<Invariant[]> {
  const out: Invariant[] = [];
  const hot = fixtures.hotBuyer.userId;

  const ledger = await one(
    db,
    `SELECT COUNT(*) AS wallets, COALESCE(SUM(w.balance <> COALESCE(l.total, 0)), 0) AS mismatched, COALESCE(SUM(w.balance < 0), 0) AS negative
       FROM wallets w LEFT JOIN (SELECT wallet_id, SUM(delta) AS total FROM wallet_ledger GROUP BY wallet_id) l ON l.wallet_id = w.id`,
  );
  out.push(check('balances equal ledger sums', ledger.mismatched, 0, `wallets whose balance differs from their ledger sum (of ${ledger.wallets})`));
  out.push(check('no negative balance', ledger.negative, 0, 'wallets below zero'));
  const lastRow = await one(
    db,
    `SELECT COUNT(*) AS wrong FROM wallets w JOIN wallet_ledger l ON l.id = (SELECT MAX(id) FROM wallet_ledger WHERE wallet_id = w.id) WHERE l.balance_after <> w.balance`,
  );
  out.push(check('last ledger row carries the balance', lastRow.wrong, 0, 'wallets whose newest ledger row has another balance_after'));

  const paidByBalance = await one(
    db,
    `SELECT COALESCE(SUM(user_id <> ?), 0) AS many, COALESCE(SUM(user_id = ?), 0) AS hot FROM partner_orders WHERE gift_pos_id = ? AND pay_type = 1 AND order_status = 1`,
    [hot, hot, BENCH_PACK.id],
  );
  out.push(check('partner balance orders = 200 responses', paidByBalance.many, accepted.balancePays, 'paid balance orders of the many-wallet scenario'));
  out.push(check('hot-wallet orders = 200 responses', paidByBalance.hot, accepted.hotWalletPays, 'paid balance orders on the one wallet'));

  const debits = await one(
    db,
    `SELECT COUNT(*) AS rows_, COUNT(DISTINCT biz_no) AS orders, COALESCE(-SUM(delta), 0) AS fen FROM wallet_ledger WHERE biz_type = 'partner_order_pay'`,
  );
  const paidOrders = accepted.balancePays + accepted.hotWalletPays;
  out.push(check('one debit per paid order', debits.rows_, paidOrders, 'partner_order_pay ledger rows'));
  out.push(check('no order debited twice', debits.orders, debits.rows_, 'distinct orders among the debit rows'));
  out.push(check('debited amount = orders × price', debits.fen, paidOrders * BENCH_PACK.priceFen, 'fen debited'));
  const hotWallet = await one(db, `SELECT balance FROM wallets WHERE owner_type = 'partner_user' AND owner_id = ?`, [hot]);
  out.push(check('hot wallet balance', hotWallet.balance, fixtures.hotBalanceFen - accepted.hotWalletPays * BENCH_PACK.priceFen, 'fen left on the one wallet'));

  const alipay = await one(
    db,
    `SELECT COUNT(*) AS orders, COALESCE(SUM(o.order_status = 1), 0) AS paid, COALESCE(SUM(o.order_status = 1 AND o.third_order_no <> ''), 0) AS withTradeNo,
            COALESCE(SUM(p.status = 1), 0) AS paymentsPaid, COALESCE(SUM(p.status = 0), 0) AS paymentsPending
       FROM partner_orders o JOIN payments p ON p.out_trade_no = o.bill_no WHERE o.gift_pos_id = ? AND o.pay_type = 2`,
    [BENCH_PACK.id],
  );
  out.push(check('alipay orders = 200 responses', alipay.orders, accepted.alipayOrders, 'awaiting-payment orders with a pending payment'));
  out.push(check('notified payments paid once', alipay.paymentsPaid, accepted.notifies, 'payments paid (one per "success" notify)'));
  out.push(check('notified orders paid', alipay.paid, accepted.notifies, 'alipay orders moved to paid'));
  out.push(check('paid orders carry the trade_no', alipay.withTradeNo, alipay.paid, 'paid alipay orders with third_order_no'));

  const score = await one(db, `SELECT COALESCE(SUM(score), 0) AS total FROM partner_users`);
  out.push(check('score granted once per paid order', score.total, (paidOrders + accepted.notifies) * BENCH_PACK.score, 'sum of user scores'));

  const trades = await one(
    db,
    `SELECT COUNT(DISTINCT t.id) AS trades, COUNT(o.id) AS orders FROM mall_trades t LEFT JOIN mall_orders o ON o.trade_id = t.id WHERE t.outside_sn LIKE ?`,
    [`${MALL_OUTSIDE_SN_PREFIX}-${RUN_ID}-%`],
  );
  out.push(check('mall trades = 200 responses', trades.trades, accepted.mallCreates, 'trades created'));
  out.push(check('one order per store', trades.orders, accepted.mallCreates * fixtures.goodsByStore.length, 'orders of those trades'));

  const goodsIds = fixtures.goodsByStore.flat();
  const stock = await one(
    db,
    `SELECT COUNT(*) AS goods, COALESCE(SUM(g.stock + COALESCE(s.sold, 0) <> ?), 0) AS wrong, COALESCE(SUM(g.stock < 0), 0) AS negative, COALESCE(SUM(s.sold), 0) AS sold
       FROM mall_goods g LEFT JOIN (SELECT goods_id, SUM(total) AS sold FROM mall_order_goods GROUP BY goods_id) s ON s.goods_id = g.id
      WHERE g.id IN (?)`,
    [MALL_GOODS_STOCK, goodsIds],
  );
  out.push(check('stock + sold = initial', stock.wrong, 0, `goods where stock + sold ≠ ${MALL_GOODS_STOCK} (of ${stock.goods}, ${stock.sold} units sold)`));
  out.push(check('no negative stock', stock.negative, 0, 'goods below zero'));
  return out;
}

/** The first `limit` pending payments of bench pack orders in id order, after the payment `afterId` when given. */
export async function pendingBenchPayments(db: Connection, limit: number, afterId = 0): Promise<PendingPayment[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT p.id, p.out_trade_no, p.amount, p.subject, p.created_at FROM payments p JOIN partner_orders o ON o.bill_no = p.out_trade_no
      WHERE p.status = 0 AND o.gift_pos_id = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
    [BENCH_PACK.id, afterId, limit],
  );
  return rows.map(pendingPaymentOf);
}

/** A `payments` row (`id, out_trade_no, amount, subject, created_at`) as a notify is signed for it. */
export function pendingPaymentOf(r: RowDataPacket): PendingPayment {
  return { id: Number(r.id), outTradeNo: r.out_trade_no, amountFen: Number(r.amount), subject: r.subject, createdAt: new Date(r.created_at) };
}
