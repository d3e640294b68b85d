import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mallSign } from '../../src/common/signature/mall-signature';
import { MallMerchantNotification } from '../../src/database/entities/mall/mall-merchant-notification.entity';
import { MallOrder } from '../../src/database/entities/mall/mall-order.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { MerchantOutbox } from '../../src/mall/notify/merchant-outbox.service';
import { preIdOf } from '../../src/mall/pre-id';
import { enginesUnderTest } from '../support/engines';
import { cashierPath, pressAlipayButton } from '../support/cashier';
import { createTestApp, TestApp } from '../support/test-app';
import { ADMIN, createApp, createMember, MallAppCredentials, postMall, SEED_ADDRESS } from './mall-fixtures';

const MINUTE = 60_000;

/** A merchant's notify endpoint: answers each path from its script (then `success`), and records what came. */
class Merchant {
  readonly received: Array<{ path: string; form: Record<string, string> }> = [];
  private readonly scripts = new Map<string, Array<{ status: number; body: string }>>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, form: Object.fromEntries(new URLSearchParams(raw)) });
        const reply = this.scripts.get(path)?.shift() ?? { status: 200, body: 'success' };
        res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(path: string, replies: Array<{ status: number; body: string }>): string {
    this.scripts.set(path, replies);
    return `${this.url}${path}`;
  }

  hits(path: string) {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const FAIL = { status: 500, body: 'error' };

async function createTwoStoreTrade(t: TestApp, app: MallAppCredentials, outsideSn: string) {
  const uid = await createMember(t, 5000, 0, [app]);
  const res = await postMall(
    t,
    '/order/create',
    {
      outside_sn: outsideSn,
      uid,
      goods: [
        { goods_id: 164, total: 1 },
        { goods_id: 301, total: 1 },
      ],
      orders: [{ pre_id: preIdOf([301]), deduction_ids: ['point'] }],
      address: SEED_ADDRESS,
    },
    app,
  ).expect(200);
  return res.body.data as { trade_sn: string; total_price: number; pay_link: string; orders: Array<{ order_id: number; order_sn: string; price: number }> };
}

async function payThroughSandbox(t: TestApp, tradeSn: string): Promise<void> {
  await pressAlipayButton(t, tradeSn);
  const payment = await t.dataSource.manager.findOneByOrFail(Payment, { bizType: 'mall_trade', bizNo: tradeSn });
  const paid = await t.http.post('/dev/alipay/pay').send({ out_trade_no: payment.outTradeNo }).expect(200);
  expect(paid.body.result.notify_response).toBe('success');
}

function notificationsOf(t: TestApp, tradeSn: string): Promise<MallMerchantNotification[]> {
  return t.dataSource.manager
    .find(MallMerchantNotification, { order: { id: 'ASC' } })
    .then((rows) => rows.filter((r) => r.payload.trade_sn === tradeSn));
}

function expectSigned(form: Record<string, string>, secret: string): void {
  const { sign, ...params } = form;
  expect(sign).toBe(mallSign(params, secret));
}

for (const engine of enginesUnderTest()) {
  describe(`mall cashier, payment and merchant notifications [${engine}]`, () => {
    const merchant = new Merchant();
    let t: TestApp;

    beforeAll(async () => {
      await merchant.start();
      t = await createTestApp(engine);
    });

    afterAll(async () => {
      await t?.close();
      await merchant.close();
    });

    it('the cashier page shows the amount, the orders and an Alipay button; pressing it opens one payment, pressed again reuses it', async () => {
      const app = await createApp(t);
      const trade = await createTwoStoreTrade(t, app, 'CASHIER-1');
      const link = new URL(trade.pay_link);
      expect(`${link.origin}${link.pathname}`).toBe(`${t.baseUrl}/pay/${trade.trade_sn}`);
      expect(link.searchParams.get('sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const page = await t.http.get(link.pathname + link.search).expect(200).expect('content-type', /text\/html/);
      // 25.00 (store 1) + 39.90 - 19.95 points + 5.00 shipping (store 3)
      expect(trade.total_price).toBe(49.95);
      expect(page.text).toContain('¥49.95');
      expect(page.text).toContain('¥25.00');
      expect(page.text).toContain('¥24.95');
      for (const order of trade.orders) expect(page.text).toContain(order.order_sn);
      expect(page.text).toContain('自营');
      expect(page.text).toContain('生鲜超市');
      const action = /<form method="post" action="([^"]+)"><button class="pay" id="alipay"/.exec(page.text)?.[1].replace(/&amp;/g, '&');
      expect(action).toBe(link.pathname + link.search);
      expect(await t.dataSource.manager.countBy(Payment, { bizType: 'mall_trade', bizNo: trade.trade_sn })).toBe(0);

      const pressed = await t.http.post(action!).expect(303);
      const payUrl = new URL(pressed.headers.location);
      expect(payUrl.href).toMatch(new RegExp(`^${t.baseUrl}/dev/alipay/gateway\\?`));
      expect(payUrl.searchParams.get('method')).toBe('alipay.trade.wap.pay');
      expect(payUrl.searchParams.get('return_url')).toBe(trade.pay_link);
      const payments = await t.dataSource.manager.findBy(Payment, { bizType: 'mall_trade', bizNo: trade.trade_sn });
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({ amount: 4995, status: 0 });
      expect(JSON.parse(payUrl.searchParams.get('biz_content')!)).toMatchObject({ out_trade_no: payments[0].outTradeNo, total_amount: '49.95' });
      // the sandbox gateway accepts the URL's signature
      await t.http.get(`${payUrl.pathname}${payUrl.search}`).expect(200);

      await Promise.all([1, 2, 3].map(() => t.http.post(action!).expect(303)));
      expect(await t.dataSource.manager.countBy(Payment, { bizType: 'mall_trade', bizNo: trade.trade_sn })).toBe(1);
      const missing = await t.http.get(`/pay/TN000000000000ABCDEF?sig=${link.searchParams.get('sig')}`).expect(404);
      expect(missing.text).toContain('订单不存在');
    });

    it('paying marks every order paid and queues one notification; a merchant failing twice gets it three times, then never again, across a restart', async () => {
      const notifyUrl = merchant.script('/paid', [FAIL, { status: 200, body: 'failure' }]);
      const app = await createApp(t, notifyUrl);
      const trade = await createTwoStoreTrade(t, app, 'PAY-1');
      await payThroughSandbox(t, trade.trade_sn);

      const em = t.dataSource.manager;
      const row = await em.findOneByOrFail(MallTrade, { tradeSn: trade.trade_sn });
      expect(row.status).toBe(1);
      const orders = await em.findBy(MallOrder, { tradeId: row.id });
      expect(orders.map((o) => o.status)).toEqual([1, 1]);
      expect(orders.every((o) => o.paidAt instanceof Date)).toBe(true);
      const queued = await notificationsOf(t, trade.trade_sn);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ appId: app.appId, event: 'trade_paid', status: 'pending', attempts: 0 });
      expect((await t.http.get(cashierPath(t, trade.trade_sn)).expect(200)).text).toContain('订单已支付');

      const t0 = Date.now();
      expect(await t.app.get(MerchantOutbox).deliverDue(new Date(t0))).toEqual({ delivered: 0, retrying: 1, failed: 0 });
      expect(merchant.hits('/paid')).toHaveLength(1);
      await t.app.get(MerchantOutbox).deliverDue(new Date(t0 + 30_000));
      expect(merchant.hits('/paid')).toHaveLength(1);

      // restart on the same database: the pending notification is still there
      const database = t.database;
      await t.close({ keepDatabase: true });
      t = await createTestApp(engine, { database });
      expect(await notificationsOf(t, trade.trade_sn)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, lastError: 'HTTP 500: error' })]);

      const outbox = t.app.get(MerchantOutbox);
      await outbox.deliverDue(new Date(t0 + MINUTE + 1000));
      expect(merchant.hits('/paid')).toHaveLength(2);
      await outbox.deliverDue(new Date(t0 + 4 * MINUTE));
      expect(merchant.hits('/paid')).toHaveLength(2);
      expect(await outbox.deliverDue(new Date(t0 + 7 * MINUTE))).toEqual({ delivered: 1, retrying: 0, failed: 0 });
      expect(merchant.hits('/paid')).toHaveLength(3);
      await outbox.deliverDue(new Date(t0 + 3 * 24 * 60 * MINUTE));
      expect(merchant.hits('/paid')).toHaveLength(3);

      // one notify_id, chosen when the event was written, on every attempt and across the restart; fresh nonces
      const [delivered] = await notificationsOf(t, trade.trade_sn);
      expect(delivered.notifyId).toMatch(/^[0-9a-f]{32}$/);
      expect(delivered.notifyId).toBe(queued[0].notifyId);
      for (const { form } of merchant.hits('/paid')) {
        expect(form).toMatchObject({ app_id: app.appId, event: 'trade_paid', outside_sn: 'PAY-1', trade_sn: trade.trade_sn, order_sn: '', status: '1', notify_id: delivered.notifyId });
        expect(form.timestamp).toMatch(/^\d{10}$/);
        expectSigned(form, app.secret);
      }
      expect(new Set(merchant.hits('/paid').map((h) => h.form.nonce)).size).toBe(3);
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 3 });
    });

    it('shipping an order and closing a trade each queue one notification; two workers at once deliver an attempt once', async () => {
      const notifyUrl = merchant.script('/events', []);
      const app = await createApp(t, notifyUrl);
      const paid = await createTwoStoreTrade(t, app, 'SHIP-1');
      await payThroughSandbox(t, paid.trade_sn);
      const shipped = await t.http
        .post(`/admin/mall/orders/${paid.orders[0].order_sn}/ship`)
        .set(ADMIN)
        .send({ express_name: '顺丰速运', express_number: 'SF1234567890123' })
        .expect(200);
      expect(shipped.body.result).toMatchObject({ order_sn: paid.orders[0].order_sn, status: 2 });
      const again = await t.http.post(`/admin/mall/orders/${paid.orders[0].order_sn}/ship`).set(ADMIN).send({ express_name: '顺丰速运', express_number: 'SF1' }).expect(422);
      expect(again.body.code).toBe(42204);
      const open = await createTwoStoreTrade(t, app, 'SHIP-CLOSE-1');
      await postMall(t, '/order/close', { outside_sn: 'SHIP-CLOSE-1' }, app).expect(200);

      const events = [...(await notificationsOf(t, paid.trade_sn)), ...(await notificationsOf(t, open.trade_sn))].map((n) => [n.event, n.payload.order_sn, n.payload.status]);
      expect(events).toEqual([
        ['trade_paid', '', 1],
        ['order_shipped', paid.orders[0].order_sn, 2],
        ['trade_closed', '', -1],
      ]);

      const outbox = t.app.get(MerchantOutbox);
      const now = new Date(Date.now() + 1000);
      const [a, b] = await Promise.all([outbox.deliverDue(now), outbox.deliverDue(now)]);
      expect(a.delivered + b.delivered).toBe(3);
      expect(merchant.hits('/events').map((h) => h.form.event).sort()).toEqual(['order_shipped', 'trade_closed', 'trade_paid']);
      // each event its own notify_id
      expect(new Set(merchant.hits('/events').map((h) => h.form.notify_id)).size).toBe(3);
    });

    it('a notification the merchant never accepts is failed after its last retry and listed for operators', async () => {
      const notifyUrl = merchant.script('/broken', Array.from({ length: 10 }, () => FAIL));
      const app = await createApp(t, notifyUrl);
      const trade = await createTwoStoreTrade(t, app, 'BROKEN-1');
      await postMall(t, '/order/close', { outside_sn: 'BROKEN-1' }, app).expect(200);

      const outbox = t.app.get(MerchantOutbox);
      const delays = [0, 1, 5, 15, 60, 360, 1440];
      let at = Date.now();
      for (const minutes of delays) {
        at += minutes * MINUTE + 1000;
        await outbox.deliverDue(new Date(at));
      }
      expect(merchant.hits('/broken')).toHaveLength(7);
      await outbox.deliverDue(new Date(at + 7 * 24 * 60 * MINUTE));
      expect(merchant.hits('/broken')).toHaveLength(7);
      expect(await notificationsOf(t, trade.trade_sn)).toEqual([expect.objectContaining({ status: 'failed', attempts: 7 })]);

      const listed = await t.http.get('/admin/mall/notifications?status=failed').set(ADMIN).expect(200);
      expect(listed.body.result.list).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            notify_id: merchant.hits('/broken')[0].form.notify_id,
            app_id: app.appId,
            event: 'trade_closed',
            trade_sn: trade.trade_sn,
            status: 'failed',
            attempts: 7,
            last_error: 'HTTP 500: error',
          }),
        ]),
      );
    });

    it('MERCHANT_NOTIFY_RETRY_SECONDS sets the schedule: retries after 2 s, then 4 s, then failed', async () => {
      const own = await createTestApp(engine, { env: { MERCHANT_NOTIFY_RETRY_SECONDS: '2,4' } });
      try {
        const notifyUrl = merchant.script('/short', Array.from({ length: 5 }, () => FAIL));
        const app = await createApp(own, notifyUrl);
        const trade = await createTwoStoreTrade(own, app, 'SHORT-1');
        await postMall(own, '/order/close', { outside_sn: 'SHORT-1' }, app).expect(200);
        const outbox = own.app.get(MerchantOutbox);
        const t0 = Date.now();
        const nextAt = async () => (await notificationsOf(own, trade.trade_sn))[0].nextAttemptAt.getTime();
        await outbox.deliverDue(new Date(t0));
        expect(await nextAt()).toBe(t0 + 2000);
        await outbox.deliverDue(new Date(t0 + 1999));
        expect(merchant.hits('/short')).toHaveLength(1);
        await outbox.deliverDue(new Date(t0 + 2000));
        expect(await nextAt()).toBe(t0 + 2000 + 4000);
        expect(await outbox.deliverDue(new Date(t0 + 6000))).toEqual({ delivered: 0, retrying: 0, failed: 1 });
        expect(merchant.hits('/short')).toHaveLength(3);
        expect(new Set(merchant.hits('/short').map((h) => h.form.notify_id)).size).toBe(1);
      } finally {
        await own.close();
      }
    });

    it('a notification written before notify_id existed gets its id as notify_id on upgrade, and sends it', async () => {
      let own = await createTestApp(engine);
      try {
        const notifyUrl = merchant.script('/upgraded', []);
        const app = await createApp(own, notifyUrl);
        const trade = await createTwoStoreTrade(own, app, 'UPGRADED-1');
        await postMall(own, '/order/close', { outside_sn: 'UPGRADED-1' }, app).expect(200);
        const [row] = await notificationsOf(own, trade.trade_sn);
        // the previous release: no column, and no record of the step that adds it (MySQL: its migration; SQLite: the
        // user_version of the one-time steps, 1 then)
        await own.dataSource.query('ALTER TABLE mall_merchant_notifications DROP COLUMN notify_id');
        if (own.engine === 'mysql') await own.dataSource.query("DELETE FROM migrations WHERE name = 'MerchantNotifyId1796190700000'");
        else await own.dataSource.query('PRAGMA user_version = 1');
        await own.close({ keepDatabase: true });
        own = await createTestApp(engine, { database: own.database });

        const [upgraded] = await notificationsOf(own, trade.trade_sn);
        expect(upgraded.notifyId).toBe(row.id.toString(16).padStart(32, '0'));
        await own.app.get(MerchantOutbox).deliverDue(new Date(Date.now() + 1000));
        expect(merchant.hits('/upgraded').map((h) => h.form.notify_id)).toEqual([upgraded.notifyId]);
        expectSigned(merchant.hits('/upgraded')[0].form, app.secret);
      } finally {
        await own.close();
      }
    });
  });
}
