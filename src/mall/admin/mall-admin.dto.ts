import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/validation/page-query.dto';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsMoney, MAX_AMOUNT_YUAN } from '../../common/money';
import { TITLE_LENGTH } from '../../database/columns';
import { INT32_MAX, ToInt, ToStr } from '../../common/validation/transforms';
import { TradeViewDto } from '../dto/mall-order-responses.dto';

const MAX_YUAN = MAX_AMOUNT_YUAN;
const WIRE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

// ---- requests ----

export class CreateAppDto {
  @ApiProperty({ description: '商户应用名称 / merchant app name', example: '某某商城对接' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiPropertyOptional({
    description:
      '商户通知地址：交易支付、关闭，订单发货、退款时 POST 表单（应用密钥按商城方式签名），回复 success 即停止重试；同一事件的每次重试 notify_id 相同，据此去重 / ' +
      'merchant notify URL: a form signed with the app secret (mall scheme) is POSTed when a trade is paid or closed or an order ships or is refunded ' +
      '(`app_id, event, outside_sn, trade_sn, order_sn, status, notify_id, timestamp, nonce, sign`) until it answers `success`; ' +
      '`notify_id` is the same on every attempt of one event: de-duplicate by it (`timestamp` and `nonce` are fresh each time)',
    example: 'https://merchant.example.com/mall/notify',
  })
  @IsOptional() @IsString() @MaxLength(512) @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  notify_url?: string;
}

export class ServiceFeeInputDto {
  @ApiProperty({ description: '服务费码 / code', example: 'install' })
  @IsString() @Matches(/^[\w-]{1,32}$/)
  code: string;

  @ApiProperty({ description: '名称 / name', example: '安装费' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiProperty({ type: Number, description: '金额（元）/ yuan', example: 5 })
  @IsMoney({ min: 0, max: MAX_YUAN })
  amount: number | string;
}

export class CreateStoreDto {
  @ApiPropertyOptional({ description: '店铺 ID（缺省自动生成）/ store id, generated when absent', example: 4 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(2_000_000_000)
  id?: number;

  @ApiProperty({ description: '店铺名称 / name', example: '家居馆' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiPropertyOptional({ type: Number, description: '每单运费（元）/ flat shipping per order, yuan', example: 8, default: 0 })
  @IsOptional() @IsMoney({ min: 0, max: MAX_YUAN })
  dispatch_price?: number | string;

  @ApiPropertyOptional({ description: '可选服务费 / optional service fees', type: [ServiceFeeInputDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ServiceFeeInputDto)
  service_fees?: ServiceFeeInputDto[];
}

export class GoodsOptionInputDto {
  @ApiPropertyOptional({ description: '规格 ID（缺省自动生成）/ option id, generated when absent', example: 11 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(2_000_000_000)
  id?: number;

  @ApiProperty({ description: '规格名称 / title', example: '大号 蓝色' })
  @IsString() @Length(1, TITLE_LENGTH)
  title: string;

  @ApiProperty({ type: Number, description: '价格（元）/ yuan', example: 99 })
  @IsMoney({ min: 0, max: MAX_YUAN })
  price: number | string;

  @ApiProperty({ description: '库存 / units', example: 100 })
  @ToInt() @IsInt() @Min(0) @Max(100_000_000)
  stock: number;
}

export class CreateGoodsDto {
  @ApiPropertyOptional({ description: '商品 ID（缺省自动生成）/ goods id, generated when absent', example: 401 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(2_000_000_000)
  id?: number;

  @ApiProperty({ description: '店铺 ID / store id', example: 1 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  store_id: number;

  @ApiProperty({ description: '商品名称 / title', example: '北欧风台灯' })
  @IsString() @Length(1, TITLE_LENGTH)
  title: string;

  @ApiProperty({ type: Number, description: '价格（元）/ yuan', example: 25 })
  @IsMoney({ min: 0, max: MAX_YUAN })
  price: number | string;

  @ApiProperty({ description: '库存（无规格购买时）/ units bought without an option', example: 1000 })
  @ToInt() @IsInt() @Min(0) @Max(100_000_000)
  stock: number;

  @ApiPropertyOptional({ description: '积分最高抵扣比例（%）/ max share of the price points may pay, percent', example: 30, default: 0 })
  @IsOptional() @ToInt() @IsInt() @Min(0) @Max(100)
  max_point_deduct_ratio?: number;

  @ApiPropertyOptional({ description: '是否上架 / on sale', example: true, default: true })
  @IsOptional() @IsBoolean()
  on_sale?: boolean;

  @ApiPropertyOptional({ description: '规格 / options', type: [GoodsOptionInputDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => GoodsOptionInputDto)
  options?: GoodsOptionInputDto[];
}

export class CreateMemberDto {
  @ApiPropertyOptional({ description: '会员 uid（缺省自动生成）/ uid, generated when absent', example: 2457 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(2_000_000_000)
  uid?: number;

  @ApiProperty({ description: '手机号 / phone', example: '13800138000' })
  @ToStr() @IsString() @Length(1, 20)
  mobile: string;

  @ApiPropertyOptional({ description: '昵称 / nickname', example: '小明' })
  @IsOptional() @IsString() @MaxLength(64)
  nickname?: string;

  @ApiPropertyOptional({
    description: '服务该会员的商户应用；只有这些应用能为其下单、使用其积分余额和优惠券 / the merchant apps that serve the member: only they may price, order and spend for it',
    type: [String],
    example: ['2022010600605642'],
  })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ArrayUnique() @IsString({ each: true }) @Length(1, 32, { each: true })
  app_ids?: string[];
}

export class BindMemberDto {
  @ApiProperty({ description: '会员 uid / member uid', example: 2457 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  uid: number;
}

export class AdjustPointsDto {
  @ApiProperty({ description: '积分变动（负数为扣减，不会低于 0）/ points delta; negative deducts, never below 0', example: 10000 })
  @ToInt() @IsInt() @Min(-1_000_000_000) @Max(1_000_000_000)
  amount: number;
}

export class AdjustMemberBalanceDto {
  @ApiProperty({ type: Number, description: '余额变动（元，负数为扣减，不会低于 0）/ yuan; negative deducts, never below 0', example: 500 })
  @IsMoney({ min: -MAX_YUAN, max: MAX_YUAN })
  amount: number | string;

  @ApiPropertyOptional({ description: '备注 / remark', example: '活动赠送' })
  @IsOptional() @IsString() @MaxLength(255)
  remark?: string;
}

export class CreateMallCouponDto {
  @ApiProperty({ description: '会员 uid / owner', example: 2456 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  uid: number;

  @ApiProperty({ description: '名称 / name', example: '平台满 100 减 20' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiProperty({ type: Number, description: '面额（元）/ yuan', example: 20 })
  @IsMoney({ min: 0.01, max: MAX_YUAN })
  amount: number | string;

  @ApiPropertyOptional({ type: Number, description: '使用门槛（元，商品金额不低于此值）/ minimum goods price, yuan', example: 100, default: 0 })
  @IsOptional() @IsMoney({ min: 0, max: MAX_YUAN })
  min_price?: number | string;

  @ApiPropertyOptional({ description: '店铺 ID，缺省为平台券（按商品金额分摊到各订单）/ store id; absent = platform coupon split across orders', example: 2 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  store_id?: number;

  @ApiPropertyOptional({ description: '过期时间（APP_TIMEZONE，缺省为不过期）/ expires at, never when absent', example: '2030-12-31 23:59:59' })
  @IsOptional() @IsString() @Matches(WIRE_TIME)
  expires_at?: string;
}

export class ShipMallOrderDto {
  @ApiProperty({ description: '快递公司 / carrier name', example: '顺丰速运' })
  @IsString() @Length(1, 64)
  express_name: string;

  @ApiProperty({ description: '快递单号 / tracking number', example: 'SF1234567890123' })
  @ToStr() @IsString() @Length(1, 64)
  express_number: string;
}

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: '状态 / status', enum: ['pending', 'delivered', 'failed'], example: 'failed' })
  @IsOptional() @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';
}

// ---- results ----

export class AppCreatedDto {
  @ApiProperty({ example: '2024051712345678' }) app_id: string;
  @ApiProperty({ description: '签名密钥，只在创建时返回 / signing secret, shown only now', example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c' }) secret: string;
  @ApiProperty({ example: '某某商城对接' }) name: string;
  @ApiProperty({ example: 'https://merchant.example.com/mall/notify' }) notify_url: string;
}

export class ServiceFeeViewDto {
  @ApiProperty({ example: 'install' }) code: string;
  @ApiProperty({ example: '安装费' }) name: string;
  @ApiProperty({ example: 5 }) amount: number;
}

export class StoreViewDto {
  @ApiProperty({ example: 4 }) id: number;
  @ApiProperty({ example: '家居馆' }) name: string;
  @ApiProperty({ example: 8 }) dispatch_price: number;
  @ApiProperty({ type: [ServiceFeeViewDto] }) service_fees: ServiceFeeViewDto[];
}

export class GoodsOptionViewDto {
  @ApiProperty({ example: 11 }) id: number;
  @ApiProperty({ example: '大号 蓝色' }) title: string;
  @ApiProperty({ example: 99 }) price: number;
  @ApiProperty({ example: 100 }) stock: number;
}

export class GoodsViewDto {
  @ApiProperty({ example: 401 }) id: number;
  @ApiProperty({ example: 1 }) store_id: number;
  @ApiProperty({ example: '北欧风台灯' }) title: string;
  @ApiProperty({ example: 25 }) price: number;
  @ApiProperty({ example: 1000 }) stock: number;
  @ApiProperty({ example: 30 }) max_point_deduct_ratio: number;
  @ApiProperty({ example: true }) on_sale: boolean;
  @ApiProperty({ type: [GoodsOptionViewDto] }) options: GoodsOptionViewDto[];
}

export class MemberViewDto {
  @ApiProperty({ example: 2456 }) uid: number;
  @ApiProperty({ example: '13800138000' }) mobile: string;
  @ApiProperty({ example: '小明' }) nickname: string;
  @ApiProperty({ description: '积分 / points', example: 10000 }) points: number;
  @ApiProperty({ description: '商城余额（元）/ mall balance, yuan', example: 500 }) balance: number;
  @ApiProperty({ description: '服务该会员的商户应用 / the merchant apps that serve the member', type: [String], example: ['2022010600605642'] }) app_ids: string[];
}

export class MallCouponViewDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 2456 }) uid: number;
  @ApiProperty({ example: '平台满 100 减 20' }) name: string;
  @ApiProperty({ example: 20 }) amount: number;
  @ApiProperty({ example: 100 }) min_price: number;
  @ApiProperty({ description: '店铺 ID，0 为平台券 / store id, 0 for a platform coupon', example: 0 }) store_id: number;
  @ApiProperty({ description: '过期时间，"" 为不过期 / "" when it never expires', example: '2030-12-31 23:59:59' }) expires_at: string;
  @ApiProperty({ description: '0 未使用，1 已使用 / 0 unused, 1 used', example: 0 }) status: number;
  @ApiProperty({ description: '占用它的交易 / trade using it', example: '' }) trade_sn: string;
}

export class AdminTradeViewDto extends TradeViewDto {
  @ApiProperty({ example: '2022010600605642' }) app_id: string;
}

export class ShippedOrderDto {
  @ApiProperty({ example: 'SN220318160213CAD2E1' }) order_sn: string;
  @ApiProperty({ example: 2 }) status: number;
  @ApiProperty({ example: '顺丰速运' }) express_name: string;
  @ApiProperty({ example: 'SF1234567890123' }) express_number: string;
  @ApiProperty({ example: '2022-03-19 10:00:00' }) send_time: string;
}

export class NotificationViewDto {
  @ApiProperty({ example: 12 }) id: number;
  @ApiProperty({ description: '通知编号，每次重试相同，商户据此去重 / the event\'s id, the same on every attempt: merchants de-duplicate by it', example: '5f1c0b7e9a4d4c2f8e3b6a1d0c9e8f7a' }) notify_id: string;
  @ApiProperty({ example: '2022010600605642' }) app_id: string;
  @ApiProperty({ enum: ['trade_paid', 'trade_closed', 'order_shipped', 'order_refunded'], example: 'trade_paid' }) event: string;
  @ApiProperty({ example: 'SN3546576886989' }) outside_sn: string;
  @ApiProperty({ example: 'TN220318160213A1B2C3' }) trade_sn: string;
  @ApiProperty({ example: '' }) order_sn: string;
  @ApiProperty({ description: '通知中的订单/交易状态 / status carried by the event', example: 1 }) event_status: number;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], example: 'failed' }) status: string;
  @ApiProperty({ example: 7 }) attempts: number;
  @ApiProperty({ example: '2022-03-20 16:02:13' }) next_attempt_time: string;
  @ApiProperty({ example: 'HTTP 500: error' }) last_error: string;
  @ApiProperty({ example: '2022-03-18 16:02:13' }) create_time: string;
  @ApiProperty({ example: '' }) deliver_time: string;
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationViewDto] }) list: NotificationViewDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 20 }) page_size: number;
}
