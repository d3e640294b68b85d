import { mallSign } from '../../src/common/signature/mall-signature';
import { partnerSign } from '../../src/common/signature/partner-signature';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../../src/database/demo-data/demo-data';

export const DEV_PARTNER_KEY = 'partner-dev-key';

/** Adds a valid partner `sign` (demo key unless given). */
export function signPartner<T extends Record<string, unknown>>(params: T, key = DEV_PARTNER_KEY): T & { sign: string } {
  return { ...params, sign: partnerSign(params, key) };
}

/** Adds `app_id` (demo app unless given) and a valid mall `sign`. */
export function signMall<T extends Record<string, unknown>>(params: T, secret = DEMO_MALL_SECRET, appId = DEMO_MALL_APP_ID): T & { app_id: string; sign: string } {
  const withApp = { app_id: appId, ...params } as T & { app_id: string };
  return { ...withApp, sign: mallSign(withApp, secret) };
}
