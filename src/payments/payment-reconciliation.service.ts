import { Injectable } from '@nestjs/common';
import { ChannelUnavailableError } from '../common/errors/app-error';
import { AppLogger } from '../common/http/app-logger';
import { yuanToFen } from '../common/money';
import { PaymentStatus } from '../database/entities/payments/payment.entity';
import { TransactionService } from '../database/transaction.service';
import { AlipayService } from './alipay/alipay.service';
import { PaymentService } from './payment.service';

/** `paid`: the money came (now settled, as a lost notify would have settled it); `closable`: nothing can pay it any more at Alipay. */
export type BeforeClose = 'paid' | 'closable';

const PAID = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/**
 * Reconciliation with Alipay before a pending payment is closed on our side (SPEC §6): a cancel, a mall close or a
 * timeout job asks `alipay.trade.query` first, outside any transaction. Paid there → settled here exactly as a
 * verified notify; awaiting payment → closed at Alipay (`alipay.trade.close`); never opened there → closable.
 * Anything else, or no answer, closes nothing: `ChannelUnavailableError` (503), and the job tries again later.
 */
@Injectable()
export class PaymentReconciliation {
  constructor(
    private readonly tx: TransactionService,
    private readonly payments: PaymentService,
    private readonly alipay: AlipayService,
    private readonly logger: AppLogger,
  ) {}

  async beforeClose(outTradeNo: string): Promise<BeforeClose> {
    const payment = await this.payments.findByOutTradeNo(this.tx.manager, outTradeNo);
    if (!payment || payment.status === PaymentStatus.Closed) return 'closable';
    if (payment.status === PaymentStatus.Paid) return 'paid';

    const query = await this.alipay.query(outTradeNo);
    if (query.kind === 'refused' && query.subCode === 'ACQ.TRADE_NOT_EXIST') return 'closable';
    if (query.kind !== 'ok') return this.undecided(outTradeNo, 'alipay.trade.query', query.kind === 'refused' ? query.subCode : query.error);
    const status = query.data.tradeStatus ?? '';
    if (PAID.has(status)) return this.settleLostNotify(outTradeNo, query.data.tradeNo ?? '', query.data.totalAmount, query.data);
    if (status === 'TRADE_CLOSED') return 'closable';
    if (status !== 'WAIT_BUYER_PAY') return this.undecided(outTradeNo, 'alipay.trade.query', `trade_status ${status}`);

    const closed = await this.alipay.close(outTradeNo);
    if (closed.kind === 'ok' || (closed.kind === 'refused' && closed.subCode === 'ACQ.TRADE_NOT_EXIST')) return 'closable';
    // ACQ.TRADE_STATUS_ERROR: paid a moment ago, most likely; the next attempt's query will say so
    return this.undecided(outTradeNo, 'alipay.trade.close', closed.kind === 'refused' ? closed.subCode : closed.error);
  }

  private async settleLostNotify(outTradeNo: string, tradeNo: string, totalAmount: string | undefined, raw: object): Promise<BeforeClose> {
    const amount = yuanToFen(totalAmount);
    const outcome = amount === null ? 'amount_mismatch' : await this.payments.settle({ outTradeNo, tradeNo, totalAmount: amount, raw: JSON.stringify(raw) });
    if (outcome === 'settled' || outcome === 'already_settled' || outcome === 'flagged_for_refund') {
      this.logger.log('alipay payment settled by reconciliation (its notify was lost)', { out_trade_no: outTradeNo, outcome });
      return 'paid';
    }
    return this.undecided(outTradeNo, 'settle', outcome);
  }

  private undecided(outTradeNo: string, step: string, detail: string): never {
    this.logger.warn('alipay reconciliation undecided; nothing is closed', { out_trade_no: outTradeNo, step, detail });
    throw new ChannelUnavailableError();
  }
}
