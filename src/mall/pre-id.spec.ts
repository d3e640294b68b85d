import { preIdOf } from './pre-id';

describe('preIdOf', () => {
  it('matches YunShop for [164, 99]', () => {
    expect(preIdOf([164, 99])).toBe('101e36c8e82057bd9b40c387d07e5577');
  });

  it('depends on order and treats numeric strings as integers', () => {
    expect(preIdOf([99, 164])).not.toBe(preIdOf([164, 99]));
    expect(preIdOf(['164', '99'] as unknown as number[])).toBe('101e36c8e82057bd9b40c387d07e5577');
  });
});
