import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Fen } from '../../common/money';
import { Payment } from '../../database/entities/payments/payment.entity';
import { Refund, RefundBizType } from '../../database/entities/payments/refund.entity';
import { WalletOwner } from '../wallet/wallet.service';

/** What a business module allows of one refund, decided inside the refund's transaction. */
export interface RefundPlan {
  /** Fen to refund: what was asked, or all that remains of the business object. */
  amount: Fen;
  /** For a payment made from a wallet: whose wallet gets the money back, and the ledger's business type. */
  creditTo?: WalletOwner & { ledgerBizType: string };
  /**
   * A full refund of an object that took no cash (a mall order paid wholly by points and balance): `amount` is 0,
   * nothing goes through a channel, and the refund succeeds at once with its business effects.
   */
  noCash?: boolean;
}

/**
 * A business module's side of its refunds, registered at start-up like the settlement handlers, so Payments never
 * imports Partner or Mall. Each method runs inside the transaction Payments opens, and writes only its own tables.
 */
export interface RefundHandler {
  /**
   * Checks that the business object may be refunded now (42204 otherwise) and for how much (42205 above what it
   * may give back), taking what it must hold while the refund is under way.
   */
  open(em: EntityManager, bizNo: string, payment: Payment | null, requested: Fen | null): Promise<RefundPlan>;
  /**
   * The money is back with the buyer: what a refund does to the business object (close it, return what it used).
   * `refundedTotal` is what the payment's successful refunds, this one included, gave back.
   */
  onSucceeded(em: EntityManager, refund: Refund, refundedTotal: Fen): Promise<void>;
  /** The channel refused the refund: whatever `open` held is released. */
  onFailed(em: EntityManager, refund: Refund): Promise<void>;
}

@Injectable()
export class RefundHandlerRegistry {
  private readonly handlers = new Map<RefundBizType, RefundHandler>();

  register(bizType: RefundBizType, handler: RefundHandler): void {
    if (this.handlers.has(bizType)) throw new Error(`refund handler for ${bizType} registered twice`);
    this.handlers.set(bizType, handler);
  }

  handlerFor(bizType: RefundBizType): RefundHandler {
    const handler = this.handlers.get(bizType);
    if (!handler) throw new Error(`no refund handler for ${bizType}`);
    return handler;
  }
}
