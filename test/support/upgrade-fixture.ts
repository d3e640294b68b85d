/**
 * `npx ts-node --transpile-only test/support/upgrade-fixture.ts [--entry dist/main.js] [--out test/fixtures/upgrade/previous-release.sqlite]`
 *
 * Makes the SQLite database that test/database/sqlite-upgrade.e2e-spec.ts upgrades: a build of the service (run
 * `npm run build` first, at the release the file stands for) starts on a fresh SQLite file with the demo data, and
 * takes the requests of a working day through its HTTP API: partner users paying by balance (with a coupon) and by
 * Alipay (paid in the sandbox), an order shipped and received, refunds to the balance and through Alipay, a cancelled
 * order; mall pre, create, pay (sandbox), ship, refund and close through a merchant app with a notify URL (so the
 * merchant outbox has rows; jobs are off, so they stay pending), admin top-ups, levels, goods with options, coupons.
 * Then the service stops, the file is checkpointed and VACUUMed, and every table must hold rows.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEMO_MALL_APP_ID } from '../../src/database/demo-data/demo-data';
import { preIdOf } from '../../src/mall/pre-id';
import { REPO_ROOT, startService } from './service-process';
import { signMall, signPartner } from './signing';

export const UPGRADE_FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'upgrade', 'previous-release.sqlite');

const ADMIN = { authorization: 'Bearer admin-dev-token', 'content-type': 'application/json' };
const DEMO_PACK = '55fca782f55f406d94e2cecb23d0140b';
const ADDRESS = { mobile: '15013245465', username: '收货人', province: '广东省', city: '广州市', district: '白云区', street: '黄石街道', address: '新市二街 1003 号' };

let seq = 0;
const nonce = () => `fixture-${++seq}`;
const now = () => String(Math.floor(Date.now() / 1000));

/** The user tables of a SQLite file and their row counts. */
export function tableCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
  return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

