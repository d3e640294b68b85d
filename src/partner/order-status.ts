import { EntityManager } from 'typeorm';
import { Lifecycle } from '../common/lifecycle/transition';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';

export const OrderStatus = { Closed: -1, AwaitingPayment: 0, Paid: 1, Shipped: 2, Received: 3 } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/**
 * The only moves an order can make (SPEC §4, §10): paid or closed unpaid; shipped, received; and closed when its
 * whole payable is refunded before it ships.
 */
export const PARTNER_ORDER_LIFECYCLE = new Lifecycle<PartnerOrder, OrderStatus>('partner order', PartnerOrder, 'orderStatus', {
  [OrderStatus.AwaitingPayment]: [OrderStatus.Paid, OrderStatus.Closed],
  [OrderStatus.Paid]: [OrderStatus.Shipped, OrderStatus.Closed],
  [OrderStatus.Shipped]: [OrderStatus.Received],
  [OrderStatus.Received]: [],
  [OrderStatus.Closed]: [],
});

type OrderChanges = Partial<Omit<PartnerOrder, 'id' | 'orderNo' | 'orderStatus'>>;

/** Moves the order `from` → `to` with the other `changes`; 42204 when the move is not in the table or the order was not in `from`. */
export function transition(em: EntityManager, orderNo: string, from: number, to: OrderStatus, changes: OrderChanges = {}): Promise<void> {
  return PARTNER_ORDER_LIFECYCLE.transition(em, { orderNo }, from as OrderStatus, to, changes);
}
