import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { MallOrder } from '../../src/database/entities/mall/mall-order.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { Refund } from '../../src/database/entities/payments/refund.entity';
import { AlipayService } from '../../src/payments/alipay/alipay.service';
import { MallTradeTimeoutJob } from '../../src/mall/trade/mall-trade-timeout.job';
import { MerchantOutbox } from '../../src/mall/notify/merchant-outbox.service';
import { preIdOf } from '../../src/mall/pre-id';
import { RefundDecisionJob } from '../../src/payments/refunds/refund-decision.job';
import { describeEachEngine } from '../support/each-engine';
import { pressAlipayButton } from '../support/cashier';
import type { TestApp } from '../support/test-app';
import { ADMIN, createApp, createMember, MallAppCredentials, postMall, SEED_ADDRESS, walletAudit } from './mall-fixtures';

/** Records what merchants are told. */
class Merchant {
  readonly received: Array<Record<string, string>> = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        this.received.push(Object.fromEntries(new URLSearchParams(raw)));
        res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Trade {
  outsideSn: string;
  tradeSn: string;
  uid: number;
  orders: Array<{ order_sn: string; price: number }>;
}

let seq = 0;

/** Three stores: 164 (cash), 201 with points (cash + points), 301 paid wholly by balance. */
async function threeStoreTrade(t: TestApp, app: MallAppCredentials): Promise<Trade> {
  const uid = await createMember(t, 5000, 100, [app]);
  const outsideSn = `RF-${Date.now()}-${++seq}`;
  const res = await postMall(
    t,
    '/order/create',
    {
      outside_sn: outsideSn,
      uid,
      goods: [
        { goods_id: 164, total: 1 },
        { goods_id: 201, total: 1 },
        { goods_id: 301, total: 1 },
      ],
      orders: [
        { pre_id: preIdOf([201]), deduction_ids: ['point'] },
        { pre_id: preIdOf([301]), deduction_ids: ['balance'] },
      ],
      address: SEED_ADDRESS,
    },
    app,
  ).expect(200);
  return { outsideSn, tradeSn: res.body.data.trade_sn, uid, orders: res.body.data.orders };
}

/** Opens the cashier (the payment) and the sandbox's checkout; returns the payment's out_trade_no. */
async function openPayment(t: TestApp, tradeSn: string): Promise<string> {
  await pressAlipayButton(t, tradeSn);
  return (await t.dataSource.manager.findOneByOrFail(Payment, { bizType: 'mall_trade', bizNo: tradeSn })).outTradeNo;
}

const orderRow = (t: TestApp, orderSn: string) => t.dataSource.manager.findOneByOrFail(MallOrder, { orderSn });
const pointsOf = async (t: TestApp, uid: number) => (await t.dataSource.manager.findOneByOrFail(MallMember, { uid })).points;
const walletOf = (t: TestApp, uid: number) => walletAudit(t, 'mall_member', String(uid));
const sandboxTrade = async (t: TestApp, outTradeNo: string) => (await t.http.get(`/dev/alipay/trades/${outTradeNo}`).expect(200)).body.result;

describeEachEngine('mall: refunds of one order (SPEC §10) and reconciliation of close (SPEC §6)', (ctx) => {
  const merchant = new Merchant();
  let app: MallAppCredentials;

  beforeAll(async () => {
    await merchant.start();
    app = await createApp(ctx(), merchant.url);
  });

  afterAll(() => merchant.close());

  async function paidTrade(t: TestApp): Promise<Trade & { outTradeNo: string }> {
    const trade = await threeStoreTrade(t, app);
    const outTradeNo = await openPayment(t, trade.tradeSn);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: outTradeNo }).expect(200);
    return { ...trade, outTradeNo };
  }

