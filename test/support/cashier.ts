import { CashierLinks } from '../../src/mall/cashier/cashier-links';
import type { TestApp } from './test-app';

/** The cashier page of a trade as `pay_link` names it (with its `sig`), without the base URL. */
export function cashierPath(t: TestApp, tradeSn: string): string {
  return t.app.get(CashierLinks).pathOf(tradeSn);
}

/** Presses the cashier page's Alipay button: opens (or reuses) the trade's payment; the signed pay URL it redirects to. */
export async function pressAlipayButton(t: TestApp, tradeSn: string): Promise<URL> {
  const res = await t.http.post(cashierPath(t, tradeSn)).expect(303);
  return new URL(res.headers.location);
}
