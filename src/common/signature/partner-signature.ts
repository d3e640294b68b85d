import { joinSorted, Params, valueText } from './canonical';
import { hexEquals, hmacSha256Hex, md5Hex } from './hash';

/**
 * Partner scheme (WeChat Pay v2 style, SPEC §3): every parameter but `sign`, empty values dropped,
 * sorted, joined, `&key=<PARTNER_SIGN_KEY>` appended; MD5 by default, HMAC-SHA256 on request.
 */
export function partnerCanonical(params: Params): string {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (key === 'sign' || value === null || value === undefined || value === '') continue;
    entries.push([key, valueText(value)]);
  }
  return joinSorted(entries);
}

export function partnerSign(params: Params, key: string): string {
  const text = `${partnerCanonical(params)}&key=${key}`;
  return params.sign_type === 'HMAC-SHA256' ? hmacSha256Hex(key, text) : md5Hex(text);
}

export function verifyPartnerSign(params: Params, key: string): boolean {
  const signType = params.sign_type;
  if (signType !== undefined && signType !== '' && signType !== 'MD5' && signType !== 'HMAC-SHA256') return false;
  return hexEquals(partnerSign(params, key), params.sign);
}
