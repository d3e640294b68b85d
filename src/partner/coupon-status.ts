import { Lifecycle } from '../common/lifecycle/transition';
import { CouponStatus, PartnerCoupon } from '../database/entities/partner/partner-coupon.entity';

/**
 * An order takes an unused coupon: used when paid at once, reserved while Alipay is pending. A reserved coupon is
 * used when its order is paid and unused again when it closes; a used one stays used.
 */
export const PARTNER_COUPON_LIFECYCLE = new Lifecycle<PartnerCoupon, CouponStatus>('partner coupon', PartnerCoupon, 'status', {
  unused: ['reserved', 'used'],
  reserved: ['used', 'unused'],
  used: [],
});
