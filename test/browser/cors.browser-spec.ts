import { createServer, Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { signPartner } from '../support/signing';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * An H5 page of another origin calls partner pay with `fetch`, in Debian's Chromium (SPEC §11, Browsers): from an
 * origin of CORS_ORIGINS the browser's preflight is granted and the page reads the answer and its X-Request-Id; from
 * any other origin the browser refuses the call before it is sent. Traffic goes only to this machine's loopback.
 */
const USER = '41840909af844632885424fbc20cae79';
const GIFT = '55fca782f55f406d94e2cecb23d0140b';

interface PageCall {
  url: string;
  body: Record<string, unknown>;
  requestId: string;
}

/** What the page saw: the status, the envelope's code and the X-Request-Id it could read, or the error of fetch. */
interface PageResult {
  status?: number;
  code?: number;
  requestId?: string | null;
  error?: string;
}

/** A page server on its own port (so its own origin) whose one page makes the call it is given, as an H5 app would. */
async function pageServer(call: () => PageCall): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    // The call is data in a JSON script element, read by the page's own script: nothing is spliced into code.
    const data = JSON.stringify(call()).replace(/</g, '\\u003c');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html><head><meta charset="utf-8"><title>H5</title></head><body>
<pre id="result">pending</pre>
<script type="application/json" id="call">${data}</script>
<script>
  const call = JSON.parse(document.getElementById('call').textContent);
  const show = (result) => { document.getElementById('result').textContent = JSON.stringify(result); };
  fetch(call.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': call.requestId }, body: JSON.stringify(call.body) })
    .then(async (res) => show({ status: res.status, code: (await res.json()).code, requestId: res.headers.get('X-Request-Id') }))
    .catch((error) => show({ error: String(error) }));
</script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('CORS in a real browser: an H5 page of another origin calls partner pay', () => {
  let t: TestApp;
  let browser: Browser;
  let listed: { server: Server; origin: string };
  let unlisted: { server: Server; origin: string };
  let nonce = 0;

  const payCall = (requestId: string): PageCall => ({
    url: `${t.baseUrl}/app/partner/order/pay`,
    body: signPartner({ user_id: USER, pay_type: 1, gift_pos_id: GIFT, address_id: 1, nonce: `browser-cors-${++nonce}` }),
    requestId,
  });
  let nextCall: PageCall;

  async function open(origin: string): Promise<PageResult> {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      const result = page.locator('#result');
      await result.filter({ hasNotText: 'pending' }).waitFor({ timeout: 15_000 });
      return JSON.parse((await result.textContent()) ?? '{}') as PageResult;
    } finally {
      await page.close();
    }
  }

  const balance = async () => (await t.http.get(`/admin/partner/users/${USER}`).set('Authorization', 'Bearer admin-dev-token').expect(200)).body.result.balance;

  beforeAll(async () => {
    listed = await pageServer(() => nextCall);
    unlisted = await pageServer(() => nextCall);
    t = await createTestApp('sqlite', { env: { CORS_ORIGINS: `https://h5.example.test,${listed.origin}` } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    listed?.server.close();
    unlisted?.server.close();
  });

  it('from a listed origin: the pay is made, and the page reads 200, code 1 and its X-Request-Id', async () => {
    const before = await balance();
    nextCall = payCall('h5-listed-1');
    expect(await open(listed.origin)).toEqual({ status: 200, code: 1, requestId: 'h5-listed-1' });
    expect(await balance()).toBe(before - 300);
  });

  it('from an origin not listed: fetch fails in the page and nothing is paid', async () => {
    const before = await balance();
    nextCall = payCall('h5-unlisted-1');
    const result = await open(unlisted.origin);
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/TypeError/);
    expect(await balance()).toBe(before);
  });
});
