import { MallOrder } from '../../src/database/entities/mall/mall-order.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { describeEachEngine } from '../support/each-engine';
import { pressAlipayButton } from '../support/cashier';
import type { TestApp } from '../support/test-app';
import { ADMIN, createMember, postMall, SEED_ADDRESS } from './mall-fixtures';

type Action = 'close' | 'ship' | 'refund';

/**
 * Which order statuses each action may start from (SPEC §5, §10): a close only while the trade awaits payment, a
 * shipment from 1, a refund from 1, 2 or 3. No API call moves a mall order to 3, so it has no row here.
 */
const ALLOWED_FROM: Record<Action, number[]> = { close: [0], ship: [1], refund: [1, 2, 3] };
const STATUSES = [-1, 0, 1, 2, 11];

interface Target {
  outsideSn: string;
  orderSn: string;
}

let seq = 0;

async function createTrade(t: TestApp): Promise<Target & { tradeSn: string }> {
  const uid = await createMember(t);
  const outsideSn = `MOVES-${Date.now()}-${++seq}`;
  const res = await postMall(t, '/order/create', { outside_sn: outsideSn, uid, goods: [{ goods_id: 164, total: 1 }], address: SEED_ADDRESS }).expect(200);
  return { outsideSn, tradeSn: res.body.data.trade_sn, orderSn: res.body.data.orders[0].order_sn };
}

async function pay(t: TestApp, tradeSn: string): Promise<void> {
  await pressAlipayButton(t, tradeSn);
  const payment = await t.dataSource.manager.findOneByOrFail(Payment, { bizType: 'mall_trade', bizNo: tradeSn });
  await t.http.post('/dev/alipay/pay').send({ out_trade_no: payment.outTradeNo }).expect(200);
}

function act(t: TestApp, action: Action, target: Target) {
  switch (action) {
    case 'close':
      return postMall(t, '/order/close', { outside_sn: target.outsideSn });
    case 'ship':
      return t.http.post(`/admin/mall/orders/${target.orderSn}/ship`).set(ADMIN).send({ express_name: '顺丰', express_number: 'SF1' });
    case 'refund':
      return postMall(t, '/order/refund', { order_sn: target.orderSn, reason: '不允许的退款' });
  }
}

describeEachEngine('mall: every forbidden move of a trade or order is 42204 and changes nothing', (ctx) => {
  const targets = new Map<number, Target>();

  beforeAll(async () => {
    const t = ctx();
    const unpaid = await createTrade(t);
    const paid = await createTrade(t);
    const shipped = await createTrade(t);
    const refunding = await createTrade(t);
    const closed = await createTrade(t);
    for (const trade of [paid, shipped, refunding]) await pay(t, trade.tradeSn);
    await t.http.post(`/admin/mall/orders/${shipped.orderSn}/ship`).set(ADMIN).send({ express_name: '顺丰', express_number: 'SF1' }).expect(200);
    await t.http.post('/dev/alipay/faults').send({ drop_next: 'alipay.trade.refund' }).expect(200);
    await postMall(t, '/order/refund', { order_sn: refunding.orderSn, reason: '答复丢失' }).expect(200);
    await postMall(t, '/order/close', { outside_sn: closed.outsideSn }).expect(200);
    for (const [status, target] of [[0, unpaid], [1, paid], [2, shipped], [11, refunding], [-1, closed]] as const) {
      expect((await t.dataSource.manager.findOneByOrFail(MallOrder, { orderSn: target.orderSn })).status).toBe(status);
      targets.set(status, target);
    }
  });

  const forbidden = (Object.keys(ALLOWED_FROM) as Action[]).flatMap((action) =>
    STATUSES.filter((status) => !ALLOWED_FROM[action].includes(status)).map((status) => [action, status] as const),
  );

  it.each(forbidden)('%s of an order in status %i is 42204 and changes nothing', async (action, status) => {
    const t = ctx();
    const target = targets.get(status)!;
    const order = await t.dataSource.manager.findOneByOrFail(MallOrder, { orderSn: target.orderSn });
    const trade = await t.dataSource.manager.findOneByOrFail(MallTrade, { id: order.tradeId });
    const res = await act(t, action, target);
    expect(res.status).toBe(422);
    expect(res.body.code ?? res.body.data.code).toBe(42204);
    expect(await t.dataSource.manager.findOneByOrFail(MallOrder, { orderSn: target.orderSn })).toEqual(order);
    expect(await t.dataSource.manager.findOneByOrFail(MallTrade, { id: order.tradeId })).toEqual(trade);
  });
});
