import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DateTimeColumn, FenColumn } from '../../columns';

/** Trade statuses follow the order statuses they summarise: unpaid, paid, closed. */
export const MallTradeStatus = { Closed: -1, AwaitingPayment: 0, Paid: 1 } as const;
export type MallTradeStatus = (typeof MallTradeStatus)[keyof typeof MallTradeStatus];

/** One `/order/create` request: one payment for all its orders (one per store). */
@Entity('mall_trades')
@Index('uq_mall_trade_sn', ['tradeSn'], { unique: true })
@Index('uq_mall_trade_app_outside_sn', ['appId', 'outsideSn'], { unique: true })
@Index('ix_mall_trade_status_created', ['status', 'createdAt'])
export class MallTrade {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 32 })
  tradeSn: string;

  @Column({ type: 'varchar', length: 32 })
  appId: string;

  /** The merchant's request number; unique per app, which makes `/order/create` idempotent. */
  @Column({ type: 'varchar', length: 64 })
  outsideSn: string;

  @Column({ type: 'int' })
  uid: number;

  @FenColumn()
  goodsPrice: number;

  @FenColumn()
  discountPrice: number;

  @FenColumn()
  dispatchPrice: number;

  @FenColumn()
  serviceFeeAmount: number;

  @FenColumn()
  pointAmount: number;

  /** Points taken from the member; given back once if the trade closes. */
  @BigIntColumn({ default: 0 })
  points: number;

  /** Mall balance taken from the member's wallet; credited back once if the trade closes. */
  @FenColumn()
  balanceAmount: number;

  /** What is left to pay through Alipay. */
  @FenColumn()
  totalPrice: number;

  @Column({ type: 'smallint', default: MallTradeStatus.AwaitingPayment })
  status: MallTradeStatus;

  /** sha256 of the normalised request: tells a retry from a reuse of `outside_sn`. */
  @Column({ type: 'varchar', length: 64 })
  requestHash: string;

  /**
   * No longer written: a retry of `/order/create` gets its answer built again from the trade and its orders
   * (MallTradeViews.created), one UPDATE fewer per create. The column stays, nullable, while instances of the
   * previous release may run beside this one during an upgrade (they still write it); a later migration drops it.
   */
  @Column({ type: 'simple-json', nullable: true })
  response: unknown;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  updatedAt: Date;

  @DateTimeColumn({ nullable: true })
  paidAt: Date | null;

  @DateTimeColumn({ nullable: true })
  closedAt: Date | null;
}
