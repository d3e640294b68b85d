import { describeEachEngine } from '../support/each-engine';
import { IdempotencyRecord } from '../../src/database/entities/common/idempotency-record.entity';
import { postMall, seedParams } from '../mall/mall-fixtures';
import { signMall, signPartner } from '../support/signing';
import { admin, ADMIN_AUTH, DEMO_PACK, newUser, nonce, ordersOf, orderRow, walletOf } from '../partner/partner-fixtures';

/**
 * A captured signed request replayed by an attacker, with any header, any encoding, any number of times, and floods of
 * money movements on one wallet (issue "Hostile and overloaded clients", findings 1–3): never a second effect, never a 500.
 */
describeEachEngine('hostile clients: replays and wallet floods', (ctx) => {
  const seconds = () => String(Math.floor(Date.now() / 1000));
  const postPay = (body: Record<string, unknown>, key?: string) => {
    const req = ctx().http.post('/app/partner/order/pay');
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };

  it('(1) a signed pay replayed byte for byte with a new Idempotency-Key each time makes no second order and no second debit', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const signed = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce(), timestamp: seconds() });
    const original = await postPay(signed).expect(200);
    for (const key of ['k-1', 'k-2', 'k-3']) {
      const replay = await postPay(signed, `${key}-${nonce()}`).expect(200);
      expect(replay.body).toEqual(original.body);
    }
    const asForm = await t.http.post('/app/partner/order/pay').set('Idempotency-Key', `k-form-${nonce()}`).type('form').send(new URLSearchParams(Object.entries(signed).map(([k, v]): [string, string] => [k, String(v)])).toString()).expect(200);
    expect(asForm.body).toEqual(original.body);
    expect(await ordersOf(t, userId)).toHaveLength(1);
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(170_000);
    expect(wallet.ledger.filter((row) => row.delta < 0)).toHaveLength(1);
    expect(wallet.ledgerSum).toBe(wallet.balance);
  });

  it('(1) the same nonce with other parameters is 40102, with or without a header', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const n = nonce();
    await postPay(signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: n })).expect(200);
    const other = signPartner({ user_id: userId, pay_type: 2, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: n });
    expect((await postPay(other, `k-${nonce()}`).expect(401)).body).toMatchObject({ code: 40102 });
    expect((await postPay(other).expect(401)).body).toMatchObject({ code: 40102 });
    expect(await ordersOf(t, userId)).toHaveLength(1);
  });

  it('(1) sent with a header, replayed without it: the stored answer, no second charge', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const signed = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() });
    const original = await postPay(signed, `k-${nonce()}`).expect(200);
    expect((await postPay(signed).expect(200)).body).toEqual(original.body);
    // Without a nonce the content rule catches it within the window, whatever the header.
    const bare = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, timestamp: seconds() });
    const first = await postPay(bare, `k-${nonce()}`).expect(200);
    expect((await postPay(bare).expect(200)).body).toEqual(first.body);
    expect((await postPay(bare, `k-${nonce()}`).expect(200)).body).toEqual(first.body);
    expect(await ordersOf(t, userId)).toHaveLength(2);
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(140_000);
    expect(wallet.ledgerSum).toBe(wallet.balance);
  });

  it('a replay never adds a stored answer: a fresh Idempotency-Key on a request its nonce, its content or its outside_sn already answered stores nothing', async () => {
    const t = ctx();
    const records = () => t.dataSource.getRepository(IdempotencyRecord).count();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const byNonce = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() });
    const original = await postPay(byNonce, `k-${nonce()}`).expect(200);
    const byContent = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, timestamp: seconds() });
    const first = await postPay(byContent).expect(200);
    const params = { ...seedParams(`REPLAY-STORES-NOTHING-${nonce()}`), nonce: nonce() };
    const created = await postMall(t, '/order/create', params).expect(200);
    const stored = await records();

    expect((await postPay(byNonce, `k-${nonce()}`).expect(200)).body).toEqual(original.body);
    expect((await postPay(byContent, `k-${nonce()}`).expect(200)).body).toEqual(first.body);
    expect((await t.http.post('/order/create').set('Idempotency-Key', `k-${nonce()}`).send(signMall(params)).expect(200)).body).toEqual(created.body);
    // re-signed under a new nonce: still the trade of that outside_sn
    const resigned = signMall({ ...params, nonce: nonce() });
    expect((await t.http.post('/order/create').set('Idempotency-Key', `k-${nonce()}`).send(resigned).expect(200)).body).toEqual(created.body);
    expect(await records()).toBe(stored);
    expect(await ordersOf(t, userId)).toHaveLength(2);
  });

  it('(1) 20 parallel copies of one captured pay, each with its own header: one order, one debit, no 500', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 2000 });
    const signed = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postPay(signed, i % 2 ? `k-${nonce()}` : undefined)));
    for (const r of responses) expect([200, 409]).toContain(r.status);
    const ok = responses.filter((r) => r.status === 200);
    for (const r of ok) expect(r.body).toEqual(ok[0].body);
    expect(await ordersOf(t, userId)).toHaveLength(1);
    expect((await walletOf(t, userId)).balance).toBe(170_000);
  });

  it('(2) a nonce names one route: order/detail then order/cancel with the same parameters and nonce is 40102, nothing cancelled', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t);
    const created = await postPay(signPartner({ user_id: userId, pay_type: 2, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() })).expect(200);
    const orderNo = created.body.result.order_info.order_no;
    const params = signPartner({ user_id: userId, order_no: orderNo, nonce: nonce() });
    await t.http.post('/app/partner/order/detail').send(params).expect(200);
    const cancel = await t.http.post('/app/partner/order/cancel').send(params).expect(401);
    expect(cancel.body).toMatchObject({ code: 40102 });
    expect((await orderRow(t, orderNo)).orderStatus).toBe(0);
  });

  it('(3) 50 parallel admin credits of one wallet all succeed; the balance is the ledger sum', async () => {
    const t = ctx();
    const { userId } = await newUser(t);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => t.http.post(`/admin/partner/users/${userId}/balance`).set('Authorization', ADMIN_AUTH).send({ amount: 1, remark: 'flood' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const wallet = await walletOf(t, userId);
    expect(wallet.balance).toBe(5_000);
    expect(wallet.ledger).toHaveLength(50);
    expect(wallet.ledgerSum).toBe(wallet.balance);
  });

  it('(3) 50 payments beside 50 admin adjustments of one wallet: no 500, every 200 is one ledger row', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 3000 });
    const pays = Array.from({ length: 50 }, () =>
      t.http.post('/app/partner/order/pay').send(signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() })),
    );
    const adjustments = Array.from({ length: 50 }, (_, i) =>
      t.http.post(`/admin/partner/users/${userId}/balance`).set('Authorization', ADMIN_AUTH).send({ amount: i % 2 ? 10 : -1, remark: 'flood' }),
    );
    const responses = await Promise.all([...pays, ...adjustments]);
    for (const r of responses) expect([200, 422, 503]).toContain(r.status);
    const paid = responses.slice(0, 50).filter((r) => r.status === 200).length;
    const adjusted = responses.slice(50).filter((r) => r.status === 200).length;
    const wallet = await walletOf(t, userId);
    expect(wallet.ledger).toHaveLength(1 + paid + adjusted);
    expect(wallet.ledgerSum).toBe(wallet.balance);
    expect(await ordersOf(t, userId)).toHaveLength(paid);
    expect((await admin(t, 'get', `users/${userId}`)).balance).toBe(wallet.balance / 100);
  });
});
