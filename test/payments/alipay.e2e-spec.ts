import { createSign, createVerify, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { PoolConnection } from 'mysql2';
import { EntityManager, Logger, QueryRunner } from 'typeorm';
import { AppLogger } from '../../src/common/http/app-logger';
import { Payment, PaymentStatus } from '../../src/database/entities/payments/payment.entity';
import { TransactionService } from '../../src/database/transaction.service';
import { SANDBOX_APP_ID, SANDBOX_SELLER_ID } from '../../src/dev/alipay-sandbox/sandbox-keys';
import { AlipaySandboxService } from '../../src/dev/alipay-sandbox/alipay-sandbox.service';
import { AlipayService } from '../../src/payments/alipay/alipay.service';
import { PaymentSettlementRegistry, SettlementHandler } from '../../src/payments/payment-settlement.registry';
import { PaymentService } from '../../src/payments/payment.service';
import { describeEachEngine } from '../support/each-engine';
import { TestApp } from '../support/test-app';

const SUBJECT = '拉卡拉大POS 1台装礼包 升V5';
/** These tests make their own payments; the other modules' demo rows are not theirs to depend on. */
const NO_DEMO_DATA = { DEMO_DATA: 'false' };

/**
 * Stands in for the business module's settlement handler (partner/mall register the real ones): it records
 * each call, and answers `closed` for business numbers the test marked as closed meanwhile.
 */
class RecordingHandler implements SettlementHandler {
  readonly calls: Array<{ outTradeNo: string; inTransaction: boolean }> = [];
  readonly closedBizNos = new Set<string>();

  async onPaid(em: EntityManager, payment: Payment): Promise<'settled' | 'closed'> {
    this.calls.push({ outTradeNo: payment.outTradeNo, inTransaction: em.queryRunner?.isTransactionActive ?? false });
    return this.closedBizNos.has(payment.bizNo) ? 'closed' : 'settled';
  }

  callsFor(payment: Payment): number {
    return this.calls.filter((c) => c.outTradeNo === payment.outTradeNo).length;
  }
}

function useRecordingHandler(ctx: () => TestApp): RecordingHandler {
  const handler = new RecordingHandler();
  beforeAll(() => {
    jest.spyOn(ctx().app.get(PaymentSettlementRegistry), 'handlerFor').mockReturnValue(handler);
  });
  afterAll(() => jest.restoreAllMocks());
  return handler;
}

function newPayment(t: TestApp, overrides: { amount?: number; expiresAt?: Date; bizNo?: string } = {}): Promise<Payment> {
  return t.app.get(TransactionService).run((em) =>
    t.app.get(PaymentService).createPending(em, {
      bizType: 'partner_order',
      bizNo: overrides.bizNo ?? randomBytes(16).toString('hex'),
      amount: overrides.amount ?? 30000,
      subject: SUBJECT,
      expiresAt: overrides.expiresAt ?? new Date(Date.now() + 30 * 60_000),
    }),
  );
}

/**
 * Closes payment `id` right before the first statement that moves it from pending is sent, on that statement's
 * connection, so that it runs first (SQLite runs it at once; a mysql2 connection sends its commands in order).
 * Returns whether it has happened.
 */
function closeBeforeItsUpdate(t: TestApp, id: number): () => boolean {
  const logger = t.dataSource.logger;
  let closed = false;
  const close = 'UPDATE payments SET status = ? WHERE id = ?';
  (t.dataSource as { logger: Logger }).logger = Object.assign(Object.create(logger) as Logger, {
    logQuery(query: string, parameters: unknown[] | undefined, runner: QueryRunner | undefined) {
      if (closed || !runner || !/^UPDATE\W+payments\W/.test(query) || !parameters?.includes(PaymentStatus.Pending) || !parameters.includes(id)) return;
      closed = true;
      (t.dataSource as { logger: Logger }).logger = logger;
      if (t.engine === 'sqlite') (t.dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection.prepare(close).run(PaymentStatus.Closed, id);
      else (runner as unknown as { databaseConnection: PoolConnection }).databaseConnection.query(close, [PaymentStatus.Closed, id], () => undefined);
    },
  });
  return () => closed;
}

function stored(t: TestApp, payment: Payment): Promise<Payment> {
  return t.dataSource.getRepository(Payment).findOneByOrFail({ outTradeNo: payment.outTradeNo });
}

function postNotify(t: TestApp, params: Record<string, string>, requestId?: string) {
  const req = t.http.post('/payments/alipay/notify').type('form');
  if (requestId) req.set('X-Request-Id', requestId);
  return req.send(new URLSearchParams(params).toString());
}

/** Alipay's request signature, checked independently of the service's code: every parameter but `sign`. */
function requestSignatureVerifies(params: Record<string, string>, publicKey: KeyObject | Buffer): boolean {
  const content = Object.keys(params).filter((k) => k !== 'sign').sort().map((k) => `${k}=${params[k]}`).join('&');
  return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, params.sign, 'base64');
}

/** Alipay's notify signature, made independently of the service's code: every field but `sign` and `sign_type`. */
function signAsAlipay(params: Record<string, string>, privateKey: KeyObject): Record<string, string> {
  const content = Object.keys(params).filter((k) => k !== 'sign' && k !== 'sign_type').sort().map((k) => `${k}=${params[k]}`).join('&');
  return { ...params, sign_type: 'RSA2', sign: createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64') };
}

function hiddenFields(html: string): Record<string, string> {
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [unescape(m[1]), unescape(m[2])]));
}

