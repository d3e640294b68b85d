import { createHash, createHmac } from 'node:crypto';
import { parse as parseForm } from 'qs';
import { describeEachEngine } from '../support/each-engine';
import { expectRefused } from '../hostile/hostile-support';
import { DEMO_APP } from './mall-fixtures';

/**
 * Requests exactly as a YunShop client writes them (SPEC §1, §3): `route` among the signed parameters, the shop's
 * `i` beside them unsigned, forms with nested keys as PHP's `http_build_query` encodes them, JSON text made by PHP's
 * `json_encode` (`\/` and `\uXXXX`), and nested values signed as YunShop's verifier signs them: `ksort`, `null` as
 * `""`, arrays through `json_encode`. The wire bodies and signatures below were written once by PHP 8.2 running that
 * canonical form by hand; the test needs no PHP, and a change of the server's reading of them fails it.
 */

const SECRET = DEMO_APP.secret;

/** `json_encode($address)` of the delivery address: PHP escapes the slash and every Chinese character. */
const ADDRESS_JSON =
  '{"mobile":"150132454657","username":"\\u6536\\u8d27\\u4eba","province":"\\u5e7f\\u4e1c\\u7701","city":"\\u5e7f\\u5dde\\u5e02","district":"\\u767d\\u4e91\\u533a","street":"\\u9ec4\\u77f3\\u8857\\u9053","address":"\\u65b0\\u5e02\\u4e8c\\u8857 1003\\/5 \\u53f7"}';
const ADDRESS = { mobile: '150132454657', username: '收货人', province: '广东省', city: '广州市', district: '白云区', street: '黄石街道', address: '新市二街 1003/5 号' };
const PRE_ID = '101e36c8e82057bd9b40c387d07e5577';
const OUTSIDE_SN = 'YS-20260107-0001';

/** `/order/pre` as a form, `route` in dot style, `i` in the query string (`api.php?i=2`). */
const PRE_FORM =
  'route=order.pre&app_id=2022010600605642&sign_type=MD5&uid=2455&goods%5B0%5D%5Bgoods_id%5D=164&goods%5B0%5D%5Btotal%5D=1&goods%5B0%5D%5Boption_id%5D=0&goods%5B1%5D%5Bgoods_id%5D=99&goods%5B1%5D%5Btotal%5D=2&goods%5B1%5D%5Boption_id%5D=0&dispatch_type_id=1&member_coupon_ids=&address=%7B%22mobile%22%3A%22150132454657%22%2C%22username%22%3A%22%5Cu6536%5Cu8d27%5Cu4eba%22%2C%22province%22%3A%22%5Cu5e7f%5Cu4e1c%5Cu7701%22%2C%22city%22%3A%22%5Cu5e7f%5Cu5dde%5Cu5e02%22%2C%22district%22%3A%22%5Cu767d%5Cu4e91%5Cu533a%22%2C%22street%22%3A%22%5Cu9ec4%5Cu77f3%5Cu8857%5Cu9053%22%2C%22address%22%3A%22%5Cu65b0%5Cu5e02%5Cu4e8c%5Cu8857+1003%5C%2F5+%5Cu53f7%22%7D&sign=8646A5B8CC41963F993A7BFAF899790F';
const PRE_CANONICAL = `address=${ADDRESS_JSON}&app_id=2022010600605642&dispatch_type_id=1&goods=[{"goods_id":"164","total":"1","option_id":"0"},{"goods_id":"99","total":"2","option_id":"0"}]&member_coupon_ids=&route=order.pre&sign_type=MD5&uid=2455`;

/** `/order/pre` as a JSON body: Laravel decodes the address to an array, which the verifier `json_encode`s. */
const PRE_JSON = {
  route: 'order.pre',
  app_id: '2022010600605642',
  sign_type: 'MD5',
  uid: 2455,
  goods: [{ goods_id: 164, total: 1 }],
  address: ADDRESS,
  sign: '7B04F05A4AFBF7512467866460A16EF3',
};

/**
 * `/order/create` as a form, `route` in path style, `i` in the body; `orders` as nested form keys whose note (Chinese
 * and a slash) the verifier signs in `json_encode`'s escaping, the address as `json_encode`d text, signed verbatim.
 */
