import { Injectable } from '@nestjs/common';
import { EntityManager, FindOptionsWhere, In } from 'typeorm';
import { affectedRows } from '../../database/db-errors';
import { MallCoupon, MallCouponStatus } from '../../database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../database/entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../../database/entities/mall/mall-goods-option.entity';
import { MallMember } from '../../database/entities/mall/mall-member.entity';
import { MallOrder, MallOrderStatus } from '../../database/entities/mall/mall-order.entity';
import { MallOrderGoods } from '../../database/entities/mall/mall-order-goods.entity';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';
import { PaymentStatus } from '../../database/entities/payments/payment.entity';
import { PaymentService } from '../../payments/payment.service';
import { WalletService } from '../../payments/wallet/wallet.service';
import { MerchantOutbox } from '../notify/merchant-outbox.service';
import { canMove } from './mall-order-status';

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
  ) {}

  /** Unpaid → paid, with all its orders. False when the trade was no longer awaiting payment. */
  async markPaid(em: EntityManager, trade: MallTrade, now: Date): Promise<boolean> {
    const moved = await em.update(
      MallTrade,
      { id: trade.id, status: MallTradeStatus.AwaitingPayment },
      { status: MallTradeStatus.Paid, paidAt: now, updatedAt: now },
    );
    if (affectedRows(moved) !== 1) return false;
    await moveOrders(em, { tradeId: trade.id }, MallOrderStatus.AwaitingPayment, MallOrderStatus.AwaitingShipment, { paidAt: now }, now);
    await this.outbox.enqueue(em, trade.appId, 'trade_paid', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: '', status: MallTradeStatus.Paid }, now);
    return true;
  }

  /**
   * Unpaid → closed: stock, points, balance and coupons go back, the pending payment closes. False (and
   * nothing released) when the trade was not awaiting payment.
   */
  async close(em: EntityManager, trade: MallTrade, now: Date): Promise<boolean> {
    const moved = await em.update(
      MallTrade,
      { id: trade.id, status: MallTradeStatus.AwaitingPayment },
      { status: MallTradeStatus.Closed, closedAt: now, updatedAt: now },
    );
    if (affectedRows(moved) !== 1) return false;
    await moveOrders(em, { tradeId: trade.id }, MallOrderStatus.AwaitingPayment, MallOrderStatus.Closed, { closedAt: now }, now);
    await this.restock(em, trade);
    if (trade.points > 0) await em.increment(MallMember, { uid: trade.uid }, 'points', trade.points);
    if (trade.balanceAmount > 0) {
      await this.wallets.credit(em, {
        ownerType: 'mall_member',
        ownerId: String(trade.uid),
        amount: trade.balanceAmount,
        bizType: 'mall_trade_refund',
        bizNo: trade.tradeSn,
        remark: `商城订单关闭退回 ${trade.tradeSn}`,
      });
    }
    await em.update(MallCoupon, { tradeSn: trade.tradeSn, status: MallCouponStatus.Used }, { status: MallCouponStatus.Unused, tradeSn: '', usedAt: null });
    const payment = await this.payments.latestFor(em, 'mall_trade', trade.tradeSn);
    if (payment?.status === PaymentStatus.Pending) await this.payments.closePending(em, payment.outTradeNo);
    await this.outbox.enqueue(em, trade.appId, 'trade_closed', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: '', status: MallTradeStatus.Closed }, now);
    return true;
  }

  /** Awaiting shipment → shipped. False when the order was in another status. */
  async ship(em: EntityManager, order: MallOrder, input: ShipInput, now: Date): Promise<boolean> {
    const moved = await moveOrders(
      em,
      { id: order.id },
      MallOrderStatus.AwaitingShipment,
      MallOrderStatus.Shipped,
      { expressName: input.expressName, expressNumber: input.expressNumber, shippedAt: now },
      now,
    );
    if (moved !== 1) return false;
    const trade = await em.findOneByOrFail(MallTrade, { id: order.tradeId });
    await this.outbox.enqueue(em, trade.appId, 'order_shipped', { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, order_sn: order.orderSn, status: MallOrderStatus.Shipped }, now);
    return true;
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

/** Moves orders between statuses allowed by the table, only those still in `from`; returns how many moved. */
async function moveOrders(
  em: EntityManager,
  where: FindOptionsWhere<MallOrder>,
  from: MallOrderStatus,
  to: MallOrderStatus,
  fields: Partial<MallOrder>,
  now: Date,
): Promise<number> {
  if (!canMove(from, to)) throw new Error(`mall order move ${from} → ${to} is not in the table`);
  return affectedRows(await em.update(MallOrder, { ...where, status: from }, { ...fields, status: to, updatedAt: now }));
}
