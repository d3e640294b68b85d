import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { signPartner } from '../support/signing';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A person's path through the docs, in Debian's Chromium driven by playwright-core:
 * open /docs, try the partner pay operation, then pay an Alipay order on the sandbox gateway page.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const USER = '41840909af844632885424fbc20cae79';
const GIFT = '55fca782f55f406d94e2cecb23d0140b';

describe('Swagger UI and the Alipay sandbox in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await createTestApp('sqlite');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('pays a demo order with "Try it out" → "Execute" on POST /app/partner/order/pay', async () => {
    await page.goto(`${t.baseUrl}/docs`);
    const operation = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: /^\/app\/partner\/order\/pay$/ }) });
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const body = operation.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 15000 });
    const text = await body.innerText();
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-partner-pay.png'), fullPage: false });
    expect(text).toContain('"code": 1');
    expect(text).toContain('"order_status": 1');
    const orderNo = /"order_no": "(\d{27})"/.exec(text)?.[1];
    expect(orderNo).toBeDefined();
    const detail = await t.http.post('/app/partner/order/detail').send(signPartner({ user_id: USER, order_no: orderNo })).expect(200);
    expect(detail.body.result.order_info.order_status).toBe(1);
  });

  it('pays an Alipay order on the sandbox gateway page, and the API then shows it paid', async () => {
    const created = await t.http.post('/app/partner/order/pay').send(signPartner({ user_id: USER, pay_type: 2, gift_pos_id: GIFT, address_id: 1, nonce: 'browser-alipay-1' })).expect(200);
    const { ali_pay_url: payUrl, order_info: order } = created.body.result;
    expect(order.order_status).toBe(0);
    await page.goto(payUrl);
    await page.getByRole('button', { name: /Pay|支付/ }).click();
    await page.waitForLoadState('load');
    await page.screenshot({ path: join(ARTIFACTS, 'alipay-sandbox-paid.png') });
    const detail = await t.http.post('/app/partner/order/detail').send(signPartner({ user_id: USER, order_no: order.order_no })).expect(200);
    expect(detail.body.result.order_info.order_status).toBe(1);
    expect(detail.body.result.order_info.third_order_no).not.toBe('');
  });
});