const CREATE_FORM =
  'route=%2Forder%2Fcreate&app_id=2022010600605642&sign_type=MD5&i=2&outside_sn=YS-20260107-0001&uid=2455&goods%5B0%5D%5Bgoods_id%5D=164&goods%5B0%5D%5Btotal%5D=1&goods%5B0%5D%5Boption_id%5D=0&goods%5B1%5D%5Bgoods_id%5D=99&goods%5B1%5D%5Btotal%5D=2&goods%5B1%5D%5Boption_id%5D=0&dispatch_type_id=1&member_coupon_ids=&orders%5B0%5D%5Bpre_id%5D=101e36c8e82057bd9b40c387d07e5577&orders%5B0%5D%5Bnote%5D=%E8%AF%B7%E5%B0%BD%E5%BF%AB%E5%8F%91%E8%B4%A7+%2F+%E8%B0%A2%E8%B0%A2&order_goods=%5B%5D&address=%7B%22mobile%22%3A%22150132454657%22%2C%22username%22%3A%22%5Cu6536%5Cu8d27%5Cu4eba%22%2C%22province%22%3A%22%5Cu5e7f%5Cu4e1c%5Cu7701%22%2C%22city%22%3A%22%5Cu5e7f%5Cu5dde%5Cu5e02%22%2C%22district%22%3A%22%5Cu767d%5Cu4e91%5Cu533a%22%2C%22street%22%3A%22%5Cu9ec4%5Cu77f3%5Cu8857%5Cu9053%22%2C%22address%22%3A%22%5Cu65b0%5Cu5e02%5Cu4e8c%5Cu8857+1003%5C%2F5+%5Cu53f7%22%7D&invoice_type=0&rise_type=1&call=%E5%BC%A0%E4%B8%89&company_number=&sign=321782F8FB8D33E559FBAD62EF120089';
const CREATE_CANONICAL = `address=${ADDRESS_JSON}&app_id=2022010600605642&call=张三&company_number=&dispatch_type_id=1&goods=[{"goods_id":"164","total":"1","option_id":"0"},{"goods_id":"99","total":"2","option_id":"0"}]&invoice_type=0&member_coupon_ids=&order_goods=[]&orders=[{"pre_id":"${PRE_ID}","note":"\\u8bf7\\u5c3d\\u5feb\\u53d1\\u8d27 \\/ \\u8c22\\u8c22"}]&outside_sn=${OUTSIDE_SN}&rise_type=1&route=/order/create&sign_type=MD5&uid=2455`;

/** `/order/detail` as a JSON body signed with HMAC-SHA256, `i` in the query string. */
const DETAIL_JSON = {
  route: 'order.detail',
  app_id: '2022010600605642',
  sign_type: 'SHA256',
  outside_sn: OUTSIDE_SN,
  sign: '58870311bfc2b666e0cbb2678a8399ab7519903cc456390eb32e4b38ccd26d9f',
};

type Params = Record<string, unknown>;

/** PHP's `json_encode` with its default flags, written out character by character (not the service's own encoder). */
function phpJsonEncode(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(phpJsonEncode).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${phpJsonEncode(k)}:${phpJsonEncode(v)}`).join(',')}}`;
  if (typeof value !== 'string') return JSON.stringify(value);
  const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const unit = value.charCodeAt(i);
    out += named[ch] ?? (unit < 0x20 || unit > 0x7f ? `\\u${unit.toString(16).padStart(4, '0')}` : ch);
  }
  return `${out}"`;
}

/** YunShop's verifier: every parameter but `sign` and `i`, `ksort`ed, `null` as `""`, arrays `json_encode`d. */
function yunshopCanonical(params: Params): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && key !== 'i')
    .sort()
    .map((key) => {
      const value = params[key];
      return `${key}=${value === null ? '' : typeof value === 'object' ? phpJsonEncode(value) : String(value)}`;
    })
    .join('&');
}

function yunshopSign(params: Params, secret = SECRET): string {
  const text = yunshopCanonical(params);
  if (String(params.sign_type).toUpperCase() === 'SHA256') return createHmac('sha256', secret).update(text).digest('hex');
  return createHash('md5').update(`${text}&secret=${secret}`).digest('hex').toUpperCase();
}

/** A form whose `name` parameter has another value, everything else (the signature too) as it was. */
const withFormValue = (form: string, name: string, value: string) => form.replace(new RegExp(`(^|&)${name}=[^&]*`), `$1${name}=${encodeURIComponent(value)}`);

describe("YunShop's canonical form, as written by hand here", () => {
  it('matches what PHP produced for the fixtures (so the negative cases below sign as YunShop would)', () => {
    expect(yunshopCanonical(parseForm(PRE_FORM))).toBe(PRE_CANONICAL);
    expect(yunshopSign(parseForm(PRE_FORM))).toBe('8646A5B8CC41963F993A7BFAF899790F');
    expect(yunshopCanonical(parseForm(CREATE_FORM))).toBe(CREATE_CANONICAL);
    expect(yunshopSign(parseForm(CREATE_FORM))).toBe('321782F8FB8D33E559FBAD62EF120089');
    expect(yunshopSign(PRE_JSON)).toBe(PRE_JSON.sign);
    expect(yunshopSign(DETAIL_JSON)).toBe(DETAIL_JSON.sign);
  });
});

