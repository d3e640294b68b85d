import { PartnerOrder } from '../../src/database/entities/partner/partner-order.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { AlipaySandboxService } from '../../src/dev/alipay-sandbox/alipay-sandbox.service';
import { describeEachEngine } from '../support/each-engine';
import { QueryLog, useQueryLog } from '../support/query-log';
import { signMall, signPartner } from '../support/signing';

/**
 * Query budgets (docs/performance.md, "Query budgets"): how many SQL statements one request may send, transaction control
 * (START TRANSACTION, COMMIT, SET) included. On MySQL every statement is a round trip of its own (no multi-statement
 * queries: they are not safe on Galera), and every round trip is a socket write and a wait. A change that adds a
 * query to a hot path, or a loop that queries per goods line or per store (N+1), fails here.
 */

const ADMIN = { Authorization: 'Bearer admin-dev-token' };
const DEMO_USER = '41840909af844632885424fbc20cae79';
const DEMO_PACK = '55fca782f55f406d94e2cecb23d0140b';

/** The queries one request sends: requests run one at a time and background jobs are off in tests. */
async function queriesOf(counter: QueryLog, send: () => Promise<{ status: number; text: string }>): Promise<string[]> {
  counter.queries = [];
  const res = await send();
  if (res.status !== 200) throw new Error(`request failed: ${res.status} ${res.text}`);
  return counter.queries;
}

let seq = 0;
const nonce = () => `budget-${Date.now().toString(36)}-${seq++}`;

/**
 * The budgets (docs/performance.md, "Query budgets"), per engine, after warm-up. SQLite reads back rows TypeORM inserted with
 * generated or default columns. Mall create sends a fixed number of statements whatever its stores and goods lines
 * (all orders in one INSERT, all lines in one, the stock of goods in batched conditional UPDATEs). A request with
 * idempotency keys (nonce, or the partner pay's content key) records them with its answer as the last statement of
 * its business transaction: one durable commit per request.
 */
const BUDGETS: Record<string, Record<'sqlite' | 'mysql', number>> = {
  partnerPayBalance: { sqlite: 7, mysql: 7 },
  partnerPayAlipay: { sqlite: 6, mysql: 6 },
  alipayNotify: { sqlite: 7, mysql: 7 },
  alipayNotifyRepeated: { sqlite: 3, mysql: 3 },
  mallCreate: { sqlite: 10, mysql: 10 },
};

function expectWithin(label: string, queries: string[], budget: number): void {
  const multi = queries.filter((q) => /;\s*\S/.test(q.replace(/'[^']*'/g, "''")));
  if (queries.length > budget || multi.length > 0) {
    throw new Error(`${label}: ${queries.length} statements, budget ${budget}${multi.length ? `, ${multi.length} multi-statement` : ''}:\n  ${queries.map((q) => q.replace(/\s+/g, ' ').slice(0, 200)).join('\n  ')}`);
  }
}

/** Demo goods by store (SPEC §9): store 1 sells 164 and 99, store 2 201 and 202, store 3 301 and 302. */
const GOODS_BY_STORE = [
  [164, 99],
  [201, 202],
  [301, 302],
];

describeEachEngine('query budgets', (ctx) => {
  const counter = useQueryLog(ctx);
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
    await queriesOf(counter, send);
    return queriesOf(counter, send);
  };

  it('partner pay by balance: one transaction that records its answer with its commit', async () => {
    const budget = BUDGETS.partnerPayBalance[ctx().engine];
    expectWithin('pay by balance with a nonce', await warmed(() => pay(1, { nonce: nonce() })), budget);
    expectWithin('pay by balance, deduplicated by content', await warmed(() => pay(1, { timestamp: String(Math.floor(Date.now() / 1000) + seq++) })), budget);
  });

  it('partner pay by Alipay: the order and its pending payment in one transaction', async () => {
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
    await queriesOf(counter, post(await notifyFor()));
    const notify = await notifyFor();
    const first = await queriesOf(counter, post(notify));
    expectWithin('notify TRADE_SUCCESS', first, BUDGETS.alipayNotify[t.engine]);
    expectWithin('the same notify again', await queriesOf(counter, post(notify)), BUDGETS.alipayNotifyRepeated[t.engine]);
  });

  it('mall create: a fixed number of statements and round trips whatever its stores and goods lines (no N+1)', async () => {
    const t = ctx();
    const budget = BUDGETS.mallCreate[t.engine];
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
      const queries = await warmed(create(stores, linesPerStore));
      expectWithin(`mall create, ${stores} store(s) × ${linesPerStore} line(s)`, queries, budget);
      return queries.length;
    };
    const one = await count(1, 1);
    expect(await count(1, 2)).toEqual(one);
    expect(await count(2, 2)).toEqual(one);
    expect(await count(3, 2)).toEqual(one);
  });
});
