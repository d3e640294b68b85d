import { describeEachEngine } from '../support/each-engine';
import type { TestApp } from '../support/test-app';
import { ADMIN_AUTH, DEMO_PACK, newUser, nonce, partnerPost } from '../partner/partner-fixtures';
import { expectRefused } from './hostile-support';

const H5 = 'http://h5.example.test';
const TOOL = 'http://localhost:5173';
const CORS_ORIGINS = `${H5}, ${TOOL}`;
const REQUEST_HEADERS = 'authorization,content-type,idempotency-key,x-request-id';

function preflight(t: TestApp, method: string, path: string, origin: string, headers = REQUEST_HEADERS) {
  return t.http.options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', headers);
}

const listOf = (header: string | undefined) => (header ?? '').split(',').map((h) => h.trim().toLowerCase());

describeEachEngine(
  'browsers on the origins of CORS_ORIGINS',
  (ctx) => {
    it.each([
      ['POST', '/app/partner/order/pay', H5],
      ['POST', '/order/create', TOOL],
      ['POST', '/admin/partner/users', H5],
      ['GET', '/admin/partner/orders', TOOL],
      ['DELETE', '/admin/mall/apps/2022010600605642/members/2455', H5],
    ])('a preflight for %s %s from a listed origin is granted, with the headers the API reads', async (method, path, origin) => {
      const t = ctx();
      const res = await preflight(t, method, path, origin);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(listOf(res.headers['access-control-allow-methods'])).toContain(method.toLowerCase());
      expect(listOf(res.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining(REQUEST_HEADERS.split(',')));
      expect(listOf(res.headers.vary)).toContain('origin');
      // The answer is a Fastify answer like any other: its request id and the security headers.
      expect(res.headers['x-request-id']).toMatch(/^[\w.-]+$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each([
      ['an origin not listed', 'http://evil.example.test'],
      ['a listed host on another port', 'http://h5.example.test:8080'],
      ['a listed host over another scheme', 'https://h5.example.test'],
      ['a listed origin with a path', `${H5}/app`],
      ['the literal null origin', 'null'],
    ])('a preflight from %s gets no grant', async (_label, origin) => {
      const t = ctx();
      const res = await preflight(t, 'POST', '/app/partner/order/pay', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
      expect(res.status).not.toBe(204);
      expect(res.status).toBeLessThan(500);
    });

    it('a signed pay from a listed origin is served, and the page may read X-Request-Id and Retry-After', async () => {
      const t = ctx();
      const { userId, addressId } = await newUser(t, { balance: 1000 });
      const res = await partnerPost(t, 'order/pay', { user_id: userId, address_id: addressId, pay_type: 1, gift_pos_id: DEMO_PACK, nonce: nonce() })
        .set('Origin', H5)
        .set('X-Request-Id', 'h5-page-request-1');
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: 1 });
      expect(res.headers['access-control-allow-origin']).toBe(H5);
      expect(listOf(res.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(['retry-after', 'x-request-id']));
      expect(res.headers['x-request-id']).toBe('h5-page-request-1');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('an admin answer to a listed origin keeps no-store; an unlisted origin gets the answer without a grant', async () => {
      const t = ctx();
      const listed = await t.http.get('/admin/partner/orders').set('Authorization', ADMIN_AUTH).set('Origin', TOOL).expect(200);
      expect([listed.headers['access-control-allow-origin'], listed.headers['cache-control']]).toEqual([TOOL, 'no-store']);
      const other = await t.http.get('/admin/partner/orders').set('Authorization', ADMIN_AUTH).set('Origin', 'http://evil.example.test').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('a refusal to a listed origin carries the grant too, so that the page can read the envelope', async () => {
      const t = ctx();
      const res = await t.http.post('/app/partner/order/pay').set('Origin', H5).send({ user_id: 'u', sign: 'forged' });
      expectRefused(res, 'partner', 401, 40101);
      expect(res.headers['access-control-allow-origin']).toBe(H5);
    });
  },
  { env: { CORS_ORIGINS } },
);

describeEachEngine(
  'preflights and the rate limit of failed authentication',
  (ctx) => {
    it('preflights count against no limit: after 20 of them, the first forged signature is 401, the fourth 429', async () => {
      const t = ctx();
      for (let i = 0; i < 20; i++) {
        const res = await preflight(t, 'POST', '/app/partner/order/pay', H5);
        expect(res.status).toBe(204);
      }
      const forged = [];
      for (let i = 0; i < 4; i++) forged.push((await t.http.post('/app/partner/order/pay').set('Origin', H5).send({ user_id: 'u', sign: 'forged' })).status);
      expect(forged).toEqual([401, 401, 401, 429]);
    });
  },
  { env: { CORS_ORIGINS: H5, RATE_LIMIT_PER_MINUTE: '3' } },
);

describeEachEngine('CORS_ORIGINS unset', (ctx) => {
  it('no origin gets a grant, on a preflight or an answer', async () => {
    const t = ctx();
    const res = await preflight(t, 'POST', '/app/partner/order/pay', H5);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const health = await t.http.get('/health').set('Origin', H5).expect(200);
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
  });
});
