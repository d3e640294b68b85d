import { PartnerOrder } from '../../src/database/entities/partner/partner-order.entity';
import { OrderNumberSlots } from '../../src/partner/order-number-slots';
import { AppLogger } from '../../src/common/http/app-logger';
import { JobRegistry } from '../../src/common/jobs/job-registry';
import { WalletLedger } from '../../src/database/entities/payments/wallet-ledger.entity';
import { TransactionService } from '../../src/database/transaction.service';
import { PartnerOrderService } from '../../src/partner/partner-order.service';
import { AlipayService } from '../../src/payments/alipay/alipay.service';
import { PaymentReconciliation } from '../../src/payments/payment-reconciliation.service';
import { PaymentService } from '../../src/payments/payment.service';
import { WalletService } from '../../src/payments/wallet/wallet.service';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';
import {
  couponRow,
  DEMO_PACK,
  DEMO_USER,
  newCoupon,
  newUser,
  nonce,
  ordersOf,
  pay,
  SEED_ORDER_INFO,
  userRow,
  walletOf,
} from './partner-fixtures';

const WIRE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

describeEachEngine('partner: POST /app/partner/order/pay with balance', (ctx) => {
  it("the seed's request signed with the demo key returns the seed's response", async () => {
    const t = ctx();
    const params = { user_id: DEMO_USER, pay_type: 1, gift_pos_id: DEMO_PACK, coupon_id: '', address_id: 1 };
    const res = await t.http.post('/app/partner/order/pay').send(signPartner(params)).expect(200);

    expect(Object.keys(res.body)).toEqual(['code', 'errors', 'msg', 'result']);
    expect(res.body).toMatchObject({ code: 1, errors: {}, msg: '操作成功' });
    expect(Object.keys(res.body.result)).toEqual(['ali_pay_url', 'order_info']);
    expect(res.body.result.ali_pay_url).toBe('');
    const info = res.body.result.order_info;
    expect(Object.keys(info)).toEqual(Object.keys(SEED_ORDER_INFO));
    expect(Object.keys(info)).toHaveLength(35);
    for (const [key, value] of Object.entries(SEED_ORDER_INFO)) expect([key, typeof info[key]]).toEqual([key, typeof value]);

    const fresh = ['order_no', 'id', 'order_time', 'order_time_stamp', 'order_pay_time', 'order_pay_time_stamp'];
    const same = Object.fromEntries(Object.entries(SEED_ORDER_INFO).filter(([k]) => !fresh.includes(k)));
    expect(info).toMatchObject(same);
    expect(info.order_no).toMatch(/^\d{27}$/);
    expect(info.id).toMatch(/^[0-9a-f]{32}$/);
    expect(info.order_time).toMatch(WIRE_TIME);
    expect(info.order_pay_time).toBe(info.order_time);
    expect(info.order_pay_time_stamp).toBe(info.order_time_stamp);
    expect(Math.abs(info.order_time_stamp - Date.now())).toBeLessThan(60_000);
    // yyyyMMddHHmmss of the order number is its own 13-digit ms in Asia/Shanghai
    const ms = Number(info.order_no.slice(14));
    const shanghai = new Date(ms + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
    expect(info.order_no.slice(0, 14)).toBe(shanghai);

    const row = await t.dataSource.getRepository(PartnerOrder).findOneByOrFail({ orderNo: info.order_no });
    expect(row).toMatchObject({ id: info.id, userId: DEMO_USER, orderStatus: 1, payType: 1, orderPrice: 30000, deductPrice: 0, payAmount: 30000, billNo: '' });
    const wallet = await walletOf(t, DEMO_USER);
    expect(wallet.balance).toBe(970000);
    expect(wallet.ledgerSum).toBe(wallet.balance);
    expect(wallet.ledger.map((l) => [l.bizType, l.bizNo, l.delta, l.balanceAfter])).toEqual([
      ['demo_grant', DEMO_USER, 1000000, 1000000],
      ['partner_order_pay', info.order_no, -30000, 970000],
    ]);
    // the pack grants V5; the order keeps the level the buyer had when ordering
    expect((await userRow(t, DEMO_USER)).levelId).toBe('V5');
  });

  it('insufficient balance is 42201 and leaves no order, no ledger row, the coupon unused', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 100 });
    const couponId = await newCoupon(t, userId, 50);
    const before = await walletOf(t, userId);
    const res = await pay(t, { user_id: userId, address_id: addressId, coupon_id: couponId }).expect(422);
    expect(res.body).toEqual({ code: 42201, errors: {}, msg: '余额不足', result: {} });
    expect(await ordersOf(t, userId)).toHaveLength(0);
    const after = await walletOf(t, userId);
    expect(after.balance).toBe(10000);
    expect(after.ledger).toHaveLength(before.ledger.length);
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'unused', orderNo: '' });
  });

  it('100 parallel payments from a wallet that affords 3: exactly 3 succeed, the balance is exact and never negative', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 900 });
    const responses = await Promise.all(Array.from({ length: 100 }, () => pay(t, { user_id: userId, address_id: addressId, nonce: nonce() })));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    for (const r of responses.filter((r) => r.status !== 200)) expect([r.status, r.body.code]).toEqual([422, 42201]);
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(0);
    expect(wallet.ledgerSum).toBe(0);
    expect(wallet.ledger.filter((l) => l.bizType === 'partner_order_pay')).toHaveLength(3);
    expect(wallet.ledger.every((l) => l.balanceAfter >= 0)).toBe(true);
    const orders = await ordersOf(t, userId);
    expect(orders.map((o) => o.orderNo).sort()).toEqual(ok.map((r) => r.body.result.order_info.order_no).sort());
  });

  it('20 parallel identical copies of one request make one order and one charge', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 10000 });
    const params = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId });
    const responses = await Promise.all(Array.from({ length: 20 }, () => t.http.post('/app/partner/order/pay').send(params)));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0].body);
    for (const r of responses.filter((r) => r.status !== 200)) expect([r.status, r.body.code]).toEqual([409, 40901]);
    const orders = await ordersOf(t, userId);
    expect(orders).toHaveLength(1);
    expect(orders[0].orderNo).toBe(ok[0].body.result.order_info.order_no);
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(970000);
    expect(wallet.ledgerSum).toBe(wallet.balance);
    expect(wallet.ledger.filter((l) => l.bizType === 'partner_order_pay')).toHaveLength(1);
  });

  it('one coupon in 10 parallel payments is used exactly once', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 10000 });
    const couponId = await newCoupon(t, userId, 50);
    const responses = await Promise.all(Array.from({ length: 10 }, () => pay(t, { user_id: userId, address_id: addressId, coupon_id: couponId, nonce: nonce() })));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 200)) expect([r.status, r.body.code]).toEqual([422, 42202]);
    const info = ok[0].body.result.order_info;
    expect(info).toMatchObject({ coupon_id: couponId, order_price: 300, deduct_price: 50 });
    expect(await couponRow(t, couponId)).toMatchObject({ status: 'used', orderNo: info.order_no });
    const orders = await ordersOf(t, userId);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ couponId, deductPrice: 5000, payAmount: 25000 });
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(1000000 - 25000);
    expect(wallet.ledgerSum).toBe(wallet.balance);
  });

  it("another user's address or coupon is 40401 and writes nothing", async () => {
    const t = ctx();
    const me = await newUser(t, { balance: 1000 });
    const other = await newUser(t, { balance: 1000 });
    const othersCoupon = await newCoupon(t, other.userId, 50);
    const ledgerRows = await t.dataSource.getRepository(WalletLedger).count();

    const address = await pay(t, { user_id: me.userId, address_id: other.addressId }).expect(404);
    expect(address.body).toEqual({ code: 40401, errors: {}, msg: '地址不存在', result: {} });
    const coupon = await pay(t, { user_id: me.userId, address_id: me.addressId, coupon_id: othersCoupon }).expect(404);
    expect(coupon.body).toEqual({ code: 40401, errors: {}, msg: '优惠券不存在', result: {} });
    const nobody = await pay(t, { user_id: 'ffffffffffffffffffffffffffffffff', address_id: me.addressId }).expect(404);
    expect(nobody.body.code).toBe(40401);

    expect(await ordersOf(t, me.userId)).toHaveLength(0);
    expect(await ordersOf(t, other.userId)).toHaveLength(0);
    expect(await t.dataSource.getRepository(WalletLedger).count()).toBe(ledgerRows);
    expect((await walletOf(t, me.userId)).balance).toBe(100000);
    expect(await couponRow(t, othersCoupon)).toMatchObject({ status: 'unused', orderNo: '' });
  });

  it('200 orders created in parallel get 200 distinct 27-digit order numbers', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 60000 });
    const responses = await Promise.all(Array.from({ length: 200 }, () => pay(t, { user_id: userId, address_id: addressId, nonce: nonce() })));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    const numbers = responses.map((r) => r.body.result.order_info.order_no as string);
    expect(new Set(numbers).size).toBe(200);
    for (const n of numbers) expect(n).toMatch(/^\d{27}$/);
    const rows = await ordersOf(t, userId);
    expect(new Set(rows.map((o) => o.orderNo)).size).toBe(200);
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(0);
    expect(wallet.ledgerSum).toBe(0);
  });

  it('instances on one database lease different order-number slots; a released slot is taken again', async () => {
    const t = ctx();
    const booted = t.app.get(OrderNumberSlots);
    const instance = () => new OrderNumberSlots(t.app.get(TransactionService), t.app.get(AppLogger), t.app.get(JobRegistry));
    const [second, third] = [instance(), instance()];
    const held = [await booted.lease(), await second.lease(), await third.lease()];
    expect(held.every((slot) => slot !== null)).toBe(true);
    expect(new Set(held).size).toBe(3);
    const frozen = Date.now();
    const numbers = [booted, second, third].flatMap((s) => Array.from({ length: 10 }, () => s.clock.next(frozen)));
    expect(new Set(numbers).size).toBe(30);
    await third.onApplicationShutdown();
    const fourth = instance();
    expect(await fourth.lease()).toBe(held[2]);
    await Promise.all([second.onApplicationShutdown(), fourth.onApplicationShutdown()]);
  });

  it('two instances whose clocks stand still still get distinct order numbers (the unique index bumps)', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 12000 });
    const service = t.app.get(PartnerOrderService);
    // A second instance of the service: its own in-process clock, the same database.
    const other = new PartnerOrderService(t.config, t.app.get(TransactionService), t.app.get(WalletService), t.app.get(PaymentService), t.app.get(AlipayService), t.app.get(PaymentReconciliation), new OrderNumberSlots(t.app.get(TransactionService), t.app.get(AppLogger), t.app.get(JobRegistry)));
    const frozen = Date.now() + 3_600_000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(frozen);
    try {
      const input = { userId, payType: 1, giftPosId: DEMO_PACK, addressId };
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? service : other).pay(input)));
      const numbers = results.map((r) => r.order_info.order_no);
      expect(new Set(numbers).size).toBe(40);
      const millis = numbers.map((n) => Number(n.slice(14))).sort((a, b) => a - b);
      expect(millis[0]).toBeGreaterThanOrEqual(frozen);
      // 40 orders from two clocks that each started at `frozen`: collisions were bumped past each other
      expect(millis[39] - frozen).toBeGreaterThanOrEqual(39);
    } finally {
      clock.mockRestore();
    }
    expect(await ordersOf(t, userId)).toHaveLength(40);
  });
});
