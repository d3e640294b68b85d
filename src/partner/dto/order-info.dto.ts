import { ApiProperty } from '@nestjs/swagger';

/** `order_info` of the partner API (seed 000): 35 fields, never null. Examples are the seed's. */
export class OrderInfoDto {
  @ApiProperty({ description: '订单号（27 位：yyyyMMddHHmmss + 13 位毫秒时间戳）/ order number', example: '202201071757551641549475668' })
  order_no: string;

  @ApiProperty({ description: '礼包 id / gift pack id', example: '55fca782f55f406d94e2cecb23d0140b' })
  gift_pos_id: string;

  @ApiProperty({ description: '发货时间戳（毫秒，未发货为 0）/ shipped at, epoch ms', example: 0 })
  order_express_time_stamp: number;

  @ApiProperty({ description: '支付单号（支付宝 out_trade_no，余额支付为空）/ our Alipay out_trade_no', example: '' })
  bill_no: string;

  @ApiProperty({ description: '下单时间 / order time (APP_TIMEZONE)', example: '2022-01-07 17:57:55' })
  order_time: string;

  @ApiProperty({ description: '订单名称 / order name', example: '购买机器' })
  order_name: string;

  @ApiProperty({ description: '下单用户身份证号 / buyer id number', example: '' })
  user_id_no: string;

  @ApiProperty({ description: '礼包标题 / gift pack title', example: '拉卡拉大POS 1台装礼包 升V5' })
  gift_title: string;

  @ApiProperty({ description: '订单状态 -1 已关闭 0 待支付 1 已支付待发货 2 已发货 3 已收货 / order status', example: 1, enum: [-1, 0, 1, 2, 3] })
  order_status: number;

  @ApiProperty({ description: '优惠券 id / coupon id', example: '' })
  coupon_id: string;

  @ApiProperty({ description: '快递单号 / tracking number', example: '' })
  order_express_number: string;

  @ApiProperty({ description: '下单用户手机号 / buyer phone', example: '18569557087' })
  user_phone: string;

  @ApiProperty({ description: '支付类型 1 余额 2 支付宝 / pay type', example: 1, enum: [1, 2] })
  pay_type: number;

  @ApiProperty({ description: '下单时间戳（毫秒）/ order time, epoch ms', example: 1641549475356 })
  order_time_stamp: number;

  @ApiProperty({ description: '订单 id（32 位十六进制）/ order id', example: 'fd85f86a959043878cf2c03d8c09f39f' })
  id: string;

  @ApiProperty({ description: '订单类型 / order type', example: 1 })
  order_type: number;

  @ApiProperty({ description: '下单时用户等级（无则为空）/ buyer level at order time', example: '' })
  user_level_id: string;

  @ApiProperty({ description: '快递公司 / carrier name', example: '' })
  order_express_name: string;

  @ApiProperty({ description: '发货时间 / shipped at', example: '' })
  order_express_time: string;

  @ApiProperty({ description: '收货人手机号 / receiver phone', example: '18578229023' })
  order_receieve_phone: string;

  @ApiProperty({ description: '确认收货时间 / received at', example: '' })
  receive_time: string;

  @ApiProperty({ description: '订单金额（元）/ order price, yuan', example: 300 })
  order_price: number;

  @ApiProperty({ description: '订单备注 / order note', example: '' })
  order_desc: string;

  @ApiProperty({ description: '发货地址 / shipped from', example: '' })
  order_express_address: string;

  @ApiProperty({ description: '支付时间 / paid at', example: '2022-01-07 17:57:55' })
  order_pay_time: string;

  @ApiProperty({ description: '收货人 / receiver name', example: '刘德华' })
  order_receieve_name: string;

  @ApiProperty({ description: '平台备注 / operator remark', example: '' })
  platform_remark: string;

  @ApiProperty({ description: '订单赠送积分 / score the order grants', example: 0 })
  order_score: number;

  @ApiProperty({ description: '优惠抵扣金额（元）/ coupon deduction, yuan', example: 0 })
  deduct_price: number;

  @ApiProperty({ description: '用户 id / user id', example: '41840909af844632885424fbc20cae79' })
  user_id: string;

  @ApiProperty({ description: '下单用户姓名 / buyer name', example: '张学友' })
  user_real_name: string;

  @ApiProperty({ description: '收货地址（省市区+详细地址）/ receiver address', example: '湖南省长沙市德思勤城市广场b5栋' })
  order_receieve_address: string;

  @ApiProperty({ description: '支付宝交易号 / Alipay trade_no', example: '' })
  third_order_no: string;

  @ApiProperty({ description: '支付时间戳（毫秒，未支付为 0）/ paid at, epoch ms', example: 1641549475356 })
  order_pay_time_stamp: number;

  @ApiProperty({ description: '快递公司编码 / carrier code', example: '' })
  order_express_no: string;
}

export class OrderResultDto {
  @ApiProperty({ description: '订单信息 / order', type: () => OrderInfoDto })
  order_info: OrderInfoDto;
}

export class PayResultDto {
  @ApiProperty({ description: '支付宝支付跳转地址（余额支付为空）/ signed Alipay wap pay URL, "" for balance', example: '' })
  ali_pay_url: string;

  @ApiProperty({ description: '订单信息 / order', type: () => OrderInfoDto })
  order_info: OrderInfoDto;
}

export class OrderListResultDto {
  @ApiProperty({ description: '订单列表 / orders, newest first', type: () => [OrderInfoDto] })
  list: OrderInfoDto[];

  @ApiProperty({ description: '总数 / total matching', example: 1 })
  total: number;

  @ApiProperty({ description: '页码 / page', example: 1 })
  page: number;

  @ApiProperty({ description: '每页条数 / page size', example: 20 })
  page_size: number;
}
