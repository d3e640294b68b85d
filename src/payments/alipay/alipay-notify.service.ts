import { Injectable } from '@nestjs/common';
import { AppLogger } from '../../common/http/app-logger';
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

/** Alipay's asynchronous notifies: verified first, then settled once, every outcome logged. */
@Injectable()
export class AlipayNotifyService {
  constructor(
    private readonly alipay: AlipayService,
    private readonly payments: PaymentService,
    private readonly tx: TransactionService,
    private readonly logger: AppLogger,
  ) {}

  async process(params: Record<string, unknown>, requestId: string): Promise<NotifyReply> {
    const outcome = await this.outcomeOf(params);
    const reply: NotifyReply = DONE.has(outcome) ? 'success' : 'failure';
    countNotify(outcome, reply);
    const fields = {
      request_id: requestId,
      out_trade_no: typeof params.out_trade_no === 'string' ? params.out_trade_no : '',
      trade_status: typeof params.trade_status === 'string' ? params.trade_status : '',
      outcome,
      reply,
    };
    if (reply === 'success') this.logger.log('alipay notify', fields);
    else this.logger.warn('alipay notify refused', fields);
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
