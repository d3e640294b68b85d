import { Body, Controller, Get, Header, HttpCode, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PartnerApi } from '../../common/envelope/api-family.decorator';
import { ErrorCode } from '../../common/errors/app-error';
import { ApiEnvelope } from '../../common/swagger/api-responses';
import { AlipaySandboxPageFilter } from './alipay-sandbox-page.filter';
import { AlipaySandboxGuard } from './alipay-sandbox.guard';
import { checkoutPage, paidPage } from './alipay-sandbox.pages';
import { AlipaySandboxService } from './alipay-sandbox.service';
import { SandboxPayDto, SandboxPayResultDto } from './dto/alipay-sandbox.dto';

/** The local stand-in for Alipay's gateway (ALIPAY_MODE=sandbox only; 404 otherwise). */
@ApiTags('alipay-sandbox')
@UseGuards(AlipaySandboxGuard)
@Controller('dev/alipay')
export class AlipaySandboxController {
  constructor(private readonly sandbox: AlipaySandboxService) {}

  @Get('gateway')
  @ApiExcludeEndpoint()
  @UseFilters(AlipaySandboxPageFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async gateway(@Query() query: Record<string, unknown>): Promise<string> {
    return checkoutPage(await this.sandbox.checkout(query));
  }

  @Post('gateway/pay')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  @UseFilters(AlipaySandboxPageFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async gatewayPay(@Body() form: Record<string, unknown>): Promise<string> {
    return paidPage(await this.sandbox.payCheckout(form ?? {}));
  }

  @Post('pay')
  @HttpCode(200)
  @PartnerApi()
  @ApiOperation({
    summary: '沙箱支付 / Pay a pending Alipay payment in the sandbox',
    description:
      'Sandbox mode only (404 in live mode). Pays the payment as a buyer would and posts a correctly signed TRADE_SUCCESS notify ' +
      '(amount from the stored payment) to the notify URL; returns what the notify endpoint answered.',
  })
  @ApiEnvelope('partner', SandboxPayResultDto, [ErrorCode.InvalidParams, ErrorCode.NotFound, ErrorCode.IllegalState])
  pay(@Body() dto: SandboxPayDto): Promise<SandboxPayResultDto> {
    return this.sandbox.pay(dto.out_trade_no);
  }
}
