import { In } from 'typeorm';
import { mallSign } from '../../src/common/signature/mall-signature';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../../src/database/demo-data/demo-data';
import { MallCoupon } from '../../src/database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../src/database/entities/mall/mall-goods.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { MallOrder } from '../../src/database/entities/mall/mall-order.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import type { TestApp } from '../support/test-app';
import { signMall } from '../support/signing';

export const ADMIN = { Authorization: 'Bearer admin-dev-token' };

export interface MallAppCredentials {
  appId: string;
  secret: string;
}

export const DEMO_APP: MallAppCredentials = { appId: DEMO_MALL_APP_ID, secret: DEMO_MALL_SECRET };

/** The seed's address, and the seed's URL-encoded form of it. */
export const SEED_ADDRESS = { mobile: '150132454657', username: '收货人', province: '广东省', city: '广州市', district: '白云区', street: '黄石街道', address: '新市二街 1003 号' };
export const SEED_ADDRESS_URLENCODED =
  '%7B%22mobile%22%3A%22150132454657%22%2C%22username%22%3A%22%E6%94%B6%E8%B4%A7%E4%BA%BA%22%2C%22province%22%3A%22%E5%B9%BF%E4%B8%9C%E7%9C%81%22%2C%22city%22%3A%22%E5%B9%BF%E5%B7%9E%E5%B8%82%22%2C%22district%22%3A%22%E7%99%BD%E4%BA%91%E5%8C%BA%22%2C%22street%22%3A%22%E9%BB%84%E7%9F%B3%E8%A1%97%E9%81%93%22%2C%22address%22%3A%22%E6%96%B0%E5%B8%82%E4%BA%8C%E8%A1%97+1003+%E5%8F%B7%22%7D';

/** Seed 002's request, made valid JSON and given an outside_sn (app_id and sign are added by signing). */
export function seedParams(outsideSn: string): Record<string, unknown> {
  return {
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
    address: SEED_ADDRESS_URLENCODED,
  };
}

export function postMall(t: TestApp, path: string, params: Record<string, unknown>, app: MallAppCredentials = DEMO_APP) {
  return t.http.post(path).send(signMall(params, app.secret, app.appId));
}

/** `a[0][b]=1` form encoding of nested values, as PHP and qs write them. */
export function toForm(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${prefix}[${k}]`, v);
    } else {
      pairs.push(`${encodeURIComponent(prefix).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(String(value))}`);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return pairs.join('&');
}

/** Every value a form carries arrives as a string: sign what the server will parse. */
export function stringLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringLeaves);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringLeaves(v)]));
  return String(value);
}

export function signedForm(params: Record<string, unknown>, app: MallAppCredentials = DEMO_APP): string {
  const parsed = stringLeaves({ app_id: app.appId, ...params }) as Record<string, unknown>;
  return toForm({ ...parsed, sign: mallSign(parsed, app.secret) });
}

export async function adminPost<T = Record<string, any>>(t: TestApp, path: string, body: Record<string, unknown>): Promise<T> {
  const res = await t.http.post(`/admin/mall/${path}`).set(ADMIN).send(body);
  if (res.status !== 200 || res.body.code !== 1) throw new Error(`admin ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result as T;
}

export async function createApp(t: TestApp, notifyUrl?: string): Promise<MallAppCredentials> {
  const app = await adminPost(t, 'apps', { name: 'test merchant', ...(notifyUrl ? { notify_url: notifyUrl } : {}) });
  return { appId: app.app_id, secret: app.secret };
}

let nextId = 5000;
/** Ids far from the demo data's, unique within a test file. */
export function freshId(): number {
  nextId += 1;
  return nextId;
}

/** A member served by `apps` (the demo app unless given), with points and a balance. */
export async function createMember(t: TestApp, points = 0, balanceYuan = 0, apps: MallAppCredentials[] = [DEMO_APP]): Promise<number> {
  const uid = freshId();
  await adminPost(t, 'members', { uid, mobile: `139${String(uid).padStart(8, '0')}`, app_ids: apps.map((app) => app.appId) });
  if (points) await adminPost(t, `members/${uid}/points`, { amount: points });
  if (balanceYuan) await adminPost(t, `members/${uid}/balance`, { amount: balanceYuan });
  return uid;
}

export async function createGoods(t: TestApp, storeId: number, priceYuan: number, stock: number, ratio = 0): Promise<number> {
  const id = freshId();
  await adminPost(t, 'goods', { id, store_id: storeId, title: `测试商品 ${id}`, price: priceYuan, stock, max_point_deduct_ratio: ratio });
  return id;
}

export async function createCoupon(t: TestApp, uid: number, amountYuan: number, minYuan = 0, storeId?: number): Promise<number> {
  const coupon = await adminPost(t, 'coupons', { uid, name: `券 ${amountYuan}`, amount: amountYuan, min_price: minYuan, ...(storeId ? { store_id: storeId } : {}) });
  return coupon.id;
}

/** What a member holds and what the catalogue has left: the rows a rollback must leave untouched. */
export async function snapshot(t: TestApp, uid: number, goodsIds: number[], couponIds: number[]) {
  const em = t.dataSource.manager;
  const member = await em.findOneByOrFail(MallMember, { uid });
  const audit = await walletAudit(t, 'mall_member', String(uid));
  const goods = await em.find(MallGoods, { where: { id: In(goodsIds) }, order: { id: 'ASC' } });
  const coupons = couponIds.length ? await em.find(MallCoupon, { where: { id: In(couponIds) }, order: { id: 'ASC' } }) : [];
  return {
    points: member.points,
    balance: audit.balance,
    ledgerSum: audit.ledgerSum,
    ledgerRows: audit.rows,
    stock: goods.map((g) => [g.id, g.stock]),
    coupons: coupons.map((c) => [c.id, c.status, c.tradeSn]),
    trades: await em.countBy(MallTrade, { uid }),
    orders: await em.countBy(MallOrder, { uid }),
  };
}

export const fen = (yuan: number) => Math.round(yuan * 100);

/** A wallet's balance beside the sum and count of its ledger rows (they must always agree). */
export async function walletAudit(t: TestApp, ownerType: string, ownerId: string): Promise<{ balance: number; ledgerSum: number; rows: number }> {
  const [row] = await t.dataSource.query(
    'SELECT w.balance AS balance, COALESCE(SUM(l.delta), 0) AS ledger_sum, COUNT(l.id) AS ledger_rows FROM wallets w LEFT JOIN wallet_ledger l ON l.wallet_id = w.id WHERE w.owner_type = ? AND w.owner_id = ? GROUP BY w.id, w.balance',
    [ownerType, ownerId],
  );
  return { balance: Number(row?.balance ?? 0), ledgerSum: Number(row?.ledger_sum ?? 0), rows: Number(row?.ledger_rows ?? 0) };
}
