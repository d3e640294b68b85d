import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { MallApp } from '../../src/database/entities/mall/mall-app.entity';
import { TransactionService } from '../../src/database/transaction.service';
import { Claim, RequestClaim } from '../../src/common/idempotency/request-claim';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
import { MallApi, PartnerApi } from '../../src/common/envelope/api-family.decorator';
import { Signed } from '../../src/common/signature/signed.decorator';
import { MallSignedDto, PartnerSignedDto } from '../../src/common/signature/signed-params.dto';
import { ToInt, ToStr } from '../../src/common/validation/transforms';

/** Counts handler runs, so a test can prove that a refused request ran no business code. */
export const probeCalls = { partner: 0, mall: 0 };

class PartnerProbeDto extends PartnerSignedDto {
  @ToStr() @IsString() @MaxLength(32)
  user_id: string;

  @ToInt() @IsInt() @IsIn([1, 2])
  pay_type: number;
}

class ProbeGoodsDto {
  @ToInt() @IsInt()
  goods_id: number;

  @ToInt() @IsInt()
  total: number;
}

class MallProbeDto extends MallSignedDto {
  @ToInt() @IsInt()
  uid: number;

  @IsArray() @ValidateNested({ each: true }) @Type(() => ProbeGoodsDto)
  goods: ProbeGoodsDto[];
}

/** Lets a test hold one request after its business transaction committed, as a crash before the response would. */
export const afterCommit = { hold: Promise.resolve(), fail: false };

class CommitProbeDto extends PartnerSignedDto {
  @ToStr() @IsString() @MaxLength(24)
  marker: string;
}

@PartnerApi()
@Controller('test-probe')
export class PartnerProbeController {
  constructor(private readonly tx: TransactionService) {}

  /** Commits one row (the "effect"), then waits for the test or fails as if the process broke after COMMIT. */
  @Post('commit')
  @HttpCode(200)
  @Signed('partner')
  async commit(@Body() dto: CommitProbeDto, @Claim() claim?: RequestClaim) {
    const answer = await this.tx.run(async (em) => {
      await em.insert(MallApp, { appId: `p-${dto.marker}-${Math.random().toString(36).slice(2, 10)}`.slice(0, 32), name: dto.marker, secret: 's', notifyUrl: '', enabled: false, createdAt: new Date() });
      return { marker: dto.marker };
    }, claim);
    const hold = afterCommit.hold;
    afterCommit.hold = Promise.resolve();
    await hold;
    if (afterCommit.fail) throw new TypeError('response lost after commit');
    return answer;
  }

  @Post('partner')
  @HttpCode(200)
  @Signed('partner')
  partner(@Body() dto: PartnerProbeDto) {
    probeCalls.partner += 1;
    return { call: probeCalls.partner, user_id: dto.user_id, pay_type: dto.pay_type };
  }
}

@MallApi()
@Controller('order')
export class MallProbeController {
  @Post('probe')
  @HttpCode(200)
  @Signed('mall')
  mall(@Body() dto: MallProbeDto) {
    probeCalls.mall += 1;
    return { call: probeCalls.mall, uid: dto.uid, goods: dto.goods, app_id: dto.app_id };
  }
}
