import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

export type CouponStatus = 'unused' | 'reserved' | 'used';

/**
 * A user's coupon. `reserved` holds it for an order awaiting Alipay; `order_no` names that order, so only
 * that order can consume or release it.
 */
@Entity('partner_coupons')
@Index('ix_partner_coupon_user_status', ['userId', 'status'])
export class PartnerCoupon {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  title: string;

  @FenColumn()
  amount: number;

  /** Minimum order price for the coupon to apply. */
  @FenColumn()
  minPrice: number;

  @DateTimeColumn({ nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'unused' })
  status: CouponStatus;

  @Column({ type: 'varchar', length: 27, default: '' })
  orderNo: string;

  @DateTimeColumn()
  createdAt: Date;
}
