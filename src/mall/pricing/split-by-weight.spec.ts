import { splitByWeight } from './split-by-weight';

describe('splitByWeight', () => {
  it('splits in proportion and gives the remainder to the last part', () => {
    expect(splitByWeight(1000, [5000, 3000, 2000])).toEqual([500, 300, 200]);
    expect(splitByWeight(1000, [3333, 3333, 3334])).toEqual([333, 333, 334]);
    expect(splitByWeight(100, [1, 1, 1])).toEqual([33, 33, 34]);
  });

  it('always adds up to the amount', () => {
    for (const [amount, weights] of [
      [1999, [7, 13, 4999]],
      [1, [100, 100]],
      [123456789, [98765432, 12345, 1]],
    ] as Array<[number, number[]]>) {
      expect(splitByWeight(amount, weights).reduce((a, b) => a + b, 0)).toBe(amount);
    }
  });

  it('handles one part and zero weights', () => {
    expect(splitByWeight(500, [2500])).toEqual([500]);
    expect(splitByWeight(500, [0, 0])).toEqual([0, 500]);
    expect(splitByWeight(500, [])).toEqual([]);
  });
});
