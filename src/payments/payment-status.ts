import { EntityManager } from 'typeorm';
import { Lifecycle, moved } from '../common/lifecycle/transition';
import { Payment, PaymentStatus } from '../database/entities/payments/payment.entity';

const { Pending, Paid, Closed } = PaymentStatus;

/**
 * A payment is paid or closed while pending. Money can still arrive for a closed one (the buyer paid as it closed):
 * it is recorded, closed → paid, only by `markPaid`, which flags it for refund.
 */
export const PAYMENT_LIFECYCLE = new Lifecycle<Payment, PaymentStatus>('payment', Payment, 'status', {
  [Pending]: [Paid, Closed],
  [Closed]: [Paid],
  [Paid]: [],
});

/**
 * Paid by a verified notice, from the status it was read in: from closed the money is late and the payment is
 * flagged for refund. False when it was no longer in that status.
 */
export function markPaid(em: EntityManager, payment: Pick<Payment, 'id' | 'status'>, changes: Pick<Payment, 'tradeNo' | 'notifyRaw' | 'paidAt'>): Promise<boolean> {
  const late = payment.status === Closed;
  return moved(PAYMENT_LIFECYCLE.transition(em, { id: payment.id }, payment.status, Paid, late ? { ...changes, needsRefund: true } : changes));
}
