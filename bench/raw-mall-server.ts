/**
 * Mall create with nothing but its SQL (raw-server.ts: node:http and a mysql2 pool, as the raw reference is built).
 * `POST /` takes the very body the service's `POST /order/create` takes (bench/requests.ts `mallCreate`: three stores,
 * one goods line each) and sends, on one pooled connection, the statements the service sends for it, listed in
 * STATEMENTS below in the order they go. No signature check (the service verifies the md5 sign against the secret it
 * reads), no validation, framework or ORM. The pricing is the service's for such a request: no coupons, deductions,
 * service fees or options, so each store's order costs its goods plus the store's shipping.
 */
import { createHash } from 'node:crypto';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { newOrderSn, newTradeSn } from '../src/mall/order-sn';
import { preIdOf } from '../src/mall/pre-id';
import { placeholders } from '../src/database/sql';
import { insertRecordsSql, insertSql, RawRequest, serveRaw } from './raw-server';

/** The service's default APP_TIMEZONE (bench runs leave it), in which trade and order numbers read their time. */
const TIME_ZONE = 'Asia/Shanghai';
const NONCE_TTL_MS = 86_400_000;

const aliased = (alias: string, columns: string[]) => columns.map((c) => `${alias}.\`${c}\` AS \`${alias}_${c}\``).join(', ');
/** `CASE id WHEN ? THEN ? ... END`: the units per goods id of the batched stock update. */
const unitsCase = (goods: number) => `CASE id ${Array.from({ length: goods }, () => 'WHEN ? THEN ?').join(' ')} END`;

const CATALOG_COLUMNS =
  `${aliased('m', ['uid', 'mobile', 'nickname', 'points', 'created_at'])}, ` +
  `${aliased('g', ['id', 'store_id', 'title', 'price', 'stock', 'max_point_deduct_ratio', 'on_sale', 'created_at'])}, ` +
  `${aliased('s', ['id', 'name', 'dispatch_price', 'service_fees', 'created_at'])}`;
const TRADE_COLUMNS = [
  'trade_sn', 'app_id', 'outside_sn', 'uid', 'goods_price', 'discount_price', 'dispatch_price', 'service_fee_amount', 'point_amount',
  'points', 'balance_amount', 'total_price', 'status', 'request_hash', 'response', 'created_at', 'updated_at', 'paid_at', 'closed_at',
];
const ORDER_COLUMNS = [
  'order_sn', 'trade_id', 'uid', 'store_id', 'pre_id', 'goods_price', 'dispatch_price', 'discount_price', 'point_amount', 'points',
  'balance_amount', 'service_fee_amount', 'service_fees', 'price', 'refund_price', 'status_before_refund', 'status', 'note', 'address',
  'invoice', 'express_name', 'express_number', 'created_at', 'updated_at', 'paid_at', 'shipped_at', 'closed_at',
];
const LINE_COLUMNS = ['order_id', 'goods_id', 'option_id', 'title', 'price', 'total', 'goods_price', 'diyform_data_id'];

/**
 * The statements of one create, in the order they are sent: they mirror what test/budgets/query-budget.e2e-spec.ts
 * counts for a mall create (src/mall/mall-order.service.ts, pricing/order-pricing.service.ts, the signature guard's
 * app read, the idempotency record). The trade is inserted after the pricing read with its final amounts and no
 * stored response, and nothing updates it afterwards. Keep them in step with the service.
 */
const STATEMENTS = {
  app: 'SELECT secret, enabled FROM mall_apps WHERE app_id = ?',
  begin: 'START TRANSACTION',
  catalog: (goods: number) =>
    `SELECT ${CATALOG_COLUMNS} FROM mall_members m JOIN mall_member_apps ma ON ma.uid = m.uid AND ma.app_id = ? LEFT JOIN mall_goods g ON g.id IN (${placeholders(goods)}) LEFT JOIN mall_stores s ON s.id = g.store_id WHERE m.uid = ?`,
  trade: insertSql('mall_trades', TRADE_COLUMNS),
  /** Two goods or more: the bench's creates always take three. */
  stock: (goods: number) => `UPDATE mall_goods SET stock = stock - ${unitsCase(goods)} WHERE id IN (${placeholders(goods)}) AND on_sale = ? AND stock >= ${unitsCase(goods)}`,
  orders: (orders: number) => insertSql('mall_orders', ORDER_COLUMNS, orders),
  orderIds: 'SELECT id, order_sn FROM mall_orders WHERE trade_id = ?',
  lines: (lines: number) => insertSql('mall_order_goods', LINE_COLUMNS, lines),
  record: insertRecordsSql(1),
  commit: 'COMMIT',
};

interface CreateBody {
  app_id: string;
  outside_sn: string;
  uid: number;
  goods: Array<{ goods_id: number; total: number }>;
  address: Record<string, string>;
  nonce: string;
}

interface Line {
  goodsId: number;
  title: string;
  price: number;
  total: number;
}

