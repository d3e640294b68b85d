import { createPageSigner, DevSigningKeys } from '../../src/dev/swagger-signing';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../../src/database/demo-data/demo-data';
import { describeEachEngine } from '../support/each-engine';
import { OpenApiDoc as Doc, sample } from '../support/swagger-page';

/**
 * Every request example of `/docs-json`, sent as Swagger UI's "Try it out" sends it (the body built from the
 * schema's examples, signed by the page's own signer), on fresh demo data, in the order of the README's "Try it":
 * each must succeed. Identifiers the service generates (an `order_no`, a `trade_sn`, a payment's `out_trade_no`)
 * cannot be known to an example: like a person following the README, a step takes them from an earlier answer,
 * and says so in `from`. Nothing else is changed.
 */
const signer = createPageSigner();
const keys: DevSigningKeys = { partnerKey: 'partner-dev-key', mallAppId: DEMO_MALL_APP_ID, mallSecret: DEMO_MALL_SECRET };
const ADMIN = { Authorization: 'Bearer admin-dev-token' };

/** What the walk has learnt so far. */
interface Found {
  paidOrderNo?: string;
  alipayOrderNo?: string;
  alipayBillNo?: string;
  cancelOrderNo?: string;
  cancelBillNo?: string;
  tradeSn?: string;
  /** The `sig` of the trade's pay_link. */
  paySig?: string;
  paidMallOrderSn?: string;
}

interface Step {
  route: string;
  /** Why it differs from the example, and how: path parameters and body fields taken from earlier answers. */
  from?: (found: Found) => { path?: Record<string, string>; body?: Record<string, unknown> };
  learn?: (body: any, found: Found) => void;
  /** The answer's status when it is not 200. */
  status?: number;
}

/** The README's "Try it" order: partner pay first, then Alipay, admin, and the mall. */
const WALK: Step[] = [
  { route: 'GET /health' },
  { route: 'POST /app/partner/gift/list' },
  { route: 'POST /app/partner/order/pay', learn: (b, f) => (f.paidOrderNo = b.result.order_info.order_no) },
  { route: 'POST /app/partner/order/detail', from: (f) => ({ body: { order_no: f.paidOrderNo } }) },
  { route: 'POST /app/partner/order/list' },
  // README step 3: "Set pay_type to 2 and Execute".
  {
    route: 'POST /app/partner/order/pay',
    from: () => ({ body: { pay_type: 2 } }),
    learn: (b, f) => {
      f.alipayOrderNo = b.result.order_info.order_no;
      f.alipayBillNo = b.result.order_info.bill_no;
    },
  },
  { route: 'POST /app/partner/order/repay', from: (f) => ({ body: { order_no: f.alipayOrderNo } }) },
  { route: 'POST /dev/alipay/pay', from: (f) => ({ body: { out_trade_no: f.alipayBillNo } }) },
  { route: 'GET /dev/alipay/trades/{out_trade_no}', from: (f) => ({ path: { out_trade_no: f.alipayBillNo! } }) },
  {
    route: 'POST /app/partner/order/pay',
    from: () => ({ body: { pay_type: 2 } }),
    learn: (b, f) => {
      f.cancelOrderNo = b.result.order_info.order_no;
      f.cancelBillNo = b.result.order_info.bill_no;
    },
  },
  { route: 'POST /app/partner/order/cancel', from: (f) => ({ body: { order_no: f.cancelOrderNo } }) },
  // the cancelled order's old pay URL paid after all: late money, flagged for refund
  { route: 'POST /dev/alipay/pay', from: (f) => ({ body: { out_trade_no: f.cancelBillNo } }) },
  { route: 'GET /admin/payments' },
  { route: 'POST /admin/payments/{out_trade_no}/refund', from: (f) => ({ path: { out_trade_no: f.cancelBillNo! } }) },
  { route: 'GET /admin/partner/users/{id}' },
  { route: 'POST /admin/partner/users' },
  { route: 'POST /admin/partner/users/{id}/balance' },
  { route: 'POST /admin/partner/users/{id}/addresses' },
  { route: 'POST /admin/partner/levels' },
  { route: 'POST /admin/partner/gift-packs' },
  { route: 'POST /admin/partner/coupons' },
  { route: 'GET /admin/partner/orders' },
  { route: 'POST /admin/partner/orders/{order_no}/ship', from: (f) => ({ path: { order_no: f.paidOrderNo! } }) },
  { route: 'POST /app/partner/order/receive', from: (f) => ({ body: { order_no: f.paidOrderNo } }) },
  // README step 5: refund the order of step 2
  { route: 'POST /admin/partner/orders/{order_no}/refund', from: (f) => ({ path: { order_no: f.paidOrderNo! } }) },
  { route: 'GET /admin/partner/orders/{order_no}/refunds', from: (f) => ({ path: { order_no: f.paidOrderNo! } }) },
  { route: 'POST /order/pre' },
  {
    route: 'POST /order/create',
    learn: (b, f) => {
      f.tradeSn = b.data.trade_sn;
      f.paySig = new URL(b.data.pay_link).searchParams.get('sig')!;
    },
  },
  { route: 'POST /order/detail' },
  { route: 'GET /pay/{trade_sn}', from: (f) => ({ path: { trade_sn: f.tradeSn!, sig: f.paySig! } }) },
  // the page's Alipay button: a redirect to the signed pay URL
  { route: 'POST /pay/{trade_sn}', from: (f) => ({ path: { trade_sn: f.tradeSn!, sig: f.paySig! } }), status: 303 },
  { route: 'GET /admin/mall/trades/{trade_sn}', from: (f) => ({ path: { trade_sn: f.tradeSn! } }) },
  { route: 'POST /order/close' },
  { route: 'POST /admin/mall/apps' },
  { route: 'POST /admin/mall/stores' },
  { route: 'POST /admin/mall/goods' },
  { route: 'POST /admin/mall/members' },
  { route: 'GET /admin/mall/members/{uid}' },
  { route: 'POST /admin/mall/apps/{app_id}/members' },
  { route: 'DELETE /admin/mall/apps/{app_id}/members/{uid}' },
  { route: 'POST /admin/mall/members/{uid}/points' },
  { route: 'POST /admin/mall/members/{uid}/balance' },
  { route: 'POST /admin/mall/coupons' },
  { route: 'POST /admin/mall/orders/{order_sn}/ship', from: (f) => ({ path: { order_sn: f.paidMallOrderSn! } }) },
  { route: 'POST /order/refund', from: (f) => ({ body: { order_sn: f.paidMallOrderSn } }) },
  { route: 'GET /admin/mall/notifications' },
  // last: the sandbox loses the next answer of the method it names
  { route: 'POST /dev/alipay/faults' },
];

