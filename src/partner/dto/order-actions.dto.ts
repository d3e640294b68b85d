import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, Matches } from 'class-validator';
import { ToInt, ToStr } from '../../common/validation/transforms';
import { UserScopedDto } from './user-scoped.dto';

/** detail / cancel / repay / receive: one order of the user. */
export class OrderNoDto extends UserScopedDto {
  @ApiProperty({ description: '订单号 / order number', example: '202201071757551641549475668' })
  @ToStr() @IsString() @Matches(/^\d{27}$/)
  order_no: string;
}

export class OrderListDto extends UserScopedDto {
  @ApiPropertyOptional({ description: '订单状态筛选 / status filter', example: 1, enum: [-1, 0, 1, 2, 3] })
  @IsOptional() @ToInt() @IsInt() @IsIn([-1, 0, 1, 2, 3])
  order_status?: number;

  @ApiPropertyOptional({ description: '页码（从 1 开始）/ page, from 1', example: 1, default: 1 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(100000)
  page?: number;

  @ApiPropertyOptional({ description: '每页条数（最多 100）/ page size, at most 100', example: 20, default: 20 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(100)
  page_size?: number;
}
