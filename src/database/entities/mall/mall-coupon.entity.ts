import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

export const MallCouponStatus = { Unused: 0, Used: 1 } as const;
export type MallCouponStatus = (typeof MallCouponStatus)[keyof typeof MallCouponStatus];

/** A member's coupon: of one store, or of the platform (`storeId` null, split across a trade's orders). */
@Entity('mall_coupons')
@Index('ix_mall_coupon_uid', ['uid'])
@Index('ix_mall_coupon_trade', ['tradeSn'])
export class MallCoupon {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  uid: number;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @FenColumn()
  amount: number;

  /** Minimum goods price (of the store's order, or of the whole trade for platform coupons). */
  @FenColumn()
  minPrice: number;

  @Column({ type: 'int', nullable: true })
  storeId: number | null;

  @DateTimeColumn({ nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'smallint', default: MallCouponStatus.Unused })
  status: MallCouponStatus;

  /** The trade that holds it while used; `""` when unused, so a closed trade can give it back. */
  @Column({ type: 'varchar', length: 32, default: '' })
  tradeSn: string;

  @DateTimeColumn({ nullable: true })
  usedAt: Date | null;

  @DateTimeColumn()
  createdAt: Date;
}
