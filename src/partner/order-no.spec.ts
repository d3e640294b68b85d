import { formatOrderNo, OrderNoClock } from './order-no';

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
});
