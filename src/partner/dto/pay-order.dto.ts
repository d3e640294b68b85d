import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { INT32_MAX, ToInt, ToStr } from '../../common/validation/transforms';
import { UserScopedDto } from './user-scoped.dto';

/** POST /app/partner/order/pay (seed 000). Price, level and score come from the pack, never from here. */
export class PayOrderDto extends UserScopedDto {
  @ApiProperty({ description: '支付类型 1:余额 2:支付宝 / 1 balance, 2 Alipay', example: 1, enum: [1, 2] })
  @ToInt() @IsInt() @IsIn([1, 2])
  pay_type: number;

  @ApiProperty({ description: '礼包 id / gift pack id', example: '55fca782f55f406d94e2cecb23d0140b' })
  @ToStr() @IsString() @MaxLength(32)
  gift_pos_id: string;

  @ApiPropertyOptional({ description: '优惠券 id（可选，空串为不用券）/ coupon id, optional', example: '' })
  @IsOptional() @ToStr() @IsString() @MaxLength(32)
  coupon_id?: string;

  @ApiProperty({ description: '地址 id / address id', example: 1 })
  @ToInt() @IsInt() @Min(1) @Max(INT32_MAX)
  address_id: number;
}
