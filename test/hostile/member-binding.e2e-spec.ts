import type { Response } from 'supertest';
import { MallCoupon } from '../../src/database/entities/mall/mall-coupon.entity';
import { preIdOf } from '../../src/mall/pre-id';
import { describeEachEngine } from '../support/each-engine';
import { createTestApp, TestApp } from '../support/test-app';
import {
  ADMIN,
  adminPost,
  createApp,
  createCoupon,
  createGoods,
  freshId,
  MallAppCredentials,
  postMall,
  SEED_ADDRESS,
  walletAudit,
} from '../mall/mall-fixtures';
import { businessSnapshot, expectRefused, hex } from './hostile-support';

/**
 * Whose money a mall request may move (SPEC §3, "Mall members belong to apps"), tried as an attacker would: a
 * merchant app holding nothing but its own app id and secret names another app's member.
 */

/** A member with a 200-yuan balance and a 10-yuan platform coupon, made and bound the way an operator does it. */
async function memberOf(t: TestApp, app: MallAppCredentials): Promise<{ uid: number; coupon: number }> {
  const uid = freshId();
  await adminPost(t, 'members', { uid, mobile: `139${String(uid).padStart(8, '0')}`, app_ids: [app.appId] });
  await adminPost(t, `members/${uid}/balance`, { amount: 200 });
  return { uid, coupon: await createCoupon(t, uid, 10) };
}

/** `/order/pre` or `/order/create` for `units` of the goods, paid from the balance with the coupon. */
function spend(t: TestApp, app: MallAppCredentials, path: '/order/pre' | '/order/create', uid: number, coupon: number, goodsId: number, units: number) {
  const goods = [{ goods_id: goodsId, total: units }];
  const params: Record<string, unknown> = { uid, goods, dispatch_type_id: 1, member_coupon_ids: String(coupon), orders: [{ pre_id: preIdOf([goodsId]), deduction_ids: ['balance'] }] };
  if (path === '/order/create') Object.assign(params, { outside_sn: `MB-${hex(6)}`, address: SEED_ADDRESS });
  return postMall(t, path, params, app);
}

/** Everything a client sees of an answer but the request id and the date, which differ for every request anyway. */
function seen(res: Response) {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !['x-request-id', 'date'].includes(name)));
  return { status: res.status, headers, text: res.text };
}

async function appIdsOf(t: TestApp, uid: number): Promise<string[]> {
  const res = await t.http.get(`/admin/mall/members/${uid}`).set(ADMIN).expect(200);
  return res.body.result.app_ids;
}

