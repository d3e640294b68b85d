import { Injectable } from '@nestjs/common';
import { EntityManager, LessThanOrEqual, Raw } from 'typeorm';
import { AppError, IllegalStateError, RefundExceedsError } from '../../common/errors/app-error';
import { insertUnderFreshNumber } from '../../common/fresh-number';
import { AppLogger } from '../../common/http/app-logger';
import { moved } from '../../common/lifecycle/transition';
import { Fen, yuanToFen } from '../../common/money';
import { AppConfig } from '../../config/app-config';
import { refundsTotal } from '../../metrics/metrics';
import { affectedRows, isUniqueViolation } from '../../database/db-errors';
import { Payment, PaymentBizType, PaymentStatus } from '../../database/entities/payments/payment.entity';
import { Refund, RefundBizType } from '../../database/entities/payments/refund.entity';
import { TransactionEpilogue, TransactionService } from '../../database/transaction.service';
import { AlipayAnswer, AlipayRefundQuery, AlipayService, AlipayTradeRefund } from '../alipay/alipay.service';
import { WalletService } from '../wallet/wallet.service';
import { RefundHandlerRegistry } from './refund-handler.registry';
import { newRefundNo } from './refund-no';
import { REFUND_LIFECYCLE } from './refund-status';

export interface RefundRequest {
  bizType: RefundBizType;
  bizNo: string;
  /** The payment that took the money; null for an object that took none (only its deductions go back). */
  outTradeNo: string | null;
  /** Fen asked for; null: all that remains of the business object. */
  amount: Fen | null;
  reason: string;
  /**
   * Written last in the transaction that opens the refund, given the refund as it commits: the request's replay
   * claim (SPEC §3: nonce, Idempotency-Key), so that the refund and the claim commit together and a duplicate
   * running beside it rolls back instead of refunding again.
   */
  epilogue?: TransactionEpilogue;
}

/** What Alipay's answers to a refund say about it: decided either way, or not yet. */
type RefundDecision = { status: 'success' } | { status: 'failed'; reason: string } | { status: 'pending' };

/** A taken refund_no is astronomically rare; a few tries make it impossible. */
const NUMBER_ATTEMPTS = 4;

/**
 * Refunds (SPEC §10), one record per refund, through the channel that took the money. Public methods that talk to
 * Alipay (`refund`, `decide`) do so outside any transaction; the methods that write (`open...`, `record...`) run in
 * one transaction each and never call out. The refunded total of a payment is capped by one conditional UPDATE.
 */
