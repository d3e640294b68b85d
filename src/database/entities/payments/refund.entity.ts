import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

export type RefundChannel = 'balance' | 'alipay';
export type RefundStatus = 'pending' | 'success' | 'failed';
/** What the refund is for: a partner order, one order of a mall trade, or a payment flagged for refund as a whole. */
export type RefundBizType = 'partner_order' | 'mall_order' | 'payment';

/** One refund of (part of) one payment, through the channel that took the money (SPEC §10). */
@Entity('refunds')
@Index('uq_refund_no', ['refundNo'], { unique: true })
@Index('ix_refund_out_trade_no', ['outTradeNo'])
@Index('ix_refund_biz', ['bizType', 'bizNo'])
@Index('ix_refund_status_created', ['status', 'createdAt'])
export class Refund {
  @PrimaryGeneratedColumn()
  id: number;

  /** `RF` + yyMMddHHmmss + 6 upper hex; Alipay's `out_request_no`. */
  @Column({ type: 'varchar', length: 32 })
  refundNo: string;

  /** The payment the money goes back from. */
  @Column({ type: 'varchar', length: 64 })
  outTradeNo: string;

  @Column({ type: 'varchar', length: 16 })
  bizType: RefundBizType;

  @Column({ type: 'varchar', length: 64 })
  bizNo: string;

  @Column({ type: 'varchar', length: 16 })
  channel: RefundChannel;

  @FenColumn()
  amount: number;

  @Column({ type: 'varchar', length: 255, default: '' })
  reason: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: RefundStatus;

  /** Why the channel refused it (`failed`), as the channel said it. */
  @Column({ type: 'varchar', length: 255, default: '' })
  failReason: string;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn({ nullable: true })
  finishedAt: Date | null;
}
