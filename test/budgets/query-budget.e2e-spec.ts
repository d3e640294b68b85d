import type { Logger, QueryRunner } from 'typeorm';
import { PartnerOrder } from '../../src/database/entities/partner/partner-order.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { AlipaySandboxService } from '../../src/payments/alipay/alipay-sandbox.service';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';

/**
 * Query budgets (README, "Resilience"): how many SQL statements one request may send, transaction control
 * (BEGIN/START, COMMIT, SET) included, because every statement is a round trip to the database. A change that
 * adds a query to a hot path, or a loop that queries per goods line or per store (N+1), fails here.
 */

const ADMIN = { Authorization: 'Bearer admin-dev-token' };
const DEMO_USER = '41840909af844632885424fbc20cae79';
const DEMO_PACK = '55fca782f55f406d94e2cecb23d0140b';

/** Every statement TypeORM's query runners send (they call `logger.logQuery` before each, on both drivers). */
class CountingLogger implements Logger {
  statements: string[] = [];
  logQuery(query: string, _parameters?: unknown[], _runner?: QueryRunner): void {
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

function useCountingLogger(ctx: () => TestApp): CountingLogger {
  const counter = new CountingLogger();
  beforeAll(() => {
    // The query runners read `dataSource.logger` on every statement, so swapping it counts from here on.
    (ctx().dataSource as { logger: Logger }).logger = counter;
  });
  return counter;
}

/** The statements one request sends: requests run one at a time and background jobs are off in tests. */
async function statementsOf(counter: CountingLogger, send: () => Promise<{ status: number; text: string }>): Promise<string[]> {
  counter.statements = [];
  const res = await send();
  if (res.status !== 200) throw new Error(`request failed: ${res.status} ${res.text}`);
  return counter.statements;
}

let seq = 0;
const nonce = () => `budget-${Date.now().toString(36)}-${seq++}`;

/**
 * The budgets (README, "Query budgets"): statements per request after warm-up, per engine. SQLite reads back
 * rows TypeORM inserted with generated or default columns (MariaDB gets them from INSERT ... RETURNING), so its
 * budgets are a little higher. Mall create sends a fixed number of statements whatever its stores and goods lines
 * (all orders in one INSERT, their ids in one SELECT, all lines in one INSERT, the stock of goods in one conditional UPDATE).
 * Every request with an idempotency key (nonce, or the partner pay's content key) spends one statement inside its
 * business transaction marking the key committed, so a crash before the answer is stored cannot run it twice.
 */
const BUDGETS = {
  partnerPayBalance: { sqlite: 10, mysql: 10 },
  partnerPayAlipay: { sqlite: 10, mysql: 9 },
  alipayNotify: { sqlite: 7, mysql: 7 },
  alipayNotifyRepeated: { sqlite: 3, mysql: 3 },
  mallCreate: { base: { sqlite: 13, mysql: 13 }, perStore: { sqlite: 0, mysql: 0 }, perLine: { sqlite: 0, mysql: 0 } },
} as const;

function expectWithin(label: string, statements: string[], budget: number): void {
  if (statements.length > budget) {
    throw new Error(`${label}: ${statements.length} statements, budget ${budget}:\n  ${statements.map((q) => q.slice(0, 160)).join('\n  ')}`);
  }
}

/** Demo goods by store (SPEC §9): store 1 sells 164 and 99, store 2 201 and 202, store 3 301 and 302. */
const GOODS_BY_STORE = [
  [164, 99],
  [201, 202],
  [301, 302],
];

describeEachEngine('query budgets', (ctx) => {
  const counter = useCountingLogger(ctx);
  let addressId: number;

  beforeAll(async () => {
    const t = ctx();
    await t.http.post(`/admin/partner/users/${DEMO_USER}/balance`).set(ADMIN).send({ amount: 100000, remark: 'budget' }).expect(200);
    const address = await t.http.post(`/admin/partner/users/${DEMO_USER}/addresses`).set(ADMIN).send({ name: '收货人', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园' }).expect(200);
    addressId = address.body.result.id;
  });

  const pay = (payType: number, extra: Record<string, unknown> = {}) =>
    ctx().http.post('/app/partner/order/pay').send(signPartner({ user_id: DEMO_USER, pay_type: payType, gift_pos_id: DEMO_PACK, address_id: addressId, ...extra }));

  /** The statements of the second of two like requests: the first warms up (a pooled connection's session setup). */
  const warmed = async (send: () => Promise<{ status: number; text: string }>) => {
    await statementsOf(counter, send);
    return statementsOf(counter, send);
  };

  it('partner pay by balance: claim, one transaction, stored answer', async () => {
    const budget = BUDGETS.partnerPayBalance[ctx().engine];
    expectWithin('pay by balance with a nonce', await warmed(() => pay(1, { nonce: nonce() })), budget);
    expectWithin('pay by balance, deduplicated by content', await warmed(() => pay(1, { timestamp: String(Math.floor(Date.now() / 1000) + seq++) })), budget);
  });

  it('partner pay by Alipay: order and pending payment, the pay URL signed outside the transaction', async () => {
    expectWithin('pay by Alipay', await warmed(() => pay(2, { nonce: nonce() })), BUDGETS.partnerPayAlipay[ctx().engine]);
  });

  it('Alipay notify: settles in one transaction; a repeated notify only reads', async () => {
    const t = ctx();
    const sandbox = t.app.get(AlipaySandboxService);
    const notifyFor = async () => {
      const res = await pay(2, { nonce: nonce() });
      const order = await t.dataSource.getRepository(PartnerOrder).findOneByOrFail({ orderNo: res.body.result.order_info.order_no });
      return sandbox.signNotify(sandbox.notifyFor(await t.dataSource.getRepository(Payment).findOneByOrFail({ outTradeNo: order.billNo })));
    };
    const post = (notify: Record<string, string>) => () => t.http.post('/payments/alipay/notify').type('form').send(new URLSearchParams(notify).toString());
    await statementsOf(counter, post(await notifyFor()));
    const notify = await notifyFor();
    const first = await statementsOf(counter, post(notify));
    expectWithin('notify TRADE_SUCCESS', first, BUDGETS.alipayNotify[t.engine]);
    expectWithin('the same notify again', await statementsOf(counter, post(notify)), BUDGETS.alipayNotifyRepeated[t.engine]);
  });

  it('mall create: statements grow by a fixed amount per store and per goods line, never per query in a loop (no N+1)', async () => {
    const t = ctx();
    const { base, perStore, perLine } = BUDGETS.mallCreate;
    const [b, s, l] = [base[t.engine], perStore[t.engine], perLine[t.engine]];
    const create = (stores: number, linesPerStore: number) => () =>
      t.http.post('/order/create').send(
        signMall({
          outside_sn: nonce(),
          uid: 2456,
          goods: GOODS_BY_STORE.slice(0, stores).flatMap((ids) => ids.slice(0, linesPerStore).map((goods_id) => ({ goods_id, total: 1, option_id: 0 }))),
          dispatch_type_id: 1,
          address: { mobile: '15013245465', username: '收货人', province: '广东省', city: '广州市', district: '白云区', address: '新市二街 1003 号' },
          nonce: nonce(),
        }),
      );
    const count = async (stores: number, linesPerStore: number) => {
      const statements = await warmed(create(stores, linesPerStore));
      expectWithin(`mall create, ${stores} store(s) × ${linesPerStore} line(s)`, statements, b + s * stores + l * stores * linesPerStore);
      return statements.length;
    };
    const one = await count(1, 1);
    const oneStoreTwoLines = await count(1, 2);
    const twoStores = await count(2, 2);
    const threeStores = await count(3, 2);
    expect(oneStoreTwoLines - one).toBeLessThanOrEqual(l);
    expect(twoStores - oneStoreTwoLines).toBeLessThanOrEqual(s + 2 * l);
    expect(threeStores - twoStores).toBeLessThanOrEqual(s + 2 * l);
  });
});
