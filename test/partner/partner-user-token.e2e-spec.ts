import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { Response } from 'supertest';
import { signCommand } from '../../scripts/sign';
import { createPageSigner } from '../../src/dev/swagger-signing';
import { businessSnapshot, expectRefused } from '../hostile/hostile-support';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';
import { newUser, nonce } from './partner-fixtures';

/**
 * The partner user token (`Authorization: Bearer <JWT>`): the signature proves the partner's app sent a request, the
 * token which user it acts for. Refusals are 40103 before any handler runs: no order, no debit, no stored answer.
 */
const SECRET = 'partner-user-token-test-secret-0123456789';
const DEMO_PACK = '55fca782f55f406d94e2cecb23d0140b';

type Claims = { sub?: string; iss?: string; aud?: string; exp?: number | string };

async function token(key: KeyObject | string, alg: 'HS256' | 'RS256' | 'ES256', claims: Claims): Promise<string> {
  const jwt = new SignJWT({ ...(claims.iss ? { iss: claims.iss } : {}), ...(claims.aud ? { aud: claims.aud } : {}) }).setProtectedHeader({ alg });
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(typeof key === 'string' ? new TextEncoder().encode(key) : key);
}

const hs256 = (sub: string, extra: Claims = {}) => token(SECRET, 'HS256', { sub, exp: '10m', ...extra });

/** A paid gift-pack order of the user, with `authorization` as the Authorization header when given. */
function pay(t: TestApp, user: { userId: string; addressId: number }, authorization?: string, extra: Record<string, unknown> = {}) {
  const req = t.http.post('/app/partner/order/pay');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(signPartner({ user_id: user.userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: user.addressId, nonce: nonce(), ...extra }));
}

function detail(t: TestApp, userId: string, orderNo: string, authorization?: string) {
  const req = t.http.post('/app/partner/order/detail');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(signPartner({ user_id: userId, order_no: orderNo }));
}

const expect40103 = (res: Response) => expectRefused(res, 'partner', 401, 40103);

