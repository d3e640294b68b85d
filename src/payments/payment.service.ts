import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { insertUnderFreshNumber } from '../common/fresh-number';
import { compactTime } from '../common/time';
import { Fen } from '../common/money';
import { moved } from '../common/lifecycle/transition';
import { Payment, PaymentBizType, PaymentStatus } from '../database/entities/payments/payment.entity';
import { insertRows, selectEntities, updateWhere } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { PaymentSettlementRegistry } from './payment-settlement.registry';
import { markPaid, PAYMENT_LIFECYCLE } from './payment-status';

/** A taken out_trade_no (10 random digits within a second) is astronomically rare; a few tries make it impossible. */
const OUT_TRADE_NO_ATTEMPTS = 4;

export interface NewPayment {
  bizType: PaymentBizType;
  bizNo: string;
  amount: Fen;
  subject: string;
  expiresAt: Date;
}

/** A notify whose signature, app and seller were verified by the channel; amounts already in fen. */
export interface VerifiedPaymentNotice {
  outTradeNo: string;
  tradeNo: string;
  totalAmount: Fen;
  raw: string;
}

export type SettleOutcome = 'settled' | 'already_settled' | 'flagged_for_refund' | 'unknown_payment' | 'amount_mismatch';

/** Channel-neutral payment records: create pending, close, and settle exactly once. */
@Injectable()
export class PaymentService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly settlements: PaymentSettlementRegistry,
  ) {}

  /** A pending payment in the caller's transaction, with a fresh unique `out_trade_no`. */
  async createPending(em: EntityManager, input: NewPayment): Promise<Payment> {
    const payment = this.newPending(input);
    await this.insertPending(em, payment);
    return payment;
  }

  /**
   * Inserts a payment made by `newPending` in the caller's transaction; when its `out_trade_no` was taken meanwhile,
   * under a fresh one (only the INSERT failed: the transaction goes on).
   */
  insertPending(em: EntityManager, payment: Payment): Promise<void> {
    return insertUnderFreshNumber(
      async (attempt) => {
        if (attempt > 1) payment.outTradeNo = this.newOutTradeNo(new Date());
        await insertRows(em, Payment, payment);
      },
      { attempts: OUT_TRADE_NO_ATTEMPTS },
    );
  }

  /** A pending payment not yet written, with a fresh `out_trade_no`, for a caller that needs the number first. */
  newPending(input: NewPayment): Payment {
    const now = new Date();
    return Object.assign(new Payment(), {
      ...input,
      outTradeNo: this.newOutTradeNo(now),
      channel: 'alipay',
      status: PaymentStatus.Pending,
      tradeNo: '',
      notifyRaw: null,
      needsRefund: false,
      refundedAmount: 0,
      createdAt: now,
      paidAt: null,
      closedAt: null,
    });
  }

  /** Time (APP_TIMEZONE) + 10 random digits; unique by index. */
  private newOutTradeNo(now: Date): string {
    return `${compactTime(now, this.config.APP_TIMEZONE)}${String(randomInt(0, 1e10)).padStart(10, '0')}`;
  }

  /** Pending → closed; false when it was not pending (paid or closed already). */
  async closePending(em: EntityManager, outTradeNo: string): Promise<boolean> {
    return moved(PAYMENT_LIFECYCLE.transition(em, { outTradeNo }, PaymentStatus.Pending, PaymentStatus.Closed, { closedAt: new Date() }));
  }

  findByOutTradeNo(em: EntityManager, outTradeNo: string): Promise<Payment | null> {
    return em.findOneBy(Payment, { outTradeNo });
  }

  /** The newest payment of a business object. */
  latestFor(em: EntityManager, bizType: PaymentBizType, bizNo: string): Promise<Payment | null> {
    return em.findOne(Payment, { where: { bizType, bizNo }, order: { id: 'DESC' } });
  }

  /**
   * Applies a verified "paid" notice once, in one transaction with the business module's settlement.
   * Idempotent by state: a second notice for a paid payment changes nothing. Money that arrives for a
   * closed payment (or a business object closed meanwhile) is recorded and flagged for refund.
   */
  settle(notice: VerifiedPaymentNotice): Promise<SettleOutcome> {
    return this.tx.run(async (em) => {
      // A status only moves forward (PAYMENT_LIFECYCLE), so when a conditional update
      // loses a race the payment is read again and the notice applied to its new state: money that arrives
      // while the order is being cancelled must end up flagged, never acknowledged and forgotten.
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.applyPaid(em, notice);
        if (outcome !== 'changed_meanwhile') return outcome;
        if (attempt >= 3) throw new Error(`payment ${notice.outTradeNo} kept changing while being settled`);
      }
    });
  }

  private async applyPaid(em: EntityManager, notice: VerifiedPaymentNotice): Promise<SettleOutcome | 'changed_meanwhile'> {
    const [payment] = await selectEntities(em, Payment, 'WHERE out_trade_no = ?', [notice.outTradeNo]);
    if (!payment) return 'unknown_payment';
    if (payment.amount !== notice.totalAmount) return 'amount_mismatch';
    if (payment.status === PaymentStatus.Paid) return 'already_settled';

    const paidFields = { tradeNo: notice.tradeNo, notifyRaw: notice.raw, paidAt: new Date() };
    if (!(await markPaid(em, payment, paidFields))) return 'changed_meanwhile';
    if (payment.status === PaymentStatus.Closed) return 'flagged_for_refund';

    const result = await this.settlements.handlerFor(payment.bizType).onPaid(em, { ...payment, ...paidFields, status: PaymentStatus.Paid });
    if (result === 'closed') {
      await updateWhere(em, Payment, { id: payment.id }, { needsRefund: true });
      return 'flagged_for_refund';
    }
    return 'settled';
  }
}
