import { IdempotencyRecord } from '../../src/database/entities/common/idempotency-record.entity';
import { GiftPack } from '../../src/database/entities/partner/gift-pack.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { Refund } from '../../src/database/entities/payments/refund.entity';
import { RefundDecisionJob } from '../../src/payments/refunds/refund-decision.job';
import { PartnerOrderTimeoutJob } from '../../src/partner/partner-order-timeout.job';
import { describeEachEngine } from '../support/each-engine';
import { createTestApp, TestApp } from '../support/test-app';
import { admin, ADMIN_AUTH, newUser, orderRow, partnerPost, pay, userRow, walletOf } from './partner-fixtures';

const refund = (t: TestApp, orderNo: string, body: object, key?: string) => {
  const req = t.http.post(`/admin/partner/orders/${orderNo}/refund`).set('Authorization', ADMIN_AUTH);
  return (key ? req.set('Idempotency-Key', key) : req).send(body);
};
const stockOf = async (t: TestApp, packId: string) => (await t.dataSource.getRepository(GiftPack).findOneByOrFail({ id: packId })).stock;
const paymentRow = (t: TestApp, outTradeNo: string) => t.dataSource.getRepository(Payment).findOneByOrFail({ outTradeNo });
const sandboxTrade = async (t: TestApp, outTradeNo: string) => (await t.http.get(`/dev/alipay/trades/${outTradeNo}`).expect(200)).body.result;

