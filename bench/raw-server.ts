/**
 * What the raw servers of `npm run bench:ceiling` (raw-pay-server.ts, raw-mall-server.ts, raw-notify-server.ts)
 * share: node:http and a mysql2 pool, as the raw reference (`../shared/bench-ref/server.js`) is built, and the
 * INSERT and SELECT heads database/sql.ts writes, so that their statements are the service's to the letter.
 *
 * Each request gets one pooled connection for the statements of one service request. The answer is
 * `{"code":200}` when they all ran, `{"code":500}` after a ROLLBACK (the error on stderr) when one failed.
 */
import { createServer } from 'node:http';
import { createPool, PoolConnection } from 'mysql2/promise';

export const pool = createPool({ uri: process.env.DATABASE_URL, connectionLimit: Number(process.env.POOL) || 20, timezone: 'Z' });

export interface RawRequest {
  url: URL;
  body: string;
}

/** Sends the statements of one request on `c`, its own START TRANSACTION and COMMIT included. */
export type RawHandler = (c: PoolConnection, request: RawRequest) => Promise<void>;

async function handled(handle: RawHandler, request: RawRequest): Promise<number> {
  const c = await pool.getConnection();
  try {
    await handle(c, request);
    return 200;
  } catch (error) {
    await c.query('ROLLBACK').catch(() => undefined);
    console.error((error as Error).message);
    return 500;
  } finally {
    c.release();
  }
}

/** Listens on `PORT` and prints `listening` (what bench/ceiling.ts waits for), followed by `note`. */
export function serveRaw(handle: RawHandler, note = ''): void {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { url: new URL(req.url ?? '/', 'http://x'), body: Buffer.concat(chunks).toString() };
      void handled(handle, request).then((code) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code }));
      });
    });
  }).listen(Number(process.env.PORT), () => console.log(`listening${note ? ` ${note}` : ''}`));
}

const quoted = (columns: string[]) => columns.map((c) => `\`${c}\``).join(', ');

/** `INSERT INTO `table` (`a`, `b`) VALUES (?, ?), (?, ?)` for `rows` rows, as database/sql.ts's insertRows writes it. */
export function insertSql(table: string, columns: string[], rows = 1): string {
  const row = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO \`${table}\` (${quoted(columns)}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}

/** `SELECT t.`a` AS `t_a`, ... FROM `table` t WHERE ...`, as database/sql.ts's selectEntities writes it. */
export function selectSql(table: string, columns: string[], where: string): string {
  return `SELECT ${columns.map((c) => `t.\`${c}\` AS \`t_${c}\``).join(', ')} FROM \`${table}\` t ${where}`;
}

/** Every column of `partner_orders`, in the entity's order (the service's INSERT and SELECT list them so). */
export const PARTNER_ORDER_COLUMNS = [
  'id', 'order_no', 'user_id', 'order_type', 'order_name', 'order_status', 'pay_type', 'gift_pos_id', 'gift_title', 'order_price',
  'deduct_price', 'pay_amount', 'coupon_id', 'order_score', 'stock_taken', 'grant_level_id', 'user_level_id', 'user_phone',
  'user_real_name', 'user_id_no', 'receive_name', 'receive_phone', 'receive_address', 'bill_no', 'third_order_no', 'express_name',
  'express_number', 'express_no', 'express_address', 'platform_remark', 'created_at', 'pay_expires_at', 'paid_at', 'shipped_at',
  'received_at', 'closed_at',
];

const IDEMPOTENCY_COLUMNS = ['key', 'request_hash', 'outcome', 'created_at', 'expires_at'];

/** The idempotency records of `rows` keys (src/common/idempotency/idempotency.service.ts). */
export const insertRecordsSql = (rows: number) => insertSql('idempotency_records', IDEMPOTENCY_COLUMNS, rows);
