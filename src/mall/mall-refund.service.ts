import { Injectable } from '@nestjs/common';
import { IllegalStateError, NotFoundError } from '../common/errors/app-error';
import { RequestClaim } from '../common/idempotency/request-claim';
import { fenToYuan, yuanToFen } from '../common/money';
import { MallOrder } from '../database/entities/mall/mall-order.entity';
import { MallTrade } from '../database/entities/mall/mall-trade.entity';
import { PaymentStatus } from '../database/entities/payments/payment.entity';
import { Refund } from '../database/entities/payments/refund.entity';
import { TransactionService } from '../database/transaction.service';
import { PaymentService } from '../payments/payment.service';
import { RefundService } from '../payments/refunds/refund.service';
import { RefundedOrderDto } from './dto/mall-order-responses.dto';
import { RefundOrderDto } from './dto/mall-order-params.dto';
import { REFUNDABLE_MALL_STATUSES } from './trade/mall-order-refunds';

/** `/order/refund` (SPEC §10): one order of the app's paid trade, from the cash its trade's Alipay payment took. */
@Injectable()
export class MallRefundService {
  constructor(
    private readonly tx: TransactionService,
    private readonly payments: PaymentService,
    private readonly refunds: RefundService,
  ) {}

  /**
   * The request's replay claim is recorded with the refund as it commits (`pending` for an Alipay refund, whose
   * answer is then awaited), so a duplicate sent at the same moment replays that answer instead of refunding again.
   */
  async refund(appId: string, dto: RefundOrderDto, claim?: RequestClaim): Promise<RefundedOrderDto> {
    const em = this.tx.manager;
    const order = await em.findOneBy(MallOrder, { orderSn: dto.order_sn });
    const trade = order ? await em.findOneBy(MallTrade, { id: order.tradeId }) : null;
    // another app's order is "not found": its existence is not revealed
    if (!order || !trade || trade.appId !== appId) throw new NotFoundError('订单不存在');
    if (!REFUNDABLE_MALL_STATUSES.includes(order.status)) throw new IllegalStateError('订单状态不允许退款');
    // a trade that coupons, points and balance covered wholly has no payment: only deductions can go back
    const payment = await this.payments.latestFor(em, 'mall_trade', trade.tradeSn);
    const refund = await this.refunds.refund({
      bizType: 'mall_order',
      bizNo: order.orderSn,
      outTradeNo: payment?.status === PaymentStatus.Paid ? payment.outTradeNo : null,
      amount: dto.amount === undefined ? null : yuanToFen(dto.amount),
      reason: dto.reason,
      epilogue: claim && { writeIn: (txEm, opened) => claim.writeIn(txEm, answerOf(opened as Refund)) },
    });
    return answerOf(refund);
  }
}

function answerOf(refund: Refund): RefundedOrderDto {
  return { order_sn: refund.bizNo, refund_no: refund.refundNo, amount: fenToYuan(refund.amount), status: refund.status };
}
