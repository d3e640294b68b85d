import { EntityManager, IsNull, LessThanOrEqual, MoreThan, Not, Or } from 'typeorm';
import { CouponUnusableError, OutOfStockError } from '../common/errors/app-error';
import { execute, executeOne } from '../database/sql';
import { GiftPack } from '../database/entities/partner/gift-pack.entity';
import { PartnerCoupon } from '../database/entities/partner/partner-coupon.entity';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import { PaymentService } from '../payments/payment.service';
import { PARTNER_COUPON_LIFECYCLE } from './coupon-status';
import { OrderStatus, transition } from './order-status';
import { GRANT_PAID_BENEFITS_SQL } from './paid-benefits';

/**
 * What an order does to coupons, stock and the buyer as it is paid or closed. Every change is a
 * conditional update run in the caller's transaction, so it happens once whatever runs concurrently.
 */

/**
 * Takes one unit of a limited pack. Unlimited packs (stock null) are not touched, so they never become a
 * hot row; callers take stock last in their transaction, so a limited pack's row is locked briefly.
 */
export async function takeStock(em: EntityManager, pack: Pick<GiftPack, 'id' | 'stock'>): Promise<void> {
  if (pack.stock === null) return;
  await executeOne(em, 'UPDATE partner_gift_packs SET stock = stock - 1 WHERE id = ? AND on_sale = ? AND stock >= 1', [pack.id, true], () => new OutOfStockError());
}

/** Gives back the unit a closed order took (if the pack still counts stock). */
export async function returnStock(em: EntityManager, order: PartnerOrder): Promise<void> {
  if (!order.stockTaken) return;
  await em.update(GiftPack, { id: order.giftPosId, stock: Not(IsNull()) }, { stock: () => 'stock + 1' });
}

/** Why a coupon cannot pay for an order of `price` fen at `now`, or null when it can. */
function couponProblem(coupon: PartnerCoupon, price: number, now: Date): string | null {
  if (coupon.status === 'reserved') return '优惠券已被待支付订单占用';
  if (coupon.status !== 'unused') return '优惠券已使用';
  if (coupon.expiresAt && coupon.expiresAt.getTime() <= now.getTime()) return '优惠券已过期';
  if (coupon.minPrice > price) return '未达到优惠券使用门槛';
  return null;
}

/**
 * Binds an unused coupon to the order: `used` when paid at once, `reserved` while Alipay is pending.
 * The conditions are repeated in the update, so of two orders racing for one coupon only one gets it.
 */
export async function claimCoupon(em: EntityManager, coupon: PartnerCoupon, orderNo: string, price: number, to: 'used' | 'reserved', now: Date): Promise<void> {
  const problem = couponProblem(coupon, price, now);
  if (problem) throw new CouponUnusableError(problem);
  const where = { id: coupon.id, userId: coupon.userId, minPrice: LessThanOrEqual(price), expiresAt: Or(IsNull(), MoreThan(now)) };
  if ((await PARTNER_COUPON_LIFECYCLE.transitionAll(em, where, 'unused', to, { orderNo })) !== 1) throw new CouponUnusableError();
}

/** The coupon reserved for a now-paid order becomes used. */
export async function useReservedCoupon(em: EntityManager, order: PartnerOrder): Promise<void> {
  if (!order.couponId) return;
  await PARTNER_COUPON_LIFECYCLE.transitionAll(em, { id: order.couponId, orderNo: order.orderNo }, 'reserved', 'used');
}

/** The coupon reserved for a now-closed order can be used again. */
async function releaseReservedCoupon(em: EntityManager, order: PartnerOrder): Promise<void> {
  if (!order.couponId) return;
  await PARTNER_COUPON_LIFECYCLE.transitionAll(em, { id: order.couponId, orderNo: order.orderNo }, 'reserved', 'unused', { orderNo: '' });
}

/**
 * What a paid order gives its buyer: the pack's level, only if it ranks above the buyer's current one
 * (an unknown current level counts as lower), and the pack's score. Called once per order, right after
 * the order's own conditional move to paid. One UPDATE does both, in plain SQL: every payment runs it
 * (database/sql.ts).
 */
export async function grantPaidBenefits(em: EntityManager, order: Pick<PartnerOrder, 'userId' | 'grantLevelId' | 'orderScore'>): Promise<void> {
  if (!order.grantLevelId && order.orderScore <= 0) return;
  await execute(em, GRANT_PAID_BENEFITS_SQL, [order.grantLevelId, order.grantLevelId, order.grantLevelId, order.orderScore, order.userId]);
}

/**
 * Closes an unpaid order (cancel or timeout) and releases what it held, once: the pending payment,
 * the reserved coupon and the unit of stock. The payment is closed first, the same lock order as a
 * settling notify (payment, then order), so the two cannot deadlock. 42204 when the order is no longer
 * awaiting payment; the caller's transaction then rolls back whole.
 */
export async function closeUnpaidOrder(em: EntityManager, payments: PaymentService, order: PartnerOrder, now: Date): Promise<void> {
  if (order.billNo) await payments.closePending(em, order.billNo);
  await transition(em, order.orderNo, OrderStatus.AwaitingPayment, OrderStatus.Closed, { closedAt: now });
  await releaseReservedCoupon(em, order);
  await returnStock(em, order);
}
