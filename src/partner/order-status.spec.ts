import { IllegalStateError } from '../common/errors/app-error';
import * as sql from '../database/sql';
import { OrderStatus, PARTNER_ORDER_LIFECYCLE, transition } from './order-status';

describe('partner order status table', () => {
  afterEach(() => jest.restoreAllMocks());

  it('allows exactly 0→1, 0→-1, 1→2, 1→-1 (full refund before shipping) and 2→3', () => {
    expect(PARTNER_ORDER_LIFECYCLE.table).toEqual({ 0: [1, -1], 1: [2, -1], 2: [3], 3: [], '-1': [] });
  });

  it('refuses a move outside the table with 42204 before touching the database', async () => {
    const updateWhere = jest.spyOn(sql, 'updateWhere');
    await expect(transition({} as never, '1'.repeat(27), OrderStatus.Shipped, OrderStatus.Closed)).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).not.toHaveBeenCalled();
  });

  it('answers a lost race (no row still in `from`) with 42204 as well', async () => {
    const updateWhere = jest.spyOn(sql, 'updateWhere').mockResolvedValue(0);
    await expect(transition({} as never, '1'.repeat(27), OrderStatus.Paid, OrderStatus.Shipped)).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).toHaveBeenCalledTimes(1);
  });
});
