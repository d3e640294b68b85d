import { fenToYuan } from '../../common/money';
import { formatWireTime } from '../../common/time';
import { Refund } from '../../database/entities/payments/refund.entity';
import { RefundViewDto } from './refund.dto';

export function refundView(refund: Refund, timeZone: string): RefundViewDto {
  return {
    refund_no: refund.refundNo,
    out_trade_no: refund.outTradeNo,
    channel: refund.channel,
    amount: fenToYuan(refund.amount),
    reason: refund.reason,
    status: refund.status,
    fail_reason: refund.failReason,
    create_time: formatWireTime(refund.createdAt, timeZone),
    finish_time: formatWireTime(refund.finishedAt, timeZone),
  };
}
