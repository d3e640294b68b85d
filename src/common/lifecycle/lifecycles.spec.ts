import * as sql from '../../database/sql';
import { IllegalStateError } from '../errors/app-error';
import { MALL_ORDER_LIFECYCLE, MALL_TRADE_LIFECYCLE } from '../../mall/trade/mall-order-status';
import { PARTNER_ORDER_LIFECYCLE } from '../../partner/order-status';
import { REFUND_LIFECYCLE } from '../../payments/refunds/refund-status';
import { REFUNDABLE_MALL_STATUSES } from '../../mall/trade/mall-order-refunds';
import { Lifecycle } from './transition';

/** The table as `from→to` moves, sorted. */
const movesOf = (lifecycle: Lifecycle<any, any>) => lifecycle.statuses.flatMap((from) => lifecycle.table[from].map((to: unknown) => `${from}→${to}`)).sort();

describe('the lifecycle tables', () => {
  const em = {} as never;
  let updateWhere: jest.SpyInstance;
  beforeEach(() => (updateWhere = jest.spyOn(sql, 'updateWhere')));
  afterEach(() => jest.restoreAllMocks());

  it('mall orders: paid orders go to 11 for a refund and from there closed or back; nothing leaves -1', () => {
    expect(movesOf(MALL_ORDER_LIFECYCLE)).toEqual(['0→-1', '0→1', '1→11', '1→2', '11→-1', '11→1', '11→2', '11→3', '2→11', '2→3', '3→11'].sort());
  });

  it('mall trades: paid or closed once', () => {
    expect(movesOf(MALL_TRADE_LIFECYCLE)).toEqual(['0→-1', '0→1']);
  });

  it('refunds: decided once, from pending', () => {
    expect(movesOf(REFUND_LIFECYCLE)).toEqual(['pending→failed', 'pending→success']);
  });

  it('the refundable mall statuses are read from the table: those that may move to 11', () => {
    expect([...REFUNDABLE_MALL_STATUSES].sort()).toEqual([1, 2, 3]);
  });

  it.each([
    ['mall order 2 → 1', () => MALL_ORDER_LIFECYCLE.transition(em, { id: 1 }, 2, 1)],
    ['refund success → failed', () => REFUND_LIFECYCLE.transition(em, { refundNo: 'RF' }, 'success', 'failed')],
    ['partner order -1 → 1', () => PARTNER_ORDER_LIFECYCLE.transition(em, { orderNo: '1' }, -1, 1)],
  ])('%s is 42204 before any SQL', async (_name, move) => {
    await expect(move()).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).not.toHaveBeenCalled();
  });

  it('a lost race is 42204 too, in every lifecycle', async () => {
    updateWhere.mockResolvedValue(0);
    await expect(MALL_TRADE_LIFECYCLE.transition(em, { id: 1 }, 0, 1)).rejects.toBeInstanceOf(IllegalStateError);
    await expect(REFUND_LIFECYCLE.transition(em, { refundNo: 'RF' }, 'pending', 'success')).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).toHaveBeenCalledTimes(2);
    // The conditional update names the status it moves from, so that of concurrent moves exactly one matches.
    expect(updateWhere.mock.calls[0].slice(2)).toEqual([{ id: 1, status: 0 }, { status: 1 }]);
  });
});
