import { formatOrderNo, ORDER_NUMBER_SLOTS, OrderNoClock } from './order-no';

describe('partner order numbers', () => {
  it("are yyyyMMddHHmmss in the zone + the 13-digit ms, as the seed's 202201071757551641549475668", () => {
    expect(formatOrderNo(1641549475668, 'Asia/Shanghai')).toBe('202201071757551641549475668');
  });

  it('never repeat a millisecond in one process, and skip past one taken elsewhere', () => {
    const clock = new OrderNoClock();
    expect([clock.next(1000), clock.next(1000), clock.next(999), clock.next(2000)]).toEqual([1000, 1001, 1002, 2000]);
    expect(clock.bumpPast(2000)).toBe(2001);
    expect(clock.bumpPast(1500)).toBe(2002);
    expect(clock.bumpPast(2002, 30)).toBe(2033);
  });

  it('clocks in different slots never hand out the same millisecond, even when the time stands still', () => {
    const [a, b] = [new OrderNoClock(), new OrderNoClock()];
    a.useSlot(0);
    b.useSlot(1);
    const now = 1_700_000_000_000;
    const fromA = Array.from({ length: 5 }, () => a.next(now));
    const fromB = Array.from({ length: 5 }, () => b.next(now));
    expect(fromA.every((ms) => ms % ORDER_NUMBER_SLOTS === 0)).toBe(true);
    expect(fromB.every((ms) => ms % ORDER_NUMBER_SLOTS === 1)).toBe(true);
    expect(fromA.filter((ms) => fromB.includes(ms))).toEqual([]);
  });

  it('a clock keeps to the real time rather than to its slot when a burst would run it far ahead', () => {
    const clock = new OrderNoClock();
    clock.useSlot(2);
    const now = 1_700_000_000_000;
    const burst = Array.from({ length: 100 }, () => clock.next(now));
    expect(new Set(burst).size).toBe(100);
    expect(burst[99] - now).toBeLessThan(200);
  });
});
