import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '../../common/errors/app-error';
import { RequestClaim } from '../../common/idempotency/request-claim';
import { fenToYuan } from '../../common/money';
import { formatWireTime } from '../../common/time';
import { AppConfig } from '../../config/app-config';
import { Payment } from '../../database/entities/payments/payment.entity';
import { Refund } from '../../database/entities/payments/refund.entity';
import { TransactionService } from '../../database/transaction.service';
import { AdminPaymentDto, AdminPaymentListDto, PaymentRefundResultDto } from '../refunds/refund.dto';
import { RefundService } from '../refunds/refund.service';

/** Operators' side of Payments: money that came for an order closed meanwhile, and its refund. */
@Injectable()
export class PaymentsAdminService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly refunds: RefundService,
  ) {}

  async list(query: { needsRefund: boolean; page: number; pageSize: number }): Promise<AdminPaymentListDto> {
    const [payments, total] = await this.tx.manager.findAndCount(Payment, {
      where: query.needsRefund ? { needsRefund: true } : {},
      order: { id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { list: payments.map((p) => this.view(p)), total, page: query.page, page_size: query.pageSize };
  }

  /**
   * Refunds a payment flagged for refund, whole, through its channel; 42204 for one that is not flagged. The
   * request's claim (its `Idempotency-Key`) commits with the refund, and the answer with it.
   */
  async refund(outTradeNo: string, reason: string, claim?: RequestClaim): Promise<PaymentRefundResultDto> {
    const payment = await this.tx.manager.findOneBy(Payment, { outTradeNo });
    if (!payment) throw new NotFoundError('支付单不存在');
    const epilogue = claim && { writeIn: (em: EntityManager, opened: unknown) => claim.writeIn(em, answerOf(opened as Refund)) };
    return answerOf(await this.refunds.refund({ bizType: 'payment', bizNo: outTradeNo, outTradeNo, amount: null, reason, epilogue }));
  }

  private view(p: Payment): AdminPaymentDto {
    const tz = this.config.APP_TIMEZONE;
    return {
      out_trade_no: p.outTradeNo,
      biz_type: p.bizType,
      biz_no: p.bizNo,
      channel: p.channel,
      amount: fenToYuan(p.amount),
      refunded_amount: fenToYuan(p.refundedAmount),
      status: p.status,
      needs_refund: p.needsRefund,
      trade_no: p.tradeNo,
      create_time: formatWireTime(p.createdAt, tz),
      pay_time: formatWireTime(p.paidAt, tz),
      close_time: formatWireTime(p.closedAt, tz),
    };
  }
}

function answerOf(refund: Refund): PaymentRefundResultDto {
  return { refund_no: refund.refundNo, out_trade_no: refund.outTradeNo, channel: refund.channel, amount: fenToYuan(refund.amount), status: refund.status };
}