  it('a full refund of one order of a three-store trade gives back its cash, points and balance once; 11 → -1; the others untouched; the merchant hears order_refunded', async () => {
    const t = ctx();
    const trade = await paidTrade(t);
    const [cash, withPoints, byBalance] = await Promise.all(trade.orders.map((o) => orderRow(t, o.order_sn)));
    expect(withPoints.points).toBeGreaterThan(0);
    expect(withPoints.price).toBeGreaterThan(0);
    expect(byBalance).toMatchObject({ price: 0 });
    expect(byBalance.balanceAmount).toBeGreaterThan(0);
    const pointsBefore = await pointsOf(t, trade.uid);
    const walletBefore = await walletOf(t, trade.uid);

    const res = await postMall(t, '/order/refund', { order_sn: withPoints.orderSn, reason: '买家申请退款' }, app).expect(200);
    expect(res.body).toEqual({
      result: 1,
      msg: expect.any(String),
      data: { order_sn: withPoints.orderSn, refund_no: expect.stringMatching(/^RF\d{12}[0-9A-F]{6}$/), amount: withPoints.price / 100, status: 'success' },
    });
    expect(await orderRow(t, withPoints.orderSn)).toMatchObject({ status: -1, refundPrice: withPoints.price, statusBeforeRefund: null });
    expect(await pointsOf(t, trade.uid)).toBe(pointsBefore + withPoints.points);
    expect((await sandboxTrade(t, trade.outTradeNo)).refunded_amount).toBe((withPoints.price / 100).toFixed(2));

    const balanceRefund = await postMall(t, '/order/refund', { order_sn: byBalance.orderSn, reason: '余额订单退款' }, app).expect(200);
    expect(balanceRefund.body.data).toMatchObject({ amount: 0, status: 'success' });
    const wallet = await walletOf(t, trade.uid);
    expect(wallet.balance).toBe(walletBefore.balance + byBalance.balanceAmount);
    expect(wallet.ledgerSum).toBe(wallet.balance);
    expect(await orderRow(t, byBalance.orderSn)).toMatchObject({ status: -1 });

    // each only once
    for (const orderSn of [withPoints.orderSn, byBalance.orderSn]) {
      const again = await postMall(t, '/order/refund', { order_sn: orderSn, reason: 'again' }, app).expect(422);
      expect(again.body.data.code).toBe(42204);
    }
    expect(await pointsOf(t, trade.uid)).toBe(pointsBefore + withPoints.points);
    expect((await walletOf(t, trade.uid)).balance).toBe(walletBefore.balance + byBalance.balanceAmount);
    expect(await orderRow(t, cash.orderSn)).toMatchObject({ status: 1, refundPrice: 0 });
    expect(await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: trade.tradeSn })).toMatchObject({ status: 1 });

    const detail = await postMall(t, '/order/detail', { trade_sn: trade.tradeSn }, app).expect(200);
    const views = detail.body.data.orders as Array<{ order_sn: string; status: number; refund_price: number }>;
    expect(views.map((o) => [o.order_sn, o.status, o.refund_price])).toEqual([
      [cash.orderSn, 1, 0],
      [withPoints.orderSn, -1, withPoints.price / 100],
      [byBalance.orderSn, -1, 0],
    ]);

