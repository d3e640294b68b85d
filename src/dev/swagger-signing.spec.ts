import { createHash, createHmac, randomBytes } from 'node:crypto';
import { verifyMallSign } from '../common/signature/mall-signature';
import { verifyPartnerSign } from '../common/signature/partner-signature';
import { createPageSigner, PageSigner } from './swagger-signing';

/** The signer as the page gets it: its source text evaluated on its own, so it may not reference anything outside itself. */
const signer = new Function(`return (${createPageSigner.toString()})();`)() as PageSigner;
const keys = { partnerKey: 'partner-dev-key', mallAppId: '2022010600605642', mallSecret: 'mall-dev-secret' };
const fresh = { timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'n0nce123' };

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const hmac = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

/** Text of a given length from ASCII, Chinese, and characters outside the BMP. */
function sampleText(length: number, seed: number): string {
  const alphabet = ['a', 'Z', '0', '&', '=', ' ', '收', '货', '人', '张学友', '礼包', '😀', 'é', '\n'];
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[(seed * 31 + i * 7) % alphabet.length];
  return text;
}

describe('page signer: MD5 and HMAC-SHA256 in plain JavaScript', () => {
  const texts = [
    '',
    'a',
    'abc',
    'The quick brown fox jumps over the lazy dog',
    '订单与支付服务：合作方礼包支付',
    'address={"username":"收货人","address":"新市二街 1003/号"}&app_id=2022010600605642',
    ...[55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000].map((n) => 'x'.repeat(n)),
    ...Array.from({ length: 150 }, (_, i) => sampleText(i, i)),
    ...Array.from({ length: 50 }, () => randomBytes(1 + Math.floor(Math.random() * 300)).toString('latin1')),
  ];

  it('MD5 equals node:crypto on every input', () => {
    for (const text of texts) expect(signer.md5Hex(text)).toBe(md5(text));
  });

  it('HMAC-SHA256 equals node:crypto for short, block-sized, long and Chinese keys', () => {
    const hmacKeys = ['', 'k', 'partner-dev-key', '密钥', 'k'.repeat(64), 'k'.repeat(65), sampleText(200, 3)];
    for (const key of hmacKeys) for (const text of texts) expect(signer.hmacSha256Hex(key, text)).toBe(hmac(key, text));
  });
});

describe('page signer: request bodies as the server verifies them', () => {
  const pay = { user_id: '41840909af844632885424fbc20cae79', pay_type: 1, gift_pos_id: '55fca782f55f406d94e2cecb23d0140b', coupon_id: '', address_id: 1, sign: 'stale' };
  const create = {
    uid: 2455,
    goods: [{ goods_id: 164, total: 2 }, { goods_id: 99, total: 2 }],
    outside_sn: 'SN-测试',
    member_coupon_ids: '',
    address: { username: '收货人', address: '新市二街 1003/号' },
  };

  it.each(['MD5', 'HMAC-SHA256', undefined])('partner JSON, sign_type %s', (signType) => {
    const body = signer.signBody('partner', 'application/json', JSON.stringify({ ...pay, sign_type: signType }), keys, fresh)!;
    const params = JSON.parse(body);
    expect(params).toMatchObject({ timestamp: fresh.timestamp, nonce: fresh.nonce });
    expect(verifyPartnerSign(params, keys.partnerKey)).toBe(true);
  });

  it.each(['MD5', 'SHA256'])('mall JSON with nested goods and Chinese text, sign_type %s', (signType) => {
    const body = signer.signBody('mall', 'application/json', JSON.stringify({ ...create, sign_type: signType }), keys, fresh)!;
    const params = JSON.parse(body);
    expect(params.app_id).toBe(keys.mallAppId);
    expect(verifyMallSign(params, keys.mallSecret)).toBe(true);
  });

  it('partner form body: signed over the fields as the server parses them', () => {
    const form = new URLSearchParams({ user_id: pay.user_id, pay_type: '1', gift_pos_id: pay.gift_pos_id, coupon_id: '', address_id: '1', sign_type: 'MD5', timestamp: '1641549475' });
    const body = signer.signBody('partner', 'application/x-www-form-urlencoded', form.toString(), keys, fresh)!;
    const params = Object.fromEntries(new URLSearchParams(body));
    expect(params.timestamp).toBe(fresh.timestamp);
    expect(verifyPartnerSign(params, keys.partnerKey)).toBe(true);
  });

  it('mall form body with bracket keys: signed over the nested values the server sees', () => {
    const form = 'uid=2455&goods%5B0%5D%5Bgoods_id%5D=164&goods%5B0%5D%5Btotal%5D=2&goods%5B1%5D%5Bgoods_id%5D=99&goods%5B1%5D%5Btotal%5D=2&outside_sn=SN+%E6%B5%8B&member_coupon_ids=';
    const body = signer.signBody('mall', 'application/x-www-form-urlencoded; charset=UTF-8', form, keys, fresh)!;
    const flat = Object.fromEntries(new URLSearchParams(body));
    const asServerParses = {
      uid: '2455',
      goods: [{ goods_id: '164', total: '2' }, { goods_id: '99', total: '2' }],
      outside_sn: 'SN 测',
      member_coupon_ids: '',
      app_id: keys.mallAppId,
      timestamp: fresh.timestamp,
      nonce: fresh.nonce,
      sign: flat.sign,
    };
    expect(verifyMallSign(asServerParses, keys.mallSecret)).toBe(true);
  });

  it('leaves a body it cannot read alone', () => {
    expect(signer.signBody('partner', 'application/json', '{not json', keys, fresh)).toBeNull();
  });

  it('knows which routes are signed', () => {
    expect(signer.schemeOf('POST', '/app/partner/order/pay')).toBe('partner');
    expect(signer.schemeOf('post', '/order/create')).toBe('mall');
    expect(signer.schemeOf('POST', '/admin/partner/users')).toBe('');
    expect(signer.schemeOf('GET', '/order/create')).toBe('');
  });
});

