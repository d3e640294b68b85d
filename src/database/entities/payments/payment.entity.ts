import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

export type PaymentBizType = 'partner_order' | 'mall_trade';

export const PaymentStatus = { Pending: 0, Paid: 1, Closed: -1 } as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

/** One attempt to collect money through Alipay for a business object (partner order or mall trade). */
@Entity('payments')
@Index('uq_payment_out_trade_no', ['outTradeNo'], { unique: true })
@Index('ix_payment_biz', ['bizType', 'bizNo'])
@Index('ix_payment_status_expires', ['status', 'expiresAt'])
export class Payment {
  @PrimaryGeneratedColumn()
  id: number;

  /** Our number, sent to Alipay as `out_trade_no` (the partner API's `bill_no`). */
  @Column({ type: 'varchar', length: 64 })
  outTradeNo: string;

  @Column({ type: 'varchar', length: 16 })
  bizType: PaymentBizType;

  @Column({ type: 'varchar', length: 64 })
  bizNo: string;

  /** `alipay`, or `balance` for the record of a wallet payment made when it is first refunded. */
  @Column({ type: 'varchar', length: 16, default: 'alipay' })
  channel: 'alipay' | 'balance';

  @FenColumn()
  amount: number;

  /**
   * Taken by refunds that are pending or succeeded; never above `amount` (one conditional UPDATE per refund,
   * SPEC §10). A failed refund gives its amount back.
   */
  @FenColumn()
  refundedAmount: number;

  @Column({ type: 'varchar', length: 128 })
  subject: string;

  @Column({ type: 'smallint', default: PaymentStatus.Pending })
  status: PaymentStatus;

  /** Alipay's `trade_no` once paid. */
  @Column({ type: 'varchar', length: 64, default: '' })
  tradeNo: string;

  /** The verified notify that settled it, as received. */
  @Column({ type: 'text', nullable: true })
  notifyRaw: string | null;

  /** Money arrived for a business object that was closed meanwhile: an operator must refund it. */
  @Column({ type: 'boolean', default: false })
  needsRefund: boolean;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  expiresAt: Date;

  @DateTimeColumn({ nullable: true })
  paidAt: Date | null;

  @DateTimeColumn({ nullable: true })
  closedAt: Date | null;
}
