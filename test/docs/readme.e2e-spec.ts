import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCommand } from '../../scripts/sign';
import type { Response } from 'supertest';
import { SwaggerPage } from '../support/swagger-page';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The README as a newcomer uses it: the first screen says how to install, start and test; every `npm run X` it
 * names exists; "Try it" is true step by step on the Swagger page (the page's own request handling, its prefilled
 * examples, the pages it links to); and its shell commands that talk to the service (`curl ...`,
 * `npm run sign -- ...` and the curl that prints) work as written against a freshly started service with the demo data.
 */
const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);

const unescapeHtml = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The lines of the README's ```bash blocks, indentation removed. */
function bashLines(): string[] {
  return [...README.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

describe('README', () => {
  it('shows npm install, npm start and npm test within its first 3000 characters', () => {
    const first = README.slice(0, 3000);
    for (const command of ['npm install', 'npm start', 'npm test']) expect(first).toContain(command);
  });

  it('names only npm scripts that exist, and so do the docs', () => {
    const named = (text: string) => [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(named(README).length).toBeGreaterThan(5);
    expect(named(README).filter((name) => !SCRIPTS.includes(name))).toEqual([]);
    for (const file of readdirSync(join(ROOT, 'docs'))) {
      expect({ file, missing: named(readFileSync(join(ROOT, 'docs', file), 'utf8')).filter((name) => !SCRIPTS.includes(name)) }).toEqual({ file, missing: [] });
    }
  });

  it('stays short: under 8 KB, the depth in docs/', () => {
    expect(Buffer.byteLength(README)).toBeLessThan(8192);
  });

  it('no longer claims that Execute in Swagger returns the same order', () => {
    expect(README).not.toMatch(/Execute again within 60 s/);
  });

  describe('"Try it" as written: each step\'s requests on the Swagger page, in the README\'s order', () => {
    let t: TestApp;
    let page: SwaggerPage;
    const USER = '41840909af844632885424fbc20cae79';
    /** Identifiers the steps read from earlier answers, as the README tells the reader to. */
    const found: { walletOrderNo?: string; alipayOrderNo?: string; alipayBillNo?: string; refundNo?: string; tradeSn?: string; payLink?: string; orderSns?: string[] } = {};

    beforeAll(async () => {
      t = await createTestApp('sqlite');
      page = await SwaggerPage.open(t.http);
    });
    afterAll(() => t.close());

    const ok = (res: Response) => {
      expect(`${res.status} ${res.text.slice(0, 300)}`).toMatch(/^200 /);
      return res.body;
    };
    const balance = async () => ok(await page.execute('GET /admin/partner/users/{id}')).result.balance;

    /** Presses a page's form button as a browser does: the form's fields, form-encoded, to its action. */
    const submit = async (html: string, button: RegExp) => {
      expect(html).toMatch(button);
      const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html)!;
      const fields = [...form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(([, name, value]): [string, string] => [unescapeHtml(name), unescapeHtml(value)]);
      return t.http.post(unescapeHtml(form[1])).type('form').send(new URLSearchParams(fields).toString());
    };
    /** Opens a URL the service handed out (it names the service's own base URL). */
    const open = (url: string) => {
      expect(url.startsWith(t.baseUrl)).toBe(true);
      return t.http.get(url.slice(t.baseUrl.length));
    };
    /** The sandbox gateway page behind a pay URL: "确认支付 / Pay" posts the notify; the page says it was accepted. */
    const payOnSandbox = async (payUrl: string) => {
      const checkout = await open(payUrl).expect(200);
      const paid = await submit(checkout.text, /确认支付 \/ Pay/);
      expect(paid.status).toBe(200);
      expect(paid.text).toContain('支付成功 / Paid');
    };

    /** Each step: what the README says (in its order, whitespace aside) and the requests that must bear it out. */
    const STEPS: Array<{ step: string; says: string[]; run: () => Promise<void> }> = [
      {
        step: '2. pay with the wallet',
        says: ['`"code": 1`, `order_status` 1, and the wallet goes from 10000.00 to 9700.00', 'tick **Retry last**', 'the same order comes back, no second charge'],
        run: async () => {
          const paid = ok(await page.execute('POST /app/partner/order/pay'));
          expect(paid.code).toBe(1);
          expect(paid.result.order_info.order_status).toBe(1);
          found.walletOrderNo = paid.result.order_info.order_no;
          expect(await balance()).toBe(9700);
          page.retryLast = true;
          const again = ok(await page.execute('POST /app/partner/order/pay'));
          page.retryLast = false;
          expect(again.result.order_info.order_no).toBe(found.walletOrderNo);
          expect(await balance()).toBe(9700);
        },
      },
      {
        step: '3. pay with the Alipay sandbox',
        says: ['Set `pay_type` to `2` and Execute: `order_status` 0 and an `ali_pay_url` to the local sandbox gateway', '**确认支付 / Pay**', 'shows `order_status` 1 and a `third_order_no`'],
        run: async () => {
          const { result } = ok(await page.execute('POST /app/partner/order/pay', { body: { pay_type: 2 } }));
          expect(result.order_info.order_status).toBe(0);
          expect(result.ali_pay_url.startsWith(`${t.baseUrl}/dev/alipay/gateway?`)).toBe(true);
          found.alipayOrderNo = result.order_info.order_no;
          found.alipayBillNo = result.order_info.bill_no;
          await payOnSandbox(result.ali_pay_url);
          const detail = ok(await page.execute('POST /app/partner/order/detail', { body: { order_no: found.alipayOrderNo } }));
          expect(detail.result.order_info.order_status).toBe(1);
          expect(detail.result.order_info.third_order_no).not.toBe('');
        },
      },
      {
        step: '4. admin',
        says: ['`GET /admin/partner/users/{id}` shows the demo user\'s balance (9700) and level (`V5`)'],
        run: async () => {
          expect(ok(await page.execute('GET /admin/partner/users/{id}')).result).toMatchObject({ id: USER, balance: 9700, level_id: 'V5' });
        },
      },
      {
        step: '5. refund it',
        says: [
          '(`amount` 300): `status: "success"`, the wallet is back at 10000.00, the order closed (-1)',
          '**Retry last** gives the same `refund_no` back; Execute again is 42204',
          'with its `bill_no` shows it',
        ],
        run: async () => {
          const refunded = ok(await page.execute('POST /admin/partner/orders/{order_no}/refund', { params: { order_no: found.walletOrderNo! } }));
          expect(refunded.result).toMatchObject({ order_no: found.walletOrderNo, amount: 300, status: 'success' });
          expect(await balance()).toBe(10000);
          const detail = ok(await page.execute('POST /app/partner/order/detail', { body: { order_no: found.walletOrderNo } }));
          expect(detail.result.order_info.order_status).toBe(-1);

          page.retryLast = true;
          const retried = ok(await page.execute('POST /admin/partner/orders/{order_no}/refund', { params: { order_no: found.walletOrderNo! } }));
          page.retryLast = false;
          expect(retried.result.refund_no).toBe(refunded.result.refund_no);
          expect(await balance()).toBe(10000);

          const again = await page.execute('POST /admin/partner/orders/{order_no}/refund', { params: { order_no: found.walletOrderNo! } });
          expect({ status: again.status, code: again.body.code }).toEqual({ status: 422, code: 42204 });

          const alipay = ok(await page.execute('POST /admin/partner/orders/{order_no}/refund', { params: { order_no: found.alipayOrderNo! } }));
          expect(alipay.result).toMatchObject({ channel: 'alipay', amount: 300, status: 'success' });
          const atAlipay = ok(await page.execute('GET /dev/alipay/trades/{out_trade_no}', { params: { out_trade_no: found.alipayBillNo! } }));
          expect(atAlipay.result).toMatchObject({ out_trade_no: found.alipayBillNo, refunded_amount: '300.00' });
        },
      },
      {
        step: '6. mall',
        says: [
          'The prefilled goods come from two stores (自营, 生鲜超市): `POST /order/pre` prices two orders',
          '`POST /order/create` makes one trade of them (one order per store) with a `pay_link`',
          'the cashier page lists both orders; press **支付宝支付**, then **确认支付 / Pay**',
          '`POST /order/detail` shows the trade paid (status 1)',
          '`POST /order/refund` with one of its `order_sn` (`amount` 20): `status: "success"`, and that order\'s `refund_price` is 20',
          'create with `outside_sn` `SN2`, then `POST /order/close` with `SN2`: closed (status -1)',
        ],
        run: async () => {
          const priced = ok(await page.execute('POST /order/pre'));
          expect(priced.result).toBe(1);
          expect(priced.data.orders.map((o: { store_name: string }) => o.store_name)).toEqual(['自营', '生鲜超市']);

          const created = ok(await page.execute('POST /order/create'));
          expect(created.result).toBe(1);
          expect(created.data.orders).toHaveLength(2);
          expect(created.data.total_price).toBe(priced.data.total_price);
          found.tradeSn = created.data.trade_sn;
          found.orderSns = created.data.orders.map((o: { order_sn: string }) => o.order_sn);

          const cashier = await open(created.data.pay_link).expect(200);
          for (const orderSn of found.orderSns!) expect(cashier.text).toContain(orderSn);
          const toAlipay = await submit(cashier.text, /支付宝支付/);
          expect(toAlipay.status).toBe(303);
          await payOnSandbox(toAlipay.headers.location);

          const paid = ok(await page.execute('POST /order/detail'));
          expect(paid.data).toMatchObject({ trade_sn: found.tradeSn, status: 1 });
          expect(paid.data.orders.map((o: { status: number }) => o.status)).toEqual([1, 1]);

          const orderSn = found.orderSns![1];
          const refunded = ok(await page.execute('POST /order/refund', { body: { order_sn: orderSn } }));
          expect(refunded).toMatchObject({ result: 1, data: { order_sn: orderSn, amount: 20, status: 'success' } });
          const detail = ok(await page.execute('POST /order/detail'));
          expect(detail.data.orders.find((o: { order_sn: string }) => o.order_sn === orderSn).refund_price).toBe(20);

          const second = ok(await page.execute('POST /order/create', { body: { outside_sn: 'SN2' } }));
          expect(second.result).toBe(1);
          const closed = ok(await page.execute('POST /order/close', { body: { outside_sn: 'SN2' } }));
          expect(closed).toMatchObject({ result: 1, data: { outside_sn: 'SN2', trade_sn: second.data.trade_sn, status: -1 } });
        },
      },
    ];

    it('says what the steps below check, in their order', () => {
      const flat = (text: string) => text.replace(/\s+/g, ' ');
      const tryIt = flat(README.slice(README.indexOf('## Try it'), README.indexOf('## Configuration')));
      let from = 0;
      for (const { step, says } of STEPS) {
        for (const phrase of says.map(flat)) {
          const at = tryIt.indexOf(phrase, from);
          expect({ step, phrase, said: at >= 0 }).toEqual({ step, phrase, said: true });
          from = at + phrase.length;
        }
      }
    });

    STEPS.forEach(({ step, run }) => it(step, run));
  });

  describe('its commands against a running service', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp('sqlite');
    });
    afterAll(() => t.close());

    /** Runs a README curl command with the service's address in place of localhost:3000 (asynchronously: the service runs in this process). */
    const curl = async (command: string) => {
      const local = command.replace(/(http:\/\/)?localhost:3000/g, t.baseUrl);
      return (await promisify(execFile)('sh', ['-c', local], { encoding: 'utf8', timeout: 10_000 })).stdout;
    };
    const succeeded = (output: string) => {
      const body = JSON.parse(output);
      return body.code === 1 || body.result === 1;
    };

    it('the curl commands answer success, and the identical pay twice is one order', async () => {
      const curls = bashLines().filter((l) => l.startsWith('curl '));
      expect(curls.length).toBeGreaterThan(0);
      for (const command of curls) {
        const first = await curl(command);
        expect(succeeded(first)).toBe(true);
        if (command.includes('/app/partner/order/pay')) {
          const again = JSON.parse(await curl(command));
          expect(again.result.order_info.order_no).toBe(JSON.parse(first).result.order_info.order_no);
        }
      }
    });

    it('every `npm run sign` command prints a curl that succeeds', async () => {
      const signs = bashLines().filter((l) => l.startsWith('npm run sign -- '));
      expect(signs.length).toBeGreaterThanOrEqual(4);
      for (const line of signs) {
        // The shell's word splitting of `npm run sign -- '<json>' --flag value ...`, for single-quoted JSON.
        const args = [...line.slice('npm run sign -- '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
        const out: string[] = [];
        expect(signCommand(args, {}, (l) => out.push(l), (l) => out.push(l))).toBe(0);
        const printed = out.find((l) => l.startsWith('curl '))!;
        expect(printed).toContain("'http://localhost:3000/");
        expect({ line, output: await curl(printed) }).toEqual({ line, output: expect.stringMatching(/"(code|result)":1\b/) });
      }
    });

    it('the metrics command finds the payments counter', async () => {
      const command = README.match(/`(curl -s localhost:3000\/metrics[^`]*)`/)![1];
      expect(await curl(command)).toMatch(/^payments_total\{/m);
    });
  });
});
