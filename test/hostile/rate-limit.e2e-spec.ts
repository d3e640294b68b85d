import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { enginesUnderTest } from '../support/engines';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import { freePort } from '../support/service-process';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Rate limits: RATE_LIMIT_PER_MINUTE per caller (partner user_id, mall app_id, admin token) and per
 * client IP for requests whose signature or token fails; 42901 with Retry-After, in the route's envelope.
 * Each test uses callers and addresses of its own (fresh ids, a random X-Forwarded-For from the loopback, trusted as
 * the proxy here), so counters never meet.
 */
const LIMIT = 5;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const randomIp = () => `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`;

function giftList(t: TestApp, userId: string, ip = randomIp()) {
  return t.http.post('/app/partner/gift/list').set('X-Forwarded-For', ip).send(signPartner({ user_id: userId, nonce: hex(8) }));
}

function expectRateLimited(res: Response, family: 'partner' | 'mall'): void {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  if (family === 'partner') expect(res.body).toEqual({ code: 42901, errors: {}, msg: expect.any(String), result: {} });
  else expect(res.body).toEqual({ result: 0, msg: expect.any(String), data: { code: 42901, errors: {} } });
}

async function sendUntilLimited(send: () => Promise<Response>, max: number): Promise<Response[]> {
  const answers: Response[] = [];
  for (let i = 0; i < max; i++) answers.push(await send());
  return answers;
}

describeEachEngine(
  'rate limit (5) per caller, in memory',
  (ctx) => {
    it('a partner user_id gets RATE_LIMIT_PER_MINUTE signed requests a minute, from any address; another user is not affected', async () => {
      const t = ctx();
      const user = hex(16);
      const answers = await sendUntilLimited(() => giftList(t, user), LIMIT + 1);
      expect(answers.slice(0, LIMIT).map((r) => r.body.code)).toEqual(Array(LIMIT).fill(40401));
      expectRateLimited(answers[LIMIT], 'partner');
      expect((await giftList(t, hex(16))).body.code).toBe(40401);
    });

    it('a mall app_id is one caller: past the limit 42901 in the mall envelope', async () => {
      const t = ctx();
      const app = (await t.http.post('/admin/mall/apps').set('Authorization', `Bearer ${t.config.ADMIN_TOKEN}`).send({ name: 'limited' })).body.result;
      const detail = () => t.http.post('/order/detail').set('X-Forwarded-For', randomIp()).send(signMall({ outside_sn: hex(6), nonce: hex(8) }, app.secret, app.app_id));
      const answers = await sendUntilLimited(detail, LIMIT + 1);
      expect(answers.slice(0, LIMIT).map((r) => r.status)).toEqual(Array(LIMIT).fill(404));
      expectRateLimited(answers[LIMIT], 'mall');
    });

    it('bad signatures count against the client IP: 401 up to the limit, then 42901; a valid request from that IP still passes', async () => {
      const t = ctx();
      const ip = randomIp();
      const forged = () => t.http.post('/app/partner/gift/list').set('X-Forwarded-For', ip).send({ user_id: hex(16), sign: hex(16) });
      const answers = await sendUntilLimited(forged, LIMIT + 1);
      expect(answers.slice(0, LIMIT).map((r) => r.body.code)).toEqual(Array(LIMIT).fill(40101));
      expectRateLimited(answers[LIMIT], 'partner');
      expect((await giftList(t, hex(16), ip)).body.code).toBe(40401);
    });

    it('wrong admin tokens count against the client IP too', async () => {
      const t = ctx();
      const ip = randomIp();
      const wrong = () => t.http.get('/admin/partner/orders').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${hex(8)}`);
      const answers = await sendUntilLimited(wrong, LIMIT + 1);
      expect(answers.slice(0, LIMIT).map((r) => r.status)).toEqual(Array(LIMIT).fill(401));
      expectRateLimited(answers[LIMIT], 'partner');
    });
  },
  { env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), ADMIN_TOKEN: `admin-${hex(8)}`, TRUST_PROXY: 'loopback' } },
);

/** With REDIS_URL, every instance counts against the same limit (CI sets TEST_REDIS_URL; Redis runs on 127.0.0.1:6379). */
const redisUrl = process.env.TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('rate limit shared by two instances through Redis [redis]', () => {
  const limit = 10;
  const env = { RATE_LIMIT_PER_MINUTE: String(limit), REDIS_URL: redisUrl ?? '', ADMIN_TOKEN: `admin-${hex(8)}`, TRUST_PROXY: 'loopback' };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp(enginesUnderTest()[0], { env });
    b = await createTestApp(a.engine, { env, database: a.database });
  });
  afterAll(async () => {
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  it('a caller alternating between the instances gets the limit once, not once per instance', async () => {
    const user = hex(16);
    const answers = await sendUntilLimited(async () => giftList([a, b][Math.floor(Math.random() * 2)], user), limit + 2);
    expect(answers.slice(0, limit).map((r) => r.body.code)).toEqual(Array(limit).fill(40401)); // no such user, but counted
    for (const res of answers.slice(limit)) expectRateLimited(res, 'partner');
    // the other instance agrees
    expectRateLimited(await giftList(a, user), 'partner');
    expectRateLimited(await giftList(b, user), 'partner');
  });

  it('failed signatures from one address are counted across the instances', async () => {
    const ip = randomIp();
    const forged = (n: number) => [a, b][n % 2].http.post('/app/partner/gift/list').set('X-Forwarded-For', ip).send({ user_id: hex(16), sign: hex(16) });
    const answers: Response[] = [];
    for (let n = 0; n <= limit; n++) answers.push(await forged(n));
    expect(answers.slice(0, limit).map((r) => r.status)).toEqual(Array(limit).fill(401));
    expectRateLimited(answers[limit], 'partner');
  });

  it('the admin token is one caller across the instances', async () => {
    const get = (n: number) => [a, b][n % 2].http.get('/admin/partner/orders').set('Authorization', `Bearer ${env.ADMIN_TOKEN}`);
    const answers: Response[] = [];
    for (let n = 0; n <= limit; n++) answers.push(await get(n));
    expect(answers.slice(0, limit).map((r) => r.status)).toEqual(Array(limit).fill(200));
    expectRateLimited(answers[limit], 'partner');
  });
});

/**
 * Redis configured but not answering (nothing listens at its address): the limiter stops asking it and counts in the
 * instance, so the limit still holds, rather than letting every request through or making each one wait (SPEC §11).
 */
describe('rate limit with its Redis away', () => {
  const limit = 5;
  let t: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    t = await createTestApp(enginesUnderTest()[0], { env: { RATE_LIMIT_PER_MINUTE: String(limit), REDIS_URL: `redis://127.0.0.1:${port}`, TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts in the instance: a caller still gets the limit and then 42901, quickly, and /metrics says so', async () => {
    const user = hex(16);
    const started = Date.now();
    const answers = await sendUntilLimited(() => giftList(t, user), limit + 1);
    expect(answers.slice(0, limit).map((r) => r.body.code)).toEqual(Array(limit).fill(40401));
    expectRateLimited(answers[limit], 'partner');
    expect(Date.now() - started).toBeLessThan(5_000);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^rate_limiter_counting_locally 1$/m);
  });
});
