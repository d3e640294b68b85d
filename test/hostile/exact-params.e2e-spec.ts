import { createHash } from 'node:crypto';
import { preIdOf } from '../../src/mall/pre-id';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';
import { createMember, DEMO_APP, postMall, SEED_ADDRESS, walletAudit } from '../mall/mall-fixtures';
import { ADMIN_AUTH, DEMO_PACK, newCoupon, newUser, nonce, ordersOf, partnerPost, walletOf } from '../partner/partner-fixtures';
import { businessSnapshot, expectRefused, hex } from './hostile-support';

type Params = Record<string, unknown>;

/** A signed POST whose parameters are split between the query string (`query`) and the JSON body (`body`). */
function postSplit(t: TestApp, path: string, signed: Params & { sign: string }, queryNames: string[]) {
  const query = new URLSearchParams();
  const body: Params = {};
  for (const [name, value] of Object.entries(signed)) {
    if (queryNames.includes(name)) query.append(name, String(value));
    else body[name] = value;
  }
  return t.http.post(`${path}?${query.toString()}`).send(body);
}

const mallPreParams = (uid: number): Params => ({ uid, goods: [{ goods_id: 164, total: 1 }], dispatch_type_id: 1, member_coupon_ids: '' });

/** Lets the access line of the answer just received be written (Fastify writes it once the answer has gone out). */
const accessLineWritten = () => new Promise((resolve) => setImmediate(resolve));

