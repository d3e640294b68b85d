import { Lifecycle } from '../../common/lifecycle/transition';
import { MallOrder, MallOrderStatus } from '../../database/entities/mall/mall-order.entity';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';

const { Closed, AwaitingPayment, AwaitingShipment, Shipped, Completed, Refunding } = MallOrderStatus;

/**
 * Every status move a mall order may make (SPEC §5, §10); anything else is 42204. A paid order goes to 11
 * (refunding) while a refund is under way; from there a full refund closes it and anything less returns it to
 * the status it came from.
 */
export const MALL_ORDER_LIFECYCLE = new Lifecycle<MallOrder, MallOrderStatus>('mall order', MallOrder, 'status', {
  [AwaitingPayment]: [AwaitingShipment, Closed],
  [AwaitingShipment]: [Shipped, Refunding],
  [Shipped]: [Completed, Refunding],
  [Completed]: [Refunding],
  [Refunding]: [Closed, AwaitingShipment, Shipped, Completed],
  [Closed]: [],
});

/** A trade is paid or closed while unpaid, once; after that its orders move on their own. */
export const MALL_TRADE_LIFECYCLE = new Lifecycle<MallTrade, MallTradeStatus>('mall trade', MallTrade, 'status', {
  [MallTradeStatus.AwaitingPayment]: [MallTradeStatus.Paid, MallTradeStatus.Closed],
  [MallTradeStatus.Paid]: [],
  [MallTradeStatus.Closed]: [],
});

export const ORDER_STATUS_NAME: Record<MallOrderStatus, string> = {
  [MallOrderStatus.Closed]: '已关闭',
  [MallOrderStatus.AwaitingPayment]: '待付款',
  [MallOrderStatus.AwaitingShipment]: '待发货',
  [MallOrderStatus.Shipped]: '已发货',
  [MallOrderStatus.Completed]: '已完成',
  [MallOrderStatus.Refunding]: '退款中',
};