describeEachEngine('payments: Alipay channel (sandbox)', (ctx) => {
  const handler = useRecordingHandler(ctx);
  const sandbox = () => ctx().app.get(AlipaySandboxService);
  const appPublicKey = () => readFileSync(join(ctx().config.DATA_DIR, 'alipay-sandbox', 'app-public-key.pem'));

  it('builds a signed alipay.trade.wap.pay URL to the sandbox gateway that verifies with the app public key', async () => {
    const payment = await newPayment(ctx(), { amount: 30000, expiresAt: new Date('2030-01-07T09:57:55.000Z') });
    const url = new URL(ctx().app.get(AlipayService).payUrl(payment, { returnUrl: 'https://merchant.example/paid' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx().baseUrl}/dev/alipay/gateway`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      method: 'alipay.trade.wap.pay',
      sign_type: 'RSA2',
      app_id: SANDBOX_APP_ID,
      charset: 'utf-8',
      version: '1.0',
      notify_url: `${ctx().baseUrl}/payments/alipay/notify`,
      return_url: 'https://merchant.example/paid',
    });
    expect(params.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(JSON.parse(params.biz_content)).toEqual({
      out_trade_no: payment.outTradeNo,
      total_amount: '300.00',
      subject: SUBJECT,
      product_code: 'QUICK_WAP_WAY',
      time_expire: '2030-01-07 17:57:55',
    });
    expect(requestSignatureVerifies(params, appPublicKey())).toBe(true);
    expect(requestSignatureVerifies({ ...params, biz_content: params.biz_content.replace('300.00', '0.01') }, appPublicKey())).toBe(false);
  });

  it('prints odd amounts exactly: 9990 fen is "99.90", 1 fen is "0.01"', async () => {
    for (const [amount, yuan] of [[9990, '99.90'], [1, '0.01']] as const) {
      const payment = await newPayment(ctx(), { amount });
      const url = new URL(ctx().app.get(AlipayService).payUrl(payment));
      expect(JSON.parse(url.searchParams.get('biz_content')!).total_amount).toBe(yuan);
    }
  });

  it('POST /dev/alipay/pay pays through a signed notify: the payment is paid once and the handler runs once, in the transaction', async () => {
    const payment = await newPayment(ctx());
    const res = await ctx().http.post('/dev/alipay/pay').type('form').send(`out_trade_no=${payment.outTradeNo}`).expect(200);
    expect(res.body).toEqual({
      code: 1,
      errors: {},
      msg: '操作成功',
      result: {
        out_trade_no: payment.outTradeNo,
        trade_no: expect.stringMatching(/^\d{28}$/),
        notify_url: `${ctx().baseUrl}/payments/alipay/notify`,
        notify_response: 'success',
      },
    });
    const row = await stored(ctx(), payment);
    expect(row).toMatchObject({ status: PaymentStatus.Paid, tradeNo: res.body.result.trade_no, needsRefund: false, amount: 30000 });
    expect(row.paidAt).toBeInstanceOf(Date);
    expect(JSON.parse(row.notifyRaw!)).toMatchObject({ out_trade_no: payment.outTradeNo, total_amount: '300.00', trade_status: 'TRADE_SUCCESS' });
    expect(handler.calls.filter((c) => c.outTradeNo === payment.outTradeNo)).toEqual([{ outTradeNo: payment.outTradeNo, inTransaction: true }]);

    const again = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: payment.outTradeNo }).expect(422);
    expect(again.body).toEqual({ code: 42204, errors: {}, msg: '交易已支付', result: {} });
    expect(handler.callsFor(payment)).toBe(1);
  });

  it('POST /dev/alipay/pay takes JSON too, and refuses unknown, expired and missing payments', async () => {
    const payment = await newPayment(ctx(), { amount: 1990 });
    const res = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: payment.outTradeNo }).expect(200);
    expect(res.body.result.notify_response).toBe('success');
    expect((await stored(ctx(), payment)).status).toBe(PaymentStatus.Paid);

    const unknown = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: '20990101000000' }).expect(404);
    expect(unknown.body).toEqual({ code: 40401, errors: {}, msg: '交易不存在', result: {} });
    const missing = await ctx().http.post('/dev/alipay/pay').send({}).expect(400);
    expect(missing.body).toMatchObject({ code: 40001, errors: { out_trade_no: expect.any(String) } });
    const unexpectedField = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: payment.outTradeNo, total_amount: '0.01' }).expect(400);
    expect(unexpectedField.body.errors).toEqual({ total_amount: 'total_amount 是不支持的参数' });

    const expired = await newPayment(ctx(), { expiresAt: new Date(Date.now() - 1000) });
    const late = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: expired.outTradeNo }).expect(422);
    expect(late.body).toMatchObject({ code: 42204, msg: '交易已超时关闭' });
    expect((await stored(ctx(), expired)).status).toBe(PaymentStatus.Pending);
  });

  it('10 parallel copies of one signed notify all get "success"; the payment is paid and settled once', async () => {
    const payment = await newPayment(ctx());
    const notify = sandbox().signNotify(sandbox().notifyFor(payment));
    const responses = await Promise.all(Array.from({ length: 10 }, () => postNotify(ctx(), notify)));
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('success');
    }
    expect(handler.callsFor(payment)).toBe(1);
    const row = await stored(ctx(), payment);
    expect(row).toMatchObject({ status: PaymentStatus.Paid, tradeNo: notify.trade_no, needsRefund: false });
    expect(await ctx().dataSource.getRepository(Payment).countBy({ outTradeNo: payment.outTradeNo })).toBe(1);
  });

  it('TRADE_FINISHED settles as well, and a later retry changes nothing', async () => {
    const payment = await newPayment(ctx());
    const notify = sandbox().signNotify({ ...sandbox().notifyFor(payment), trade_status: 'TRADE_FINISHED' });
    expect((await postNotify(ctx(), notify)).text).toBe('success');
    const first = await stored(ctx(), payment);
    expect(first.status).toBe(PaymentStatus.Paid);
    expect((await postNotify(ctx(), sandbox().signNotify(sandbox().notifyFor(payment)))).text).toBe('success');
    const after = await stored(ctx(), payment);
    expect(after.tradeNo).toBe(first.tradeNo);
    expect(after.paidAt).toEqual(first.paidAt);
    expect(handler.callsFor(payment)).toBe(1);
  });

  it('accepts a JSON notify as well', async () => {
    const payment = await newPayment(ctx());
    const res = await ctx().http.post('/payments/alipay/notify').send(sandbox().signNotify(sandbox().notifyFor(payment))).expect(200);
    expect(res.text).toBe('success');
    expect((await stored(ctx(), payment)).status).toBe(PaymentStatus.Paid);
  });

  describe('a notify that fails verification gets "failure" and changes nothing', () => {
    const expectUntouched = async (payment: Payment) => {
      const row = await stored(ctx(), payment);
      expect(row).toMatchObject({ status: PaymentStatus.Pending, tradeNo: '', notifyRaw: null, paidAt: null, needsRefund: false });
      expect(handler.callsFor(payment)).toBe(0);
    };

    it('forged signature: another key, a field changed after signing, no signature, RSA1', async () => {
      const payment = await newPayment(ctx());
      const notify = sandbox().notifyFor(payment);
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const signed = sandbox().signNotify(notify);
      const forgeries = [
        signAsAlipay(notify, stranger),
        { ...signed, buyer_id: '2088999999999999' },
        { ...signed, trade_status: 'TRADE_SUCCESS ' },
        { ...notify },
        { ...signed, sign: 'AAAA' },
        { ...signed, sign_type: 'RSA' },
      ];
      for (const forged of forgeries) {
        const res = await postNotify(ctx(), forged);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.text).toBe('failure');
      }
      await expectUntouched(payment);
    });

    it('wrong amount (correctly signed): a fen less, more decimals than fen, not a number', async () => {
      const payment = await newPayment(ctx());
      for (const totalAmount of ['299.99', '300.001', '300.01', 'abc', '-300.00']) {
        const res = await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(payment), total_amount: totalAmount }));
        expect(res.text).toBe('failure');
      }
      await expectUntouched(payment);
    });

    it('wrong app_id or seller_id (correctly signed)', async () => {
      const payment = await newPayment(ctx());
      expect((await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(payment), app_id: '2021000000000001' }))).text).toBe('failure');
      expect((await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(payment), seller_id: '2088000000000009' }))).text).toBe('failure');
      const { seller_id: _omitted, ...withoutSeller } = sandbox().notifyFor(payment);
      expect((await postNotify(ctx(), sandbox().signNotify(withoutSeller))).text).toBe('failure');
      await expectUntouched(payment);
    });

    it('unknown out_trade_no (correctly signed), whatever its status', async () => {
      const payment = await newPayment(ctx());
      const ghost = { ...payment, outTradeNo: `${payment.outTradeNo}9` };
      for (const status of ['TRADE_SUCCESS', 'WAIT_BUYER_PAY']) {
        const res = await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(ghost), trade_status: status }));
        expect(res.text).toBe('failure');
      }
      expect(await ctx().dataSource.getRepository(Payment).countBy({ outTradeNo: ghost.outTradeNo })).toBe(0);
      await expectUntouched(payment);
    });
  });

  it('WAIT_BUYER_PAY and TRADE_CLOSED are acknowledged with "success" and never mark paid', async () => {
    const payment = await newPayment(ctx());
    for (const status of ['WAIT_BUYER_PAY', 'TRADE_CLOSED']) {
      const res = await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(payment), trade_status: status }));
      expect(res.text).toBe('success');
    }
    expect(await stored(ctx(), payment)).toMatchObject({ status: PaymentStatus.Pending, tradeNo: '', paidAt: null });
    expect(handler.callsFor(payment)).toBe(0);
  });

  it('money for a payment closed meanwhile is recorded as paid and flagged for refund; the handler is not called', async () => {
    const payment = await newPayment(ctx());
    const closed = await ctx().app.get(TransactionService).run((em) => ctx().app.get(PaymentService).closePending(em, payment.outTradeNo));
    expect(closed).toBe(true);
    const notify = sandbox().signNotify(sandbox().notifyFor(payment));
    expect((await postNotify(ctx(), notify)).text).toBe('success');
    const row = await stored(ctx(), payment);
    expect(row).toMatchObject({ status: PaymentStatus.Paid, needsRefund: true, tradeNo: notify.trade_no });
    expect(row.closedAt).toBeInstanceOf(Date);
    expect(handler.callsFor(payment)).toBe(0);
    expect((await postNotify(ctx(), notify)).text).toBe('success');
    expect((await stored(ctx(), payment)).paidAt).toEqual(row.paidAt);
  });

  it('a payment closed between the settlement read and its update is still recorded as paid and flagged', async () => {
    const payment = await newPayment(ctx());
    const { id } = await stored(ctx(), payment);
    // Stands in for a cancellation that commits after settle() read the payment as pending: just before the notify's
    // conditional update of the payment is sent, the row is closed on the same connection.
    const closedBefore = closeBeforeItsUpdate(ctx(), id);
    expect((await postNotify(ctx(), sandbox().signNotify(sandbox().notifyFor(payment)))).text).toBe('success');
    expect(closedBefore()).toBe(true);
    expect(await stored(ctx(), payment)).toMatchObject({ status: PaymentStatus.Paid, needsRefund: true });
    expect(handler.callsFor(payment)).toBe(0);
  });

  it('when the business object turns out closed inside settlement, the payment is paid once and flagged for refund', async () => {
    const payment = await newPayment(ctx());
    handler.closedBizNos.add(payment.bizNo);
    expect((await postNotify(ctx(), sandbox().signNotify(sandbox().notifyFor(payment)))).text).toBe('success');
    expect(await stored(ctx(), payment)).toMatchObject({ status: PaymentStatus.Paid, needsRefund: true });
    expect(handler.callsFor(payment)).toBe(1);
  });

  it('logs each notify outcome on its access line, a warning when refused', async () => {
    const access = jest.spyOn(ctx().app.get(AppLogger), 'request');
    const payment = await newPayment(ctx());
    await postNotify(ctx(), sandbox().signNotify({ ...sandbox().notifyFor(payment), total_amount: '1.00' }), 'notify-log-1').expect(200);
    await postNotify(ctx(), sandbox().signNotify(sandbox().notifyFor(payment)), 'notify-log-2').expect(200);
    // The access line is written once the answer has gone out.
    await new Promise((resolve) => setImmediate(resolve));
    expect(access).toHaveBeenCalledWith(expect.objectContaining({ request_id: 'notify-log-1', out_trade_no: payment.outTradeNo, outcome: 'amount_mismatch', reply: 'failure' }), 'warn');
    expect(access).toHaveBeenCalledWith(expect.objectContaining({ request_id: 'notify-log-2', trade_status: 'TRADE_SUCCESS', outcome: 'settled', reply: 'success' }), 'info');
    access.mockRestore();
  });

  it('an internal error answers a plain 500 "failure" (Alipay retries), never an envelope or a stack', async () => {
    const payment = await newPayment(ctx());
    const notify = sandbox().signNotify(sandbox().notifyFor(payment));
    const settle = jest.spyOn(ctx().app.get(PaymentService), 'settle').mockRejectedValueOnce(new Error('database went away'));
    const res = await postNotify(ctx(), notify).expect(500);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('failure');
    settle.mockRestore();
    expect((await postNotify(ctx(), notify)).text).toBe('success');
    expect(handler.callsFor(payment)).toBe(1);
  });

  describe('sandbox gateway page', () => {
    it('renders the checkout for a valid pay URL, and its button pays through a signed notify', async () => {
      const payment = await newPayment(ctx(), { amount: 30000, expiresAt: new Date('2030-01-07T09:57:55.000Z') });
      const url = new URL(ctx().app.get(AlipayService).payUrl(payment, { returnUrl: 'https://merchant.example/paid?order=1' }));
      const page = await ctx().http.get(`${url.pathname}${url.search}`).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      for (const text of ['300.00', payment.outTradeNo, SUBJECT, '2030-01-07 17:57:55', 'action="/dev/alipay/gateway/pay"', '确认支付']) {
        expect(page.text).toContain(text);
      }
      const fields = hiddenFields(page.text);
      expect(fields).toEqual(Object.fromEntries(url.searchParams));

      const paid = await ctx().http.post('/dev/alipay/gateway/pay').type('form').send(new URLSearchParams(fields).toString()).expect(200);
      expect(paid.headers['content-type']).toMatch(/^text\/html/);
      expect(paid.text).toContain('支付成功');
      expect(paid.text).toContain('success');
      expect((await stored(ctx(), payment)).status).toBe(PaymentStatus.Paid);
      expect(handler.callsFor(payment)).toBe(1);

      const back = new URL(/href="([^"]+)"/.exec(paid.text)![1].replace(/&amp;/g, '&'));
      expect(`${back.origin}${back.pathname}`).toBe('https://merchant.example/paid');
      const returned = Object.fromEntries(back.searchParams);
      expect(returned).toMatchObject({ order: '1', method: 'alipay.trade.wap.pay.return', out_trade_no: payment.outTradeNo, total_amount: '300.00', seller_id: SANDBOX_SELLER_ID });
      const alipayPublicKey = readFileSync(join(ctx().config.DATA_DIR, 'alipay-sandbox', 'alipay-public-key.pem'));
      const { sign, sign_type: _type, order: _merchantOwn, ...signedPart } = returned;
      const content = Object.keys(signedPart).sort().map((k) => `${k}=${signedPart[k]}`).join('&');
      expect(createVerify('RSA-SHA256').update(content, 'utf8').verify(alipayPublicKey, sign, 'base64')).toBe(true);

      const replay = await ctx().http.post('/dev/alipay/gateway/pay').type('form').send(new URLSearchParams(fields).toString()).expect(422);
      expect(replay.text).toContain('交易已支付');
      expect(handler.callsFor(payment)).toBe(1);
    });

    it('refuses a tampered URL with 400 and offers no button', async () => {
      const payment = await newPayment(ctx());
      const url = new URL(ctx().app.get(AlipayService).payUrl(payment));
      const biz = JSON.parse(url.searchParams.get('biz_content')!);
      url.searchParams.set('biz_content', JSON.stringify({ ...biz, total_amount: '0.01' }));
      const page = await ctx().http.get(`${url.pathname}${url.search}`).expect(400);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('签名验证失败');
      expect(page.text).not.toContain('<form');
      expect(page.text).not.toContain('<button');

      const fields = Object.fromEntries(url.searchParams);
      await ctx().http.post('/dev/alipay/gateway/pay').type('form').send(new URLSearchParams(fields).toString()).expect(400);
      const unsigned = new URL(ctx().app.get(AlipayService).payUrl(payment));
      unsigned.searchParams.delete('sign');
      await ctx().http.get(`${unsigned.pathname}${unsigned.search}`).expect(400);
      expect((await stored(ctx(), payment)).status).toBe(PaymentStatus.Pending);
      expect(handler.callsFor(payment)).toBe(0);
    });

    it('escapes what it shows', async () => {
      const payment = await ctx().app.get(TransactionService).run((em) =>
        ctx().app.get(PaymentService).createPending(em, {
          bizType: 'mall_trade',
          bizNo: 'TN-escape',
          amount: 500,
          subject: '<script>alert(1)</script>',
          expiresAt: new Date(Date.now() + 60_000),
        }),
      );
      const url = new URL(ctx().app.get(AlipayService).payUrl(payment));
      const page = await ctx().http.get(`${url.pathname}${url.search}`).expect(200);
      expect(page.text).not.toContain('<script>');
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });
  });
}, { env: NO_DEMO_DATA });

const liveApp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const liveAlipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const LIVE_APP_ID = '2021004100000001';
const LIVE_SELLER_ID = '2088101122334455';
const LIVE_GATEWAY = 'https://openapi.alipay.com/gateway.do';

describeEachEngine(
  'payments: Alipay channel (live)',
  (ctx) => {
    const handler = useRecordingHandler(ctx);

    it('has no sandbox: its routes are 404 and no sandbox keys are written', async () => {
      const api = await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: '1' }).expect(404);
      expect(api.body).toEqual({ code: 40401, errors: {}, msg: '接口不存在', result: {} });
      await ctx().http.get('/dev/alipay/gateway?app_id=1').expect(404);
      await ctx().http.post('/dev/alipay/gateway/pay').type('form').send('app_id=1').expect(404);
      expect(existsSync(join(ctx().config.DATA_DIR, 'alipay-sandbox'))).toBe(false);
    });

    it('signs pay URLs for the configured gateway and app with the configured key', async () => {
      const payment = await newPayment(ctx());
      const url = new URL(ctx().app.get(AlipayService).payUrl(payment));
      expect(`${url.origin}${url.pathname}`).toBe(LIVE_GATEWAY);
      const params = Object.fromEntries(url.searchParams);
      expect(params).toMatchObject({ app_id: LIVE_APP_ID, method: 'alipay.trade.wap.pay', sign_type: 'RSA2', notify_url: `${ctx().baseUrl}/payments/alipay/notify` });
      expect(requestSignatureVerifies(params, liveApp.publicKey)).toBe(true);
    });

    it('settles a notify signed with the Alipay key; refuses another seller or the wrong key', async () => {
      const payment = await newPayment(ctx(), { amount: 12345 });
      const notify = {
        notify_time: '2030-01-01 10:00:00',
        notify_type: 'trade_status_sync',
        notify_id: 'n1',
        app_id: LIVE_APP_ID,
        charset: 'utf-8',
        version: '1.0',
        trade_no: '2030010122001400000000000001',
        out_trade_no: payment.outTradeNo,
        seller_id: LIVE_SELLER_ID,
        trade_status: 'TRADE_SUCCESS',
        total_amount: '123.45',
        subject: SUBJECT,
      };
      expect((await postNotify(ctx(), signAsAlipay({ ...notify, seller_id: '2088000000000000' }, liveAlipay.privateKey))).text).toBe('failure');
      expect((await postNotify(ctx(), signAsAlipay(notify, liveApp.privateKey))).text).toBe('failure');
      expect((await stored(ctx(), payment)).status).toBe(PaymentStatus.Pending);

      expect((await postNotify(ctx(), signAsAlipay(notify, liveAlipay.privateKey))).text).toBe('success');
      expect(await stored(ctx(), payment)).toMatchObject({ status: PaymentStatus.Paid, tradeNo: notify.trade_no, amount: 12345 });
      expect(handler.callsFor(payment)).toBe(1);
    });
  },
  {
    env: {
      ...NO_DEMO_DATA,
      ALIPAY_MODE: 'live',
      ALIPAY_APP_ID: LIVE_APP_ID,
      ALIPAY_PRIVATE_KEY: liveApp.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ALIPAY_PUBLIC_KEY: liveAlipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      ALIPAY_GATEWAY: LIVE_GATEWAY,
      ALIPAY_SELLER_ID: LIVE_SELLER_ID,
    },
  },
);
