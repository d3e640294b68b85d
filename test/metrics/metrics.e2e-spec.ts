import { MetricsService } from '../../src/metrics/metrics.service';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';
import { createTestApp } from '../support/test-app';

const USER = '41840909af844632885424fbc20cae79';
const GIFT = '55fca782f55f406d94e2cecb23d0140b';

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return 0;
}

describeEachEngine('GET /metrics', (ctx) => {
  const scrape = async () => {
    const res = await ctx().http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  it('a pay by balance moves the request and payment counters', async () => {
    const before = await scrape();
    const route = { method: 'POST', route: '/app/partner/order/pay', status: '200' };
    await ctx().http.post('/app/partner/order/pay').send(signPartner({ user_id: USER, pay_type: 1, gift_pos_id: GIFT, address_id: 1, nonce: 'metrics-pay-1' })).expect(200);
    const after = await scrape();
    expect(sample(after, 'http_requests_total', route)).toBe(sample(before, 'http_requests_total', route) + 1);
    expect(sample(after, 'http_request_duration_seconds_count', route)).toBe(sample(before, 'http_request_duration_seconds_count', route) + 1);
    const paid = { channel: 'balance', outcome: 'paid' };
    expect(sample(after, 'payments_total', paid)).toBe(sample(before, 'payments_total', paid) + 1);
  });

  it('counts a refused pay, an Alipay pay and its settling notify', async () => {
    const before = await scrape();
    await ctx().http.post('/app/partner/order/pay').send(signPartner({ user_id: USER, pay_type: 1, gift_pos_id: 'no-such-pack', address_id: 1 })).expect(404);
    const created = await ctx().http.post('/app/partner/order/pay').send(signPartner({ user_id: USER, pay_type: 2, gift_pos_id: GIFT, address_id: 1, nonce: 'metrics-alipay-1' })).expect(200);
    await ctx().http.post('/dev/alipay/pay').send({ out_trade_no: created.body.result.order_info.bill_no }).expect(200);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('payments_total', { channel: 'balance', outcome: 'refused' })).toBe(1);
    expect(delta('payments_total', { channel: 'alipay', outcome: 'pending' })).toBe(1);
    expect(delta('payments_total', { channel: 'alipay', outcome: 'settled' })).toBe(1);
    expect(delta('alipay_notifies_total', { outcome: 'settled', reply: 'success' })).toBe(1);
    expect(delta('http_requests_total', { method: 'POST', route: '/app/partner/order/pay', status: '404' })).toBe(1);
  });

  it('reports outbox, pool, rate-limit, shed and refund series', async () => {
    const text = await scrape();
    for (const name of ['merchant_outbox_notifications', 'db_pool_connections_in_use', 'db_pool_waiting_requests', 'rate_limited_requests_total', 'shed_requests_total', 'refunds_total', 'process_cpu_seconds_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/^merchant_outbox_notifications\{state="pending"\} \d+$/m);
    expect(text).toMatch(/^merchant_outbox_notifications\{state="failed"\} \d+$/m);
    expect(text).toContain('http_requests_total{method="GET",route="/metrics",status="200"}');
  });

  it('labels unknown paths as one route, so that a scan cannot multiply the series', async () => {
    await ctx().http.get('/no/such/path/12345').expect(404);
    expect(await scrape()).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
  });

  it('a scrape costs under 10 ms of CPU', async () => {
    // CPU time of this process rather than wall time, which on a loaded machine measures the machine.
    const metrics = ctx().app.get(MetricsService);
    for (let i = 0; i < 5; i++) await metrics.scrape();
    const costs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = process.cpuUsage();
      await metrics.scrape();
      const used = process.cpuUsage(before);
      costs.push((used.user + used.system) / 1000);
    }
    costs.sort((a, b) => a - b);
    expect(costs[Math.floor(costs.length / 2)]).toBeLessThan(10);
  });
});

describe('GET /metrics where METRICS_PUBLIC=false', () => {
  it('needs the admin token', async () => {
    const t = await createTestApp('sqlite', { env: { METRICS_PUBLIC: 'false' } });
    try {
      const refused = await t.http.get('/metrics').expect(401);
      expect(refused.body.code).toBe(40101);
      await t.http.get('/metrics').set('Authorization', 'Bearer admin-dev-token').expect(200);
    } finally {
      await t.close();
    }
  });
});