    await t.app.get(MerchantOutbox).deliverDue();
    const refunded = merchant.received.filter((f) => f.event === 'order_refunded' && f.trade_sn === trade.tradeSn);
    expect(refunded.map((f) => [f.order_sn, f.status]).sort()).toEqual([[withPoints.orderSn, '-1'], [byBalance.orderSn, '-1']].sort());
  });

  it('a partial refund returns the order to its status and shows refund_price; more than remains is 42205; another app\'s order is 40401', async () => {
    const t = ctx();
    const trade = await paidTrade(t);
    const cash = trade.orders[0];
    const part = await postMall(t, '/order/refund', { order_sn: cash.order_sn, amount: 10, reason: '部分退款' }, app).expect(200);
    expect(part.body.data).toMatchObject({ amount: 10, status: 'success' });
    expect(await orderRow(t, cash.order_sn)).toMatchObject({ status: 1, refundPrice: 1000 });
    const tooMuch = await postMall(t, '/order/refund', { order_sn: cash.order_sn, amount: 15.01, reason: '超额' }, app).expect(422);
    expect(tooMuch.body.data.code).toBe(42205);
    expect(await orderRow(t, cash.order_sn)).toMatchObject({ status: 1, refundPrice: 1000 });

    const other = await createApp(t);
    const foreign = await postMall(t, '/order/refund', { order_sn: cash.order_sn, reason: '不是我的' }, other).expect(404);
    expect(foreign.body.data.code).toBe(40401);
    expect(await orderRow(t, cash.order_sn)).toMatchObject({ status: 1, refundPrice: 1000 });
  });

  it('a refund Alipay refuses is failed: the amount is free again and the order returns to its status', async () => {
    const t = ctx();
    const trade = await paidTrade(t);
    const orderSn = trade.orders[0].order_sn;
    // someone refunded the whole trade in Alipay's console: Alipay closed it and refuses any further refund
    const total = (await t.dataSource.manager.findOneByOrFail(Payment, { outTradeNo: trade.outTradeNo })).amount;
    expect(await t.app.get(AlipayService).refund(trade.outTradeNo, total, 'CONSOLE-1', '控制台退款')).toMatchObject({ kind: 'ok' });

    const res = await postMall(t, '/order/refund', { order_sn: orderSn, reason: '被拒绝' }, app).expect(200);
    expect(res.body.data).toMatchObject({ status: 'failed' });
    expect(await orderRow(t, orderSn)).toMatchObject({ status: 1, refundPrice: 0, statusBeforeRefund: null });
    expect(await t.dataSource.manager.findOneByOrFail(Payment, { outTradeNo: trade.outTradeNo })).toMatchObject({ refundedAmount: 0 });
    const [refund] = await t.dataSource.manager.findBy(Refund, { bizNo: orderSn });
    expect(refund).toMatchObject({ status: 'failed', failReason: 'ACQ.TRADE_HAS_CLOSE' });
    expect(refund.finishedAt).toBeInstanceOf(Date);
  });

  it('ten identical signed refunds (one nonce) sent at once refund once, and each answers that refund', async () => {
    const t = ctx();
    const trade = await paidTrade(t);
    const orderSn = trade.orders[0].order_sn;
    const params = { order_sn: orderSn, reason: '并发', nonce: `n-${trade.tradeSn}` };
    const answers = await Promise.all(Array.from({ length: 10 }, () => postMall(t, '/order/refund', params, app)));
    const ok = answers.filter((r) => r.status === 200);
    for (const r of answers.filter((x) => x.status !== 200)) expect(r.body.data.code).toBe(40901);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.data.refund_no)).size).toBe(1);
    expect((await sandboxTrade(t, trade.outTradeNo)).refunds).toHaveLength(1);
    expect(await orderRow(t, orderSn)).toMatchObject({ status: -1 });
    const replay = await postMall(t, '/order/refund', params, app).expect(200);
    expect(replay.body.data.refund_no).toBe(ok[0].body.data.refund_no);
  });

  it('an order whose refund answer was lost stays 11 until the job decides it; meanwhile it cannot be refunded or shipped', async () => {
    const t = ctx();
    const trade = await paidTrade(t);
    const orderSn = trade.orders[0].order_sn;
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.refund' }).expect(200);
    const res = await postMall(t, '/order/refund', { order_sn: orderSn, reason: '超时' }, app).expect(200);
    expect(res.body.data.status).toBe('pending');
    expect(await orderRow(t, orderSn)).toMatchObject({ status: 11, statusBeforeRefund: 1 });
    expect((await postMall(t, '/order/refund', { order_sn: orderSn, reason: 'again' }, app).expect(422)).body.data.code).toBe(42204);
    const ship = await t.http.post(`/admin/mall/orders/${orderSn}/ship`).set(ADMIN).send({ express_name: '顺丰', express_number: 'SF1' }).expect(422);
    expect(ship.body.code).toBe(42204);

    expect(await t.app.get(RefundDecisionJob).decidePending(new Date(Date.now() + 120_000))).toBe(1);
    expect(await orderRow(t, orderSn)).toMatchObject({ status: -1, statusBeforeRefund: null });
    expect((await sandboxTrade(t, trade.outTradeNo)).refunds).toHaveLength(1);
  });

  it('lost notify: a trade paid at Alipay without a notify, then closed → 42204 and the trade is paid; the timeout job settles another instead of closing it', async () => {
    const t = ctx();
    const trade = await threeStoreTrade(t, app);
    const outTradeNo = await openPayment(t, trade.tradeSn);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: outTradeNo, notify: false }).expect(200);
    const close = await postMall(t, '/order/close', { outside_sn: trade.outsideSn }, app).expect(422);
    expect(close.body.data.code).toBe(42204);
    expect(await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: trade.tradeSn })).toMatchObject({ status: 1 });
    for (const o of trade.orders) expect(await orderRow(t, o.order_sn)).toMatchObject({ status: 1 });

    const lost = await threeStoreTrade(t, app);
    const lostPayment = await openPayment(t, lost.tradeSn);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: lostPayment, notify: false }).expect(200);
    const unpaid = await threeStoreTrade(t, app);
    const unpaidPayment = await openPayment(t, unpaid.tradeSn);
    const payUrl = await pressAlipayButton(t, unpaid.tradeSn);
    await t.http.get(payUrl.pathname + payUrl.search).expect(200);

    await t.app.get(MallTradeTimeoutJob).closeExpired(new Date(Date.now() + 31 * 60_000));
    expect(await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: lost.tradeSn })).toMatchObject({ status: 1 });
    expect(await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: unpaid.tradeSn })).toMatchObject({ status: -1 });
    expect((await sandboxTrade(t, unpaidPayment)).trade_status).toBe('TRADE_CLOSED');
  });
});
