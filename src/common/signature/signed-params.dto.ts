import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ToStr } from '../validation/transforms';

/** Optional replay protection of both schemes (SPEC §3). */
class ReplayFieldsDto {
  @ApiPropertyOptional({ description: '时间戳（秒或毫秒）/ timestamp in seconds or ms', example: '1641549475' })
  @IsOptional() @ToStr() @Matches(/^\d{10}$|^\d{13}$/)
  timestamp?: string;

  @ApiPropertyOptional({ description: '随机串，24 小时内不可重复 / nonce', example: 'a1b2c3d4' })
  @IsOptional() @ToStr() @IsString() @MaxLength(64)
  nonce?: string;
}

/** The signature fields every partner request may carry (SPEC §3); the guard has already checked them. */
export class PartnerSignedDto extends ReplayFieldsDto {
  @ApiProperty({ description: '签名 / signature (32 hex, MD5 by default)', example: '05c098783561b6d0ce4d842f3d71cd61' })
  @IsString() @MaxLength(64)
  sign: string;

  @ApiPropertyOptional({ description: '签名算法 / signature algorithm (default MD5)', enum: ['MD5', 'HMAC-SHA256'], example: 'MD5' })
  @IsOptional() @IsIn(['MD5', 'HMAC-SHA256'])
  sign_type?: string;
}

/** The signature fields of the mall open API (SPEC §3). */
export class MallSignedDto extends ReplayFieldsDto {
  @ApiProperty({ description: '商户应用 ID / merchant app id', example: '2022010600605642' })
  @ToStr() @IsString() @MaxLength(32)
  app_id: string;

  @ApiProperty({ description: '签名 / signature (MD5 upper hex or HMAC-SHA256 hex)', example: 'C4CA4238A0B923820DCC509A6F75849B' })
  @IsString() @MaxLength(64)
  sign: string;

  @ApiPropertyOptional({ description: '签名算法 / signature algorithm (default MD5)', enum: ['MD5', 'SHA256'], example: 'MD5' })
  @IsOptional() @IsIn(['MD5', 'SHA256'])
  sign_type?: string;

  // YunShop's own clients send these two on every route (SPEC §1, docs/api.md). No handler reads them, and they stay
  // out of the document so that Swagger's example bodies do not carry them.
  /** The shop's uniacid: unsigned, so it may not mean anything here. */
  @IsOptional() @ToStr() @IsString() @MaxLength(32)
  i?: string;

  /** Signed; the parameter check has matched it against the route called. */
  @IsOptional() @IsString() @MaxLength(64)
  route?: string;
}