describeEachEngine("YunShop's own client", (ctx) => {
  it('pre as a form: route in dot style, i in the query string, nested goods keys, json_encoded address text', async () => {
    const t = ctx();
    const res = await t.http.post('/order/pre?i=2').type('form').send(PRE_FORM);
    expect({ status: res.status, result: res.body.result, msg: res.body.msg }).toEqual({ status: 200, result: 1, msg: expect.any(String) });
    expect(res.body.data.orders.map((o: Params) => [o.pre_id, o.goods_price])).toEqual([[PRE_ID, 75]]);
  });

  it('pre as a JSON body: the address object is verified in json_encode escaping', async () => {
    const t = ctx();
    const res = await t.http.post('/order/pre?i=2').send(PRE_JSON);
    expect({ status: res.status, result: res.body.result }).toEqual({ status: 200, result: 1 });
    expect(res.body.data.orders.map((o: Params) => [o.pre_id, o.goods_price])).toEqual([[createHash('md5').update('[164]').digest('hex'), 25]]);
  });

  it('create as a form, then detail as JSON: the trade is made once, with the address and note decoded', async () => {
    const t = ctx();
    const created = await t.http.post('/order/create').type('form').send(CREATE_FORM);
    expect({ status: created.status, text: created.text }).toEqual({ status: 200, text: expect.stringContaining('"result":1') });
    expect(created.body.data).toMatchObject({ outside_sn: OUTSIDE_SN, total_price: 75 });
    const tradeSn: string = created.body.data.trade_sn;

    const again = await t.http.post('/order/create').type('form').send(CREATE_FORM);
    expect({ status: again.status, trade_sn: again.body.data?.trade_sn }).toEqual({ status: 200, trade_sn: tradeSn });

    const detail = await t.http.post('/order/detail?i=2').send(DETAIL_JSON);
    expect({ status: detail.status, result: detail.body.result }).toEqual({ status: 200, result: 1 });
    expect(detail.body.data).toMatchObject({ outside_sn: OUTSIDE_SN, trade_sn: tradeSn, uid: 2455, status: 0 });
    expect(detail.body.data.orders).toHaveLength(1);
    expect(detail.body.data.orders[0]).toMatchObject({ pre_id: PRE_ID, note: '请尽快发货 / 谢谢', address: ADDRESS, invoice: { invoice_type: 0, rise_type: 1, call: '张三' } });
    expect(detail.body.data.orders[0].goods.map((g: Params) => [g.goods_id, g.total])).toEqual([
      [164, 1],
      [99, 2],
    ]);
  });

  it('i is unsigned: another value, in the query or the body, changes nothing', async () => {
    const t = ctx();
    for (const [path, form] of [
      ['/order/pre?i=999', PRE_FORM],
      ['/order/pre', `${PRE_FORM}&i=7`],
      ['/order/pre', `i=${encodeURIComponent('任何')}&${PRE_FORM}`],
    ]) {
      const res = await t.http.post(path).type('form').send(form);
      expect({ path, status: res.status, result: res.body.result }).toEqual({ path, status: 200, result: 1 });
    }
  });

  it('a route signed for another route is 40001 naming route, in either style', async () => {
    const t = ctx();
    for (const route of ['order.create', '/order/detail', 'outside.order.pre']) {
      const params = { ...(parseForm(PRE_FORM) as Params), route };
      const res = await t.http.post('/order/pre?i=2').send({ ...params, sign: yunshopSign(params) });
      expectRefused(res, 'mall', 400, 40001);
      expect(Object.keys(res.body.data.errors)).toEqual(['route']);
    }
  });

  it('route is signed: changed after signing (even to the other name of the same route) it is 40101', async () => {
    const t = ctx();
    expectRefused(await t.http.post('/order/pre').type('form').send(withFormValue(PRE_FORM, 'route', '/order/pre')), 'mall', 401, 40101);
    expectRefused(await t.http.post('/order/create').type('form').send(withFormValue(CREATE_FORM, 'route', 'order.create')), 'mall', 401, 40101);
    expectRefused(await t.http.post('/order/detail').send({ ...DETAIL_JSON, route: '/order/detail' }), 'mall', 401, 40101);
  });

  it('a json_encoded text value is signed as sent: the same address unescaped is another value (40101)', async () => {
    const t = ctx();
    const res = await t.http.post('/order/pre').type('form').send(withFormValue(PRE_FORM, 'address', JSON.stringify(ADDRESS)));
    expectRefused(res, 'mall', 401, 40101);
  });
});
