/**
 * A caller's program written against the types openapi-typescript generates from the served `/docs-json`
 * (`./schema`, generated at test time beside this file), compiled with `tsc --strict` and run against the service
 * by test/docs/generated-client.e2e-spec.ts. It uses the generated types unchanged: if the document is narrower than
 * what callers send (the seed 002 body as written), or names the wrong schema, this does not compile; if it is
 * wrong about the wire, the service refuses it. Prints one JSON line of what it learnt.
 */
import { createHash, createHmac } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const PARTNER_KEY = 'partner-dev-key';
const MALL_APP_ID = '2022010600605642';
const MALL_SECRET = 'mall-dev-secret';
const USER_ID = '41840909af844632885424fbc20cae79';
const GIFT_PACK = '55fca782f55f406d94e2cecb23d0140b';

type Params = Record<string, unknown>;
/** A request body of the document before it is signed. */
type Unsigned<Name extends keyof components['schemas']> = Omit<components['schemas'][Name], 'sign'>;

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function joinSorted(entries: Array<[string, string]>): string {
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Partner scheme (SPEC §3): empty values dropped, `&key=` appended, lowercase md5. */
function signPartner<T extends object>(params: T): T & { sign: string } {
  const entries = Object.entries(params).filter(([k, v]) => k !== 'sign' && v !== null && v !== undefined && v !== '');
  const text = `${joinSorted(entries.map(([k, v]) => [k, valueText(v)]))}&key=${PARTNER_KEY}`;
  const sign = (params as Params).sign_type === 'HMAC-SHA256' ? createHmac('sha256', PARTNER_KEY).update(text).digest('hex') : createHash('md5').update(text).digest('hex');
  return { ...params, sign };
}

/** Mall scheme (SPEC §3): empty values kept, null as "", upper md5 of `string&secret=<app_secret>`. */
function signMall<T extends object>(params: T): T & { sign: string } {
  const entries = Object.entries(params).filter(([k, v]) => k !== 'sign' && v !== undefined);
  const text = joinSorted(entries.map(([k, v]) => [k, v === null ? '' : valueText(v)]));
  return { ...params, sign: createHash('md5').update(`${text}&secret=${MALL_SECRET}`).digest('hex').toUpperCase() };
}

/** Form bodies as the document's `encoding` says (deepObject, exploded): `goods[0][goods_id]=164`. */
function formBody(body: unknown): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value as Params)) walk(prefix ? `${prefix}[${key}]` : key, inner);
    } else {
      pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(value))}`);
    }
  };
  walk('', body);
  return pairs.join('&');
}

function fail(step: string, error: unknown): never {
  throw new Error(`${step}: ${JSON.stringify(error)}`);
}

async function main(): Promise<void> {
  const api = createClient<paths>({ baseUrl: BASE_URL });
  const run = Date.now().toString(36);

  // gift list (JSON)
  const gifts = await api.POST('/app/partner/gift/list', { body: signPartner({ user_id: USER_ID }) });
  if (!gifts.data) fail('gift list', gifts.error);
  const giftIds: string[] = gifts.data.result.list.map((gift) => gift.gift_pos_id);

  // pay by balance, JSON body
  const payParams: components['schemas']['PayOrderDto'] = signPartner({ user_id: USER_ID, pay_type: 1, gift_pos_id: GIFT_PACK, address_id: 1, nonce: `json-${run}` });
  const paid = await api.POST('/app/partner/order/pay', { body: payParams });
  if (!paid.data) fail('pay (JSON)', paid.error);
  const orderNo: string = paid.data.result.order_info.order_no;
  const orderStatus: number = paid.data.result.order_info.order_status;

  // pay by balance, form body: numbers as the form sends them, text
  const formParams: Unsigned<'PayOrderDto'> = { user_id: USER_ID, pay_type: '1', gift_pos_id: GIFT_PACK, address_id: '1', nonce: `form-${run}` };
  const formPay = await api.POST('/app/partner/order/pay', {
    body: signPartner(formParams),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    bodySerializer: formBody,
  });
  if (!formPay.data) fail('pay (form)', formPay.error);

  // seed 002, value types exactly as the seed sends them
  const outsideSn = `CLIENT-${run}`;
  const seed002: Unsigned<'CreateOrderDto'> = {
    app_id: MALL_APP_ID,
    outside_sn: outsideSn,
    uid: 2455,
    goods: [
      { goods_id: '164', total: '2', option_id: '0' },
      { goods_id: '99', total: '2', option_id: '0' },
    ],
    dispatch_type_id: 1,
    member_coupon_ids: '',
    orders: '[{"pre_id":"101e36c8e82057bd9b40c387d07e5577","deduction_ids":["point"],"service_fee":[],"note":""}]',
    order_goods: '[]',
    address:
      '%7B%22mobile%22%3A%22150132454657%22%2C%22username%22%3A%22%E6%94%B6%E8%B4%A7%E4%BA%BA%22%2C%22province%22%3A%22%E5%B9%BF%E4%B8%9C%E7%9C%81%22%2C%22city%22%3A%22%E5%B9%BF%E5%B7%9E%E5%B8%82%22%2C%22district%22%3A%22%E7%99%BD%E4%BA%91%E5%8C%BA%22%2C%22street%22%3A%22%E9%BB%84%E7%9F%B3%E8%A1%97%E9%81%93%22%2C%22address%22%3A%22%E6%96%B0%E5%B8%82%E4%BA%8C%E8%A1%97+1003+%E5%8F%B7%22%7D',
  };
  const created = await api.POST('/order/create', { body: signMall(seed002) });
  if (!created.data) fail('create', created.error);
  const tradeSn: string = created.data.data.trade_sn;
  const mallOrders: Array<{ order_sn: string; price: number }> = created.data.data.orders;

  // detail
  const detail = await api.POST('/order/detail', { body: signMall({ app_id: MALL_APP_ID, outside_sn: outsideSn }) });
  if (!detail.data) fail('detail', detail.error);
  const detailStatus: number = detail.data.data.status;

  // close
  const closed = await api.POST('/order/close', { body: signMall({ app_id: MALL_APP_ID, outside_sn: outsideSn }) });
  if (!closed.data) fail('close', closed.error);

  // refund the JSON-paid order (operators, bearer token)
  const refund = await api.POST('/admin/partner/orders/{order_no}/refund', {
    params: { path: { order_no: orderNo } },
    headers: { Authorization: 'Bearer admin-dev-token' },
    body: { reason: '生成客户端测试' },
  });
  if (!refund.data) fail('refund', refund.error);

  // a refusal is typed too: the full refund closed the unshipped order, so another is 42204
  const again = await api.POST('/admin/partner/orders/{order_no}/refund', {
    params: { path: { order_no: orderNo } },
    headers: { Authorization: 'Bearer admin-dev-token' },
    body: { reason: '再退一次', amount: '1.00' },
  });
  const againCode: number | undefined = again.error?.code;

  console.log(
    JSON.stringify({
      giftIds,
      orderNo,
      orderStatus,
      formOrderNo: formPay.data.result.order_info.order_no,
      tradeSn,
      mallOrders,
      detailStatus,
      closed: closed.data.data,
      refund: refund.data.result,
      againStatus: again.response.status,
      againCode,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
