import { createHash } from 'node:crypto';
import { parse as parseForm } from 'qs';
import type { Response } from 'supertest';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { mallSign } from '../../src/common/signature/mall-signature';
import { partnerSign } from '../../src/common/signature/partner-signature';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../../src/database/demo-data/demo-data';
import { ENTITIES } from '../../src/database/entities';
import { GiftPack } from '../../src/database/entities/partner/gift-pack.entity';
import { PartnerCoupon } from '../../src/database/entities/partner/partner-coupon.entity';
import { PartnerUser } from '../../src/database/entities/partner/partner-user.entity';
import { MallCoupon } from '../../src/database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../src/database/entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../../src/database/entities/mall/mall-goods-option.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { Wallet } from '../../src/database/entities/payments/wallet.entity';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';

/**
 * Bad-input sweep: hundreds of malformed but correctly signed requests (so they pass the guard and reach
 * validation and the business rules) across every signed endpoint. Each must be answered 4xx in its API's
 * envelope — never a 5xx, never a stack trace — and the database must be exactly as before.
 */

type Scheme = 'partner' | 'mall';
type Params = Record<string, unknown>;

interface Endpoint {
  scheme: Scheme;
  path: string;
  /** A request that is itself refused (unknown user, order or member), so no mutation of it can write. */
  base: Params;
  /** Fields that are optional: leaving them out is fine, so "missing" is not a bad input for them. */
  optional: string[];
}

const ORDER_NO = '202201071757551641549475668';
const ADDRESS = { mobile: '15013245465', username: '收货人', province: '广东省', city: '广州市', district: '白云区', street: '黄石街道', address: '新市二街 1003 号' };
const GOODS = [{ goods_id: 164, total: 1, option_id: 0 }];

/** Values that are wrong for every field they are put in (types, ranges, shapes, hostile text). */
const BAD_VALUES: unknown[] = [
  { nested: { deeper: [1, { x: 'y' }] } },
  [1, 2, 3],
  [],
  ['164'],
  true,
  -1,
  1.5,
  1e308,
  2147483648,
  -9007199254740993,
  '9'.repeat(40),
  'x'.repeat(5_000),
  "' OR '1'='1' --",
  '1; DROP TABLE partner_orders; --',
  '😀🀄️\u202e\u0000',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00%ff',
  'NaN',
  '1e3',
  '0x1F',
];

/** Hostile keys: unknown fields are refused, prototype keys must not reach any object. */
const EXTRA_FIELDS: Params[] = [
  { extra_field: 'x' },
  // parsed JSON, so `__proto__` is an own key as a client would send it, not the literal's prototype
  JSON.parse('{"__proto__": {"admin": true}}') as Params,
  { constructor: { prototype: { polluted: 1 } } },
  { 'user_id]': 1 },
  { '': 'empty key' },
];

function endpoints(userId: string): Endpoint[] {
  const user = { user_id: userId };
  return [
    { scheme: 'partner', path: '/app/partner/gift/list', base: { user_id: 'no-such-user' }, optional: [] },
    { scheme: 'partner', path: '/app/partner/order/list', base: { user_id: 'no-such-user', order_status: 1, page: 1, page_size: 20 }, optional: ['order_status', 'page', 'page_size'] },
    { scheme: 'partner', path: '/app/partner/order/detail', base: { ...user, order_no: ORDER_NO }, optional: [] },
    { scheme: 'partner', path: '/app/partner/order/cancel', base: { ...user, order_no: ORDER_NO }, optional: [] },
    { scheme: 'partner', path: '/app/partner/order/repay', base: { ...user, order_no: ORDER_NO }, optional: [] },
    { scheme: 'partner', path: '/app/partner/order/receive', base: { ...user, order_no: ORDER_NO }, optional: [] },
    // the user has no money: even an accidentally valid variation is refused (42201) rather than paid
    { scheme: 'partner', path: '/app/partner/order/pay', base: { ...user, pay_type: 1, gift_pos_id: '55fca782f55f406d94e2cecb23d0140b', address_id: 1 }, optional: ['coupon_id'] },
    { scheme: 'mall', path: '/order/pre', base: { uid: 987654, goods: GOODS, dispatch_type_id: 1 }, optional: ['dispatch_type_id', 'member_coupon_ids', 'orders', 'address'] },
    {
      scheme: 'mall',
      path: '/order/create',
      base: { outside_sn: 'sweep-1', uid: 987654, goods: GOODS, dispatch_type_id: 1, address: ADDRESS, orders: [], order_goods: [] },
      optional: ['dispatch_type_id', 'member_coupon_ids', 'orders', 'order_goods', 'invoice_type', 'rise_type', 'call', 'company_number'],
    },
    { scheme: 'mall', path: '/order/detail', base: { outside_sn: 'no-such-trade' }, optional: ['outside_sn', 'trade_sn'] },
    { scheme: 'mall', path: '/order/close', base: { outside_sn: 'no-such-trade' }, optional: [] },
  ];
}

