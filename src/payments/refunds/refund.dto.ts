import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/validation/page-query.dto';
import { IsIn, IsInt, IsOptional, IsString, Length } from 'class-validator';
import { ToInt } from '../../common/validation/transforms';
import { IsMoney } from '../../common/money';

/** What an admin refund request may say: how much (yuan, default all that remains) and why. */
export class RefundRequestDto {
  @ApiPropertyOptional({ type: Number, description: '退款金额（元），默认全部可退金额 / amount in yuan; default: all that remains', example: 300 })
  @IsOptional() @IsMoney({ min: 0.01, max: 10_000_000 })
  amount?: number | string;

  @ApiProperty({ description: '退款原因 / reason', example: '用户申请退款' })
  @IsString() @Length(1, 255)
  reason: string;
}

export class RefundReasonDto {
  @ApiProperty({ description: '退款原因 / reason', example: '订单已关闭，退回迟到的付款' })
  @IsString() @Length(1, 255)
  reason: string;
}

export class RefundViewDto {
  @ApiProperty({ description: '退款单号（支付宝 out_request_no）/ refund number (Alipay out_request_no)', example: 'RF220107175755A1B2C3' })
  refund_no: string;

  @ApiProperty({ description: '支付单号 / the payment refunded', example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ enum: ['balance', 'alipay'], example: 'balance' })
  channel: string;

  @ApiProperty({ description: '金额（元）/ amount in yuan', example: 300 })
  amount: number;

  @ApiProperty({ example: '用户申请退款' })
  reason: string;

  @ApiProperty({ enum: ['pending', 'success', 'failed'], example: 'success' })
  status: string;

  @ApiProperty({ description: '渠道拒绝原因 / why the channel refused (failed)', example: '' })
  fail_reason: string;

  @ApiProperty({ example: '2022-01-07 17:57:55' })
  create_time: string;

  @ApiProperty({ description: '完成时间（pending 时为空）/ when decided; "" while pending', example: '2022-01-07 17:57:56' })
  finish_time: string;
}

export class RefundListDto {
  @ApiProperty({ type: [RefundViewDto] })
  list: RefundViewDto[];
}

export class PaymentRefundResultDto {
  @ApiProperty({ example: 'RF220107175755A1B2C3' })
  refund_no: string;

  @ApiProperty({ example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ enum: ['balance', 'alipay'], example: 'alipay' })
  channel: string;

  @ApiProperty({ example: 300 })
  amount: number;

  @ApiProperty({ enum: ['pending', 'success', 'failed'], example: 'success' })
  status: string;
}

export class PaymentQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: '1：只看待退款的支付单 / 1: only payments flagged for refund', enum: [0, 1], example: 1 })
  @IsOptional() @ToInt() @IsInt() @IsIn([0, 1])
  needs_refund?: number;
}

export class AdminPaymentDto {
  @ApiProperty({ example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ enum: ['partner_order', 'mall_trade'], example: 'partner_order' })
  biz_type: string;

  @ApiProperty({ description: '订单号或交易号 / order_no or trade_sn', example: '202201071757551641549475668' })
  biz_no: string;

  @ApiProperty({ enum: ['alipay', 'balance'], example: 'alipay' })
  channel: string;

  @ApiProperty({ example: 300 })
  amount: number;

  @ApiProperty({ example: 0 })
  refunded_amount: number;

  @ApiProperty({ description: '-1 关闭 / closed, 0 待支付 / pending, 1 已支付 / paid', example: 1 })
  status: number;

  @ApiProperty({ example: true })
  needs_refund: boolean;

  @ApiProperty({ example: '2022010722001412345678901234' })
  trade_no: string;

  @ApiProperty({ example: '2022-01-07 17:57:55' })
  create_time: string;

  @ApiProperty({ example: '2022-01-07 18:30:00' })
  pay_time: string;

  @ApiProperty({ example: '2022-01-07 18:27:55' })
  close_time: string;
}

export class AdminPaymentListDto {
  @ApiProperty({ type: [AdminPaymentDto] })
  list: AdminPaymentDto[];

  @ApiProperty({ example: 1 })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  page_size: number;
}
