import { ApiProperty } from '@nestjs/swagger';

export class PricedGoodsDto {
  @ApiProperty({ example: 164 }) goods_id: number;
  @ApiProperty({ example: 0 }) option_id: number;
  @ApiProperty({ description: '商品（及规格）名称 / title', example: '自营精选 茶具套装' }) title: string;
  @ApiProperty({ description: '单价（元）/ unit price, yuan', example: 25 }) price: number;
  @ApiProperty({ description: '数量 / quantity', example: 2 }) total: number;
  @ApiProperty({ description: '小计（元）/ price × total, yuan', example: 50 }) goods_price: number;
}

export class DeductionDto {
  @ApiProperty({ description: '抵扣码 / deduction code', enum: ['point', 'balance'], example: 'point' }) code: string;
  @ApiProperty({ description: '名称 / name', example: '积分抵扣' }) name: string;
  @ApiProperty({ description: '使用的积分数或余额（元）/ points used, or balance in yuan', example: 300 }) coin: number;
  @ApiProperty({ description: '抵扣金额（元）/ amount deducted, yuan', example: 3 }) amount: number;
  @ApiProperty({ description: '是否选用 / chosen in orders[].deduction_ids', example: true }) checked: boolean;
}

export class ServiceFeeDto {
  @ApiProperty({ example: 'install' }) code: string;
  @ApiProperty({ example: '安装费' }) name: string;
  @ApiProperty({ description: '金额（元）/ yuan', example: 5 }) amount: number;
  @ApiProperty({ description: '是否选用 / chosen in orders[].service_fee', example: false }) checked: boolean;
}

export class PreOrderGroupDto {
  @ApiProperty({ description: '预下单 ID = md5(JSON 商品 ID 数组) / md5 of the group goods ids as JSON', example: '101e36c8e82057bd9b40c387d07e5577' }) pre_id: string;
  @ApiProperty({ example: 1 }) store_id: number;
  @ApiProperty({ example: '自营' }) store_name: string;
  @ApiProperty({ type: [PricedGoodsDto] }) goods: PricedGoodsDto[];
  @ApiProperty({ description: '商品金额（元）/ goods price, yuan', example: 100 }) goods_price: number;
  @ApiProperty({ description: '运费（元）/ shipping, yuan', example: 0 }) dispatch_price: number;
  @ApiProperty({ description: '优惠券优惠（元）/ coupon discount, yuan', example: 0 }) discount_price: number;
  @ApiProperty({ type: [DeductionDto] }) deductions: DeductionDto[];
  @ApiProperty({ type: [ServiceFeeDto] }) service_fees: ServiceFeeDto[];
  @ApiProperty({ description: '应付（元）/ left to pay, yuan', example: 100 }) price: number;
}

export class PreOrderDataDto {
  @ApiProperty({ type: [PreOrderGroupDto] }) orders: PreOrderGroupDto[];
  @ApiProperty({ description: '合计应付（元）/ total left to pay, yuan', example: 100 }) total_price: number;
}

export class CreatedOrderDto {
  @ApiProperty({ description: '订单 ID / order id', example: 1567 }) order_id: number;
  @ApiProperty({ description: '订单号 / order number', example: 'SN220318160213CAD2E1' }) order_sn: string;
  @ApiProperty({ description: '订单金额（元）/ yuan', example: 100 }) price: number;
}

export class CreateOrderDataDto {
  @ApiProperty({ description: '商户请求号 / merchant request number', example: 'SN3546576886989' }) outside_sn: string;
  @ApiProperty({ description: '总金额（元）/ total to pay, yuan', example: 100 }) total_price: number;
  @ApiProperty({ description: '商城下单流水号 / trade number', example: 'TN220318160213A1B2C3' }) trade_sn: string;
  @ApiProperty({ description: '前端支付链接（收银台）/ cashier page', example: 'http://localhost:3000/pay/TN220318160213A1B2C3' }) pay_link: string;
  @ApiProperty({ type: [CreatedOrderDto] }) orders: CreatedOrderDto[];
}

export class OrderGoodsViewDto extends PricedGoodsDto {
  @ApiProperty({ example: 0 }) diyform_data_id: number;
}

export class AddressViewDto {
  @ApiProperty({ example: '150132454657' }) mobile: string;
  @ApiProperty({ example: '收货人' }) username: string;
  @ApiProperty({ example: '广东省' }) province: string;
  @ApiProperty({ example: '广州市' }) city: string;
  @ApiProperty({ example: '白云区' }) district: string;
  @ApiProperty({ example: '黄石街道' }) street: string;
  @ApiProperty({ example: '新市二街 1003 号' }) address: string;
}

export class InvoiceViewDto {
  @ApiProperty({ description: '0 电子发票，1 纸质发票', example: 0 }) invoice_type: number;
  @ApiProperty({ description: '0 单位，1 个人', example: 1 }) rise_type: number;
  @ApiProperty({ example: '张三' }) call: string;
  @ApiProperty({ example: '' }) company_number: string;
}