interface StoreOrder {
  storeId: number;
  orderSn: string;
  dispatchPrice: number;
  lines: Line[];
  goodsPrice: number;
  price: number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** One order per store, in the order the stores first appear in the request. */
function ordersOf(request: CreateBody, catalog: RowDataPacket[], now: Date): StoreOrder[] {
  const goods = new Map(catalog.filter((row) => row.g_id !== null).map((row) => [Number(row.g_id), row]));
  const byStore = new Map<number, StoreOrder>();
  for (const { goods_id, total } of request.goods) {
    const row = goods.get(goods_id);
    if (!row) throw new Error(`goods ${goods_id} not found`);
    const storeId = Number(row.g_store_id);
    let order = byStore.get(storeId);
    if (!order) {
      order = { storeId, orderSn: newOrderSn(now, TIME_ZONE), dispatchPrice: Number(row.s_dispatch_price), lines: [], goodsPrice: 0, price: 0 };
      byStore.set(storeId, order);
    }
    order.lines.push({ goodsId: goods_id, title: row.g_title, price: Number(row.g_price), total });
  }
  const orders = [...byStore.values()];
  for (const order of orders) {
    order.goodsPrice = sum(order.lines.map((l) => l.price * l.total));
    order.price = order.goodsPrice + order.dispatchPrice;
  }
  return orders;
}

/** Units per goods, in id order (the service takes rows in that order so that concurrent creates lock alike). */
function takesOf(orders: StoreOrder[]): Array<[number, number]> {
  const units = new Map<number, number>();
  for (const line of orders.flatMap((o) => o.lines)) units.set(line.goodsId, (units.get(line.goodsId) ?? 0) + line.total);
  return [...units.entries()].sort((a, b) => a[0] - b[0]);
}

async function createOnce(c: PoolConnection, body: string): Promise<void> {
  const request = JSON.parse(body) as CreateBody;
  const [[app]] = await c.query<RowDataPacket[]>(STATEMENTS.app, [request.app_id]);
  if (!app?.enabled) throw new Error(`mall app ${request.app_id} unknown or disabled`);
  await c.query(STATEMENTS.begin);
  const goodsIds = [...new Set(request.goods.map((g) => g.goods_id))];
  const [catalog] = await c.query<RowDataPacket[]>(STATEMENTS.catalog(goodsIds.length), [request.app_id, ...goodsIds, request.uid]);
  if (catalog.length === 0) throw new Error(`member ${request.uid} not found or not served by app ${request.app_id}`);
  const now = new Date();
  const orders = ordersOf(request, catalog, now);
  const goodsPrice = sum(orders.map((o) => o.goodsPrice));
  const dispatchPrice = sum(orders.map((o) => o.dispatchPrice));
  const totalPrice = sum(orders.map((o) => o.price));
  const tradeSn = newTradeSn(now, TIME_ZONE);
  const requestHash = createHash('sha256').update(body).digest('hex');

  const [trade] = await c.query<ResultSetHeader>(STATEMENTS.trade, [
    tradeSn, request.app_id, request.outside_sn, request.uid, goodsPrice, 0, dispatchPrice, 0, 0, 0, 0, totalPrice, 0, requestHash, null, now, now,
    null, null,
  ]);
  const takes = takesOf(orders);
  const units = takes.flat();
  const [taken] = await c.query<ResultSetHeader>(STATEMENTS.stock(takes.length), [...units, ...takes.map(([id]) => id), true, ...units]);
  if (taken.affectedRows !== takes.length) throw new Error('out of stock');
  const address = JSON.stringify(request.address);
  await c.query(
    STATEMENTS.orders(orders.length),
    orders.flatMap((o) => [
      o.orderSn, trade.insertId, request.uid, o.storeId, preIdOf(o.lines.map((l) => l.goodsId)), o.goodsPrice, o.dispatchPrice, 0, 0, 0, 0, 0, '[]',
      o.price, 0, null, 0, '', address, null, '', '', now, now, null, null, null,
    ]),
  );
  const [ids] = await c.query<RowDataPacket[]>(STATEMENTS.orderIds, [trade.insertId]);
  const idOf = new Map(ids.map((row) => [String(row.order_sn), Number(row.id)]));
  const lines = orders.flatMap((o) => o.lines.map((l) => [idOf.get(o.orderSn), l.goodsId, 0, l.title, l.price, l.total, l.price * l.total, 0]));
  await c.query(STATEMENTS.lines(lines.length), lines.flat());
  // The answer the service records with the nonce: the same fields, so about the same size.
  const answer = JSON.stringify({
    ok: true,
    data: {
      outside_sn: request.outside_sn,
      total_price: totalPrice / 100,
      trade_sn: tradeSn,
      pay_link: `http://localhost:${process.env.PORT}/pay/${tradeSn}`,
      orders: orders.map((o) => ({ order_id: idOf.get(o.orderSn), order_sn: o.orderSn, price: o.price / 100 })),
    },
  });
  await c.query(STATEMENTS.record, [`nonce:mall:${request.app_id}:${request.nonce}`, requestHash, answer, now, new Date(now.getTime() + NONCE_TTL_MS)]);
  await c.query(STATEMENTS.commit);
}

const MAX_NUMBER_ATTEMPTS = 4;

/**
 * A fresh trade_sn or order_sn (six random hex digits a second) sometimes collides at a few hundred creates a second:
 * the whole transaction runs again, as the service runs it again (after its read of the trade by outside_sn).
 */
async function create(c: PoolConnection, { body }: RawRequest): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOnce(c, body);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ER_DUP_ENTRY' || attempt >= MAX_NUMBER_ATTEMPTS) throw error;
      await c.query('ROLLBACK');
    }
  }
}

serveRaw(create);
