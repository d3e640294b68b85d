import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager, Raw } from 'typeorm';
import { IllegalStateError, RefundExceedsError } from '../../common/errors/app-error';
import { Fen } from '../../common/money';
import { affectedRows } from '../../database/db-errors';
import { MallOrder, MallOrderStatus } from '../../database/entities/mall/mall-order.entity';
import { MallTrade } from '../../database/entities/mall/mall-trade.entity';
import { Payment } from '../../database/entities/payments/payment.entity';
import { Refund } from '../../database/entities/payments/refund.entity';
import { RefundHandler, RefundHandlerRegistry, RefundPlan } from '../../payments/refunds/refund-handler.registry';
import { WalletService } from '../../payments/wallet/wallet.service';
import { MerchantOutbox } from '../notify/merchant-outbox.service';
import { MALL_ORDER_LIFECYCLE } from './mall-order-status';
import { returnDeductions } from './member-deductions';

/** The statuses a refund may start from: those the table lets move to 11 (the paid ones). */
export const REFUNDABLE_MALL_STATUSES: readonly MallOrderStatus[] = MALL_ORDER_LIFECYCLE.sourcesOf(MallOrderStatus.Refunding);

/**
 * The mall side of a refund of one order (SPEC §10), called by Payments inside the refund's transactions. While
 * the refund is under way the order is 11 (refunding) and its `refund_price` holds the amount, so the order never
 * gives back more than its cash price. A full refund closes it (-1) and gives back its point and balance
 * deductions, once; a partial one returns it to the status it came from. The merchant hears `order_refunded`.
 */
@Injectable()
export class MallOrderRefunds implements RefundHandler, OnModuleInit {
  constructor(
    private readonly registry: RefundHandlerRegistry,
    private readonly wallets: WalletService,
    private readonly outbox: MerchantOutbox,
  ) {}

  onModuleInit(): void {
    this.registry.register('mall_order', this);
  }

  async open(em: EntityManager, orderSn: string, payment: Payment | null, requested: Fen | null): Promise<RefundPlan> {
    const order = await em.findOneBy(MallOrder, { orderSn });
    if (!order || !REFUNDABLE_MALL_STATUSES.includes(order.status)) throw new IllegalStateError('订单状态不允许退款');
    // an order its points and balance paid wholly took no cash: its full refund gives back only those
    const noCash = requested === null && order.price === 0 && (order.points > 0 || order.balanceAmount > 0);
    const amount = requested ?? order.price - order.refundPrice;
    if (!noCash && (amount <= 0 || !payment)) throw new RefundExceedsError();
    await MALL_ORDER_LIFECYCLE.transition(em, { id: order.id }, order.status, MallOrderStatus.Refunding, { statusBeforeRefund: order.status, updatedAt: new Date() }, '订单状态不允许退款');
    if (noCash) return { amount: 0, noCash };
    const held = await em.update(MallOrder, { id: order.id, refundPrice: Raw((column) => `${column} + :amount <= price`, { amount }) }, { refundPrice: () => 'refund_price + :amount' });
    if (affectedRows(held) !== 1) throw new RefundExceedsError();
    return { amount };
  }

  async onSucceeded(em: EntityManager, refund: Refund): Promise<void> {
    const order = await em.findOneByOrFail(MallOrder, { orderSn: refund.bizNo });
    const now = new Date();
    const full = order.refundPrice >= order.price;
    const to = full ? MallOrderStatus.Closed : this.statusBefore(order);
    await MALL_ORDER_LIFECYCLE.transition(em, { id: order.id }, MallOrderStatus.Refunding, to, { statusBeforeRefund: null, updatedAt: now, ...(full ? { closedAt: now } : {}) });
    if (full) await returnDeductions(em, this.wallets, order, { bizType: 'mall_order_refund', bizNo: order.orderSn, remark: `商城订单退款退回余额 ${order.orderSn}` });
    const trade = await em.findOneByOrFail(MallTrade, { id: order.tradeId });
    await this.outbox.enqueue(em, trade.appId, 'order_refunded', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: order.orderSn, status: to }, now);
  }

  async onFailed(em: EntityManager, refund: Refund): Promise<void> {
    const order = await em.findOneByOrFail(MallOrder, { orderSn: refund.bizNo });
    await em.decrement(MallOrder, { id: order.id }, 'refundPrice', refund.amount);
    await MALL_ORDER_LIFECYCLE.transition(em, { id: order.id }, MallOrderStatus.Refunding, this.statusBefore(order), { statusBeforeRefund: null, updatedAt: new Date() });
  }

  private statusBefore(order: MallOrder): MallOrderStatus {
    if (order.statusBeforeRefund === null) throw new Error(`mall order ${order.orderSn} is refunding without a status to return to`);
    return order.statusBeforeRefund;
  }
}