export class OrderViewDto {
  @ApiProperty({ example: 1567 }) order_id: number;
  @ApiProperty({ example: 'SN220318160213CAD2E1' }) order_sn: string;
  @ApiProperty({ example: '101e36c8e82057bd9b40c387d07e5577' }) pre_id: string;
  @ApiProperty({ example: 1 }) store_id: number;
  @ApiProperty({ example: '自营' }) store_name: string;
  @ApiProperty({ description: '-1 已关闭，0 待付款，1 待发货，2 已发货，3 已完成，11 退款中', enum: [-1, 0, 1, 2, 3, 11], example: 0 }) status: number;
  @ApiProperty({ example: '待付款' }) status_name: string;
  @ApiProperty({ example: 100 }) goods_price: number;
  @ApiProperty({ example: 0 }) dispatch_price: number;
  @ApiProperty({ example: 0 }) discount_price: number;
  @ApiProperty({ description: '积分抵扣（元）/ yuan', example: 0 }) point_amount: number;
  @ApiProperty({ description: '使用积分 / points used', example: 0 }) points: number;
  @ApiProperty({ description: '余额抵扣（元）/ yuan', example: 0 }) balance_amount: number;
  @ApiProperty({ example: 0 }) service_fee_amount: number;
  @ApiProperty({ type: [ServiceFeeDto] }) service_fees: ServiceFeeDto[];
  @ApiProperty({ description: '应付（元）/ left to pay, yuan', example: 100 }) price: number;
  @ApiProperty({ description: '已退款（元，含退款中）/ refunded or being refunded, yuan', example: 0 }) refund_price: number;
  @ApiProperty({ example: '' }) note: string;
  @ApiProperty({ type: AddressViewDto, nullable: true }) address: AddressViewDto | null;
  @ApiProperty({ type: InvoiceViewDto, nullable: true }) invoice: InvoiceViewDto | null;
  @ApiProperty({ example: '' }) express_name: string;
  @ApiProperty({ example: '' }) express_number: string;
  @ApiProperty({ example: '2022-03-18 16:02:13' }) create_time: string;
  @ApiProperty({ example: '' }) pay_time: string;
  @ApiProperty({ example: '' }) send_time: string;
  @ApiProperty({ example: '' }) close_time: string;
  @ApiProperty({ type: [OrderGoodsViewDto] }) goods: OrderGoodsViewDto[];
}

export class TradeViewDto {
  @ApiProperty({ example: 'SN3546576886989' }) outside_sn: string;
  @ApiProperty({ example: 'TN220318160213A1B2C3' }) trade_sn: string;
  @ApiProperty({ example: 2455 }) uid: number;
  @ApiProperty({ description: '-1 已关闭，0 待付款，1 已付款', enum: [-1, 0, 1], example: 0 }) status: number;
  @ApiProperty({ example: '待付款' }) status_name: string;
  @ApiProperty({ example: 100 }) goods_price: number;
  @ApiProperty({ example: 0 }) discount_price: number;
  @ApiProperty({ example: 0 }) dispatch_price: number;
  @ApiProperty({ example: 0 }) service_fee_amount: number;
  @ApiProperty({ example: 0 }) point_amount: number;
  @ApiProperty({ example: 0 }) points: number;
  @ApiProperty({ example: 0 }) balance_amount: number;
  @ApiProperty({ description: '应付（元）/ left to pay, yuan', example: 100 }) total_price: number;
  @ApiProperty({ example: 'http://localhost:3000/pay/TN220318160213A1B2C3' }) pay_link: string;
  @ApiProperty({ example: '2022-03-18 16:02:13' }) create_time: string;
  @ApiProperty({ example: '' }) pay_time: string;
  @ApiProperty({ example: '' }) close_time: string;
  @ApiProperty({ type: [OrderViewDto] }) orders: OrderViewDto[];
}

export class RefundedOrderDto {
  @ApiProperty({ example: 'SN220318160213CAD2E1' }) order_sn: string;
  @ApiProperty({ description: '退款单号 / refund number', example: 'RF220318160213A1B2C3' }) refund_no: string;
  @ApiProperty({ description: '退款金额（元）/ yuan', example: 100 }) amount: number;
  @ApiProperty({ description: 'pending：支付宝尚未确认，订单为 11 / Alipay has not answered yet, the order stays 11', enum: ['pending', 'success', 'failed'], example: 'success' }) status: string;
}

export class ClosedTradeDto {
  @ApiProperty({ example: 'SN3546576886989' }) outside_sn: string;
  @ApiProperty({ example: 'TN220318160213A1B2C3' }) trade_sn: string;
  @ApiProperty({ example: -1 }) status: number;
}
