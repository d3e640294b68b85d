import { createHmac } from 'node:crypto';
import type { TestApp } from './test-app';

/**
 * The cashier page of a trade as `pay_link` names it, without the base URL: `sig` is the HMAC-SHA256 of the
 * `trade_sn` under `PAY_LINK_KEY`, base64url (SPEC §6), computed here as a client holding the key would, not by the
 * service's own code.
 */
export function cashierPath(t: TestApp, tradeSn: string): string {
  return `/pay/${tradeSn}?sig=${createHmac('sha256', t.config.PAY_LINK_KEY).update(tradeSn).digest('base64url')}`;
}

/** Presses the cashier page's Alipay button: opens (or reuses) the trade's payment; the signed pay URL it redirects to. */
export async function pressAlipayButton(t: TestApp, tradeSn: string): Promise<URL> {
  const res = await t.http.post(cashierPath(t, tradeSn)).expect(303);
  return new URL(res.headers.location);
}
