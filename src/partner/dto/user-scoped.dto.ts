import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PartnerSignedDto } from '../../common/signature/signed-params.dto';
import { ToStr } from '../../common/validation/transforms';

/** Every partner request names its user; everything it reads or changes must belong to that user. */
export class UserScopedDto extends PartnerSignedDto {
  @ApiProperty({ description: '用户 id / user id', example: '41840909af844632885424fbc20cae79' })
  @ToStr() @IsString() @Length(1, 32)
  user_id: string;
}
