/**
 * The partner pay by balance with nothing but its SQL (raw-server.ts: node:http and a mysql2 pool, as the raw
 * reference is built), sending the statements the service sends for one pay by balance (test/budgets/
 * query-budget.e2e-spec.ts lists them): START TRANSACTION, the read of buyer, address and pack, the order INSERT, the
 * wallet debit and its ledger row, the idempotency records (nonce and content keys, with the answer), COMMIT. No
 * validation, signature, framework or ORM. `npm run bench:ceiling` loads it beside the raw reference: its ratio is the
 * ceiling of the service's pay on this machine, whatever the code around the SQL costs.
 *
 * `GET /?b=<buyer index>&req=<unique>` pays the bench pack (bench/fixtures.ts) for that buyer of the scratch database
 * (buyers: the users with a wallet of at least 1,000,000 yuan and an address).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ORDER_SOURCES_SQL } from '../src/partner/order-sources';
import { insertRecordsSql, insertSql, PARTNER_ORDER_COLUMNS, pool, RawRequest, serveRaw } from './raw-server';

const PACK = process.env.PACK_ID ?? '';

const INSERT_ORDER = insertSql('partner_orders', PARTNER_ORDER_COLUMNS);
const DEBIT = 'UPDATE wallets SET balance = balance - ?, updated_at = ? WHERE owner_type = ? AND owner_id = ? AND balance >= ?';
const LEDGER =
  'INSERT INTO wallet_ledger (wallet_id, delta, balance_after, biz_type, biz_no, remark, created_at) SELECT id, ?, balance, ?, ?, ?, ? FROM wallets WHERE owner_type = ? AND owner_id = ?';
const RECORDS = insertRecordsSql(2);

let buyers: Array<{ userId: string; addressId: number }> = [];
let seq = 0;

async function pay(c: PoolConnection, { url }: RawRequest): Promise<void> {
  const buyer = buyers[Number(url.searchParams.get('b')) % buyers.length];
  const req = url.searchParams.get('req') ?? `${process.pid}-${seq}`;
  await c.query('START TRANSACTION');
  const [[s]] = await c.query<RowDataPacket[]>(ORDER_SOURCES_SQL, [buyer.addressId, PACK, buyer.userId]);
  if (!s || s.a_id === null || s.g_id === null) throw new Error('fixtures missing');
  const now = new Date();
  const price = Number(s.g_price);
  const orderNo = `R${Date.now()}${process.pid}${++seq}`.slice(0, 27);
  const address = `${s.a_province}${s.a_city}${s.a_district}${s.a_detail}`;
  const order = [
    randomBytes(16).toString('hex'), orderNo, s.id, 1, '购买机器', 1, 1, s.g_id, s.g_title, price, 0, price, '', Number(s.g_score), 0,
    s.g_level_id, s.level_id ?? '', s.phone, s.real_name, s.id_no, s.a_name, s.a_phone, address, '', '', '', '', '', '', '', now,
    now, now, null, null, null,
  ];
  await c.query(INSERT_ORDER, order);
  const [debit] = await c.query<ResultSetHeader>(DEBIT, [price, now, 'partner_user', s.id, price]);
  if (debit.affectedRows !== 1) throw new Error('insufficient balance');
  await c.query(LEDGER, [-price, 'partner_order_pay', orderNo, s.g_title, now, 'partner_user', s.id]);
  // The answer, about the size of the service's (the order's fields), stored under both keys as the service does.
  const answer = JSON.stringify({ ok: true, data: { ali_pay_url: '', order_info: Object.fromEntries(PARTNER_ORDER_COLUMNS.map((name, i) => [name, order[i]])) } });
  const hash = createHash('sha256').update(req).digest('hex');
  const expires = new Date(now.getTime() + 86_400_000);
  await c.query(RECORDS, [`nonce:raw:${req}`, hash, answer, now, expires, `same:raw:${hash}`, hash, answer, now, expires]);
  await c.query('COMMIT');
}

async function main(): Promise<void> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT u.id AS userId, MIN(a.id) AS addressId FROM partner_users u
       JOIN wallets w ON w.owner_type = 'partner_user' AND w.owner_id = u.id AND w.balance >= 100000000
       JOIN partner_addresses a ON a.user_id = u.id
      GROUP BY u.id ORDER BY u.id`,
  );
  buyers = rows.map((r) => ({ userId: String(r.userId), addressId: Number(r.addressId) }));
  if (buyers.length === 0) throw new Error('no buyers with a wallet and an address in this database');
  serveRaw(pay, `with ${buyers.length} buyers`);
}

void main();
