import { MallOrderStatus } from '../../database/entities/mall/mall-order.entity';

/** Every status move an order may make; anything else is 42204. */
const ALLOWED_MOVES: Record<MallOrderStatus, readonly MallOrderStatus[]> = {
  [MallOrderStatus.AwaitingPayment]: [MallOrderStatus.AwaitingShipment, MallOrderStatus.Closed],
  [MallOrderStatus.AwaitingShipment]: [MallOrderStatus.Shipped],
  [MallOrderStatus.Shipped]: [MallOrderStatus.Completed],
  [MallOrderStatus.Completed]: [],
  [MallOrderStatus.Closed]: [],
  [MallOrderStatus.Refunding]: [],
};

export function canMove(from: MallOrderStatus, to: MallOrderStatus): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

export const ORDER_STATUS_NAME: Record<MallOrderStatus, string> = {
  [MallOrderStatus.Closed]: '已关闭',
  [MallOrderStatus.AwaitingPayment]: '待付款',
  [MallOrderStatus.AwaitingShipment]: '待发货',
  [MallOrderStatus.Shipped]: '已发货',
  [MallOrderStatus.Completed]: '已完成',
  [MallOrderStatus.Refunding]: '退款中',
};
