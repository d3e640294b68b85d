import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { moved } from '../../common/lifecycle/transition';
import { MallCouponStatus } from '../../database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../database/entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../../database/entities/mall/mall-goods-option.entity';
import { MallOrder, MallOrderStatus } from '../../database/entities/mall/mall-order.entity';
import { MallOrderGoods } from '../../database/entities/mall/mall-order-goods.entity';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';
import { PaymentStatus } from '../../database/entities/payments/payment.entity';
import { TransactionService } from '../../database/transaction.service';
import { BeforeClose, PaymentReconciliation } from '../../payments/payment-reconciliation.service';
import { PaymentService } from '../../payments/payment.service';
import { WalletService } from '../../payments/wallet/wallet.service';
import { MerchantOutbox } from '../notify/merchant-outbox.service';
import { MALL_COUPON_LIFECYCLE } from './mall-coupon-status';
import { MALL_ORDER_LIFECYCLE, MALL_TRADE_LIFECYCLE } from './mall-order-status';
import { returnDeductions } from './member-deductions';

export interface ShipInput {
  expressName: string;
  expressNumber: string;
}

/**
 * Every status change of a trade and its orders, each inside the caller's transaction and conditional on
 * the status it leaves, so a change (and what it releases or reports) happens exactly once however many
 * requests, notifies or job instances race for it.
 */
@Injectable()
export class MallTradeLifecycle {
  constructor(
    private readonly wallets: WalletService,
    private readonly payments: PaymentService,
    private readonly outbox: MerchantOutbox,
    private readonly reconciliation: PaymentReconciliation,
    private readonly tx: TransactionService,
  ) {}

  /**
   * Before an unpaid trade closes (merchant close or timeout): its open Alipay payment is reconciled with Alipay,
   * outside any transaction (SPEC §6). `paid` when the money had come (the trade is now settled); 503 when Alipay gave
   * no usable answer.
   */
  async reconcileBeforeClose(trade: MallTrade): Promise<BeforeClose> {
    const payment = await this.payments.latestFor(this.tx.manager, 'mall_trade', trade.tradeSn);
    if (payment?.status !== PaymentStatus.Pending) return 'closable';
    return this.reconciliation.beforeClose(payment.outTradeNo);
  }

  /** Unpaid → paid, with all its orders. False when the trade was no longer awaiting payment (closed meanwhile). */
  async markPaid(em: EntityManager, trade: MallTrade, now: Date): Promise<boolean> {
    const paid = await moved(MALL_TRADE_LIFECYCLE.transition(em, { id: trade.id }, MallTradeStatus.AwaitingPayment, MallTradeStatus.Paid, { paidAt: now, updatedAt: now }));
    if (!paid) return false;
    await MALL_ORDER_LIFECYCLE.transitionAll(em, { tradeId: trade.id }, MallOrderStatus.AwaitingPayment, MallOrderStatus.AwaitingShipment, { paidAt: now, updatedAt: now });
    await this.outbox.enqueue(em, trade.appId, 'trade_paid', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: '', status: MallTradeStatus.Paid }, now);
    return true;
  }

  /**
   * Unpaid → closed: stock, points, balance and coupons go back, the pending payment closes. 42204 (and
   * nothing released) when the trade was not awaiting payment.
   */
  async close(em: EntityManager, trade: MallTrade, now: Date): Promise<void> {
    await MALL_TRADE_LIFECYCLE.transition(em, { id: trade.id }, MallTradeStatus.AwaitingPayment, MallTradeStatus.Closed, { closedAt: now, updatedAt: now }, '订单状态不允许关闭');
    await MALL_ORDER_LIFECYCLE.transitionAll(em, { tradeId: trade.id }, MallOrderStatus.AwaitingPayment, MallOrderStatus.Closed, { closedAt: now, updatedAt: now });
    await this.restock(em, trade);
    await returnDeductions(em, this.wallets, trade, { bizType: 'mall_trade_refund', bizNo: trade.tradeSn, remark: `商城订单关闭退回 ${trade.tradeSn}` });
    await MALL_COUPON_LIFECYCLE.transitionAll(em, { tradeSn: trade.tradeSn }, MallCouponStatus.Used, MallCouponStatus.Unused, { tradeSn: '', usedAt: null });
    const payment = await this.payments.latestFor(em, 'mall_trade', trade.tradeSn);
    if (payment?.status === PaymentStatus.Pending) await this.payments.closePending(em, payment.outTradeNo);
    await this.outbox.enqueue(em, trade.appId, 'trade_closed', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: '', status: MallTradeStatus.Closed }, now);
  }

  /** Awaiting shipment → shipped; 42204 when the order was in another status. */
  async ship(em: EntityManager, order: MallOrder, input: ShipInput, now: Date): Promise<void> {
    await MALL_ORDER_LIFECYCLE.transition(em, { id: order.id }, MallOrderStatus.AwaitingShipment, MallOrderStatus.Shipped, {
      expressName: input.expressName,
      expressNumber: input.expressNumber,
      shippedAt: now,
      updatedAt: now,
    }, '订单状态不允许发货');
    const trade = await em.findOneByOrFail(MallTrade, { id: order.tradeId });
    await this.outbox.enqueue(em, trade.appId, 'order_shipped', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: order.orderSn, status: MallOrderStatus.Shipped }, now);
  }

  /** Gives back the units of every line, in the goods-id order creates take them, so they lock alike. */
  private async restock(em: EntityManager, trade: MallTrade): Promise<void> {
    const orders = await em.find(MallOrder, { where: { tradeId: trade.id }, select: { id: true } });
    if (orders.length === 0) return;
    const lines = await em.find(MallOrderGoods, { where: { orderId: In(orders.map((o) => o.id)) } });
    lines.sort((a, b) => a.goodsId - b.goodsId || a.optionId - b.optionId);
    for (const line of lines) {
      if (line.optionId > 0) await em.increment(MallGoodsOption, { id: line.optionId }, 'stock', line.total);
      else await em.increment(MallGoods, { id: line.goodsId }, 'stock', line.total);
    }
  }
}
