import { ApiProperty } from '@nestjs/swagger';

/**
 * The main fields of Alipay's `trade_status_sync` notify, for the API docs only: the endpoint takes the body
 * as Alipay sends it (every field is covered by the signature), so it is not validated against this class.
 */
export class AlipayNotifyDoc {
  @ApiProperty({ example: '2022-01-07 17:58:30' })
  notify_time: string;

  @ApiProperty({ example: 'trade_status_sync' })
  notify_type: string;

  @ApiProperty({ example: '2022010700222175830012345678901234' })
  notify_id: string;

  @ApiProperty({ example: '2021000000000000' })
  app_id: string;

  @ApiProperty({ example: 'utf-8' })
  charset: string;

  @ApiProperty({ example: '1.0' })
  version: string;

  @ApiProperty({ example: 'RSA2' })
  sign_type: string;

  @ApiProperty({ description: 'RSA-SHA256 over the other fields but sign_type, by Alipay', example: 'kT9j…base64…==' })
  sign: string;

  @ApiProperty({ description: '支付宝交易号 / Alipay trade number', example: '2022010722001412345678901234' })
  trade_no: string;

  @ApiProperty({ description: '我方支付单号 / our payment number (bill_no)', example: '202201071757550123456789' })
  out_trade_no: string;

  @ApiProperty({ example: '2088000000000000' })
  seller_id: string;

  @ApiProperty({ enum: ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'], example: 'TRADE_SUCCESS' })
  trade_status: string;

  @ApiProperty({ description: '元，两位小数 / yuan, two decimals', example: '300.00' })
  total_amount: string;

  @ApiProperty({ example: '拉卡拉大POS 1台装礼包 升V5' })
  subject: string;

  @ApiProperty({ example: '2022-01-07 17:58:29' })
  gmt_payment: string;
}
