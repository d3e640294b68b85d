import { generateKeyPairSync } from 'node:crypto';
import { formatYuan } from '../../common/money';
import { alipaySignContent, alipayTime, rsa2Sign, rsa2Verify } from './alipay-wire';

describe('alipay wire formats', () => {
  it.each([
    [30000, '300.00'],
    [9990, '99.90'],
    [1, '0.01'],
    [0, '0.00'],
    [100, '1.00'],
    [123456789012, '1234567890.12'],
    [-550, '-5.50'],
  ])('formatYuan(%p) = %p', (fen, yuan) => {
    expect(formatYuan(fen)).toBe(yuan);
  });

  it('refuses amounts that are not integer fen', () => {
    expect(() => formatYuan(99.9)).toThrow(RangeError);
    expect(() => formatYuan(Number.NaN)).toThrow(RangeError);
  });

  it('writes times in Beijing time whatever the host zone', () => {
    expect(alipayTime(new Date('2022-01-07T09:57:55.000Z'))).toBe('2022-01-07 17:57:55');
    expect(alipayTime(new Date('2022-01-07T16:00:00.000Z'))).toBe('2022-01-08 00:00:00');
  });

  it('builds the signed text from sorted keys with raw values, leaving out the excluded keys', () => {
    const content = alipaySignContent({ b: 'x y', a: '1&2', sign: 's', sign_type: 'RSA2', c: { k: 1 } }, ['sign', 'sign_type']);
    expect(content).toBe('a=1&2&b=x y&c={"k":1}');
  });

  it('signs and verifies RSA2, and a changed text or other key does not verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = rsa2Sign('a=1&b=2', privateKey);
    expect(rsa2Verify('a=1&b=2', signature, publicKey)).toBe(true);
    expect(rsa2Verify('a=1&b=3', signature, publicKey)).toBe(false);
    expect(rsa2Verify('a=1&b=2', signature, other.publicKey)).toBe(false);
    expect(rsa2Verify('a=1&b=2', 'not base64 at all', publicKey)).toBe(false);
  });
});
