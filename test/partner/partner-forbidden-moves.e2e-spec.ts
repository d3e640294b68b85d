import { Refund } from '../../src/database/entities/payments/refund.entity';
import { describeEachEngine } from '../support/each-engine';
import type { TestApp } from '../support/test-app';
import { admin, ADMIN_AUTH, DEMO_PACK, newUser, nonce, orderRow, partnerPost, pay, walletOf } from './partner-fixtures';

type Action = 'cancel' | 'repay' | 'receive' | 'ship' | 'refund';

/** Which statuses each action may start from (SPEC §4, §10); every other pair must be 42204 and change nothing. */
const ALLOWED_FROM: Record<Action, number[]> = {
  cancel: [0],
  repay: [0],
  receive: [2],
  ship: [1],
  refund: [1, 2, 3],
};

function act(t: TestApp, action: Action, userId: string, orderNo: string) {
  switch (action) {
    case 'cancel':
    case 'repay':
    case 'receive':
      return partnerPost(t, `order/${action}`, { user_id: userId, order_no: orderNo });
    case 'ship':
      return t.http.post(`/admin/partner/orders/${orderNo}/ship`).set('Authorization', ADMIN_AUTH).send({ express_name: '顺丰速运', express_number: 'SF9' });
    case 'refund':
      return t.http.post(`/admin/partner/orders/${orderNo}/refund`).set('Authorization', ADMIN_AUTH).send({ reason: '不允许的退款' });
  }
}

describeEachEngine('partner: every forbidden move is 42204 and changes nothing', (ctx) => {
  const orders = new Map<number, { userId: string; orderNo: string }>();

  beforeAll(async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const order = async (payType: number) => (await pay(t, { user_id: userId, address_id: addressId, pay_type: payType, gift_pos_id: DEMO_PACK, nonce: nonce() }).expect(200)).body.result.order_info.order_no as string;
    const unpaid = await order(2);
    const paid = await order(1);
    const shipped = await order(1);
    const received = await order(1);
    const closed = await order(2);
    for (const no of [shipped, received]) await admin(t, 'post', `orders/${no}/ship`, { express_name: '顺丰速运', express_number: 'SF1' });
    await partnerPost(t, 'order/receive', { user_id: userId, order_no: received }).expect(200);
    await partnerPost(t, 'order/cancel', { user_id: userId, order_no: closed }).expect(200);
    for (const [status, orderNo] of [[0, unpaid], [1, paid], [2, shipped], [3, received], [-1, closed]] as const) {
      expect((await orderRow(t, orderNo)).orderStatus).toBe(status);
      orders.set(status, { userId, orderNo });
    }
  });

  const forbidden = (Object.keys(ALLOWED_FROM) as Action[]).flatMap((action) =>
    [-1, 0, 1, 2, 3].filter((status) => !ALLOWED_FROM[action].includes(status)).map((status) => [action, status] as const),
  );

  it.each(forbidden)('%s from status %i is 42204 and changes nothing', async (action, status) => {
    const t = ctx();
    const { userId, orderNo } = orders.get(status)!;
    const before = await orderRow(t, orderNo);
    const wallet = await walletOf(t, userId);
    const res = await act(t, action, userId, orderNo).expect(422);
    expect(res.body.code).toBe(42204);
    expect(await orderRow(t, orderNo)).toEqual(before);
    expect(await walletOf(t, userId)).toEqual(wallet);
    expect(await t.dataSource.getRepository(Refund).countBy({ bizNo: orderNo })).toBe(0);
  });
});
