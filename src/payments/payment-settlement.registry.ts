import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payment, PaymentBizType } from '../database/entities/payments/payment.entity';

/**
 * A business module's side of a settled payment. Called inside the transaction that marks the payment
 * paid: `settled` when the business object moved to paid, `closed` when it had been closed meanwhile
 * (the payment is then recorded and flagged for refund).
 */
export interface SettlementHandler {
  onPaid(em: EntityManager, payment: Payment): Promise<'settled' | 'closed'>;
}

/** Partner and Mall register their handler at start-up, so Payments never imports them. */
@Injectable()
export class PaymentSettlementRegistry {
  private readonly handlers = new Map<PaymentBizType, SettlementHandler>();

  register(bizType: PaymentBizType, handler: SettlementHandler): void {
    if (this.handlers.has(bizType)) throw new Error(`settlement handler for ${bizType} registered twice`);
    this.handlers.set(bizType, handler);
  }

  handlerFor(bizType: PaymentBizType): SettlementHandler {
    const handler = this.handlers.get(bizType);
    if (!handler) throw new Error(`no settlement handler for ${bizType}`);
    return handler;
  }
}
