import { createSign, createVerify, KeyObject } from 'node:crypto';
import { formatWireTime } from '../../common/time';

/** Alipay reads and writes every time as Beijing time, whatever APP_TIMEZONE the service runs in. */
export const ALIPAY_TIME_ZONE = 'Asia/Shanghai';

export const NOTIFY_PATH = '/payments/alipay/notify';

/** `yyyy-MM-dd HH:mm:ss` as Alipay expects it (`time_expire`, `timestamp`, `gmt_payment`). */
export function alipayTime(date: Date): string {
  return formatWireTime(date, ALIPAY_TIME_ZONE);
}

/** The fields a notify's signature leaves out (Alipay's asynchronous notify verification, step 1). */
export const NOTIFY_UNSIGNED: readonly string[] = ['sign', 'sign_type'];

/**
 * The text Alipay signs (OpenAPI 2.0): keys sorted by code unit, `k=v` joined with `&`, raw values, objects as JSON.
 * Request signatures cover everything but `sign`; notify signatures leave out `sign_type` as well.
 */
export function alipaySignContent(params: Record<string, unknown>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !exclude.includes(key))
    .sort()
    .map((key) => {
      const value = params[key];
      return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join('&');
}

export function rsa2Sign(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKey: KeyObject): boolean {
  return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
}
