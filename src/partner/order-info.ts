import { fenToYuan } from '../common/money';
import { formatWireTime, wireTimestamp } from '../common/time';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import type { OrderInfoDto } from './dto/order-info.dto';

/** The order as the partner API shows it: the seed's 35 fields, in the seed's order and types. */
export function toOrderInfo(order: PartnerOrder, timeZone: string): OrderInfoDto {
  return {
    order_no: order.orderNo,
    gift_pos_id: order.giftPosId,
    order_express_time_stamp: wireTimestamp(order.shippedAt),
    bill_no: order.billNo,
    order_time: formatWireTime(order.createdAt, timeZone),
    order_name: order.orderName,
    user_id_no: order.userIdNo,
    gift_title: order.giftTitle,
    order_status: order.orderStatus,
    coupon_id: order.couponId,
    order_express_number: order.expressNumber,
    user_phone: order.userPhone,
    pay_type: order.payType,
    order_time_stamp: wireTimestamp(order.createdAt),
    id: order.id,
    order_type: order.orderType,
    user_level_id: order.userLevelId,
    order_express_name: order.expressName,
    order_express_time: formatWireTime(order.shippedAt, timeZone),
    order_receieve_phone: order.receivePhone,
    receive_time: formatWireTime(order.receivedAt, timeZone),
    order_price: fenToYuan(order.orderPrice),
    // The partner app sends no order note; the field is kept for the seed's shape.
    order_desc: '',
    order_express_address: order.expressAddress,
    order_pay_time: formatWireTime(order.paidAt, timeZone),
    order_receieve_name: order.receiveName,
    platform_remark: order.platformRemark,
    order_score: order.orderScore,
    deduct_price: fenToYuan(order.deductPrice),
    user_id: order.userId,
    user_real_name: order.userRealName,
    order_receieve_address: order.receiveAddress,
    third_order_no: order.thirdOrderNo,
    order_pay_time_stamp: wireTimestamp(order.paidAt),
    order_express_no: order.expressNo,
  };
}
