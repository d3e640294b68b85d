import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { signPartner } from '../support/signing';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A person's path through the docs, in Debian's Chromium driven by playwright-core: "Try it out" → "Execute" on
 * partner pay (JSON and form) and mall create, once at localhost and once at this machine's own non-loopback
 * address, where the page is not a secure context (no WebCrypto) and must still sign; then an Alipay order paid
 * on the sandbox gateway page. Traffic goes only to this machine's own addresses.
 */
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const USER = '41840909af844632885424fbc20cae79';
const GIFT = '55fca782f55f406d94e2cecb23d0140b';

/** The first address `hostname -I` prints: how a colleague on the network reaches a shared development server. */
function nonLoopbackAddress(): string {
  const first = execSync('hostname -I', { encoding: 'utf8' }).trim().split(/\s+/)[0];
  if (!first) throw new Error('this machine has no non-loopback address (hostname -I printed nothing)');
  return first.includes(':') ? `[${first}]` : first;
}

function operation(page: Page, path: string): Locator {
  return page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replace(/\//g, '\\/')}$`) }) });
}

/** Opens the operation, presses "Try it out" (once), picks the body's content type, optionally edits it, and executes. */
async function tryItOut(page: Page, path: string, options: { contentType?: string; edit?: (json: string) => string } = {}): Promise<string> {
  const op = operation(page, path);
  if (!(await op.locator('.opblock-body').isVisible())) await op.locator('.opblock-summary').click();
  const tryButton = op.getByRole('button', { name: 'Try it out' });
  if (await tryButton.isVisible()) await tryButton.click();
  if (options.contentType) await op.locator('.opblock-section-request-body select').selectOption(options.contentType);
  if (options.edit) {
    const body = op.locator('textarea.body-param__text');
    await body.fill(options.edit(await body.inputValue()));
  }
  const previous = await liveResponse(op).catch(() => '');
  await op.getByRole('button', { name: 'Execute' }).click();
  const response = op.locator('.live-responses-table .response-col_description pre').first();
  await response.waitFor({ timeout: 15000 });
  // The response area is reused: wait until it shows this Execute's answer (its X-Request-Id is new even when the body is not).
  for (let i = 0; i < 50 && (await liveResponse(op)) === previous; i++) await page.waitForTimeout(100);
  expect(await liveResponse(op)).not.toBe(previous);
  await op.scrollIntoViewIfNeeded();
  return responseText(op);
}

function liveResponse(op: Locator): Promise<string> {
  return op.locator('.live-responses-table').first().innerText({ timeout: 1000 });
}

function responseText(op: Locator): Promise<string> {
  return op.locator('.live-responses-table .response-col_description pre').first().innerText({ timeout: 1000 });
}

describe('Swagger UI and the Alipay sandbox in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await createTestApp('sqlite', { host: '0.0.0.0' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const port = () => new URL(t.baseUrl).port;
  const origins: Array<[string, () => string]> = [
    ['localhost', () => `http://localhost:${port()}`],
    ['this machine\'s network address (not a secure context)', () => `http://${nonLoopbackAddress()}:${port()}`],
  ];

  describe.each(origins)('/docs opened at %s', (label, origin) => {
    let page: Page;
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${label.startsWith('localhost') ? 'localhost' : 'network'}-${name}.png`), fullPage: false });

    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      await page.goto(`${origin()}/docs`);
      await page.locator('#ops-signing').waitFor();
    });
    afterAll(() => page?.close());

    it('the page is or is not a secure context, as expected, and explains its signing', async () => {
      expect(await page.evaluate(() => (globalThis as { isSecureContext?: boolean }).isSecureContext)).toBe(label.startsWith('localhost'));
      await expect(page.locator('#ops-signing').innerText()).resolves.toMatch(/new random nonce[\s\S]*Retry last/);
      await shot('docs-top');
    });

    it('partner pay, JSON: "code": 1, and "Retry last" gets the same order back', async () => {
      const text = await tryItOut(page, '/app/partner/order/pay');
      await shot('partner-pay-json');
      expect(text).toContain('"code": 1');
      expect(text).toContain('"order_status": 1');
      const orderNo = /"order_no": "(\d{27})"/.exec(text)![1];
      const detail = await t.http.post('/app/partner/order/detail').send(signPartner({ user_id: USER, order_no: orderNo })).expect(200);
      expect(detail.body.result.order_info.order_status).toBe(1);

      await page.locator('#ops-retry-last').check();
      const again = await tryItOut(page, '/app/partner/order/pay');
      await page.locator('#ops-retry-last').uncheck();
      expect(/"order_no": "(\d{27})"/.exec(again)![1]).toBe(orderNo);

      const fresh = await tryItOut(page, '/app/partner/order/pay');
      expect(/"order_no": "(\d{27})"/.exec(fresh)![1]).not.toBe(orderNo);
    });

    it('partner pay, application/x-www-form-urlencoded: "code": 1', async () => {
      const text = await tryItOut(page, '/app/partner/order/pay', { contentType: 'application/x-www-form-urlencoded' });
      await shot('partner-pay-form');
      expect(text).toContain('"code": 1');
      expect(text).toContain('"order_status": 1');
    });

    it('mall create: "result": 1', async () => {
      // The example's outside_sn makes one trade; the second origin asks for its own.
      const text = await tryItOut(page, '/order/create', { edit: (json) => json.replace('"SN3546576886989"', `"SN-BROWSER-${label.length}"`) });
      await shot('mall-create');
      expect(text).toContain('"result": 1');
      expect(text).toContain('"trade_sn"');
    });
  });

  it('pays an Alipay order on the sandbox gateway page, and the API then shows it paid', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
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
    await page.close();
  });
});
