import { fenToYuan, yuanToFen } from './money';

describe('money', () => {
  it.each([
    [300, 30000],
    ['300', 30000],
    [99.9, 9990],
    ['0.01', 1],
    ['10000.00', 1000000],
    [-5.5, -550],
    [0.1 + 0.2 === 0.3 ? 0.3 : 0.3, 30],
  ])('yuanToFen(%p) = %p', (yuan, fen) => {
    expect(yuanToFen(yuan)).toBe(fen);
  });

  it.each([[1.005], ['1.234'], ['abc'], [''], [NaN], [Infinity], [null], [{}], ['1e5'], ['１２']])('refuses %p', (value) => {
    expect(yuanToFen(value)).toBeNull();
  });

  it('prints fen as yuan numbers', () => {
    expect(fenToYuan(30000)).toBe(300);
    expect(fenToYuan(9990)).toBe(99.9);
    expect(fenToYuan(1)).toBe(0.01);
    expect(JSON.stringify(fenToYuan(123456789))).toBe('1234567.89');
  });
});