/** Alipay signs its notifies with its own RSA key: no example can be sent as given. `POST /dev/alipay/pay` sends a real one. */
const NOT_SENDABLE = ['POST /payments/alipay/notify'];

describeEachEngine('request examples of /docs-json, in the README\'s order', (ctx) => {
  let doc: Doc;
  const found: Found = {};

  beforeAll(async () => {
    doc = (await ctx().http.get('/docs-json').expect(200)).body;
  });

  it('the walk covers every operation of the document', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set([...WALK.map((s) => s.route), ...NOT_SENDABLE])).toEqual(new Set(routes));
  });

  /** A paid mall order to ship: the create example again under another outside_sn, paid on the sandbox. */
  async function payMallOrder(): Promise<void> {
    const create = doc.paths['/order/create'].post;
    const body = { ...(sample(create.requestBody!.content['application/json'].schema, doc) as object), outside_sn: 'EXAMPLES-PAID-1' };
    const signed = signer.signBody('mall', 'application/json', JSON.stringify(body), keys, { timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'examples-paid-1' })!;
    const created = await ctx().http.post('/order/create').set('Content-Type', 'application/json').send(signed).expect(200);
    const payLink = new URL(created.body.data.pay_link);
    const payUrl = new URL((await ctx().http.post(payLink.pathname + payLink.search).expect(303)).headers.location);
    const outTradeNo = JSON.parse(payUrl.searchParams.get('biz_content')!).out_trade_no;
    await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: outTradeNo }).expect(200);
    const trade = await ctx().http.get(`/admin/mall/trades/${created.body.data.trade_sn}`).set(ADMIN).expect(200);
    found.paidMallOrderSn = trade.body.result.orders[0].order_sn;
  }

  WALK.forEach((step, index) => {
    it(`${index + 1}. ${step.route}${step.from ? ' (with identifiers from earlier answers)' : ''}`, async () => {
      if (step.route === 'POST /admin/mall/orders/{order_sn}/ship') await payMallOrder();
      const [method, template] = step.route.split(' ');
      const op = doc.paths[template][method.toLowerCase()];
      const changes = step.from?.(found) ?? {};
      let path = template;
      const query: Record<string, string> = {};
      const headers: Record<string, string> = {};
      for (const p of op.parameters ?? []) {
        const value = changes.path?.[p.name] ?? p.example ?? p.schema?.example;
        expect(value).toBeDefined();
        if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(value)));
        else if (p.in === 'header') headers[p.name] = String(value);
        else query[p.name] = String(value);
      }
      let req = method === 'GET' ? ctx().http.get(path) : method === 'DELETE' ? ctx().http.delete(path) : ctx().http.post(path);
      req = req.query(query).set(headers);
      if (template.startsWith('/admin/')) req = req.set(ADMIN);
      if (op.requestBody) {
        const media = op.requestBody.content['application/json'];
        const body = { ...((media.example ?? sample(media.schema, doc)) as object), ...changes.body };
        const scheme = signer.schemeOf(method, template);
        const text = scheme
          ? signer.signBody(scheme, 'application/json', JSON.stringify(body), keys, { timestamp: String(Math.floor(Date.now() / 1000)), nonce: `examples-${index}` })!
          : JSON.stringify(body);
        req = req.set('Content-Type', 'application/json').send(text);
      }
      const res = await req;
      const outcome = `${res.status} ${res.text.slice(0, 300)}`;
      expect(outcome).toMatch(new RegExp(`^${step.status ?? 200} `));
      if (template.startsWith('/order/')) expect(res.body.result).toBe(1);
      else if (res.type === 'application/json') expect(res.body.code).toBe(1);
      if (template === '/dev/alipay/pay') expect(res.body.result.notify_response).toBe('success');
      step.learn?.(res.body, found);
    });
  });
});
