import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ToStr } from '../../../common/validation/transforms';

export class SandboxPayDto {
  @ApiProperty({ description: '我方支付单号（合作方接口的 bill_no）/ our payment number (bill_no)', example: '202201071757550123456789' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  out_trade_no: string;
}

export class SandboxPayResultDto {
  @ApiProperty({ example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ description: '模拟的支付宝交易号 / simulated Alipay trade number', example: '2022010722001412345678901234' })
  trade_no: string;

  @ApiProperty({ description: '通知投递地址 / where the notify was posted', example: 'http://localhost:3000/payments/alipay/notify' })
  notify_url: string;

  @ApiProperty({ description: '通知接口的应答 / the notify endpoint\'s reply', enum: ['success', 'failure'], example: 'success' })
  notify_response: 'success' | 'failure';
}
