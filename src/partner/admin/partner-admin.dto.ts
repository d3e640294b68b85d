import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/validation/page-query.dto';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsMoney, MAX_AMOUNT_YUAN } from '../../common/money';
import { ToInt, ToStr } from '../../common/validation/transforms';

const HEX32 = /^[0-9a-f]{32}$/;
const LEVEL_ID = /^[\w-]{1,16}$/;
const WIRE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const MAX_YUAN = MAX_AMOUNT_YUAN;

// ---- requests ----

export class CreateUserDto {
  @ApiPropertyOptional({ description: '用户 id（32 位小写十六进制，缺省自动生成）/ user id, generated when absent', example: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' })
  @IsOptional() @IsString() @Matches(HEX32)
  id?: string;

  @ApiProperty({ description: '手机号 / phone', example: '13800138000' })
  @ToStr() @IsString() @Length(1, 20)
  phone: string;

  @ApiProperty({ description: '姓名 / real name', example: '黎明' })
  @IsString() @Length(1, 64)
  real_name: string;

  @ApiPropertyOptional({ description: '身份证号 / id number', example: '' })
  @IsOptional() @ToStr() @IsString() @MaxLength(32)
  id_no?: string;

  @ApiPropertyOptional({ description: '等级 id / level id', example: 'V5' })
  @IsOptional() @IsString() @Matches(LEVEL_ID)
  level_id?: string;
}

export class AdjustBalanceDto {
  @ApiProperty({ type: Number, description: '调整金额（元，负数为扣减，余额不会低于 0）/ yuan; negative deducts, never below 0', example: 10000 })
  @IsMoney({ min: -MAX_YUAN, max: MAX_YUAN })
  amount: number | string;

  @ApiProperty({ description: '备注 / remark', example: '线下充值' })
  @IsString() @Length(1, 255)
  remark: string;
}

export class CreateAddressDto {
  @ApiProperty({ description: '收货人 / receiver', example: '刘德华' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiProperty({ description: '收货人手机号 / phone', example: '18578229023' })
  @ToStr() @IsString() @Length(1, 20)
  phone: string;

  @ApiProperty({ description: '省 / province', example: '湖南省' })
  @IsString() @Length(1, 32)
  province: string;

  @ApiProperty({ description: '市 / city', example: '长沙市' })
  @IsString() @Length(1, 32)
  city: string;

  @ApiPropertyOptional({ description: '区 / district', example: '' })
  @IsOptional() @IsString() @MaxLength(32)
  district?: string;

  @ApiProperty({ description: '详细地址 / street address', example: '德思勤城市广场b5栋' })
  @IsString() @Length(1, 255)
  detail: string;
}

export class CreateLevelDto {
  @ApiProperty({ description: '等级 id / level id', example: 'V6' })
  @IsString() @Matches(LEVEL_ID)
  id: string;

  @ApiProperty({ description: '名称 / name', example: 'V6' })
  @IsString() @Length(1, 64)
  name: string;

  @ApiProperty({ description: '排序（越大越高，升级只升不降）/ rank: higher is better, grants only move up', example: 6 })
  @ToInt() @IsInt() @Min(0) @Max(1_000_000)
  rank: number;
}

export class CreateGiftPackDto {
  @ApiPropertyOptional({ description: '礼包 id（缺省自动生成）/ generated when absent', example: '6a0d3c1e2b4f4a5e8c9d7b6a5f4e3d2c' })
  @IsOptional() @IsString() @Matches(HEX32)
  id?: string;

  @ApiProperty({ description: '标题 / title', example: '拉卡拉大POS 3台装礼包 升V5' })
  @IsString() @Length(1, 128)
  title: string;

  @ApiProperty({ type: Number, description: '价格（元）/ price, yuan', example: 800 })
  @IsMoney({ min: 0, max: MAX_YUAN })
  price: number | string;

  @ApiPropertyOptional({ description: '购买后升级到的等级 / level granted', example: 'V5' })
  @IsOptional() @IsString() @Matches(LEVEL_ID)
  level_id?: string;

  @ApiPropertyOptional({ description: '赠送积分 / score granted', example: 0, default: 0 })
  @IsOptional() @ToInt() @IsInt() @Min(0) @Max(100_000_000)
  score?: number;

  @ApiPropertyOptional({ description: '库存，null 或缺省为不限 / units, null or absent = unlimited', example: null, nullable: true, type: Number })
  @IsOptional() @ToInt() @IsInt() @Min(0) @Max(100_000_000)
  stock?: number | null;

  @ApiPropertyOptional({ description: '是否上架 / on sale', example: true, default: true })
  @IsOptional() @IsBoolean()
  on_sale?: boolean;
}

export class CreateCouponDto {
  @ApiProperty({ description: '用户 id / owner', example: '41840909af844632885424fbc20cae79' })
  @ToStr() @IsString() @Length(1, 32)
  user_id: string;

  @ApiProperty({ description: '标题 / title', example: '新人立减 50 元' })
  @IsString() @Length(1, 64)
  title: string;

  @ApiProperty({ type: Number, description: '面额（元）/ amount, yuan', example: 50 })
  @IsMoney({ min: 0.01, max: MAX_YUAN })
  amount: number | string;

  @ApiPropertyOptional({ type: Number, description: '使用门槛（元，订单金额不低于此值）/ minimum order price, yuan', example: 0, default: 0 })
  @IsOptional() @IsMoney({ min: 0, max: MAX_YUAN })
  min_price?: number | string;

  @ApiPropertyOptional({ description: '过期时间（APP_TIMEZONE，缺省为不过期）/ expires at, never when absent', example: '2030-12-31 23:59:59' })
  @IsOptional() @IsString() @Matches(WIRE_TIME)
  expires_at?: string;
}

export class AdminOrderQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: '订单状态 / status', enum: [-1, 0, 1, 2, 3], example: 1 })
  @IsOptional() @ToInt() @IsInt() @IsIn([-1, 0, 1, 2, 3])
  status?: number;
}

export class ShipOrderDto {
  @ApiProperty({ description: '快递公司 / carrier name', example: '顺丰速运' })
  @IsString() @Length(1, 64)
  express_name: string;

