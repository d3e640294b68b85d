import { Lifecycle } from '../../common/lifecycle/transition';
import { MallCoupon, MallCouponStatus } from '../../database/entities/mall/mall-coupon.entity';

/** A coupon is used by one trade, and unused again if that trade closes unpaid. */
export const MALL_COUPON_LIFECYCLE = new Lifecycle<MallCoupon, MallCouponStatus>('mall coupon', MallCoupon, 'status', {
  [MallCouponStatus.Unused]: [MallCouponStatus.Used],
  [MallCouponStatus.Used]: [MallCouponStatus.Unused],
});
