import { AppConfig } from '../config/app-config';

/**
 * The one rule for when an unpaid partner order or mall trade stops accepting payment: its creation time plus
 * ORDER_PAY_TIMEOUT_MINUTES (SPEC §6). The order's `pay_expires_at`, its payment's `expires_at` (Alipay's
 * `time_expire`), the cashier page and the timeout jobs all take it from here.
 */
export function payDeadline(config: Pick<AppConfig, 'ORDER_PAY_TIMEOUT_MINUTES'>, createdAt: Date): Date {
  return new Date(createdAt.getTime() + config.ORDER_PAY_TIMEOUT_MINUTES * 60_000);
}

/** The latest creation time whose deadline has passed at `now`. */
export function expiredIfCreatedBy(config: Pick<AppConfig, 'ORDER_PAY_TIMEOUT_MINUTES'>, now: Date): Date {
  return new Date(now.getTime() - config.ORDER_PAY_TIMEOUT_MINUTES * 60_000);
}
