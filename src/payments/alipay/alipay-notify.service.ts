import { Injectable } from '@nestjs/common';
import { noteOnAccessLine } from '../../common/http/request-context';
import { TransactionService } from '../../database/transaction.service';
import { PaymentService, SettleOutcome, VerifiedPaymentNotice } from '../payment.service';
import { AlipayService, NotifyRejection } from './alipay.service';
import { countNotify } from '../../metrics/metrics';

export type NotifyReply = 'success' | 'failure';

/** `acknowledged`: a verified notify that moves no money (WAIT_BUYER_PAY, TRADE_CLOSED). */
type NotifyOutcome = SettleOutcome | NotifyRejection | 'acknowledged';

const PAID_STATUSES = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/** Outcomes after which Alipay must stop retrying; anything else it will send again. */
const DONE: ReadonlySet<NotifyOutcome> = new Set<NotifyOutcome>(['settled', 'already_settled', 'flagged_for_refund', 'acknowledged']);

/**
 * Alipay's asynchronous notifies: verified first, then settled once, every outcome logged on the request's access
 * line (a warning when refused): anyone may post here, and a post may add no more than that one short line.
 */
@Injectable()
export class AlipayNotifyService {
  constructor(
    private readonly alipay: AlipayService,
    private readonly payments: PaymentService,
    private readonly tx: TransactionService,
  ) {}

  /** `request`: the HTTP request the notify came in, whose access line gets the outcome. */
  async process(params: Record<string, unknown>, request: object): Promise<NotifyReply> {
    const outcome = await this.outcomeOf(params);
    const reply: NotifyReply = DONE.has(outcome) ? 'success' : 'failure';
    countNotify(outcome, reply);
    const fields = {
      out_trade_no: typeof params.out_trade_no === 'string' ? params.out_trade_no : '',
      trade_status: typeof params.trade_status === 'string' ? params.trade_status : '',
      outcome,
      reply,
    };
    noteOnAccessLine(request, fields, reply === 'success' ? 'info' : 'warn');
    return reply;
  }

  private async outcomeOf(params: Record<string, unknown>): Promise<NotifyOutcome> {
    const verified = this.alipay.verifyNotify(params);
    if (!verified.ok) return verified.reason;
    if (PAID_STATUSES.has(verified.tradeStatus)) return this.payments.settle(verified.notice);
    return this.acknowledge(verified.notice);
  }

  /** A notify that moves no money must still name one of our payments, with its exact amount. */
  private acknowledge(notice: VerifiedPaymentNotice): Promise<NotifyOutcome> {
    return this.tx.run(async (em) => {
      const payment = await this.payments.findByOutTradeNo(em, notice.outTradeNo);
      if (!payment) return 'unknown_payment';
      return payment.amount === notice.totalAmount ? 'acknowledged' : 'amount_mismatch';
    });
  }
}