/** The payload part of a token replaced (the signature kept): what an attacker edits to act for someone else. */
function withPayload(jwt: string, payload: object): string {
  const [header, , signature] = jwt.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

describeEachEngine(
  'partner user token required (HS256)',
  (ctx) => {
    it('a pay without a token, or with a missing, expired, forged or another user\'s token, is 40103 and changes nothing', async () => {
      const t = ctx();
      const victim = await newUser(t, { balance: 1000 });
      const other = await newUser(t, { balance: 1000 });
      const now = Math.floor(Date.now() / 1000);
      const before = await businessSnapshot(t);
      const refused = [
        undefined,
        '',
        'Bearer',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Bearer ${await hs256(victim.userId, { exp: now - 5 })}`,
        `Bearer ${await token('another-secret-of-the-same-length-0123456', 'HS256', { sub: victim.userId, exp: '10m' })}`,
        `Bearer ${new UnsecuredJWT({ sub: victim.userId }).setExpirationTime('10m').encode()}`,
        `Bearer ${withPayload(await hs256(other.userId), { sub: victim.userId, exp: now + 600 })}`,
        `Bearer ${await token(SECRET, 'HS256', { sub: victim.userId })}`,
        `Bearer ${await hs256(other.userId)}`,
        `Bearer ${await token(SECRET, 'HS256', { exp: '10m' })}`,
      ];
      for (const authorization of refused) expect40103(await pay(t, victim, authorization));
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('the right token pays and reads the order; the order read without it is 40103', async () => {
      const t = ctx();
      const user = await newUser(t, { balance: 1000 });
      const bearer = `Bearer ${await hs256(user.userId)}`;
      const paid = await pay(t, user, bearer).expect(200);
      expect(paid.body).toMatchObject({ code: 1, result: { order_info: { user_id: user.userId, order_status: 1 } } });
      const orderNo = paid.body.result.order_info.order_no;
      expect((await detail(t, user.userId, orderNo, bearer).expect(200)).body.result.order_info.order_no).toBe(orderNo);
      expect40103(await detail(t, user.userId, orderNo));
    });

    it('a refused request stores no answer: its nonce then pays with the right token', async () => {
      const t = ctx();
      const user = await newUser(t, { balance: 1000 });
      const n = nonce();
      expect40103(await pay(t, user, undefined, { nonce: n }));
      expect((await pay(t, user, `Bearer ${await hs256(user.userId)}`, { nonce: n }).expect(200)).body.code).toBe(1);
    });
  },
  { env: { PARTNER_USER_TOKEN: 'required', PARTNER_USER_TOKEN_SECRET: SECRET } },
);

describeEachEngine('partner user token optional (the development default)', (ctx) => {
  it('no token passes as before; a bad or another user\'s token is 40103', async () => {
    const t = ctx();
    const user = await newUser(t, { balance: 1000 });
    expect((await pay(t, user).expect(200)).body.code).toBe(1);
    expect40103(await pay(t, user, 'Bearer not.a.token'));
    expect40103(await pay(t, user, `Bearer ${await hs256(user.userId)}`)); // not the development secret
    const other = await newUser(t);
    const signer = createPageSigner();
    const othersToken = signer.userToken('application/json', JSON.stringify({ user_id: other.userId }), t.config.partnerUserTokenSecret!, Math.floor(Date.now() / 1000));
    expect40103(await pay(t, user, `Bearer ${othersToken}`));
  });

  it('the tokens the Swagger page and `npm run sign` mint with the development secret are accepted', async () => {
    const t = ctx();
    const user = await newUser(t, { balance: 1000 });
    const signer = createPageSigner();
    const now = Math.floor(Date.now() / 1000);
    const form = `user_id=${user.userId}&pay_type=1`;
    expect(signer.userToken('application/x-www-form-urlencoded', form, 'x', now)).toBe(signer.userToken('application/json', JSON.stringify({ user_id: user.userId }), 'x', now));
    const pageToken = signer.userToken('application/json', JSON.stringify({ user_id: user.userId }), t.config.partnerUserTokenSecret!, now);
    expect((await pay(t, user, `Bearer ${pageToken}`).expect(200)).body.code).toBe(1);

    const printed: string[] = [];
    expect(signCommand([JSON.stringify({ user_id: user.userId })], {}, (line) => printed.push(line), (line) => printed.push(line))).toBe(0);
    const signToken = printed.find((line) => line.startsWith('token:'))!.slice('token:'.length).trim();
    expect(printed.find((line) => line.startsWith('curl '))).toContain(`-H 'Authorization: Bearer ${signToken}'`);
    expect((await pay(t, user, `Bearer ${signToken}`).expect(200)).body.code).toBe(1);
  });
});

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

describeEachEngine(
  'partner user token required (RS256 public key, issuer and audience)',
  (ctx) => {
    const rs256 = (sub: string, extra: Claims = {}) => token(rsa.privateKey, 'RS256', { sub, exp: '10m', iss: 'https://login.partner.example', aud: 'orders', ...extra });

    it('accepts a token of the private key with the configured iss and aud', async () => {
      const t = ctx();
      const user = await newUser(t, { balance: 1000 });
      expect((await pay(t, user, `Bearer ${await rs256(user.userId)}`).expect(200)).body.code).toBe(1);
    });

    it('refuses another key, another issuer or audience, none, and HS256 "signed" with the public key', async () => {
      const t = ctx();
      const user = await newUser(t, { balance: 1000 });
      const before = await businessSnapshot(t);
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const refused = [
        await token(other.privateKey, 'RS256', { sub: user.userId, exp: '10m', iss: 'https://login.partner.example', aud: 'orders' }),
        await rs256(user.userId, { iss: 'https://evil.example' }),
        await rs256(user.userId, { aud: 'another-service' }),
        await token(rsa.privateKey, 'RS256', { sub: user.userId, exp: '10m' }),
        await token(pem(rsa.publicKey), 'HS256', { sub: user.userId, exp: '10m', iss: 'https://login.partner.example', aud: 'orders' }),
      ];
      for (const jwt of refused) expect40103(await pay(t, user, `Bearer ${jwt}`));
      expect40103(await pay(t, user));
      expect(await businessSnapshot(t)).toEqual(before);
    });
  },
  {
    env: {
      PARTNER_USER_TOKEN: 'required',
      PARTNER_USER_TOKEN_PUBLIC_KEY: pem(rsa.publicKey).replace(/\n/g, '\\n'),
      PARTNER_USER_TOKEN_ISSUER: 'https://login.partner.example',
      PARTNER_USER_TOKEN_AUDIENCE: 'orders',
    },
  },
);

describeEachEngine(
  'partner user token required (ES256 public key)',
  (ctx) => {
    it('accepts a P-256 token for the user and refuses one of another key', async () => {
      const t = ctx();
      const user = await newUser(t, { balance: 1000 });
      expect40103(await pay(t, user, `Bearer ${await token(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256', { sub: user.userId, exp: '10m' })}`));
      expect((await pay(t, user, `Bearer ${await token(ec.privateKey, 'ES256', { sub: user.userId, exp: '10m' })}`).expect(200)).body.code).toBe(1);
    });
  },
  { env: { PARTNER_USER_TOKEN: 'required', PARTNER_USER_TOKEN_PUBLIC_KEY: pem(ec.publicKey) } },
);
