import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RequestClaim } from '../../common/idempotency/request-claim';
import { NotFoundError } from '../../common/errors/app-error';
import { fenToYuan, yuanToFen } from '../../common/money';
import { AppConfig } from '../../config/app-config';
import { PartnerOrder } from '../../database/entities/partner/partner-order.entity';
import { Refund } from '../../database/entities/payments/refund.entity';
import { TransactionService } from '../../database/transaction.service';
import { RefundListDto, RefundRequestDto } from '../../payments/refunds/refund.dto';
import { refundView } from '../../payments/refunds/refund-views';
import { RefundService } from '../../payments/refunds/refund.service';
import { PayType } from '../partner-order.service';
import { REFUNDABLE_ORDER_STATUSES } from '../partner-order-refunds';
import { PartnerRefundResultDto } from './partner-admin.dto';

/** Operators refund partner orders (SPEC §10) through the channel that took the money. */
@Injectable()
export class PartnerRefundService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly refunds: RefundService,
  ) {}

  /** The request's claim (its `Idempotency-Key`) commits with the refund, and the answer with it. */
  async refund(orderNo: string, dto: RefundRequestDto, claim?: RequestClaim): Promise<PartnerRefundResultDto> {
    const amount = dto.amount === undefined ? null : yuanToFen(dto.amount);
    const order = await this.order(orderNo);
    // The status is decided in the refund's transaction (42204 there); it is looked at here only so that an order
    // that was never paid gets no wallet payment record.
    const paid = REFUNDABLE_ORDER_STATUSES.includes(order.orderStatus);
    const outTradeNo =
      order.payType === PayType.Alipay && order.billNo
        ? order.billNo
        : paid
          ? await this.refunds.walletPayment({ bizType: 'partner_order', bizNo: orderNo, amount: order.payAmount, subject: order.giftTitle, paidAt: order.paidAt ?? order.createdAt })
          : null;
    const epilogue = claim && { writeIn: (em: EntityManager, opened: unknown) => claim.writeIn(em, answerOf(opened as Refund)) };
    return answerOf(await this.refunds.refund({ bizType: 'partner_order', bizNo: orderNo, outTradeNo, amount, reason: dto.reason, epilogue }));
  }

  async list(orderNo: string): Promise<RefundListDto> {
    await this.order(orderNo);
    const refunds = await this.refunds.listFor('partner_order', orderNo);
    return { list: refunds.map((r) => refundView(r, this.config.APP_TIMEZONE)) };
  }

  private async order(orderNo: string): Promise<PartnerOrder> {
    const order = await this.tx.manager.findOneBy(PartnerOrder, { orderNo });
    if (!order) throw new NotFoundError('订单不存在');
    return order;
  }
}

function answerOf(refund: Refund): PartnerRefundResultDto {
  return { refund_no: refund.refundNo, order_no: refund.bizNo, channel: refund.channel, amount: fenToYuan(refund.amount), status: refund.status };
}
