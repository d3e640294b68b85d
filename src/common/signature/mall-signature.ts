import { joinSorted, Params, phpJsonEncode, valueText } from './canonical';
import { hexEquals, hmacSha256Hex, md5Hex } from './hash';

export type JsonStyle = 'js' | 'php';

/**
 * Mall scheme (YunShop open API compatible, SPEC §3): every parameter but `sign`, `sign_type` included,
 * `null` as `""`, empty values kept, arrays and objects as compact JSON. YunShop's own verifier leaves out `i`
 * (the shop's uniacid) too, and so does this one (SPEC §1).
 */
export function mallCanonical(params: Params, style: JsonStyle = 'js'): string {
  const json = style === 'php' ? phpJsonEncode : JSON.stringify;
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (key === 'sign' || key === 'i' || value === undefined) continue;
    entries.push([key, value === null ? '' : valueText(value, json)]);
  }
  return joinSorted(entries);
}

export function mallSign(params: Params, secret: string, style: JsonStyle = 'js'): string {
  const text = mallCanonical(params, style);
  return params.sign_type === 'SHA256' ? hmacSha256Hex(secret, text) : md5Hex(`${text}&secret=${secret}`).toUpperCase();
}

/** Accepts JavaScript's and PHP `json_encode`'s JSON for nested values, as YunShop clients use the latter. */
export function verifyMallSign(params: Params, secret: string): boolean {
  const signType = params.sign_type;
  if (signType !== undefined && signType !== '' && signType !== 'MD5' && signType !== 'SHA256') return false;
  const nested = Object.values(params).some((v) => v !== null && typeof v === 'object');
  const styles: JsonStyle[] = nested ? ['js', 'php'] : ['js'];
  return styles.some((style) => hexEquals(mallSign(params, secret, style), params.sign));
}