  @ApiProperty({ description: '快递单号 / tracking number', example: 'SF1234567890123' })
  @ToStr() @IsString() @Length(1, 64)
  express_number: string;

  @ApiPropertyOptional({ description: '快递公司编码 / carrier code', example: 'SF' })
  @IsOptional() @IsString() @MaxLength(32)
  express_no?: string;

  @ApiPropertyOptional({ description: '发货地址 / shipped from', example: '湖南省长沙市仓库' })
  @IsOptional() @IsString() @MaxLength(255)
  express_address?: string;

  @ApiPropertyOptional({ description: '平台备注 / operator remark', example: '' })
  @IsOptional() @IsString() @MaxLength(255)
  platform_remark?: string;
}

// ---- results ----

export class AdminUserDto {
  @ApiProperty({ description: '用户 id / user id', example: '41840909af844632885424fbc20cae79' })
  id: string;

  @ApiProperty({ description: '手机号 / phone', example: '18569557087' })
  phone: string;

  @ApiProperty({ description: '姓名 / real name', example: '张学友' })
  real_name: string;

  @ApiProperty({ description: '身份证号 / id number', example: '' })
  id_no: string;

  @ApiProperty({ description: '等级（无则为空）/ level, "" if none', example: '' })
  level_id: string;

  @ApiProperty({ description: '积分 / score', example: 0 })
  score: number;

  @ApiProperty({ description: '余额（元）/ wallet balance, yuan', example: 10000 })
  balance: number;
}

export class PartnerAddressDto {
  @ApiProperty({ description: '地址 id / address id', example: 1 })
  id: number;

  @ApiProperty({ description: '用户 id / user id', example: '41840909af844632885424fbc20cae79' })
  user_id: string;

  @ApiProperty({ description: '收货人 / receiver name', example: '刘德华' })
  name: string;

  @ApiProperty({ description: '手机号 / phone', example: '18578229023' })
  phone: string;

  @ApiProperty({ description: '省 / province', example: '湖南省' })
  province: string;

  @ApiProperty({ description: '市 / city', example: '长沙市' })
  city: string;

  @ApiProperty({ description: '区 / district', example: '' })
  district: string;

  @ApiProperty({ description: '详细地址 / street address', example: '德思勤城市广场b5栋' })
  detail: string;
}

export class LevelDto {
  @ApiProperty({ description: '等级 id / level id', example: 'V5' })
  id: string;

  @ApiProperty({ description: '名称 / name', example: 'V5' })
  name: string;

  @ApiProperty({ description: '排序，越大越高 / rank, higher is better', example: 5 })
  rank: number;
}

export class GiftPackDto {
  @ApiProperty({ description: '礼包 id / gift pack id', example: '55fca782f55f406d94e2cecb23d0140b' })
  id: string;

  @ApiProperty({ description: '标题 / title', example: '拉卡拉大POS 1台装礼包 升V5' })
  title: string;

  @ApiProperty({ description: '价格（元）/ price, yuan', example: 300 })
  price: number;

  @ApiProperty({ description: '升级到的等级，"" 为不升级 / level granted, "" for none', example: 'V5' })
  level_id: string;

  @ApiProperty({ description: '赠送积分 / score granted', example: 0 })
  score: number;

  @ApiProperty({ description: '库存，-1 为不限 / units left, -1 = unlimited', example: -1 })
  stock: number;

  @ApiProperty({ description: '是否上架 / on sale', example: true })
  on_sale: boolean;
}

export class CouponDto {
  @ApiProperty({ description: '优惠券 id / coupon id', example: '9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d' })
  id: string;

  @ApiProperty({ description: '用户 id / user id', example: '41840909af844632885424fbc20cae79' })
  user_id: string;

  @ApiProperty({ description: '标题 / title', example: '新人立减 50 元' })
  title: string;

  @ApiProperty({ description: '面额（元）/ amount, yuan', example: 50 })
  amount: number;

  @ApiProperty({ description: '使用门槛（元）/ minimum order price, yuan', example: 0 })
  min_price: number;

  @ApiProperty({ description: '过期时间，"" 为不过期 / expires at, "" never', example: '2030-12-31 23:59:59' })
  expires_at: string;

  @ApiProperty({ description: '状态 unused 未用 reserved 待支付占用 used 已用 / status', enum: ['unused', 'reserved', 'used'], example: 'unused' })
  status: string;

  @ApiProperty({ description: '占用或使用它的订单 / order holding it', example: '' })
  order_no: string;
}

export class PartnerRefundResultDto {
  @ApiProperty({ description: '退款单号 / refund number', example: 'RF220107175755A1B2C3' })
  refund_no: string;

  @ApiProperty({ example: '202201071757551641549475668' })
  order_no: string;

  @ApiProperty({ description: '退回渠道 / channel the money goes back through', enum: ['balance', 'alipay'], example: 'balance' })
  channel: string;

  @ApiProperty({ description: '退款金额（元）/ amount in yuan', example: 300 })
  amount: number;

  @ApiProperty({ description: 'pending：支付宝尚未确认 / Alipay has not answered yet', enum: ['pending', 'success', 'failed'], example: 'success' })
  status: string;
}
