import { IllegalStateError } from '../errors/app-error';
import { MALL_ORDER_LIFECYCLE, MALL_TRADE_LIFECYCLE } from '../../mall/trade/mall-order-status';
import { PARTNER_ORDER_LIFECYCLE } from '../../partner/order-status';
import { REFUND_LIFECYCLE } from '../../payments/refunds/refund-status';

describe('the lifecycle tables', () => {
  it('mall orders: paid orders go to 11 for a refund and from there closed or back; nothing leaves -1', () => {
    expect(MALL_ORDER_LIFECYCLE.moves().sort()).toEqual(['0→-1', '0→1', '1→11', '1→2', '11→-1', '11→1', '11→2', '11→3', '2→11', '2→3', '3→11'].sort());
  });

  it('mall trades: paid or closed once', () => {
    expect(MALL_TRADE_LIFECYCLE.moves().sort()).toEqual(['0→-1', '0→1']);
  });

  it('refunds: decided once, from pending', () => {
    expect(REFUND_LIFECYCLE.moves()).toEqual(['pending→success', 'pending→failed']);
  });

  it.each([
    ['mall order 2 → 1', () => MALL_ORDER_LIFECYCLE.transition({ update: jest.fn() } as never, { id: 1 }, 2, 1)],
    ['refund success → failed', () => REFUND_LIFECYCLE.transition({ update: jest.fn() } as never, { refundNo: 'RF' }, 'success', 'failed')],
    ['partner order -1 → 1', () => PARTNER_ORDER_LIFECYCLE.transition({ update: jest.fn() } as never, { orderNo: '1' }, -1, 1)],
  ])('%s is 42204 before any SQL', async (_name, move) => {
    await expect(move()).rejects.toBeInstanceOf(IllegalStateError);
  });

  it('a lost race is 42204 too, in every lifecycle', async () => {
    const em = { update: jest.fn().mockResolvedValue({ affected: 0 }) } as never;
    await expect(MALL_TRADE_LIFECYCLE.transition(em, { id: 1 }, 0, 1)).rejects.toBeInstanceOf(IllegalStateError);
    await expect(REFUND_LIFECYCLE.transition(em, { refundNo: 'RF' }, 'pending', 'success')).rejects.toBeInstanceOf(IllegalStateError);
  });
});
