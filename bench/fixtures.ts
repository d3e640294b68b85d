/**
 * What the bench loads through the admin API before it measures: partner users with money and an address,
 * a gift pack, mall members and goods with deep stock. Everything goes through the service, as an operator would.
 */

import { DEMO_MALL_APP_ID } from '../src/database/demo-data/demo-data';

const ADMIN_TOKEN = 'admin-dev-token';
const ADMIN_CONCURRENCY = 16;

/**
 * Part of the service's environment in every bench run: no rate limit (the load is one client sending many requests)
 * and no load shedding below the load's own concurrency.
 */
export const BENCH_SERVICE_ENV = { RATE_LIMIT_PER_MINUTE: '0', MAX_IN_FLIGHT: '1000' };

export const BENCH_LEVEL = 'V5';
/** Unlimited stock, as the demo pack: a limited pack's row would be the one hot row of every payment. */
export const BENCH_PACK = { id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', priceFen: 990, score: 10 };
/** The demo mall stores of SPEC §9. */
export const MALL_STORES = [1, 2, 3];
export const MALL_GOODS_STOCK = 1_000_000;
const MALL_GOODS_ID_BASE = 90_000;
const MALL_MEMBER_UID_BASE = 800_000;

export interface PartnerBuyer {
  userId: string;
  addressId: number;
}

export interface Fixtures {
  /** Many buyers, each with their own wallet. */
  buyers: PartnerBuyer[];
  /** One buyer whose single wallet every request of the hot-wallet scenario debits. */
  hotBuyer: PartnerBuyer;
  /** Per store, the goods a mall create picks from. */
  goodsByStore: number[][];
  memberUids: number[];
  startingBalanceFen: number;
  hotBalanceFen: number;
}

export interface FixtureSizes {
  buyers: number;
  buyerBalanceYuan: number;
  hotBalanceYuan: number;
  goodsPerStore: number;
  members: number;
}

/** An admin API call that must succeed; its `result`. */
export async function admin<T = any>(baseUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/admin/${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { code: number; result: T };
  if (res.status !== 200 || json.code !== 1) throw new Error(`admin ${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json.result;
}

/** Runs `task` for every item with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function newBuyer(baseUrl: string, n: number, balanceYuan: number): Promise<PartnerBuyer> {
  const user = await admin(baseUrl, 'POST', 'partner/users', { phone: `139${String(n).padStart(8, '0')}`, real_name: `压测用户${n}` });
  await admin(baseUrl, 'POST', `partner/users/${user.id}/balance`, { amount: balanceYuan, remark: 'bench top-up' });
  const address = await admin(baseUrl, 'POST', `partner/users/${user.id}/addresses`, {
    name: '收货人',
    phone: '13900000000',
    province: '广东省',
    city: '深圳市',
    district: '南山区',
    detail: `科技园 ${n} 号`,
  });
  return { userId: user.id, addressId: address.id };
}

export async function loadFixtures(baseUrl: string, sizes: FixtureSizes, log: (line: string) => void): Promise<Fixtures> {
  await admin(baseUrl, 'POST', 'partner/gift-packs', {
    id: BENCH_PACK.id,
    title: '压测礼包',
    price: BENCH_PACK.priceFen / 100,
    level_id: BENCH_LEVEL,
    score: BENCH_PACK.score,
  });

  log(`loading ${sizes.buyers} partner users with ${sizes.buyerBalanceYuan} yuan each`);
  const buyers = await mapLimit(Array.from({ length: sizes.buyers }, (_, i) => i), ADMIN_CONCURRENCY, (n) => newBuyer(baseUrl, n, sizes.buyerBalanceYuan));
  const hotBuyer = await newBuyer(baseUrl, sizes.buyers, sizes.hotBalanceYuan);

  log(`loading ${sizes.goodsPerStore} goods in each of stores ${MALL_STORES.join(', ')} (stock ${MALL_GOODS_STOCK}) and ${sizes.members} members`);
  const goodsByStore = await Promise.all(
    MALL_STORES.map((storeId, s) =>
      mapLimit(Array.from({ length: sizes.goodsPerStore }, (_, i) => MALL_GOODS_ID_BASE + s * 1000 + i), ADMIN_CONCURRENCY, async (id) => {
        await admin(baseUrl, 'POST', 'mall/goods', { id, store_id: storeId, title: `压测商品 ${id}`, price: 12.5, stock: MALL_GOODS_STOCK });
        return id;
      }),
    ),
  );
  const memberUids = await mapLimit(Array.from({ length: sizes.members }, (_, i) => MALL_MEMBER_UID_BASE + i), ADMIN_CONCURRENCY, async (uid) => {
    // Served by the demo app, which signs the bench's mall requests (requests.ts).
    await admin(baseUrl, 'POST', 'mall/members', { uid, mobile: `137${String(uid).padStart(8, '0')}`, app_ids: [DEMO_MALL_APP_ID] });
    return uid;
  });

  return {
    buyers,
    hotBuyer,
    goodsByStore,
    memberUids,
    startingBalanceFen: sizes.buyerBalanceYuan * 100,
    hotBalanceFen: sizes.hotBalanceYuan * 100,
  };
}