function sign(scheme: Scheme, params: Params): Params {
  return scheme === 'partner' ? signPartner(params) : signMall(params);
}

/** Every variation of one endpoint: each field given each bad value, each required field left out, hostile extras. */
function variations(endpoint: Endpoint): Array<{ label: string; params: Params }> {
  const out: Array<{ label: string; params: Params }> = [];
  for (const field of Object.keys(endpoint.base)) {
    BAD_VALUES.forEach((value, i) => out.push({ label: `${field}=bad#${i}`, params: { ...endpoint.base, [field]: value } }));
    if (!endpoint.optional.includes(field)) {
      const { [field]: _left, ...rest } = endpoint.base;
      out.push({ label: `${field} missing`, params: rest });
    }
  }
  EXTRA_FIELDS.forEach((extra, i) => out.push({ label: `extra#${i}`, params: { ...endpoint.base, ...extra } }));
  return out;
}

/** Wrong for an integer inside a nested structure (ids, quantities, form data ids). */
const BAD_INTEGERS: unknown[] = [{ nested: 1 }, [1, 2], true, -1, 1.5, 1e308, 2147483648, 'abc', '1e3', '0x1F', '9'.repeat(40)];
/** Wrong for a text field: no type conversion makes these a string of the allowed length. */
const BAD_TEXTS: unknown[] = [{ nested: 'x' }, ['a'], true, 'x'.repeat(5_000)];

/**
 * `/order/create` for a member who exists, with one line of goods 164 (store 1), broken deep inside: in a goods
 * line, the address, the per-order choices or the custom-form ids. These reach pricing and the writes, so an
 * accepted variation would create a trade (and the snapshot would show it).
 */
function deepMallCreateVariations(): Array<{ label: string; params: Params }> {
  const preId = createHash('md5').update(JSON.stringify([164])).digest('hex');
  const line = { goods_id: 164, total: 1, option_id: 0 };
  let n = 0;
  const base = () => ({ outside_sn: `sweep-deep-${n++}`, uid: 2456, goods: [line], dispatch_type_id: 1, address: ADDRESS });
  const out: Array<{ label: string; params: Params }> = [];
  for (const field of ['goods_id', 'total', 'option_id'] as const) {
    BAD_INTEGERS.forEach((v, i) => out.push({ label: `goods[0].${field}=bad#${i}`, params: { ...base(), goods: [{ ...line, [field]: v }] } }));
  }
  BAD_INTEGERS.forEach((v, i) => out.push({ label: `order_goods[0].diyform_data_id=bad#${i}`, params: { ...base(), order_goods: [{ pre_id: preId, diyform_data_id: v }] } }));
  for (const field of ['mobile', 'province', 'address'] as const) {
    BAD_TEXTS.forEach((v, i) => out.push({ label: `address.${field}=bad#${i}`, params: { ...base(), address: { ...ADDRESS, [field]: v } } }));
  }
  const choices: unknown[] = [{ pre_id: 'f'.repeat(32) }, { pre_id: preId, deduction_ids: ['bogus'] }, { pre_id: preId, service_fee: [{ code: 1 }] }, { pre_id: 'not-hex' }];
  choices.forEach((choice, i) => out.push({ label: `orders[0]=bad#${i}`, params: { ...base(), orders: [choice] } }));
  return out;
}

/** Bodies that cannot be parsed, or that are parsed into something no DTO accepts; signed where a signature is possible. */
function transportVariations(endpoint: Endpoint): Array<{ label: string; type: string; body: string }> {
  const form = (text: string) => {
    const parsed = parseForm(text, { depth: 5, parameterLimit: 2000 }) as Params;
    const withApp = endpoint.scheme === 'mall' ? { app_id: DEMO_MALL_APP_ID, ...parsed } : parsed;
    const signature = endpoint.scheme === 'partner' ? partnerSign(withApp, 'partner-dev-key') : mallSign(withApp, DEMO_MALL_SECRET);
    return `${endpoint.scheme === 'mall' ? `app_id=${DEMO_MALL_APP_ID}&` : ''}${text}&sign=${signature}`;
  };
  return [
    { label: 'truncated JSON', type: 'application/json', body: '{"user_id": "abc", ' },
    { label: 'JSON array body', type: 'application/json', body: JSON.stringify([sign(endpoint.scheme, endpoint.base)]) },
    { label: 'JSON string body', type: 'application/json', body: '"just a string"' },
    { label: 'JSON with a BOM and garbage', type: 'application/json', body: '\ufeff{,}' },
    { label: 'broken percent-encoding', type: 'application/x-www-form-urlencoded', body: form('user_id=%E0%A4%A&uid=%ZZ&outside_sn=%') },
    { label: 'nested form keys where scalars belong', type: 'application/x-www-form-urlencoded', body: form('user_id[a][b]=1&uid[0]=2&outside_sn[x]=y&goods=1') },
    { label: 'form with an urlencoded address that is not JSON', type: 'application/x-www-form-urlencoded', body: form('uid=abc&address=%7B%22mobile%22%3A&goods[0][goods_id]=x') },
    { label: 'unknown content type', type: 'text/plain', body: 'user_id=1' },
    { label: 'body over the size limit', type: 'application/json', body: JSON.stringify({ user_id: 'x'.repeat(300 * 1024) }) },
  ];
}

