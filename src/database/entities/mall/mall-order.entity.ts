import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DateTimeColumn, FenColumn } from '../../columns';
import type { MallServiceFee } from './mall-store.entity';

/** YunShop's order statuses (SPEC §5). */
export const MallOrderStatus = { Closed: -1, AwaitingPayment: 0, AwaitingShipment: 1, Shipped: 2, Completed: 3, Refunding: 11 } as const;
export type MallOrderStatus = (typeof MallOrderStatus)[keyof typeof MallOrderStatus];

/** The shipping address as the merchant sent it, kept with the order. */
export interface MallAddressSnapshot {
  mobile: string;
  username: string;
  province: string;
  city: string;
  district: string;
  street: string;
  address: string;
}

export interface MallInvoiceSnapshot {
  /** 0 electronic, 1 paper */
  invoice_type: number;
  /** 0 company, 1 person */
  rise_type: number;
  call: string;
  company_number: string;
}

/** One store's part of a trade. `id` is the wire's `order_id`. */
@Entity('mall_orders')
@Index('uq_mall_order_sn', ['orderSn'], { unique: true })
@Index('ix_mall_order_trade', ['tradeId'])
export class MallOrder {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 32 })
  orderSn: string;

  @Column({ type: 'int' })
  tradeId: number;

  @Column({ type: 'int' })
  uid: number;

  @Column({ type: 'int' })
  storeId: number;

  @Column({ type: 'varchar', length: 32 })
  preId: string;

  @FenColumn()
  goodsPrice: number;

  @FenColumn()
  dispatchPrice: number;

  /** Coupons: the store's own plus this order's share of platform coupons. */
  @FenColumn()
  discountPrice: number;

  @FenColumn()
  pointAmount: number;

  @BigIntColumn({ default: 0 })
  points: number;

  @FenColumn()
  balanceAmount: number;

  @FenColumn()
  serviceFeeAmount: number;

  @Column({ type: 'simple-json' })
  serviceFees: MallServiceFee[];

  /** Left to pay through Alipay for this order. */
  @FenColumn()
  price: number;

  /** Of `price`, refunded or being refunded; never above it (a conditional update). */
  @FenColumn()
  refundPrice: number;

  /** The status a refund took the order from (to 11), so a partial refund can return it there. */
  @Column({ type: 'smallint', nullable: true })
  statusBeforeRefund: MallOrderStatus | null;

  @Column({ type: 'smallint', default: MallOrderStatus.AwaitingPayment })
  status: MallOrderStatus;

  @Column({ type: 'varchar', length: 255, default: '' })
  note: string;

  @Column({ type: 'simple-json', nullable: true })
  address: MallAddressSnapshot | null;

  @Column({ type: 'simple-json', nullable: true })
  invoice: MallInvoiceSnapshot | null;

  @Column({ type: 'varchar', length: 64, default: '' })
  expressName: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  expressNumber: string;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  updatedAt: Date;

  @DateTimeColumn({ nullable: true })
  paidAt: Date | null;

  @DateTimeColumn({ nullable: true })
  shippedAt: Date | null;

  @DateTimeColumn({ nullable: true })
  closedAt: Date | null;
}
