import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IllegalStateError, RefundExceedsError } from '../common/errors/app-error';
import { moved } from '../common/lifecycle/transition';
import { Fen } from '../common/money';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import { PartnerUser } from '../database/entities/partner/partner-user.entity';
import { Payment } from '../database/entities/payments/payment.entity';
import { Refund } from '../database/entities/payments/refund.entity';
import { RefundHandler, RefundHandlerRegistry, RefundPlan } from '../payments/refunds/refund-handler.registry';
import { returnStock } from './order-effects';
import { OrderStatus, transition } from './order-status';

/** Paid orders (1, 2, 3) may be refunded; unpaid and closed ones may not (42204). */
export const REFUNDABLE_ORDER_STATUSES: readonly number[] = [OrderStatus.Paid, OrderStatus.Shipped, OrderStatus.Received];

/**
 * The partner side of a refund (SPEC §10), called by Payments inside the refund's transactions. Refunding the whole
 * payable of an order that has not shipped closes it: its stock returns and the score it granted is taken back
 * (never below 0); a level granted stays. Other orders keep their status.
 */
@Injectable()
export class PartnerOrderRefunds implements RefundHandler, OnModuleInit {
  constructor(private readonly registry: RefundHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register('partner_order', this);
  }

  async open(em: EntityManager, orderNo: string, payment: Payment | null, requested: Fen | null): Promise<RefundPlan> {
    const order = await em.findOneBy(PartnerOrder, { orderNo });
    if (!order || !REFUNDABLE_ORDER_STATUSES.includes(order.orderStatus)) throw new IllegalStateError('订单状态不允许退款');
    if (!payment) throw new RefundExceedsError();
    return {
      amount: requested ?? payment.amount - payment.refundedAmount,
      creditTo: payment.channel === 'balance' ? { ownerType: 'partner_user', ownerId: order.userId, ledgerBizType: 'partner_order_refund' } : undefined,
    };
  }

  async onSucceeded(em: EntityManager, refund: Refund, refundedTotal: Fen): Promise<void> {
    const order = await em.findOneByOrFail(PartnerOrder, { orderNo: refund.bizNo });
    if (order.orderStatus !== OrderStatus.Paid || refundedTotal < order.payAmount) return;
    // shipped meanwhile: the goods are out, the order stays as it is
    if (!(await moved(transition(em, order.orderNo, OrderStatus.Paid, OrderStatus.Closed, { closedAt: new Date() })))) return;
    await returnStock(em, order);
    if (order.orderScore > 0) {
      await em
        .createQueryBuilder()
        .update(PartnerUser)
        .set({ score: () => 'CASE WHEN score > :score THEN score - :score ELSE 0 END' })
        .where('id = :userId', { score: order.orderScore, userId: order.userId })
        .execute();
    }
  }

  async onFailed(): Promise<void> {
    // a partner order holds nothing while its refund is pending
  }
}
