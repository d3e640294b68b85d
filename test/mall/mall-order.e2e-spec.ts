import { MallCoupon } from '../../src/database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../src/database/entities/mall/mall-goods.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { MallOrder } from '../../src/database/entities/mall/mall-order.entity';
import { MallOrderGoods } from '../../src/database/entities/mall/mall-order-goods.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { MallTradeTimeoutJob } from '../../src/mall/trade/mall-trade-timeout.job';
import { preIdOf } from '../../src/mall/pre-id';
import { describeEachEngine } from '../support/each-engine';
import { cashierPath, pressAlipayButton } from '../support/cashier';
import {
  createApp,
  createCoupon,
  createGoods,
  createMember,
  fen,
  postMall,
  SEED_ADDRESS,
  seedParams,
  signedForm,
  snapshot,
} from './mall-fixtures';

const TRADE_SN = /^TN\d{12}[0-9A-F]{6}$/;
const ORDER_SN = /^SN\d{12}[0-9A-F]{4,6}$/;
const address = JSON.stringify(SEED_ADDRESS);

describeEachEngine('mall open API: pre-order, create, detail, close', (ctx) => {
  describe('seed 002', () => {
    it('the seed request (JSON) creates one trade and answers in the seed shape', async () => {
      const t = ctx();
      // other tests of this file buy the seed goods too: the create takes its two units from whatever stock it finds
      const stock = async (id: number) => (await t.dataSource.manager.findOneByOrFail(MallGoods, { id })).stock;
      const before = { 164: await stock(164), 99: await stock(99) };
      const res = await postMall(t, '/order/create', seedParams('SEED-JSON-1')).expect(200);
      expect(res.body).toEqual({
        result: 1,
        msg: '创建成功',
        data: {
          outside_sn: 'SEED-JSON-1',
          total_price: 100,
          trade_sn: expect.stringMatching(TRADE_SN),
          pay_link: `${t.baseUrl}${cashierPath(t, res.body.data.trade_sn)}`,
          orders: [{ order_id: expect.any(Number), order_sn: expect.stringMatching(ORDER_SN), price: 100 }],
        },
      });
      const em = t.dataSource.manager;
      const trade = await em.findOneByOrFail(MallTrade, { tradeSn: res.body.data.trade_sn });
      expect(trade).toMatchObject({ appId: '2022010600605642', outsideSn: 'SEED-JSON-1', uid: 2455, status: 0, goodsPrice: 10000, totalPrice: 10000, points: 0 });
      const order = await em.findOneByOrFail(MallOrder, { id: res.body.data.orders[0].order_id });
      expect(order).toMatchObject({ tradeId: trade.id, storeId: 1, preId: '101e36c8e82057bd9b40c387d07e5577', goodsPrice: 10000, price: 10000, status: 0, address: SEED_ADDRESS });
      const lines = await em.find(MallOrderGoods, { where: { orderId: order.id }, order: { id: 'ASC' } });
      expect(lines.map((l) => [l.goodsId, l.optionId, l.total, l.price, l.goodsPrice])).toEqual([
        [164, 0, 2, 2500, 5000],
        [99, 0, 2, 2500, 5000],
      ]);
      expect({ 164: await stock(164), 99: await stock(99) }).toEqual({ 164: before[164] - 2, 99: before[99] - 2 });
    });

    it('the seed request as an urlencoded form (nested goods keys, urlencoded address) works alike', async () => {
      const t = ctx();
      const res = await t.http.post('/order/create').type('form').send(signedForm(seedParams('SEED-FORM-1'))).expect(200);
      expect(res.body).toMatchObject({ result: 1, msg: '创建成功', data: { outside_sn: 'SEED-FORM-1', total_price: 100, trade_sn: expect.stringMatching(TRADE_SN) } });
      expect(Object.keys(res.body.data)).toEqual(['outside_sn', 'total_price', 'trade_sn', 'pay_link', 'orders']);
      const order = await t.dataSource.manager.findOneByOrFail(MallOrder, { id: res.body.data.orders[0].order_id });
      expect(order.address).toEqual(SEED_ADDRESS);
    });

    it('/order/pre for the seed goods gives pre_id 101e36c8e82057bd9b40c387d07e5577 and writes nothing', async () => {
      const t = ctx();
      const before = await snapshot(t, 2455, [164, 99], []);
      const { outside_sn: _unused, order_goods: _forms, ...params } = seedParams('x');
      const res = await postMall(t, '/order/pre', params).expect(200);
      expect(res.body).toEqual({
        result: 1,
        msg: '成功',
        data: {
          orders: [
            {
              pre_id: '101e36c8e82057bd9b40c387d07e5577',
              store_id: 1,
              store_name: '自营',
              goods: [
                { goods_id: 164, option_id: 0, title: '自营 紫砂茶具套装', price: 25, total: 2, goods_price: 50 },
                { goods_id: 99, option_id: 0, title: '自营 手工蜂蜜 500g', price: 25, total: 2, goods_price: 50 },
              ],
              goods_price: 100,
              dispatch_price: 0,
              discount_price: 0,
              deductions: [
                { code: 'point', name: '积分抵扣', coin: 0, amount: 0, checked: true },
                { code: 'balance', name: '余额抵扣', coin: 100, amount: 100, checked: false },
              ],
              service_fees: [],
              price: 100,
            },
          ],
          total_price: 100,
        },
      });
      expect(await snapshot(t, 2455, [164, 99], [])).toEqual(before);
    });
  });

  it('goods of three stores make three orders adding up to total_price, with a platform coupon split and points on one', async () => {
    const t = ctx();
    const uid = await createMember(t, 5000);
    const coupon = await createCoupon(t, uid, 20, 100);
    const goods = [
      { goods_id: 164, total: 2 }, // store 1: 50.00
      { goods_id: 201, total: 1 }, // store 2: 199.00, shipping 10.00, install fee 20.00
      { goods_id: 301, total: 2 }, // store 3: 79.80, shipping 5.00, points up to 50%
    ];
    const orders = [
      { pre_id: preIdOf([201]), deduction_ids: [], service_fee: ['install'], note: '工作日送货' },
      { pre_id: preIdOf([301]), deduction_ids: ['point'], service_fee: [], note: '' },
    ];
    const params = { uid, goods, member_coupon_ids: String(coupon), orders: JSON.stringify(orders), address };

    const pre = await postMall(t, '/order/pre', params).expect(200);
    // 20.00 split by goods price 50 : 199 : 79.80 (of 328.80) → 3.04, 12.10, and the remainder 4.86 to the last
    expect(pre.body.data.orders.map((o: any) => [o.store_id, o.goods_price, o.discount_price, o.dispatch_price, o.price])).toEqual([
      [1, 50, 3.04, 0, 46.96],
      [2, 199, 12.1, 10, 216.9],
      [3, 79.8, 4.86, 5, 40.04],
    ]);
    expect(pre.body.data.orders[2].deductions[0]).toEqual({ code: 'point', name: '积分抵扣', coin: 3990, amount: 39.9, checked: true });
    expect(pre.body.data.total_price).toBe(303.9);

    const res = await postMall(t, '/order/create', { outside_sn: `THREE-${uid}`, ...params }).expect(200);
    const data = res.body.data;
    expect(data.orders).toHaveLength(3);
    expect(data.orders.map((o: any) => o.price)).toEqual([46.96, 216.9, 40.04]);
    expect(data.orders.reduce((s: number, o: any) => s + fen(o.price), 0)).toBe(fen(data.total_price));
    expect(data.total_price).toBe(pre.body.data.total_price);

    const em = t.dataSource.manager;
    const rows = await em.find(MallOrder, { where: { uid }, order: { id: 'ASC' } });
    expect(rows.map((o) => [o.storeId, o.goodsPrice, o.discountPrice, o.pointAmount, o.points, o.dispatchPrice, o.serviceFeeAmount, o.price])).toEqual([
      [1, 5000, 304, 0, 0, 0, 0, 4696],
      [2, 19900, 1210, 0, 0, 1000, 2000, 21690],
      [3, 7980, 486, 3990, 3990, 500, 0, 4004],
    ]);
    expect(rows.map((o) => o.note)).toEqual(['', '工作日送货', '']);
    const trade = await em.findOneByOrFail(MallTrade, { tradeSn: data.trade_sn });
    expect(trade).toMatchObject({ totalPrice: 30390, discountPrice: 2000, points: 3990, pointAmount: 3990 });
    expect((await em.findOneByOrFail(MallMember, { uid })).points).toBe(1010);
    expect(await em.findOneByOrFail(MallCoupon, { id: coupon })).toMatchObject({ status: 1, tradeSn: data.trade_sn });
  });

  it('refuses unknown goods (40401), an orders[] pre_id of no group (40001), dispatch types other than 1 (40001), a used coupon (42202)', async () => {
    const t = ctx();
    const uid = await createMember(t);
    const unknown = await postMall(t, '/order/create', { outside_sn: `E1-${uid}`, uid, goods: [{ goods_id: 999999, total: 1 }], address }).expect(404);
    expect(unknown.body).toEqual({ result: 0, msg: '商品 999999 不存在', data: { code: 40401, errors: {} } });
    const stray = await postMall(t, '/order/create', {
      outside_sn: `E2-${uid}`,
      uid,
      goods: [{ goods_id: 164, total: 1 }],
      orders: [{ pre_id: preIdOf([99]), deduction_ids: [] }],
      address,
    }).expect(400);
    expect(stray.body.data).toEqual({ code: 40001, errors: { orders: `pre_id ${preIdOf([99])} 不匹配任何订单` } });
    const dispatch = await postMall(t, '/order/create', { outside_sn: `E3-${uid}`, uid, goods: [{ goods_id: 164, total: 1 }], dispatch_type_id: 2, address }).expect(400);
    expect(dispatch.body.data).toEqual({ code: 40001, errors: { dispatch_type_id: 'dispatch_type_id 必须是 1' } });
    const other = await createMember(t);
    const coupon = await createCoupon(t, other, 5);
    const foreign = await postMall(t, '/order/create', { outside_sn: `E4-${uid}`, uid, goods: [{ goods_id: 164, total: 1 }], member_coupon_ids: [coupon], address }).expect(422);
    expect(foreign.body.data.code).toBe(42202);
    expect(await t.dataSource.manager.countBy(MallTrade, { uid })).toBe(0);
  });

  it('the same outside_sn: identical parameters replay the original response, other parameters are 40901', async () => {
    const t = ctx();
    const first = await postMall(t, '/order/create', seedParams('REPEAT-1')).expect(200);
    // a re-signed retry (new timestamp) is still the same request
    const again = await postMall(t, '/order/create', { ...seedParams('REPEAT-1'), timestamp: String(Math.floor(Date.now() / 1000)) }).expect(200);
    expect(again.body).toEqual(first.body);
    const form = await t.http.post('/order/create').type('form').send(signedForm(seedParams('REPEAT-1'))).expect(200);
    expect(form.body).toEqual(first.body);
    const other = await postMall(t, '/order/create', { ...seedParams('REPEAT-1'), goods: [{ goods_id: 164, total: 1 }] }).expect(409);
    expect(other.body).toEqual({ result: 0, msg: 'outside_sn 已用于不同的请求', data: { code: 40901, errors: {} } });
    expect(await t.dataSource.manager.countBy(MallTrade, { outsideSn: 'REPEAT-1' })).toBe(1);
  });

  it('a retry after the first create took the coupon, the points, the balance and the last unit gets the first answer, takes nothing', async () => {
    const t = ctx();
    const uid = await createMember(t, 10000, 300);
    const coupon = await createCoupon(t, uid, 10, 0);
    const last = await createGoods(t, 3, 12, 1, 50);
    const params = {
      outside_sn: `RETRY-SPENT-${uid}`,
      uid,
      goods: [{ goods_id: 164, total: 1 }, { goods_id: 201, total: 1 }, { goods_id: last, total: 1 }],
      member_coupon_ids: String(coupon),
      orders: [
        { pre_id: preIdOf([164]), deduction_ids: ['balance'] },
        { pre_id: preIdOf([last]), deduction_ids: ['point'] },
      ],
      address,
    };
    const first = await postMall(t, '/order/create', params).expect(200);
    expect(first.body.data.orders).toHaveLength(3);
    const spent = await snapshot(t, uid, [164, 201, last], [coupon]);
    expect(spent.stock[2]).toEqual([last, 0]);

    // a fresh signature and nonce: priced again, this request would now be refused (coupon used, no stock left)
    const again = await postMall(t, '/order/create', { ...params, timestamp: String(Math.floor(Date.now() / 1000) + 1) }).expect(200);
    expect(again.body).toEqual(first.body);
    expect(await snapshot(t, uid, [164, 201, last], [coupon])).toEqual(spent);
    expect(await t.dataSource.manager.countBy(MallTrade, { outsideSn: params.outside_sn })).toBe(1);
  });

  it("another app sees none of this app's trades: outside_sn or trade_sn of another app is 40401", async () => {
    const t = ctx();
    const created = await postMall(t, '/order/create', seedParams('MINE-1')).expect(200);
    const other = await createApp(t);
    const bySn = await postMall(t, '/order/detail', { outside_sn: 'MINE-1' }, other).expect(404);
    expect(bySn.body).toEqual({ result: 0, msg: '订单不存在', data: { code: 40401, errors: {} } });
    await postMall(t, '/order/detail', { trade_sn: created.body.data.trade_sn }, other).expect(404);
    await postMall(t, '/order/close', { outside_sn: 'MINE-1' }, other).expect(404);

    const own = await postMall(t, '/order/detail', { trade_sn: created.body.data.trade_sn }).expect(200);
    expect(own.body.data).toMatchObject({ outside_sn: 'MINE-1', trade_sn: created.body.data.trade_sn, status: 0, total_price: 100, pay_link: created.body.data.pay_link });
    expect(own.body.data.orders[0]).toMatchObject({ order_sn: created.body.data.orders[0].order_sn, status: 0, status_name: '待付款', address: SEED_ADDRESS, pay_time: '' });
    expect(own.body.data.orders[0].goods).toHaveLength(2);
    expect((await t.dataSource.manager.findOneByOrFail(MallTrade, { outsideSn: 'MINE-1' })).status).toBe(0);
  });

  it('a failing line (out of stock) in a three-store request rolls back stock, coupons, points and balance', async () => {
    const t = ctx();
    const uid = await createMember(t, 10000, 300);
    const platform = await createCoupon(t, uid, 10, 0);
    const store2 = await createCoupon(t, uid, 5, 0, 2);
    const scarce = await createGoods(t, 3, 12, 1, 50); // highest id: its stock is taken last, after everything else
    const goods = [
      { goods_id: 164, total: 1 },
      { goods_id: 201, total: 1 },
      { goods_id: scarce, total: 2 },
    ];
    const orders = [
      { pre_id: preIdOf([164]), deduction_ids: ['balance'] },
      { pre_id: preIdOf([scarce]), deduction_ids: ['point'] },
    ];
    const watched = [164, 201, scarce];
    const before = await snapshot(t, uid, watched, [platform, store2]);
    const res = await postMall(t, '/order/create', { outside_sn: `ROLLBACK-${uid}`, uid, goods, member_coupon_ids: `${platform},${store2}`, orders, address }).expect(422);
    expect(res.body.data.code).toBe(42203);
    expect(await snapshot(t, uid, watched, [platform, store2])).toEqual(before);
    expect(before.ledgerSum).toBe(before.balance);

    // the same request with what is there succeeds, so the rollback was not a refusal before any write
    const ok = await postMall(t, '/order/create', {
      outside_sn: `ROLLBACK-OK-${uid}`,
      uid,
      goods: goods.map((g) => ({ ...g, total: 1 })),
      member_coupon_ids: `${platform},${store2}`,
      orders,
      address,
    }).expect(200);
    expect(ok.body.data.orders).toHaveLength(3);
    const after = await snapshot(t, uid, watched, [platform, store2]);
    expect(after.stock).toEqual([[164, before.stock[0][1] - 1], [201, before.stock[1][1] - 1], [scarce, 0]]);
    expect(after.points).toBeLessThan(before.points);
    expect(after.balance).toBeLessThan(before.balance);
    expect(after.ledgerSum).toBe(after.balance);
  });

  it('close gives back stock, points, balance and coupons once; a second close is 42204', async () => {
    const t = ctx();
    const uid = await createMember(t, 10000, 300);
    const coupon = await createCoupon(t, uid, 10, 0);
    const goods = [
      { goods_id: 99, total: 1 },
      { goods_id: 302, total: 2 },
    ];
    const orders = [
      { pre_id: preIdOf([99]), deduction_ids: ['balance'] },
      { pre_id: preIdOf([302]), deduction_ids: ['point'] },
    ];
    const watched = [99, 302];
    const before = await snapshot(t, uid, watched, [coupon]);
    const created = await postMall(t, '/order/create', { outside_sn: `CLOSE-${uid}`, uid, goods, member_coupon_ids: [coupon], orders, address }).expect(200);
    const during = await snapshot(t, uid, watched, [coupon]);
    expect(during.points).toBeLessThan(before.points);
    expect(during.balance).toBeLessThan(before.balance);
    expect(during.coupons).toEqual([[coupon, 1, created.body.data.trade_sn]]);

    const closed = await postMall(t, '/order/close', { outside_sn: `CLOSE-${uid}` }).expect(200);
    expect(closed.body).toEqual({ result: 1, msg: '成功', data: { outside_sn: `CLOSE-${uid}`, trade_sn: created.body.data.trade_sn, status: -1 } });
    const after = await snapshot(t, uid, watched, [coupon]);
    expect({ ...after, ledgerRows: 0, trades: 0, orders: 0 }).toEqual({ ...before, ledgerRows: 0, trades: 0, orders: 0 });
    expect(after.coupons).toEqual([[coupon, 0, '']]);
    expect(after.ledgerRows).toBe(before.ledgerRows + 2);
    expect(after.ledgerSum).toBe(after.balance);
    const statuses = await t.dataSource.manager.find(MallOrder, { where: { uid }, select: { status: true } });
    expect(statuses.map((o) => o.status)).toEqual([-1, -1]);

    const second = await postMall(t, '/order/close', { outside_sn: `CLOSE-${uid}` }).expect(422);
    expect(second.body).toEqual({ result: 0, msg: '订单状态不允许关闭', data: { code: 42204, errors: {} } });
    expect(await snapshot(t, uid, watched, [coupon])).toEqual(after);
  });

  it('a trade that coupons, points and balance cover entirely is paid at once; closing it is 42204', async () => {
    const t = ctx();
    const uid = await createMember(t, 0, 100);
    const res = await postMall(t, '/order/create', {
      outside_sn: `FREE-${uid}`,
      uid,
      goods: [{ goods_id: 164, total: 1 }],
      orders: [{ pre_id: preIdOf([164]), deduction_ids: ['balance'] }],
      address,
    }).expect(200);
    expect(res.body.data).toMatchObject({ total_price: 0, orders: [{ price: 0 }] });
    const trade = await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: res.body.data.trade_sn });
    expect(trade).toMatchObject({ status: 1, balanceAmount: 2500, totalPrice: 0 });
    expect(trade.paidAt).toBeInstanceOf(Date);
    expect((await t.dataSource.manager.findOneByOrFail(MallOrder, { tradeId: trade.id })).status).toBe(1);
    await postMall(t, '/order/close', { outside_sn: `FREE-${uid}` }).expect(422);
  });

  it('the timeout job closes unpaid trades past ORDER_PAY_TIMEOUT_MINUTES once, even when run twice at the same time', async () => {
    const t = ctx();
    const uid = await createMember(t, 5000);
    const coupon = await createCoupon(t, uid, 1, 0);
    const before = await snapshot(t, uid, [302], [coupon]);
    const created = await postMall(t, '/order/create', {
      outside_sn: `LATE-${uid}`,
      uid,
      goods: [{ goods_id: 302, total: 1 }],
      member_coupon_ids: String(coupon),
      orders: [{ pre_id: preIdOf([302]), deduction_ids: ['point'] }],
      address,
    }).expect(200);
    await pressAlipayButton(t, created.body.data.trade_sn);
    const job = t.app.get(MallTradeTimeoutJob);
    const trade = await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn: created.body.data.trade_sn });
    expect(await job.closeExpired(new Date(trade.createdAt.getTime() + 29 * 60_000))).toBe(0);

    const later = new Date(Date.now() + 31 * 60_000);
    const unpaid = await t.dataSource.manager.countBy(MallTrade, { status: 0 });
    const [a, b] = await Promise.all([job.closeExpired(later), job.closeExpired(later)]);
    expect(a + b).toBe(unpaid);
    expect(await job.closeExpired(later)).toBe(0);
    const closedNow = await t.dataSource.manager.findOneByOrFail(MallTrade, { id: trade.id });
    expect(closedNow.status).toBe(-1);
    const after = await snapshot(t, uid, [302], [coupon]);
    expect({ ...after, trades: 0, orders: 0 }).toEqual({ ...before, trades: 0, orders: 0 });
    const payment = await t.dataSource.manager.findOneByOrFail(Payment, { bizType: 'mall_trade', bizNo: trade.tradeSn });
    expect(payment.status).toBe(-1);
  });
});