describeEachEngine('exact parameters', (ctx) => {
  describe('a signed query parameter is never silently ignored', () => {
    it('a partner pay with a parameter it does not take in the signed query is 40001 naming it; no order, no charge', async () => {
      const t = ctx();
      const { userId, addressId } = await newUser(t, { balance: 1000 });
      const before = await businessSnapshot(t);
      const signed = signPartner({ user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: DEMO_PACK, nonce: nonce(), discount: 'all' });
      const res = await postSplit(t, '/app/partner/order/pay', signed, ['discount']);
      expectRefused(res, 'partner', 400, 40001);
      expect(Object.keys(res.body.errors)).toEqual(['discount']);
      expect(await businessSnapshot(t)).toEqual(before);
      expect(await ordersOf(t, userId)).toHaveLength(0);
    });

    it('a partner pay with coupon_id in the signed query uses the coupon (it was charged full price)', async () => {
      const t = ctx();
      const { userId, addressId } = await newUser(t, { balance: 1000 });
      const couponId = await newCoupon(t, userId, 50);
      const signed = signPartner({ user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: DEMO_PACK, nonce: nonce(), coupon_id: couponId });
      const res = await postSplit(t, '/app/partner/order/pay', signed, ['coupon_id']);
      expect({ status: res.status, code: res.body.code, deduct: res.body.result?.order_info?.deduct_price }).toEqual({ status: 200, code: 1, deduct: 50 });
      expect((await walletOf(t, userId)).balance).toBe(100_000 - 25_000);
    });

    it('a mall create with a parameter it does not take in the signed query is 40001 naming it; no trade made', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const before = await businessSnapshot(t);
      const signed = signMall({ ...mallPreParams(uid), outside_sn: `EX-${hex(6)}`, address: SEED_ADDRESS, campaign: 'x' });
      const res = await postSplit(t, '/order/create', signed, ['campaign']);
      expectRefused(res, 'mall', 400, 40001);
      expect(Object.keys(res.body.data.errors)).toEqual(['campaign']);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('a parameter in both the query and the body is 40001', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const signed = signMall(mallPreParams(uid));
      const res = await t.http.post(`/order/pre?uid=${uid + 1}`).send(signed);
      expectRefused(res, 'mall', 400, 40001);
      expect(Object.keys(res.body.data.errors)).toEqual(['uid']);
    });
  });

  describe('odd parameter names', () => {
    it.each([
      ['a&b', 'partner'],
      ['x=y', 'partner'],
      ['名字', 'partner'],
      ['a b', 'mall'],
      ['a&b', 'mall'],
    ] as const)('a signed query parameter named %p is 40001 (%s)', async (name, family) => {
      const t = ctx();
      const signed =
        family === 'partner' ? signPartner({ user_id: (await newUser(t)).userId, [name]: '1' }) : signMall({ ...mallPreParams(await createMember(t)), [name]: '1' });
      const before = await businessSnapshot(t);
      const res = await postSplit(t, family === 'partner' ? '/app/partner/gift/list' : '/order/pre', signed, [name]);
      expectRefused(res, family, 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('a query key "nonce=N&order_goods=&orders" (the canonical string of three parameters) is 40001, not a create without its nonce', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const before = await businessSnapshot(t);
      const key = 'nonce=N1&order_goods=&orders';
      const signed = signMall({ ...mallPreParams(uid), outside_sn: `EX-${hex(6)}`, address: SEED_ADDRESS, [key]: '' });
      const { [key]: _, ...body } = signed;
      const res = await t.http.post(`/order/create?${encodeURIComponent(key)}=`).send(body);
      expectRefused(res, 'mall', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('form keys with brackets (goods[0][goods_id]) are still plain parameter names', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const params = signMall({ uid: String(uid), goods: [{ goods_id: '164', total: '1' }], dispatch_type_id: '1', member_coupon_ids: '' });
      const form = `app_id=${params.app_id}&uid=${uid}&goods[0][goods_id]=164&goods[0][total]=1&dispatch_type_id=1&member_coupon_ids=&sign=${params.sign}`;
      const res = await t.http.post('/order/pre').type('form').send(form);
      expect({ status: res.status, result: res.body.result }).toEqual({ status: 200, result: 1 });
    });
  });

  describe('names every object inherits', () => {
    it.each(['constructor', 'hasOwnProperty', '__proto__', 'toString'])('a signed mall body parameter named %p is 40001, not waved through the whitelist', async (name) => {
      const t = ctx();
      const params: Params = mallPreParams(await createMember(t));
      Object.defineProperty(params, name, { value: 'x', enumerable: true, configurable: true, writable: true });
      const res = await postMall(t, '/order/pre', params);
      expectRefused(res, 'mall', 400, 40001);
      expect(Object.keys(res.body.data.errors)).toEqual([name]);
    });

    it('a partner form body with constructor=1 is 40001', async () => {
      const t = ctx();
      const { userId } = await newUser(t);
      const signed = signPartner({ user_id: userId, constructor: '1' } as Params);
      const res = await t.http.post('/app/partner/gift/list').type('form').send(`user_id=${userId}&constructor=1&sign=${signed.sign}`);
      expectRefused(res, 'partner', 400, 40001);
    });
  });

  describe('null and "" are one value in the mall scheme', () => {
    it('/order/refund with amount null is refused as amount "" is: no refund of the whole order', async () => {
      const t = ctx();
      const uid = await createMember(t, 0, 1000);
      const created = await postMall(t, '/order/create', {
        outside_sn: `EX-${hex(6)}`,
        uid,
        goods: [{ goods_id: 301, total: 1 }],
        orders: [{ pre_id: preIdOf([301]), deduction_ids: ['balance'] }],
        address: SEED_ADDRESS,
      }).expect(200);
      const orderSn: string = created.body.data.orders[0].order_sn;
      const before = await businessSnapshot(t);
      const walletBefore = await walletAudit(t, 'mall_member', String(uid));
      const answers = [];
      for (const amount of [null, '']) {
        const res = await postMall(t, '/order/refund', { order_sn: orderSn, amount, reason: '买家申请退款' });
        expectRefused(res, 'mall', 400, 40001);
        answers.push(res.body);
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(await walletAudit(t, 'mall_member', String(uid))).toEqual(walletBefore);
      expect(await businessSnapshot(t)).toEqual(before);
    });
  });

  describe("YunShop's i and route", () => {
    it('i is accepted on a mall route without being signed, in the body or the query', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const signed = signMall(mallPreParams(uid));
      const inBody = await t.http.post('/order/pre').send({ ...signed, i: 2 });
      expect({ status: inBody.status, result: inBody.body.result }).toEqual({ status: 200, result: 1 });
      const inQuery = await t.http.post('/order/pre?i=2').send(signed);
      expect({ status: inQuery.status, result: inQuery.body.result }).toEqual({ status: 200, result: 1 });
    });

    it.each(['order.pre', '/order/pre'])('route %p, signed, is accepted on /order/pre', async (route) => {
      const t = ctx();
      const res = await postMall(t, '/order/pre', { ...mallPreParams(await createMember(t)), route });
      expect({ status: res.status, result: res.body.result }).toEqual({ status: 200, result: 1 });
    });

    it.each(['order.create', '/order/create', 'order.pre.x'])('route %p on /order/pre is 40001', async (route) => {
      const t = ctx();
      const res = await postMall(t, '/order/pre', { ...mallPreParams(await createMember(t)), route });
      expectRefused(res, 'mall', 400, 40001);
      expect(Object.keys(res.body.data.errors)).toEqual(['route']);
    });

    it('route is signed: added after signing, it breaks the signature (40101)', async () => {
      const t = ctx();
      const signed = signMall(mallPreParams(await createMember(t)));
      expectRefused(await t.http.post('/order/pre').send({ ...signed, route: 'order.pre' }), 'mall', 401, 40101);
    });
  });

  describe('browser headers', () => {
    it('every answer carries nosniff: success, refusal, unknown route, undecodable path, health', async () => {
      const t = ctx();
      const answers = [
        await t.http.get('/health'),
        await t.http.post('/order/pre').send({ app_id: DEMO_APP.appId, sign: 'x' }),
        await t.http.get('/no/such/route'),
        await t.http.get('/order/%E0%A4%A'),
        await t.http.post('/app/partner/gift/list').type('json').send('{'),
        await t.http.get('/docs-json'),
      ];
      expect(answers.map((res) => res.headers['x-content-type-options'])).toEqual(answers.map(() => 'nosniff'));
    });

    it('admin answers and partner order detail carry no-store and nosniff', async () => {
      const t = ctx();
      const { userId, addressId } = await newUser(t, { balance: 1000 });
      const paid = await partnerPost(t, 'order/pay', { user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: DEMO_PACK, nonce: nonce() }).expect(200);
      const answers = [
        await t.http.get(`/admin/partner/users/${userId}`).set('Authorization', ADMIN_AUTH).expect(200),
        await t.http.get('/admin/partner/orders').set('Authorization', ADMIN_AUTH).expect(200),
        await partnerPost(t, 'order/detail', { user_id: userId, order_no: paid.body.result.order_info.order_no }).expect(200),
      ];
      expect(answers.map((res) => [res.headers['cache-control'], res.headers['x-content-type-options']])).toEqual(answers.map(() => ['no-store', 'nosniff']));
    });

    it('the cashier page carries a Content-Security-Policy that runs no script, and no-store', async () => {
      const t = ctx();
      const created = await postMall(t, '/order/create', { ...mallPreParams(await createMember(t)), outside_sn: `EX-${hex(6)}`, address: SEED_ADDRESS }).expect(200);
      const link = new URL(created.body.data.pay_link);
      const page = await t.http.get(`${link.pathname}${link.search}`).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
      const csp = page.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/script-src/);
      expect(csp).toContain("frame-ancestors 'none'");
    });

    it('/docs carries a Content-Security-Policy allowing its own files and, by hash, exactly its inline scripts', async () => {
      const t = ctx();
      const page = await t.http.get('/docs').redirects(1).expect(200);
      const csp: string = page.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'none'");
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1].split(' ') ?? [];
      const inline = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
      expect(scriptSrc.sort()).toEqual(["'self'", ...inline].sort());
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
      expect(page.text).toMatch(/<script src=["']?\.?\/?(docs\/)?swagger-ui-bundle\.js/);
    });
  });
});

describeEachEngine(
  'log lines copied from requests',
  (ctx) => {
    it('10 unsigned notifies with a 100 kB out_trade_no add at most one short line each', async () => {
      const t = ctx();
      const written: string[] = [];
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
      try {
        for (let i = 0; i < 10; i++) {
          const res = await t.http.post('/payments/alipay/notify').type('form').send({ out_trade_no: 'X'.repeat(100_000), trade_status: 'T'.repeat(1000), sign: 'forged' });
          expect(res.text).toBe('failure');
          await accessLineWritten();
        }
        const path = `/payments/alipay/notify?${'q'.repeat(10_000)}=1`;
        await t.http.post(path).type('form').send({ out_trade_no: 'x' });
        await accessLineWritten();
      } finally {
        write.mockRestore();
      }
      const lines = written.join('').split('\n').filter((line) => line !== '');
      expect(lines.length).toBeLessThanOrEqual(11);
      for (const line of lines) expect(line.length).toBeLessThan(1024);
      expect(lines.some((line) => /"outcome"/.test(line))).toBe(true);
    });
  },
  { env: { LOG_LEVEL: 'info' } },
);
