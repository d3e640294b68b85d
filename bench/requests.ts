import { formatYuan } from '../src/common/money';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_APP_ID, SANDBOX_SELLER_ID } from '../src/dev/alipay-sandbox/sandbox-keys';
import { alipaySignContent, alipayTime, NOTIFY_UNSIGNED, rsa2Sign } from '../src/payments/alipay/alipay-wire';
import { signMall, signPartner } from '../test/support/signing';
import { BENCH_PACK, Fixtures, PartnerBuyer } from './fixtures';
import type { LoadRequest } from './load';

/**
 * Request bodies of the scenarios. Each carries a fresh `nonce` and a current `timestamp` (as production
 * requires with SIGN_REQUIRE_TIMESTAMP) and is signed like a real client signs it, so it passes the guard.
 */

/** Distinguishes this run's nonces and outside_sn from any earlier run on the same database. */
export const RUN_ID = randomBytes(4).toString('hex');

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const seconds = () => String(Math.floor(Date.now() / 1000));

export function partnerPay(buyer: PartnerBuyer, payType: 1 | 2, seq: string): LoadRequest {
  const params = {
    user_id: buyer.userId,
    pay_type: payType,
    gift_pos_id: BENCH_PACK.id,
    address_id: buyer.addressId,
    timestamp: seconds(),
    nonce: `${RUN_ID}-${seq}`,
  };
  return { body: JSON.stringify(signPartner(params)), contentType: JSON_TYPE };
}

export const MALL_OUTSIDE_SN_PREFIX = 'bench';
const MALL_ADDRESS = { mobile: '15013245465', username: '收货人', province: '广东省', city: '广州市', district: '白云区', street: '黄石街道', address: '新市二街 1003 号' };

/** A merchant app's credentials (the demo app's unless given). */
export interface MallAppKey {
  appId: string;
  secret: string;
}

/** One goods line per store (so one order per store), picked round-robin from the store's goods. */
export function mallCreate(fixtures: Fixtures, n: number, app?: MallAppKey): LoadRequest {
  const goods = fixtures.goodsByStore.map((ids, s) => ({ goods_id: ids[(n + s * 7) % ids.length], total: 1 + ((n + s) % 2), option_id: 0 }));
  const params = {
    outside_sn: `${MALL_OUTSIDE_SN_PREFIX}-${RUN_ID}-${n}`,
    uid: fixtures.memberUids[n % fixtures.memberUids.length],
    goods,
    dispatch_type_id: 1,
    address: MALL_ADDRESS,
    timestamp: seconds(),
    nonce: `${RUN_ID}-m${n}`,
  };
  return { body: JSON.stringify(signMall(params, app?.secret, app?.appId)), contentType: JSON_TYPE };
}

export interface PendingPayment {
  id: number;
  outTradeNo: string;
  amountFen: number;
  subject: string;
  createdAt: Date;
}

/**
 * TRADE_SUCCESS notifies signed with the sandbox's "Alipay" private key, exactly as the sandbox (and live
 * Alipay) sends them. Signed before the run, so RSA signing in the bench does not compete with the service.
 * Alipay's trade_no counts from `firstTradeNo` (a caller that signs in batches keeps them unique).
 */
export function signedNotifies(dataDir: string, payments: PendingPayment[], firstTradeNo = 0): LoadRequest[] {
  const key = createPrivateKey(readFileSync(join(dataDir, 'alipay-sandbox', 'alipay-private-key.pem'), 'utf8'));
  return payments.map((p, i) => {
    const now = new Date();
    const amount = formatYuan(p.amountFen);
    const params: Record<string, string> = {
      notify_time: alipayTime(now),
      notify_type: 'trade_status_sync',
      notify_id: randomBytes(16).toString('hex'),
      app_id: SANDBOX_APP_ID,
      auth_app_id: SANDBOX_APP_ID,
      charset: 'utf-8',
      version: '1.0',
      trade_no: `${alipayTime(now).slice(0, 10).replace(/-/g, '')}2200${String(firstTradeNo + i).padStart(16, '0')}`,
      out_trade_no: p.outTradeNo,
      buyer_id: '2088000000000001',
      seller_id: SANDBOX_SELLER_ID,
      trade_status: 'TRADE_SUCCESS',
      total_amount: amount,
      receipt_amount: amount,
      buyer_pay_amount: amount,
      subject: p.subject,
      gmt_create: alipayTime(p.createdAt),
      gmt_payment: alipayTime(now),
    };
    const sign = rsa2Sign(alipaySignContent(params, NOTIFY_UNSIGNED), key);
    return { body: new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString(), contentType: FORM_TYPE };
  });
}

export const partnerOk = (_status: number, body: string) => (JSON.parse(body) as { code?: number }).code === 1;
export const mallOk = (_status: number, body: string) => (JSON.parse(body) as { result?: number }).result === 1;
export const notifyOk = (_status: number, body: string) => body.trim() === 'success';
