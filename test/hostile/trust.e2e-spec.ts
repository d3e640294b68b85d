import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';
import { businessSnapshot, expectRefused, hex } from './hostile-support';

/**
 * Whose money a request may move, attacked with nothing but HTTP: a client address written into X-Forwarded-For, the
 * partner key (shipped inside the partner's apps, so no secret) acting for any user_id, and captured requests
 * without timestamp or nonce replayed against production. Starts that production refuses: test/startup.
 */
const LIMIT = 20;
const ATTEMPTS = 40;
const randomIp = () => `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`;

/** The statuses of `ATTEMPTS` requests sent one after another. */
async function statuses(send: (i: number) => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ATTEMPTS; i++) out.push((await send(i)).status);
  return out;
}

describeEachEngine(
  'hostile: a forged X-Forwarded-For, bad signatures',
  (ctx) => {
    it('40 bad signatures, each with another X-Forwarded-For, are limited like any other requests from one client', async () => {
      const t = ctx();
      const forged = () => t.http.post('/app/partner/gift/list').set('X-Forwarded-For', randomIp()).send({ user_id: hex(16), sign: hex(16) });
      expect(await statuses(forged)).toEqual([...Array(LIMIT).fill(401), ...Array(ATTEMPTS - LIMIT).fill(429)]);
    });
  },
  { env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } },
);

describeEachEngine(
  'hostile: a forged X-Forwarded-For, admin-token guesses',
  (ctx) => {
    it('40 admin-token guesses, each with another X-Forwarded-For, are limited like any other requests from one client', async () => {
      const t = ctx();
      const guess = () => t.http.get('/admin/partner/orders').set('X-Forwarded-For', randomIp()).set('Authorization', `Bearer ${hex(16)}`);
      expect(await statuses(guess)).toEqual([...Array(LIMIT).fill(401), ...Array(ATTEMPTS - LIMIT).fill(429)]);
    });
  },
  { env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } },
);

const PRODUCTION_KEY = `partner-${hex(16)}`;
const ADMIN_TOKEN = `admin-${hex(16)}`;
const USER_TOKEN_SECRET = `user-token-${hex(16)}`;
const alipayKey = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

describeEachEngine(
  'hostile: production defaults',
  (ctx) => {
    const seconds = () => String(Math.floor(Date.now() / 1000));
    const adminPost = async (t: TestApp, path: string, body: object) => {
      const res = await t.http.post(`/admin/partner/${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body).expect(200);
      return res.body.result;
    };
    const userToken = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('10m').sign(new TextEncoder().encode(USER_TOKEN_SECRET));
    /** A user with 1000.00 and an address, and a gift pack of 300.00. */
    async function buyer(t: TestApp) {
      const user = await adminPost(t, 'users', { phone: '13800000000', real_name: '测试用户' });
      await adminPost(t, `users/${user.id}/balance`, { amount: 1000, remark: 'top-up' });
      const address = await adminPost(t, `users/${user.id}/addresses`, { name: '收货人', phone: '13900000000', province: '广东省', city: '深圳市', detail: '科技园1号' });
      const pack = await adminPost(t, 'gift-packs', { title: '礼包', price: 300 });
      return { userId: user.id as string, pay: { user_id: user.id, pay_type: 1, gift_pos_id: pack.id, address_id: address.id } };
    }
    const pay = (t: TestApp, params: Record<string, unknown>, bearer?: string) => {
      const req = t.http.post('/app/partner/order/pay');
      if (bearer) req.set('Authorization', `Bearer ${bearer}`);
      return req.send(signPartner(params, PRODUCTION_KEY));
    };

    it('a payment without timestamp or nonce is refused (40102); with both it pays', async () => {
      const t = ctx();
      const { userId, pay: params } = await buyer(t);
      const token = await userToken(userId);
      const before = await businessSnapshot(t);
      expectRefused(await pay(t, params, token), 'partner', 401, 40102);
      expectRefused(await pay(t, { ...params, timestamp: seconds() }, token), 'partner', 401, 40102);
      expectRefused(await pay(t, { ...params, nonce: hex(8) }, token), 'partner', 401, 40102);
      expect(await businessSnapshot(t)).toEqual(before);
      expect((await pay(t, { ...params, timestamp: seconds(), nonce: hex(8) }, token).expect(200)).body.code).toBe(1);
    });

    it('the partner key alone cannot act for another user: without the user\'s token, or with another user\'s, 40103', async () => {
      const t = ctx();
      const victim = await buyer(t);
      const attacker = await buyer(t);
      const fresh = () => ({ ...victim.pay, timestamp: seconds(), nonce: hex(8) });
      const before = await businessSnapshot(t);
      expectRefused(await pay(t, fresh()), 'partner', 401, 40103);
      expectRefused(await pay(t, fresh(), await userToken(attacker.userId)), 'partner', 401, 40103);
      const read = await t.http.post('/app/partner/order/list').send(signPartner({ user_id: victim.userId, timestamp: seconds(), nonce: hex(8) }, PRODUCTION_KEY));
      expectRefused(read, 'partner', 401, 40103);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('40 rotating user_ids with one user\'s token never escape the limit', async () => {
      const t = ctx();
      const { userId } = await buyer(t);
      const token = await userToken(userId);
      const rotating = () =>
        t.http.post('/app/partner/gift/list').set('Authorization', `Bearer ${token}`).send(signPartner({ user_id: hex(16), timestamp: seconds(), nonce: hex(8) }, PRODUCTION_KEY));
      const answers = await statuses(rotating);
      // Each is another user's request, so refused; refusals count against the client, which other tests here share.
      expect(answers.every((status) => status === 401 || status === 429)).toBe(true);
      expect(answers.filter((status) => status === 401).length).toBeLessThanOrEqual(LIMIT);
      expect(answers.slice(LIMIT)).toEqual(Array(ATTEMPTS - LIMIT).fill(429));
    });

    it('/docs and /docs-json carry no development credential or demo app', async () => {
      const t = ctx();
      const json = (await t.http.get('/docs-json').expect(200)).text;
      const init = (await t.http.get('/docs/swagger-ui-init.js').expect(200)).text;
      expect(json).toContain('/app/partner/order/pay');
      for (const text of [json, init]) {
        for (const credential of ['partner-dev-key', 'admin-dev-token', 'mall-dev-secret', '2022010600605642', t.config.PARTNER_SIGN_KEY, ADMIN_TOKEN, USER_TOKEN_SECRET]) {
          expect({ credential, found: text.includes(credential) }).toEqual({ credential, found: false });
        }
      }
    });
  },
  {
    env: {
      NODE_ENV: 'production',
      DEMO_DATA: 'false',
      PARTNER_SIGN_KEY: PRODUCTION_KEY,
      ADMIN_TOKEN,
      PARTNER_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
      PAY_LINK_KEY: hex(32),
      ALIPAY_APP_ID: '2021000000000001',
      ALIPAY_PRIVATE_KEY: alipayKey().privateKey,
      ALIPAY_PUBLIC_KEY: alipayKey().publicKey,
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
    },
  },
);
