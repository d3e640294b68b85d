import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsMoney } from '../../common/money';
import { MallSignedDto } from '../../common/signature/signed-params.dto';
import { INT32_MAX, ToInt, ToStr } from '../../common/validation/transforms';
import { JsonListOf, JsonObjectOf, ToCodeList, ToIdList } from './mall-transforms';

export const DEDUCTION_CODES = ['point', 'balance'] as const;
export type DeductionCode = (typeof DEDUCTION_CODES)[number];

export class GoodsLineDto {
  @ApiProperty({ description: '商品 ID / goods id', example: 164 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  goods_id: number;

  @ApiPropertyOptional({ description: '规格 ID，0 表示无规格 / option id, 0 for none', example: 0, default: 0 })
  @IsOptional() @ToInt() @IsInt() @Min(0) @Max(INT32_MAX)
  option_id?: number;

  @ApiProperty({ description: '购买数量 / quantity', example: 2 })
  @ToInt() @IsInt() @Min(1) @Max(9999)
  total: number;
}

export class OrderChoiceDto {
  @ApiProperty({ description: '预下单 ID（/order/pre 返回）/ pre_id of the store group', example: '101e36c8e82057bd9b40c387d07e5577' })
  @ToStr() @IsString() @Matches(/^[0-9a-f]{32}$/i)
  pre_id: string;

  @ApiPropertyOptional({ description: '使用的抵扣码 / deduction codes to apply', example: ['point'], type: [String], enum: DEDUCTION_CODES })
  @IsOptional() @ToCodeList() @IsArray() @ArrayMaxSize(2) @IsIn(DEDUCTION_CODES, { each: true })
  deduction_ids?: DeductionCode[];

  @ApiPropertyOptional({ description: '选择的服务费码 / service fee codes chosen', example: [], type: [String] })
  @IsOptional() @ToCodeList() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(32, { each: true })
  service_fee?: string[];

  @ApiPropertyOptional({ description: '订单备注 / buyer note', example: '' })
  @IsOptional() @ToStr() @IsString() @MaxLength(255)
  note?: string;
}

export class MallAddressDto {
  @ApiProperty({ description: '联系电话 / phone', example: '150132454657' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(20)
  mobile: string;

  @ApiProperty({ description: '收件人姓名 / receiver', example: '收货人' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  username: string;

  @ApiProperty({ description: '省 / province', example: '广东省' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  province: string;

  @ApiProperty({ description: '市 / city', example: '广州市' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  city: string;

  @ApiProperty({ description: '区县 / district', example: '白云区' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  district: string;

  @ApiPropertyOptional({ description: '街道 / street', example: '黄石街道' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  street?: string;

  @ApiProperty({ description: '详细地址 / street address', example: '新市二街 1003 号' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(255)
  address: string;
}

export class OrderGoodsFormDto {
  @ApiProperty({ description: '预下单 ID / pre_id of the store group', example: '101e36c8e82057bd9b40c387d07e5577' })
  @ToStr() @IsString() @Matches(/^[0-9a-f]{32}$/i)
  pre_id: string;

  @ApiProperty({ description: '自定义表单数据 ID / custom form data id', example: 0 })
  @ToInt() @IsInt() @Min(0) @Max(INT32_MAX)
  diyform_data_id: number;
}

const ADDRESS_EXAMPLE =
  '%7B%22mobile%22%3A%22150132454657%22%2C%22username%22%3A%22%E6%94%B6%E8%B4%A7%E4%BA%BA%22%2C%22province%22%3A%22%E5%B9%BF%E4%B8%9C%E7%9C%81%22%2C%22city%22%3A%22%E5%B9%BF%E5%B7%9E%E5%B8%82%22%2C%22district%22%3A%22%E7%99%BD%E4%BA%91%E5%8C%BA%22%2C%22street%22%3A%22%E9%BB%84%E7%9F%B3%E8%A1%97%E9%81%93%22%2C%22address%22%3A%22%E6%96%B0%E5%B8%82%E4%BA%8C%E8%A1%97+1003+%E5%8F%B7%22%7D';

/** What is priced: `/order/pre` and `/order/create` share these fields. */
export class OrderParamsDto extends MallSignedDto {
  @ApiProperty({ description: '商城会员 ID / mall member uid', example: 2455 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  uid: number;

  @ApiProperty({
    description: '下单商品集合（数组、表单嵌套键或 JSON 字符串）/ goods lines (array, nested form keys or JSON text)',
    type: [GoodsLineDto],
    // Goods of two demo stores (自营 and 生鲜超市, SPEC §9): one trade of two orders.
    example: [{ goods_id: '164', total: '2', option_id: '0' }, { goods_id: '99', total: '2', option_id: '0' }, { goods_id: '301', total: '1', option_id: '0' }],
  })
  @JsonListOf(GoodsLineDto) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ValidateNested({ each: true })
  goods: GoodsLineDto[];

  @ApiPropertyOptional({ description: '配送方式，暂时只支持 1（快递）/ dispatch type, only 1 (express)', example: 1, default: 1 })
  @IsOptional() @ToInt() @IsIn([1])
  dispatch_type_id?: number;

  @ApiPropertyOptional({ description: '优惠券 ID（逗号分隔或数组）/ member coupon ids, comma list or array', example: '', type: String })
  @IsOptional() @ToIdList() @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) @Min(1, { each: true })
  member_coupon_ids?: number[];

  @ApiPropertyOptional({
    description: '各订单的抵扣、服务费和备注（JSON 字符串或数组）/ per-order deductions, service fees and note (JSON text or array)',
    type: [OrderChoiceDto],
    example: '[{"pre_id":"101e36c8e82057bd9b40c387d07e5577","deduction_ids":["point"],"service_fee":[],"note":""}]',
  })
  @IsOptional() @JsonListOf(OrderChoiceDto) @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true })
  orders?: OrderChoiceDto[];
}

export class PreOrderDto extends OrderParamsDto {
  @ApiPropertyOptional({
    description: '收货地址：JSON 再 URL 编码、JSON 字符串或对象 / address: URL-encoded JSON, JSON text or object',
    type: MallAddressDto,
    example: ADDRESS_EXAMPLE,
  })
  @IsOptional() @JsonObjectOf(MallAddressDto) @ValidateNested()
  address?: MallAddressDto;
}

export class CreateOrderDto extends OrderParamsDto {
  @ApiProperty({ description: '商户订单请求号（每个应用唯一）/ merchant request number, unique per app', example: 'SN3546576886989' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64) @Matches(/^[\w.:-]+$/)
  outside_sn: string;

  @ApiProperty({
    description: '收货地址：JSON 再 URL 编码、JSON 字符串或对象 / address: URL-encoded JSON, JSON text or object',
    type: MallAddressDto,
    example: ADDRESS_EXAMPLE,
  })
  @JsonObjectOf(MallAddressDto) @IsObject() @ValidateNested()
  address: MallAddressDto;

  @ApiPropertyOptional({ description: '订单商品表单（JSON 字符串或数组）/ custom form data per group (JSON text or array)', type: [OrderGoodsFormDto], example: '[]' })
  @IsOptional() @JsonListOf(OrderGoodsFormDto) @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true })
  order_goods?: OrderGoodsFormDto[];

  @ApiPropertyOptional({ description: '发票类型（0 电子发票，1 纸质发票）/ invoice type (0 electronic, 1 paper)', example: 0 })
  @IsOptional() @ToInt() @IsIn([0, 1])
  invoice_type?: number;

  @ApiPropertyOptional({ description: '发票抬头（0 单位，1 个人）/ invoice title (0 company, 1 person)', example: 1 })
  @IsOptional() @ToInt() @IsIn([0, 1])
  rise_type?: number;

  @ApiPropertyOptional({ description: '发票称呼 / invoice name', example: '张三' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  call?: string;

  @ApiPropertyOptional({ description: '发票单位识别号 / company tax number', example: '91440101MA5CXXXX0X' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  company_number?: string;

  @ApiPropertyOptional({ description: '同 company_number（兼容文档中的拼写）/ alias of company_number, as spelled in the YunShop document', example: '' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  ncompany_numberote?: string;
}

export class OrderLookupDto extends MallSignedDto {
  @ApiPropertyOptional({ description: '商户订单请求号（与 trade_sn 二选一）/ merchant request number (or trade_sn)', example: 'SN3546576886989' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  outside_sn?: string;

  @ApiPropertyOptional({ description: '商城下单流水号（与 outside_sn 二选一，用 outside_sn 时留空）/ trade number (or outside_sn; empty when outside_sn is given)', example: '' })
  @IsOptional() @ToStr() @IsString() @MaxLength(32)
  trade_sn?: string;
}

export class CloseOrderDto extends MallSignedDto {
  @ApiProperty({ description: '商户订单请求号 / merchant request number', example: 'SN3546576886989' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(64)
  outside_sn: string;
}

export class RefundOrderDto extends MallSignedDto {
  @ApiProperty({ description: '订单号 / order number', example: 'SN220318160213CAD2E1' })
  @ToStr() @IsString() @IsNotEmpty() @MaxLength(32)
  order_sn: string;

  @ApiPropertyOptional({ type: Number, description: '退款金额（元），默认全部可退 / amount in yuan; default: all that remains of the order\'s price', example: 20 })
  @IsOptional() @IsMoney({ min: 0.01, max: 10_000_000 })
  amount?: number | string;

  @ApiProperty({ description: '退款原因 / reason', example: '买家申请退款' })
  @IsString() @IsNotEmpty() @MaxLength(255)
  reason: string;
}
