import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

/**
 * A gift-pack order. Everything the partner API shows is copied in at order time (buyer, receiver,
 * pack, level), so later edits to users, addresses or packs never rewrite an order.
 */
@Entity('partner_orders')
@Index('uq_partner_order_no', ['orderNo'], { unique: true })
@Index('ix_partner_order_user_status', ['userId', 'orderStatus', 'createdAt'])
@Index('ix_partner_order_status_created', ['orderStatus', 'createdAt'])
@Index('ix_partner_order_status_expires', ['orderStatus', 'payExpiresAt'])
export class PartnerOrder {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  /** 27 digits: `yyyyMMddHHmmss` + 13-digit epoch ms. */
  @Column({ type: 'varchar', length: 27 })
  orderNo: string;

  @Column({ type: 'varchar', length: 32 })
  userId: string;

  @Column({ type: 'smallint' })
  orderType: number;

  @Column({ type: 'varchar', length: 32 })
  orderName: string;

  /** -1 closed, 0 awaiting payment, 1 paid, 2 shipped, 3 received (see partner/order-status.ts). */
  @Column({ type: 'smallint' })
  orderStatus: number;

  /** 1 balance, 2 Alipay. */
  @Column({ type: 'smallint' })
  payType: number;

  @Column({ type: 'varchar', length: 32 })
  giftPosId: string;

  @Column({ type: 'varchar', length: 128 })
  giftTitle: string;

  @FenColumn()
  orderPrice: number;

  @FenColumn()
  deductPrice: number;

  /** What the buyer pays: order price minus deduction. */
  @FenColumn()
  payAmount: number;

  @Column({ type: 'varchar', length: 32, default: '' })
  couponId: string;

  /** Score granted when paid. */
  @Column({ type: 'int', default: 0 })
  orderScore: number;

  /** Whether a unit of the pack's stock was taken (limited packs only): a closed order gives back just that. */
  @Column({ type: 'boolean', default: false })
  stockTaken: boolean;

  /** Level granted when paid (the pack's at order time). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  grantLevelId: string | null;

  /** The buyer's level when ordering; `""` if none. */
  @Column({ type: 'varchar', length: 16, default: '' })
  userLevelId: string;

  @Column({ type: 'varchar', length: 20 })
  userPhone: string;

  @Column({ type: 'varchar', length: 64 })
  userRealName: string;

  @Column({ type: 'varchar', length: 32, default: '' })
  userIdNo: string;

  @Column({ type: 'varchar', length: 64 })
  receiveName: string;

  @Column({ type: 'varchar', length: 20 })
  receivePhone: string;

  @Column({ type: 'varchar', length: 512 })
  receiveAddress: string;

  /** Our Alipay `out_trade_no` (`bill_no` on the wire). */
  @Column({ type: 'varchar', length: 64, default: '' })
  billNo: string;

  /** Alipay's `trade_no`. */
  @Column({ type: 'varchar', length: 64, default: '' })
  thirdOrderNo: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  expressName: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  expressNumber: string;

  /** Carrier code (e.g. `SF`). */
  @Column({ type: 'varchar', length: 32, default: '' })
  expressNo: string;

  /** Where the parcel was sent from. */
  @Column({ type: 'varchar', length: 255, default: '' })
  expressAddress: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  platformRemark: string;

  @DateTimeColumn()
  createdAt: Date;

  /** Unpaid after this, the order is closed (order time + ORDER_PAY_TIMEOUT_MINUTES, as told to Alipay). */
  @DateTimeColumn()
  payExpiresAt: Date;

  @DateTimeColumn({ nullable: true })
  paidAt: Date | null;

  @DateTimeColumn({ nullable: true })
  shippedAt: Date | null;

  @DateTimeColumn({ nullable: true })
  receivedAt: Date | null;

  @DateTimeColumn({ nullable: true })
  closedAt: Date | null;
}
