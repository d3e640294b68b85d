import { PartnerOrder } from '../../src/database/entities/partner/partner-order.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';
import { adminPost, createGoods, createMember, DEMO_APP, postMall, SEED_ADDRESS } from '../mall/mall-fixtures';
import { admin, ADMIN_AUTH, DEMO_PACK, newUser, walletOf } from '../partner/partner-fixtures';
import { businessSnapshot, expectRefused, hex, nestedJson } from './hostile-support';

/**
 * Hostile clients, tried as an attacker would: one `describe` per finding, named after it, on every engine. Each case
 * states what the attacker sent and what the service must answer and store; add a finding as another
 * `describe` block inside `describeEachEngine` below.
 */

/** A mall create of `lines` for a member, with the seed's address; `outside_sn` fresh unless given. */
function mallCreate(t: TestApp, uid: number, goods: Array<{ goods_id: number; total: number }>, outsideSn = `HC-${hex(6)}`) {
  return postMall(t, '/order/create', { outside_sn: outsideSn, uid, goods, dispatch_type_id: 1, member_coupon_ids: '', address: SEED_ADDRESS });
}

describeEachEngine('hostile clients', (ctx) => {
  describe('(6) numbers past INT32 and the SPEC §1 caps', () => {
    it('a trade past 99,999,999.99 yuan (goods at 10,000,000 yuan × 9,999) is 40001 from /order/pre and /order/create, nothing stored', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const goodsId = await createGoods(t, 1, 10_000_000, 1_000_000);
      const before = await businessSnapshot(t);
      const goods = [{ goods_id: goodsId, total: 9_999 }];
      expectRefused(await postMall(t, '/order/pre', { uid, goods, dispatch_type_id: 1, member_coupon_ids: '' }), 'mall', 400, 40001);
      expectRefused(await mallCreate(t, uid, goods), 'mall', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('100 lines × 9,999 units of 25-yuan goods (2,499,750,000 fen: past INT32, under the cap) are one trade stored exactly', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const goodsId = await createGoods(t, 1, 25, 1_000_000);
      const res = await mallCreate(t, uid, Array.from({ length: 100 }, () => ({ goods_id: goodsId, total: 9_999 })));
      expect({ status: res.status, result: res.body.result }).toEqual({ status: 200, result: 1 });
      expect(res.body.data.total_price).toBe(24_997_500);
      const detail = await postMall(t, '/order/detail', { outside_sn: res.body.data.outside_sn });
      expect(detail.body.data.total_price).toBe(24_997_500);
    });

    it('admin credits up to 99,999,999.99 yuan are stored exactly; the one past it is 40001 and changes nothing', async () => {
      const t = ctx();
      const { userId } = await newUser(t);
      for (let i = 0; i < 9; i++) await admin(t, 'post', `users/${userId}/balance`, { amount: 10_000_000, remark: `top-up ${i}` });
      const before = await businessSnapshot(t);
      const past = await t.http.post(`/admin/partner/users/${userId}/balance`).set('Authorization', ADMIN_AUTH).send({ amount: 10_000_000, remark: 'past the cap' });
      expectRefused(past, 'partner', 400, 40001);
      const field = await t.http.post(`/admin/partner/users/${userId}/balance`).set('Authorization', ADMIN_AUTH).send({ amount: '10000000.01', remark: 'past the field cap' });
      expectRefused(field, 'partner', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
      const wallet = await walletOf(t, userId);
      expect({ balance: wallet.balance, ledgerSum: wallet.ledgerSum, rows: wallet.ledger.length }).toEqual({ balance: 9_000_000_000, ledgerSum: 9_000_000_000, rows: 9 });
      expect((await admin(t, 'get', `users/${userId}`)).balance).toBe(90_000_000);
    });

    it('points credits up to 9,999,999,999 are stored exactly; the one past it is 40001 and changes nothing', async () => {
      const t = ctx();
      const uid = await createMember(t);
      for (let i = 0; i < 9; i++) await adminPost(t, `members/${uid}/points`, { amount: 1_000_000_000 });
      const before = await businessSnapshot(t);
      expectRefused(await t.http.post(`/admin/mall/members/${uid}/points`).set('Authorization', ADMIN_AUTH).send({ amount: 1_000_000_000 }), 'partner', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
      expect((await t.dataSource.manager.findOneByOrFail(MallMember, { uid })).points).toBe(9_000_000_000);
    });
  });

  describe('(7) deep bodies', () => {
    it('JSON nested 10,000 levels with a sign is 400 40001 in each family\'s envelope, before the signature check recurses', async () => {
      const t = ctx();
      const before = await businessSnapshot(t);
      const body = `{"user_id":"${hex(16)}","pay_type":1,"sign":"${hex(16)}","deep":${nestedJson(10_000)}}`;
      expectRefused(await t.http.post('/app/partner/order/pay').type('json').send(body), 'partner', 400, 40001);
      expectRefused(await t.http.post('/order/create').type('json').send(`{"app_id":"${DEMO_APP.appId}","sign":"${hex(16)}","goods":${nestedJson(10_000, '[]')}}`), 'mall', 400, 40001);
      expectRefused(await t.http.post('/admin/partner/users').set('Authorization', ADMIN_AUTH).type('json').send(nestedJson(10_000)), 'partner', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('20 levels pass the depth check (then the signature decides), 21 do not', async () => {
      const t = ctx();
      const at = (depth: number) => t.http.post('/app/partner/gift/list').type('json').send(`{"user_id":"${hex(16)}","sign":"${hex(16)}","deep":${nestedJson(depth - 1)}}`);
      expectRefused(await at(20), 'partner', 401, 40101);
      expectRefused(await at(21), 'partner', 400, 40001);
    });

    it('form keys nested deeper than the limit (21 and 40 levels) are 400 40001, never 500', async () => {
      const t = ctx();
      const before = await businessSnapshot(t);
      const formAt = (depth: number) => `user_id=${hex(16)}&sign=${hex(16)}&deep${'[a]'.repeat(depth - 1)}=1`;
      expectRefused(await t.http.post('/app/partner/order/pay').type('form').send(formAt(21)), 'partner', 400, 40001);
      expectRefused(await t.http.post('/app/partner/order/pay').type('form').send(formAt(40)), 'partner', 400, 40001);
      expectRefused(await t.http.post('/order/create').type('form').send(`app_id=${DEMO_APP.appId}&sign=x&goods${'[0]'.repeat(39)}=1`), 'mall', 400, 40001);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('bodies the parser refuses for other reasons (bad gzip, wrong charset) are 4xx in the envelope, never 500', async () => {
      const t = ctx();
      const gzip = await t.http.post('/app/partner/order/pay').set('Content-Encoding', 'gzip').type('json').send('not gzip at all');
      expectRefused(gzip, 'partner', 400, 40001);
      const charset = await t.http.post('/order/create').set('Content-Type', 'application/json; charset=klingon').send('{}');
      expectRefused(charset, 'mall', 400, 40001);
    });
  });

  describe('(8) identifiers compare exactly', () => {
    it('outside_sn X-Ab and X-aB are two trades, and /order/detail finds each one', async () => {
      const t = ctx();
      const uid = await createMember(t);
      const [g1, g2] = [await createGoods(t, 1, 10, 100), await createGoods(t, 1, 20, 100)];
      const sn = `X-Ab${hex(3)}`;
      const other = sn.replace('X-Ab', 'X-aB');
      const first = await mallCreate(t, uid, [{ goods_id: g1, total: 1 }], sn);
      const second = await mallCreate(t, uid, [{ goods_id: g2, total: 1 }], other);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.data.trade_sn).not.toBe(first.body.data.trade_sn);
      const detailOf = async (outsideSn: string) => (await postMall(t, '/order/detail', { outside_sn: outsideSn })).body.data;
      expect(JSON.stringify(await detailOf(sn))).toContain(first.body.data.trade_sn);
      expect(JSON.stringify(await detailOf(other))).toContain(second.body.data.trade_sn);
      expect(JSON.stringify(await detailOf(other))).not.toContain(first.body.data.trade_sn);
      expectRefused(await postMall(t, '/order/detail', { outside_sn: sn.toLowerCase() }), 'mall', 404, 40401);
    });

    it('nonces abc… and ABC… are two nonces: both accepted', async () => {
      const t = ctx();
      const { userId } = await newUser(t);
      const nonce = `abc${hex(8)}`;
      const list = (page: number, n: string) => t.http.post('/app/partner/order/list').send(signPartner({ user_id: userId, page, page_size: 10, nonce: n }));
      expect((await list(1, nonce)).body.code).toBe(1);
      expect((await list(2, nonce.toUpperCase())).body.code).toBe(1);
      expectRefused(await list(2, nonce), 'partner', 401, 40102); // the control: the same nonce with other parameters
    });

    it('an app_id with trailing spaces is not the app (40101), even correctly signed', async () => {
      const t = ctx();
      const before = await businessSnapshot(t);
      const padded = signMall({ outside_sn: `HC-${hex(4)}`, uid: 2456, goods: [{ goods_id: 164, total: 1 }], dispatch_type_id: 1, address: SEED_ADDRESS }, DEMO_APP.secret, `${DEMO_APP.appId}  `);
      expectRefused(await t.http.post('/order/create').send(padded), 'mall', 401, 40101);
      expect(await businessSnapshot(t)).toEqual(before);
    });

    it('an upper-cased user_id is not the user: 40401, nothing paid', async () => {
      const t = ctx();
      const { userId, addressId } = await newUser(t, { balance: 1_000 });
      const before = await businessSnapshot(t);
      const pay = await t.http.post('/app/partner/order/pay').send(signPartner({ user_id: userId.toUpperCase(), pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId }));
      expectRefused(pay, 'partner', 404, 40401);
      expect(await businessSnapshot(t)).toEqual(before);
      expect(await t.dataSource.manager.countBy(PartnerOrder, { userId })).toBe(0);
    });

    it('every identifier column compares byte for byte (MySQL: a binary NO PAD collation; SQLite: BINARY, its default)', async () => {
      const t = ctx();
      if (t.engine === 'mysql') {
        const columns: Array<{ t: string; c: string; collation: string }> = await t.dataSource.query(
          `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'varchar'
              AND (COLUMN_NAME IN ('id', 'key', 'outside_sn', 'order_no', 'order_sn', 'trade_sn', 'trade_no', 'out_trade_no', 'app_id', 'user_id', 'biz_no', 'owner_id')
                   OR COLUMN_NAME LIKE '%\\_id' OR COLUMN_NAME LIKE '%\\_no' OR COLUMN_NAME LIKE '%\\_sn')
              -- ID card numbers and carrier codes: text kept for people, never looked up
              AND COLUMN_NAME NOT IN ('id_no', 'user_id_no', 'express_no')`,
        );
        expect(columns.length).toBeGreaterThanOrEqual(30);
        expect(columns.filter((col) => !['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'].includes(col.collation))).toEqual([]);
      } else {
        const tables: Array<{ sql: string }> = await t.dataSource.query("SELECT sql FROM sqlite_master WHERE type = 'table'");
        expect(tables.length).toBeGreaterThan(10);
        expect(tables.filter((table) => /COLLATE/i.test(table.sql))).toEqual([]);
      }
    });
  });
});
