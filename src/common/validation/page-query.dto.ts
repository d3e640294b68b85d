import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ToInt } from './transforms';

/** `page` and `page_size` of the admin lists: at most 100 rows a page. */
export class PageQueryDto {
  @ApiPropertyOptional({ description: '页码 / page', example: 1, default: 1 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(100000)
  page?: number;

  @ApiPropertyOptional({ description: '每页条数（最多 100）/ page size', example: 20, default: 20 })
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(100)
  page_size?: number;
}
