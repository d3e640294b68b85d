import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipayKeys } from '../../src/payments/alipay/alipay-keys';
import { AlipayService } from '../../src/payments/alipay/alipay.service';
import { admin, newUser, orderRow, partnerPost, pay, userRow } from '../partner/partner-fixtures';
import { describeEachEngine } from '../support/each-engine';
import { createTestApp, TestApp } from '../support/test-app';

describeEachEngine('the Alipay sandbox plays the OpenAPI calls the service makes (SPEC §6)', (ctx) => {
  let packId: string;

  beforeAll(async () => {
    packId = (await admin(ctx(), 'post', 'gift-packs', { title: '沙箱礼包', price: 88, score: 8 })).id;
  });

  async function alipayOrder(t: TestApp) {
    const { userId, addressId } = await newUser(t);
    const info = (await pay(t, { user_id: userId, address_id: addressId, pay_type: 2, gift_pos_id: packId }).expect(200)).body.result.order_info;
    return { userId, orderNo: info.order_no as string, billNo: info.bill_no as string };
  }

  it('answers with RSA2-signed responses that verify with the sandbox Alipay public key; an unsigned request is refused', async () => {
    const t = ctx();
    const res = await t.http
      .post('/dev/alipay/gateway?method=alipay.trade.query&app_id=2021000000000000&charset=utf-8&sign_type=RSA2&version=1.0')
      .type('form')
      .send({ biz_content: JSON.stringify({ out_trade_no: '1' }) })
      .expect(200);
    const body = /^\{"alipay_trade_query_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(res.text);
    expect(body).not.toBeNull();
    expect(JSON.parse(body![1])).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
    const alipayPublicKey = createPublicKey(readFileSync(join(t.config.DATA_DIR, 'alipay-sandbox', 'alipay-public-key.pem'), 'utf8'));
    expect(createVerify('RSA-SHA256').update(body![1], 'utf8').verify(alipayPublicKey, body![2], 'base64')).toBe(true);
  });

  it('answers are verified: the same call with a wrong Alipay public key configured gives no answer', async () => {
    const t = ctx();
    const keys = t.app.get(AlipayKeys);
    const alipay = t.app.get(AlipayService);
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const misconfigured = new AlipayService(t.config, new AlipayKeys(keys.appId, keys.sellerId, keys.appPrivateKey, wrongKey, keys.gateway));
    // the request itself is signed right, so the sandbox answers it: only the answer's signature is wrong for this key
    expect(await alipay.query('202601010000000000000000')).toMatchObject({ kind: 'refused', subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(await misconfigured.query('202601010000000000000000')).toMatchObject({ kind: 'no_answer' });
  });

  it('through alipay-sdk: a trade unknown to Alipay, paid, refunded once per out_request_no, closed by a full refund', async () => {
    const t = ctx();
    const alipay = t.app.get(AlipayService);
    const order = await alipayOrder(t);
    expect(await alipay.query(order.billNo)).toEqual({ kind: 'refused', subCode: 'ACQ.TRADE_NOT_EXIST', subMsg: '交易不存在' });
    await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo, notify: false }).expect(200);
    const paid = await alipay.query(order.billNo);
    expect(paid).toMatchObject({ kind: 'ok', data: { tradeStatus: 'TRADE_SUCCESS', totalAmount: '88.00', outTradeNo: order.billNo } });
    expect(await alipay.close(order.billNo)).toMatchObject({ kind: 'refused', subCode: 'ACQ.TRADE_STATUS_ERROR' });
    expect(await alipay.refund(order.billNo, 8801, 'RF1', 'too much')).toMatchObject({ kind: 'refused', subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect(await alipay.refund(order.billNo, 8800, 'RF2', 'all')).toMatchObject({ kind: 'ok', data: { fundChange: 'Y', refundFee: '88.00' } });
    expect(await alipay.refund(order.billNo, 8800, 'RF2', 'all')).toMatchObject({ kind: 'ok', data: { fundChange: 'N' } });
    expect(await alipay.refundQuery(order.billNo, 'RF2')).toMatchObject({ kind: 'ok', data: { refundAmount: '88.00', refundStatus: 'REFUND_SUCCESS' } });
    expect((await alipay.refundQuery(order.billNo, 'RF3')).kind).toBe('ok');
    expect(await alipay.query(order.billNo)).toMatchObject({ kind: 'ok', data: { tradeStatus: 'TRADE_CLOSED' } });
  });

  it('two instances on one database and data directory see one Alipay: paid through one without a notify, cancelled through the other → 42204, paid once', async () => {
    const t = ctx();
    const other = await createTestApp(t.engine, { database: t.database });
    try {
      const order = await alipayOrder(t);
      await t.http.post('/dev/alipay/pay').send({ out_trade_no: order.billNo, notify: false }).expect(200);
      const cancel = await partnerPost(other, 'order/cancel', { user_id: order.userId, order_no: order.orderNo }).expect(422);
      expect(cancel.body.code).toBe(42204);
      expect(await orderRow(t, order.orderNo)).toMatchObject({ orderStatus: 1 });
      expect(await userRow(t, order.userId)).toMatchObject({ score: 8 });
      expect((await other.http.get(`/dev/alipay/trades/${order.billNo}`).expect(200)).body.result.trade_status).toBe('TRADE_SUCCESS');
    } finally {
      await other.close({ keepDatabase: true });
    }
  });
});