describeEachEngine('partner: refunds (SPEC §10) and reconciliation with Alipay (SPEC §6)', (ctx) => {
  let packId: string;

  beforeAll(async () => {
    const t = ctx();
    const pack = await admin(t, 'post', 'gift-packs', { title: '退款测试礼包', price: 300, level_id: 'V5', score: 120, stock: 50 });
    packId = pack.id;
  });

  async function balanceOrder(t: TestApp, balance = 1000) {
    const { userId, addressId } = await newUser(t, { balance });
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: packId }).expect(200);
    return { userId, addressId, orderNo: res.body.result.order_info.order_no as string };
  }

  async function alipayOrder(t: TestApp) {
    const { userId, addressId } = await newUser(t);
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: packId }).expect(200);
    const info = res.body.result.order_info;
    return { userId, orderNo: info.order_no as string, billNo: info.bill_no as string, payUrl: res.body.result.ali_pay_url as string, orderTime: info.order_time_stamp as number };
  }

  it('a full balance refund of an unshipped order: wallet credited once and ledgered, order closed, stock back, score taken back, level kept', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const stock = await stockOf(t, packId);
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V5', score: 120 });

    const res = await refund(t, orderNo, { reason: '用户申请退款' }).expect(200);
    expect(res.body.code).toBe(1);
    expect(res.body.result).toEqual({ refund_no: expect.stringMatching(/^RF\d{12}[0-9A-F]{6}$/), order_no: orderNo, channel: 'balance', amount: 300, status: 'success' });

    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(100000);
    expect(wallet.ledgerSum).toBe(wallet.balance);
    expect(wallet.ledger.filter((row) => row.bizType === 'partner_order_refund')).toEqual([expect.objectContaining({ delta: 30000, bizNo: res.body.result.refund_no })]);
    expect(await orderRow(t, orderNo)).toMatchObject({ orderStatus: -1 });
    expect(await stockOf(t, packId)).toBe(stock! + 1);
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V5', score: 0 });

    const list = await admin(t, 'get', `orders/${orderNo}/refunds`);
    expect(list.list).toEqual([expect.objectContaining({ refund_no: res.body.result.refund_no, channel: 'balance', amount: 300, reason: '用户申请退款', status: 'success' })]);
    // the 35 fields of order_info are unchanged in shape
    const detail = await partnerPost(t, 'order/detail', { user_id: userId, order_no: orderNo }).expect(200);
    expect(Object.keys(detail.body.result.order_info)).toHaveLength(35);
    expect(detail.body.result.order_info.order_status).toBe(-1);

    const again = await refund(t, orderNo, { reason: 'again' }).expect(422);
    expect(again.body.code).toBe(42204);
  });

  it('a partial refund leaves the order open; more than remains is 42205; the rest closes it', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const part = await refund(t, orderNo, { amount: 100.5, reason: '部分退款' }).expect(200);
    expect(part.body.result).toMatchObject({ amount: 100.5, status: 'success' });
    expect(await orderRow(t, orderNo)).toMatchObject({ orderStatus: 1 });
    expect(await userRow(t, userId)).toMatchObject({ score: 120 });

    const tooMuch = await refund(t, orderNo, { amount: 199.51, reason: '超额' }).expect(422);
    expect(tooMuch.body).toMatchObject({ code: 42205, msg: '退款金额超出可退金额' });
    const rest = await refund(t, orderNo, { reason: '余下全部' }).expect(200);
    expect(rest.body.result).toMatchObject({ amount: 199.5, status: 'success' });
    expect(await orderRow(t, orderNo)).toMatchObject({ orderStatus: -1 });
    const wallet = await walletOf(t, userId);
    expect(wallet).toMatchObject({ balance: 100000, ledgerSum: 100000 });
    const list = await admin(t, 'get', `orders/${orderNo}/refunds`);
    expect(list.list.map((r: { amount: number }) => r.amount)).toEqual([199.5, 100.5]);
  });

  it('20 parallel full refunds of one order refund it exactly once', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const responses = await Promise.all(Array.from({ length: 20 }, () => refund(t, orderNo, { reason: '并发退款' })));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(422);
      expect([42204, 42205]).toContain(r.body.code);
    }
    const wallet = await walletOf(t, userId);
    expect(wallet).toMatchObject({ balance: 100000, ledgerSum: 100000 });
    expect(wallet.ledger.filter((row) => row.bizType === 'partner_order_refund')).toHaveLength(1);
    expect(await t.dataSource.getRepository(Refund).countBy({ bizNo: orderNo })).toBe(1);
    expect(await userRow(t, userId)).toMatchObject({ score: 0 });
  });

  it('an Idempotency-Key replays the original refund; with other parameters it is 40901', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const first = await refund(t, orderNo, { amount: 10, reason: '重试' }, 'refund-key-1').expect(200);
    const replay = await refund(t, orderNo, { amount: 10, reason: '重试' }, 'refund-key-1').expect(200);
    expect(replay.body.result).toEqual(first.body.result);
    const reuse = await refund(t, orderNo, { amount: 20, reason: '重试' }, 'refund-key-1').expect(409);
    expect(reuse.body.code).toBe(40901);
    expect((await walletOf(t, userId)).balance).toBe(70000 + 1000);

    // the same key sent ten times at once: one refund, and every answer is it
    const other = await balanceOrder(t);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => refund(t, other.orderNo, { reason: '并发重试' }, 'refund-key-2')));
    expect(parallel.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(parallel.map((r) => r.body.result.refund_no)).size).toBe(1);
    expect((await walletOf(t, other.userId)).balance).toBe(100000);
  });

  it('an Idempotency-Key sent ten times at once for part of an order: one refund, every answer is it', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => refund(t, orderNo, { amount: 10, reason: '部分退款并发重试' }, 'refund-key-partial')));
    expect(parallel.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(parallel.map((r) => r.body.result.refund_no)).size).toBe(1);
    expect(await t.dataSource.getRepository(Refund).countBy({ bizNo: orderNo })).toBe(1);
    expect((await walletOf(t, userId)).balance).toBe(70000 + 1000);
    const other = await refund(t, orderNo, { amount: 11, reason: '部分退款并发重试' }, 'refund-key-partial').expect(409);
    expect(other.body).toMatchObject({ code: 40901, msg: 'Idempotency-Key 已用于不同的请求' });
  });

  it('an Idempotency-Key is scoped to the admin token and to the order refunded; a replay stores no new answer', async () => {
    const t = ctx();
    const { userId, orderNo } = await balanceOrder(t);
    const second = await balanceOrder(t);
    const records = () => t.dataSource.getRepository(IdempotencyRecord).count();
    const first = await refund(t, orderNo, { amount: 10, reason: '作用域' }, 'refund-key-scope').expect(200);
    const stored = await records();
    expect((await refund(t, orderNo, { reason: '作用域', amount: 10 }, 'refund-key-scope').expect(200)).body.result).toEqual(first.body.result);
    expect(await records()).toBe(stored);

    // another order's refund route: the key names another request there
    const elsewhere = await refund(t, second.orderNo, { amount: 10, reason: '作用域' }, 'refund-key-scope').expect(200);
    expect(elsewhere.body.result.refund_no).not.toBe(first.body.result.refund_no);

    // another admin token (a second instance configured with it, on the same database) has keys of its own
    const token = 'another-admin-token-for-key-scoping';
    const other = await createTestApp(t.engine, { database: t.database, env: { ADMIN_TOKEN: token } });
    try {
      const res = await other.http.post(`/admin/partner/orders/${orderNo}/refund`).set('Authorization', `Bearer ${token}`).set('Idempotency-Key', 'refund-key-scope').send({ amount: 10, reason: '作用域' }).expect(200);
      expect(res.body.result.refund_no).not.toBe(first.body.result.refund_no);
    } finally {
      await other.close({ keepDatabase: true });
    }
    expect((await walletOf(t, userId)).balance).toBe(70000 + 2000);
    const keys = (await t.dataSource.getRepository(IdempotencyRecord).find()).map((r) => r.key).filter((k) => k.endsWith(':refund-key-scope'));
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).not.toContain('admin-dev-token');
    for (const key of keys) expect(key).not.toContain(token);
  });

  it('unpaid and closed orders are 42204; a shipped order is refunded but keeps its status', async () => {
    const t = ctx();
    const unpaid = await alipayOrder(t);
    expect((await refund(t, unpaid.orderNo, { reason: 'x' }).expect(422)).body.code).toBe(42204);
    await partnerPost(t, 'order/cancel', { user_id: unpaid.userId, order_no: unpaid.orderNo }).expect(200);
    expect((await refund(t, unpaid.orderNo, { reason: 'x' }).expect(422)).body.code).toBe(42204);
    expect(await t.dataSource.getRepository(Payment).countBy({ bizNo: unpaid.orderNo, channel: 'balance' })).toBe(0);
    expect((await t.http.post('/admin/partner/orders/202201071757551641549475668/refund').set('Authorization', ADMIN_AUTH).send({ reason: 'x' }).expect(404)).body.code).toBe(40401);

    const { userId, orderNo } = await balanceOrder(t);
    await admin(t, 'post', `orders/${orderNo}/ship`, { express_name: '顺丰速运', express_number: 'SF1' });
    const res = await refund(t, orderNo, { reason: '退货退款' }).expect(200);
    expect(res.body.result).toMatchObject({ amount: 300, status: 'success' });
    expect(await orderRow(t, orderNo)).toMatchObject({ orderStatus: 2 });
    expect(await userRow(t, userId)).toMatchObject({ score: 120 });
  });

  it('an Alipay refund goes through alipay.trade.refund at the sandbox and succeeds; the order closes', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo }).expect(200);
    const res = await refund(t, order.orderNo, { reason: '支付宝退款' }).expect(200);
    expect(res.body.result).toMatchObject({ channel: 'alipay', amount: 300, status: 'success' });
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: -1 });
    expect(await userRow(t, order.userId)).toMatchObject({ score: 0 });
    expect(await paymentRow(t, order.billNo)).toMatchObject({ refundedAmount: 30000 });
    expect(await sandboxTrade(t, order.billNo)).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      refunded_amount: '300.00',
      refunds: [{ out_request_no: res.body.result.refund_no, refund_amount: '300.00' }],
    });
  });

  it('a refund whose answer was lost stays pending; the job decides it with refund.query, and Alipay holds one refund, not two', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo }).expect(200);
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.refund' }).expect(200);
    const res = await refund(t, order.orderNo, { amount: 120, reason: '超时的退款' }).expect(200);
    expect(res.body.result).toMatchObject({ channel: 'alipay', amount: 120, status: 'pending' });
    expect(await paymentRow(t, order.billNo)).toMatchObject({ refundedAmount: 12000 });
    // what remains is bounded by the pending refund too
    expect((await refund(t, order.orderNo, { amount: 180.01, reason: 'x' }).expect(422)).body.code).toBe(42205);

    const job = t.app.get(RefundDecisionJob);
    expect(await job.decidePending(new Date())).toBe(0);
    expect(await job.decidePending(new Date(Date.now() + 120_000))).toBe(1);
    const [row] = (await admin(t, 'get', `orders/${order.orderNo}/refunds`)).list;
    expect(row).toMatchObject({ refund_no: res.body.result.refund_no, status: 'success' });
    expect(row.finish_time).not.toBe('');
    expect(await job.decidePending(new Date(Date.now() + 120_000))).toBe(0);
    const trade = await sandboxTrade(t, order.billNo);
    expect(trade.refunds).toEqual([{ out_request_no: res.body.result.refund_no, refund_amount: '120.00' }]);
    expect(trade.refunded_amount).toBe('120.00');
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: 1 });
  });

  it('a refund Alipay never received is sent again by the job under the same out_request_no', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo }).expect(200);
    // the refund reaches Alipay, its answer is lost, and then the query's answer is lost too
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.refund' }).expect(200);
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.fastpay.refund.query' }).expect(200);
    const res = await refund(t, order.orderNo, { reason: '全部' }).expect(200);
    expect(res.body.result.status).toBe('pending');
    const job = t.app.get(RefundDecisionJob);
    expect(await job.decidePending(new Date(Date.now() + 120_000))).toBe(0);
    expect(await job.decidePending(new Date(Date.now() + 120_000))).toBe(1);
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: -1 });
    expect((await sandboxTrade(t, order.billNo)).refunds).toHaveLength(1);
  });

  it('lost notify: paid at Alipay without a notify, then cancelled → 42204 and the order is paid, level and score once', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    const paid = await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo, notify: false }).expect(200);
    expect(paid.body.result.notify_response).toBe('not_sent');
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: 0 });

    const cancel = await partnerPost(t, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(422);
    expect(cancel.body.code).toBe(42204);
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: 1, thirdOrderNo: paid.body.result.trade_no });
    expect(await userRow(t, order.userId)).toMatchObject({ levelId: 'V5', score: 120 });
    expect(await paymentRow(t, order.billNo)).toMatchObject({ status: 1, needsRefund: false });
    // the notify arrives after all: nothing twice
    const again = await partnerPost(t, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(422);
    expect(again.body.code).toBe(42204);
    expect(await userRow(t, order.userId)).toMatchObject({ score: 120 });
  });

  it('the timeout job settles a lost-notify order instead of closing it, and closes a genuinely unpaid one at Alipay too', async () => {
    const t = ctx();
    const job = t.app.get(PartnerOrderTimeoutJob);
    const lost = await alipayOrder(t);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: lost.billNo, notify: false }).expect(200);
    const unpaid = await alipayOrder(t);
    // the buyer opened the cashier, so Alipay knows the trade (WAIT_BUYER_PAY)
    await t.http.get(new URL(unpaid.payUrl).pathname + new URL(unpaid.payUrl).search).expect(200);
    expect((await sandboxTrade(t, unpaid.billNo)).trade_status).toBe('WAIT_BUYER_PAY');

    await job.closeExpired(new Date(Date.now() + 31 * 60_000));
    expect(await orderRow(t, lost.orderNo)).toMatchObject({ orderStatus: 1 });
    expect(await userRow(t, lost.userId)).toMatchObject({ levelId: 'V5', score: 120 });
    expect(await orderRow(t, unpaid.orderNo)).toMatchObject({ orderStatus: -1 });
    expect(await paymentRow(t, unpaid.billNo)).toMatchObject({ status: -1 });
    expect((await sandboxTrade(t, unpaid.billNo)).trade_status).toBe('TRADE_CLOSED');
    const late = await t.http.post('/dev/alipay/pay').send({ out_trade_no: unpaid.billNo }).expect(422);
    expect(late.body.code).toBe(42204);
  });

  it('a query with no answer closes nothing: the cancel is 503 and the order still awaits payment', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.query' }).expect(200);
    const cancel = await partnerPost(t, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(503);
    expect(cancel.body.code).toBe(50001);
    expect(cancel.headers['retry-after']).toBeDefined();
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: 0 });
    expect(await paymentRow(t, order.billNo)).toMatchObject({ status: 0 });
    await partnerPost(t, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(200);
  });

  it('a late payment (success notify after close) is listed for refund; refunding it clears the flag', async () => {
    const t = ctx();
    const order = await alipayOrder(t);
    // never opened at Alipay: the cancel closes it on our side alone, and the buyer pays the old URL later
    await partnerPost(t, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(200);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo }).expect(200);
    expect(await paymentRow(t, order.billNo)).toMatchObject({ status: 1, needsRefund: true });

    const listed = await t.http.get('/admin/payments?needs_refund=1&page=1').set('Authorization', ADMIN_AUTH).expect(200);
    expect(listed.body.result.list).toEqual(expect.arrayContaining([expect.objectContaining({ out_trade_no: order.billNo, needs_refund: true, amount: 300, biz_no: order.orderNo })]));

    const done = await t.http.post(`/admin/payments/${order.billNo}/refund`).set('Authorization', ADMIN_AUTH).send({ reason: '订单已关闭' }).expect(200);
    expect(done.body.result).toMatchObject({ out_trade_no: order.billNo, channel: 'alipay', amount: 300, status: 'success' });
    expect(await paymentRow(t, order.billNo)).toMatchObject({ needsRefund: false, refundedAmount: 30000 });
    const after = await t.http.get('/admin/payments?needs_refund=1').set('Authorization', ADMIN_AUTH).expect(200);
    expect(after.body.result.list.some((p: { out_trade_no: string }) => p.out_trade_no === order.billNo)).toBe(false);
    expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: -1 });
    const twice = await t.http.post(`/admin/payments/${order.billNo}/refund`).set('Authorization', ADMIN_AUTH).send({ reason: 'again' }).expect(422);
    expect(twice.body.code).toBe(42204);
  });
});
