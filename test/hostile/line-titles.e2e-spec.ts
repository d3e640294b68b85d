import { MallOrderGoods } from '../../src/database/entities/mall/mall-order-goods.entity';
import { describeEachEngine } from '../support/each-engine';
import { adminPost, freshId, postMall, SEED_ADDRESS } from '../mall/mall-fixtures';

describeEachEngine('order line titles (goods title + option title)', (ctx) => {
  it('goods with a 128-character title and an option with a 128-character title are bought on every engine', async () => {
    const t = ctx();
    const id = freshId();
    const optionId = freshId();
    const goodsTitle = '长'.repeat(127) + 'G';
    const optionTitle = '规'.repeat(127) + 'O';
    await adminPost(t, 'goods', { id, store_id: 1, title: goodsTitle, price: 10, stock: 5, options: [{ id: optionId, title: optionTitle, price: 12, stock: 5 }] });
    const res = await postMall(t, '/order/create', { outside_sn: `LONG-TITLE-${id}`, uid: 2455, goods: [{ goods_id: id, option_id: optionId, total: 1 }], address: SEED_ADDRESS });
    expect(`${res.status} ${res.text.slice(0, 200)}`).toMatch(/^200 /);
    const line = await t.dataSource.manager.findOneByOrFail(MallOrderGoods, { goodsId: id });
    expect(line.title).toBe(`${goodsTitle} ${optionTitle}`);
    expect([...line.title]).toHaveLength(257);
  });

  it('a 129-character goods or option title is refused at the admin API (40001), never stored', async () => {
    const t = ctx();
    const tooLong = 'x'.repeat(129);
    const goods = await t.http.post('/admin/mall/goods').set({ Authorization: 'Bearer admin-dev-token' }).send({ store_id: 1, title: tooLong, price: 1, stock: 1 });
    expect([goods.status, goods.body.code]).toEqual([400, 40001]);
    const option = await t.http
      .post('/admin/mall/goods')
      .set({ Authorization: 'Bearer admin-dev-token' })
      .send({ store_id: 1, title: 'ok', price: 1, stock: 1, options: [{ title: tooLong, price: 1, stock: 1 }] });
    expect([option.status, option.body.code]).toEqual([400, 40001]);
  });
});
