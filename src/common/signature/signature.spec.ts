import { phpJsonEncode } from './canonical';
import { mallCanonical, mallSign, verifyMallSign } from './mall-signature';
import { partnerCanonical, partnerSign, verifyPartnerSign } from './partner-signature';

/** Vectors computed independently (Python hashlib/hmac) from the SPEC §3 recipes. */
describe('partner signature', () => {
  const seed = {
    user_id: '41840909af844632885424fbc20cae79',
    pay_type: 1,
    gift_pos_id: '55fca782f55f406d94e2cecb23d0140b',
    coupon_id: '',
    address_id: 1,
  };

  it('drops empty values, sorts keys and appends the key', () => {
    expect(partnerCanonical({ ...seed, sign: 'x', note: null, extra: undefined })).toBe(
      'address_id=1&gift_pos_id=55fca782f55f406d94e2cecb23d0140b&pay_type=1&user_id=41840909af844632885424fbc20cae79',
    );
  });

  it('signs with MD5 by default', () => {
    expect(partnerSign(seed, 'partner-dev-key')).toBe('4252d2926e447b10f1b1a4f2dcdc2320');
  });

  it('signs with HMAC-SHA256 when sign_type asks, sign_type included', () => {
    expect(partnerSign({ ...seed, sign_type: 'HMAC-SHA256' }, 'partner-dev-key')).toBe(
      'c4857d7514274660cce4d99a8b9d346812668abd5e2af901f79908ed4108c9f8',
    );
  });

  it('verifies case-insensitively and treats numeric strings like numbers', () => {
    const asForm = { ...seed, pay_type: '1', address_id: '1', sign: '4252D2926E447B10F1B1A4F2DCDC2320' };
    expect(verifyPartnerSign(asForm, 'partner-dev-key')).toBe(true);
  });

  it('refuses a wrong key, a changed parameter, a missing sign and an unknown sign_type', () => {
    const sign = '4252d2926e447b10f1b1a4f2dcdc2320';
    expect(verifyPartnerSign({ ...seed, sign }, 'other-key')).toBe(false);
    expect(verifyPartnerSign({ ...seed, pay_type: 2, sign }, 'partner-dev-key')).toBe(false);
    expect(verifyPartnerSign({ ...seed }, 'partner-dev-key')).toBe(false);
    expect(verifyPartnerSign({ ...seed, sign_type: 'SHA1', sign }, 'partner-dev-key')).toBe(false);
  });
});

describe('mall signature', () => {
  const request = {
    app_id: '2022010600605642',
    uid: 2455,
    goods: [
      { goods_id: '164', total: '2', option_id: '0' },
      { goods_id: '99', total: '2', option_id: '0' },
    ],
    member_coupon_ids: '',
    address: { username: '收货人', address: '新市二街 1003/号' },
    dispatch_type_id: 1,
  };

  it('keeps empty values and encodes nested values as compact JSON', () => {
    expect(mallCanonical(request)).toBe(
      'address={"username":"收货人","address":"新市二街 1003/号"}&app_id=2022010600605642&dispatch_type_id=1' +
        '&goods=[{"goods_id":"164","total":"2","option_id":"0"},{"goods_id":"99","total":"2","option_id":"0"}]&member_coupon_ids=&uid=2455',
    );
    expect(mallCanonical({ a: null, b: '' })).toBe('a=&b=');
  });

  it('signs with upper-case MD5 over string&secret', () => {
    expect(mallSign(request, 'mall-dev-secret')).toBe('56E4371466AD90F8BA7F62856EE98EEE');
  });

  it('signs with HMAC-SHA256 when sign_type=SHA256', () => {
    expect(mallSign({ ...request, sign_type: 'SHA256' }, 'mall-dev-secret')).toBe(
      '4245137db9dbeda4b0cf407bf00d922373ec0fce69f091590c30e6a460548ccc',
    );
  });

  it('accepts a client that signed its array with PHP json_encode escaping', () => {
    expect(mallCanonical(request, 'php')).toContain('address={"username":"\\u6536\\u8d27\\u4eba","address":"\\u65b0\\u5e02\\u4e8c\\u8857 1003\\/\\u53f7"}');
    expect(verifyMallSign({ ...request, sign: '7FC7D41D11D63C3FBC4E3C46DD18B308' }, 'mall-dev-secret')).toBe(true);
    expect(verifyMallSign({ ...request, sign: '56e4371466ad90f8ba7f62856ee98eee' }, 'mall-dev-secret')).toBe(true);
  });

  it("escapes as PHP 8's json_encode does: DEL stays raw, astral characters as two lowercase escapes", () => {
    expect(phpJsonEncode(['a\u007fb/é', '😀'])).toBe('["a\u007fb\\/\\u00e9","\\ud83d\\ude00"]');
  });

  it('refuses a wrong secret or a changed nested value', () => {
    expect(verifyMallSign({ ...request, sign: '56E4371466AD90F8BA7F62856EE98EEE' }, 'other')).toBe(false);
    const changed = { ...request, goods: [{ goods_id: '164', total: '3', option_id: '0' }] };
    expect(verifyMallSign({ ...changed, sign: '56E4371466AD90F8BA7F62856EE98EEE' }, 'mall-dev-secret')).toBe(false);
  });
});
