import { IllegalStateError } from '../common/errors/app-error';
import { OrderStatus, PARTNER_ORDER_LIFECYCLE, transition } from './order-status';

describe('partner order status table', () => {
  it('allows exactly 0→1, 0→-1, 1→2, 1→-1 (full refund before shipping) and 2→3', () => {
    expect(PARTNER_ORDER_LIFECYCLE.moves().sort()).toEqual(['0→-1', '0→1', '1→-1', '1→2', '2→3']);
  });

  it('refuses a move outside the table with 42204 before touching the database', async () => {
    const em = { update: jest.fn() };
    await expect(transition(em as never, '1'.repeat(27), OrderStatus.Shipped, OrderStatus.Closed)).rejects.toBeInstanceOf(IllegalStateError);
    expect(em.update).not.toHaveBeenCalled();
  });

  it('answers a lost race (no row still in `from`) with 42204 as well', async () => {
    const em = { update: jest.fn().mockResolvedValue({ affected: 0 }) };
    await expect(transition(em as never, '1'.repeat(27), OrderStatus.Paid, OrderStatus.Shipped)).rejects.toBeInstanceOf(IllegalStateError);
  });
});
