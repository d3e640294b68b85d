import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateOrderDto } from './mall-order-params.dto';

const SIGNED = { app_id: '2022010600605642', sign: 'X' };
const ADDRESS = { mobile: '150132454657', username: '收货人', province: '广东省', city: '广州市', district: '白云区', address: '新市二街 1003 号' };

function parse(body: Record<string, unknown>): CreateOrderDto {
  const dto = plainToInstance(CreateOrderDto, { ...SIGNED, outside_sn: 'A1', uid: '2455', ...body });
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw new Error(JSON.stringify(errors.map((e) => e.property)));
  return dto;
}

describe('CreateOrderDto encodings (SPEC §5)', () => {
  it('reads a form list past the parser’s array limit (an object keyed "0", "1", ...) as a list', () => {
    const goods = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [String(i), { goods_id: String(100 + i), total: '1' }]));
    const dto = parse({ goods, address: ADDRESS });
    expect(dto.goods).toHaveLength(25);
    expect(dto.goods[24]).toMatchObject({ goods_id: 124, total: 1 });
  });

  it('accepts coupon ids as a comma list, an array or ""', () => {
    expect(parse({ goods: [{ goods_id: 1, total: 1 }], member_coupon_ids: '3, 5', address: ADDRESS }).member_coupon_ids).toEqual([3, 5]);
    expect(parse({ goods: [{ goods_id: 1, total: 1 }], member_coupon_ids: [3, '5'], address: ADDRESS }).member_coupon_ids).toEqual([3, 5]);
    expect(parse({ goods: [{ goods_id: 1, total: 1 }], member_coupon_ids: '', address: ADDRESS }).member_coupon_ids).toEqual([]);
  });

  it('accepts orders and order_goods as JSON text, and the address as JSON text or URL-encoded JSON', () => {
    const dto = parse({
      goods: '[{"goods_id":"164","total":"2"}]',
      orders: '[{"pre_id":"101e36c8e82057bd9b40c387d07e5577","deduction_ids":["point"],"service_fee":[],"note":""}]',
      order_goods: '[{"pre_id":"101e36c8e82057bd9b40c387d07e5577","diyform_data_id":"7"}]',
      address: encodeURIComponent(JSON.stringify(ADDRESS)),
    });
    expect(dto.orders?.[0]).toMatchObject({ pre_id: '101e36c8e82057bd9b40c387d07e5577', deduction_ids: ['point'] });
    expect(dto.order_goods?.[0].diyform_data_id).toBe(7);
    expect(dto.address).toMatchObject(ADDRESS);
    expect(parse({ goods: [{ goods_id: 1, total: 1 }], address: JSON.stringify(ADDRESS) }).address.city).toBe('广州市');
  });

  it('refuses an unknown deduction code and a missing address', () => {
    expect(() => parse({ goods: [{ goods_id: 1, total: 1 }], orders: [{ pre_id: '101e36c8e82057bd9b40c387d07e5577', deduction_ids: ['cash'] }], address: ADDRESS })).toThrow('orders');
    expect(() => parse({ goods: [{ goods_id: 1, total: 1 }] })).toThrow('address');
  });
});
