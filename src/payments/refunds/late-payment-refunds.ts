import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IllegalStateError } from '../../common/errors/app-error';
import { Fen } from '../../common/money';
import { Payment } from '../../database/entities/payments/payment.entity';
import { Refund } from '../../database/entities/payments/refund.entity';
import { RefundHandler, RefundHandlerRegistry, RefundPlan } from './refund-handler.registry';

/**
 * Refunds of money that came for an order closed meanwhile (`needs_refund`): the business object wanted none of
 * it, so the refund touches nothing but the payment, whose flag clears when the money is back.
 */
@Injectable()
export class LatePaymentRefunds implements RefundHandler, OnModuleInit {
  constructor(private readonly registry: RefundHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register('payment', this);
  }

  async open(_em: EntityManager, _bizNo: string, payment: Payment | null, requested: Fen | null): Promise<RefundPlan> {
    if (!payment?.needsRefund) throw new IllegalStateError('该支付单无需退款');
    return { amount: requested ?? payment.amount - payment.refundedAmount };
  }

  async onSucceeded(em: EntityManager, refund: Refund): Promise<void> {
    await em.update(Payment, { outTradeNo: refund.outTradeNo }, { needsRefund: false });
  }

  async onFailed(): Promise<void> {
    // nothing was held: the flag stays until a refund succeeds
  }
}
