import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { Payment } from '../../src/database/entities/payments/payment.entity';
import { cashierPath } from '../support/cashier';
import { describeEachEngine } from '../support/each-engine';
import type { TestApp } from '../support/test-app';
import { postMall, SEED_ADDRESS } from '../mall/mall-fixtures';

let seq = 0;

async function createTrade(t: TestApp): Promise<{ tradeSn: string; payLink: URL }> {
  const res = await postMall(t, '/order/create', { outside_sn: `CASHIER-LINK-${Date.now()}-${++seq}`, uid: 2455, goods: [{ goods_id: 164, total: 1 }], address: SEED_ADDRESS }).expect(200);
  return { tradeSn: res.body.data.trade_sn, payLink: new URL(res.body.data.pay_link) };
}

/** What a page load could have written: the trade row's `updated_at` and the trade's payments. */
async function writtenState(t: TestApp, tradeSn: string) {
  const trade = await t.dataSource.manager.findOneByOrFail(MallTrade, { tradeSn });
  return { updatedAt: trade.updatedAt.getTime(), payments: await t.dataSource.manager.countBy(Payment, { bizType: 'mall_trade', bizNo: tradeSn }) };
}

describeEachEngine('cashier links (SPEC §6)', (ctx) => {
  it('GET and HEAD of the cashier page write nothing: no payment row, no updated_at', async () => {
    const t = ctx();
    const { tradeSn, payLink } = await createTrade(t);
    const before = await writtenState(t, tradeSn);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3; i++) {
      await t.http.get(payLink.pathname + payLink.search).expect(200);
      await t.http.head(payLink.pathname + payLink.search).expect(200);
    }
    expect(await writtenState(t, tradeSn)).toEqual(before);
  });

  it('the page carries a restrictive Content-Security-Policy that lets its button reach only this service and Alipay', async () => {
    const t = ctx();
    const { payLink } = await createTrade(t);
    const page = await t.http.get(payLink.pathname + payLink.search).expect(200);
    expect(page.headers['content-security-policy']).toBe(`default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${t.baseUrl}; frame-ancestors 'none'; base-uri 'none'`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toMatch(/<script/i);
  });

  it('a link without sig, or with another trade\'s sig, is 404 like an unknown trade', async () => {
    const t = ctx();
    const { tradeSn, payLink } = await createTrade(t);
    const other = await createTrade(t);
    const unknown = await t.http.get('/pay/TN000000000000ABCDEF').expect(404);
    const bare = await t.http.get(`/pay/${tradeSn}`).expect(404);
    const foreign = await t.http.get(`/pay/${tradeSn}?sig=${other.payLink.searchParams.get('sig')}`).expect(404);
    const flipped = payLink.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    await t.http.get(`/pay/${tradeSn}?sig=${flipped}`).expect(404);
    expect(bare.text).toBe(unknown.text);
    expect(foreign.text).toBe(unknown.text);
    expect(bare.text).not.toContain(tradeSn);
    // the button refuses a wrong link too, and opens nothing
    await t.http.post(`/pay/${tradeSn}`).expect(404);
    expect(await t.dataSource.manager.countBy(Payment, { bizType: 'mall_trade', bizNo: tradeSn })).toBe(0);
    await t.http.get(cashierPath(t, tradeSn)).expect(200);
  });
});

describeEachEngine(
  'cashier 404s count against the client address (SPEC §6)',
  (ctx) => {
    it('guessing trade numbers is limited: past the limit the page answers 429 with Retry-After', async () => {
      const t = ctx();
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await t.http.get(`/pay/TN2601010000${String(i).padStart(2, '0')}ABCDEF`)).status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(404));
      expect(statuses.slice(20)).toEqual(Array(10).fill(429));
      const limited = await t.http.get('/pay/TN000000000000ABCDEF');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  },
  { env: { RATE_LIMIT_PER_MINUTE: '20' } },
);
