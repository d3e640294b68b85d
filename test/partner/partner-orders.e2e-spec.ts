import { GiftPack } from '../../src/database/entities/partner/gift-pack.entity';
import { PartnerCoupon } from '../../src/database/entities/partner/partner-coupon.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';
import { ADMIN_AUTH, admin, couponRow, DEMO_USER, newCoupon, newUser, nonce, orderRow, ordersOf, partnerPost, pay, userRow, walletOf } from './partner-fixtures';

describeEachEngine('partner: order lifecycle, coupons, stock and the admin API', (ctx) => {
  it('ship (1→2), receive (2→3) and every forbidden move is 42204 that changes nothing', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 1000 });
    const paid = (await pay(t, { user_id: userId, address_id: addressId }).expect(200)).body.result.order_info;
    const unpaid = (await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, nonce: nonce() }).expect(200)).body.result.order_info;

    const early = await partnerPost(t, 'order/receive', { user_id: userId, order_no: paid.order_no }).expect(422);
    expect(early.body).toEqual({ code: 42204, errors: {}, msg: '订单状态不允许此操作', result: {} });
    expect((await partnerPost(t, 'order/cancel', { user_id: userId, order_no: paid.order_no }).expect(422)).body.code).toBe(42204);
    const shipUnpaid = await t.http.post(`/admin/partner/orders/${unpaid.order_no}/ship`).set('Authorization', ADMIN_AUTH).send({ express_name: '顺丰速运', express_number: 'SF1' }).expect(422);
    expect(shipUnpaid.body.code).toBe(42204);
    expect(await orderRow(t, unpaid.order_no)).toMatchObject({ orderStatus: 0, expressName: '', shippedAt: null });

    const shipped = await admin(t, 'post', `orders/${paid.order_no}/ship`, { express_name: '顺丰速运', express_number: 'SF1234567890123', express_no: 'SF' });
    expect(shipped.order_info).toMatchObject({ order_status: 2, order_express_name: '顺丰速运', order_express_number: 'SF1234567890123', order_express_no: 'SF' });
    expect(shipped.order_info.order_express_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const shippedRow = await orderRow(t, paid.order_no);
    expect(shippedRow).toMatchObject({ orderStatus: 2, expressNumber: 'SF1234567890123' });
    expect(shipped.order_info.order_express_time_stamp).toBe(shippedRow.shippedAt!.getTime());
    const twice = await t.http.post(`/admin/partner/orders/${paid.order_no}/ship`).set('Authorization', ADMIN_AUTH).send({ express_name: '圆通', express_number: 'YT2' }).expect(422);
    expect(twice.body.code).toBe(42204);
    expect((await orderRow(t, paid.order_no)).expressNumber).toBe('SF1234567890123');

    const received = await partnerPost(t, 'order/receive', { user_id: userId, order_no: paid.order_no }).expect(200);
    expect(received.body.result.order_info).toMatchObject({ order_status: 3 });
    expect(received.body.result.order_info.receive_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect((await orderRow(t, paid.order_no)).receivedAt).toBeInstanceOf(Date);
    expect((await partnerPost(t, 'order/receive', { user_id: userId, order_no: paid.order_no }).expect(422)).body.code).toBe(42204);
    expect((await partnerPost(t, 'order/cancel', { user_id: userId, order_no: paid.order_no }).expect(422)).body.code).toBe(42204);
    expect((await orderRow(t, paid.order_no)).orderStatus).toBe(3);

    // somebody else's order does not exist for this user
    const stranger = await newUser(t);
    const hidden = await partnerPost(t, 'order/detail', { user_id: stranger.userId, order_no: paid.order_no }).expect(404);
    expect(hidden.body).toEqual({ code: 40401, errors: {}, msg: '订单不存在', result: {} });
    expect((await partnerPost(t, 'order/cancel', { user_id: stranger.userId, order_no: unpaid.order_no }).expect(404)).body.code).toBe(40401);
    expect((await orderRow(t, unpaid.order_no)).orderStatus).toBe(0);
  });

  it('coupon rules: expired, below minimum spend and used are 42202; the deduction is capped and a zero payable is paid at once', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 1000 });
    const expired = await newCoupon(t, userId, 50, { expires_at: '2020-01-01 00:00:00' });
    const tooBig = await newCoupon(t, userId, 50, { min_price: 300.01 });
    const covering = await newCoupon(t, userId, 500, { expires_at: '2099-12-31 23:59:59' });
    const before = await walletOf(t, userId);

    const e = await pay(t, { user_id: userId, address_id: addressId, coupon_id: expired }).expect(422);
    expect(e.body).toMatchObject({ code: 42202, msg: '优惠券已过期' });
    const m = await pay(t, { user_id: userId, address_id: addressId, coupon_id: tooBig }).expect(422);
    expect(m.body).toMatchObject({ code: 42202, msg: '未达到优惠券使用门槛' });

    // pay_type 2, but nothing is left to pay: paid at once, no payment, no charge
    const free = await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, coupon_id: covering }).expect(200);
    expect(free.body.result.ali_pay_url).toBe('');
    expect(free.body.result.order_info).toMatchObject({ order_status: 1, order_price: 300, deduct_price: 300, bill_no: '', pay_type: 2 });
    const order = await orderRow(t, free.body.result.order_info.order_no);
    expect(order).toMatchObject({ payAmount: 0, deductPrice: 30000, orderStatus: 1 });
    expect(await t.dataSource.getRepository(Payment).countBy({ bizNo: order.orderNo })).toBe(0);
    expect(await couponRow(t, covering)).toMatchObject({ status: 'used', orderNo: order.orderNo });
    expect((await walletOf(t, userId)).ledger).toHaveLength(before.ledger.length);

    const used = await pay(t, { user_id: userId, address_id: addressId, coupon_id: covering, nonce: nonce() }).expect(422);
    expect(used.body).toMatchObject({ code: 42202, msg: '优惠券已使用' });
    expect(await ordersOf(t, userId)).toHaveLength(1);
    expect(await t.dataSource.getRepository(PartnerCoupon).countBy({ userId, status: 'unused' })).toBe(2);
  });

  it('stock: a limited pack sells its last unit once; an off-sale pack is 42203', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 1000 });
    const limited = await admin(t, 'post', 'gift-packs', { title: '限量礼包', price: 10, stock: 1 });
    const offSale = await admin(t, 'post', 'gift-packs', { title: '下架礼包', price: 10, on_sale: false });
    const responses = await Promise.all(Array.from({ length: 5 }, () => pay(t, { user_id: userId, address_id: addressId, gift_pos_id: limited.id, nonce: nonce() })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 200)) expect(r.body.code).toBe(42203);
    expect(await t.dataSource.getRepository(GiftPack).findOneByOrFail({ id: limited.id })).toMatchObject({ stock: 0 });
    const off = await pay(t, { user_id: userId, address_id: addressId, gift_pos_id: offSale.id }).expect(422);
    expect(off.body).toMatchObject({ code: 42203, msg: '礼包已下架' });
    expect(await ordersOf(t, userId)).toHaveLength(1);
    expect((await walletOf(t, userId)).balance).toBe(99000);

    const list = await partnerPost(t, 'gift/list', { user_id: userId }).expect(200);
    const ids = list.body.result.list.map((p: { gift_pos_id: string }) => p.gift_pos_id);
    expect(ids).toContain(limited.id);
    expect(ids).not.toContain(offSale.id);
    expect(list.body.result.list.find((p: { gift_pos_id: string }) => p.gift_pos_id === limited.id)).toEqual({
      gift_pos_id: limited.id, gift_title: '限量礼包', price: 10, level_id: '', score: 0, stock: 0,
    });
  });

  it('order/list pages the user\'s own orders, newest first, filtered by status', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    for (let i = 0; i < 3; i++) await pay(t, { user_id: userId, address_id: addressId, nonce: nonce() }).expect(200);
    await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, nonce: nonce() }).expect(200);
    const page = await partnerPost(t, 'order/list', { user_id: userId, page: 1, page_size: 2 }).expect(200);
    expect(page.body.result).toMatchObject({ total: 4, page: 1, page_size: 2 });
    expect(page.body.result.list).toHaveLength(2);
    expect(page.body.result.list[0].order_status).toBe(0);
    expect(page.body.result.list.every((o: { user_id: string }) => o.user_id === userId)).toBe(true);
    const paid = await partnerPost(t, 'order/list', { user_id: userId, order_status: '1', page: '1' }).expect(200);
    expect(paid.body.result).toMatchObject({ total: 3, page: 1, page_size: 20 });
    const tooBig = await partnerPost(t, 'order/list', { user_id: userId, page_size: 101 }).expect(400);
    expect(tooBig.body.errors).toEqual({ page_size: 'page_size 不能大于 100' });
  });

  it('admin: users with balance, score and level; balance adjustments are ledgered and never below zero', async () => {
    const t = ctx();
    const demo = await admin(t, 'get', `users/${DEMO_USER}`);
    expect(demo).toMatchObject({ id: DEMO_USER, phone: '18569557087', real_name: '张学友', level_id: '', score: 0, balance: 10000 });

    const created = await admin(t, 'post', 'users', { phone: '13700000000', real_name: '黎明', level_id: 'V5' });
    expect(created).toMatchObject({ level_id: 'V5', score: 0, balance: 0 });
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    const credited = await admin(t, 'post', `users/${created.id}/balance`, { amount: 99.9, remark: '充值' });
    expect(credited.balance).toBe(99.9);
    const debited = await admin(t, 'post', `users/${created.id}/balance`, { amount: '-0.9', remark: '扣减' });
    expect(debited.balance).toBe(99);
    const below = await t.http.post(`/admin/partner/users/${created.id}/balance`).set('Authorization', ADMIN_AUTH).send({ amount: -99.01, remark: '超额扣减' }).expect(422);
    expect(below.body.code).toBe(42201);
    const wallet = await walletOf(t, created.id);
    expect(wallet.balance).toBe(9900);
    expect(wallet.ledgerSum).toBe(9900);
    expect(wallet.ledger.map((l) => [l.bizType, l.delta, l.remark])).toEqual([['admin_adjust', 9990, '充值'], ['admin_adjust', -90, '扣减']]);
    expect(new Set(wallet.ledger.map((l) => l.bizNo)).size).toBe(2);
    expect((await userRow(t, created.id)).levelId).toBe('V5');

    const dup = await t.http.post('/admin/partner/users').set('Authorization', ADMIN_AUTH).send({ id: created.id, phone: '1', real_name: 'x' }).expect(409);
    expect(dup.body.code).toBe(40901);
    const noLevel = await t.http.post('/admin/partner/users').set('Authorization', ADMIN_AUTH).send({ phone: '1', real_name: 'x', level_id: 'V99' }).expect(404);
    expect(noLevel.body.code).toBe(40401);
    const badToken = await t.http.get(`/admin/partner/users/${DEMO_USER}`).set('Authorization', 'Bearer wrong').expect(401);
    expect(badToken.body.code).toBe(40101);
    const bad = await t.http.post('/admin/partner/gift-packs').set('Authorization', ADMIN_AUTH).send({ title: 'x', price: 1.001 }).expect(400);
    expect(bad.body.errors).toEqual({ price: 'price 必须是最多两位小数的金额' });

    const orders = await admin(t, 'get', 'orders?page=1&page_size=5');
    expect(orders).toMatchObject({ page: 1, page_size: 5 });
    expect(orders.list.length).toBeLessThanOrEqual(5);
    expect(orders.total).toBeGreaterThanOrEqual(orders.list.length);
  });

  it('accepts the seed request as an urlencoded form with numeric strings', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 300 });
    const signed = signPartner({ user_id: userId, pay_type: '1', gift_pos_id: '55fca782f55f406d94e2cecb23d0140b', coupon_id: '', address_id: String(addressId) });
    const res = await t.http.post('/app/partner/order/pay').type('form').send(new URLSearchParams(signed).toString()).expect(200);
    expect(res.body.result.order_info).toMatchObject({ user_id: userId, order_status: 1, pay_type: 1 });
    expect((await walletOf(t, userId)).balance).toBe(0);
  });
});
