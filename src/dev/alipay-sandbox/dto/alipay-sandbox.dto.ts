import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ToStr } from '../../../common/validation/transforms';

const SANDBOX_METHODS = ['alipay.trade.query', 'alipay.trade.close', 'alipay.trade.refund', 'alipay.trade.fastpay.refund.query'];

export class SandboxPayDto {
  @ApiProperty({ description: '我方支付单号（合作方接口的 bill_no）/ our payment number (bill_no)', example: '202201071757550123456789' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  out_trade_no: string;

  @ApiPropertyOptional({ description: '是否投递异步通知（false：通知丢失）/ post the notify (false: the notify is lost)', default: true, example: true })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  notify?: boolean;
}

export class SandboxPayResultDto {
  @ApiProperty({ example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ description: '模拟的支付宝交易号 / simulated Alipay trade number', example: '2022010722001412345678901234' })
  trade_no: string;

  @ApiProperty({ description: '通知投递地址 / where the notify was posted', example: 'http://localhost:3000/payments/alipay/notify' })
  notify_url: string;

  @ApiProperty({ description: '通知接口的应答 / the notify endpoint\'s reply (`not_sent` with notify: false)', enum: ['success', 'failure', 'not_sent'], example: 'success' })
  notify_response: 'success' | 'failure' | 'not_sent';
}

export class SandboxFaultDto {
  @ApiProperty({ description: '下一次调用照常执行但丢弃应答 / the next call of this method is carried out but its answer is lost', enum: SANDBOX_METHODS, example: 'alipay.trade.refund' })
  @IsString() @IsIn(SANDBOX_METHODS)
  drop_next: 'alipay.trade.query' | 'alipay.trade.close' | 'alipay.trade.refund' | 'alipay.trade.fastpay.refund.query';
}

export class SandboxFaultResultDto {
  @ApiProperty({ example: 'alipay.trade.refund' })
  drop_next: string;
}

export class SandboxRefundDto {
  @ApiProperty({ example: 'RF260101120000A1B2C3' })
  out_request_no: string;

  @ApiProperty({ example: '300.00' })
  refund_amount: string;
}

export class SandboxTradeDto {
  @ApiProperty({ example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ example: '2022010722001412345678901234' })
  trade_no: string;

  @ApiProperty({ enum: ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_CLOSED'], example: 'TRADE_SUCCESS' })
  trade_status: string;

  @ApiProperty({ example: '300.00' })
  total_amount: string;

  @ApiProperty({ example: '0.00' })
  refunded_amount: string;

  @ApiProperty({ type: [SandboxRefundDto] })
  refunds: SandboxRefundDto[];
}
