import { MallGoods } from '../../src/database/entities/mall/mall-goods.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { MallOrderGoods } from '../../src/database/entities/mall/mall-order-goods.entity';
import { MallTrade } from '../../src/database/entities/mall/mall-trade.entity';
import { preIdOf } from '../../src/mall/pre-id';
import { describeEachEngine } from '../support/each-engine';
import { createGoods, createMember, postMall, SEED_ADDRESS, seedParams } from './mall-fixtures';

const address = SEED_ADDRESS;

describeEachEngine('mall open API under concurrency', (ctx) => {
  it('30 parallel copies of one create (same outside_sn) make one trade and all get its response', async () => {
    const t = ctx();
    const stockBefore = (await t.dataSource.manager.findOneByOrFail(MallGoods, { id: 164 })).stock;
    const responses = await Promise.all(Array.from({ length: 30 }, () => postMall(t, '/order/create', seedParams('PARALLEL-1'))));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0].body);
    // a copy that found the original still in flight may be told so; nothing else
    for (const r of responses.filter((r) => r.status !== 200)) expect(r.body.data.code).toBe(40901);
    expect(await t.dataSource.manager.countBy(MallTrade, { outsideSn: 'PARALLEL-1' })).toBe(1);
    expect((await t.dataSource.manager.findOneByOrFail(MallGoods, { id: 164 })).stock).toBe(stockBefore - 2);
  });

  it('stock 5 and 40 parallel creates of one unit: exactly 5 trades, stock 0, never negative', async () => {
    const t = ctx();
    const goodsId = await createGoods(t, 2, 9.9, 5);
    const uid = await createMember(t);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postMall(t, '/order/create', { outside_sn: `STOCK-${goodsId}-${i}`, uid, goods: [{ goods_id: goodsId, total: 1 }], address })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    for (const r of responses.filter((r) => r.status !== 200)) expect(r.body).toMatchObject({ result: 0, data: { code: 42203 } });
    expect((await t.dataSource.manager.findOneByOrFail(MallGoods, { id: goodsId })).stock).toBe(0);
    expect(await t.dataSource.manager.countBy(MallTrade, { uid })).toBe(5);
    expect(await t.dataSource.manager.sum(MallOrderGoods, 'total', { goodsId })).toBe(5);
  });

  it('10 parallel creates each taking 30% of the points where 3 fit: at most 3 succeed, points never negative', async () => {
    const t = ctx();
    const uid = await createMember(t, 1000);
    const goodsId = await createGoods(t, 3, 10, 100, 30); // 30% of 10.00 = 3.00 = 300 points
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postMall(t, '/order/create', {
          outside_sn: `POINTS-${uid}-${i}`,
          uid,
          goods: [{ goods_id: goodsId, total: 1 }],
          orders: [{ pre_id: preIdOf([goodsId]), deduction_ids: ['point'] }],
          address,
        }),
      ),
    );
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeLessThanOrEqual(3);
    expect(ok.length).toBe(3);
    for (const r of ok) expect(r.body.data.total_price).toBe(12); // 10.00 - 3.00 points + 5.00 shipping
    for (const r of responses.filter((r) => r.status !== 200)) expect(r.body).toMatchObject({ result: 0, msg: '积分不足', data: { code: 42201 } });
    const member = await t.dataSource.manager.findOneByOrFail(MallMember, { uid });
    expect(member.points).toBe(100);
    expect(await t.dataSource.manager.sum(MallTrade, 'points', { uid })).toBe(900);
    expect((await t.dataSource.manager.findOneByOrFail(MallGoods, { id: goodsId })).stock).toBe(97);
  });
});