/** What must not change: row counts of every table and the sums that carry money, stock, points and coupon states. */
async function snapshot(t: TestApp): Promise<Record<string, number | string>> {
  const em = t.dataSource.manager;
  const out: Record<string, number | string> = {};
  for (const entity of ENTITIES) {
    const name = t.dataSource.getMetadata(entity).tableName;
    out[`rows:${name}`] = await em.count(entity as EntityTarget<ObjectLiteral>);
  }
  const sum = async (entity: EntityTarget<ObjectLiteral>, column: string) =>
    Number((await em.createQueryBuilder(entity, 'e').select(`COALESCE(SUM(e.${column}), 0)`, 'total').getRawOne<{ total: string }>())?.total ?? 0);
  out['sum:wallets.balance'] = await sum(Wallet, 'balance');
  out['sum:mall_goods.stock'] = await sum(MallGoods, 'stock');
  out['sum:mall_goods_options.stock'] = await sum(MallGoodsOption, 'stock');
  out['sum:mall_members.points'] = await sum(MallMember, 'points');
  out['sum:partner_users.score'] = await sum(PartnerUser, 'score');
  out['sum:gift_packs.stock'] = await sum(GiftPack, 'stock');
  out['coupons:partner'] = JSON.stringify((await em.find(PartnerCoupon, { order: { id: 'ASC' } })).map((c) => [c.id, c.status, c.orderNo]));
  out['coupons:mall'] = JSON.stringify((await em.find(MallCoupon, { order: { id: 'ASC' } })).map((c) => [c.id, c.status, c.tradeSn]));
  return out;
}

/** 4xx in the API's own envelope, no trace of a stack. */
function expectRefusedInEnvelope(scheme: Scheme, label: string, res: Response): void {
  const summary = `${label} → ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status < 400 || res.status >= 500) throw new Error(`expected a 4xx: ${summary}`);
  const body = res.body as Record<string, any>;
  const shape = Object.keys(body ?? {}).sort().join(',');
  if (scheme === 'partner') {
    if (shape !== 'code,errors,msg,result' || typeof body.code !== 'number' || body.code < 40000 || body.code >= 50000) throw new Error(`not the partner envelope: ${summary}`);
  } else if (shape !== 'data,msg,result' || body.result !== 0 || typeof body.data?.code !== 'number' || body.data.code >= 50000) {
    throw new Error(`not the mall envelope: ${summary}`);
  }
  if (/\n\s+at |node_modules|\.ts:\d+|QueryFailedError|TypeError/.test(res.text) || ({} as Record<string, unknown>).admin !== undefined) throw new Error(`a stack or internal error leaked: ${summary}`);
}

describeEachEngine('bad-input sweep: malformed but signed requests are refused 4xx and change nothing', (ctx) => {
  let userId = '';

  beforeAll(async () => {
    const t = ctx();
    const admin = { Authorization: 'Bearer admin-dev-token' };
    const user = await t.http.post('/admin/partner/users').set(admin).send({ phone: '13800000000', real_name: '扫描用户' }).expect(200);
    userId = user.body.result.id;
    await t.http.post(`/admin/partner/users/${userId}/addresses`).set(admin).send({ name: '收货人', phone: '139', province: '广东省', city: '深圳市', detail: '1号' }).expect(200);
  });

  it('refuses every variation with a 4xx in its envelope, and the database is unchanged', async () => {
    const t = ctx();
    const before = await snapshot(t);
    let sent = 0;
    const failures: string[] = [];
    for (const endpoint of endpoints(userId)) {
      const base = await t.http.post(endpoint.path).send(sign(endpoint.scheme, endpoint.base));
      expect({ path: endpoint.path, status: base.status >= 400 && base.status < 500 }).toEqual({ path: endpoint.path, status: true });
      for (const { label, params } of variations(endpoint)) {
        const res = await t.http.post(endpoint.path).send(sign(endpoint.scheme, params));
        sent += 1;
        try {
          expectRefusedInEnvelope(endpoint.scheme, `${endpoint.path} ${label}`, res);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      for (const { label, type, body } of transportVariations(endpoint)) {
        const res = await t.http.post(endpoint.path).set('Content-Type', type).send(body);
        sent += 1;
        try {
          expectRefusedInEnvelope(endpoint.scheme, `${endpoint.path} ${label}`, res);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }
    for (const { label, params } of deepMallCreateVariations()) {
      const res = await t.http.post('/order/create').send(sign('mall', params));
      sent += 1;
      try {
        expectRefusedInEnvelope('mall', `/order/create ${label}`, res);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(500);
    expect(await snapshot(t)).toEqual(before);
  });
});