describeEachEngine('hostile clients: another app\'s member', (ctx) => {
  let appA: MallAppCredentials;
  let appB: MallAppCredentials;
  let goodsId: number;

  beforeAll(async () => {
    appA = await createApp(ctx());
    appB = await createApp(ctx());
    goodsId = await createGoods(ctx(), 1, 25, 1_000);
  });

  it('app B spending app A\'s member (balance 200, a coupon) gets 40401 会员不存在 from /order/pre and /order/create, byte for byte the unknown uid\'s answer; nothing moves', async () => {
    const t = ctx();
    const { uid, coupon } = await memberOf(t, appA);
    const unknown = freshId();
    const before = await businessSnapshot(t);
    for (const path of ['/order/pre', '/order/create'] as const) {
      const foreign = await spend(t, appB, path, uid, coupon, goodsId, 1);
      expectRefused(foreign, 'mall', 404, 40401);
      expect(foreign.body).toEqual({ result: 0, msg: '会员不存在', data: { code: 40401, errors: {} } });
      expect(seen(foreign)).toEqual(seen(await spend(t, appB, path, unknown, coupon, goodsId, 1)));
    }
    expect(await businessSnapshot(t)).toEqual(before);
    expect(await walletAudit(t, 'mall_member', String(uid))).toEqual({ balance: 20_000, ledgerSum: 20_000, rows: 1 });
    expect(await t.dataSource.manager.findOneByOrFail(MallCoupon, { id: coupon })).toMatchObject({ status: 0, tradeSn: '' });
  });

  it('bisecting the amount with the balance deduction from app B reveals nothing: 25 and 2,500 yuan get the same 40401 (app A itself is told 成功 and 余额不足)', async () => {
    const t = ctx();
    const { uid, coupon } = await memberOf(t, appA);
    const small = await spend(t, appB, '/order/pre', uid, coupon, goodsId, 1);
    const large = await spend(t, appB, '/order/pre', uid, coupon, goodsId, 100);
    expectRefused(small, 'mall', 404, 40401);
    expect(seen(small)).toEqual(seen(large));

    expect((await spend(t, appA, '/order/pre', uid, coupon, goodsId, 1)).body).toMatchObject({ result: 1, data: { total_price: 0 } });
    expect((await spend(t, appA, '/order/pre', uid, coupon, goodsId, 100)).body).toMatchObject({ result: 0, msg: '余额不足', data: { code: 42201 } });
  });

  it('binding lets app B in, unbinding shuts it out again; the trade it made stays its own; GET members/:uid lists app_ids', async () => {
    const t = ctx();
    const { uid, coupon } = await memberOf(t, appA);
    expect(await appIdsOf(t, uid)).toEqual([appA.appId]);

    const bound = await adminPost(t, `apps/${appB.appId}/members`, { uid });
    expect(bound).toMatchObject({ uid, balance: 200, app_ids: [appA.appId, appB.appId].sort() });
    // Binding twice is no error and no second row.
    expect((await adminPost(t, `apps/${appB.appId}/members`, { uid })).app_ids).toEqual([appA.appId, appB.appId].sort());
    const created = await spend(t, appB, '/order/create', uid, coupon, goodsId, 1);
    expect(created.body).toMatchObject({ result: 1, data: { total_price: 0 } });
    expect((await t.http.get(`/admin/mall/members/${uid}`).set(ADMIN).expect(200)).body.result.balance).toBe(185);

    const unbound = await t.http.delete(`/admin/mall/apps/${appB.appId}/members/${uid}`).set(ADMIN).expect(200);
    expect(unbound.body.result).toMatchObject({ uid, app_ids: [appA.appId] });
    expect(await appIdsOf(t, uid)).toEqual([appA.appId]);
    expectRefused(await spend(t, appB, '/order/pre', uid, coupon, goodsId, 1), 'mall', 404, 40401);
    const detail = await postMall(t, '/order/detail', { outside_sn: created.body.data.outside_sn }, appB).expect(200);
    expect(detail.body.data.trade_sn).toBe(created.body.data.trade_sn);
  });

  it('member create with app_ids, bind and unbind refuse an unknown app or member with 40401, and a bad body with 40001', async () => {
    const t = ctx();
    const { uid } = await memberOf(t, appA);
    const before = await businessSnapshot(t);
    const unknownApp = '2099010100000000';
    const refusals = [
      await t.http.post('/admin/mall/members').set(ADMIN).send({ uid: freshId(), mobile: '13900000000', app_ids: [appA.appId, unknownApp] }),
      await t.http.post(`/admin/mall/apps/${unknownApp}/members`).set(ADMIN).send({ uid }),
      await t.http.post(`/admin/mall/apps/${appA.appId}/members`).set(ADMIN).send({ uid: freshId() }),
      await t.http.delete(`/admin/mall/apps/${unknownApp}/members/${uid}`).set(ADMIN),
      await t.http.delete(`/admin/mall/apps/${appA.appId}/members/${freshId()}`).set(ADMIN),
      // identifiers compare exactly: another case is another app
      await t.http.post(`/admin/mall/apps/${appA.appId}%20/members`).set(ADMIN).send({ uid }),
    ];
    for (const res of refusals) expectRefused(res, 'partner', 404, 40401);
    expectRefused(await t.http.post(`/admin/mall/apps/${appA.appId}/members`).set(ADMIN).send({ uid: 'x' }), 'partner', 400, 40001);
    expectRefused(await t.http.post('/admin/mall/members').set(ADMIN).send({ mobile: '13900000000', app_ids: 'abc' }), 'partner', 400, 40001);
    expect(await businessSnapshot(t)).toEqual(before);
  });

  it('upgrading binds each member to every app that already had a trade for it, once: a later unbind survives a restart', async () => {
    const engine = ctx().engine;
    const first = await createTestApp(engine);
    let restarted: TestApp | undefined;
    try {
      const [a, b] = [await createApp(first), await createApp(first)];
      const goods = await createGoods(first, 1, 25, 100);
      const { uid: both } = await memberOf(first, a);
      await adminPost(first, `apps/${b.appId}/members`, { uid: both });
      const { uid: onlyA } = await memberOf(first, a);
      const { uid: none } = await memberOf(first, a);
      for (const [app, uid] of [[a, both], [b, both], [a, onlyA], [a, onlyA]] as const) {
        await postMall(first, '/order/create', { outside_sn: `UP-${hex(6)}`, uid, goods: [{ goods_id: goods, total: 1 }], dispatch_type_id: 1, address: SEED_ADDRESS }, app).expect(200);
      }
      // The database as the release before member binding left it: no binding table, nothing that marks it done.
      await previousRelease(first);
      await first.close({ keepDatabase: true });

      restarted = await createTestApp(engine, { database: first.database });
      expect(await appIdsOf(restarted, both)).toEqual([a.appId, b.appId].sort());
      expect(await appIdsOf(restarted, onlyA)).toEqual([a.appId]);
      expect(await appIdsOf(restarted, none)).toEqual([]);
      await postMall(restarted, '/order/pre', { uid: onlyA, goods: [{ goods_id: goods, total: 1 }], dispatch_type_id: 1 }, a).expect(200);

      await restarted.http.delete(`/admin/mall/apps/${b.appId}/members/${both}`).set(ADMIN).expect(200);
      await restarted.close({ keepDatabase: true });
      restarted = await createTestApp(engine, { database: first.database });
      expect(await appIdsOf(restarted, both)).toEqual([a.appId]);
    } finally {
      await (restarted ?? first).close();
    }
  });
});

/** Drops the binding table and the record of the step that made it (MySQL: its migration; SQLite: `user_version`). */
async function previousRelease(t: TestApp): Promise<void> {
  await t.dataSource.query('DROP TABLE mall_member_apps');
  if (t.engine === 'mysql') await t.dataSource.query("DELETE FROM migrations WHERE name = 'MemberApps1796190300000'");
  else await t.dataSource.query('PRAGMA user_version = 0');
}
