import { canTransition, OrderStatus, tryTransition } from './order-status';
import { IllegalStateError } from '../common/errors/app-error';

describe('partner order status table', () => {
  const all = [-1, 0, 1, 2, 3] as const;

  it('allows exactly 0→1, 0→-1, 1→2 and 2→3', () => {
    const allowed = all.flatMap((from) => all.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['0→-1', '0→1', '1→2', '2→3']);
  });

  it('refuses a move outside the table with 42204 before touching the database', async () => {
    const em = { update: jest.fn() };
    await expect(tryTransition(em as never, '1'.repeat(27), OrderStatus.Paid, OrderStatus.Closed)).rejects.toBeInstanceOf(IllegalStateError);
    expect(em.update).not.toHaveBeenCalled();
  });
});