describe('page signer: what each Execute sends', () => {
  const pageKeys = { ...keys, idempotencyKeyExample: 'refund-0001' };
  let counter = 0;
  const context = (retryLast = false) => ({ retryLast, nowSeconds: Math.floor(Date.now() / 1000), random: () => `r${++counter}`.padStart(16, '0') });
  const refund = (key = 'refund-0001') => ({ method: 'POST', body: '{"amount":300,"reason":"r"}', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key } });
  const path = '/admin/partner/orders/202201071757550123456789/refund';

  it('sends a fresh Idempotency-Key in place of the prefilled example, on every Execute', () => {
    const sent = {};
    const first = signer.prepareRequest(refund(), path, pageKeys, sent, context());
    const second = signer.prepareRequest(refund(), path, pageKeys, sent, context());
    expect(first.headers['Idempotency-Key']).toMatch(/^swagger-[0-9a-z]{16}$/);
    expect(second.headers['Idempotency-Key']).toMatch(/^swagger-[0-9a-z]{16}$/);
    expect(second.headers['Idempotency-Key']).not.toBe(first.headers['Idempotency-Key']);
    expect(first.body).toBe('{"amount":300,"reason":"r"}');
  });

  it('"Retry last" sends the operation\'s previous key and body again; a key typed in is sent as typed', () => {
    const sent = {};
    const first = signer.prepareRequest(refund(), path, pageKeys, sent, context());
    const edited = { ...refund(), body: '{"amount":1,"reason":"r"}' };
    const retried = signer.prepareRequest(edited, path, pageKeys, sent, context(true));
    expect(retried.headers['Idempotency-Key']).toBe(first.headers['Idempotency-Key']);
    expect(retried.body).toBe(first.body);
    expect(signer.prepareRequest(refund('my-key-1'), path, pageKeys, sent, context()).headers['Idempotency-Key']).toBe('my-key-1');
    // another operation has its own last request
    expect(signer.prepareRequest(refund(), `${path}x`, pageKeys, sent, context(true)).headers['Idempotency-Key']).toMatch(/^swagger-/);
  });

  it('signs each Execute afresh, and "Retry last" resends the signed body unchanged', () => {
    const sent = {};
    const pay = () => ({ method: 'POST', body: JSON.stringify({ user_id: 'u1', pay_type: 1, gift_pos_id: 'g', address_id: 1 }), headers: { 'content-type': 'application/json' } });
    const first = signer.prepareRequest(pay(), '/app/partner/order/pay', pageKeys, sent, context());
    const second = signer.prepareRequest(pay(), '/app/partner/order/pay', pageKeys, sent, context());
    expect(JSON.parse(second.body as string).nonce).not.toBe(JSON.parse(first.body as string).nonce);
    expect(verifyPartnerSign(JSON.parse(second.body as string), keys.partnerKey)).toBe(true);
    expect(signer.prepareRequest(pay(), '/app/partner/order/pay', pageKeys, sent, context(true)).body).toBe(second.body);
    const withToken = signer.prepareRequest(pay(), '/app/partner/order/pay', { ...pageKeys, userTokenSecret: 's'.repeat(32) }, sent, context());
    expect(withToken.headers.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('leaves unsigned requests without a key alone', () => {
    const req = { method: 'GET', headers: {} as Record<string, string> };
    expect(signer.prepareRequest(req, '/admin/partner/users/u1', pageKeys, {}, context())).toEqual({ method: 'GET', headers: {} });
  });
});
