import { GiftPack } from '../../src/database/entities/partner/gift-pack.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { AlipaySandboxService } from '../../src/dev/alipay-sandbox/alipay-sandbox.service';
import { PartnerOrderTimeoutJob } from '../../src/partner/partner-order-timeout.job';
import { describeEachEngine } from '../support/each-engine';
import type { TestApp } from '../support/test-app';
import { admin, couponRow, newCoupon, newUser, nonce, orderRow, partnerPost, pay, userRow, walletOf } from './partner-fixtures';

const paymentRow = (t: TestApp, outTradeNo: string) => t.dataSource.getRepository(Payment).findOneByOrFail({ outTradeNo });

/** Posts a correctly signed TRADE_SUCCESS notify for the payment, as Alipay would (again), straight to the notify URL. */
async function postSignedNotify(t: TestApp, outTradeNo: string): Promise<string> {
  const sandbox = t.app.get(AlipaySandboxService);
  const notify = sandbox.signNotify(sandbox.notifyFor(await paymentRow(t, outTradeNo)));
  const res = await t.http.post('/payments/alipay/notify').type('form').send(new URLSearchParams(notify).toString()).expect(200);
  return res.text;
}

describeEachEngine('partner: Alipay payments, repay and the pay timeout', (ctx) => {
  let packId: string;

  beforeAll(async () => {
    const t = ctx();
    await admin(t, 'post', 'levels', { id: 'V9', name: 'V9', rank: 9 });
    const pack = await admin(t, 'post', 'gift-packs', { title: '拉卡拉大POS 3台装礼包 升V5', price: 300, level_id: 'V5', score: 120 });
    packId = pack.id;
  });

  it('pay_type=2 awaits payment; the sandbox payment settles it once: paid, trade_no, level V5 and score once', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t);
    const couponId = await newCoupon(t, userId, 50);
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: packId, coupon_id: couponId }).expect(200);
    const { ali_pay_url: url, order_info: info } = res.body.result;
    expect(info).toMatchObject({ order_status: 0, pay_type: 2, order_price: 300, deduct_price: 50, order_pay_time: '', order_pay_time_stamp: 0, third_order_no: '', order_score: 120 });
    expect(info.bill_no).toMatch(/^\d{24}$/);
    const query = new URL(url).searchParams;
    expect(query.get('method')).toBe('alipay.trade.wap.pay');
    const biz = JSON.parse(query.get('biz_content')!);
    expect(biz).toMatchObject({ out_trade_no: info.bill_no, total_amount: '250.00' });
    expect(biz.time_expire).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/);

    const payment = await paymentRow(t, info.bill_no);
    expect(payment).toMatchObject({ bizType: 'partner_order', bizNo: info.order_no, amount: 25000, status: 0 });
    expect(payment.expiresAt.getTime()).toBe(info.order_time_stamp + 30 * 60_000);
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'reserved', orderNo: info.order_no });
    expect(await orderRow(t, info.order_no)).toMatchObject({ orderStatus: 0, billNo: info.bill_no, payAmount: 25000 });

    const paid = await t.http.post('/dev/alipay/pay').send({ out_trade_no: info.bill_no }).expect(200);
    expect(paid.body.result.notify_response).toBe('success');
    const order = await orderRow(t, info.order_no);
    expect(order).toMatchObject({ orderStatus: 1, thirdOrderNo: paid.body.result.trade_no, billNo: info.bill_no });
    expect(order.paidAt).toBeInstanceOf(Date);
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V5', score: 120 });
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'used', orderNo: info.order_no });
    expect(await paymentRow(t, info.bill_no)).toMatchObject({ status: 1, needsRefund: false });

    const detail = await partnerPost(t, 'order/detail', { user_id: userId, order_no: info.order_no }).expect(200);
    expect(detail.body.result.order_info).toMatchObject({ order_status: 1, third_order_no: order.thirdOrderNo, bill_no: info.bill_no });
    expect(detail.body.result.order_info.order_pay_time_stamp).toBe(order.paidAt!.getTime());

    // paying again: the sandbox refuses, and a repeated notify (Alipay retries) grants nothing twice
    const again = await t.http.post('/dev/alipay/pay').send({ out_trade_no: info.bill_no }).expect(422);
    expect(again.body.code).toBe(42204);
    expect(await postSignedNotify(t, info.bill_no)).toBe('success');
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V5', score: 120 });
    expect((await orderRow(t, info.order_no)).thirdOrderNo).toBe(order.thirdOrderNo);
  });

  it('a level is only ever raised: a V9 buyer of a V5 pack stays V9 (and still gets the score)', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { level_id: 'V9' });
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: packId }).expect(200);
    expect(res.body.result.order_info.user_level_id).toBe('V9');
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: res.body.result.order_info.bill_no }).expect(200);
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V9', score: 120 });
  });

  it('repay reuses the open payment; after payment it is 42204', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t);
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2 }).expect(200);
    const info = res.body.result.order_info;
    const repay = await partnerPost(t, 'order/repay', { user_id: userId, order_no: info.order_no }).expect(200);
    expect(Object.keys(repay.body.result)).toEqual(['ali_pay_url', 'order_info']);
    expect(JSON.parse(new URL(repay.body.result.ali_pay_url).searchParams.get('biz_content')!).out_trade_no).toBe(info.bill_no);
    expect(await t.dataSource.getRepository(Payment).countBy({ bizNo: info.order_no })).toBe(1);
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: info.bill_no }).expect(200);
    const after = await partnerPost(t, 'order/repay', { user_id: userId, order_no: info.order_no }).expect(422);
    expect(after.body.code).toBe(42204);
  });

  it('cancel closes an unpaid order once: coupon released, stock returned, payment closed', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t);
    const limited = await admin(t, 'post', 'gift-packs', { title: '限量礼包', price: 100, stock: 1 });
    const couponId = await newCoupon(t, userId, 10);
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: limited.id, coupon_id: couponId }).expect(200);
    const info = res.body.result.order_info;
    const soldOut = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: limited.id, nonce: nonce() }).expect(422);
    expect(soldOut.body.code).toBe(42203);

    const cancel = await partnerPost(t, 'order/cancel', { user_id: userId, order_no: info.order_no }).expect(200);
    expect(cancel.body.result.order_info.order_status).toBe(-1);
    expect((await orderRow(t, info.order_no)).closedAt).toBeInstanceOf(Date);
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'unused', orderNo: '' });
    expect(await paymentRow(t, info.bill_no)).toMatchObject({ status: -1 });
    expect(await t.dataSource.getRepository(GiftPack).findOneByOrFail({ id: limited.id })).toMatchObject({ stock: 1 });
    const again = await partnerPost(t, 'order/cancel', { user_id: userId, order_no: info.order_no }).expect(422);
    expect(again.body.code).toBe(42204);
    const repay = await partnerPost(t, 'order/repay', { user_id: userId, order_no: info.order_no }).expect(422);
    expect(repay.body.code).toBe(42204);
    // the unit came back exactly once
    await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: limited.id, nonce: nonce() }).expect(200);
    expect(await t.dataSource.getRepository(GiftPack).findOneByOrFail({ id: limited.id })).toMatchObject({ stock: 0 });
    const admins = await admin(t, 'get', 'orders?status=0&page=1&page_size=100');
    expect(admins.list.some((o: { gift_pos_id: string }) => o.gift_pos_id === limited.id)).toBe(true);
  });

  it('the timeout job closes an unpaid order past the limit once; a late success notify is flagged for refund and the order stays closed', async () => {
    const t = ctx();
    const job = t.app.get(PartnerOrderTimeoutJob);
    const { userId, addressId } = await newUser(t, { balance: 1000 });
    const couponId = await newCoupon(t, userId, 50);
    const res = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: packId, coupon_id: couponId }).expect(200);
    const info = res.body.result.order_info;

    expect(await job.closeExpired(new Date(info.order_time_stamp + 29 * 60_000))).toBe(0);
    expect((await orderRow(t, info.order_no)).orderStatus).toBe(0);

    const later = new Date(info.order_time_stamp + 31 * 60_000);
    const [first, second] = await Promise.all([job.closeExpired(later), job.closeExpired(later)]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    expect(await job.closeExpired(later)).toBe(0);
    const closed = await orderRow(t, info.order_no);
    expect(closed).toMatchObject({ orderStatus: -1 });
    expect(closed.closedAt!.getTime()).toBe(later.getTime());
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'unused', orderNo: '' });
    expect(await paymentRow(t, info.bill_no)).toMatchObject({ status: -1, needsRefund: false });

    // the released coupon is usable again
    const reuse = await pay(t, { user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: packId, coupon_id: couponId }).expect(200);
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'used', orderNo: reuse.body.result.order_info.order_no });
    const levelBefore = await userRow(t, userId);
    expect(levelBefore).toMatchObject({ levelId: 'V5', score: 120 });

    // the buyer paid on Alipay after all: the money is recorded and flagged, the order stays closed, nothing is granted
    const late = await t.http.post('/dev/alipay/pay').send({ out_trade_no: info.bill_no }).expect(200);
    expect(late.body.result.notify_response).toBe('success');
    expect(await paymentRow(t, info.bill_no)).toMatchObject({ status: 1, needsRefund: true, tradeNo: late.body.result.trade_no });
    expect(await orderRow(t, info.order_no)).toMatchObject({ orderStatus: -1, thirdOrderNo: '', paidAt: null });
    expect(await userRow(t, userId)).toMatchObject({ levelId: 'V5', score: 120 });
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'used', orderNo: reuse.body.result.order_info.order_no });
    const wallet = await walletOf(t, userId);
    expect(wallet.ledgerSum).toBe(wallet.balance);
  });
});