export async function makeUpgradeFixture(entry: string, out: string, log: (line: string) => void = console.log): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ops-upgrade-fixture-'));
  const file = join(dir, 'app.sqlite');
  const service = await startService({ databaseUrl: '', dataDir: dir, entry, env: { DB_TYPE: 'sqlite', SQLITE_PATH: file } });
  const base = service.baseUrl;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, text, location: res.headers.get('location'), json: () => JSON.parse(text) };
  };
  const ok = async (method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await call(method, path, body, headers);
    const json = res.status === 200 ? res.json() : undefined;
    if (!json || !(json.code === 1 || json.result === 1)) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    return json.result === 1 ? json.data : json.result;
  };
  const admin = (method: 'GET' | 'POST', path: string, body?: unknown) => ok(method, `/admin/${path}`, body, ADMIN);
  const partner = (path: string, params: Record<string, unknown>) => ok('POST', `/app/partner/${path}`, signPartner({ ...params, timestamp: now(), nonce: nonce() }));
  const sandboxPay = (outTradeNo: string) => ok('POST', '/dev/alipay/pay', { out_trade_no: outTradeNo });

  try {
    // Partner: a level, a limited pack, buyers with money, an address and a coupon.
    await admin('POST', 'partner/levels', { id: 'V6', name: '六级合伙人', rank: 6 });
    const pack = await admin('POST', 'partner/gift-packs', { title: '升级礼包（限量）', price: 199, level_id: 'V6', score: 20, stock: 50 });
    const buyers = [];
    for (let i = 0; i < 3; i++) {
      const user = await admin('POST', 'partner/users', { phone: `1380000000${i}`, real_name: `合伙人${i}` });
      await admin('POST', `partner/users/${user.id}/balance`, { amount: 1000, remark: '充值' });
      const address = await admin('POST', `partner/users/${user.id}/addresses`, { name: '收货人', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', detail: `科技园 ${i} 号` });
      buyers.push({ user_id: user.id as string, address_id: address.id as number });
    }
    const coupon = await admin('POST', 'partner/coupons', { user_id: buyers[0].user_id, title: '减10', amount: 10 });
    const [a, b, c] = buyers;
    const byBalance = await partner('order/pay', { ...a, pay_type: 1, gift_pos_id: pack.id, coupon_id: coupon.id });
    const shipped = await partner('order/pay', { ...b, pay_type: 1, gift_pos_id: DEMO_PACK });
    const refundedByBalance = await partner('order/pay', { ...c, pay_type: 1, gift_pos_id: pack.id });
    const byAlipay = await partner('order/pay', { ...a, pay_type: 2, gift_pos_id: DEMO_PACK });
    await sandboxPay(byAlipay.order_info.bill_no);
    const refundedByAlipay = await partner('order/pay', { ...b, pay_type: 2, gift_pos_id: pack.id });
    await sandboxPay(refundedByAlipay.order_info.bill_no);
    const cancelled = await partner('order/pay', { ...c, pay_type: 2, gift_pos_id: pack.id });
    await partner('order/cancel', { user_id: c.user_id, order_no: cancelled.order_info.order_no });
    const pending = await partner('order/pay', { ...c, pay_type: 2, gift_pos_id: DEMO_PACK });
    await partner('order/repay', { user_id: c.user_id, order_no: pending.order_info.order_no });
    await admin('POST', `partner/orders/${shipped.order_info.order_no}/ship`, { express_name: '顺丰', express_number: 'SF1234567890' });
    await partner('order/receive', { user_id: b.user_id, order_no: shipped.order_info.order_no });
    await admin('POST', `partner/orders/${refundedByBalance.order_info.order_no}/refund`, { amount: 50, reason: '部分退款' });
    await admin('POST', `partner/orders/${refundedByAlipay.order_info.order_no}/refund`, { reason: '用户申请退款' });
    await partner('order/detail', { user_id: a.user_id, order_no: byBalance.order_info.order_no });
    await partner('order/list', { user_id: a.user_id });
    log(`partner: orders paid by balance ${byBalance.order_info.order_no}, by Alipay ${byAlipay.order_info.order_no}, pending ${pending.order_info.order_no}`);

    // Mall: a merchant app whose notify URL nobody answers (jobs are off: its outbox rows stay pending), a store,
    // goods with options, a member with points, balance and a coupon, bound to the new app and the demo app.
    const app = await admin('POST', 'mall/apps', { name: '测试商户', notify_url: 'http://127.0.0.1:9/mall-notify' });
    const mall = (path: string, params: Record<string, unknown>) => ok('POST', path, signMall({ ...params, timestamp: now(), nonce: nonce() }, app.secret, app.app_id));
    const store = await admin('POST', 'mall/stores', { name: '升级测试店', dispatch_price: 5 });
    const shirt = await admin('POST', 'mall/goods', { store_id: store.id, title: 'T 恤', price: 59, stock: 100, max_point_deduct_ratio: 20, options: [{ title: 'L', price: 59, stock: 40 }, { title: 'XL', price: 69, stock: 30 }] });
    const mug = await admin('POST', 'mall/goods', { store_id: store.id, title: '杯子', price: 25, stock: 80 });
    const member = await admin('POST', 'mall/members', { uid: 70001, mobile: '13700070001', nickname: '会员', app_ids: [app.app_id] });
    await admin('POST', `mall/apps/${DEMO_MALL_APP_ID}/members`, { uid: member.uid });
    await admin('POST', `mall/members/${member.uid}/points`, { amount: 3000 });
    await admin('POST', `mall/members/${member.uid}/balance`, { amount: 500 });
    const mallCoupon = await admin('POST', 'mall/coupons', { uid: member.uid, name: '满50减5', amount: 5, min_price: 50, store_id: store.id });
    const optionL = shirt.options[0].id;
    const goods = [
      { goods_id: shirt.id, total: 2, option_id: optionL },
      { goods_id: mug.id, total: 1, option_id: 0 },
    ];
    await mall('/order/pre', { uid: member.uid, goods, dispatch_type_id: 1, address: ADDRESS });
    const paidTrade = await mall('/order/create', {
      outside_sn: 'UPGRADE-PAID',
      uid: member.uid,
      goods,
      dispatch_type_id: 1,
      member_coupon_ids: String(mallCoupon.id),
      orders: [{ pre_id: preIdOf([shirt.id, mug.id]), deduction_ids: ['point'] }],
      address: ADDRESS,
    });
    const cashier = new URL(paidTrade.pay_link);
    const pressed = await call('POST', `${cashier.pathname}${cashier.search}`, undefined, {});
    if (pressed.status !== 303 || !pressed.location) throw new Error(`cashier button → ${pressed.status} ${pressed.text}`);
    const bizContent = JSON.parse(new URL(pressed.location).searchParams.get('biz_content') ?? '{}') as { out_trade_no?: string };
    await sandboxPay(bizContent.out_trade_no!);
    // Three stores of the demo data: one order shipped, one refunded, one left paid.
    const threeStores = await mall('/order/create', {
      outside_sn: 'UPGRADE-THREE-STORES',
      uid: member.uid,
      goods: [
        { goods_id: 164, total: 1 },
        { goods_id: 201, total: 1 },
        { goods_id: 301, total: 1 },
      ],
      orders: [{ pre_id: preIdOf([301]), deduction_ids: ['balance'] }],
      address: ADDRESS,
    });
    const threeCashier = new URL(threeStores.pay_link);
    const pressedThree = await call('POST', `${threeCashier.pathname}${threeCashier.search}`, undefined, {});
    await sandboxPay(JSON.parse(new URL(pressedThree.location!).searchParams.get('biz_content')!).out_trade_no);
    await admin('POST', `mall/orders/${threeStores.orders[0].order_sn}/ship`, { express_name: '顺丰', express_number: 'SF0987654321' });
    await mall('/order/refund', { order_sn: threeStores.orders[1].order_sn, reason: '买家申请退款' });
    await mall('/order/refund', { order_sn: threeStores.orders[2].order_sn, reason: '余额订单退款' });
    await mall('/order/create', { outside_sn: 'UPGRADE-CLOSED', uid: member.uid, goods: [{ goods_id: mug.id, total: 3, option_id: 0 }], dispatch_type_id: 1, address: ADDRESS });
    await mall('/order/close', { outside_sn: 'UPGRADE-CLOSED' });
    await mall('/order/create', { outside_sn: 'UPGRADE-PENDING', uid: member.uid, goods: [{ goods_id: shirt.id, total: 1, option_id: shirt.options[1].id }], dispatch_type_id: 1, address: ADDRESS });
    await mall('/order/detail', { outside_sn: 'UPGRADE-PAID' });
    log(`mall: trade ${paidTrade.trade_sn} paid, ${threeStores.trade_sn} shipped/refunded, one closed, one pending`);
  } finally {
    await service.stop();
  }

  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.exec('VACUUM');
    const counts = tableCounts(db);
    const empty = Object.entries(counts).filter(([, n]) => n === 0).map(([name]) => name);
    if (empty.length) throw new Error(`tables without rows: ${empty.join(', ')}`);
    mkdirSync(dirname(out), { recursive: true });
    db.close();
    copyFileSync(file, out);
    return counts;
  } finally {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? resolve(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
  makeUpgradeFixture(arg('entry', join(REPO_ROOT, 'dist', 'main.js')), arg('out', UPGRADE_FIXTURE)).then(
    (counts) => {
      for (const [table, n] of Object.entries(counts)) console.log(`${table.padEnd(32)} ${n}`);
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
