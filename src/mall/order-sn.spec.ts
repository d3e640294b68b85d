import { newOrderSn, newTradeSn } from './order-sn';

describe('mall numbers', () => {
  const at = new Date('2022-03-18T08:02:13Z');

  it('trade_sn is TN + yyMMddHHmmss in the zone + 6 upper hex', () => {
    expect(newTradeSn(at, 'Asia/Shanghai')).toMatch(/^TN220318160213[0-9A-F]{6}$/);
  });

  it('order_sn is SN + yyMMddHHmmss in the zone + 6 upper hex', () => {
    expect(newOrderSn(at, 'Asia/Shanghai')).toMatch(/^SN220318160213[0-9A-F]{6}$/);
  });
});
