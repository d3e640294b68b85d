import { compactTime, formatWireTime, wireTimestamp } from './time';

describe('wire time', () => {
  const seedInstant = new Date(1641549475356);

  it('formats in the zone, as the seed shows', () => {
    expect(formatWireTime(seedInstant, 'Asia/Shanghai')).toBe('2022-01-07 17:57:55');
    expect(compactTime(seedInstant, 'Asia/Shanghai')).toBe('20220107175755');
    expect(formatWireTime(seedInstant, 'UTC')).toBe('2022-01-07 09:57:55');
  });

  it('uses "" and 0 for unset', () => {
    expect(formatWireTime(null, 'Asia/Shanghai')).toBe('');
    expect(wireTimestamp(undefined)).toBe(0);
    expect(wireTimestamp(seedInstant)).toBe(1641549475356);
  });

  it('has no hour 24 at midnight', () => {
    expect(formatWireTime(new Date(Date.UTC(2022, 0, 6, 16, 0, 0)), 'Asia/Shanghai')).toBe('2022-01-07 00:00:00');
  });
});