@Injectable()
export class RefundService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly handlers: RefundHandlerRegistry,
    private readonly wallets: WalletService,
    private readonly alipay: AlipayService,
    private readonly logger: AppLogger,
  ) {}

  /**
   * Refunds now: a balance refund is `success` when this returns; an Alipay refund is committed `pending`, then
   * asked of Alipay, and comes back `success`, `failed` or (no answer) still `pending` for the decision job.
   */
  async refund(request: RefundRequest): Promise<Refund> {
    try {
      const refund = await this.refundOnce(request);
      refundsTotal.inc({ channel: refund.channel, outcome: refund.status });
      return refund;
    } catch (error) {
      if (error instanceof AppError && error.httpStatus < 500) refundsTotal.inc({ channel: 'none', outcome: 'refused' });
      throw error;
    }
  }

  private async refundOnce(request: RefundRequest): Promise<Refund> {
    const refund = await this.openRefund(request);
    if (refund.status !== 'pending') return refund;
    return this.recordDecision(refund, await this.askAlipayToRefund(refund));
  }

  /** Asks Alipay about a pending refund (the decision job): what it holds for the `out_request_no`, or the refund sent again. */
  async decide(refund: Refund): Promise<Refund> {
    const decided = await this.decideOnce(refund);
    if (decided.status !== 'pending') refundsTotal.inc({ channel: decided.channel, outcome: decided.status });
    return decided;
  }

  private async decideOnce(refund: Refund): Promise<Refund> {
    const held = await this.alipay.refundQuery(refund.outTradeNo, refund.refundNo);
    if (held.kind === 'refused' && held.subCode === 'ACQ.TRADE_NOT_EXIST') return this.recordDecision(refund, { status: 'failed', reason: held.subCode });
    if (held.kind !== 'ok') return refund;
    // Alipay holds this refund: done once it says so; still processing, it is asked again on the next run
    if (held.data.refundAmount) return this.recordDecision(refund, isRefunded(held.data, refund.amount) ? { status: 'success' } : { status: 'pending' });
    // Alipay holds no refund under this number: the first call never reached it. The same out_request_no makes a
    // second call safe, since Alipay refunds one request number once.
    return this.recordDecision(refund, await this.askAlipayToRefund(refund));
  }

  /**
   * The payment record of a wallet payment, made the first time it is refunded (wallet payments have none before:
   * the ledger row is their record), so that every refund has a payment whose refunded total caps it. Safe under
   * concurrency: the first insert wins, the others find it. Returns its `out_trade_no`.
   */
  async walletPayment(input: { bizType: PaymentBizType; bizNo: string; amount: Fen; subject: string; paidAt: Date }): Promise<string> {
    const outTradeNo = `BAL${input.bizNo}`;
    if (await this.tx.manager.existsBy(Payment, { outTradeNo })) return outTradeNo;
    const now = new Date();
    const record = Object.assign(new Payment(), {
      outTradeNo,
      bizType: input.bizType,
      bizNo: input.bizNo,
      channel: 'balance',
      amount: input.amount,
      refundedAmount: 0,
      subject: input.subject.slice(0, 128),
      status: PaymentStatus.Paid,
      tradeNo: '',
      notifyRaw: null,
      needsRefund: false,
      createdAt: now,
      expiresAt: input.paidAt,
      paidAt: input.paidAt,
      closedAt: null,
    });
    try {
      await this.tx.runStatement((em) => em.insert(Payment, record));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return outTradeNo;
  }

  listFor(bizType: RefundBizType, bizNo: string): Promise<Refund[]> {
    return this.tx.manager.find(Refund, { where: { bizType, bizNo }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Refunds whose Alipay answer is still owed and that were created at or before `createdBy`, oldest first. */
  pendingAlipay(createdBy: Date, take: number): Promise<Refund[]> {
    return this.tx.manager.find(Refund, {
      where: { status: 'pending', channel: 'alipay', createdAt: LessThanOrEqual(createdBy) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take,
    });
  }

  private openRefund(request: RefundRequest): Promise<Refund> {
    return insertUnderFreshNumber(() => this.tx.run((em) => this.writeNewRefund(em, request, newRefundNo(new Date(), this.config.APP_TIMEZONE)), request.epilogue), { attempts: NUMBER_ATTEMPTS });
  }

  /**
   * One transaction: the business module's checks and holds, the payment's refunded total raised only if it stays
   * within what the payment took, the refund record; for a wallet payment also the credit, its ledger row and the
   * business effects, so a balance refund is done when this commits.
   */
  private async writeNewRefund(em: EntityManager, request: RefundRequest, refundNo: string): Promise<Refund> {
    const payment = request.outTradeNo ? await em.findOneBy(Payment, { outTradeNo: request.outTradeNo }) : null;
    if (request.outTradeNo && payment?.status !== PaymentStatus.Paid) throw new IllegalStateError('支付单未支付，不能退款');
    const handler = this.handlers.handlerFor(request.bizType);
    const plan = await handler.open(em, request.bizNo, payment, request.amount);
    const noCash = plan.noCash === true && plan.amount === 0;
    if (!noCash && (!payment || !Number.isSafeInteger(plan.amount) || plan.amount <= 0)) throw new RefundExceedsError();
    if (payment && !noCash) {
      // the cap: concurrent refunds of one payment queue on its row, and each sees what the others took
      const capped = await em.update(
        Payment,
        { outTradeNo: payment.outTradeNo, status: PaymentStatus.Paid, refundedAmount: Raw((column) => `${column} + :amount <= amount`, { amount: plan.amount }) },
        { refundedAmount: () => 'refunded_amount + :amount' },
      );
      if (affectedRows(capped) !== 1) throw new RefundExceedsError();
    }

    const now = new Date();
    // nothing waits for a channel when the money went back to a wallet, or when no money is to go back at all
    const byWallet = noCash || payment?.channel === 'balance';
    if (byWallet && !noCash && !plan.creditTo) throw new Error(`refund of wallet payment ${request.outTradeNo} names no wallet`);
    const refund: Refund = {
      id: 0,
      refundNo,
      outTradeNo: payment?.outTradeNo ?? '',
      bizType: request.bizType,
      bizNo: request.bizNo,
      channel: byWallet ? 'balance' : 'alipay',
      amount: plan.amount,
      reason: request.reason,
      status: byWallet ? 'success' : 'pending',
      failReason: '',
      createdAt: now,
      finishedAt: byWallet ? now : null,
    };
    await em.insert(Refund, { ...refund, id: undefined });
    if (byWallet) {
      if (plan.creditTo && plan.amount > 0) {
        const { ledgerBizType, ...owner } = plan.creditTo;
        await this.wallets.credit(em, { ...owner, amount: plan.amount, bizType: ledgerBizType, bizNo: refundNo, remark: `退款 ${request.bizNo}` });
      }
      await handler.onSucceeded(em, refund, await this.refundedTotal(em, refund.outTradeNo));
    }
    return refund;
  }

  private async refundedTotal(em: EntityManager, outTradeNo: string): Promise<Fen> {
    return (await em.sum(Refund, 'amount', { outTradeNo, status: 'success' })) ?? 0;
  }

  /** `alipay.trade.refund` with `out_request_no` = `refund_no`, outside any transaction. */
  private async askAlipayToRefund(refund: Refund): Promise<RefundDecision> {
    const answer: AlipayAnswer<AlipayTradeRefund> = await this.alipay.refund(refund.outTradeNo, refund.amount, refund.refundNo, refund.reason);
    if (answer.kind === 'refused') return { status: 'failed', reason: answer.subCode || 'refused' };
    if (answer.kind === 'no_answer') {
      this.logger.warn('alipay refund got no answer; the refund stays pending', { refund_no: refund.refundNo, error: answer.error });
      return { status: 'pending' };
    }
    if (answer.data.fundChange === 'Y') return { status: 'success' };
    // fund_change N: Alipay moved no money on this call, which is right only if it had refunded this number before
    const held = await this.alipay.refundQuery(refund.outTradeNo, refund.refundNo);
    return held.kind === 'ok' && isRefunded(held.data, refund.amount) ? { status: 'success' } : { status: 'pending' };
  }

  /**
   * Records Alipay's decision once (pending → success | failed, a conditional move): success runs the business
   * effects; a refusal gives the amount back to what the payment may still refund and releases the business holds.
   */
  private async recordDecision(refund: Refund, decision: RefundDecision): Promise<Refund> {
    if (decision.status === 'pending') return refund;
    return this.tx.run(async (em) => {
      const now = new Date();
      const changes = decision.status === 'failed' ? { finishedAt: now, failReason: decision.reason.slice(0, 255) } : { finishedAt: now };
      if (await moved(REFUND_LIFECYCLE.transition(em, { refundNo: refund.refundNo }, 'pending', decision.status, changes))) {
        const handler = this.handlers.handlerFor(refund.bizType);
        const decided = { ...refund, ...changes, status: decision.status };
        if (decision.status === 'success') {
          await handler.onSucceeded(em, decided, await this.refundedTotal(em, refund.outTradeNo));
        } else {
          await em.decrement(Payment, { outTradeNo: refund.outTradeNo }, 'refundedAmount', refund.amount);
          await handler.onFailed(em, decided);
        }
      }
      return em.findOneByOrFail(Refund, { refundNo: refund.refundNo });
    });
  }
}

/** Alipay's record of one refund says the money went back, all of it. */
function isRefunded(held: AlipayRefundQuery, amount: Fen): boolean {
  return yuanToFen(held.refundAmount) === amount && (held.refundStatus ?? 'REFUND_SUCCESS') === 'REFUND_SUCCESS';
}
