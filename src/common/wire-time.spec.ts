import { formatWireTime, parseWireTime } from './time';

describe('parseWireTime', () => {
  it('reads a wire time in the zone', () => {
    expect(parseWireTime('2022-01-07 17:57:55', 'Asia/Shanghai')?.toISOString()).toBe('2022-01-07T09:57:55.000Z');
    expect(parseWireTime('2022-07-01 12:00:00', 'America/New_York')?.toISOString()).toBe('2022-07-01T16:00:00.000Z');
  });

  it('round-trips with formatWireTime', () => {
    const text = '2030-12-31 23:59:59';
    expect(formatWireTime(parseWireTime(text, 'Asia/Shanghai'), 'Asia/Shanghai')).toBe(text);
  });

  it('refuses other shapes and impossible dates', () => {
    for (const bad of ['2022-02-30 00:00:00', '2022-01-07T17:57:55', '2022-01-07 24:00:00', '']) expect(parseWireTime(bad, 'Asia/Shanghai')).toBeNull();
  });
});
