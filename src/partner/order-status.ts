import { EntityManager } from 'typeorm';
import { IllegalStateError } from '../common/errors/app-error';
import { affectedRows } from '../database/db-errors';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';

export const OrderStatus = { Closed: -1, AwaitingPayment: 0, Paid: 1, Shipped: 2, Received: 3 } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** The only moves an order can make (SPEC §4). */
const ALLOWED: Record<OrderStatus, readonly OrderStatus[]> = {
  [OrderStatus.AwaitingPayment]: [OrderStatus.Paid, OrderStatus.Closed],
  [OrderStatus.Paid]: [OrderStatus.Shipped],
  [OrderStatus.Shipped]: [OrderStatus.Received],
  [OrderStatus.Received]: [],
  [OrderStatus.Closed]: [],
};

export function canTransition(from: number, to: OrderStatus): boolean {
  return (ALLOWED[from as OrderStatus] ?? []).includes(to);
}

type OrderChanges = Partial<Omit<PartnerOrder, 'id' | 'orderNo' | 'orderStatus'>>;

/**
 * Moves the order `from` → `to` with the other `changes`, conditional on it still being in `from`, so
 * concurrent moves (a notify and a cancel, two timeout jobs) cannot both win. False when it was not in
 * `from` any more; a move outside the table is refused before touching the database.
 */
export async function tryTransition(em: EntityManager, orderNo: string, from: number, to: OrderStatus, changes: OrderChanges = {}): Promise<boolean> {
  if (!canTransition(from, to)) throw new IllegalStateError();
  const result = await em.update(PartnerOrder, { orderNo, orderStatus: from }, { ...changes, orderStatus: to });
  return affectedRows(result) === 1;
}

/** As `tryTransition`, but losing the race is 42204 too. */
export async function transition(em: EntityManager, orderNo: string, from: number, to: OrderStatus, changes: OrderChanges = {}): Promise<void> {
  if (!(await tryTransition(em, orderNo, from, to, changes))) throw new IllegalStateError();
}
