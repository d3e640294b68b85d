import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BENCH_PACK, Fixtures, loadFixtures, MALL_GOODS_STOCK } from '../../bench/fixtures';
import { mallCreate, partnerPay } from '../../bench/requests';
import { connectMysql, removeDataDir, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../support/service-process';
import { drive, faultServer, Outcome, requireBuild, send } from './fault-support';

/**
 * The service is killed with SIGKILL in the middle of a load of balance payments and mall creates, then
 * started again on the same database. Nothing a client was told is lost, nothing happens twice, and the
 * books balance: what a crash may leave behind is only the outcome of requests that were in flight.
 */

const WORKERS = 16;
const KILL_AFTER_ACCEPTED = 300;
const MAX_REQUESTS = 5_000;
const LOAD_TIME_LIMIT_MS = 30_000;

async function rows(db: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await db.query<RowDataPacket[]>(sql, params);
  return result;
}

describe('fault: SIGKILL under load, then restart [mysql]', () => {
  const server = faultServer();
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let fixtures: Fixtures;
  let db: Connection;
  let beforeCrash: Outcome[] = [];
  let retries: Outcome[] = [];

  beforeAll(async () => {
    requireBuild();
    database = await scratchDatabase(server, 'ops_fault_crash');
    service = await startService({ databaseUrl: database.url });
    fixtures = await loadFixtures(service.baseUrl, { buyers: 40, buyerBalanceYuan: 1_000, hotBalanceYuan: 1_000, goodsPerStore: 2, members: 10 }, () => undefined);
    db = await connectMysql(server, database.name);

    // Payments and mall creates until enough were accepted, then the process dies mid-stream.
    const started = Date.now();
    let accepted = 0;
    let killed = false;
    const load = drive(
      () => service.baseUrl,
      WORKERS,
      MAX_REQUESTS,
      (n) =>
        n % 3 === 2
          ? { kind: 'mall', path: '/order/create', request: mallCreate(fixtures, n) }
          : { kind: 'pay', path: '/app/partner/order/pay', request: partnerPay(fixtures.buyers[n % fixtures.buyers.length], 1, `crash-${n}`) },
      () => killed || Date.now() - started > LOAD_TIME_LIMIT_MS,
    );
    const watcher = (async () => {
      while (!killed && Date.now() - started < LOAD_TIME_LIMIT_MS) {
        accepted = (await rows(db, 'SELECT COUNT(*) AS n FROM partner_orders'))[0].n;
        if (accepted >= KILL_AFTER_ACCEPTED) {
          await service.kill();
          killed = true;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await watcher;
    beforeCrash = await load;

    service = await startService({ databaseUrl: database.url, dataDir: service.dataDir, port: service.port });
    // A client that got no answer retries the very same request (same nonce, same outside_sn).
    retries = await Promise.all(beforeCrash.filter((o) => o.status === 0).map((o) => send(service.baseUrl, o.kind, o.path, o.request)));
    const count = (list: Outcome[], status: number) => list.filter((o) => o.status === status).length;
    process.stdout.write(
      `[faults] SIGKILL: ${beforeCrash.length} requests before the kill, ${count(beforeCrash, 200)} answered 200, ${count(beforeCrash, 0)} without an answer; ` +
        `their retries after the restart: ${count(retries, 200)} × 200, ${count(retries, 409)} × 409 in progress\n`,
    );
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    await database?.drop();
    if (service) removeDataDir(service.dataDir);
  });

  it('was really killed mid-load: some requests were answered, some got no answer', () => {
    expect(beforeCrash.filter((o) => o.status === 200).length).toBeGreaterThan(KILL_AFTER_ACCEPTED / 2);
    expect(beforeCrash.filter((o) => o.status === 0).length).toBeGreaterThan(0);
    // nothing but success or a dead connection: no 500 on the way down
    expect(beforeCrash.filter((o) => o.status !== 200 && o.status !== 0)).toEqual([]);
  });

  it('every payment answered 200 is paid exactly once, before the crash or on the retry', async () => {
    const answered = [...beforeCrash, ...retries].filter((o) => o.kind === 'pay' && o.status === 200);
    const orderNos = [...new Set(answered.map((o) => o.body.result.order_info.order_no as string))];
    const found = await rows(
      db,
      `SELECT o.order_no, o.order_status, COUNT(l.id) AS debits, COALESCE(SUM(l.delta), 0) AS delta
         FROM partner_orders o LEFT JOIN wallet_ledger l ON l.biz_type = 'partner_order_pay' AND l.biz_no = o.order_no
        WHERE o.order_no IN (?) GROUP BY o.order_no, o.order_status`,
      [orderNos],
    );
    expect(found).toHaveLength(orderNos.length);
    for (const row of found) expect({ status: row.order_status, debits: Number(row.debits), delta: Number(row.delta) }).toEqual({ status: 1, debits: 1, delta: -BENCH_PACK.priceFen });
  });

  it('a retried request makes no second effect: orders = answered payments + in-doubt ones at most', async () => {
    const retried = retries.filter((o) => o.kind === 'pay');
    // A retry replays the original answer, or runs for the first time when the crash came before the request
    // claimed its nonce, or is 409 "still in progress" when the crash cut it between claim and stored answer
    // (SPEC §3: never a second charge). Anything else would be a bug.
    for (const o of retried) expect([200, 409]).toContain(o.status);
    const answered = beforeCrash.filter((o) => o.kind === 'pay' && o.status === 200).length + retried.filter((o) => o.status === 200).length;
    const inDoubt = retried.filter((o) => o.status === 409).length;
    const [orders] = await rows(db, `SELECT COUNT(*) AS n FROM partner_orders WHERE gift_pos_id = ?`, [BENCH_PACK.id]);
    expect(Number(orders.n)).toBeGreaterThanOrEqual(answered);
    expect(Number(orders.n)).toBeLessThanOrEqual(answered + inDoubt);
    const [debits] = await rows(db, `SELECT COUNT(*) AS n, COUNT(DISTINCT biz_no) AS orders FROM wallet_ledger WHERE biz_type = 'partner_order_pay'`);
    expect({ rows: Number(debits.n), distinct: Number(debits.orders) }).toEqual({ rows: Number(orders.n), distinct: Number(orders.n) });
  });

  it('every mall trade answered 200 exists with one order per store', async () => {
    const answered = [...beforeCrash, ...retries].filter((o) => o.kind === 'mall' && o.status === 200);
    const tradeSns = [...new Set(answered.map((o) => o.body.data.trade_sn as string))];
    const found = await rows(db, `SELECT t.trade_sn, COUNT(o.id) AS orders FROM mall_trades t JOIN mall_orders o ON o.trade_id = t.id WHERE t.trade_sn IN (?) GROUP BY t.trade_sn`, [tradeSns]);
    expect(found).toHaveLength(tradeSns.length);
    for (const row of found) expect(Number(row.orders)).toBe(3);
  });

  it('the books balance: balances equal ledger sums, none negative, stock plus sold equals the initial stock', async () => {
    const [wallets] = await rows(
      db,
      `SELECT COUNT(*) AS wallets, COALESCE(SUM(w.balance <> COALESCE(l.total, 0)), 0) AS mismatched, COALESCE(SUM(w.balance < 0), 0) AS negative
         FROM wallets w LEFT JOIN (SELECT wallet_id, SUM(delta) AS total FROM wallet_ledger GROUP BY wallet_id) l ON l.wallet_id = w.id`,
    );
    expect({ mismatched: Number(wallets.mismatched), negative: Number(wallets.negative) }).toEqual({ mismatched: 0, negative: 0 });
    const [stock] = await rows(
      db,
      `SELECT COUNT(*) AS goods, COALESCE(SUM(g.stock + COALESCE(s.sold, 0) <> ?), 0) AS wrong
         FROM mall_goods g LEFT JOIN (SELECT goods_id, SUM(total) AS sold FROM mall_order_goods GROUP BY goods_id) s ON s.goods_id = g.id
        WHERE g.id IN (?)`,
      [MALL_GOODS_STOCK, fixtures.goodsByStore.flat()],
    );
    expect({ goods: Number(stock.goods), wrong: Number(stock.wrong) }).toEqual({ goods: 6, wrong: 0 });
    // a trade either has all its orders or does not exist: no half-written create survived the crash
    const [partial] = await rows(db, `SELECT COUNT(*) AS n FROM mall_trades t WHERE (SELECT COUNT(*) FROM mall_orders o WHERE o.trade_id = t.id) NOT IN (3) AND t.outside_sn LIKE 'bench-%'`);
    expect(Number(partial.n)).toBe(0);
  });

  it('is healthy again after the restart and takes new payments', async () => {
    expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    const fresh = await send(service.baseUrl, 'pay', '/app/partner/order/pay', partnerPay(fixtures.buyers[0], 1, 'after-restart'));
    expect(fresh.status).toBe(200);
  });
});
