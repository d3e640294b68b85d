import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { fenToYuan } from '../../common/money';
import { formatWireTime } from '../../common/time';
import { MallOrder } from '../../database/entities/mall/mall-order.entity';
import { MallOrderGoods } from '../../database/entities/mall/mall-order-goods.entity';
import { MallStore } from '../../database/entities/mall/mall-store.entity';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';
import { CashierLinks } from '../cashier/cashier-links';
import { CreateOrderDataDto, PreOrderDataDto, TradeViewDto } from '../dto/mall-order-responses.dto';
import { Pricing } from '../pricing/order-pricing.service';
import { ORDER_STATUS_NAME } from './mall-order-status';

const TRADE_STATUS_NAME: Record<MallTradeStatus, string> = {
  [MallTradeStatus.Closed]: '已关闭',
  [MallTradeStatus.AwaitingPayment]: '待付款',
  [MallTradeStatus.Paid]: '已付款',
};

/** Wire shapes of pricings and trades: yuan numbers, zoned times, `""` for unset strings. */
@Injectable()
export class MallTradeViews {
  constructor(
    private readonly config: AppConfig,
    private readonly links: CashierLinks,
  ) {}

  pre(pricing: Pricing): PreOrderDataDto {
    return {
      orders: pricing.groups.map((g) => ({
        pre_id: g.preId,
        store_id: g.store.id,
        store_name: g.store.name,
        goods: g.lines.map((l) => ({ goods_id: l.goodsId, option_id: l.optionId, title: l.title, price: fenToYuan(l.price), total: l.total, goods_price: fenToYuan(l.goodsPrice) })),
        goods_price: fenToYuan(g.goodsPrice),
        dispatch_price: fenToYuan(g.dispatchPrice),
        discount_price: fenToYuan(g.discountPrice),
        deductions: g.deductions.map((d) => ({
          code: d.code,
          name: d.name,
          coin: d.code === 'balance' ? fenToYuan(d.coin) : d.coin,
          amount: fenToYuan(d.amount),
          checked: d.checked,
        })),
        service_fees: g.serviceFees.map((f) => ({ code: f.code, name: f.name, amount: fenToYuan(f.amount), checked: f.checked })),
        price: fenToYuan(g.price),
      })),
      total_price: fenToYuan(pricing.totalPrice),
    };
  }

  /**
   * The `/order/create` answer. A retry of the create (same `outside_sn` and parameters) is answered from the same
   * rows, none of which changes after the create: the trade's total and the orders' ids, numbers and prices.
   */
  created(trade: MallTrade, orders: Array<Pick<MallOrder, 'id' | 'orderSn' | 'price'>>): CreateOrderDataDto {
    return {
      outside_sn: trade.outsideSn,
      total_price: fenToYuan(trade.totalPrice),
      trade_sn: trade.tradeSn,
      pay_link: this.links.linkOf(trade.tradeSn),
      orders: orders.map((o) => ({ order_id: o.id, order_sn: o.orderSn, price: fenToYuan(o.price) })),
    };
  }

  /** `created` for a trade read back: its orders in the order they were created (one INSERT, ascending ids). */
  async createdAgain(em: EntityManager, trade: MallTrade): Promise<CreateOrderDataDto> {
    const orders = await em.find(MallOrder, { select: { id: true, orderSn: true, price: true }, where: { tradeId: trade.id }, order: { id: 'ASC' } });
    return this.created(trade, orders);
  }

  async trade(em: EntityManager, trade: MallTrade): Promise<TradeViewDto> {
    const tz = this.config.APP_TIMEZONE;
    const orders = await em.find(MallOrder, { where: { tradeId: trade.id }, order: { id: 'ASC' } });
    const ids = orders.map((o) => o.id);
    const lines = ids.length ? await em.find(MallOrderGoods, { where: { orderId: In(ids) }, order: { id: 'ASC' } }) : [];
    const storeIds = [...new Set(orders.map((o) => o.storeId))];
    const stores = new Map(storeIds.length ? (await em.findBy(MallStore, { id: In(storeIds) })).map((s) => [s.id, s.name]) : []);
    return {
      outside_sn: trade.outsideSn,
      trade_sn: trade.tradeSn,
      uid: trade.uid,
      status: trade.status,
      status_name: TRADE_STATUS_NAME[trade.status],
      goods_price: fenToYuan(trade.goodsPrice),
      discount_price: fenToYuan(trade.discountPrice),
      dispatch_price: fenToYuan(trade.dispatchPrice),
      service_fee_amount: fenToYuan(trade.serviceFeeAmount),
      point_amount: fenToYuan(trade.pointAmount),
      points: trade.points,
      balance_amount: fenToYuan(trade.balanceAmount),
      total_price: fenToYuan(trade.totalPrice),
      pay_link: this.links.linkOf(trade.tradeSn),
      create_time: formatWireTime(trade.createdAt, tz),
      pay_time: formatWireTime(trade.paidAt, tz),
      close_time: formatWireTime(trade.closedAt, tz),
      orders: orders.map((o) => ({
        order_id: o.id,
        order_sn: o.orderSn,
        pre_id: o.preId,
        store_id: o.storeId,
        store_name: stores.get(o.storeId) ?? '',
        status: o.status,
        status_name: ORDER_STATUS_NAME[o.status],
        goods_price: fenToYuan(o.goodsPrice),
        dispatch_price: fenToYuan(o.dispatchPrice),
        discount_price: fenToYuan(o.discountPrice),
        point_amount: fenToYuan(o.pointAmount),
        points: o.points,
        balance_amount: fenToYuan(o.balanceAmount),
        service_fee_amount: fenToYuan(o.serviceFeeAmount),
        service_fees: o.serviceFees.map((f) => ({ code: f.code, name: f.name, amount: fenToYuan(f.amount), checked: true })),
        price: fenToYuan(o.price),
        refund_price: fenToYuan(o.refundPrice),
        note: o.note,
        address: o.address,
        invoice: o.invoice,
        express_name: o.expressName,
        express_number: o.expressNumber,
        create_time: formatWireTime(o.createdAt, tz),
        pay_time: formatWireTime(o.paidAt, tz),
        send_time: formatWireTime(o.shippedAt, tz),
        close_time: formatWireTime(o.closedAt, tz),
        goods: lines
          .filter((l) => l.orderId === o.id)
          .map((l) => ({
            goods_id: l.goodsId,
            option_id: l.optionId,
            title: l.title,
            price: fenToYuan(l.price),
            total: l.total,
            goods_price: fenToYuan(l.goodsPrice),
            diyform_data_id: l.diyformDataId,
          })),
      })),
    };
  }
}
